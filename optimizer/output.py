"""A proposal for its readers: the terminal (rich), and an Excel workbook whose first sheet,
`Portefeuille`, is the portfolio after the trades in the input format (`reserves check` reads it)."""

from __future__ import annotations

import contextlib
import sys

from reserves.portfolio.fmt import POCKET_FR, PROPOSAL_STATUS_FR, SENSE_FR, STATUS_FR, fr_euros, fr_pct, fr_seconds

SOLVER_STATUS_FR = {"Optimal": "optimal", "Infeasible": "infaisable", "Time limit reached": "limite de temps atteinte",
                    "Unbounded": "non borné", "Primal infeasible or unbounded": "infaisable"}


RESULT_FR = {**STATUS_FR, "warning": "alerte"}
PROPOSAL_FR = {k: PROPOSAL_STATUS_FR[k] for k in ("optimal", "infeasible")}


def _objective_fr(objective):
    from .rebalancing import OBJECTIVE_FR

    return OBJECTIVE_FR.get(objective, objective)


def settings_rows(st: dict) -> list:
    """The user's settings of a proposal, in French, as (label, value) rows (workbook, web page)."""
    def pct(x):
        return fr_pct(float(x))

    rows = []
    m = st.get("margins")
    if isinstance(m, dict):
        rows.append(("Marges de sécurité", ", ".join(f"{k} : {pct(v)}" for k, v in m.items())))
    elif m:
        rows.append(("Marge de sécurité", pct(m)))
    cash = st.get("cash") or {}
    for k, v in cash.items():
        if v:
            rows.append((f"Trésorerie de la poche {POCKET_FR.get(k, k)}", _eur(v)))
    if st.get("locked_rows"):
        rows.append(("Lignes bloquées", ", ".join(map(str, st["locked_rows"]))))
    rows.append(("Univers", "oui" if st.get("universe") else "non (lignes détenues seulement)"))
    if st.get("lots") is not None:
        rows.append(("Quotités", str(st["lots"])))
    if st.get("min_trade") is not None:
        rows.append(("Montant minimal d'opération", str(st["min_trade"])))
    if "buy_cap" in st:
        rows.append(("Plafond d'achat par émetteur", "aucun" if st["buy_cap"] is None else pct(st["buy_cap"])))
    if st.get("restrict_buys") is not None:
        rows.append(("Achats d'immeubles, de prêts, de lignes non cotées",
                     "autorisés" if not st["restrict_buys"] else
                     ("catégories autorisées : " + ", ".join(st["buy_categories"]) if st.get("buy_categories")
                      else "exclus")
                     + (" ; lignes autorisées : " + ", ".join(map(str, st["buy_rows"])) if st.get("buy_rows") else "")))
    if "spread" in st:
        rows.append(("Répartition des achats", "au plus près des avoirs actuels" if st["spread"] else "non"))
    if st.get("matured_rows"):
        rows.append(("Lignes échues (jamais achetées)", ", ".join(map(str, st["matured_rows"]))))
    return rows


def _widths(ws, widths: dict) -> None:
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


def _pct(x):
    return "" if x is None else fr_pct(x)


_sec = fr_seconds


def _eur(x):
    return "" if x is None else fr_euros(int(round(x * 100)))


def progress_factory(console=None, label: str = "Résolution par HiGHS"):
    """A context manager factory for long solves: a spinner with the elapsed time, on standard error."""
    from rich.console import Console

    console = console or Console(stderr=True, highlight=False)

    @contextlib.contextmanager
    def progress():
        if not console.is_terminal:
            shown = {"last": 0.0}

            def tick(elapsed):  # a line every ten seconds when not on a terminal
                if elapsed - shown["last"] >= 10:
                    shown["last"] = elapsed
                    console.print(f"{label} : {elapsed:.0f} s écoulées…")
            yield tick
            return
        with console.status(f"{label}…") as status:
            def tick(elapsed):
                status.update(f"{label} : {elapsed:.1f} s écoulées…")
            yield tick
    return progress


