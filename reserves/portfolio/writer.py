"""Write a portfolio back as a spreadsheet in the input format (SPEC §1).

The `Portefeuille` sheet written here is read back by `reserves check` to
the same lines, values (to the cent), flags and quantities: the French
headers of `reserves.portfolio.columns`, one row per line under a single header row,
money as numbers in euros, yes/no columns as `oui`/`non` (empty when the file
did not say), other columns carried through as they were read.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from reserves.portfolio import parsing as P
from reserves.portfolio.columns import COLUMNS

PORTFOLIO_SHEET = "Portefeuille"
MONEY_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
BOOL_FIELDS = ("realisable_euro", "fund_euro_1_4", "fund_1_3", "recognised_market", "custody", "ucits",
               "liquidity_clause", "issue_price_guarantee", "eea_credit_institution", "property_dealer",
               "forest_assets", "hedge")
TEXT_FIELDS = ("label", "currency", "isin", "issuer", "lei", "legal_form", "property", "country", "pocket", "exclusion")


def _fields(pf) -> list:
    L = pf.lines
    wanted = set(pf.present)
    wanted |= {"label", "category", "market_value", "currency"}
    if (L["accrued_interest"].to_numpy() != 0).any():
        wanted.add("accrued_interest")
    if L["gestion"].to_numpy(dtype=bool).any():
        wanted.add("pocket")
    if L["excluded"].to_numpy(dtype=bool).any() or L["exclusion"].notna().any():
        wanted.add("exclusion")
    return [c for c in COLUMNS if c.field in wanted]


def _money(cents) -> float:
    return int(cents) / 100


def _exact_number(d):
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return None
    d = Decimal(d)
    if d == d.to_integral_value():
        return int(d)
    f = float(d)
    return f if Decimal(repr(f)) == d else str(d)


def _cells(pf, columns) -> list:
    L = pf.lines
    n = len(L)
    out = []
    for c in columns:
        f = c.field
        if f == "category":
            col = [int(x) if x <= 13 else P.CATEGORY_NAMES[int(x)] for x in L["category"].to_numpy()]
        elif f in ("market_value", "accrued_interest"):
            col = [_money(x) for x in L[f].to_numpy(dtype=np.int64)]
        elif f in TEXT_FIELDS:
            col = [None if (x is None or (isinstance(x, float) and math.isnan(x))) else str(x) for x in L[f].to_numpy()]
        elif f in BOOL_FIELDS:
            col = [{P.TRUE: "oui", P.FALSE: "non"}.get(int(x)) for x in L[f].to_numpy()]
        elif f in ("quantity", "quantity_issued"):
            col = [_exact_number(x) for x in L[f + "_exact"].to_numpy()]
        else:
            col = [None if (x is None or math.isnan(float(x))) else (int(x) if float(x).is_integer() else float(x))
                   for x in L[f].to_numpy(dtype=float)]
        out.append(col if len(col) == n else [None] * n)
    return out


def add_portfolio_sheet(wb, pf, title: str = PORTFOLIO_SHEET, index: int | None = 0):
    """Add the portfolio as a sheet of an openpyxl workbook, header on row 1 (rows 2… are the lines)."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(title, index)
    columns = _fields(pf)
    headers = [c.header for c in columns]
    extra = pf.extra if pf.extra is not None and len(pf.extra.columns) else None
    if extra is not None:
        headers += [str(h) for h in extra.columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    cols = _cells(pf, columns)
    if extra is not None:
        cols += [[None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in extra[h].tolist()]
                 for h in extra.columns]
    for row in zip(*cols):
        ws.append(list(row))
    for j, c in enumerate(columns, start=1):
        if c.kind == "money":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = MONEY_FORMAT
    ws.freeze_panes = "A2"
    for j, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, j).column_letter].width = max(10, min(45, len(str(h)) + 4)) if j > 1 else 45
    add_date_sheet(wb, pf)
    return ws


def add_date_sheet(wb, pf) -> None:
    """The portfolio's date on a sheet `Paramètres` (SPEC §4), so that the workbook read again is dated alike."""
    day = getattr(pf, "as_of", None)
    if day is None or any(_folded(n) == "parametres" for n in wb.sheetnames):
        return
    ps = wb.create_sheet("Paramètres")
    ps.cell(row=1, column=1, value="date_arrete")
    cell = ps.cell(row=1, column=2, value=day)
    cell.number_format = "DD/MM/YYYY"
    ps.column_dimensions["B"].width = 14


def _folded(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().strip().lower()


def write_portfolio(pf, path) -> None:
    """A workbook with one `Portefeuille` sheet: the portfolio in the input format."""
    from openpyxl import Workbook

    from reserves.portfolio.outputs import save_workbook

    wb = Workbook()
    wb.remove(wb.active)
    add_portfolio_sheet(wb, pf)
    save_workbook(wb, path)


__all__ = ["write_portfolio", "add_portfolio_sheet", "PORTFOLIO_SHEET"]
