"""Look-through of funds (R. 139-17): inventories of holdings, matched to fund lines and rescaled.

An inventory (`Inventory`) is the list of one fund's holdings at one valuation date, from the
`Transparence` sheet (SPEC-R139 §2) or from a TPT file (`reserves.portfolio.tpt`). Each is matched to the fund
lines of the `Portefeuille` sheet whose ISIN (else label) is its `fonds`, then rescaled line by line
(R. 139-17, last paragraph): with V the line's value and vᵢ the holdings' values (accrued interest and
contracts included), k = V / Σvᵢ and every value, quantity, notional and exposure is multiplied by k.
Values stay integer cents and sum to V exactly (largest remainders); quantities are exact Fractions.

Bad input (exit 2): Σvᵢ ≤ 0, a `fonds` that names no line, a `fonds` that names a line that is not a
fund, two inventories of one fund. Whether an inventory is recent enough is for the rules to judge
(`inventory_age`); here its date is only kept.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from . import parsing as P
from .columns139 import FUND_NATURES, LOOKED_THROUGH
from .errors import InputError, Problem

MAX_CENTS = 10 ** 17  # a rescaled holding beyond 10^15 euros: the inventory's lines nearly cancel out
DEFAULT_MAX_AGE_DAYS = 92  # R. 139-49: « un inventaire trimestriel de l'actif vu par transparence » (RR 3)

# Holding columns multiplied by k with the values (R. 139-17: « les quantités … sont corrigées proportionnellement »).
SCALED_MONEY = ("notional", "exposure")
SCALED_QUANTITIES = ("quantity",)


@dataclass
class Inventory:
    """One fund's holdings at one date, parsed (values in cents of the inventory, not yet rescaled)."""

    fund: str  # the `fonds` as written: an ISIN, else a label
    valuation_date: _dt.date | None
    holdings: pd.DataFrame  # parsed holding columns (rows139.parse_cells), with `row`
    source: str  # file name
    sheet: str  # sheet name (CSV: "CSV")
    kind: str  # "Transparence" or "TPT"
    where: str = ""  # how to name it in a message: « feuille Transparence, lignes 5 à 2004 »
    fund_label: str | None = None  # the fund's name as the inventory states it (TPT 3_Portfolio name)
    nav: int | None = None  # net asset value stated by the inventory, cents (TPT 5)
    shares: object = None  # number of shares stated by the inventory (TPT 8b)
    currency: str | None = None  # portfolio currency (TPT 4)
    extra: dict = field(default_factory=dict)


def inventory_where(inv: Inventory) -> str:
    rows = inv.holdings["row"]
    span = f"lignes {int(rows.min())} à {int(rows.max())}" if len(rows) else "aucune ligne"
    if inv.kind == "TPT":
        return f"fichier TPT « {inv.source} » ({span})"
    return f"feuille « {inv.sheet} » ({span})"


