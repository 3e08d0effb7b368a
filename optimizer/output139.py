"""The R. 139 proposal as people read it: in the terminal (French) and as a workbook.

The workbook is the portfolio file itself with each traded line at its value after the trades
(`valeur`, `coupon_couru`, `quantite` of the `Portefeuille` sheet rewritten, a line sold whole removed;
every other sheet — `Titres`, `Constats`, the date cell — kept), plus two sheets, `Opérations` and
`Contrôle` (each rule before and after). The `Transparence` sheet keeps its inventories (the holdings of a
fund are rescaled to its new value when read, R. 139-17 last paragraph), loses those of a fund sold whole,
and gains the inventories read from TPT files (`--transparence`), rescaled to the proposed value of their
fund: so `reserves check proposition.xlsx` reads the proposal back alone, without the TPT files.
"""

from __future__ import annotations

import os
import sys

from reserves.portfolio.fmt import PROPOSAL_STATUS_FR as STATUS_FR
from reserves.portfolio.fmt import STATUS_FR as RULE_STATUS_FR

from .rebalancing import OBJECTIVE_FR

ACTION_FR = {"sell": "vente", "buy": "achat", "reduce": "réduction du contrat"}


def side_fr(t: dict, *, cents: bool = True, short: bool = False) -> str:
    """A trade's sense in French: « vente », « achat » (« totale » when whole); for a financial contract,
    « dénouement total du contrat », or « réduction du contrat à 66,67 % : exposition A → B » (its notional where
    the exposure is not given; `short`: without the figures). `cents`: the amounts of `t` are cents (a `Proposal139`'s), else euros (its JSON)."""
    from reserves.portfolio.fmt import fr_euros

    if t.get("action") != "reduce":
        return ACTION_FR.get(t.get("action"), str(t.get("action"))) + (" totale" if t.get("whole") else "")
    if t.get("whole"):
        return "dénouement total du contrat"
    if short:
        return "réduction du contrat"

    def eur(x):
        return fr_euros(int(x) if cents else int(round(x * 100)))

    out = f"réduction du contrat à {_pct(t.get('kept'))}"
    for f, name in (("exposure", "exposition"), ("notional", "notionnel")):
        if t.get(f + "_before") is not None:
            return out + f" : {name} {eur(t[f + '_before'])} → {eur(t[f + '_after'])}"
    return out


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
        sens = side_fr(x)
        t.add_row(str(x["row"]), x["label"][:60], x["nature"], x["regime"] or "", sens, _eur(x["amount"]),
                  _eur(x["before"]), _eur(x["after"]))
    console.print(t)
    if len(p.trades) > 300:
        console.print(f"… et {len(p.trades) - 300} autres opérations (voir le classeur ou --json).")
    sold = sum(x["amount"] for x in p.trades if x["action"] == "sell")
    bought = sum(x["amount"] for x in p.trades if x["action"] == "buy")
    console.print(f"Ventes : {_eur(sold)}   Achats : {_eur(bought)}   Rotation : {_eur(sold + bought)}")
    reduced = [x for x in p.trades if x["action"] == "reduce"]
    if reduced:
        console.print(f"Contrats financiers réduits ou dénoués : {len(reduced)} (valeur, exposition et notionnel "
                      "réduits dans la même proportion)")
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
            for f in ("market_value", "accrued_interest", "quantity", "notional", "exposure"):
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
            if t["action"] == "reduce":  # a contract reduced: its notional and exposure with it
                for f in ("notional", "exposure"):
                    if f in col and t.get(f + "_after") is not None:
                        ws.cell(r, col[f]).value = round(t[f + "_after"] / 100, 2)
        for r in sorted((t["row"] for t in p.trades if t["whole"]), reverse=True):
            ws.delete_rows(r)  # a line sold whole leaves the sheet
        copied = write_lookthrough(wb, p)
        if copied:
            p.notes.append("feuille « Transparence » : inventaires des fichiers TPT recopiés, ramenés à la valeur "
                           "proposée de leur fonds : " + ", ".join(copied))
    bold = Font(bold=True)
    for name in ("Opérations", "Contrôle"):
        if name in wb.sheetnames:
            del wb[name]
    ops = wb.create_sheet("Opérations")
    ops.append(["ligne", "libelle", "nature", "regime", "sens", "montant", "avant", "apres", "part_conservee",
                "exposition_avant", "exposition_apres", "notionnel_avant", "notionnel_apres"])
    for x in p.trades:
        row = [x["row"], x["label"], x["nature"], x["regime"], side_fr(x, short=True), x["amount"] / 100, x["before"] / 100,
               x["after"] / 100]
        if x["action"] == "reduce":
            row += [x["kept"]] + [None if x.get(k) is None else x[k] / 100
                                  for k in ("exposure_before", "exposure_after", "notional_before", "notional_after")]
        ops.append(row)
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
        for letter, width in zip("ABCDEFGHIJKLM", (10, 50, 20, 18, 26, 20, 20, 20, 14, 20, 20, 20, 20)):
            ws.column_dimensions[letter].width = width
        ws.page_setup.orientation = "landscape"  # printed: every column on the page's width
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    for row in ops.iter_rows(min_row=2, min_col=6, max_col=13):
        for c in row:
            c.number_format = "0.00%" if c.column == 9 else '#,##0.00 "€"'
    for row in ctl.iter_rows(min_row=3, min_col=3, max_col=6):
        for c in row:
            if c.column in (3, 4, 6):
                c.number_format = "0.00%"
    save_workbook(wb, out_path)


def _blank(x) -> bool:
    import pandas as pd

    return x is None or (not isinstance(x, str) and bool(pd.isna(x)))


