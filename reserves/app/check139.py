"""`reserves check` on a portfolio under R. 139-1 to R. 139-56 (`R139-2019-07-08`).

Reads the file with its `Transparence` sheet, the TPT files given
(`--transparence`) and the `Constats` sheet, checks every rule on each régime
apart, prints the verdict (JSON of SPEC §3 and SPEC-R139 §4 with `--json`),
and returns the exit code (0 conforme, 1 manquement, 2 entrée invalide,
3 à vérifier).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

SYMBOL = {"ok": ("✔", "green"), "breach": ("✘", "red"), "unknown": ("?", "yellow"), "not_applicable": ("–", "dim")}


_DATE_CELL = None


def stated_date(path, sheet: str | None = None):
    """The date a file states (SPEC §4): a cell « Date d'arrêté : 31/12/2025 » (or `date_arrete` beside a date) in
    the rows above the header, or on a sheet `Paramètres`; None when there is none or the file cannot be read."""
    import re

    from reserves.portfolio.parsing import fold

    global _DATE_CELL
    if _DATE_CELL is None:
        _DATE_CELL = re.compile(r"date\s*(d[' ]?arrete|_arrete)\s*[:=]?\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")

    def scan(rows):
        for row in rows:
            cells = [c for c in row if c not in (None, "")]
            for k, c in enumerate(cells):
                text = fold(str(c))
                m = _DATE_CELL.search(text)
                if m:
                    try:
                        return dt.date(int(m.group(4)), int(m.group(3)), int(m.group(2)))
                    except ValueError:
                        return None
                if text.replace(" ", "_") in ("date_arrete", "date_d'arrete", "date_darrete") and k + 1 < len(cells):
                    nxt = cells[k + 1]
                    if isinstance(nxt, dt.datetime):
                        return nxt.date()
                    if isinstance(nxt, dt.date):
                        return nxt
                    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", str(nxt).strip())
                    if m:
                        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if any(fold(str(c)).strip() in ("libelle", "name") for c in cells):
                return None  # the header: the title rows are over
        return None

    try:
        if str(path).lower().endswith(".csv"):
            return scan(_first_rows(path, sheet))
        from reserves.portfolio.reader import open_workbook  # the reader's checks first (far cells, panics)

        wb = open_workbook(path)
        names = wb.sheet_names
        order = [n for n in names if fold(n) == fold(sheet or "Portefeuille")] or names[:1]
        for n in order + [n for n in names if fold(n) == "parametres"]:
            rows = wb.rows(n, nrows=30)
            d = scan(rows)
            if d is not None:
                return d
    except Exception:
        return None
    return None


def _first_rows(path, sheet: str | None, n: int = 30) -> list:
    """The first rows of the portfolio sheet (the first sheet if none is named « Portefeuille »), or of a CSV."""
    from reserves.portfolio.parsing import fold

    if str(path).lower().endswith(".csv"):
        with open(path, "rb") as fh:
            head = fh.read(65536)
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 3:  # the cut fell inside a character
                text = head[:e.start].decode("utf-8", errors="replace")
            else:  # a French Excel's CSV
                text = head.decode("cp1252", errors="replace")
        sep = ";" if text.count(";") >= text.count(",") else ","
        return [line.split(sep) for line in text.splitlines()[:n]]
    from reserves.portfolio.reader import open_workbook  # the reader's checks first (far cells, panics)

    wb = open_workbook(path)
    names = wb.sheet_names
    chosen = [x for x in names if fold(x) == fold(sheet or "Portefeuille")] or names[:1]
    return wb.rows(chosen[0], nrows=n) if chosen else []


def has_nature_header(path, sheet: str | None = None) -> bool:
    """The header of the file has R. 139's `nature` column (or its alias `asset_type`): a look at its first rows."""
    from reserves.portfolio.parsing import fold

    try:
        rows = _first_rows(path, sheet)
    except Exception:
        return False
    for row in rows:
        keys = {fold(str(c)).replace(" ", "").replace("_", "").replace("-", "") for c in row if c not in (None, "")}
        if "nature" in keys or "assettype" in keys:
            return True
    return False


def parse_regimes(text: str | None):
    """`--regime-simplifie` alone: the whole body (True); with names: those régimes."""
    if text is None:
        return False
    if text is True or text == "":
        return True
    names = {t.strip() for t in str(text).split(",") if t.strip()}
    return names or True