def match_funds(lines: pd.DataFrame, inventories: list[Inventory]) -> list[np.ndarray]:
    """For each inventory, the positions of the fund lines it describes. Raises InputError (exit 2) when a
    `fonds` names no line, names a line that is not a fund, or when two inventories describe one fund."""
    isin = lines["isin"].to_numpy(dtype=object) if "isin" in lines else np.full(len(lines), None, dtype=object)
    labels = lines["label"].to_numpy(dtype=object)
    by_isin: dict[str, list[int]] = {}
    by_label: dict[str, list[int]] = {}
    for i, (code, lab) in enumerate(zip(isin, labels)):
        if isinstance(code, str):
            by_isin.setdefault(code.upper(), []).append(i)
        if isinstance(lab, str):
            by_label.setdefault(P.key_of(lab), []).append(i)
    nature = lines["nature"].astype(object).to_numpy()
    problems: list[Problem] = []
    out: list[np.ndarray] = []
    owner: dict[int, Inventory] = {}
    for inv in inventories:
        key = inv.fund.strip()
        found = by_isin.get(key.upper().replace(" ", "")) or by_label.get(P.key_of(key)) or []
        if not found and inv.fund_label:  # the fund's name (TPT 3), for a line that gives no ISIN to match
            found = [i for i in by_label.get(P.key_of(inv.fund_label)) or [] if not isinstance(isin[i], str)]
        first = inv.extra.get("fund_cell")  # (sheet, row, column) of the `fonds` cell, for messages
        where = dict(zip(("sheet", "row", "column"), first)) if first else {}
        if not found:
            problems.append(Problem(
                f"fonds inconnu : aucune ligne de la feuille Portefeuille n'a cet ISIN ni ce libellé ({inventory_where(inv)})",
                value=inv.fund, **where))
            out.append(np.zeros(0, dtype=np.int64))
            continue
        not_funds = [i for i in found if nature[i] not in FUND_NATURES]
        if not_funds:
            i = not_funds[0]
            problems.append(Problem(
                f"l'inventaire désigne la ligne {int(lines['row'].iat[i])} (« {labels[i]} »), de nature "
                f"{nature[i] if isinstance(nature[i], str) else 'non renseignée'} : seul un fonds (opcvm, monetaire, "
                f"fonds_mutualise, organisme_dedie) a un inventaire ({inventory_where(inv)})", value=inv.fund, **where))
            out.append(np.zeros(0, dtype=np.int64))
            continue
        for i in found:
            if i in owner:
                prev = owner[i]
                problems.append(Problem(
                    f"deux inventaires pour le fonds de la ligne {int(lines['row'].iat[i])} (« {labels[i]} ») : "
                    f"{inventory_where(prev)}{inventory_date(prev)} et {inventory_where(inv)}{inventory_date(inv)} ; n'en gardez qu'un",
                    value=inv.fund, **where))
                break
            owner[i] = inv
        out.append(np.asarray(found, dtype=np.int64))
    if problems:
        raise InputError(problems)
    return out


def inventory_date(inv: Inventory) -> str:
    return f" au {inv.valuation_date:%d/%m/%Y}" if inv.valuation_date else ""


def apportion(v: np.ndarray, total: int) -> tuple[np.ndarray, Fraction]:
    """Integer cents vᵢ·total/Σv, rounded so that they sum to `total` exactly (largest remainders); and k.

    Σv must be > 0. Exact for any sizes: int64 arithmetic when it cannot overflow, Python integers otherwise.
    """
    v = np.asarray(v, dtype=np.int64)
    s = int(sum(v.tolist())) if len(v) else 0
    assert s > 0
    k = Fraction(total, s)
    big = int(np.abs(v).max()) if len(v) else 0
    if big * abs(total) < 2 ** 62 and s < 2 ** 62:
        num = v * np.int64(total)
        q = num // s
        rem = num - q * s  # 0 <= rem < s
        short = total - int(q.sum())
        if short:
            q[np.argsort(-rem, kind="stable")[:short]] += 1
        return q, k
    pairs = [divmod(int(x) * total, s) for x in v.tolist()]
    q = np.array([a for a, _ in pairs], dtype=np.int64)
    short = total - sum(a for a, _ in pairs)
    if short:
        order = sorted(range(len(pairs)), key=lambda i: -pairs[i][1])
        q[order[:short]] += 1
    return q, k


