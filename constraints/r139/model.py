"""What the R. 139 rules read: the actif de placement of one régime, its look-through actif, their views.

`R139Input` is the portfolio as the rules need it: the lines of the
`Portefeuille` sheet and the holdings of the funds looked through (already
rescaled to the fund line's value, R. 139-17 last paragraph), in one table of
items with English column names (`FIELDS`). `Ctx` is one régime of it on a
date (RR 1: each régime is its own actif de placement), with the views of the
rulebook as masks over its items:

- **P** the lines as held, in the actif de placement (`placement` pocket, less
  the lines marked `prestations_3_mois`);
- **U** the fund units among them;
- **D** P with each dedicated fund replaced by its holdings (R. 139-17 al. 6,
  R. 139-15 last paragraph);
- **T** the look-through actif: P with UCITS, fonds mutualisés and dedicated
  funds replaced by their holdings, money-market units kept (R. 139-17, RR 4);
  in the régime simplifié there is no look-through actif and T is D.

A fund that needs look-through and has none usable (none, or dated after the
portfolio's date or more than `max_age_days` before it) is *blind*: its whole
value is kept apart (`blind`), and every rule reading D or T concludes only if
its verdict holds with that value in the worst place (SPEC-R139 §2).

Values are integer cents, accrued interest included (RR 3); limits Fractions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from constraints.rulebook import states_on

FALSE, UNKNOWN, TRUE = 0, 1, 2

# Text columns (folded to lower case unless named in KEEP_CASE), tri-state columns, numbers, cents.
TEXT = ("label", "nature", "currency", "isin", "issuer", "group", "listing", "issuer_kind", "country", "guarantor",
        "guarantor_kind", "guarantor_country", "equity_or_debt", "regime", "pocket", "exclusion", "rate_type",
        "contract_type", "underlying", "underlying_kind", "underlying_held", "exposure_currency", "counterparty",
        "legal_form", "property", "via", "via_nature", "sheet")
TRI = ("realisable_euro", "fund_compliant", "withdrawable", "in_body_name", "real_estate_only", "opci_r214_120",
       "wholly_owned", "deeds_in_france", "limited_loss", "reliable_price", "information", "negotiable",
       "embedded_derivative", "custody", "property_dealer", "hedge")
NUMBER = ("quantity", "quantity_issued", "issuer_outstanding", "eligible_share", "potential_excess")
CENTS = ("value", "market_value", "notional", "exposure")
FIELDS = TEXT + TRI + NUMBER + CENTS + ("row", "line", "holding", "maturity")
# What an order changes of an item held (its line, and pro rata a fund's holdings): the rest is the structure.
AMOUNTS = ("value", "market_value", "quantity", "notional", "exposure", "notional_x", "exposure_x")
RAW_TEXT = {"label", "via", "sheet"}
CASE_KEPT = {"label", "isin", "issuer", "group", "guarantor", "underlying", "counterparty", "property", "via",
             "sheet", "currency", "exposure_currency", "country", "guarantor_country", "legal_form"}
UPPER = {"currency", "exposure_currency", "country", "guarantor_country", "legal_form", "isin"}

SECURITIES = ("action", "acces_capital", "tcn", "obligation", "titre_etat", "titre_participatif")  # R. 139-18 1°–6°
FUNDS = ("opcvm", "monetaire", "fonds_mutualise", "organisme_dedie")
SA_FORMS = ("SA", "SAS", "SASU", "SCA", "SE", "SIIC", "SPPICAV", "SICAV")  # sociétés par actions


@dataclass
class R139Input:
    """The portfolio for the R. 139 rules.

    `items`: one row per line of the `Portefeuille` sheet (`holding` False) and per
    holding of a fund looked through (`holding` True, `line` the fund line's
    index in the same table, `via` its label, `via_nature` its nature, `sheet`
    and `row` where the holding is written). Columns: `FIELDS`.
    `inventories`: fund line index → valuation date of its inventory (None when undated).
    `observations`: the `Constats` sheet, [{regle, sujet, premier_constat, cause, row}].
    """

    items: pd.DataFrame
    inventories: dict = field(default_factory=dict)
    observations: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    source: str = ""
    headers: dict = field(default_factory=dict)  # field -> header as the user wrote it

    def column_name(self, name: str) -> str:
        from .columns import header_of

        return self.headers.get(name) or header_of(name)

    def table(self) -> "Table":
        """The items as arrays with every text column coded (`normalise`), made once for this table of items:
        every check of the same input (each régime, each date, each mode) reads the same codes."""
        cached = self.__dict__.get("_table")
        if cached is None or cached[0] is not self.items:
            cached = (self.items, normalise(self.items))
            self.__dict__["_table"] = cached
        return cached[1]


class Table(dict):
    """The items as arrays (field → numpy array), with the codes of each text column (field → (codes, uniques),
    -1 for an empty cell) kept from their cleaning, so that no rule factorizes a column again."""

    codes: dict
    shared: dict  # what depends on the uniques of the codes only (the same for every part of the table)

    def __len__(self) -> int:
        return len(self["value"])

    def value_stats(self) -> tuple[int, int, np.ndarray | None]:
        """(the smallest value, the largest absolute value, the values as doubles — or None) of the items' values
        (cents), made once per table of items, as its codes: the doubles when every sum of values over any subset
        of the items is an exact integer in a double — Σ |value| below 2^53 cents (90 000 bn €) bounds every
        partial sum of every bincount of them —, else None (the group sums then add int64 cents). The arrays of
        a table are never written (`with_amounts` makes a new table)."""
        hit = self.__dict__.get("_value_stats")
        if hit is None:
            v = np.asarray(self["value"], dtype=np.int64)
            n = len(v)
            vmin = int(v.min()) if n else 0
            vbig = max(int(v.max()), -vmin) if n else 0
            exact = False
            if n:
                if vbig * n < 2 ** 53:
                    exact = True
                elif vbig * n < 2 ** 63:  # the int64 sum of |value| cannot overflow
                    exact = int(np.abs(v).sum()) < 2 ** 53
            hit = self.__dict__["_value_stats"] = (vmin, vbig, v.astype(np.float64) if exact else None)
        return hit

    def market_doubles(self) -> np.ndarray:
        """The items' market values (`market_value`, cents) as doubles, made once per table of items: what a
        division of them by doubles converts them to anyway (int64 to float64, rounded to the nearest), so that a
        figure made from them is the same to the bit; the values' own doubles when the market values are the
        values and those are exact (`value_stats`)."""
        hit = self.__dict__.get("_market_doubles")
        if hit is None:
            mv = self["market_value"]
            fv = self.value_stats()[2] if mv is self["value"] else None
            hit = self.__dict__["_market_doubles"] = fv if fv is not None else np.asarray(mv, dtype=np.float64)
        return hit

    def negatives(self) -> np.ndarray:
        """Positions of the items whose value or quantity is negative (a short position, R. 139-40), found once
        per table of items."""
        hit = self.__dict__.get("_negatives")
        if hit is None:
            with np.errstate(invalid="ignore"):
                q = np.asarray(self["quantity"]) < 0
                hit = np.flatnonzero(q if self.value_stats()[0] >= 0 else (np.asarray(self["value"]) < 0) | q)
            self.__dict__["_negatives"] = hit
        return hit

    def take(self, idx: np.ndarray) -> "Table":
        t = Table({k: v[idx] for k, v in self.items()})
        t.codes = {k: (c[idx], u) for k, (c, u) in self.codes.items()}
        t.shared = self.shared
        return t

    def with_amounts(self, pos: np.ndarray, new: dict) -> "Table":
        """This table with the amounts of the items at `pos` replaced (field → their new values; fields of
        `AMOUNTS` only): texts, codes, régimes and structures are shared, so that the rules judge again from the
        amounts alone (the pre-trade check). The new table knows its parent and what changed (`parent`), for
        the sums that follow a change instead of being made again."""
        bad = set(new) - set(AMOUNTS)
        if bad:
            raise ValueError(f"not amounts: {sorted(bad)}")
        pos = np.asarray(pos, dtype=np.int64)
        t = Table(self)
        t.codes, t.shared = self.codes, self.shared
        for f, vals in new.items():
            arr = self[f].copy()
            arr[pos] = vals
            t[f] = arr
        if "market_value" not in new and self["market_value"] is self["value"]:
            t["market_value"] = t["value"]
        d, nd = self.__dict__, t.__dict__
        nd["structures"] = d.setdefault("structures", {})
        for k in ("n_lines", "regime_groups"):
            if k in d:
                nd[k] = d[k]
        nd["parent"] = (self, pos)
        takes = d.get("regime_takes")
        if takes:
            out = {}
            for c, take in takes.items():
                idx = take.__dict__["index"]
                j = np.searchsorted(idx, pos)
                ok = j < len(idx)
                ok[ok] = idx[j[ok]] == pos[ok]
                out[c] = take.with_amounts(j[ok], {f: np.asarray(v)[ok] for f, v in new.items()})
                out[c].__dict__["index"] = idx
            nd["regime_takes"] = out
        return t


def clean_value(name: str, u) -> str | None:
    from reserves.portfolio.parsing import fold

    if u is None or (isinstance(u, float) and u != u):
        return None
    s = str(u).strip()
    if not s:
        return None
    if name in UPPER:
        return s.upper()
    if name in CASE_KEPT:
        return s
    return fold(s).replace(" ", "_").replace("-", "_")


def normalise(items: pd.DataFrame) -> Table:
    """The items with every field of `FIELDS`: texts cleaned (folded to lower case but for names and codes),
    tri-states as int8, cents as int64, numbers as floats (NaN when empty)."""
    n = len(items)
    out = Table()
    out.codes = {}
    out.shared = {}
    blanks: dict = {}

    def blank(fill, dtype) -> np.ndarray:
        """The column of a field the items do not have: one array per fill, shared by those fields, read only."""
        key = (repr(fill), np.dtype(dtype).str)
        arr = blanks.get(key)
        if arr is None:
            arr = blanks[key] = np.full(n, fill, dtype=dtype)
            arr.flags.writeable = False
        return arr

    for name in FIELDS:
        col = items[name] if name in items.columns else None
        if name in RAW_TEXT:  # read for messages only: kept as written, coded only if a rule asks
            out[name] = blank(None, object) if col is None else col.to_numpy(dtype=object)
            continue
        if name in TEXT:
            if col is None:
                out[name] = blank(None, object)
                out.codes[name] = (blank(-1, np.int64), np.zeros(0, dtype=object))
                continue
            if isinstance(col.dtype, pd.CategoricalDtype):
                codes, uniq = col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)
            else:
                codes, uniq = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
            if name in CASE_KEPT:  # names and codes: stripped (upper case for codes), no folding
                texts = [str(u).strip() for u in uniq]
                if name in UPPER:
                    texts = [t.upper() for t in texts]
                clean = np.array([t if t != "" else None for t in texts], dtype=object)
            else:
                clean = np.array([clean_value(name, u) for u in uniq], dtype=object)
            if len(set(clean.tolist())) == len(clean) and not pd.isna(clean).any():
                u2 = clean  # nothing merged by the cleaning
            else:
                c2, u2 = pd.factorize(clean, use_na_sentinel=True)
                codes = np.append(c2, -1).astype(np.int64)[codes]
            table = np.append(np.asarray(u2, dtype=object), None)
            out[name] = table[codes]
            out.codes[name] = (codes, np.asarray(u2, dtype=object))
        elif name in TRI:
            out[name] = (blank(UNKNOWN, np.int8) if col is None
                         else col.fillna(UNKNOWN).to_numpy().astype(np.int8))
        elif name in NUMBER:
            out[name] = blank(np.nan, np.float64) if col is None else pd.to_numeric(col, errors="coerce").to_numpy(float)
        elif name in CENTS:
            if col is None:
                out[name] = np.zeros(n, dtype=np.int64) if name in ("value", "market_value") else blank(np.nan,
                                                                                                       np.float64)
            elif name in ("value", "market_value"):
                out[name] = col.to_numpy().astype(np.int64)
            else:
                out[name] = pd.to_numeric(col, errors="coerce").to_numpy(float)
                out[name + "_x"] = exact_column(col)
        elif name == "holding":
            out[name] = np.zeros(n, dtype=bool) if col is None else col.to_numpy().astype(bool)
        elif name in ("row", "line"):
            out[name] = np.arange(n) if col is None else col.to_numpy().astype(np.int64)
        else:
            out[name] = blank(None, object) if col is None else col.to_numpy(dtype=object)
    for name in ("notional", "exposure"):
        if name + "_x" not in out:
            out[name + "_x"] = blank(None, object)
        if name + "_exact" in items.columns:  # a holding's rescaled figure before its rounding to the cent
            ex = items[name + "_exact"].to_numpy(dtype=object)
            given = np.flatnonzero(pd.notna(ex))
            if len(given):
                x = out[name + "_x"].copy()
                for i in given.tolist():
                    f = Fraction(ex[i])
                    x[i] = int(f) if f.denominator == 1 else f
                out[name + "_x"] = x
    if "market_value" not in items.columns:
        out["market_value"] = out["value"]
    # a holding's unit price as its inventory gives it (cents, exact), for the issue of R. 139-46
    out["raw_price"] = (items["raw_price"].to_numpy(dtype=object) if "raw_price" in items.columns
                        else blank(None, object))
    # a holding's value as its inventory gives it: with its fund line's value, its exact rescaled value (`Ctx.exact_sum`)
    raw = items["raw_value"] if "raw_value" in items.columns else None
    out["raw_value"] = (out["value"] if raw is None else
                        np.where(pd.isna(raw).to_numpy(), out["value"], pd.to_numeric(raw, errors="coerce").fillna(0)
                                 .to_numpy()).astype(np.int64))
    return out


def exact(x):
    """A number of cents exactly as given: an int when whole, else a Fraction (a float's own value), None when
    missing."""
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = Fraction(x) if not isinstance(x, np.floating) else Fraction(float(x))
    return int(f) if f.denominator == 1 else f


def exact_column(col: pd.Series) -> np.ndarray:
    """A column of cents (notional, exposure) as exact numbers (`exact`), None where empty: a double cannot
    hold every cent beyond 2^53 cents."""
    vals = col.to_numpy(dtype=object)
    out = np.full(len(vals), None, dtype=object)
    known = np.flatnonzero(pd.notna(vals))
    for i in known.tolist():
        out[i] = exact(vals[i])
    return out


def round_cents(x) -> int:
    """An exact sum of cents to the cent (half to even, as numpy's rint)."""
    return int(round(x)) if isinstance(x, Fraction) else int(x)


# --------------------------------------------------------------------------- a régime on a date

# The attributes of a Ctx that depend on its structure only (texts, tri-states, the date, the inventories' dates).
STRUCTURE = ("holding", "direct", "line_pos", "P", "nature", "U", "inventory_state", "has_inventory", "via_codes",
             "D", "D_blind", "T", "T_blind", "D_items")


class Structure:
    """What the rules of one régime read that never depends on an amount: the views (P, D, U, T), the codes, the
    tri-states, the masks and the groupings the kinds derive from them (`memo`), made once per table of items,
    version, date and mode, and shared by every check of them — a change of amounts keeps it (the pre-trade
    check). `sums` turns the masks whose values the rules add up into one code per item (`Patterns`)."""

    def __init__(self, version) -> None:
        self.version = version
        self.attrs: dict = {}
        self.memo: dict = {}
        self.sums = Patterns()


LANES = 4


class Patterns:
    """The masks whose values the rules add up (key → mask over the items), and, once the structure serves a
    second check, each item's pattern: which of those masks it is in, and for a holding its fund line. A check
    then makes one exact group sum of the values by pattern, and every mask's total — and every fund's — is a
    sum over a few patterns (`Ctx.total`, `Ctx.total_by_fund`)."""

    def __init__(self) -> None:
        self.masks: dict = {}
        self.code = None  # pattern of each item
        self.lanes = None  # code · LANES + position mod LANES (`Ctx.pattern_sums`)
        self.n = 0
        self.has: dict = {}  # key → patterns in the mask
        self.fund = None  # fund line position of each pattern's holdings (-1: lines)
        self.stale = False
        self.builds = 0  # how many times the patterns were made (sums kept for another table name the build)

    def ask(self, key, mask) -> None:
        if key not in self.masks:
            self.masks[key] = mask
            self.stale = True

    def build(self, holding: np.ndarray, line_pos: np.ndarray) -> None:
        keys = list(self.masks)
        n = len(holding)
        code = np.where(holding, line_pos, -1).astype(np.int64) + 1
        n_code = int(code.max()) + 1 if n else 1
        for start in range(0, len(keys), 62):
            bits = np.zeros(n, dtype=np.int64)
            for j, k in enumerate(keys[start:start + 62]):
                bits |= self.masks[k].astype(np.int64) << j
            b, ub = pd.factorize(bits)
            code, uc = pd.factorize(code * len(ub) + b)
            n_code = len(uc)
        first = np.full(n_code, n, dtype=np.int64)
        if n:
            first[code[::-1]] = np.arange(n)[::-1]
        self.code, self.n = code.astype(np.int64), n_code
        # the pattern code spread over LANES bins per pattern by position: neighbouring items, often of one
        # pattern, add into different bins (a bincount's additions into one bin wait for each other)
        self.lanes = self.code * LANES + np.arange(n, dtype=np.int64) % LANES
        self.has = {k: np.flatnonzero(self.masks[k][first]) if n else np.zeros(0, np.int64) for k in keys}
        self.fund = np.where(holding[first], line_pos[first], -1) if n else np.zeros(0, np.int64)
        self.stale = False
        self.builds += 1


def _inventory_key(inp) -> tuple:
    return tuple(sorted((inp.inventories or {}).items(), key=lambda kv: kv[0]))


class Ctx:
    """One régime of a portfolio on a date, seen by the R. 139 rules: its `Structure` (`s`, its memo `smemo`:
    everything that depends on texts and tri-states, shared by every check of the same items) and its amounts
    (`value`, `base`, `memo`: sums and figures, made again for each check)."""

    def __init__(self, inp: R139Input, items: pd.DataFrame, version, as_of: dt.date, *, simplified: bool,
                 regime: str | None, max_age_days: int | None = None, simplified_since: dt.date | None = None,
                 structure: Structure | None = None):
        self.inp = inp
        self.version = version
        self.doc = version.extra
        self.as_of = as_of
        self.simplified = simplified
        self.regime = regime
        self.simplified_since = simplified_since
        self.max_age_days = max_age_days
        self.memo: dict = {}
        self.a = a = items
        self.n = len(items)
        st = structure
        if st is None:
            key = (version.id, as_of, bool(simplified), max_age_days, simplified_since, _inventory_key(inp))
            cache = a.__dict__.setdefault("structures", {}) if hasattr(a, "__dict__") else {}
            st = cache.get(key)
            if st is None or st.version is not version:
                st = cache[key] = Structure(version)
        self.s = st
        self.smemo = st.memo
        if st.attrs:
            self.__dict__.update(st.attrs)
            if st.sums.stale:  # the structure serves again: the masks' patterns, once
                st.sums.build(self.holding, self.line_pos)
        else:
            for name, cu in items.codes.items():
                self.smemo[("codes", name)] = cu
            self._structure(inp, as_of, simplified, max_age_days)
            st.attrs = {k: getattr(self, k) for k in STRUCTURE}
        self.value = np.asarray(a["value"], dtype=np.int64)
        # the smallest value, the largest absolute value (every group sum of values is exact in doubles below
        # 2^53 / n, `group_sum`) and the values as doubles when their sums are exact: the table's own
        self.vmin, self.vbig, self._fvalue = (a.value_stats() if isinstance(a, Table) else
                                              Table({"value": self.value}).value_stats())
        self.base = self.total(("view", "P"), self.P) if self.n else 0

    @property
    def fvalue(self) -> np.ndarray | None:
        """The values as doubles when every sum of values over any subset of the items is an exact integer in a
        double, else None (`Table.value_stats`)."""
        return self._fvalue

    def vsum(self, codes: np.ndarray, positions: np.ndarray | None, n: int) -> np.ndarray:
        """Exact int64 sums of the values of the items at `positions` (all when None) per code in [0, n) (codes
        ≥ 0, one per position)."""
        fv = self.fvalue
        if fv is not None:
            w = fv if positions is None else fv[positions]
            return group_sum(codes, w, n, nonneg=True)
        return group_sum(codes, self.value if positions is None else self.value[positions], n, big=self.vbig,
                         nonneg=True)

    def with_items(self, items) -> "Ctx":
        """The same régime with other amounts (values, quantities, notionals, exposures; the same items, texts and
        tri-states): the structure is kept, the amounts made again."""
        return Ctx(self.inp, items, self.version, self.as_of, simplified=self.simplified, regime=self.regime,
                   max_age_days=self.max_age_days, simplified_since=self.simplified_since, structure=self.s)

    def _structure(self, inp, as_of, simplified, max_age_days) -> None:
        a = self.a
        holding = a["holding"].astype(bool)
        self.holding = holding
        direct = ~holding
        in_pocket = self.isin("pocket", tuple(self.doc["base"]["pockets"])) | ~self.known("pocket")
        excluded = self.isin("exclusion", tuple(self.doc["base"]["excluded"]))
        # a holding follows its fund line (pocket, exclusion)
        pos_of = self.positions()
        line_pos = pos_of[np.where(holding, a["line"], 0)] if self.n else np.zeros(0, dtype=np.int64)
        fund_ok = np.where(holding, in_pocket[np.clip(line_pos, 0, None)] & ~excluded[np.clip(line_pos, 0, None)],
                           True) if self.n else np.zeros(0, dtype=bool)
        self.line_pos = line_pos  # for a holding: the position of its fund line; -1 when absent
        self.P = direct & in_pocket & ~excluded
        nature = a["nature"]
        self.nature = nature
        lt = self.doc["lookthrough"]
        looked = self.isin("nature", tuple(lt["looked_through"]))
        self.U = self.P & self.isin("nature", FUNDS)
        max_age = lt["max_age_days"] if max_age_days is None else max_age_days
        # inventories usable on the date: dated, not after the date, not older than max_age days
        self.inventory_state: dict = {}  # line position -> "ok" | "none" | "late" | "future" | "undated"
        has_inv = np.zeros(self.n, dtype=bool)
        for pos in np.flatnonzero(self.P & looked):
            key = int(a["line"][pos])
            if key not in inp.inventories:
                state = "none"
            else:
                d = inp.inventories[key]
                if d is None:
                    state = "undated"
                elif d > as_of:
                    state = "future"
                elif (as_of - d).days > max_age:
                    state = "late"
                else:
                    state = "ok"
            self.inventory_state[int(pos)] = state
            has_inv[pos] = state == "ok"
        self.has_inventory = has_inv
        hold_ok = holding & fund_ok & (line_pos >= 0)
        if self.n:
            hold_ok &= has_inv[np.clip(line_pos, 0, None)]
        nat_codes = self.factorized("nature")[0]
        # for a holding, the nature code of its fund line (-1 for a line, or a fund line without nature)
        self.via_codes = np.where(holding, nat_codes[np.clip(line_pos, 0, None)], -1) if self.n else nat_codes
        via_dedicated = hold_ok & self.via_is(("organisme_dedie",))
        dedicated = self.P & self.isin("nature", ("organisme_dedie",))
        self.D = (self.P & ~(dedicated & has_inv)) | via_dedicated
        # the lines of D whose holdings are unknown: dedicated funds without a usable inventory
        self.D_blind = dedicated & ~has_inv
        if simplified:
            self.T = self.D & ~self.D_blind
            self.T_blind = self.D_blind
        else:
            self.T = (self.P & ~looked) | (hold_ok & self.via_is(tuple(lt["looked_through"])))
            self.T_blind = self.P & looked & ~has_inv
        self.D_items = self.D & ~self.D_blind
        self.direct = direct

    # ---- sums of amounts over structural masks

    def total(self, key, mask: np.ndarray) -> int:
        """Σ values (exact integer cents) over `mask`, a mask of the structure named `key` (the same key, the same
        mask, for every check of this structure)."""
        pt = self.s.sums
        has = pt.has.get(key) if pt.code is not None else None
        if has is None:
            pt.ask(key, mask)
            return int((self.value * mask).sum())  # (a product by the mask: an index by it costs five times more)
        return int(self.pattern_sums()[has].sum())

    def total_by_fund(self, key, mask: np.ndarray) -> np.ndarray:
        """Per fund line position (an array over the items), Σ values of its holdings in `mask` (exact cents)."""
        pt = self.s.sums
        has = pt.has.get(key) if pt.code is not None else None
        if has is None:
            pt.ask(key, mask)
            sel = mask & self.holding & (self.line_pos >= 0)
            return group_sum(self.line_pos[sel], self.value[sel], self.n_fund_pos(), big=self.vbig, nonneg=True)
        S = self.pattern_sums()[has]
        f = pt.fund[has]
        return group_sum(f, S, self.n_fund_pos())

    def exact_sum(self, pos) -> Fraction:
        """Σ exact values of the items at `pos` (repeats counted): a line's cents; a holding's value before its
        rounding to the cent, raw value × its fund line's value / Σ raw values of that line's holdings (R. 139-17,
        last paragraph). A fund line whose rounded holdings do not sum to its value keeps their cents."""
        pos = np.asarray(pos, dtype=np.int64)
        h = self.holding[pos] & (self.line_pos[pos] >= 0)
        total = Fraction(sum(self.value[pos[~h]].tolist()))
        if not h.any():
            return total
        if "raw_totals" not in self.smemo:
            sel = self.holding & (self.line_pos >= 0)
            raw = np.asarray(self.a["raw_value"], dtype=np.int64) if "raw_value" in self.a else self.value
            self.smemo["raw_totals"] = (raw, group_sum(self.line_pos[sel], raw[sel], self.n_fund_pos(), nonneg=True))
        raw, s = self.smemo["raw_totals"]
        if "rounded_totals" not in self.memo:
            sel = self.holding & (self.line_pos >= 0)
            self.memo["rounded_totals"] = group_sum(self.line_pos[sel], self.value[sel], self.n_fund_pos(), nonneg=True)
        rounded = self.memo["rounded_totals"]
        hp = pos[h]
        lp = self.line_pos[hp]
        for f in np.unique(lp).tolist():
            sel = hp[lp == f]
            V, sf = int(self.value[f]), int(s[f])
            if sf > 0 and int(rounded[f]) == V:
                total += Fraction(sum(raw[sel].tolist()) * V, sf)
            else:
                total += sum(self.value[sel].tolist())
        return total

    def raw_by_fund(self, key, mask: np.ndarray) -> np.ndarray:
        """Per fund line position, Σ raw values (the inventory's own cents, before rescaling) of its holdings in
        `mask`: a share of a fund's inventory is the same however the fund is rescaled, and exact (a mask of the
        structure named `key`)."""
        k = ("raw_by_fund", key)
        if k not in self.smemo:
            raw = np.asarray(self.a["raw_value"], dtype=np.int64) if "raw_value" in self.a else self.value
            sel = mask & self.holding & (self.line_pos >= 0)
            self.smemo[k] = group_sum(self.line_pos[sel], raw[sel], self.n_fund_pos(), nonneg=True)
        return self.smemo[k]

    def n_holdings(self) -> int:
        if "n_holdings" not in self.smemo:
            self.smemo["n_holdings"] = int(np.count_nonzero(self.holding))
        return self.smemo["n_holdings"]

    def n_fund_pos(self) -> int:
        """One more than the largest position of a fund line with holdings (the length of per-fund arrays)."""
        if "n_fund_pos" not in self.smemo:
            h = self.line_pos[self.holding]
            self.smemo["n_fund_pos"] = int(h.max()) + 1 if len(h) else 0
        return self.smemo["n_fund_pos"]

    def negatives(self) -> np.ndarray:
        """Positions of the items whose value or quantity is negative (a short position, R. 139-40): the table's
        own (`Table.negatives`)."""
        if "negatives" not in self.memo:
            a = self.a if isinstance(self.a, Table) else Table({"value": self.value, "quantity": self.a["quantity"]})
            self.memo["negatives"] = a.negatives()
        return self.memo["negatives"]

    def pattern_sums(self) -> np.ndarray:
        S = self.memo.get("pattern_sums")
        if S is None:
            pt = self.s.sums

            def delta(prev, pos, old):
                out = prev.copy()
                np.add.at(out, pt.code[pos], self.value[pos] - old[pos])
                return out
            def full():
                fv = self.fvalue
                if fv is None:
                    return group_sum(pt.code, self.value, pt.n, big=self.vbig, nonneg=True)
                return group_sum(pt.lanes, fv, pt.n * LANES, nonneg=True).reshape(-1, LANES).sum(axis=1)
            S = self.memo["pattern_sums"] = self.follow(("patterns", pt.builds), full, delta)
        return S

    def follow(self, tag, full, delta):
        """A sum of amounts that follows a change: for items made from other items by `Table.with_amounts` (the
        pre-trade check), the other items' sum with the old contributions of the changed items taken out and the
        new ones put in (`delta(previous, positions, old values)`, exact cents); else made in full. Kept on the
        items for the next change only: a check never reads back its own items' sums."""
        key = (id(self.s), tag)
        parent = self.a.__dict__.get("parent") if hasattr(self.a, "__dict__") else None
        S = None
        if parent is not None:
            table, pos = parent
            prev = table.__dict__.get("sums", {}).get(key)
            if prev is not None:
                S = delta(prev, pos, np.asarray(table["value"], dtype=np.int64))
        if S is None:
            S = full()
        if hasattr(self.a, "__dict__"):
            self.a.__dict__.setdefault("sums", {})[key] = S
        return S

    @property
    def via_nature(self) -> np.ndarray:
        """For a holding, the nature of its fund line (None for a line), as text."""
        if "via_nature" not in self.smemo:
            self.smemo["via_nature"] = np.append(np.asarray(self.factorized("nature")[1], dtype=object),
                                                None)[self.via_codes]
        return self.smemo["via_nature"]

    def via_is(self, natures) -> np.ndarray:
        """Holdings whose fund line is of one of `natures` (the codes of `via_nature`)."""
        key = ("via_is", tuple(natures))
        if key not in self.smemo:
            uniq = self.factorized("nature")[1]
            vals = set(natures)
            self.smemo[key] = code_in(self.via_codes, [k for k, u in enumerate(uniq) if u in vals], len(uniq))
        return self.smemo[key]

    def eq(self, name: str, value) -> np.ndarray:
        """Items whose text `name` is `value` (from the codes; an empty cell is not)."""
        return self.isin(name, (value,))

    # ---- positions and texts

    def positions(self) -> np.ndarray:
        """Table: line key → position of that line in this context (-1 when not here)."""
        a = self.a
        keys = a["line"]
        direct = ~a["holding"].astype(bool)
        top = int(keys.max()) + 1 if self.n else 1
        pos = np.full(top + 1, -1, dtype=np.int64)
        d = np.flatnonzero(direct)
        pos[keys[d]] = d
        return pos

    def text(self, name: str) -> np.ndarray:
        return self.a[name]

    def known(self, name: str) -> np.ndarray:
        key = ("known", name)
        if key not in self.smemo:
            self.smemo[key] = self.factorized(name)[0] >= 0 if self.a[name].dtype == object else pd.notna(self.a[name])
        return self.smemo[key]

    def factorized(self, name: str):
        """(codes, uniques) of a text column (-1: empty), kept from the cleaning of the table."""
        key = ("codes", name)
        if key not in self.smemo:
            self.smemo[key] = pd.factorize(self.a[name], use_na_sentinel=True)
        return self.smemo[key]

    def isin(self, name: str, values) -> np.ndarray:
        key = ("isin", name, tuple(values))
        if key not in self.smemo:
            codes, uniq = self.factorized(name)
            vals = set(values)
            self.smemo[key] = code_in(codes, [k for k, u in enumerate(uniq) if u in vals], len(uniq))
        return self.smemo[key]

    def isin_via(self, natures) -> np.ndarray:
        """Holdings whose fund is of one of `natures` (from the fund line's nature codes)."""
        codes, uniq = self.factorized("nature")
        vals = set(natures)
        table = np.array([u in vals for u in uniq] + [False], dtype=bool)
        fund_codes = codes[np.clip(self.line_pos, 0, None)] if self.n else codes
        return self.holding & (self.line_pos >= 0) & table[fund_codes]

    def nat(self, natures) -> np.ndarray:
        return self.isin("nature", tuple(natures))

    # ---- groups of states

    def states(self, group: str) -> frozenset:
        spec = self.doc["state_groups"][group]
        out = set(spec.get("plus", []))
        for g in spec.get("groups", []):
            out |= states_on(g, self.as_of)
        return frozenset(out)

    def country_tri(self, column: str, group: str) -> np.ndarray:
        key = ("country", column, group)
        if key not in self.smemo:
            inside = self.isin(column, tuple(sorted(self.states(group))))
            self.smemo[key] = tri_of(self.known(column), inside)
        return self.smemo[key]

    def kind_tri(self, spec: dict, who: str = "issuer") -> np.ndarray:
        """TRUE where the issuer (or guarantor) is of a kind of `spec` (`kinds`, `kinds_in_states`), FALSE where it
        is known not to be, UNKNOWN where its kind or its state is missing."""
        key = ("kind", who, repr(spec))
        if key in self.smemo:
            return self.smemo[key]
        kcol, ccol = (("issuer_kind", "country") if who == "issuer" else ("guarantor_kind", "guarantor_country"))
        tri = UNKNOWN - as_int8(self.known(kcol))  # FALSE where the kind is given
        tri[self.isin(kcol, tuple(spec.get("kinds", [])))] = TRUE
        for k, group in spec.get("kinds_in_states", {}).items():
            m = self.isin(kcol, (k,))
            if m.any():
                tri[m] = self.country_tri(ccol, group)[m]
        if who == "guarantor":  # no guarantor: nothing to grant
            tri[~self.known("guarantor") & ~self.known("guarantor_kind")] = FALSE
        self.smemo[key] = tri
        return tri

    def sovereign_tri(self, name: str) -> np.ndarray:
        """Issued or guaranteed by an issuer of `doc[name]` (R. 139-45 II, R. 139-46 II, R. 139-14 2°)."""
        key = ("sovereign", name)
        if key not in self.smemo:
            spec = self.doc[name]
            self.smemo[key] = np.maximum(self.kind_tri(spec, "issuer"), self.kind_tri(spec, "guarantor"))
        return self.smemo[key]

    def listed_tri(self, assimilated: bool = True, eea_only: bool = False) -> np.ndarray:
        """R. 139-19: admitted on a market of I (1°–3°, or 1°–2° with `eea_only`), or a TCN assimilated (II, III)."""
        key = ("listed", assimilated, eea_only)
        if key in self.smemo:
            return self.smemo[key]
        li = self.doc["listing"]
        admitted = self.isin("listing", tuple(li["eea"] if eea_only else li["admitted"]))
        tri = UNKNOWN - as_int8(self.known("listing"))  # FALSE where the listing is given
        tri[admitted] = TRUE
        if assimilated:
            tcn = self.nat(["tcn"])
            if tcn.any():
                ii = self.assimilated_tri("assimilated_ii")
                if not eea_only:
                    ii = np.maximum(ii, self.assimilated_tri("assimilated_iii"))
                tri = np.maximum(tri, ii * as_int8(tcn))  # (tri-states are ≥ 0)
        self.smemo[key] = tri
        return tri

    def assimilated_tri(self, name: str) -> np.ndarray:
        key = ("assim", name)
        if key not in self.smemo:
            spec = self.doc["listing"][name]
            t = np.maximum(self.kind_tri(spec, "issuer"), self.kind_tri(spec, "guarantor"))
            # a missing kind leaves the question open only where the listing does not settle it
            self.smemo[key] = t
        return self.smemo[key]

    def contract(self) -> np.ndarray:
        """Items that are, or carry, a financial contract (R. 139-18 9°, R. 139-36)."""
        if "contract" not in self.smemo:
            self.smemo["contract"] = self.nat(["contrat_financier"]) | (self.a["embedded_derivative"] == TRUE)
        return self.smemo["contract"]

    def equity_tri(self) -> np.ndarray:
        """Titres de capital émis par des sociétés par actions (R. 139-41 3°, 4°; RR 10)."""
        if "equity" in self.smemo:
            return self.smemo["equity"]
        tri = np.full(self.n, FALSE, dtype=np.int8)
        tri[self.nat(["action", "acces_capital"])] = TRUE
        eod = self.a["equity_or_debt"]
        tri[self.isin("equity_or_debt", ("capital", "les_deux")) & self.nat(SECURITIES)] = TRUE
        sci = self.nat(["societe_immobiliere"])
        if sci.any():
            listed = self.isin("listing", tuple(self.doc["listing"]["admitted"]))
            sa = self.isin("legal_form", SA_FORMS)
            form_known = self.known("legal_form")
            t = np.where(listed | sa, TRUE, np.where(form_known, FALSE, UNKNOWN))
            tri[sci] = t[sci]
        del eod
        self.smemo["equity"] = tri
        return tri

    # ---- what a finding says of its items

    def where(self, idx) -> dict:
        """rows (Portefeuille rows: the line, or the fund line of a holding), via (the funds), lookthrough_rows."""
        idx = np.asarray(idx, dtype=np.int64)
        if not len(idx):
            return {"rows": [], "via": [], "lookthrough_rows": []}
        a = self.a
        hold = self.holding[idx]
        hi = idx[hold]
        fp = self.line_pos[hi]
        rows = sorted(set(a["row"][idx[~hold]].tolist()) | set(a["row"][fp[fp >= 0]].tolist()))
        via: list = []
        lt: list = []
        if len(hi):
            names = a["via"][hi]
            fallback = np.where(fp >= 0, a["label"][np.clip(fp, 0, None)], None)
            names = np.where(pd.isna(names), fallback, names)
            for name in pd.unique(names):  # in the order the funds first appear
                if name is not None and name not in via:
                    via.append(str(name))
            lt = [{"sheet": sh if isinstance(sh, str) and sh else "Transparence", "row": r}
                  for sh, r in zip(a["sheet"][hi].tolist(), a["row"][hi].tolist())]
        return {"rows": rows, "via": via, "lookthrough_rows": lt}

    def label(self, i: int) -> str:
        return str(self.a["label"][i])

    def colname(self, name: str) -> str:
        return self.inp.column_name(name)


def as_int8(mask: np.ndarray) -> np.ndarray:
    """A mask as 0 / 1 (int8), without a copy."""
    mask = np.asarray(mask)
    return mask.view(np.int8) if mask.dtype == bool else mask.astype(np.int8)


def tri_of(known: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """TRUE where `known` and `inside`, FALSE where `known` only, UNKNOWN where not `known` (int8): by arithmetic
    on the masks, as `np.where` over a scattered mask costs several times more."""
    return (UNKNOWN + as_int8(known) * (2 * as_int8(inside) - 1)).astype(np.int8, copy=False)


def sure(mask: np.ndarray) -> np.ndarray:
    """TRUE where `mask`, FALSE elsewhere (int8)."""
    return (as_int8(mask) * TRUE).astype(np.int8, copy=False)


def select8(mask: np.ndarray, a, b) -> np.ndarray:
    """`np.where(mask, a, b)` for tri-states (int8 arrays or scalars), by arithmetic: b + mask · (a − b)."""
    return (b + as_int8(mask) * (np.asarray(a, dtype=np.int8) - np.asarray(b, dtype=np.int8))).astype(np.int8,
                                                                                                        copy=False)


def tri_min_where(status: np.ndarray, applies: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """`np.where(applies, np.minimum(status, tri), status)` for tri-states (0, 1, 2), by arithmetic: where the mask
    is off, tri | 2 ≥ TRUE leaves the status as it is."""
    return np.minimum(status, tri | (as_int8(~np.asarray(applies, dtype=bool)) << 1)).astype(np.int8, copy=False)


def in_values(arr: np.ndarray, values, none: bool = False) -> np.ndarray:
    """arr ∈ values for an object array of texts (None: `none`)."""
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    vals = set(values)
    table = np.array([u in vals for u in uniq] + [none], dtype=bool)
    return table[codes]


def code_in(codes: np.ndarray, hits: list, n_uniques: int) -> np.ndarray:
    """codes ∈ hits (codes of texts, -1 for an empty cell, never a hit): a few comparisons of the codes, which
    cost a tenth of a look-up through a table each, else the look-up."""
    if not hits:
        return np.zeros(len(codes), dtype=bool)
    if len(hits) <= 4:
        out = codes == hits[0]
        for k in hits[1:]:
            out |= codes == k
        return out
    table = np.zeros(n_uniques + 1, dtype=bool)
    table[hits] = True
    return table[codes]


def group_sum(codes: np.ndarray, cents: np.ndarray, n: int, *, big: int | None = None,
              nonneg: bool = False) -> np.ndarray:
    """Exact int64 sums of integer cents per code in [0, n) (codes < 0 left out): a float bincount while every
    partial sum is exact in a double (below 2^53 cents), int64 additions otherwise. `big`: a bound of the
    cents' absolute values when the caller knows one; `nonneg`: the codes are known to be ≥ 0. Cents given as
    doubles (`Ctx.fvalue`) are integers whose every partial sum the caller knows to be exact: one bincount."""
    codes = np.asarray(codes, dtype=np.int64)
    if not len(codes):
        return np.zeros(n, dtype=np.int64)
    if getattr(cents, "dtype", None) == np.float64:
        if not nonneg and int(codes.min()) < 0:
            keep = codes >= 0
            codes, cents = codes[keep], cents[keep]
        return np.bincount(codes, weights=cents, minlength=n).astype(np.int64)
    cents = np.asarray(cents, dtype=np.int64)
    if not nonneg and int(codes.min()) < 0:
        keep = codes >= 0
        codes, cents = codes[keep], cents[keep]
        if not len(codes):
            return np.zeros(n, dtype=np.int64)
    if big is None:
        big = max(int(cents.max()), -int(cents.min()))
    if big * len(cents) < 2 ** 53:  # every partial sum an exact integer in a double
        return np.bincount(codes, weights=cents, minlength=n).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, codes, cents)
    return out


def group_index(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): the positions of code k, in increasing order, are order[starts[k]:starts[k + 1]]."""
    codes = np.asarray(codes, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n + 1))
    return order, starts


def frac(x) -> Fraction:
    """A decimal as written (a float read from a cell: its shortest repr)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        return Fraction(repr(x))
    return Fraction(str(x))


def cap_cents(base: int, lim: Fraction) -> int:
    return (lim.numerator * int(base)) // lim.denominator


def settle(ctx, S: int, pos, lim: Fraction, *, strict: bool = False, base: int | None = None) -> int:
    """`S`, a sum of cents over the items at `pos` (plus exact cents of other terms: contracts, funds seen
    without their holdings), put on the side of lim·base where its exact value lies: rescaled holdings are
    rounded to the cent (each by less than a cent), and limits are compared exactly (R. 139-17 last paragraph:
    the holdings' values are the inventory's × k). Unchanged when the rounding cannot cross the limit; else the
    cents allowed (or one more), so that `S > cap_cents` (strict: `S > below_cents`) is the exact verdict."""
    S = int(S)
    n_h = ctx.n_holdings()
    if not n_h:
        return S
    b = int(ctx.base if base is None else base)
    num, den = lim.numerator * b, lim.denominator
    if abs(S * den - num) > (n_h + 1) * den:
        return S
    pos = np.asarray(pos, dtype=np.int64)
    return settled_to(S, ctx.exact_sum(pos) + (S - sum(ctx.value[pos].tolist())), lim, b, strict=strict)


def near_limit(ctx, S: int, lim: Fraction, base: int | None = None) -> bool:
    """Whether the rounding of the rescaled holdings (less than a cent each) or of an exact sum of contracts (half a
    cent) could put `S` on the wrong side of lim·base."""
    n_h = ctx.n_holdings()
    b = int(ctx.base if base is None else base)
    return abs(int(S) * lim.denominator - lim.numerator * b) <= (n_h + 1) * lim.denominator


def settled_to(S: int, E: Fraction, lim: Fraction, base: int, *, strict: bool = False) -> int:
    """`S` cents moved to the side of lim·base where the exact figure `E` lies."""
    cap = lim * int(base)
    if strict:
        below = below_cents(base, lim)
        return min(S, below) if E < cap else max(S, below + 1)
    allowed = cap_cents(base, lim)
    return min(S, allowed) if E <= cap else max(S, allowed + 1)


def below_cents(base: int, lim: Fraction) -> int:
    """The largest number of cents strictly below lim·base (« inférieure à »)."""
    num = lim.numerator * int(base)
    q, r = divmod(num, lim.denominator)
    return q - 1 if r == 0 else q