def _cell(column, h, i):
    """The cell of holding i for a column of the `Transparence` sheet, as the reader reads it back."""
    from reserves.portfolio import parsing as P
    from reserves.portfolio.columns139 import CHOICES, FUND_NATURES

    f, kind = column.field, column.kind
    if f not in h:
        return None
    x = h[f].iat[i]
    if kind == "bool":
        return {P.TRUE: "oui", P.FALSE: "non"}.get(int(x))
    if kind in ("money", "signed_money", "nonneg_money"):
        return None if _blank(x) else round(int(x) / 100, 2)
    if kind in ("number", "exact_ratio"):
        d = h[f + "_exact"].iat[i] if f + "_exact" in h else x
        if _blank(d):
            return None
        if f != "quantity":
            return _decimal_cell(d, up=None)
        # a holding's units, rounded as the proposal's lines are (`optimizer.r139.round_quantity`): a fund's up,
        # a security's down (its unit price, and so its issue under R. 139-46, can only grow)
        given = "equity_or_debt_given" in h and bool(h["equity_or_debt_given"].iat[i])
        return _decimal_cell(d, up=str(h["nature"].iat[i]) in FUND_NATURES and not given)
    if f == "equity_or_debt" and "equity_or_debt_given" in h and not h["equity_or_debt_given"].iat[i]:
        return None  # the default of its nature (RR 9), not written by the inventory
    if _blank(x):
        return None
    return str(x) if kind in CHOICES else x


def _decimal_cell(d, *, up: bool | None):
    """An exact number as a cell: an int, a float that reads back to the same decimal, else its text; a rescaled
    quantity (a fraction, `up` True or False) rounded to 1/10 000 in that direction (`round_quantity`); another
    fraction (`up` None) to 1/10 000 away from zero."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
    from fractions import Fraction

    from .r139 import round_quantity

    if isinstance(d, Fraction):
        q = Decimal(d.numerator) / Decimal(d.denominator)
        if up is not None:
            q = round_quantity(d, up=up)
        elif q != Fraction(d):
            q = q.quantize(Decimal("0.0001"), rounding=ROUND_CEILING if d >= 0 else ROUND_FLOOR)
        d = q
    d = Decimal(str(d)) if not isinstance(d, Decimal) else d
    if d == d.to_integral_value():
        return int(d)
    f = float(d)
    return f if Decimal(repr(f)) == d else str(d)


def write_lookthrough(wb, p) -> list:
    """The `Transparence` sheet of the proposal: the rows of a fund sold whole removed (its inventory would name a
    fund the portfolio no longer has), the inventories read from TPT files appended, rescaled to the proposed value
    of their fund's lines. Returns the funds copied."""
    from reserves.portfolio import lookthrough as LT
    from reserves.portfolio.columns139 import LOOKTHROUGH_COLUMNS
    from reserves.portfolio.model139 import LOOKTHROUGH_SHEET
    from reserves.portfolio.parsing import fold

    pf = p.portfolio
    kept = {id(inv) for inv in pf.inventory_list}
    name = next((n for n in wb.sheetnames if fold(n) == fold(LOOKTHROUGH_SHEET)), None)
    before = p.inventories_before or []
    gone_rows = sorted({int(r) for inv in before if id(inv) not in kept and inv.kind != "TPT" and name
                        and fold(inv.sheet) == fold(name) for r in inv.holdings["row"].tolist()}, reverse=True)
    tpt = [inv for inv in pf.inventory_list if inv.kind == "TPT"]
    if not gone_rows and not tpt:
        return []
    ws = wb[name] if name else wb.create_sheet(LOOKTHROUGH_SHEET, index=1)
    for r in gone_rows:
        ws.delete_rows(r)
    if not tpt:
        return []
    by_fold = {}
    for c in LOOKTHROUGH_COLUMNS:
        by_fold[fold(c.header)] = c
        by_fold[fold(c.alias)] = c
    header_row, cols = None, {}
    for r in range(1, min(ws.max_row, 30) + 1):
        found = {by_fold[fold(str(v))].field: j + 1 for j, v in enumerate(next(ws.iter_rows(
            min_row=r, max_row=r, values_only=True))) if v is not None and fold(str(v)) in by_fold}
        if "fund" in found:
            header_row, cols = r, found
            break
    if header_row is None:
        header_row = 1 if ws.max_row <= 1 and ws.cell(1, 1).value is None else ws.max_row + 2
    by_field = {c.field: c for c in LOOKTHROUGH_COLUMNS}
    blocks, copied = [], []
    for inv, found in zip(tpt, LT.match_funds(pf.lines, tpt)):
        total = int(sum(int(pf.lines["value"].iat[i]) for i in found))
        h = inv.holdings
        if total > 0 and len(h) and int(sum(h["value"].tolist())) > 0:
            h, _ = LT.rescale(h, total)
        cells = {"fund": [inv.fund] * len(h), "valuation_date": [inv.valuation_date] * len(h)}
        for c in LOOKTHROUGH_COLUMNS[2:]:
            col = [_cell(c, h, i) for i in range(len(h))]
            if any(x is not None for x in col):
                cells[c.field] = col
        blocks.append((len(h), cells))
        copied.append(f"{inv.fund} ({inv.source}, {len(h)} lignes)")
    for c in LOOKTHROUGH_COLUMNS:  # a column the inventories fill and the sheet lacks: added to its header
        if c.field not in cols and any(c.field in cells for _, cells in blocks):
            col = max(cols.values(), default=0) + 1
            ws.cell(header_row, col).value = c.header
            cols[c.field] = col
    row = max(ws.max_row, header_row) + 1
    for k, cells in blocks:
        for f, values in cells.items():
            col = cols[f]
            for i, value in enumerate(values):
                if value is not None:
                    ws.cell(row + i, col).value = value
        row += k
    return copied


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
