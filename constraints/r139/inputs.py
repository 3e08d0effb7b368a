"""An R. 139 portfolio as the rules read it: `from_portfolio(pf)` and the `Constats` sheet (R. 139-48).

The `Constats` sheet (SPEC-R139 §5) lists breaches already observed: `regle`
(the rule id), `sujet` (the finding's subject; empty: every finding of that
rule), `premier_constat` (the date first observed), `cause` (`valorisation`
or `operation`), optionally `regime`. Bad cells are bad input: a French
message naming the sheet, row, column and value (exit 2).
"""

from __future__ import annotations

import os
from fractions import Fraction

from .model import R139Input

CONSTATS_SHEET = "Constats"
CAUSES = ("valorisation", "operation")


def _columns():
    from reserves.portfolio.columns import Column

    return (
        Column("rule", "regle", "rule", "text", True, "Identifiant de la règle (R139-41/immobilier-max20…)."),
        Column("subject", "sujet", "subject", "text", False, "Sujet du constat (entité, immeuble, ligne) ; vide : tous."),
        Column("first_observed", "premier_constat", "first_observed", "text", True, "Date du premier constat."),
        Column("cause", "cause", "cause", "text", False, "valorisation ou operation (R. 139-48 al. 3)."),
        Column("regime", "regime", "scheme", "text", False, "Régime concerné, s'il y en a plusieurs."),
    )


def read_constats(path) -> list:
    """The rows of the `Constats` sheet of a workbook ([] when it has none)."""
    from reserves.portfolio.errors import ProblemList
    from reserves.portfolio.model139 import find_sheet
    from reserves.portfolio.parsing import fold, is_blank
    from reserves.portfolio.reader import read_table

    if path is None or str(path).lower().endswith(".csv") or not os.path.exists(path):
        return []
    sheet = find_sheet(path, CONSTATS_SHEET)
    if sheet is None:
        return []
    from reserves.portfolio.columns139 import parse_date

    raw = read_table(path, sheet_name=sheet, columns=_columns())
    problems = ProblemList()
    out = []
    col = raw.fields
    for cells, rown in zip(raw.rows, raw.row_numbers):
        def cell(f):
            i = col.get(f)
            return None if i is None or i >= len(cells) or is_blank(cells[i]) else cells[i]

        rule, first = cell("rule"), cell("first_observed")
        if rule is None and first is None:
            continue
        rec = {"regle": str(rule).strip() if rule is not None else None, "sujet": cell("subject"),
               "cause": None, "regime": cell("regime"), "row": rown}
        if rule is None:
            problems.add("« regle » vide : l'identifiant de la règle est obligatoire", sheet=raw.sheet, row=rown,
                         column=raw.where("rule"))
        try:
            rec["premier_constat"] = parse_date(first) if first is not None else None
        except Exception:
            problems.add(f"date invalide « {first} » : attendu JJ/MM/AAAA", sheet=raw.sheet, row=rown,
                         column=raw.where("first_observed"), value=first)
            rec["premier_constat"] = None
        if first is None:
            problems.add("« premier_constat » vide", sheet=raw.sheet, row=rown, column=raw.where("first_observed"))
        c = cell("cause")
        if c is not None:
            k = fold(str(c)).replace("é", "e")
            if k not in CAUSES:
                problems.add(f"cause inconnue « {c} » : valorisation ou operation", sheet=raw.sheet, row=rown,
                             column=raw.where("cause"), value=c)
            rec["cause"] = k
        out.append(rec)
    problems.raise_if_any()
    return out


MAJORITY = Fraction(1, 2)  # R. 139-2: « plus de 50 % de l'actif net »


def _exact(x):
    if x is None or (isinstance(x, float) and x != x):
        return None
    try:
        return Fraction(str(x))
    except (ValueError, ZeroDivisionError):
        return None


def majority_warnings(pf) -> list[str]:
    """R. 139-2: the funds of which the body holds more than 50 % of the net assets, whose managers' purchases and
    sales the investment committee examines at each meeting. Known from an inventory that states the fund's net
    asset value (TPT 5) or its number of shares (TPT 8b): the units held (`quantite`, every line of the fund) over
    the shares, else the value held over the net assets (euro funds). Not known: no warning (nothing to say)."""
    inv = getattr(pf, "inventories", None)
    if inv is None or not len(inv):
        return []
    L = pf.lines
    value = L["value"].to_numpy()
    qty = L["quantity_exact"].to_numpy(dtype=object) if "quantity_exact" in L else [None] * len(L)
    return majority_of(inv.to_dict("records"), value, qty, L["label"].to_numpy(dtype=object))


def majority_of(records: list, value, qty, labels) -> list[str]:
    """`majority_warnings` from the inventories' records and the lines' values, exact quantities and labels (the
    pre-trade check gives the amounts after its orders)."""
    out = []
    for rec in records:
        held = [int(i) for i in rec.get("lines") or ()]
        if not held:
            continue
        shares, nav = _exact(rec.get("shares")), _exact(rec.get("nav"))
        share = how = None
        quantities = [_exact(qty[i]) for i in held]
        if shares and shares > 0 and all(q is not None for q in quantities):
            share, how = sum(quantities) / shares, "parts détenues rapportées au nombre total de parts"
        elif nav and nav > 0 and (rec.get("currency") in (None, "EUR") or rec.get("currency") != rec.get("currency")):
            share, how = Fraction(int(sum(int(value[i]) for i in held))) / nav, "valeur détenue rapportée à l'actif net"
        if share is None or share <= MAJORITY:
            continue
        pct = f"{float(share) * 100:.1f}".replace(".", ",") + " %"
        out.append(f"R. 139-2 : l'organisme détient plus de 50 % de l'actif net du fonds « {labels[held[0]]} » "
                   f"({pct}, {how}, d'après {rec.get('where')}) : la commission chargée des placements examine à "
                   "chaque réunion les décisions d'achat ou de vente de ses gestionnaires")
    return out


def from_portfolio(pf, path=None) -> R139Input:
    """The rules' input from a `reserves.portfolio.model139.Portfolio139` (and its file, for `Constats`)."""
    items = pf.items()
    inp = R139Input(items=items, inventories=pf.inventory_dates(), observations=read_constats(path),
                    warnings=list(pf.warnings) + majority_warnings(pf), source=pf.source, headers=dict(pf.headers))
    inp.column_name = pf.column_name  # the user's own headers
    return inp