def scale_round(a: np.ndarray, k: Fraction) -> np.ndarray:
    """Integer cents × k, rounded half away from zero."""
    a = np.asarray(a, dtype=np.int64)
    num, den = k.numerator, k.denominator
    if len(a) and int(np.abs(a).max()) * num < 2 ** 61 and den < 2 ** 61:
        x = a * np.int64(num) * 2
        q = (np.abs(x) + den) // (2 * den)
        return np.sign(a) * q
    return np.array([int((abs(int(x)) * num * 2 + den) // (2 * den)) * (1 if x >= 0 else -1) for x in a.tolist()],
                    dtype=np.int64)


def rescale(holdings: pd.DataFrame, total: int) -> tuple[pd.DataFrame, Fraction]:
    """The holdings scaled so that their values sum to `total` cents (R. 139-17, last paragraph)."""
    h = holdings.copy()
    value, k = apportion(h["value"].to_numpy(), total)
    accrued = scale_round(h["accrued_interest"].to_numpy(), k) if "accrued_interest" in h else np.zeros(len(h), np.int64)
    h["raw_value"] = holdings["value"].to_numpy()
    h["value"] = value
    h["accrued_interest"] = accrued
    h["market_value"] = value - accrued
    for f in SCALED_MONEY:
        if f in h:
            col = h[f]
            given = ~col.isna().to_numpy()
            out = pd.array([None] * len(h), dtype="Int64")
            exact = np.full(len(h), None, dtype=object)
            if given.any():
                raw = col[given].to_numpy(dtype=np.int64)
                out[given] = scale_round(raw, k)
                exact[np.flatnonzero(given)] = [Fraction(int(x)) * k for x in raw.tolist()]
            h[f] = out
            h[f + "_exact"] = exact  # × k exactly: the limits compare these, not their cents
    if "quantity_exact" in h:  # a unit's price as the inventory gives it: the same however the fund is rescaled
        raw_mv = (holdings["value"] - holdings["accrued_interest"]).to_numpy() if "accrued_interest" in holdings \
            else holdings["value"].to_numpy()
        qx = h["quantity_exact"].to_numpy(dtype=object)
        h["raw_price"] = np.array([None if q is None or not Fraction(q) > 0 else Fraction(int(m)) / Fraction(q)
                                   for m, q in zip(raw_mv.tolist(), qx.tolist())], dtype=object)
    for f in SCALED_QUANTITIES:
        if f + "_exact" in h:
            exact = h[f + "_exact"].to_numpy(dtype=object)
            scaled = np.array([None if q is None else Fraction(q) * k for q in exact], dtype=object)
            h[f + "_exact"] = scaled
            h[f] = np.array([np.nan if q is None else float(q) for q in scaled], dtype=float)
    return h, k


def build(lines: pd.DataFrame, inventories: list[Inventory]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The look-through table, the inventories table and the columns to add to the lines.

    Returns (lookthrough, inventories_table, line_columns). Raises InputError on bad look-through input.
    """
    matched = match_funds(lines, inventories)
    problems: list[Problem] = []
    n = len(lines)
    inv_of_line = np.full(n, -1, dtype=np.int64)
    date_of_line = np.full(n, None, dtype=object)
    nature = lines["nature"].astype(object).to_numpy()
    parts = []
    table = []
    for j, (inv, found) in enumerate(zip(inventories, matched)):
        h = inv.holdings
        raw_total = int(sum(h["value"].tolist())) if len(h) else 0
        used = any(nature[i] in LOOKED_THROUGH for i in found)
        table.append({"inventory": j, "fund": inv.fund, "kind": inv.kind, "source": inv.source, "sheet": inv.sheet,
                      "valuation_date": inv.valuation_date, "holdings": len(h), "raw_total": raw_total,
                      "nav": inv.nav, "shares": inv.shares, "currency": inv.currency,
                      "lines": tuple(int(i) for i in found), "used": used, "where": inventory_where(inv)})
        if raw_total <= 0:
            where = inv.extra.get("fund_cell")
            problems.append(Problem(
                f"la somme des valeurs de l'inventaire du fonds est {raw_total / 100:,.2f} : elle doit être "
                f"positive pour répartir la valeur de la ligne (R. 139-17) ({inventory_where(inv)})".replace(",", " "),
                value=inv.fund, **(dict(zip(("sheet", "row", "column"), where)) if where else {})))
            continue
        biggest = int(np.abs(h["value"].to_numpy()).max()) if len(h) else 0
        too_big = [i for i in found if nature[i] in LOOKED_THROUGH
                   and biggest * abs(int(lines["value"].iat[i])) > MAX_CENTS * raw_total]
        if too_big:
            where = inv.extra.get("fund_cell")
            problems.append(Problem(
                "les lignes de l'inventaire se compensent presque (somme de "
                f"{raw_total / 100:,.2f} pour une ligne de {biggest / 100:,.2f}) : ramenées à la valeur de la ligne du "
                f"fonds, elles dépasseraient 10^15 € ; vérifiez l'inventaire ({inventory_where(inv)})".replace(",", " "),
                value=inv.fund, **(dict(zip(("sheet", "row", "column"), where)) if where else {})))
            continue
        for i in found:
            inv_of_line[i] = j
            date_of_line[i] = inv.valuation_date
            if nature[i] not in LOOKED_THROUGH:
                continue  # money-market units stay units (R. 139-17 3°, RR 4): the inventory is accepted, not used
            total = int(lines["value"].iat[i])
            scaled, k = rescale(h, total)
            scaled["fund_line"] = int(i)
            scaled["via"] = lines["label"].iat[i]
            scaled["fund"] = inv.fund
            scaled["inventory"] = j
            scaled["k"] = [k] * len(scaled)
            scaled["k_float"] = float(k)
            scaled["valuation_date"] = [inv.valuation_date] * len(scaled)
            scaled["sheet"] = inv.sheet
            scaled["source"] = inv.source
            for f in ("regime", "pocket", "gestion", "exclusion", "excluded"):
                if f in lines:
                    scaled[f] = [lines[f].iat[i]] * len(scaled) if lines[f].dtype == object else lines[f].iat[i]
            parts.append(scaled)
    if problems:
        raise InputError(problems)
    lt = pd.concat(parts, ignore_index=True) if parts else empty_lookthrough(lines)
    for f in ("pocket", "exclusion", "regime"):
        if f in lt and f in lines and isinstance(lines[f].dtype, pd.CategoricalDtype):
            lt[f] = pd.Categorical(lt[f], categories=lines[f].cat.categories)
    inv_table = pd.DataFrame(table, columns=["inventory", "fund", "kind", "source", "sheet", "valuation_date",
                                             "holdings", "raw_total", "nav", "shares", "currency", "lines", "used",
                                             "where"])
    line_cols = {
        "inventory": inv_of_line,
        "lookthrough_date": date_of_line,
        "looked_through": (inv_of_line >= 0) & pd.Series(nature).isin(LOOKED_THROUGH).to_numpy(),
        "needs_lookthrough": pd.Series(nature).isin(LOOKED_THROUGH).to_numpy(),
    }
    return lt, inv_table, line_cols


def empty_lookthrough(lines: pd.DataFrame) -> pd.DataFrame:
    """A look-through table with no holdings, with the columns of the lines and of the look-through."""
    lt = lines.iloc[0:0].copy()
    for f in ("inventory", "lookthrough_date", "looked_through", "needs_lookthrough"):
        if f in lt:
            del lt[f]
    for f, dtype in (("raw_value", np.int64), ("fund_line", np.int64), ("via", object), ("fund", object),
                     ("inventory", np.int64), ("k", object), ("k_float", float), ("valuation_date", object),
                     ("sheet", object), ("source", object)):
        lt[f] = pd.Series(dtype=dtype)
    return lt


def inventory_age(valuation_date: _dt.date | None, as_of: _dt.date,
                  max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> str:
    """`missing`, `future` (dated after `as_of`), `stale` (more than `max_age_days` before it) or `ok` (RR 3)."""
    if valuation_date is None:
        return "missing"
    if valuation_date > as_of:
        return "future"
    if (as_of - valuation_date).days > max_age_days:
        return "stale"
    return "ok"