def run(args, version, day: dt.date, source: str, print_problems) -> int:
    from constraints.r139.checker import check
    from constraints.r139.inputs import from_portfolio
    from reserves.portfolio.errors import InputError
    from reserves.portfolio.model139 import load

    try:
        pf = load(args.file, sheet_name=args.sheet, transparence=getattr(args, "transparence", None) or (),
                  as_of=day, as_of_source=source, free_columns=getattr(args, "free_columns", None) or ())
        inp = from_portfolio(pf, args.file)
    except InputError as err:
        return print_problems(err, args.json)
    from reserves.app.audit import cli as audit_cli

    if audit_cli.wanted(args):
        found = earlier_observations(args, pf.source, day)
        if isinstance(found, int):
            return found
        inp.observations = list(inp.observations) + found
    options = {"simplified": parse_regimes(getattr(args, "regime_simplifie", None)),
               "simplified_since": getattr(args, "regime_simplifie_depuis", None),
               "max_age_days": getattr(args, "anciennete_transparence", None)}
    if getattr(args, "orders", None):  # the pre-investment check: reserves/app/orders139_cmd.py
        from reserves.app.orders139_cmd import run_orders

        return run_orders(args, pf, inp, version, day, source, print_problems, options)
    verdict = check(inp, version, as_of=day, **options)
    verdict.as_of_source = source
    doc = verdict.to_dict()
    doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
    if args.json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
    else:
        render(verdict, pf)
    if audit_cli.wanted(args):
        failed = audit_cli.record(args, "check", pf, version.id, verdict.status, doc)
        if failed is not None:
            return failed
    return verdict.exit_code


def earlier_observations(args, file_name: str, day: dt.date):
    """R. 139-48: the breaches found by earlier checks of the same portfolio (same file name) in the audit journal,
    as `Constats` rows dated by the portfolio date of the check that first found them; an exit code (2) when the
    journal cannot be read."""
    import sys as _sys

    from reserves.app.audit import AuditError, AuditLog

    try:
        with AuditLog(getattr(args, "base", None)) as log:
            records = log.list(0, kind="check")
    except AuditError as exc:
        _sys.stderr.write(f"Erreur : {exc}\n")
        return 2
    first: dict = {}
    for rec in records:
        if rec.file_name != file_name or not str(rec.version or "").startswith("R139"):
            continue
        payload = rec.payload or {}
        try:
            seen = dt.date.fromisoformat(str(payload.get("as_of") or rec.created_at)[:10])
        except ValueError:
            continue
        if seen >= day:
            continue
        for f in payload.get("findings", []):
            if f.get("status") != "breach" or str(f.get("rule", "")).startswith("R139-48/"):
                continue
            key = (f.get("rule"), f.get("subject"), f.get("regime"))
            if key not in first or seen < first[key]:
                first[key] = seen
    return [{"regle": r, "sujet": s_, "regime": g, "premier_constat": d, "cause": None, "row": None}
            for (r, s_, g), d in first.items()]


def _pct(x) -> str:
    return "" if x is None else f"{x * 100:.2f}".replace(".", ",") + " %"


def render(verdict, pf, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    from reserves.portfolio.fmt import fr_euros

    console = console or Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    v = verdict.version
    console.print(f"[bold]Contrôle des placements[/bold] — {pf.source} (feuille « {pf.sheet} », {verdict.n_lines} "
                  f"lignes, {verdict.n_lookthrough} lignes vues par transparence)")
    src = f" ({verdict.as_of_source})" if verdict.as_of_source else ""
    console.print(f"Règlement appliqué : {v.id} — {v.set_by}, en vigueur {v.period_fr()} ; portefeuille au "
                  f"{verdict.as_of.strftime('%d/%m/%Y')}{src}")
    mode = {"complet": "régime complet", "simplifie": "régime simplifié (R. 139-10)", "mixte": "régimes mixtes"}
    console.print(f"Actif de placement : {fr_euros(verdict.base)} — {mode[verdict.regime]}")
    if len(verdict.regimes) > 1:
        for r in verdict.regimes:
            console.print(f"  régime « {r['regime']} » ({mode[r['mode']]}) : {fr_euros(r['base'])}")
    for w in verdict.warnings:
        console.print(f"[yellow]Avertissement :[/yellow] {w}")
    table = Table(show_lines=False, header_style="bold")
    for name, just in (("", "left"), ("Règle", "left"), ("Article", "left"), ("Valeur", "right"),
                       ("Limite", "right"), ("Constats", "right")):
        table.add_column(name, justify=just)
    for r in verdict.results:
        sym, style = SYMBOL[r.status]
        n_b = sum(f.status == "breach" for f in r.findings)
        n_u = sum(f.status == "unknown" for f in r.findings)
        counts = ", ".join(x for x in (f"{n_b} ✘" if n_b else "", f"{n_u} ?" if n_u else "") if x)
        table.add_row(f"[{style}]{sym}[/{style}]", f"{r.spec.title}\n[dim]{r.spec.id}[/dim]", r.spec.article,
                      _pct(r.value), _pct(r.limit), counts)
    console.print(table)
    for f in verdict.findings:
        sym, style = SYMBOL[f.status]
        where = ""
        if f.rows:
            where = " — lignes " + ", ".join(map(str, f.rows[:12])) + ("…" if len(f.rows) > 12 else "")
        if f.via:
            via = f.via if isinstance(f.via, str) else ", ".join(f.via[:5])
            where += f" — via {via}"
        reg = f" (régime {f.regime})" if f.regime else ""
        from rich.markup import escape  # user text (labels, issuers) is never read as markup

        console.print(f"[{style}]{sym}[/{style}] {escape(f.rule + reg + ' — ' + str(f.subject) + where)}\n    "
                      f"{escape(f.message)}")
    status_fr = {"ok": "conforme", "breach": "manquement(s)", "unknown": "à vérifier"}[verdict.status]
    console.print(f"[bold]Verdict : {status_fr}[/bold]")
