"""One small object per rule, two uses: the checker evaluates it on a portfolio,
the optimizer asks it for its linear form.

Every rule reads its limits and scopes from the rulebook (`RuleSpec.params`):
no limit is written in this file. The kinds are:

- `line_conditions`: conditions each line of some categories must meet
  (R. 623-3 I–IV, R. 623-4 to R. 623-10); a line that fails is to be sold.
- `share`: a floor or cap on the share of a set of lines in the base
  (R. 623-3 IV 90 %, R. 623-10-1 34 %, 5 %, 20 %, 10 %);
- `issuer_cap`, `building_cap`: a cap per group of lines (R. 623-10-1, 5 %);
- `holding_cap`: a cap on the share of an issuer's securities held
  (R. 623-10-1, 10 %).

Limits are compared exactly: values are integer cents, limits fractions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pandas as pd

from reserves.portfolio.parsing import (CAT_IFT, CAT_OTHER, CATEGORY_CODES, FALSE, NO_CODE, NO_TEXT, TRUE, UNKNOWN, text_code,
                              text_codes)

from .kind import (BREACH, KINDS, NA, OK, UNKNOWN_S, Book, Finding, LinearBlock, LineChange, RuleKind, RuleResult,
                   euros, register, worst)
from .rulebook import RuleSpec, Version, states_on
from .schema import Categories, ColumnName, Condition, Limit, Literal, Strict


def category_codes(items) -> np.ndarray:
    return np.array([CATEGORY_CODES[str(c)] for c in items], dtype=np.int8)


def fr_euros(cents: int) -> str:
    """1 234 567,89 € with narrow no-break spaces (U+202F) between the thousands and before « € »: an amount
    never wraps, and « € » never starts a line on its own."""
    s = f"{abs(int(cents)) / 100:,.2f}".replace(",", "\u202f").replace(".", ",")
    return ("-" if cents < 0 else "") + s + "\u202f€"


def fr_pct(x: float) -> str:
    return f"{x * 100:.2f}".replace(".", ",") + " %"


def fr_pct_beside(x: float, lim: float) -> str:
    """`fr_pct(x)`, with more decimals when two would print a share beyond the limit as the limit itself
    (a cent over 20 % of a million reads 20,000001 %, not 20,00 %)."""
    for digits in range(2, 10):
        text = f"{x * 100:.{digits}f}"
        if x == lim or text != f"{lim * 100:.{digits}f}":
            return text.replace(".", ",") + " %"
    return fr_pct(x)


# --------------------------------------------------------------------------- context

# Pocket classes of a line, the second index of `Context.tally`: 0 reserves in the base, 1 reserves left out of the
# R. 623-10-1 base (excluded cash), 2 and 3 gestion.
POCKET_CLASSES = {"reserves": (0, 1), "reserves_less_excluded": (0,), "excluded": (1,), "gestion": (2, 3),
                  "all": (0, 1, 2, 3)}
_N_CATS = max(CATEGORY_CODES.values()) + 1


class Cats:
    """Some categories of the rulebook, prepared once: their codes, a table over the codes, runs of
    consecutive codes (for a mask: a comparison or two per run)."""

    __slots__ = ("codes", "table", "runs")

    def __init__(self, codes):
        self.codes = tuple(sorted(set(int(c) for c in codes)))
        table = np.zeros(_N_CATS, dtype=bool)
        table[list(self.codes)] = True
        table.flags.writeable = False
        self.table = table
        self.runs = _runs(self.codes)


@lru_cache(maxsize=None)
def _cats(items: tuple) -> Cats:
    return Cats(category_codes(items))


def cats_of(items) -> Cats | None:
    """The categories of a rulebook list (`[1, 2, IFT]`), None for `all`."""
    if isinstance(items, Cats):
        return items
    if isinstance(items, str):
        return None if items == "all" else _cats((items,))
    return _cats(tuple(str(c) for c in items))


def category_table(items) -> np.ndarray | None:
    """Bool table over the category codes of a rulebook list of categories (read-only); None for `all`."""
    c = cats_of(items)
    return None if c is None else c.table


@lru_cache(maxsize=256)
def _member_codes(members: frozenset) -> tuple:
    """How to tell the codes of a set of texts: ("none", None), ("one", code), ("table", bool table over the
    codes whose last cell is False) or ("isin", codes)."""
    mc = sorted(c for c in (text_code(m) for m in members) if c >= 0)
    if not mc:
        return "none", None
    if len(mc) == 1:
        return "one", mc[0]
    if mc[-1] < 1 << 22:
        table = np.zeros(mc[-1] + 2, dtype=bool)
        table[mc] = True
        table.flags.writeable = False
        return "table", table
    return "isin", np.array(mc, dtype=np.int64)


def _runs(codes) -> list:
    """Sorted codes as runs of consecutive codes: [1, 2, 3, 5] → [(1, 3), (5, 5)]."""
    runs = []
    for c in sorted(set(int(x) for x in codes)):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return [tuple(r) for r in runs]


def _unlocked(a: np.ndarray) -> np.ndarray:
    """The same memory, not marked read-only, for numpy routines that copy a read-only input before reading it
    (bincount, take): only ever read."""
    if a.flags.writeable:
        return a
    try:
        v = a.view()
        v.flags.writeable = True
        return v
    except ValueError:  # pragma: no cover - memory numpy will not unlock
        return a


def _column_array(L: pd.DataFrame, name: str, n: int) -> np.ndarray | None:
    """A column of a table as pandas keeps it, when that is a numpy array (read-only view), else None: pandas'
    own access, far cheaper than making a Series of it. Text columns are read the ordinary way."""
    get = getattr(L, "_get_column_array", None)
    if get is None:  # pragma: no cover - a pandas without it
        return None
    try:
        loc = L.columns.get_loc(name)
    except KeyError:
        return None
    if not isinstance(loc, int):  # pragma: no cover - a repeated column name
        return None
    a = get(loc)
    if type(a) is not np.ndarray or a.shape != (n,):
        return None
    a = a.view()
    a.flags.writeable = False
    return a


class Context:
    """A portfolio seen by the rules on a date: masks and totals computed once.

    Line masks, columns as arrays and answers shared by several rules are kept
    in `memo`; the counts and exact sums of the values by category and pocket
    are taken in one pass (`tally`), so that most rules never go through the
    lines one by one.
    """

    def __init__(self, pf, version: Version, as_of: dt.date):
        self.pf = pf
        self.version = version
        self.as_of = as_of
        L = pf.lines
        self.L = L
        self.n = len(L)
        self.memo: dict = {}  # answers shared by several rules (read-only arrays)
        self._arrays: dict = {}
        self.cat = self.column("category")
        self.value = self.column("value", np.int64)
        self.rows = self.column("row")
        self.gestion = self.column("gestion", bool)
        self.reserves = ~self.gestion
        self.excluded = self.column("excluded", bool)
        self.base_masks = {"reserves": self.reserves, "reserves_less_excluded": self.reserves & ~self.excluded}
        self._totals: dict[str, int] = {}
        if self.n:
            lo, hi = int(self.value.min()), int(self.value.max())
        else:
            lo = hi = 0
        self.value_min = lo
        # no sum of the values of some lines exceeds this many cents in absolute value
        self.span = self.n * max(hi, -lo)
        self._tally = None
        self._tallied: dict = {}

    # ---- columns and masks

    @property
    def value_f(self) -> np.ndarray:
        """The values as float64 (exact: |value| < 2**53 cents)."""
        vf = self.memo.get("value_f")
        if vf is None:
            vf = self.memo["value_f"] = self.value.astype(np.float64)
        return vf

    def column(self, name: str, dtype=None) -> np.ndarray:
        """A column of the lines as an array (read-only: it may be the table's own memory)."""
        a = self._arrays.get(name, False)
        if a is False:
            a = self._arrays[name] = _column_array(self.L, name, self.n)
        if a is not None and (dtype is None or a.dtype == dtype):
            return a
        key = ("column", name, dtype)
        a = self.memo.get(key)
        if a is None:
            a = self.memo[key] = self.L[name].to_numpy(dtype=dtype)
        return a

    def codes(self, column: str) -> np.ndarray:
        """The `text_code` of each line's text in a text column, from its `<column>_code` when the lines have it."""
        key = ("codes", column)
        c = self.memo.get(key)
        if c is None:
            name = column + "_code"
            c = self.column(name) if name in self.L.columns else None
            if c is None or c.dtype.kind not in "iu":  # no codes (or not all of them: lines put together)
                c = text_codes(self.L[column].to_numpy())
            self.memo[key] = c
        return c

    def member_of(self, column: str, members, idx: np.ndarray | None = None, known: bool = False):
        """Lines (all, or those of `idx`) whose text in `column` is one of `members`, compared exactly; with
        `known`, also the lines where the column is filled."""
        members = frozenset(members)
        codes = self.codes(column)
        if idx is not None:
            codes = codes[idx]
        if known:  # the codes say NO_TEXT exactly where the text is missing
            has_text = self.known(column) if idx is None else codes != NO_TEXT
        kind, look = _member_codes(members)
        if kind == "none":
            inside = np.zeros(len(codes), dtype=bool)
        elif kind == "one":
            inside = codes == look
        elif kind == "table":  # negative codes read the first cell, larger ones the last
            inside = np.take(look, _unlocked(codes), mode="clip")
            if look[0]:
                inside &= codes >= 0
        else:
            inside = np.isin(codes, look)
        # texts without a code are compared as texts (a text with a code never equals one without)
        if not self._has_no_code(column):
            odd = ()
        elif idx is None:
            odd = self.memo.get(("no_code", column))
            if odd is None:
                odd = self.memo[("no_code", column)] = np.flatnonzero(codes == NO_CODE)
        else:
            odd = np.flatnonzero(codes == NO_CODE)
        if len(odd):
            texts = self.column(column)
            inside[odd] = [t in members for t in texts[odd if idx is None else idx[odd]]]
        return (inside, has_text) if known else inside

    def _code_min(self, column: str) -> int:
        """The smallest code of a text column (computed once): below 0, some text is missing or has no code."""
        key = ("code_min", column)
        m = self.memo.get(key)
        if m is None:
            c = self.codes(column)
            m = self.memo[key] = int(c.min()) if len(c) else 0
        return m

    def _has_no_code(self, column: str) -> bool:
        """Some line of a text column has a text without a code."""
        return self._code_min(column) <= NO_CODE

    def known_at(self, column: str, idx: np.ndarray) -> np.ndarray:
        """`known(column)` for the lines `idx` only."""
        if ("known", column) in self.memo:
            return self.memo[("known", column)][idx]
        return self.codes(column)[idx] != NO_TEXT

    def known(self, column: str) -> np.ndarray:
        """Lines where a text column is filled (read-only, computed once)."""
        key = ("known", column)
        if key not in self.memo:
            if column + "_code" in self.L.columns:
                k = self.codes(column) != NO_TEXT if self._code_min(column) < 0 else np.ones(self.n, dtype=bool)
            else:
                k = ~pd.isna(self.L[column].to_numpy())
            k.flags.writeable = False
            self.memo[key] = k
        return self.memo[key]

    def cat_mask(self, items) -> np.ndarray:
        """Lines of the categories named (a rulebook list or `Cats`; read-only, computed once per set)."""
        c = cats_of(items)
        key = ("cat", None if c is None else c.codes)
        m = self.memo.get(key)
        if m is None:
            if c is None:
                m = np.ones(self.n, dtype=bool)
            elif len(c.runs) <= 3:  # a few comparisons of small integers beat a table lookup
                cat = self.cat
                m = None
                for a, b in c.runs:
                    r = (cat == a) if a == b else ((cat >= a) & (cat <= b))
                    m = r if m is None else (m | r)
                if m is None:
                    m = np.zeros(self.n, dtype=bool)
            else:
                m = np.take(c.table, self.cat.astype(np.intp), mode="clip")
            m.flags.writeable = False
            self.memo[key] = m
        return m

    def pocket_mask(self, pockets) -> np.ndarray | None:
        """Lines of the pockets named (`reserves`, `gestion`); None for every line."""
        r, g = "reserves" in pockets, "gestion" in pockets
        if r and g:
            return None
        if r:
            return self.reserves
        if g:
            return self.gestion
        return np.zeros(self.n, dtype=bool)

    # ---- counts and sums

    def _tallies(self):
        if self._tally is None:
            n_cats = _N_CATS
            cat = self.cat
            if self.n and (int(cat.min()) < 0 or int(cat.max()) >= n_cats):
                n_cats = max(int(cat.max()) + 1, n_cats) if int(cat.min()) >= 0 else None
            if n_cats is None:  # pragma: no cover - categories are codes 1 to 15
                raise ValueError("code de catégorie négatif")
            if n_cats <= 64:  # category·4 + pocket class, built in bytes (additions: the vectorised kind)
                c8 = cat.view(np.uint8) if cat.dtype.itemsize == 1 and cat.dtype.kind in "iu" else cat.astype(np.uint8)
                key = c8 * np.uint8(4)
                g8 = self.gestion.view(np.uint8)
                key += g8
                key += g8
                key += (self.excluded & self.reserves).view(np.uint8)
                key = key.astype(np.intp)
            else:  # pragma: no cover - categories are codes 1 to 15
                key = cat.astype(np.intp) * 4 + self.gestion * 2 + (self.excluded & self.reserves)
            counts = np.bincount(key, minlength=4 * n_cats).reshape(n_cats, 4)
            if self.span < 1 << 53:  # float sums of integer cents are exact below 2**53
                sums = np.rint(np.bincount(key, weights=self.value_f, minlength=4 * n_cats)).astype(np.int64)
            else:
                sums = group_sums(key, self.value, 4 * n_cats)
                if self.span >= 1 << 62:
                    sums = np.array([int(x) for x in sums], dtype=object)
            self._tally = (counts, sums.reshape(n_cats, 4), {})
        return self._tally

    def _by_category(self, pockets: str) -> tuple[list, list]:
        """Counts and exact sums of the values (Python integers) per category code in some pockets."""
        counts, sums, per = self._tallies()
        out = per.get(pockets)
        if out is None:
            cls = list(POCKET_CLASSES[pockets])
            # int64 sums of at most 64 cells cannot wrap below 2**62 cents; else the cells are Python integers
            out = per[pockets] = (counts[:, cls].sum(axis=1).tolist(), sums[:, cls].sum(axis=1).tolist())
        return out

    def tally(self, cats, pockets: str) -> tuple[int, int]:
        """(number of lines, exact sum of their values in cents) of the categories `cats` (`Cats`, or None for
        all) in the pockets `pockets` (a key of POCKET_CLASSES)."""
        key = (None if cats is None else cats.codes, pockets)
        out = self._tallied.get(key)
        if out is None:
            counts, sums = self._by_category(pockets)
            if cats is None:
                out = (sum(counts), sum(sums))
            else:
                codes = [c for c in cats.codes if c < len(counts)]
                out = (sum(map(counts.__getitem__, codes)), sum(map(sums.__getitem__, codes)))
            self._tallied[key] = out
        return out

    def total(self, base: str) -> int:
        if base not in self._totals:
            self._totals[base] = self.tally(None, base)[1]
        return self._totals[base]

    def sum_where(self, mask: np.ndarray) -> int:
        """Exact sum of the values of the lines of a mask, cents."""
        if self.span < 1 << 53:  # every partial sum is an integer float, exact in any order
            return int(np.dot(self.value_f, mask))
        if self.span < 1 << 62:  # no partial sum can wrap around
            return int(np.dot(self.value, mask))
        return exact_sum(self.value[mask])

    def states(self, group: str) -> frozenset:
        return states_on(group, self.as_of)

    def book(self) -> Book:
        """The line table the rules' states share (`constraints.kind.Book`), made once per context."""
        b = self.memo.get("book")
        if b is None:
            b = self.memo["book"] = Book(self)
        return b

    def colname(self, field_name: str) -> str:
        return self.pf.column_name(field_name)

    def labels(self, idx) -> list:
        lab = self.L["label"].to_numpy()
        return [str(lab[i]) for i in idx]


def exact_sum(values: np.ndarray) -> int:
    """Sum of int64 cents, exact (Python int beyond int64's reach)."""
    if len(values) == 0:
        return 0
    if np.abs(values).max(initial=0) < (1 << 62) // max(len(values), 1):
        return int(values.sum())
    return sum(int(v) for v in values)


def group_sums(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Exact sums of cents per group: float accumulation while it is exact (below 2**53 cents), int64
    below 2**62, Python integers beyond (an object array), so that no sum ever wraps around."""
    if n_groups == 0:
        return np.zeros(0, dtype=np.int64)
    bound = float(np.abs(values.astype(np.float64)).sum())  # a float sum cannot wrap around as int64 does
    if bound < 2**53:
        return np.rint(np.bincount(codes, weights=values, minlength=n_groups)).astype(np.int64)
    if bound < 2**62:
        return pd.Series(values).groupby(codes).sum().reindex(range(n_groups), fill_value=0).to_numpy(np.int64)
    out = [0] * n_groups
    for g, x in zip(codes.tolist(), values.tolist()):
        out[g] += int(x)
    return np.array(out, dtype=object)


def over_cap(v: np.ndarray, base: int, lim: Fraction) -> np.ndarray:
    """v > lim·base, exactly, for an array of cents."""
    num, den = lim.numerator, lim.denominator
    if len(v) == 0:
        return np.zeros(0, dtype=bool)
    allowed = (num * int(base)) // den  # for integers, v·den > num·base exactly when v > ⌊num·base / den⌋
    if v.dtype.kind in "iu" and abs(allowed) < 1 << 62:
        return v > allowed
    rhs = num * int(base)
    if int(np.abs(v).max()) * den < (1 << 62) and abs(rhs) < (1 << 62):  # Python ints: no wrap-around
        return v.astype(np.int64) * den > rhs
    return np.array([int(x) * den > rhs for x in v], dtype=bool)


def cap_cents(base: int, lim: Fraction) -> int:
    """The largest number of cents within lim·base (floor)."""
    return (lim.numerator * int(base)) // lim.denominator


def floor_cents(base: int, lim: Fraction) -> int:
    """The smallest number of cents reaching lim·base (ceiling)."""
    return -((-lim.numerator * int(base)) // lim.denominator)


# --------------------------------------------------------------------------- rules


class Rule(RuleKind):
    """The base of the R. 623 kinds below (see `constraints.kind` for what a kind serves)."""


# ---- line conditions -------------------------------------------------------


def in_categories(cat: np.ndarray, items) -> np.ndarray:
    """cat ∈ items, by a lookup table over the category codes (one pass, no sort)."""
    table = np.zeros(max(CATEGORY_CODES.values()) + 1, dtype=bool)
    table[category_codes(items)] = True
    return table[cat]


def _when_mask(ctx: Context, when) -> np.ndarray:
    if when == "all":
        return np.ones(ctx.n, dtype=bool)
    return ctx.cat_mask(when)


def _req_key(req) -> str:
    """The memo key of a requirement of the rulebook (the same text for the same requirement in two rules)."""
    return repr(req)


def _is_tri(req, v: int) -> int:
    """The tri-state an `is` requirement gives to a line whose flag reads `v`."""
    if v == UNKNOWN and "blank_means" in req:
        v = TRUE if req["blank_means"] else FALSE
    return 2 - v if req["is"] is False else v


_COMPILED: dict = {}


def _compiled(req, rkey: str) -> tuple:
    """A requirement read once: ("never",), ("any_of", parts), ("is", column, bad flag values),
    ("at_most" | "at_least", column, limit), ("in", column, group) or ("not_in", column, texts)."""
    c = _COMPILED.get(rkey)
    if c is None:
        if req == "never":
            c = ("never",)
        elif "any_of" in req:
            c = ("any_of", tuple((part, _req_key(part)) for part in req["any_of"]))
        elif "is" in req:
            c = ("is", req["column"], tuple(v for v in (FALSE, UNKNOWN, TRUE) if _is_tri(req, v) < TRUE))
        elif "at_most" in req:
            c = ("at_most", req["column"], float(Decimal(str(req["at_most"]))))
        elif "at_least" in req:
            c = ("at_least", req["column"], float(Decimal(str(req["at_least"]))))
        elif "in" in req:
            c = ("in", req["column"], req["in"])
        elif "not_in" in req:
            c = ("not_in", req["column"], frozenset(str(v).upper() for v in req["not_in"]))
        else:
            raise ValueError(f"unknown requirement {req!r}")
        _COMPILED[rkey] = c
    return c


def _notok(ctx: Context, req, rkey: str | None = None) -> np.ndarray | None:
    """Lines where `req` is not met or not known (its tri-state below TRUE, as `_test` gives it); None when no
    line is (computed once per requirement)."""
    rkey = rkey or _req_key(req)
    key = ("notok", rkey)
    if key in ctx.memo:
        return ctx.memo[key]
    c = _compiled(req, rkey)
    kind = c[0]
    if kind == "never":
        m = np.ones(ctx.n, dtype=bool)
    elif kind == "any_of":  # the largest tri-state of the parts is below TRUE when every part's is
        m = None
        for part, pkey in c[1]:
            p = _notok(ctx, part, pkey)
            if p is None:
                m = None
                break
            m = p.copy() if m is None else (m & p)
    elif kind == "is":
        x = ctx.column(c[1], np.int8)
        bad = c[2]
        if not bad:
            m = None
        elif len(bad) == 3:
            m = np.ones(ctx.n, dtype=bool)
        elif len(bad) == 1:
            m = x == bad[0]
        else:
            (good,) = {FALSE, UNKNOWN, TRUE} - set(bad)
            m = x != good
    elif kind == "at_most" or kind == "at_least":
        x = ctx.column(c[1], float)
        with np.errstate(invalid="ignore"):
            good = (x <= c[2]) if kind == "at_most" else (x >= c[2])  # NaN (unknown) is neither
        m = None if good.all() else ~good
    elif kind == "in":
        m = ~ctx.member_of(c[1], ctx.states(c[2]))  # a missing text is in no group
    else:  # not_in
        m = ctx.member_of(c[1], c[2])
        m |= ~ctx.known(c[1])
    if m is not None and not m.any():
        m = None
    if m is not None:
        m.flags.writeable = False
    ctx.memo[key] = m
    return m


def _test(ctx: Context, req, idx: np.ndarray | None = None) -> tuple[np.ndarray, list, dict]:
    """Tri-state per line for one requirement (every line, or the lines `idx`); the columns it reads; numeric
    details, indexed as the tri-states."""
    n = ctx.n if idx is None else len(idx)
    if req == "never":
        return np.full(n, FALSE, dtype=np.int8), [], {}
    if "any_of" in req:
        parts = [_test(ctx, r, idx) for r in req["any_of"]]
        tri = np.maximum.reduce([p[0] for p in parts])
        return tri, [c for p in parts for c in p[1]], {"parts": parts}
    col = req["column"]

    def take(a):
        return a if idx is None else a[idx]
    if "is" in req:
        tri = np.array(take(ctx.column(col, np.int8)), dtype=np.int8)
        if "blank_means" in req:
            tri[tri == UNKNOWN] = TRUE if req["blank_means"] else FALSE
        if req["is"] is False:
            tri = (2 - tri).astype(np.int8)
        return tri, [col], {}
    if "at_most" in req or "at_least" in req:
        x = take(ctx.column(col, float))
        known = ~np.isnan(x)
        if "at_most" in req:
            lim = float(Decimal(str(req["at_most"])))
            good = x <= lim
        else:
            lim = float(Decimal(str(req["at_least"])))
            good = x >= lim
        tri = np.where(known, np.where(good, TRUE, FALSE), UNKNOWN).astype(np.int8)
        return tri, [col], {"numeric": (x, lim)}
    if "in" in req:
        key = ("in", col, req["in"])
        tri = ctx.memo.get(key) if idx is None else None
        if tri is None:  # several rules ask the same question of the same column
            inside = ctx.member_of(col, ctx.states(req["in"]), idx)
            known = ctx.known(col) if idx is None else ctx.known_at(col, idx)
            tri = np.where(known, np.where(inside, TRUE, FALSE), UNKNOWN).astype(np.int8)
            if idx is None:
                tri.flags.writeable = False
                ctx.memo[key] = tri
        return tri, [col], {}
    if "not_in" in req:
        known = ctx.known(col) if idx is None else ctx.known_at(col, idx)
        inside = ctx.member_of(col, [str(v).upper() for v in req["not_in"]], idx)
        tri = np.where(known, np.where(inside, FALSE, TRUE), UNKNOWN).astype(np.int8)
        return tri, [col], {}
    raise ValueError(f"unknown requirement {req!r}")


class LineConditionsParams(Strict):
    pockets: list[Literal["reserves", "gestion"]] = ["reserves", "gestion"]
    covers: Literal["all"] | None = None  # every line of the pockets is spoken of, not only those that fail
    conditions: list[Condition]


class LineConditions(Rule):
    """Conditions that each line of some categories must meet (the article's own list)."""

    kind = "line_conditions"
    Params = LineConditionsParams

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        conds = self.p["conditions"]
        # (condition, its categories — `Cats`, None for all —, its requirement's memo key)
        self._conds = [(c, cats_of(c["when"]), _req_key(c["require"])) for c in conds]
        pockets = self._pockets()
        r, g = "reserves" in pockets, "gestion" in pockets
        self._classes = "all" if r and g else "reserves" if r else "gestion" if g else None
        if self.p.get("covers") == "all" or any(t is None for _, t, _ in self._conds):
            self._scope_cats = None  # every category
        else:
            self._scope_cats = Cats([code for _, t, _ in self._conds for code in t.codes])

    def _pockets(self) -> list:
        return self.p.get("pockets", ["reserves", "gestion"])

    def _pocket_mask(self, ctx: Context) -> np.ndarray:
        mask = ctx.pocket_mask(self._pockets())
        return np.ones(ctx.n, dtype=bool) if mask is None else mask

    def _covered(self, ctx: Context) -> np.ndarray:
        """Lines the rule speaks of even where no condition bites: every line of its pockets when the
        rulebook says `covers: all` (the list of R. 623-3 is about each line), else none."""
        if self.p.get("covers") == "all":
            return self._pocket_mask(ctx).copy()
        return np.zeros(ctx.n, dtype=bool)

    def _conditions(self, ctx: Context):
        pocket = self._pocket_mask(ctx)
        for cond in self.p["conditions"]:
            applies = _when_mask(ctx, cond["when"]) & pocket
            tri, cols, extra = _test(ctx, cond["require"])
            yield cond, applies, tri, cols, extra

    def line_status(self, ctx: Context):
        applies_any = self._covered(ctx)
        status = np.full(ctx.n, TRUE, dtype=np.int8)
        for _, applies, tri, _, _ in self._conditions(ctx):
            applies_any |= applies
            status = np.where(applies, np.minimum(status, tri), status)
        return applies_any, status

    def evaluate(self, ctx: Context) -> RuleResult:
        classes = self._classes
        # the lines the rule speaks of, counted and summed by category and pocket
        n_applies, figure = ctx.tally(self._scope_cats, classes) if classes else (0, 0)
        if n_applies == 0:
            return RuleResult(self.spec, NA, [])
        # lines that fail a condition, or cannot be told: each requirement is tested once on every line, for
        # all the rules that ask it (a comparison over a column costs about what picking some lines would)
        pocket = ctx.pocket_mask(self._pockets())
        bad = None
        for cond, when, rkey in self._conds:
            if when is not None and ctx.tally(when, classes)[0] == 0:
                continue
            notok = _notok(ctx, cond["require"], rkey)
            if notok is None:
                continue
            m = notok if when is None else notok & ctx.cat_mask(when)
            if pocket is not None:
                m = m & pocket
            bad = m if bad is None else (bad | m)
        findings = self._findings(ctx, np.flatnonzero(bad)) if bad is not None else []
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, figure=figure)

    def _findings(self, ctx: Context, idx: np.ndarray) -> list:
        """One finding per line of `idx` (lines that fail a condition or cannot be told), in their order."""
        if len(idx) == 0:
            return []
        pocket = ctx.pocket_mask(self._pockets())
        at_pocket = np.ones(len(idx), dtype=bool) if pocket is None else pocket[idx]
        cat = ctx.cat[idx]
        conds = []
        status = np.full(len(idx), TRUE, dtype=np.int8)
        for cond in self.p["conditions"]:
            table = category_table(cond["when"])
            applies = at_pocket if table is None else (np.take(table, cat.astype(np.intp), mode="clip") & at_pocket)
            tri, cols, extra = _test(ctx, cond["require"], idx)
            status = np.where(applies, np.minimum(status, tri), status)
            conds.append((cond, applies, tri, cols, extra))
        findings = []
        labels = ctx.L["label"].to_numpy()
        for j, i in enumerate(idx):
            if status[j] >= TRUE:  # pragma: no cover - every line of idx fails or is unknown
                continue
            failed, unknown_cols, value, limit = [], [], None, None
            for cond, applies, tri, cols, extra in conds:
                if not applies[j]:
                    continue
                if tri[j] == FALSE:
                    failed.append(cond["says"])
                    if "numeric" in extra:
                        x, lim = extra["numeric"]
                        value, limit = float(x[j]), lim
                elif tri[j] == UNKNOWN:
                    if "parts" in extra:  # either-or: only the alternatives still open are to fill
                        cols = [c for p in extra["parts"] if p[0][j] == UNKNOWN for c in p[1]]
                    unknown_cols += [c for c in cols if c not in unknown_cols]
            value_cents = int(ctx.value[i])
            if status[j] == FALSE:
                msg = "; ".join(failed) + f" — ligne à céder ({fr_euros(value_cents)})"
                findings.append(self.finding(BREACH, str(labels[i]), [ctx.rows[i]], msg, value=value, limit=limit,
                                             amount=max(value_cents, 0), action="sell", euros=value_cents))
            else:
                names = [ctx.colname(c) for c in unknown_cols]
                msg = "à vérifier : renseigner " + ", ".join(f"« {c} »" for c in names)
                findings.append(self.finding(UNKNOWN_S, str(labels[i]), [ctx.rows[i]], msg, euros=value_cents,
                                             columns=names))
        return findings


# ---- share of the base -----------------------------------------------------


class NumeratorClause(Strict):
    """Lines that count: every key given must hold (a clause with none counts every line of the base)."""

    categories: Categories | None = None
    currency: str | None = None
    flag: ColumnName | None = None
    euro: bool | None = None


class ShareParams(Strict):
    sense: Literal["min", "max"]
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    numerator: list[NumeratorClause]


class Share(Rule):
    """A floor (`min`) or cap (`max`) on the share of some lines in the base."""

    kind = "share"
    Params = ShareParams

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        clauses = self.p["numerator"]
        self._by_category = None  # the numerator's categories when its clauses name nothing else
        if clauses and all(set(c) <= {"categories"} for c in clauses):
            if any("categories" not in c for c in clauses):
                self._by_category = "all"
            else:
                self._by_category = Cats([k for c in clauses for k in cats_of(c["categories"]).codes])

    def numerator(self, ctx: Context) -> np.ndarray:
        mask = None
        for clause in self.p["numerator"]:
            m = None
            if "categories" in clause:
                m = ctx.cat_mask(clause["categories"])
            if "currency" in clause:
                c = ctx.member_of("currency", [clause["currency"]])
                m = c if m is None else m & c
            if "flag" in clause:
                f = ctx.column(clause["flag"]) == TRUE
                m = f if m is None else m & f
            if clause.get("euro"):
                e = ctx.column("euro", bool)
                m = e if m is None else m & e
            if m is None:
                m = np.ones(ctx.n, dtype=bool)
            mask = m if mask is None else mask | m
        if mask is None:
            mask = np.zeros(ctx.n, dtype=bool)
        return mask & ctx.base_masks[self.p["base"]]

    def numerator_sum(self, ctx: Context) -> int:
        """Σ of the values of the numerator's lines, cents (by category when the clauses name only categories)."""
        if self._by_category is None:
            return ctx.sum_where(self.numerator(ctx))
        return ctx.tally(None if isinstance(self._by_category, str) else self._by_category, self.p["base"])[1]

    # ---- state, update, judge (the checker's evaluate is judge(state(ctx)))

    def state(self, ctx: Context) -> "ShareState":
        return ShareState(ctx, self.numerator_sum(ctx))

    def _counts(self, st: "ShareState", i: int) -> bool:
        """Line i of the book is in the numerator (computed once per portfolio, and once per new line)."""
        if i < st.book.n0:
            if st.mask is None:
                st.mask = self.numerator(st.ctx)
            return bool(st.mask[i])
        return st.added.get(i, False)

    def update(self, st: "ShareState", ch: LineChange) -> None:
        if ch.new is not None:
            st.added[ch.line] = bool(self.numerator(ch.new)[0])
        if self._counts(st, ch.line):
            st.v += ch.delta

    def rows(self, st: "ShareState") -> list:
        """Rows of the numerator's lines, alive, in the order of the book."""
        if st.mask is None:
            st.mask = self.numerator(st.ctx)
        book = st.book
        out = book.rows[book.live(np.flatnonzero(st.mask))].tolist()
        return out + [int(book.rows[i]) for i, _ in book.added() if st.added.get(i)]

    def judge(self, st: "ShareState") -> RuleResult:
        base_name = self.p["base"]
        lim = self.lim
        book = st.book
        if book.count[base_name] == 0:
            return RuleResult(self.spec, NA, [], limit=self.lim_f, note="aucune ligne dans la poche de réserves")
        v = st.v
        b = book.total[base_name]
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f, figure=v)
        share = v / b
        if self.p["sense"] == "max":
            allowed = cap_cents(b, lim)
            headroom = allowed - v
            if v <= allowed:
                return RuleResult(self.spec, OK, [], share, self.lim_f, headroom, v)
            amount = v - allowed
            msg = (f"{fr_pct_beside(share, self.lim_f)} de la base ({fr_euros(v)}) pour un plafond de "
                   f"{fr_pct(self.lim_f)} : céder {fr_euros(amount)} et les replacer hors de ce poste")
            f = self.finding(BREACH, self.spec.title, self.rows(st), msg, value=share, limit=self.lim_f,
                             amount=amount, action="sell", euros=v)
            return RuleResult(self.spec, BREACH, [f], share, self.lim_f, headroom, v)
        need = floor_cents(b, lim)
        headroom = v - need
        if v >= need:
            return RuleResult(self.spec, OK, [], share, self.lim_f, headroom, v)
        amount = need - v
        msg = (f"{fr_pct_beside(share, self.lim_f)} de la base ({fr_euros(v)}) pour un plancher de {fr_pct(self.lim_f)} : "
               f"acheter {fr_euros(amount)} d'actifs éligibles en cédant d'autres actifs")
        f = self.finding(BREACH, self.spec.title, self.rows(st), msg, value=share, limit=self.lim_f, amount=amount,
                         action="buy", euros=v)
        return RuleResult(self.spec, BREACH, [f], share, self.lim_f, headroom, v)

    def linear_form(self, ctx: Context) -> LinearBlock:
        cols = np.flatnonzero(self.numerator(ctx))
        return LinearBlock(self.id, "<=" if self.p["sense"] == "max" else ">=", np.zeros(len(cols), dtype=np.int64),
                           cols, np.ones(len(cols)), self.spec.limit(), ctx.base_masks[self.p["base"]].copy(),
                           np.zeros(1), [self.spec.title], limit=self.lim)


class ShareState:
    """A share rule's state: the sum of its numerator, and which new lines are in it."""

    __slots__ = ("ctx", "book", "v", "mask", "added")

    def __init__(self, ctx: Context, v: int):
        self.ctx = ctx
        self.book = ctx.book()
        self.v = v
        self.mask = None  # the numerator's lines of the portfolio, when first asked
        self.added: dict = {}  # new line -> in the numerator


# ---- caps per group --------------------------------------------------------


def _group_members(codes: np.ndarray, member: np.ndarray, groups, n_groups: int) -> list:
    """[(g, lines of `member` whose code is g, ascending)] for the groups `groups` that have lines, in the order
    of their first line. `codes`: a non-negative group code for every line."""
    if len(groups) == 0:
        return []
    groups = np.asarray(groups, dtype=np.int64)
    table = np.zeros(n_groups, dtype=bool)
    table[groups] = True
    lines = np.flatnonzero(member & np.take(table, codes))
    gl = codes[lines]
    order = np.argsort(gl, kind="stable")
    sg = gl[order]
    lo, hi = np.searchsorted(sg, groups, "left"), np.searchsorted(sg, groups, "right")
    out = [(int(g), lines[order[a:b]]) for g, a, b in zip(groups, lo, hi) if b > a]
    out.sort(key=lambda t: t[1][0])
    return out


def _code_range(ctx: Context, column: str) -> tuple[int, int] | None:
    """(smallest code, largest code + 1) of a column of integer codes, (0, 0) without lines; None when the column
    is not of integers (computed once)."""
    key = ("range", column)
    if key not in ctx.memo:
        c = ctx.column(column)
        if c.dtype.kind not in "iu":
            ctx.memo[key] = None
        else:
            ctx.memo[key] = (int(c.min()), int(c.max()) + 1) if len(c) else (0, 0)
    return ctx.memo[key]


def _dense_codes(ctx: Context, column: str) -> tuple[np.ndarray, int]:
    """A code column of the lines (issuer, security) as codes 0 … k-1 fit to count with, and k. A negative code
    (no issuer) reads 0: such lines are always left out by a mask."""
    key = ("dense", column)
    if key not in ctx.memo:
        c = ctx.column(column)
        lo, hi = _code_range(ctx, column) or (None, None)
        if lo is not None and lo >= -1 and hi <= 4 * len(c) + 16:  # the codes of the reader: used as they are
            out = (_unlocked(c.astype(np.intp, copy=False)) if lo >= 0 else np.maximum(c, 0).astype(np.intp), hi)
        else:
            codes = np.zeros(len(c), dtype=np.intp)
            pos = np.flatnonzero(c >= 0)
            k, uniq = pd.factorize(c[pos])
            codes[pos] = k
            out = (codes, len(uniq))
        ctx.memo[key] = out
    return ctx.memo[key]


def _distinct(ctx: Context, column: str) -> bool:
    """No two lines share a code of `column` (computed once)."""
    key = ("distinct", column)
    if key not in ctx.memo:
        c = ctx.column(column)
        n = len(c)
        if n < 2 or (c.dtype.kind in "iu" and c[0] == 0 and c[-1] == n - 1 and bool((c[1:] > c[:-1]).all())):
            ctx.memo[key] = True  # 0, 1, 2 … in line order: the reader's numbering of distinct keys
        else:
            codes, k = _dense_codes(ctx, column)
            ctx.memo[key] = bool(np.bincount(codes, minlength=k).max() <= 1)
    return ctx.memo[key]


def _has_issuer(ctx: Context) -> np.ndarray | None:
    """Lines with an issuer; None when every line has one (computed once)."""
    if "has_issuer" not in ctx.memo:
        r = _code_range(ctx, "issuer_code")
        ctx.memo["has_issuer"] = None if r is not None and r[0] >= 0 else ctx.column("issuer_code") >= 0
    return ctx.memo["has_issuer"]


def _sums_by_code(ctx: Context, codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """`group_sums` of some lines' values, knowing the bound of any sum of the portfolio's values."""
    if ctx.span < 1 << 53:  # float sums of integer cents are exact below 2**53
        return np.rint(np.bincount(codes, weights=values, minlength=n_groups)).astype(np.int64)
    return group_sums(codes, values, n_groups)


def _group_totals(ctx: Context, codes: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Exact Σ of the values of the lines of `mask` per group (`codes`: a non-negative code for every line)."""
    if ctx.span < 1 << 53:  # float sums of integer cents are exact below 2**53
        return np.rint(np.bincount(codes, weights=ctx.value_f * mask, minlength=n_groups)).astype(np.int64)
    idx = np.flatnonzero(mask)
    return group_sums(codes[idx], ctx.value[idx], n_groups)


class _GroupCap(Rule):
    """A cap on the value of each group of lines as a share of the base."""

    def grouping(self, ctx: Context):
        """(line indices, group code per line — groups numbered in the order of their first line —, number of
        groups, counted tri-state per line, loose lines)."""
        raise NotImplementedError

    def names(self, ctx: Context, lines: np.ndarray) -> np.ndarray:
        """The name of the group of each of these lines, as written (the subject of a group is its first line's)."""
        raise NotImplementedError

    def groups(self, ctx: Context):
        """(line indices, group code per line, number of groups, subject per group, counted tri-state per line)."""
        idx, codes, n_groups, counted, loose = self.grouping(ctx)
        subjects = _first_text(self.names(ctx, idx), codes, n_groups) if len(idx) else []
        return idx, codes, n_groups, subjects, counted, loose

    def evaluate(self, ctx: Context) -> RuleResult:
        lim = self.lim
        base_name = self.p["base"]
        idx, codes, n_groups, counted, loose = self.grouping(ctx)
        if len(idx) == 0 and len(loose) == 0:
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.total(base_name)
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        vals = ctx.value[idx]
        sure = counted == TRUE
        worst_ = _sums_by_code(ctx, codes, vals, n_groups)
        best = worst_ if sure.all() else _sums_by_code(ctx, codes[sure], vals[sure], n_groups)
        flagged = np.flatnonzero(over_cap(worst_, b, lim))
        groups = []
        if len(flagged):
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
            for g in flagged:
                members = order[bounds[g]:bounds[g + 1]]
                groups.append((g, idx[members], sure[members], str(self.names(ctx, idx[members[:1]])[0])))
        top = int(best.max()) if len(best) else 0
        return self._judge(ctx, lim, b, best, worst_, groups, loose, top)

    def _judge(self, ctx: Context, lim: Fraction, b: int, best, worst_, groups: list, loose, top: int) -> RuleResult:
        """The result from the groups above the cap at worst: [(g, member lines, surely counted, subject)]."""
        allowed = cap_cents(b, lim)
        if not groups and len(loose) == 0:
            return RuleResult(self.spec, OK, [], top / b, self.lim_f, allowed - top, top)
        over_best = over_cap(np.asarray([best[g] for g, *_ in groups], dtype=best.dtype), b, lim)
        findings = []
        for (g, lines, sure, subject), ob in zip(groups, over_best):
            if ob:
                share = int(best[g]) / b
                amount = int(best[g]) - allowed
                msg = (f"{fr_pct_beside(share, self.lim_f)} de la base ({fr_euros(int(best[g]))}) pour un plafond de "
                       f"{fr_pct(self.lim_f)} : céder {fr_euros(amount)}")
                findings.append(self.finding(BREACH, subject, sorted(ctx.rows[lines[sure]].tolist()), msg,
                                             value=share, limit=self.lim_f, amount=amount, action="sell",
                                             euros=int(best[g])))
            else:
                share = int(worst_[g]) / b
                cols = self.unknown_columns(ctx)
                msg = (f"jusqu'à {fr_pct(share)} de la base si les lignes indiquées comptent : à vérifier, "
                       "renseigner " + ", ".join(f"« {c} »" for c in cols))
                findings.append(self.finding(UNKNOWN_S, subject, sorted(ctx.rows[lines[~sure]].tolist()), msg,
                                             value=share, limit=self.lim_f, euros=int(worst_[g]), columns=cols))
        findings += self.loose_findings(ctx, loose, b, lim)
        findings.sort(key=lambda f: (f.status != BREACH, -(f.euros or 0)))
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, top / b, self.lim_f, allowed - top, top)

    def unknown_columns(self, ctx: Context) -> list:
        return []

    def loose_findings(self, ctx, loose, b, lim) -> list:
        return []

    def linear_form(self, ctx: Context) -> LinearBlock:
        idx, codes, n_groups, subjects, counted, _ = self.groups(ctx)
        keep = counted != FALSE  # worst case: lines of unknown status count
        return LinearBlock(self.id, "<=", codes[keep].astype(np.int64), idx[keep], np.ones(int(keep.sum())),
                           self.spec.limit(), ctx.base_masks[self.p["base"]].copy(), np.zeros(n_groups), subjects,
                           limit=self.lim)


def _first_text(texts: np.ndarray, codes: np.ndarray, n_groups: int) -> list:
    """The first spelling of each group's name, as the user wrote it."""
    first = np.full(n_groups, -1, dtype=np.int64)
    pos = np.arange(len(codes))[::-1]
    first[codes[::-1]] = pos
    return [str(texts[i]) for i in first]


class IssuerCapParams(Strict):
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    categories: Categories
    fund_categories: Categories
    no_legal_personality: list[str]


class IssuerCap(_GroupCap):
    """R. 623-10-1: at most 5 % of the assets per legal person (READING 5)."""

    kind = "issuer_cap"
    Params = IssuerCapParams

    def _scope(self, ctx: Context):
        key = ("issuer_scope", self.id)
        if key in ctx.memo:
            return ctx.memo[key]
        in_scope = ctx.base_masks[self.p["base"]] & ctx.cat_mask(self.p["categories"])
        funds = ctx.cat_mask(self.p["fund_categories"])
        # units of a fund without legal personality do not count (FALSE); unknown without a legal form
        no_person, has_form = ctx.member_of("legal_form", self.p["no_legal_personality"], known=True)
        counted = np.full(ctx.n, TRUE, dtype=np.int8)
        counted -= (funds & has_form & no_person).view(np.int8) * np.int8(TRUE - FALSE)
        counted -= (funds & ~has_form).view(np.int8) * np.int8(TRUE - UNKNOWN)
        in_scope.flags.writeable = False
        counted.flags.writeable = False
        ctx.memo[key] = (in_scope, counted)
        return in_scope, counted

    def grouping(self, ctx: Context):
        in_scope, counted = self._scope(ctx)
        icode = ctx.column("issuer_code")
        idx = np.flatnonzero(in_scope & (icode >= 0) & (counted != FALSE))
        loose = np.flatnonzero(in_scope & (icode < 0) & (counted != FALSE))
        codes, uniq = pd.factorize(icode[idx])
        return idx, codes.astype(np.int64), len(uniq), counted[idx], loose

    def names(self, ctx: Context, lines: np.ndarray) -> np.ndarray:
        return ctx.column("issuer")[lines]

    def evaluate(self, ctx: Context) -> RuleResult:
        """Sums per issuer straight from the issuer codes, over every line at once (no grouping of the lines)."""
        codes, n_groups = _dense_codes(ctx, "issuer_code")
        lim = self.lim
        in_scope, counted = self._scope(ctx)
        sel = in_scope & (counted != FALSE)
        if not sel.any():
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.total(self.p["base"])
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        has = _has_issuer(ctx)
        member = sel if has is None else sel & has
        loose = np.zeros(0, dtype=np.intp) if has is None else np.flatnonzero(sel & ~has)
        maybe = member & (counted == UNKNOWN)
        worst_ = _group_totals(ctx, codes, member, n_groups)
        best = _group_totals(ctx, codes, member & ~maybe, n_groups) if maybe.any() else worst_
        # the largest sum of an issuer with lines here: issuers without sum to 0, so that the largest sum of
        # all is theirs when it is not 0
        top = int(best.max()) if len(best) else 0
        if top == 0 and ctx.value_min < 0:
            present = np.zeros(n_groups, dtype=bool)
            present[codes[member]] = True
            top = int(best[present].max()) if present.any() else 0
        flagged = np.flatnonzero(over_cap(worst_, b, lim))
        groups = []
        if len(flagged):
            issuers = ctx.column("issuer")
            groups = [(g, lines, counted[lines] == TRUE, str(issuers[lines[0]]))
                      for g, lines in _group_members(codes, member, flagged, n_groups)]
        return self._judge(ctx, lim, b, best, worst_, groups, loose, top)

    def unknown_columns(self, ctx: Context) -> list:
        return [ctx.colname("legal_form")]

    def loose_findings(self, ctx, loose, b, lim) -> list:
        """Lines of a capped category with no issuer (READING 5): unknown, or a breach on their own."""
        out = []
        if len(loose) == 0:
            return out
        allowed = cap_cents(b, lim)
        _, counted = self._scope(ctx)
        labels = ctx.L["label"].to_numpy()
        over = over_cap(ctx.value[loose], b, lim)
        for i, o in zip(loose, over):
            v = int(ctx.value[i])
            if o and counted[i] == TRUE:
                out.append(self.finding(
                    BREACH, str(labels[i]), [ctx.rows[i]],
                    f"ligne sans émetteur qui dépasse à elle seule {fr_pct(self.lim_f)} de la base : céder "
                    f"{fr_euros(v - allowed)} (et renseigner « {ctx.colname('issuer')} »)",
                    value=v / b, limit=self.lim_f, amount=v - allowed, action="sell", euros=v,
                    columns=[ctx.colname("issuer")]))
            else:
                out.append(self.finding(
                    UNKNOWN_S, str(labels[i]), [ctx.rows[i]],
                    f"à vérifier : renseigner « {ctx.colname('issuer')} » pour le plafond de 5 % par personne morale",
                    value=v / b, limit=self.lim_f, euros=v, columns=[ctx.colname("issuer")]))
        return out

    def linear_form(self, ctx: Context) -> LinearBlock:
        block = super().linear_form(ctx)
        in_scope, counted = self._scope(ctx)
        icode = ctx.L["issuer_code"].to_numpy()
        loose = np.flatnonzero(in_scope & (icode < 0) & (counted != FALSE))
        if len(loose):  # a line with no issuer is its own group: the prudent reading
            k0 = block.n_rows
            block.rows = np.concatenate([block.rows, k0 + np.arange(len(loose))])
            block.cols = np.concatenate([block.cols, loose])
            block.coefs = np.concatenate([block.coefs, np.ones(len(loose))])
            block.const = np.zeros(k0 + len(loose))
            block.subjects = list(block.subjects) + ctx.labels(loose)
        return block


class BuildingCapParams(Strict):
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    categories: Categories


class BuildingCap(_GroupCap):
    """R. 623-10-1: at most 5 % per building or real-estate company (READING 6)."""

    kind = "building_cap"
    Params = BuildingCapParams

    def grouping(self, ctx: Context):
        L = ctx.L
        idx = np.flatnonzero(ctx.base_masks[self.p["base"]] & ctx.cat_mask(self.p["categories"]))
        pc = ctx.column("property_code")
        ic = ctx.column("issuer_code")
        pcode = pc[idx]
        icode = ic[idx]
        big = max(int(pcode.max()), 0) + 1 if len(idx) else 1  # keys of three kinds that never meet
        bigi = max(int(icode.max()), 0) + 1 if len(idx) else 1
        key = np.where(pcode >= 0, pcode, np.where(icode >= 0, big + icode, big + bigi + idx))
        codes, uniq = pd.factorize(key)
        return idx, codes.astype(np.int64), len(uniq), np.full(len(idx), TRUE, dtype=np.int8), []

    def names(self, ctx: Context, lines: np.ndarray) -> np.ndarray:
        prop = ctx.column("property")[lines]
        iss = ctx.column("issuer")[lines]
        lab = ctx.column("label")[lines]
        return np.where(pd.notna(prop), prop, np.where(pd.notna(iss), iss, lab))


class HoldingCapParams(Strict):
    limit: Limit
    categories: Categories


class HoldingCap(Rule):
    """R. 623-10-1: at most 10 % of the securities issued by one issuer (READING 7).

    Per issuer, Σ quantity held / Σ quantity issued over that issuer's
    securities in the portfolio (each security counted once in the
    denominator); this can only overstate the true share.
    """

    kind = "holding_cap"
    Params = HoldingCapParams

    def _scope(self, ctx: Context):
        return ctx.reserves & ctx.cat_mask(self.p["categories"])

    def _frame(self, ctx: Context):
        L = ctx.L
        idx = np.flatnonzero(self._scope(ctx))
        q = L["quantity"].to_numpy()[idx]
        qi = L["quantity_issued"].to_numpy()[idx]
        icode = L["issuer_code"].to_numpy()[idx]
        return idx, q, qi, icode

    def evaluate(self, ctx: Context) -> RuleResult:
        """Sums per issuer straight from the issuer codes, over every line at once (no grouping of the lines)."""
        lim = self.lim
        scope = self._scope(ctx)
        if not scope.any():
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        L = ctx.L
        codes, n_groups = _dense_codes(ctx, "issuer_code")
        has = _has_issuer(ctx)
        q = ctx.column("quantity", float)
        qi = ctx.column("quantity_issued", float)
        findings = []
        for i in (np.flatnonzero(scope & ~has) if has is not None else ()):
            labels = ctx.column("label")
            findings.append(self.finding(UNKNOWN_S, str(labels[i]), [ctx.rows[i]],
                                         f"à vérifier : renseigner « {ctx.colname('issuer')} » pour le plafond de 10 % de détention",
                                         columns=[ctx.colname("issuer")], euros=int(ctx.value[i])))
        member = scope if has is None else scope & has
        # Σ per issuer over every line at once, the other lines weighing 0; a line without both quantities
        # counts for 0 and leaves its issuer undecided
        gmissing = np.zeros(n_groups, dtype=bool)
        with np.errstate(invalid="ignore", over="ignore"):
            wq, wqi = q * member, qi * member
            every = np.isfinite(wq.sum()) and np.isfinite(wqi.sum())
        if every:  # no quantity missing (NaN) or infinite, on any line
            missing, full = None, member
        else:
            missing = np.isnan(q) | np.isnan(qi)
            full = member & ~missing
            wq, wqi = np.where(full, q, 0.0), np.where(full, qi, 0.0)
            gmissing[codes[member & missing]] = True
        Q = np.bincount(codes, weights=wq, minlength=n_groups)
        # one denominator per security: the largest quantity issued reported for it
        if _distinct(ctx, "security_code"):  # one line per security: each line's own quantity issued
            I = np.bincount(codes, weights=wqi, minlength=n_groups)
        else:
            sub = np.flatnonzero(member)
            df = pd.DataFrame({"g": codes[sub], "s": ctx.column("security_code")[sub], "qi": wqi[sub]})
            df = df.groupby(["g", "s"], sort=False)["qi"].max()
            I = np.bincount(df.index.get_level_values(0).to_numpy(), weights=df.to_numpy(), minlength=n_groups)
        positive = I > 0
        if not (full & (qi <= 0)).any():  # an issuer with lines here has a positive Σ issued, or a gap
            present = positive | gmissing
        else:
            present = np.zeros(n_groups, dtype=bool)
            present[codes[member]] = True
        ratio = np.divide(Q, I, out=np.full(n_groups, np.inf), where=positive)
        lim_f = self.lim_f
        over = ratio > lim_f
        near = np.abs(ratio - lim_f) <= 1e-9  # exact decision at the boundary (groups with every quantity)
        for g, members in _group_members(codes, member, np.flatnonzero(near & ~gmissing), n_groups):
            over[g] = self._exact_over(L, members, lim)
        flag = present & (gmissing | ~positive | over)  # issuers with no line here have I = 0
        concluded = positive & ~gmissing
        worst_ratio = max(0.0, float(ratio[concluded].max())) if concluded.any() else 0.0
        if not flag.any():
            return RuleResult(self.spec, worst(f.status for f in findings) if findings else OK,
                              sorted(findings, key=lambda f: (f.status != BREACH, -(f.value or 0))), worst_ratio, lim_f)
        col_q, col_qi = ctx.colname("quantity"), ctx.colname("quantity_issued")
        issuers = ctx.column("issuer")
        for g, members in _group_members(codes, member, np.flatnonzero(flag), n_groups):
            subject = str(issuers[members[0]])
            rows = sorted(ctx.rows[members].tolist())
            if gmissing[g]:  # (then some quantity is missing)
                miss_rows = sorted(ctx.rows[members[missing[members]]].tolist())
                findings.append(self.finding(UNKNOWN_S, subject, miss_rows,
                                             f"à vérifier : renseigner « {col_q} » et « {col_qi} »",
                                             columns=[col_q, col_qi], euros=exact_sum(ctx.value[members])))
                continue
            if I[g] <= 0:
                findings.append(self.finding(UNKNOWN_S, subject, rows,
                                             f"quantité émise nulle : renseigner « {col_qi} »", columns=[col_qi]))
                continue
            if over[g]:
                excess_q = Q[g] - lim_f * I[g]
                gv = exact_sum(ctx.value[members])
                amount = int(np.ceil(gv * excess_q / Q[g])) if Q[g] > 0 else gv
                titles = f"{excess_q:,.0f}".replace(",", "\u202f")  # only the count: fr_pct/fr_euros use commas
                msg = (f"{fr_pct_beside(float(ratio[g]), lim_f)} des titres émis détenus pour un plafond de {fr_pct(lim_f)} : "
                       f"céder {titles} titres (nominal), soit environ {fr_euros(amount)}")
                findings.append(self.finding(BREACH, subject, rows, msg, value=float(ratio[g]), limit=lim_f,
                                             amount=amount, action="sell", euros=gv))
        findings.sort(key=lambda f: (f.status != BREACH, -(f.value or 0)))
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, worst_ratio, lim_f)

    @staticmethod
    def _exact_over(L, members, lim: Fraction) -> bool:
        qx = L["quantity_exact"].to_numpy()[members]
        qix = L["quantity_issued_exact"].to_numpy()[members]
        sec = L["security_code"].to_numpy()[members]
        Q = sum((Decimal(x) for x in qx), Decimal(0))
        per_sec: dict = {}
        for s, x in zip(sec, qix):
            per_sec[s] = max(per_sec.get(s, Decimal(0)), Decimal(x))
        I = sum(per_sec.values(), Decimal(0))
        return Fraction(Q) > lim * Fraction(I)

    def linear_form(self, ctx: Context) -> LinearBlock | None:
        """Per issuer: Σ_j (quantity_j / value_j)·x_j ≤ limit · Σ issued (a constant right-hand side)."""
        lim = self.spec.limit()
        idx, q, qi, icode = self._frame(ctx)
        v = ctx.value[idx] / 100.0
        ok = (icode >= 0) & ~np.isnan(q) & ~np.isnan(qi) & (v > 0)
        idx, q, qi, icode, v = idx[ok], q[ok], qi[ok], icode[ok], v[ok]
        codes, uniq = pd.factorize(icode)
        n_groups = len(uniq)
        sec = ctx.L["security_code"].to_numpy()[idx]
        df = pd.DataFrame({"g": codes, "s": sec, "qi": qi}).groupby(["g", "s"], sort=False)["qi"].max()
        I = np.bincount(df.index.get_level_values(0).to_numpy(), weights=df.to_numpy(), minlength=n_groups)
        subjects = _first_text(ctx.L["issuer"].to_numpy()[idx], codes, n_groups) if n_groups else []
        return LinearBlock(self.id, "<=", codes.astype(np.int64), idx, q / v, Fraction(0), None,
                           self.lim_f * I, subjects, limit=self.lim)


for _cls in (LineConditions, Share, IssuerCap, BuildingCap, HoldingCap):
    register(_cls)


def build(version: Version, day: dt.date | None = None) -> list[RuleKind]:
    """The rule objects of a version, one per entry, of the kind it names, with the parameters in force on `day`
    (without a day: the latest of the version)."""
    return [KINDS[spec.kind](spec.at(day)) for spec in version.rules]


__all__ = ["Rule", "Context", "RuleResult", "Finding", "LinearBlock", "build", "worst",
           "OK", "BREACH", "UNKNOWN_S", "NA", "CAT_IFT", "CAT_OTHER"]
