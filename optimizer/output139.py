"""The R. 139 proposal as people read it: in the terminal (French) and as a workbook.

The workbook is the portfolio file itself with each traded line at its value after the trades
(`valeur`, `coupon_couru`, `quantite` of the `Portefeuille` sheet rewritten, a line sold whole removed;
every other sheet —
`Transparence`, `Titres`, `Constats`, the date cell — kept), plus two sheets, `Opérations` and
`Contrôle` (each rule before and after). So `reserves check proposition.xlsx` reads it back: the
holdings of a fund are rescaled to its new value when read (R. 139-17 last paragraph).
"""

from __future__ import annotations

import os
import sys

from reserves.portfolio.fmt import PROPOSAL_STATUS_FR as STATUS_FR
from reserves.portfolio.fmt import STATUS_FR as RULE_STATUS_FR

from .rebalancing import OBJECTIVE_FR

ACTION_FR = {"sell": "vente", "buy": "achat"}


def _eur(cents) -> str:
    from reserves.portfolio.fmt import fr_euros

    return fr_euros(int(cents))


def _pct(x) -> str:
    return "" if x is None else f"{x * 100:.2f}".replace(".", ",") + " %"


def _sec(x) -> str:
    return f"{x or 0:.3f} s".replace(".", ",")


def render(p, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    b = p.before
    v = b.version
    console.print(f"[bold]Proposition de réallocation (R. 139)[/bold] — {p.source} — règlement {v.id}, portefeuille au "
                  f"{b.as_of.strftime('%d/%m/%Y')} ; objectif : {OBJECTIVE_FR[p.objective]}")
    for regime, cents in p.cash.items():
        if cents:
            where = f" (régime {regime})" if regime else ""
            console.print(f"Trésorerie {'à placer' if cents > 0 else 'à lever'}{where} : {_eur(abs(cents))}")
    if p.status == "nothing_to_do":
        console.print("[green]Rien à faire :[/green] aucune limite n'est dépassée ; aucune opération proposée.")
        for note in p.notes[1:]:
            console.print(f"[dim]{note}[/dim]")
        return
    s = p.solver
    kind = f"PLNE ({p.n_binaries} variables binaires du panier des 40 %)" if s.get("mip") else "PL"
    console.print(f"Solveur : HiGHS par Pyomo, {kind}, {s.get('rows')} contraintes × {s.get('columns')} variables ; "
                  f"modèle {_sec(s.get('build_seconds'))}, résolution {_sec(s.get('seconds'))}")
    if p.status == "infeasible":
        console.print("[bold red]Aucun portefeuille conforme possible.[/bold red] Limites en conflit (modèle "
                      "élastique : ce qu'il faudrait relâcher, au moindre total) :")
        for e in p.explanation:
            console.print(f"  [red]✘[/red] {e['message']}")
        for note in p.notes:
            console.print(f"  [dim]{note}[/dim]")
        return
    t = Table(title="Opérations proposées", header_style="bold")
    for h in ("Ligne", "Libellé", "Nature", "Régime", "Sens", "Montant", "Avant", "Après"):
        t.add_column(h, justify="right" if h in ("Montant", "Avant", "Après", "Ligne") else "left")
    for x in p.trades[:300]:
        sens = ACTION_FR[x["action"]] + (" totale" if x["whole"] else "")
        t.add_row(str(x["row"]), x["label"][:60], x["nature"], x["regime"] or "", sens, _eur(x["amount"]),
                  _eur(x["before"]), _eur(x["after"]))
    console.print(t)
    if len(p.trades) > 300:
        console.print(f"… et {len(p.trades) - 300} autres opérations (voir le classeur ou --json).")
    sold = sum(x["amount"] for x in p.trades if x["action"] == "sell")
    bought = sum(x["amount"] for x in p.trades if x["action"] == "buy")
    console.print(f"Ventes : {_eur(sold)}   Achats : {_eur(bought)}   Rotation : {_eur(sold + bought)}")
    console.print(limits_table(p))
    msg = {"optimal": "[green]Portefeuille proposé conforme[/green] (contrôlé à nouveau par le vérificateur R. 139).",
           "unknown": "[yellow]Aucun manquement après les opérations (contrôlé à nouveau) ; des règles restent à "
                      "vérifier faute de données.[/yellow]",
           "breach": "[red]Des manquements restent après les opérations.[/red]"}[p.status]
    console.print(msg)
    for note in p.notes:
        console.print(f"[dim]{note}[/dim]")


def limits_table(p):
    from rich.table import Table

    t = Table(title="Règles avant et après les opérations", header_style="bold")
    for h in ("Règle", "Limite", "Avant", "Après"):
        t.add_column(h, justify="left" if h == "Règle" else "right")
    after = {r.spec.id: r for r in p.after.results} if p.after else {}
    for r in p.before.results:
        a = after.get(r.spec.id)
        if r.status == "not_applicable" and (a is None or a.status == "not_applicable"):
            continue
        t.add_row(r.spec.id, _pct(r.limit), f"{_pct(r.value)} {RULE_STATUS_FR[r.status]}".strip(),
                  "" if a is None else f"{_pct(a.value)} {RULE_STATUS_FR[a.status]}".strip())
    return t


def write_xlsx(p, src_path, out_path) -> None:
    """The portfolio after the trades, in the R. 139 format, with the `Opérations` and `Contrôle` sheets."""
    from openpyxl.styles import Font

    from reserves.portfolio.outputs import save_workbook

    wb = _workbook_of(src_path)
    pf = p.portfolio if p.portfolio is not None else None
    if pf is not None:
        ws = wb[_sheet_name(wb, pf.sheet)]
        hr = pf.header_row
        col = {}
        for c in range(1, ws.max_column + 1):
            text = ws.cell(hr, c).value
            if text is None:
                continue
            for f in ("market_value", "accrued_interest", "quantity"):
                if f in pf.headers and str(text).strip() == str(pf.headers[f]).strip():
                    col[f] = c
        L = pf.lines
        pos = {int(r): j for j, r in enumerate(L["row"].tolist())}
        for t in p.trades:
            r = t["row"]
            if t["whole"]:
                continue
            j = pos[r]
            ws.cell(r, col["market_value"]).value = round(int(L["market_value"].iat[j]) / 100, 2)
            if "accrued_interest" in col:
                ai = int(L["accrued_interest"].iat[j])
                if ai or ws.cell(r, col["accrued_interest"]).value not in (None, ""):
                    ws.cell(r, col["accrued_interest"]).value = round(ai / 100, 2)
            if "quantity" in col and ws.cell(r, col["quantity"]).value not in (None, ""):
                q = L["quantity_exact"].iat[j] if "quantity_exact" in L else L["quantity"].iat[j]
                ws.cell(r, col["quantity"]).value = float(q)
        for r in sorted((t["row"] for t in p.trades if t["whole"]), reverse=True):
            ws.delete_rows(r)  # a line sold whole leaves the sheet
    bold = Font(bold=True)
    for name in ("Opérations", "Contrôle"):
        if name in wb.sheetnames:
            del wb[name]
    ops = wb.create_sheet("Opérations")
    ops.append(["ligne", "libelle", "nature", "regime", "sens", "montant", "avant", "apres"])
    for x in p.trades:
        ops.append([x["row"], x["label"], x["nature"], x["regime"], ACTION_FR[x["action"]] + (" totale" if x["whole"] else ""),
                    x["amount"] / 100, x["before"] / 100, x["after"] / 100])
    ctl = wb.create_sheet("Contrôle")
    ctl.append([f"Proposition : {STATUS_FR[p.status]} — règlement {p.before.version.id}, portefeuille au "
                f"{p.before.as_of.strftime('%d/%m/%Y')}"])
    ctl.append(["regle", "article", "limite", "avant", "statut avant", "apres", "statut apres"])
    after = {r.spec.id: r for r in p.after.results} if p.after else {}
    for r in p.before.results:
        a = after.get(r.spec.id)
        ctl.append([r.spec.id, r.spec.article, r.limit, r.value, RULE_STATUS_FR[r.status],
                    None if a is None else a.value, None if a is None else RULE_STATUS_FR[a.status]])
    for e in p.explanation:
        ctl.append([e["message"]])
    for note in p.notes:
        ctl.append([note])
    for ws in (ops, ctl):
        for c in ws[1 if ws is ops else 2]:
            c.font = bold
        for letter, width in zip("ABCDEFGH", (10, 50, 20, 18, 14, 20, 20, 20)):
            ws.column_dimensions[letter].width = width
        ws.page_setup.orientation = "landscape"  # printed: every column on the page's width
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    for row in ops.iter_rows(min_row=2, min_col=6, max_col=8):
        for c in row:
            c.number_format = '#,##0.00 "€"'
    for row in ctl.iter_rows(min_row=3, min_col=3, max_col=6):
        for c in row:
            if c.column in (3, 4, 6):
                c.number_format = "0.00%"
    save_workbook(wb, out_path)


def _sheet_name(wb, name):
    from reserves.portfolio.parsing import fold

    for n in wb.sheetnames:
        if fold(n) == fold(name):
            return n
    return wb.sheetnames[0]


def _workbook_of(path):
    """The source workbook as an openpyxl workbook: itself for xlsx; every sheet's cells copied for ods or csv."""
    import openpyxl

    if str(path).lower().endswith((".xlsx", ".xlsm")):
        return openpyxl.load_workbook(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if str(path).lower().endswith(".csv"):
        import csv

        with open(path, "rb") as fh:
            raw = fh.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        sep = ";" if text.count(";") >= text.count(",") else ","
        ws = wb.create_sheet("Portefeuille")
        for row in csv.reader(text.splitlines(), delimiter=sep):
            ws.append(row)
        return wb
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(os.fspath(path))
    for name in book.sheet_names:
        ws = wb.create_sheet(name)
        for row in book.get_sheet_by_name(name).to_python():
            ws.append(list(row))
    return wb