def _limits_table(before, after):
    from rich.table import Table

    t = Table(title="Limites (part de la base R. 623-10-1)", header_style="bold")
    for h, j in (("Règle", "left"), ("Article", "left"), ("Limite", "right"), ("Marge", "right"),
                 ("Avant", "right"), ("Après", "right"), ("Statut après", "left")):
        t.add_column(h, justify=j)
    after_by = {x["rule"]: x for x in (after or {}).get("limits", [])}
    for x in before["limits"]:
        y = after_by.get(x["rule"], {})
        lim = ("≥ " if x["sense"] == "min" else "≤ ") + _pct(x["limit"]) if x["limit"] is not None else ""
        t.add_row(f"{x.get('title') or x['rule']}\n[dim]{x['rule']}[/dim]", x["article"], lim,
                  _pct(x["margin"]) if x["margin"] else "", _pct(x["value"]), _pct(y.get("value")),
                  RESULT_FR.get(y.get("status"), ""))
    return t


def _categories_table(before, after):
    from rich.table import Table

    t = Table(title="Allocation par catégorie (réserves, hors disponibilités exclues)", header_style="bold")
    for h in ("Catégorie", "Avant", "Part avant", "Après", "Part après"):
        t.add_column(h, justify="left" if h == "Catégorie" else "right")
    b = {c["categorie"]: c for c in before["categories"]}
    a = {c["categorie"]: c for c in (after or {}).get("categories", [])}
    keys = sorted(set(b) | set(a), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    for k in keys:
        x, y = b.get(k, {}), a.get(k, {})
        t.add_row(k + ("°" if k.isdigit() else ""), _eur(x.get("euros")), _pct(x.get("part")), _eur(y.get("euros")),
                  _pct(y.get("part")))
    return t


def render_proposal(p, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    from .rebalancing import OBJECTIVE_FR

    console = console or Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    s = p.solver
    console.print(f"[bold]Proposition de réallocation[/bold] — {p.portfolio_before.source} — objectif : "
                  f"{OBJECTIVE_FR[p.objective]}")
    kind = "PLNE (quotités ou seuils)" if s.get("mip") else "PL"
    console.print(f"Solveur : {s['name']}, {kind}, {s['rows']} contraintes × {s['columns']} variables ; statut "
                  f"« {SOLVER_STATUS_FR.get(s['status'], s['status'])} » ; modèle {_sec(s['build_seconds'])}, résolution "
                  f"{_sec(s['seconds'])}")
    if p.status != "optimal":
        console.print("[bold red]Aucun portefeuille conforme n'existe sous ces contraintes.[/bold red] "
                      "Règles en conflit (écart minimal à accepter pour les tenir toutes) :")
        for e in p.explanation:
            console.print(f"  [red]✘[/red] {e['message']}")
        for note in p.notes:
            console.print(f"[dim]{note}[/dim]")
        return
    if not p.trades:
        console.print("[green]Aucune opération nécessaire :[/green] le portefeuille respecte déjà toutes les limites "
                      "(marges comprises).")
    else:
        t = Table(title="Opérations proposées", header_style="bold")
        for h in ("Ligne", "Libellé", "Cat.", "Poche", "Sens", "Montant", "Avant", "Après"):
            t.add_column(h, justify="right" if h in ("Montant", "Avant", "Après", "Ligne") else "left")
        for x in p.trades[:300]:
            where = f"{x['row']}" if x["source"] == "portefeuille" else f"U{x['row']}"
            t.add_row(where, x["libelle"][:60], x["categorie"], POCKET_FR.get(x["poche"], x["poche"]), x["sens"],
                      _eur(x["montant"]), _eur(x["avant"]), _eur(x["après"]))
        console.print(t)
        if len(p.trades) > 300:
            console.print(f"… et {len(p.trades) - 300} autres opérations (voir le fichier Excel ou --json).")
        sold = sum(x["montant"] for x in p.trades if x["sens"] == "vente")
        bought = sum(x["montant"] for x in p.trades if x["sens"] == "achat")
        console.print(f"Ventes : {_eur(sold)}   Achats : {_eur(bought)}   Rotation : {_eur(sold + bought)}")
    console.print(_categories_table(p.allocation_before, p.allocation_after))
    console.print(_limits_table(p.allocation_before, p.allocation_after))
    st = p.verdict_after.status
    msg = {"ok": "[green]Portefeuille proposé conforme[/green] (contrôlé à nouveau par le vérificateur).",
           "unknown": "[yellow]Aucun manquement après les opérations ; des règles restent à vérifier faute de "
                      "données.[/yellow]"}.get(st, st)
    console.print(msg)
    for note in p.notes:
        console.print(f"[dim]{note}[/dim]")


def write_proposal_xlsx(p, path) -> None:
    """The proposal workbook: `Portefeuille` (after the trades, input format), `Opérations`, `Allocation`,
    `Limites`, `Résolution` (or `Conflits` when no compliant portfolio exists)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from reserves.portfolio.outputs import save_workbook
    from reserves.portfolio.writer import MONEY_FORMAT, add_portfolio_sheet

    wb = Workbook()
    wb.remove(wb.active)

    def sheet(title, headers, rows, money=()):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(list(r))
        for j in money:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = MONEY_FORMAT
        ws.freeze_panes = "A2"
        ws.column_dimensions["B"].width = 50
        return ws

    if p.status == "optimal":
        add_portfolio_sheet(wb, p.portfolio_after)
        ws = sheet("Opérations", ["Ligne", "Source", "Libellé", "Catégorie", "Poche", "Sens", "Montant", "Avant",
                                  "Après"],
                   ([x["row"], x["source"], x["libelle"], x["categorie"], POCKET_FR.get(x["poche"], x["poche"]),
                     x["sens"], x["montant"], x["avant"], x["après"]] for x in p.trades), money=(7, 8, 9))
        _widths(ws, {"C": 60, "G": 18, "H": 18, "I": 18})
    else:
        ws = sheet("Conflits", ["Règle", "Titre", "Article", "Euros", "Explication"],
                   ([e["rule"], e.get("title"), e["article"], e["euros"], e["message"]] for e in p.explanation),
                   money=(4,))
        _widths(ws, {"A": 34, "B": 40, "D": 18, "E": 120})
    b = {c["categorie"]: c for c in p.allocation_before["categories"]}
    a = {c["categorie"]: c for c in (p.allocation_after or {}).get("categories", [])}
    keys = sorted(set(b) | set(a), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    ws = sheet("Allocation", ["Catégorie", "Avant", "Part avant", "Après", "Part après"],
               ([k + ("°" if k.isdigit() else ""), b.get(k, {}).get("euros"), b.get(k, {}).get("part"),
                 a.get(k, {}).get("euros"), a.get(k, {}).get("part")] for k in keys), money=(2, 4))
    _widths(ws, {"B": 20, "C": 12, "D": 20, "E": 12})
    for col in (3, 5):
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "0.00%"
    after_by = {x["rule"]: x for x in (p.allocation_after or {}).get("limits", [])}
    ws = sheet("Limites", ["Règle", "Titre", "Article", "Sens", "Limite", "Marge", "Avant", "Après", "Statut après"],
               ([x["rule"], x.get("title"), x["article"], SENSE_FR.get(x["sense"], x["sense"]), x["limit"],
                 x["margin"], x["value"], after_by.get(x["rule"], {}).get("value"),
                 RESULT_FR.get(after_by.get(x["rule"], {}).get("status"), "")]
                for x in p.allocation_before["limits"]))
    _widths(ws, {"A": 34, "B": 55, "C": 14, "D": 10, "I": 14})
    for col in (5, 6, 7, 8):
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "0.00%"
    s = p.solver
    st = p.settings
    info = [("Statut", PROPOSAL_FR.get(p.status, p.status)), ("Objectif", _objective_fr(p.objective)),
            ("Solveur", s["name"]), ("Statut du solveur", SOLVER_STATUS_FR.get(s["status"], s["status"])),
            ("Programme", "PLNE (quotités ou montants minimaux)" if s.get("mip") else "PL"),
            ("Résolution HiGHS (s)", s["seconds"]), ("Construction du modèle (s)", s["build_seconds"]),
            ("Contraintes", s["rows"]), ("Variables", s["columns"]),
            ("Presolve", {"on": "oui", "off": "non"}.get(s["presolve"], s["presolve"])),
            ("Version du règlement", st.get("version")), ("Date du portefeuille", st.get("as_of"))]
    info += settings_rows(st)
    info += [("Note", n) for n in p.notes]
    ws = sheet("Résolution", ["Élément", "Valeur"], info)
    _widths(ws, {"A": 30, "B": 120})
    save_workbook(wb, path)
