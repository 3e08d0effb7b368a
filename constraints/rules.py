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

from reserves.portfolio.fmt import fr_euros, fr_pct, fr_pct_beside
from reserves.portfolio.keys import group_key, security_key

from .kind import (BASE, BASE_CLASSES, CALM_NONE, calm_bound, within, within_all, BREACH, KINDS, NA, OK, UNKNOWN_S, Book, Figures, Finding, GroupFigure, LinearBlock,
                   LineChange, RuleKind, RuleResult, deferred, euros, register, worst)
from .rulebook import RuleSpec, Version, line_marks, state_groups, states_on


def fr_limit(lim) -> str:
    """A limit of the rulebook as the text writes it, in French: 5 %, 10 %, 2,5 % (from its value, so that a message
    follows the rulebook)."""
    pct = Fraction(lim) * 100
    if pct.denominator == 1:
        return f"{pct.numerator} %"
    return f"{float(pct):.6f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def category_codes(items) -> np.ndarray:
    return np.array([CATEGORY_CODES[str(c)] for c in items], dtype=np.int8)


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


def _locked(*arrays) -> None:
    """Mark arrays kept in a structure read-only (every check reads them; none writes them)."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False


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


def _column_array(L: pd.DataFrame, name: str, n: int, s=None) -> np.ndarray | None:
    """A column of a table as a numpy array when pandas keeps it as one: `Series.to_numpy()`, which pandas ≥ 3
    gives as a read-only view of the table's memory (no copy); else None (text and other extension columns are
    read the ordinary way). Read once per structure (`Context.column`); `s`: the column, when read already."""
    if s is None:
        try:
            s = L[name]
        except KeyError:
            return None
    if not isinstance(s, pd.Series) or not isinstance(s.dtype, np.dtype):  # a repeated name; an extension column
        return None
    a = s.to_numpy()
    if type(a) is not np.ndarray or a.shape != (n,):  # pragma: no cover - pandas gives a 1-d array of the lines
        return None
    if a.flags.writeable:  # pragma: no cover - pandas ≥ 3 gives it read-only
        a = a.view()
        a.flags.writeable = False
    return a


class Structure:
    """What the rules derive from a lines table without adding up an amount: its columns as arrays, the masks of
    categories, pockets and conditions, the codes of the groups (`memo`), made once per table, version, date and
    readings, and shared by every check of that table while it is unchanged (`structure_of`). The sums of values
    and quantities are never kept: each check makes them again."""

    __slots__ = ("version", "memo", "arrays", "stamp", "held", "builds", "masks", "patterns")

    def __init__(self, version=None, stamp=None, held=None):
        self.version = version
        self.memo: dict = {}  # answers shared by several rules (read-only arrays)
        self.arrays: dict = {}  # columns as the table keeps them (read-only views)
        self.stamp = stamp  # `_table_stamp` of the table when the structure was made
        self.held = held  # a shallow copy of the table: a write to the table then copies what it writes (pandas)
        self.builds = 0
        self.masks: dict = {}  # key -> a mask whose values some rule adds up (`Context.sum_where`)
        self.patterns = None  # `Patterns` of the tally cells and those masks, once made (`settle`)

    def settle(self, tally_key: np.ndarray) -> None:
        """After a check: the pattern of each line — its tally cell (category, pocket class) and which of the
        masks summed it is in —, so that the next checks make every sum of values in one pass (`Patterns`)."""
        if self.patterns is None or set(self.patterns.has) != set(list(self.masks)[:_MASK_BITS]):
            self.patterns = Patterns(tally_key, self.masks)


_MASK_BITS = 55  # masks per pattern word, beside a tally cell of 8 bits


class Patterns:
    """The lines by pattern: `code` of each line, and per pattern its tally cell (`cell`) and, per mask key, the
    patterns inside the mask (`has`). A check then sums the values once, by pattern (a few hundred at most), and
    every tally and masked sum is an exact sum of those."""

    __slots__ = ("code", "n", "cell", "has")

    def __init__(self, tally_key: np.ndarray, masks: dict):
        keys = list(masks)[:_MASK_BITS]  # (beyond, a mask is summed on its own)
        n_cells = int(tally_key.max()) + 1 if len(tally_key) else 1
        if n_cells << len(keys) <= 1 << 16:  # few masks: the word itself is the pattern (no factorize)
            # built in 16 bits (a quarter of the memory to go through), made an index once
            word = tally_key.astype(np.uint16)
            word <<= np.uint16(len(keys))
            for j, k in enumerate(keys):
                word |= masks[k].view(np.uint8) * np.uint16(1 << j)
            uniq = np.arange(n_cells << len(keys), dtype=np.int64)
            self.code = word.astype(np.intp)
            self.cell = (uniq >> len(keys)).astype(np.intp)
            self.has = {k: np.flatnonzero((uniq >> j) & 1) for j, k in enumerate(keys)}
        else:
            word = tally_key.astype(np.int64) << _MASK_BITS
            for j, k in enumerate(keys):
                word |= masks[k].astype(np.int64) << j
            code, uniq = pd.factorize(word)
            uniq = np.asarray(uniq, dtype=np.int64)
            self.code = code.astype(np.intp)
            self.cell = (uniq >> _MASK_BITS).astype(np.intp)
            self.has = {k: np.flatnonzero((uniq >> j) & 1) for j, k in enumerate(keys)}
        self.n = len(uniq)
        _locked(self.code, self.cell, *self.has.values())


def _table_stamp(L: pd.DataFrame):
    """What identifies the data of a table: its block manager, its column index, its blocks and their arrays (one
    tuple of objects, compared by identity); None when pandas does not say (no structure is then kept).

    pandas copies on write: while a shallow copy of the table shares its blocks (`Structure.held`), any write to the
    table — a cell, a column, a rename, a sort in place — gives it a new block, array or index, so that an unchanged
    stamp means unchanged data (tests/test_check_speed.py writes a checked table in some twenty ways).

    The one read of pandas' internals left in the product, and why: its public API has no way to reach a column's
    array without building a Series (pandas-dev/pandas#41350), about 8 µs a column. A stamp of the same strength
    made from public objects alone — the column and row indexes, and per column the memory of `to_numpy()` (or
    the `.array` of an extension column), kept alive beside the stamp — is as sound, and was measured: on the
    50-column table of benchmarks/bench_check.py it costs more than the whole check at 10 000 lines (1,1 ms
    against 0,42 ms of thread time; a few per cent at 1 000 000 lines), far outside the check's goal of 3× numpy. An owned
    table with a version counter would be fast but blind to a write made straight to `pf.lines`."""
    try:
        mgr = L._mgr
        blocks = tuple(mgr.blocks)
        return (mgr, L.columns, L.index) + blocks + tuple(b.values for b in blocks)
    except AttributeError:  # pragma: no cover - a pandas without these internals
        return None


def _same_stamp(a, b) -> bool:
    return a is not None and b is not None and len(a) == len(b) and all(x is y for x, y in zip(a, b))


_STRUCTURES: dict = {}  # id(table) -> (weak reference to the table, {key: Structure})
_MAX_PER_TABLE = 8


def structure_of(pf, version: Version, as_of: dt.date) -> Structure:
    """The structure of a portfolio's lines for a version, a date and the readings the lines were marked with: the
    one kept since an earlier check of the same table when the table has not changed since (`_table_stamp`), else
    a new one, kept for the next check."""
    import weakref

    L = pf.lines
    stamp = _table_stamp(L)
    if stamp is None:
        return Structure(version)
    key = (id(version), as_of, getattr(pf, "readings", None))
    entry = _STRUCTURES.get(id(L))
    if entry is None or entry[0]() is not L:
        try:
            ref = weakref.ref(L)
        except TypeError:  # pragma: no cover - a table without weak references: nothing kept
            return Structure(version)
        entry = _STRUCTURES[id(L)] = (ref, {})
        weakref.finalize(L, _forget, id(L), ref)
    kept = entry[1]
    st = kept.get(key)
    if st is not None and st.version is version and _same_stamp(st.stamp, stamp):
        return st
    if st is not None and not _same_stamp(st.stamp, stamp):
        kept.clear()  # the table changed: nothing made from it before holds
    if len(kept) >= _MAX_PER_TABLE:
        kept.pop(next(iter(kept)))
    held = L.copy(deep=False)
    st = kept[key] = Structure(version, _table_stamp(L), held)
    return st


def _forget(table_id: int, ref) -> None:
    entry = _STRUCTURES.get(table_id)
    if entry is not None and entry[0] is ref:
        del _STRUCTURES[table_id]


class Context:
    """A portfolio seen by the rules on a date: masks and totals computed once.

    Line masks, columns as arrays and answers shared by several rules are kept
    in `memo` (the `Structure`: with `keep`, the one kept for this table since
    an earlier check, while the table is unchanged); the counts and exact sums
    of the values by category and pocket are taken in one pass (`tally`), so
    that most rules never go through the lines one by one. Sums of values and
    quantities are made for each context.
    """

    def __init__(self, pf, version: Version, as_of: dt.date, *, keep: bool = False):
        self.pf = pf
        self.version = version
        self.as_of = as_of
        L = pf.lines
        self.L = L
        self.n = len(L)
        s = self.structure = structure_of(pf, version, as_of) if keep else Structure(version)
        self.memo: dict = s.memo  # answers shared by several rules (read-only arrays), made from no amount
        self._arrays: dict = s.arrays
        self._amounts: dict = {}  # what depends on the values, for this context only
        self.cat = self.column("category")
        self.value = self.column("value", np.int64)
        self.rows = self.column("row")
        self.gestion = self.column("gestion", bool)
        marks = self.memo.get("marks")
        if marks is None:
            reserves = ~self.gestion
            excluded, euro = line_marks(self)  # the version's readings (R. 623-10-1, R. 623-3 IV)
            less = reserves & ~excluded
            for a in (reserves, less):
                a.flags.writeable = False
            marks = self.memo["marks"] = (reserves, excluded, euro, less)
            s.builds += 1
        self.reserves, self.excluded, self.euro, less = marks
        self.base_masks = {"reserves": self.reserves, "reserves_less_excluded": less}
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
        vf = self._amounts.get("value_f")
        if vf is None:
            vf = self._amounts["value_f"] = self.value.astype(np.float64)
        return vf

    def column(self, name: str, dtype=None) -> np.ndarray:
        """A column of the lines as an array (read-only: it may be the table's own memory)."""
        a = self._arrays.get(name, False)
        s = None
        if a is False:
            s = self.L[name] if name in self.L.columns else None  # each column read once (about 13 µs a read)
            a = self._arrays[name] = None if s is None else _column_array(self.L, name, self.n, s)
        if a is not None and (dtype is None or a.dtype == dtype):
            return a
        key = ("column", name, dtype)
        a = self.memo.get(key)
        if a is None:
            a = self.memo[key] = (self.L[name] if s is None else s).to_numpy(dtype=dtype)
        return a

    def codes(self, column: str) -> np.ndarray:
        """The `text_code` of each line's text in a text column, from its `<column>_code` when the lines have it."""
        key = ("codes", column)
        c = self.memo.get(key)
        if c is None:
            name = column + "_code"
            c = self.column(name) if name in self.L.columns else None
            if c is None or c.dtype.kind not in "iu":  # no codes (or not all of them: lines put together)
                c = text_codes(self.column(column))
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
                k = ~pd.isna(self.column(column))
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

    def _tally_key(self):
        """(category·4 + pocket class per line, the counts of each cell, the number of categories): the cells the
        values are summed in, made once per structure."""
        out = self.memo.get("tally_key")
        if out is None:
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
            counts.flags.writeable = False
            key.flags.writeable = False
            out = self.memo["tally_key"] = (key, counts, n_cats)
        return out

    def _sums_by(self, codes: np.ndarray, n: int) -> np.ndarray:
        """Exact Σ of the values per code (every line has one): int64, or Python integers beyond 2**62 cents."""
        if self.span < 1 << 53:  # float sums of integer cents are exact below 2**53
            return np.rint(np.bincount(_unlocked(codes), weights=self.value_f, minlength=n)).astype(np.int64)
        sums = group_sums(_unlocked(codes), self.value, n)
        if self.span >= 1 << 62:
            sums = np.array([int(x) for x in sums], dtype=object)
        return sums

    def _pattern_sums(self):
        """Σ of the values per pattern of the structure (one pass over the lines), None before the structure has
        its patterns."""
        P = self.structure.patterns
        if P is None:
            return None
        ps = self._amounts.get("patterns")
        if ps is None:
            ps = self._amounts["patterns"] = self._sums_by(P.code, P.n)
        return ps

    def _tallies(self):
        if self._tally is None:
            key, counts, n_cats = self._tally_key()
            ps = self._pattern_sums()
            if ps is None:
                sums = self._sums_by(key, 4 * n_cats)
            else:  # the cells' sums from the patterns' (exact: integers, at most the span of the values)
                sums = np.zeros(4 * n_cats, dtype=ps.dtype)
                np.add.at(sums, self.structure.patterns.cell, ps)
            self._tally = (counts, sums.reshape(n_cats, 4), {})
        return self._tally

    def settle(self) -> None:
        """After a check that keeps its structure: the patterns of the lines made for the next checks."""
        if self.structure.stamp is not None:
            self.structure.settle(self._tally_key()[0])

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

    def sum_where(self, mask: np.ndarray, key=None) -> int:
        """Exact sum of the values of the lines of a mask, cents; with `key`, a mask of the structure (the same key,
        the same mask, for every check of it): from the sums by pattern once the structure has them."""
        if key is not None:
            P = self.structure.patterns
            if P is not None and key in P.has:
                return int(self._pattern_sums()[P.has[key]].sum())
            self.structure.masks.setdefault(key, mask)
        if self.span < 1 << 53:  # every partial sum is an integer float, exact in any order
            return int(np.dot(self.value_f, mask))
        if self.span < 1 << 62:  # no partial sum can wrap around
            return int(np.dot(self.value, mask))
        return exact_sum(self.value[mask])

    def states(self, group) -> frozenset:
        """The members of a group of states on the date of the check (`EEE`, `OCDE`); a list of groups and codes
        (`[EEE, INT]`) gives their union."""
        if isinstance(group, str):
            return states_on(group, self.as_of)
        out = set()
        for g in group:
            out |= self.states(g) if g in state_groups() else {g}
        return frozenset(out)

    def book(self) -> Book:
        """The line table the rules' states share (`constraints.kind.Book`), made once per context."""
        b = self._amounts.get("book")
        if b is None:
            b = self._amounts["book"] = Book(self)
        return b

    def colname(self, field_name: str) -> str:
        return self.pf.column_name(field_name)

    def labels(self, idx) -> list:
        lab = self.column("label")
        return [str(lab[i]) for i in idx]


NO_VALUE = float("-inf")  # a group without a value (no line alive) for `moved_max`


def moved_max(top, rest, g: int, old, new) -> tuple:
    """The largest of some values after value g moved from `old` to `new` (exact: no pass over the values).

    `top` is the largest before (None: unknown, to be computed); `rest` what is remembered of the group that last
    rose above the largest, (g, largest before it rose, its value then): while no other group moves, the largest
    of the others is known, so that g falling back (an order undone) needs no pass either. Returns (top, rest);
    top None when only a pass can tell."""
    if top is None:
        return None, None
    if rest is not None and rest[0] != g:
        rest = None  # another group moved: what was remembered of the others no longer holds
    if new >= old:
        if new > top:
            return new, (rest if rest is not None else (g, top, old))
        return top, rest
    if rest is not None:
        _, top0, old0 = rest  # the others' largest is top0 when g was below it, at most top0 otherwise
        if old0 < top0:
            return max(new, top0), rest
        if new >= top0:
            return new, rest
        return None, None
    if old == top:
        return None, None  # g may have been the largest: unknown
    return top, rest


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

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        # the key of what the rule derives from the lines in a structure: its id and every parameter (two rules of
        # the same id with other parameters — another edition, a margin — never share an answer)
        self.mkey = (self.id, repr(sorted(self.p.items(), key=lambda kv: kv[0])))


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
            c = ("in", req["column"], req["in"] if isinstance(req["in"], str) else tuple(req["in"]))
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
        key = ("in", col, req["in"] if isinstance(req["in"], str) else tuple(req["in"]))
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


class LineConditions(Rule):
    """Conditions that each line of some categories must meet (the article's own list)."""

    kind = "line_conditions"
    Params = deferred("constraints.params", "LineConditionsParams")  # the rulebook keys (pydantic: loaded to validate)

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        conds = self.p["conditions"]
        # (condition, its categories — `Cats`, None for all —, its requirement's memo key)
        self._conds = [(c, cats_of(c["when"]), _req_key(c["require"])) for c in conds]
        pockets = self._pockets()
        self._sig = repr((self.id, conds, pockets, self.p.get("covers")))  # the rule as it reads lines (memo key)
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

    # ---- state, update, judge (the checker's evaluate is judge(state(ctx)))

    def state(self, ctx: Context) -> "LineState":
        classes = self._classes
        # the lines the rule speaks of, counted and summed by category and pocket
        n_applies, figure = ctx.tally(self._scope_cats, classes) if classes else (0, 0)
        if n_applies == 0:
            return LineState(ctx, 0, 0, np.zeros(0, dtype=np.intp))
        return LineState(ctx, n_applies, figure, self.bad_lines(ctx))

    def bad_lines(self, ctx: Context) -> np.ndarray:
        """The lines that fail a condition of the rule or cannot be told (their `line_status` below TRUE),
        ascending; computed once per portfolio."""
        key = ("bad_lines", self._sig)
        out = ctx.memo.get(key)
        if out is not None:
            return out
        classes = self._classes
        bad = None
        if classes and ctx.tally(self._scope_cats, classes)[0]:
            # each requirement is tested once on every line, for all the rules that ask it (a comparison over a
            # column costs about what picking some lines would)
            pocket = ctx.pocket_mask(self._pockets())
            # the conditions that ask the same requirement, as one over the union of their categories (None:
            # every category), and the pockets applied once
            by_req: dict = {}
            for cond, when, rkey in self._conds:
                if when is not None and ctx.tally(when, classes)[0] == 0:
                    continue
                entry = by_req.get(rkey)
                if entry is None:
                    by_req[rkey] = [cond["require"], None if when is None else set(when.codes)]
                elif entry[1] is not None:
                    entry[1] = None if when is None else entry[1] | set(when.codes)
            for rkey, (req, codes) in by_req.items():
                notok = _notok(ctx, req, rkey)
                if notok is None:
                    continue
                m = notok if codes is None else notok & ctx.cat_mask(Cats(codes))
                bad = m if bad is None else (bad | m)
            if bad is not None and pocket is not None:
                bad = bad & pocket
        out = np.flatnonzero(bad) if bad is not None else np.zeros(0, np.intp)
        out.flags.writeable = False
        ctx.memo[key] = out
        return out

    def line_status_at(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """`line_status`'s tri-state for the lines `idx` only."""
        pocket = ctx.pocket_mask(self._pockets())
        at_pocket = np.ones(len(idx), dtype=bool) if pocket is None else pocket[idx]
        cat = ctx.cat[idx].astype(np.intp)
        status = np.full(len(idx), TRUE, dtype=np.int8)
        for cond in self.p["conditions"]:
            table = category_table(cond["when"])
            applies = at_pocket if table is None else (np.take(table, cat, mode="clip") & at_pocket)
            tri, _, _ = _test(ctx, cond["require"], idx)
            status = np.where(applies, np.minimum(status, tri), status).astype(np.int8)
        return status

    def _speaks_of(self, ctx: Context) -> np.ndarray:
        """Lines the rule speaks of: of its categories (all with `covers: all`) and pockets."""
        m = np.ones(ctx.n, dtype=bool) if self._scope_cats is None else ctx.cat_mask(self._scope_cats)
        pocket = ctx.pocket_mask(self._pockets()) if self._classes else np.zeros(ctx.n, dtype=bool)
        return m if pocket is None else m & pocket

    def update(self, st: "LineState", ch: LineChange) -> bool:
        i = ch.line
        if ch.new is None and i < st.book.n0:
            if st.speaks is None:
                st.speaks = self._speaks_of(st.ctx)
            if not st.speaks[i]:
                return False
            if ch.alive_after != ch.alive_before:
                st.n_applies += int(ch.alive_after) - int(ch.alive_before)
            st.figure += ch.delta
            if st.cache:
                st.cache.pop(i, None)
            return True
        if ch.new is not None:
            st.added[i] = self._new_facts(ch.new)
        if i < st.book.n0:
            if st.speaks is None:
                st.speaks = self._speaks_of(st.ctx)
            speaks = bool(st.speaks[i])
        else:
            speaks = st.added.get(i, (False, False))[0]
        if ch.dropped:
            st.added.pop(i, None)
        if not speaks:
            return False
        st.n_applies += int(ch.alive_after) - int(ch.alive_before)
        st.figure += ch.delta
        st.cache.pop(i, None)
        return True

    def _new_facts(self, nctx: Context) -> tuple:
        """(spoken of, fails or cannot be told) of a new line, once per line (an order tried again reads them)."""
        facts = nctx.memo.get(self)
        if facts is None:
            facts = nctx.memo[self] = (bool(self._speaks_of(nctx)[0]), len(self.state(nctx).bad) > 0)
        return facts

    def calm_all(self, st: "LineState", level) -> tuple:
        # quiet or not does not depend on a line's value while it stays alive: no bound, or none calm
        if st.speaks is None:
            st.speaks = self._speaks_of(st.ctx)
        s = self._quiet(st, st.n_applies)
        return s, (st.speaks if s is None else None), None, None, None

    def calm_new(self, st: "LineState", nctx: Context, quantity, level):
        speaks, bad = self._new_facts(nctx)
        if not speaks:
            return False
        if bad:
            return None
        s = self._quiet(st, st.n_applies + 1)
        return None if s is None else (None, None, s)

    def subjects_of(self, st: "LineState", lines) -> set:
        return {("l", int(st.book.rows[i])) for i in lines}

    def glance(self, st: "LineState", level) -> str | None:
        return self._quiet(st, st.n_applies)

    def peek(self, st: "LineState", ch: LineChange, level) -> str | None:
        i = ch.line
        if ch.new is not None or i >= st.book.n0 or st.speaks is None or not st.speaks[i]:
            return None
        return self._quiet(st, st.n_applies + int(ch.alive_after) - int(ch.alive_before))

    def calm(self, st: "LineState", line: int, level) -> tuple | None:
        # quiet or not, for a line alive before and after, does not depend on its value: the count stays
        if line >= st.book.n0 or st.speaks is None or not st.speaks[line]:
            return None
        s = self._quiet(st, st.n_applies)
        return None if s is None else (None, None, None, s)

    def _quiet(self, st: "LineState", n_applies: int) -> str | None:
        """`glance` with `n_applies` lines the rule applies to (the book as it stands)."""
        if n_applies == 0:
            return NA
        if len(st.bad):  # lines that fail or cannot be told: their findings (unless sold) to judge
            return None
        book = st.book
        if book.new:
            alive, added = book.alive, st.added
            for i in book.new:
                if i < book.n and alive[i] and added.get(i, (False, False))[1]:
                    return None
        return OK

    def judge(self, st: "LineState") -> RuleResult:
        if st.n_applies == 0:
            return RuleResult(self.spec, NA, [])
        book, ctx = st.book, st.ctx
        if book.alive is None:  # the checker's own portfolio: every line as it stands
            findings = self._findings(ctx, st.bad)
        elif len(st.bad) == 0 and not book.new:  # the engine's, no line failing: nothing to look at
            return RuleResult(self.spec, OK, [], figure=st.figure)
        else:  # the engine's: findings of the lines whose value has not changed are kept
            findings = []
            if len(st.bad):
                idx = book.live(st.bad)
                todo = np.array([i for i in idx.tolist() if i not in st.cache], dtype=np.intp)
                for i, f in zip(todo.tolist(), self._findings(ctx, todo, values=book.value[todo])):
                    st.cache[i] = f
                findings = [st.cache[i] for i in idx.tolist()]
            for i, nctx in book.added():
                speaks, bad = st.added.get(i, (False, False))
                if bad:
                    findings += self._findings(nctx, np.zeros(1, dtype=np.intp), values=book.value[i:i + 1],
                                               rows=book.rows[i:i + 1], names=ctx)
        st_ = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st_, findings, figure=st.figure)

    def _findings(self, ctx: Context, idx: np.ndarray, values=None, rows=None, names=None) -> list:
        """One finding per line of `idx` (lines that fail a condition or cannot be told), in their order; `values`
        and `rows` of those lines when they are not the context's (the engine's), `names` the context whose
        column headers the messages give."""
        if len(idx) == 0:
            return []
        values = ctx.value[idx] if values is None else values
        rows = ctx.rows[idx] if rows is None else rows
        names = names or ctx
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
            value_cents = int(values[j])
            if status[j] == FALSE:
                msg = "; ".join(failed) + f" — ligne à céder ({fr_euros(value_cents)})"
                findings.append(self.finding(BREACH, str(labels[i]), [rows[j]], msg, value=value, limit=limit,
                                             amount=max(value_cents, 0), action="sell", euros=value_cents,
                                             line=int(rows[j])))
            else:
                cols = [names.colname(c) for c in unknown_cols]
                msg = "à vérifier : renseigner " + ", ".join(f"« {c} »" for c in cols)
                findings.append(self.finding(UNKNOWN_S, str(labels[i]), [rows[j]], msg, euros=value_cents,
                                             columns=cols, line=int(rows[j])))
        return findings


class LineState:
    """A line-conditions rule's state: the lines it speaks of (count, sum), the lines that fail or cannot be told."""

    __slots__ = ("ctx", "book", "n_applies", "figure", "bad", "speaks", "added", "cache")

    def __init__(self, ctx: Context, n_applies: int, figure: int, bad: np.ndarray):
        self.ctx = ctx
        self.book = ctx.book()
        self.n_applies, self.figure, self.bad = n_applies, figure, bad
        self.speaks = None  # the lines the rule speaks of, when first asked
        self.added: dict = {}  # new line -> (spoken of, fails or cannot be told)
        self.cache: dict = {}  # line -> its finding (engine)


# ---- share of the base -----------------------------------------------------


class Share(Rule):
    """A floor (`min`) or cap (`max`) on the share of some lines in the base."""

    kind = "share"
    Params = deferred("constraints.params", "ShareParams")  # the rulebook keys (pydantic: loaded to validate)

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        clauses = self.p["numerator"]
        self._classes = frozenset(BASE_CLASSES[self.p["base"]])
        self._max = self.p["sense"] == "max"
        self._num_den = (self.lim.numerator, self.lim.denominator)
        self._level = None  # (the warning level `glance` was last given, its numerator, its denominator)
        self._by_category = None  # the numerator's categories when its clauses name nothing else
        if clauses and all(set(c) <= {"categories"} for c in clauses):
            if any("categories" not in c for c in clauses):
                self._by_category = "all"
            else:
                self._by_category = Cats([k for c in clauses for k in cats_of(c["categories"]).codes])

    def numerator(self, ctx: Context) -> np.ndarray:
        """Lines that count toward the share (with `qualify`, only those that surely meet their category's
        definition); read-only, made once per structure."""
        key = ("numerator", self.mkey)
        m = ctx.memo.get(key)
        if m is None:
            mask = self._clauses(ctx)
            q = self.qualified(ctx)
            m = mask if q is None else mask & (q == TRUE)
            _locked(m)
            ctx.memo[key] = m
        return m

    def maybe(self, ctx: Context) -> np.ndarray | None:
        """Lines of the numerator's clauses whose category's conditions are unknown: they count or not (READING
        14); None when the rule has no `qualify` or no such line (read-only, made once per structure)."""
        key = ("maybe", self.mkey)
        if key not in ctx.memo:
            q = self.qualified(ctx)
            m = None if q is None else self._clauses(ctx) & (q == UNKNOWN)
            if m is not None:
                _locked(m)
            ctx.memo[key] = m
        return ctx.memo[key]

    def _some_maybe(self, ctx: Context) -> bool:
        key = ("some_maybe", self.mkey)
        some = ctx.memo.get(key)
        if some is None:
            maybe = self.maybe(ctx)
            some = ctx.memo[key] = maybe is not None and bool(maybe.any())
        return some

    def qualified(self, ctx: Context) -> np.ndarray | None:
        """Per line, the tri-state of the conditions of the rules named in `qualify` (TRUE where none applies)."""
        ids = self.p.get("qualify")
        if not ids:
            return None
        key = ("qualified", tuple(ids))
        st = ctx.memo.get(key)
        if st is None:
            # TRUE but on the lines some of these rules find failing or unknown: only those are looked at again
            st = np.full(ctx.n, TRUE, dtype=np.int8)
            rules = [_line_rule(ctx.version, rid) for rid in ids]
            bad = [r.bad_lines(ctx) for r in rules]
            bad = np.unique(np.concatenate(bad)) if any(len(b) for b in bad) else ()
            if len(bad):
                sub = np.full(len(bad), TRUE, dtype=np.int8)
                for r in rules:
                    sub = np.minimum(sub, r.line_status_at(ctx, bad))
                st[bad] = sub
            st.flags.writeable = False
            ctx.memo[key] = st
        return st

    def _clauses(self, ctx: Context) -> np.ndarray:
        """Lines of the numerator's clauses in the base (read-only, made once per structure)."""
        key = ("clauses", self.mkey)
        out = ctx.memo.get(key)
        if out is None:
            out = ctx.memo[key] = self._clauses_made(ctx)
            _locked(out)
        return out

    def _clauses_made(self, ctx: Context) -> np.ndarray:
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
                e = ctx.euro
                m = e if m is None else m & e
            if m is None:
                m = np.ones(ctx.n, dtype=bool)
            mask = m if mask is None else mask | m
        if mask is None:
            mask = np.zeros(ctx.n, dtype=bool)
        return mask & ctx.base_masks[self.p["base"]]

    def numerator_sum(self, ctx: Context) -> int:
        """Σ of the values of the numerator's lines, cents (by category when the clauses name only categories)."""
        if self._by_category is None or self.p.get("qualify"):
            return ctx.sum_where(self.numerator(ctx), ("numerator", self.mkey))
        return ctx.tally(None if isinstance(self._by_category, str) else self._by_category, self.p["base"])[1]

    # ---- state, update, judge (the checker's evaluate is judge(state(ctx)))

    def state(self, ctx: Context) -> "ShareState":
        maybe = self.maybe(ctx)
        m = ctx.sum_where(maybe, ("maybe", self.mkey)) if maybe is not None and self._some_maybe(ctx) else 0
        return ShareState(ctx, self.numerator_sum(ctx), m, maybe)

    def _counts(self, st: "ShareState", i: int) -> bool:
        """Line i of the book is in the numerator (computed once per portfolio, and once per new line)."""
        if i < st.book.n0:
            if st.mask is None:
                st.mask = self.numerator(st.ctx)
            return bool(st.mask[i])
        return st.added.get(i, False)

    def update(self, st: "ShareState", ch: LineChange) -> bool:
        i = ch.line
        if ch.new is None and i < st.book.n0:  # a line of the portfolio: in the numerator, or maybe, or the base
            if st.mask is None:
                st.mask = self.numerator(st.ctx)
            if st.mask[i]:
                st.v += ch.delta
                return True
            if st.maybe is not None and st.maybe[i]:
                st.m += ch.delta
                return True
            return BASE if st.book.pclass.item(i) in self._classes else False
        if ch.new is not None:
            facts = self._new_facts(ch.new)
            st.added[ch.line] = facts[0]
            if st.maybe is not None:
                st.madded[ch.line] = facts[1]
        counts = self._counts(st, ch.line)
        maybe = not counts and st.maybe is not None and bool(
            st.maybe[ch.line] if ch.line < st.book.n0 else st.madded.get(ch.line))
        if ch.dropped:
            st.added.pop(ch.line, None)
        if counts:
            st.v += ch.delta
            return True
        if maybe:
            st.m += ch.delta
            return True
        return BASE if int(st.book.pclass[ch.line]) in self._classes else False

    def glance(self, st: "ShareState", level) -> str | None:
        return self._quiet(st, st.v, level)

    def peek(self, st: "ShareState", ch: LineChange, level) -> str | None:
        i = ch.line
        if ch.new is not None or i >= st.book.n0 or st.mask is None:
            return None
        # the numerator moves by the line's change; a line that counts only if its category's conditions are met
        # moves `m`, which the glance does not read
        return self._quiet(st, st.v + ch.delta if st.mask[i] else st.v, level)

    def calm(self, st: "ShareState", line: int, level) -> tuple | None:
        # the line's change d moves the numerator by d (when it counts there) and the base by d (when in it): each
        # test of `_quiet` is then k·d ≤ r in integers
        book = st.book
        if line >= book.n0:
            return None
        if st.mask is None:
            st.mask = self.numerator(st.ctx)
        s = self._quiet(st, st.v, level)
        if s is None:
            return None
        if s == NA:  # no line in the base: so it stays while the line is alive before and after
            return None, None, None, s
        a = 1 if st.mask[line] else 0
        e = 1 if book.in_base(line, self.p["base"]) else 0
        out = self._calm_ae(st, a, e, level)
        return None if out is None else (*out, None, s)

    def _calm_ae(self, st: "ShareState", a: int, e: int, level) -> tuple | None:
        """The changes d of a line in the numerator (a = 1) or not, in the base (e = 1) or not, after which the
        share is within its limit and the warning level, the base positive: (lo, hi) of `within`, or None. Each
        test of `_quiet` is k·d ≤ r in integers."""
        book = st.book
        base = self.p["base"]
        b, v = book.total[base], st.v
        num, den = self._num_den
        ln, ld = (0, 0) if level is None else (level.numerator, level.denominator)
        if self._max:  # (v + a·d)·den ≤ num·(b + e·d), and the same at the warning level
            tests = ((a * den - e * num, num * b - v * den), (a * ld - e * ln, ln * b - v * ld))
        else:
            tests = ((e * num - a * den, v * den - num * b), (e * ln - a * ld, v * ld - ln * b))
        out = within(None, None, -e, b - 1)  # the base stays positive
        for k, r in tests:
            if out is None:
                return None
            out = within(*out, k, r)
        return out

    def calm_all(self, st: "ShareState", level) -> tuple:
        # a line's interval depends only on whether it is in the numerator and in the base: four intervals
        book = st.book
        if st.mask is None:
            st.mask = self.numerator(st.ctx)
        e = book.in_bases(self.p["base"])
        s = self._quiet(st, st.v, level)
        if s is None:
            cares = st.mask | e
            return None, (cares if st.maybe is None else cares | st.maybe), None, None, None
        if s == NA:
            return s, None, None, None, None
        lo4, hi4 = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
        for a in (0, 1):
            for ee in (0, 1):
                out = self._calm_ae(st, a, ee, level)
                lo4[2 * a + ee], hi4[2 * a + ee] = ((CALM_NONE, -CALM_NONE) if out is None else
                                                    (calm_bound(out[0], True), calm_bound(out[1], False)))
        code = st.mask.view(np.int8).astype(np.intp) * 2 + e
        return s, None, lo4[code], hi4[code], None

    def _new_facts(self, nctx: Context) -> tuple:
        """(in the numerator, maybe in it) of a new line, once per line (an order tried again reads them)."""
        facts = nctx.memo.get(self)
        if facts is None:
            mb = self.maybe(nctx)
            facts = nctx.memo[self] = (bool(self.numerator(nctx)[0]), bool(mb[0]) if mb is not None else False)
        return facts

    def calm_new(self, st: "ShareState", nctx: Context, quantity, level):
        counts, maybe = self._new_facts(nctx)
        a = 1 if counts else 0
        e = 1 if st.book.new_in_base(nctx, self.p["base"]) else 0
        if not a and not e:  # in neither the numerator nor the base: maybe in it (`m`, which no glance reads), or not
            if not maybe or st.maybe is None:
                return False
            s = self.glance(st, level)
            return None if s is None else (None, None, s)
        if st.book.count[self.p["base"]] == 0:
            if not e:
                return None, None, NA  # no line in the base, none added to it
        elif self._quiet(st, st.v, level) is None:
            return None
        out = self._calm_ae(st, a, e, level)
        return None if out is None else (*out, OK)

    def _quiet(self, st: "ShareState", v: int, level) -> str | None:
        """`glance` with the numerator's sum `v` (the book as it stands)."""
        book = st.book
        base = self.p["base"]
        if book.count[base] == 0:
            return NA
        b = book.total[base]
        if b <= 0:
            return None
        num, den = self._num_den
        if level is None:
            ln, ld = 0, 0  # no warning level: v·0 against 0·b never bites
        else:
            lv = self._level
            if lv is None or lv[0] is not level:
                lv = self._level = (level, level.numerator, level.denominator)
            ln, ld = lv[1], lv[2]
        if self._max:  # v ≤ lim·b, and not beyond the warning level: v ≤ level·b
            if v * den > num * b or v * ld > ln * b:
                return None
        elif v * den < num * b or v * ld < ln * b:
            return None
        return OK

    def maybe_rows(self, st: "ShareState") -> list:
        book = st.book
        out = book.rows[book.live(np.flatnonzero(st.maybe))].tolist()
        return out + [int(book.rows[i]) for i, _ in book.added() if st.madded.get(i)]

    def watch(self, st: "ShareState", result: RuleResult, level) -> dict:
        if result.status != OK or result.value is None:
            return {}
        b = st.book.total[self.p["base"]]
        lhs, rhs = st.v * level.denominator, level.numerator * b  # share vs level, exactly, in integers (b > 0)
        inside = lhs < rhs if self.p["sense"] == "min" else lhs > rhs
        return {self.spec.title: (self.spec.title, Fraction(st.v, b))} if inside else {}

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
        m = st.m
        if st.maybe is not None and m and v + m >= need:  # READING 14: lines of unknown conditions decide it
            msg = (f"{fr_pct_beside(share, self.lim_f)} de la base ({fr_euros(v)}) en lignes qui remplissent "
                   f"les conditions de leur catégorie, {fr_pct((v + m) / b)} avec les lignes dont une condition "
                   f"est à vérifier ({fr_euros(m)}) : le plancher de {fr_pct(self.lim_f)} dépend d'elles "
                   "(voir leurs constats, lecture L14)")
            f = self.finding(UNKNOWN_S, self.spec.title, self.maybe_rows(st), msg, value=share,
                             limit=self.lim_f, euros=m)
            return RuleResult(self.spec, UNKNOWN_S, [f], share, self.lim_f, headroom, v)
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

    __slots__ = ("ctx", "book", "v", "mask", "added", "m", "maybe", "madded")

    def __init__(self, ctx: Context, v: int, m: int = 0, maybe=None):
        self.ctx = ctx
        self.book = ctx.book()
        self.v = v
        self.mask = None  # the numerator's lines of the portfolio, when first asked
        self.added: dict = {}  # new line -> in the numerator
        self.m = m  # READING 14: Σ of the lines that count only if their category's conditions are met
        self.maybe = maybe  # those lines of the portfolio (None: the rule has no `qualify`)
        self.madded: dict = {}  # new line -> one of them


_LINE_RULES: dict = {}


def _line_rule(version: Version, rule_id: str) -> "LineConditions":
    """The line-conditions rule `rule_id` of a version, built once."""
    key = (id(version), rule_id)
    hit = _LINE_RULES.get(key)
    if hit is None or hit[0] is not version:
        hit = _LINE_RULES[key] = (version, LineConditions(version.rule(rule_id)))
    return hit[1]


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

    def __init__(self, spec: RuleSpec):
        super().__init__(spec)
        self._classes = frozenset(BASE_CLASSES[self.p["base"]])  # the pocket classes of the base
        self._num_den = (self.lim.numerator, self.lim.denominator)
        self._level = None  # (the warning level `glance` was last given, its numerator, its denominator)

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

    # ---- state, update, judge (the checker's evaluate is judge(state(ctx)))

    def _frame(self, ctx: Context):
        """`grouping` and what `state` derives from it without an amount (made once per structure): (line
        indices, group codes, number of groups, lines surely counted — None when all are —, group code per line,
        member per line, counted tri-state per line, loose lines)."""
        key = ("group_frame", self.mkey)
        out = ctx.memo.get(key)
        if out is None:
            idx, codes, n_groups, counted, loose = self.grouping(ctx)
            sure = counted == TRUE
            sure = None if sure.all() else sure
            code_of = np.zeros(ctx.n, dtype=np.intp)
            code_of[idx] = codes
            member = np.zeros(ctx.n, dtype=bool)
            member[idx] = True
            cnt = np.full(ctx.n, TRUE, dtype=np.int8)
            cnt[idx] = counted
            loose = np.asarray(loose, dtype=np.intp)
            out = (idx, codes, n_groups, sure, code_of, member, cnt, loose)
            _locked(*out)
            ctx.memo[key] = out
        return out

    def state(self, ctx: Context) -> "GroupState":
        idx, codes, n_groups, sure, code_of, member, cnt, loose = self._frame(ctx)
        st = GroupState(ctx)
        st.n_in = len(idx) + len(loose)
        if st.n_in == 0:
            return st
        vals = ctx.value[idx]
        worst_ = _sums_by_code(ctx, codes, vals, n_groups)
        best = worst_ if sure is None else _sums_by_code(ctx, codes[sure], vals[sure], n_groups)
        st.set_groups(code_of, member, cnt, n_groups, best, worst_, loose, int(best.max()) if len(best) else 0)
        return st

    def new_member(self, st: "GroupState", nctx: Context):
        """(group key, counted, loose, subject) of a new line, or None when the rule does not count it."""
        raise NotImplementedError

    def group_keys(self, st: "GroupState") -> dict:
        """Group key -> group of the portfolio's groups (for the new lines)."""
        raise NotImplementedError

    def _info(self, st: "GroupState", i: int):
        """(group or -1, counted, loose) of line i, or None when the rule does not count it."""
        if i >= st.book.n0:
            return st.added.get(i)
        if st.member is None:
            return None
        if st.member[i]:
            return int(st.code_of[i]), int(st.counted[i]), False
        if st.loose_set is None:
            st.loose_set = set(st.loose.tolist())
        if i in st.loose_set:
            return -1, int(st.counted[i]), True
        return None

    def update(self, st: "GroupState", ch: LineChange) -> bool:
        i = ch.line
        if ch.new is None and i < st.book.n0:  # a line of the portfolio: what the rule counts of it, read once
            info = st.infos.get(i, False)
            if info is False:
                info = st.infos[i] = self._info(st, i)
            if info is None:
                return BASE if st.book.pclass.item(i) in self._classes else False
            return self._move(st, ch, *info)
        if ch.new is not None:
            found = self._new_facts(st, ch.new)
            if found is None:
                st.added.pop(i, None)
            else:
                key, counted, loose, subject = found
                g = -1
                if not loose:
                    if st.keys is None:
                        st.keys = self.group_keys(st)
                    g = st.keys.get(key, -1)
                    if g < 0:
                        g = st.keys[key] = st.new_group()
                    else:
                        st.ensure(g)
                st.added[i] = (g, counted, loose)
                st.subjects[i] = subject
        info = self._info(st, i)
        if ch.dropped:
            st.added.pop(i, None)
            st.subjects.pop(i, None)
        if info is None:
            return BASE if st.book.pclass[i] in self._classes else False
        return self._move(st, ch, *info)

    @staticmethod
    def _move(st: "GroupState", ch: LineChange, g: int, counted: int, loose: bool) -> bool:
        """A line of group g (or loose) changed: the group's sums and size, and the largest sums."""
        dn = int(ch.alive_after) - int(ch.alive_before)
        st.n_in += dn
        if not loose:
            if not st._owned:
                st.own()
            d = ch.delta
            worst_, best, size = st.worst, st.best, st.size
            if not st.wide and (abs(d) >= 1 << 59 or abs(st.book.total["reserves"]) >= 1 << 61):
                st.widen()
                worst_, best = st.worst, st.best
            w0, b0, s0 = worst_.item(g), best.item(g), size.item(g)
            w1 = w0 + d
            b1 = b0 + d if counted == TRUE else b0
            s1 = s0 + dn
            worst_[g] = w1
            if b1 != b0:
                best[g] = b1
            if dn:
                size[g] = s1
            # the largest sums, kept without a pass over the groups unless the largest one shrinks
            st.wtop, st.wrest = moved_max(st.wtop, st.wrest, g, w0, w1)
            st.top, st.ptop = moved_max(st.top, st.ptop, g, b0 if s0 > 0 else NO_VALUE, b1 if s1 > 0 else NO_VALUE)
        return True

    def glance(self, st: "GroupState", level) -> str | None:
        if st.n_in == 0:
            return NA
        if st.wtop is None:
            ng = st.n_groups
            st.wtop, st.wrest = (int(st.worst[:ng].max()) if ng else 0), None
        return self._quiet(st, st.n_in, st.wtop, st.top_now() if level is not None and st.n_groups else 0, level)

    def peek(self, st: "GroupState", ch: LineChange, level) -> str | None:
        i = ch.line
        if ch.new is not None or i >= st.book.n0 or not st._owned or st.wide:
            return None
        info = st.infos.get(i)
        if info is None or info[2]:  # not counted, or a loose line (the glance then judges anyway)
            return None
        g, counted, _ = info
        d = ch.delta
        dn = int(ch.alive_after) - int(ch.alive_before)
        if abs(d) >= 1 << 59 or abs(st.book.total["reserves"]) >= 1 << 61:
            return None  # `update` would widen the sums first
        n_in = st.n_in + dn
        if n_in == 0:
            return NA
        if st.wtop is None or st.top is None:
            return None
        b0, s0 = st.best.item(g), st.size.item(g)
        b1 = b0 + d if counted == TRUE else b0
        # the largest sums after, or more: the other groups are unchanged, so that the largest after is at most the
        # larger of the largest before and group g's after (exactly that when g grows); the glance only asks
        # whether they stay under a limit
        wtop = max(st.wtop, st.worst.item(g) + d)
        top = max(st.top, b1 if s0 + dn > 0 else NO_VALUE)
        return self._quiet(st, n_in, wtop, 0 if top == NO_VALUE else top, level)

    def calm(self, st: "GroupState", line: int, level) -> tuple | None:
        # the line's change d moves its group's sums (at worst by d, surely counted by d when the line surely
        # counts) and the base (when in it); the other groups stay: their largest sums are read once, exactly
        book = st.book
        if line >= book.n0 or st.wide:
            return None
        s = self.glance(st, level)
        if s is None:
            return None
        if s == NA:
            return None, None, None, s
        info = st.infos.get(line, False)
        if info is False or abs(book.total["reserves"]) >= 1 << 60:
            return None
        base = self.p["base"]
        b = book.total[base]
        e = 1 if book.in_base(line, base) else 0
        num, den = self._num_den
        ng = st.n_groups
        levelled = level is not None and ng
        ln, ld = (level.numerator, level.denominator) if levelled else (0, 0)
        if info is None:  # counted only through the base: the largest sums stay
            top = st.top_now() if levelled else 0
            tests = [(-e * num, num * b - st.wtop * den), (-e * ln, ln * b - top * ld)]
        else:
            g, counted, loose = info
            if loose or g >= ng:
                return None
            worst_, best = st.worst, st.best
            wg, bg = int(worst_.item(g)), int(best.item(g))
            # the largest sums of the other groups: the largest of all (kept exactly by the state) when group g is
            # below it, else one pass
            wo = st.wtop
            if wg >= wo:
                others = np.ones(ng, dtype=bool)
                others[g] = False
                wo = int(worst_[:ng][others].max()) if ng > 1 else None
            to = st.top_now() if levelled else None
            if to is not None and (bg >= to or st.top == NO_VALUE):
                others = st.size_now()[:ng] > 0
                others[g] = False
                to = int(best[:ng][others].max()) if others.any() else None
            ct = 1 if counted == TRUE else 0
            tests = [(den - e * num, num * b - wg * den), (ct * ld - e * ln, ln * b - bg * ld)]
            if wo is not None:
                tests.append((-e * num, num * b - wo * den))
            if to is not None:
                tests.append((-e * ln, ln * b - to * ld))
        out = within(-(1 << 59) + 1, (1 << 59) - 1, -e, b - 1)  # sums kept in int64 (else widened), base positive
        for k, r in tests:
            if out is None:
                return None
            out = within(*out, k, r)
        return None if out is None else (*out, None, s)

    def _new_facts(self, st: "GroupState", nctx: Context):
        """`new_member` of a new line, once per line (an order tried again reads them)."""
        found = nctx.memo.get(self, False)
        if found is False:
            found = nctx.memo[self] = self.new_member(st, nctx)
        return found

    def _cares_all(self, st: "GroupState") -> np.ndarray:
        """The lines of the portfolio whose changes `update` hands on (members, loose lines, lines of the base)."""
        cares = st.book.in_bases(self.p["base"])
        if st.member is not None:
            cares = cares | st.member
        if len(st.loose):
            cares[st.loose] = True
        return cares

    def _calm_terms(self, st: "GroupState", level):
        """(base, limit's numerator and denominator, warning level's, levelled) as `calm` reads them."""
        b = st.book.total[self.p["base"]]
        num, den = self._num_den
        levelled = level is not None and st.n_groups
        ln, ld = (level.numerator, level.denominator) if levelled else (0, 0)
        return b, num, den, ln, ld, levelled

    def calm_all(self, st: "GroupState", level) -> tuple:
        # `calm` for every line at once: the tests of a member line read its group's sums and the largest sums of
        # the other groups (the largest of all, or the second largest for the group that has it)
        book = st.book
        cares = self._cares_all(st)
        s = self.glance(st, level)
        if s is None or st.wide or abs(book.total["reserves"]) >= 1 << 60:
            return None, cares, None, None, None
        if s == NA:
            return s, None, None, None, None
        b, num, den, ln, ld, levelled = self._calm_terms(st, level)
        ng = st.n_groups
        worst_, best = st.worst[:ng], st.best[:ng]
        big = max(abs(b), int(np.abs(worst_).max()) if ng else 0, int(np.abs(best).max()) if ng else 0)
        if big * 4 * max(num, den, ln, ld, 1) >= 1 << 62:  # the tests' products beyond int64: not told here
            return None, cares, None, None, None
        n = book.n0
        e = book.in_bases(self.p["base"]).astype(np.int64)
        lo = np.full(n, -CALM_NONE, dtype=np.int64)
        hi = np.full(n, CALM_NONE, dtype=np.int64)
        at = np.flatnonzero(cares)
        l, h = within_all(np.full(len(at), -(1 << 59) + 1), np.full(len(at), (1 << 59) - 1), -e[at], b - 1)
        member = np.zeros(n, dtype=bool) if st.member is None else st.member
        inm = member[at]
        # the lines counted only through the base: the largest sums stay
        top = st.top_now() if levelled else 0
        ea = e[at]
        kb = np.where(inm, 0, -ea)
        l, h = within_all(l, h, kb * num, np.where(inm, 0, num * b - int(st.wtop) * den))
        l, h = within_all(l, h, kb * ln, np.where(inm, 0, ln * b - int(top) * ld))
        # the members: their group's sums move, the other groups' stay
        m = np.flatnonzero(inm)
        idx = at[m]
        g = st.code_of[idx]
        em = e[idx]
        wg, bg = worst_[g], best[g]
        ct = (st.counted[idx] == TRUE).astype(np.int64)
        lm, hm = within_all(l[m], h[m], den - em * num, num * b - wg * den)
        lm, hm = within_all(lm, hm, ct * ld - em * ln, ln * b - bg * ld)
        wo, has_wo = _others_max(worst_, g, None)
        lm, hm = within_all(lm, hm, np.where(has_wo, -em * num, 0), np.where(has_wo, num * b - wo * den, 0))
        if levelled:
            to, has_to = _others_max(best, g, st.size_now()[:ng] > 0)
            lm, hm = within_all(lm, hm, np.where(has_to, -em * ln, 0), np.where(has_to, ln * b - to * ld, 0))
        l[m], h[m] = lm, hm
        lo[at], hi[at] = l, h
        return s, None, lo, hi, None

    def calm_new(self, st: "GroupState", nctx: Context, quantity, level):
        # a new line: in a group of the portfolio (its sums move as a member's) or a new one (sums of 0), or counted
        # only through the base
        found = self._new_facts(st, nctx)
        e = 1 if st.book.new_in_base(nctx, self.p["base"]) else 0
        if found is None and not e:
            return False
        if st.wide or abs(st.book.total["reserves"]) >= 1 << 60:
            return None
        if st.n_in == 0:  # NA now: only a member makes the rule apply
            if found is None:
                return None, None, NA
            if len(st.loose) or any(info[2] for info in st.added.values()):
                return None
            s = OK
        else:
            s = self.glance(st, level)
            if s is None:
                return None
        if found is not None and found[2]:  # a line alone, in no group: judged
            return None
        b, num, den, ln, ld, levelled = self._calm_terms(st, level)
        ng = st.n_groups
        out = within(-(1 << 59) + 1, (1 << 59) - 1, -e, b - 1)
        if found is None:
            tests = [(-e * num, num * b - int(st.wtop) * den), (-e * ln, ln * b - (st.top_now() if levelled else 0) * ld)]
        else:
            key, counted, _, _ = found
            if st.keys is None:
                st.keys = self.group_keys(st)
            g = st.keys.get(key, -1)
            if g >= ng:
                return None
            others = np.ones(ng, dtype=bool)
            if g >= 0:
                others[g] = False
                wg, bg = int(st.worst.item(g)), int(st.best.item(g))
            else:
                wg = bg = 0
            wo = int(st.worst[:ng][others].max()) if others.any() else None
            tests = [(den - e * num, num * b - wg * den)]
            if wo is not None:
                tests.append((-e * num, num * b - wo * den))
            if level is not None:  # the new line's group is one of the groups after: the warning level bites
                ln, ld = level.numerator, level.denominator
                ct = 1 if counted == TRUE else 0
                tests.append((ct * ld - e * ln, ln * b - bg * ld))
                present = others & (st.size_now()[:ng] > 0)
                if present.any():
                    tests.append((-e * ln, ln * b - int(st.best[:ng][present].max()) * ld))
        for k, r in tests:
            if out is None:
                return None
            out = within(*out, k, r)
        return None if out is None else (*out, s)

    def _quiet(self, st: "GroupState", n_in: int, wtop: int, top: int, level) -> str | None:
        """`glance` with `n_in` lines counted, `wtop` the largest sum at worst, `top` the largest sum of the groups
        with lines alive (the book as it stands)."""
        if n_in == 0:
            return NA
        b = st.book.total[self.p["base"]]
        if b <= 0 or len(st.loose):
            return None
        if st.added:
            for info in st.added.values():
                if info[2]:  # a line added alone, in no group
                    return None
        num, den = self._num_den
        if wtop * den > num * b:  # some group above the cap at worst (wtop > ⌊lim·b⌋, in integers)
            return None
        if level is not None and st.n_groups:
            lv = self._level
            if lv is None or lv[0] is not level:
                lv = self._level = (level, level.numerator, level.denominator)
            if top * lv[2] > lv[1] * b:  # some group beyond the warning level
                return None
        return OK

    def watch(self, st: "GroupState", result: RuleResult, level) -> dict:
        if result.status == NA or st.n_groups == 0:
            return {}
        b = st.book.total[self.p["base"]]
        if b <= 0:
            return {}
        ng = st.n_groups
        best, worst_ = st.best[:ng], st.worst[:ng]
        lvl, allowed = cap_cents(b, level), cap_cents(b, self.lim)
        if st.top_now() <= lvl:  # no group with lines beyond the warning level
            return {}
        cand = np.flatnonzero(best > lvl)
        if len(cand):
            cand = cand[~over_cap(worst_[cand], b, self.lim) & (st.size_now()[cand] > 0)]
        out = {}
        for g, lines in st.members(cand.tolist()):
            subject = self.subject_of(st, int(lines[0]))
            out[subject] = (subject, Fraction(int(best[g]), b))
        return out

    def subjects_of(self, st: "GroupState", lines) -> set:
        out, groups = set(), set()
        for i in lines:
            info = self._info(st, i)
            if info is None:
                continue
            if info[2]:
                out.add(("l", int(st.book.rows[i])))
            else:
                groups.add(info[0])
        for g, members in st.members(sorted(groups)):
            out.add(self.subject_of(st, int(members[0])))
        return out

    def subject_of(self, st: "GroupState", i: int) -> str:
        if i >= st.book.n0:
            return st.subjects[i]
        return str(self.names(st.ctx, np.array([i]))[0])

    def judge(self, st: "GroupState") -> RuleResult:
        lim = self.lim
        if st.n_in == 0:
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        book = st.book
        b = book.total[self.p["base"]]
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        ng = st.n_groups
        best, worst_ = st.best[:ng], st.worst[:ng]
        if st.wtop is None:
            st.wtop, st.wrest = (int(worst_.max()) if ng else 0), None
        # the groups above the cap at worst (none when the largest sum at worst is within it)
        flagged = np.flatnonzero(over_cap(worst_, b, lim)) if ng and st.wtop > cap_cents(b, lim) else ()
        groups = []
        if len(flagged):
            for g, lines in st.members(flagged):
                sure = np.array([st.counted_of(i) == TRUE for i in lines.tolist()], dtype=bool)
                rows = book.rows[lines]
                groups.append((g, sorted(rows[sure].tolist()), sorted(rows[~sure].tolist()),
                               self.subject_of(st, int(lines[0]))))
        loose = [i for i in book.live(st.loose).tolist()] + [i for i, _ in book.added()
                                                                 if st.added.get(i, (0, 0, False))[2]]
        return self._judge(st, lim, b, best, worst_, groups, loose, st.top_now())

    def _judge(self, st: "GroupState", lim: Fraction, b: int, best, worst_, groups: list, loose, top: int) -> RuleResult:
        """The result from the groups above the cap at worst: [(g, rows surely counted, rows that may count,
        subject)]."""
        allowed = cap_cents(b, lim)
        if not groups and len(loose) == 0:
            return RuleResult(self.spec, OK, [], top / b, self.lim_f, allowed - top, top)
        over_best = over_cap(np.asarray([best[g] for g, *_ in groups], dtype=best.dtype), b, lim)
        findings = []
        for (g, sure_rows, unsure_rows, subject), ob in zip(groups, over_best):
            if ob:
                share = int(best[g]) / b
                amount = int(best[g]) - allowed
                msg = (f"{fr_pct_beside(share, self.lim_f)} de la base ({fr_euros(int(best[g]))}) pour un plafond de "
                       f"{fr_pct(self.lim_f)} : céder {fr_euros(amount)}")
                findings.append(self.finding(BREACH, subject, sure_rows, msg, value=share, limit=self.lim_f,
                                             amount=amount, action="sell", euros=int(best[g])))
            else:
                share = int(worst_[g]) / b
                cols = self.unknown_columns(st.ctx)
                msg = (f"jusqu'à {fr_pct(share)} de la base si les lignes indiquées comptent : à vérifier, "
                       "renseigner " + ", ".join(f"« {c} »" for c in cols))
                findings.append(self.finding(UNKNOWN_S, subject, unsure_rows, msg, value=share, limit=self.lim_f,
                                             euros=int(worst_[g]), columns=cols))
        findings += self.loose_findings(st, loose, b, lim)
        findings.sort(key=lambda f: (f.status != BREACH, -(f.euros or 0)))
        st_ = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st_, findings, top / b, self.lim_f, allowed - top, top)

    def figures(self, state, result: RuleResult | None = None, top: int = 20) -> Figures:
        """The rule's figures and its largest groups (worst case: lines of unknown status included), the lines
        counted alone (no group named: `GroupFigure.loose`) among them, largest first, then by subject."""
        result = result if result is not None else self.judge(state)
        b = state.book.total[self.p["base"]]
        out = Figures(self.id, "max", result.value, result.limit, result.headroom, result.figure, b)
        if state.n_in == 0 or b <= 0:
            return out
        allowed = cap_cents(b, self.lim)
        status_of = {f.subject: f.status for f in result.findings if f.status == BREACH}
        status_of.update({f.subject: f.status for f in result.findings if f.subject not in status_of})
        book = state.book
        ng = state.n_groups
        shown = []
        if ng:
            alive = np.flatnonzero(state.size_now()[:ng] > 0)
            sums = state.worst[:ng][alive]
            if len(alive) > top:  # the `top` largest, and every group tied with the last of them
                cut = np.sort(sums.astype(float))[::-1][top - 1]
                alive = alive[sums.astype(float) >= cut]
            for g, lines in state.members(alive):
                v = int(state.worst[g])
                shown.append((self.subject_of(state, int(lines[0])), sorted(book.rows[lines].tolist()), v, False))
        loose = book.live(state.loose).tolist() + [i for i, _ in book.added() if state.added.get(i, (0, 0, False))[2]]
        labels = state.ctx.L["label"].to_numpy()
        for i in loose:
            label = str(labels[i]) if i < book.n0 else state.subjects[i]
            shown.append((label, [int(book.rows[i])], int(book.value[i]), True))
        shown.sort(key=lambda t: (-t[2], t[0]))
        for subject, rows, v, alone in shown[:top]:
            out.groups.append(GroupFigure(subject, rows, v, v / b, allowed - v,
                                          status_of.get(subject, BREACH if v > allowed else OK), alone))
        return out

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


def _others_max(values: np.ndarray, g: np.ndarray, present) -> tuple[np.ndarray, np.ndarray]:
    """Per entry of `g` (groups), the largest of `values` over the other groups (those of `present` only, when
    given), and whether there is one: the largest of all, or the second largest for the group that has the largest."""
    n = len(values)
    if n == 0:
        return np.zeros(len(g), dtype=np.int64), np.zeros(len(g), dtype=bool)
    low = np.iinfo(np.int64).min
    v = values.astype(np.int64) if present is None else np.where(present, values, low).astype(np.int64)
    i1 = int(np.argmax(v))
    m1 = v[i1]
    v2 = v.copy()
    v2[i1] = low
    m2 = v2.max()
    other = np.where(g == i1, m2, m1)
    has = other != low
    return np.where(has, other, 0), has


class GroupState:
    """A cap per group's state: each line's group and counted tri-state, the sums of each group (lines that surely
    count, and every line that may), the loose lines (no issuer: each its own group); grown by new lines."""

    __slots__ = ("ctx", "book", "n_in", "code_of", "member", "counted", "n_groups", "best", "worst", "loose", "top",
                 "keys", "added", "subjects", "loose_set", "size", "_owned", "alike", "wtop", "ptop", "wrest", "infos", "wide")

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.book = ctx.book()
        self.n_in = 0  # lines alive the rule counts (members and loose lines)
        self.code_of = self.member = self.counted = None
        self.n_groups = 0
        self.best = self.worst = np.zeros(0, dtype=np.int64)
        self.loose = np.zeros(0, dtype=np.intp)
        self.top = 0
        self.keys = None  # group key -> group, for new lines (built when first asked)
        self.added: dict = {}  # new line -> (group or -1, counted, loose)
        self.subjects: dict = {}  # new line -> its group's name as written on it
        self.loose_set = None
        self.size = None  # alive members per group (engine)
        self._owned = False
        self.alike = None  # READING 5, look-alike persons: (lines, code per line, Σ per code, line -> code)
        self.wtop = None  # the largest sum at worst of all groups, None when to be computed
        self.wrest = self.ptop = None  # `moved_max`'s memory of the group that last rose to the top
        self.infos: dict = {}  # line of the portfolio -> `_info` (engine)
        self.wide = False  # the sums are Python integers (`widen`)

    def set_groups(self, code_of, member, counted, n_groups, best, worst_, loose, top) -> None:
        self.code_of, self.member, self.counted = code_of, member, counted
        self.n_groups, self.best, self.worst, self.loose, self.top = n_groups, best, worst_, loose, top
        self.wide = worst_.dtype == object or best.dtype == object

    def top_now(self) -> int:
        """The largest sum (lines surely counted) of the groups with lines alive, 0 without any (computed when
        unknown: on the engine's first change, and when the largest group shrinks)."""
        if self.top is None:
            ng = self.n_groups
            present = self.size_now()[:ng] > 0
            self.top = int(self.best[:ng][present].max()) if present.any() else NO_VALUE
            self.ptop = None
        return 0 if self.top == NO_VALUE else self.top

    def size_now(self) -> np.ndarray:
        if self.size is None:
            n = self.n_groups
            self.size = (np.bincount(self.code_of[self.member], minlength=n).astype(np.int64) if self.member is not None
                         else np.zeros(n, dtype=np.int64))
        return self.size

    def own(self) -> None:
        """Writable sums with room for new groups (copied once, on the engine's first change)."""
        if self._owned:
            return
        self.size_now()
        self.top = self.wtop = None  # from now on kept by `moved_max` (computed again once, exactly)
        cap = self.n_groups + 16
        for name in ("best", "worst", "size"):
            arr = getattr(self, name)
            grown = np.zeros(cap, dtype=arr.dtype)
            grown[:len(arr)] = arr
            setattr(self, name, grown)
        self._owned = True

    def new_group(self) -> int:
        g = self.n_groups
        self.ensure(g)
        return g

    def ensure(self, g: int) -> None:
        """Room for group g (a group of the portfolio with no line here yet, or a new one)."""
        self.own()
        if g >= len(self.best):
            for name in ("best", "worst", "size"):
                arr = getattr(self, name)
                grown = np.zeros(max(len(arr) * 2, g + 16), dtype=arr.dtype)
                grown[:len(arr)] = arr
                setattr(self, name, grown)
        if g >= self.n_groups and self.wtop is not None:
            self.wtop, self.wrest = max(self.wtop, 0), None  # the new groups' sums are 0
        self.n_groups = max(self.n_groups, g + 1)

    def widen(self) -> None:
        """Group sums near int64's reach: Python integers from now on."""
        self.best = self.best.astype(object)
        self.worst = self.worst.astype(object)
        self.wide = True

    def counted_of(self, i: int) -> int:
        return int(self.counted[i]) if i < self.book.n0 else self.added[i][1]

    def members(self, groups) -> list:
        """[(g, lines of g alive, in the book's order)] for the groups `groups`, in the order of their first line."""
        book = self.book
        if self.member is None:
            base = []
        else:
            member = self.member if book.alive is None else self.member & book.alive[:book.n0]
            base = _group_members(self.code_of, member, [g for g in groups if g < len(self.code_of) + self.n_groups],
                                  max(self.n_groups, 1))
        if not self.added:
            return base
        wanted = set(int(g) for g in groups)
        extra: dict = {}
        for i, _ in book.added():
            info = self.added.get(i)
            if info is not None and not info[2] and info[0] in wanted:
                extra.setdefault(info[0], []).append(i)
        if not extra:
            return base
        out = []
        for g, lines in base:
            more = extra.pop(g, None)
            out.append((g, lines if more is None else np.concatenate([lines, np.asarray(more, dtype=lines.dtype)])))
        out += [(g, np.asarray(v, dtype=np.intp)) for g, v in sorted(extra.items(), key=lambda t: t[1][0])]
        return out


def _first_text(texts: np.ndarray, codes: np.ndarray, n_groups: int) -> list:
    """The first spelling of each group's name, as the user wrote it."""
    first = np.full(n_groups, -1, dtype=np.int64)
    pos = np.arange(len(codes))[::-1]
    first[codes[::-1]] = pos
    return [str(texts[i]) for i in first]


def _person_key(ctx: Context, i: int):
    """The legal person of line i (READING 5: `reserves.portfolio.identity`), None without an issuer."""
    if "issuer_key" in ctx.L.columns:
        k = ctx.column("issuer_key")[i]
        return k if isinstance(k, str) else None
    return group_key(ctx.column("issuer")[i])


class IssuerCap(_GroupCap):
    """R. 623-10-1: at most 5 % of the assets per legal person (READING 5)."""

    kind = "issuer_cap"
    Params = deferred("constraints.params", "IssuerCapParams")  # the rulebook keys (pydantic: loaded to validate)

    def _scope(self, ctx: Context):
        key = ("issuer_scope", self.mkey)
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

    def state(self, ctx: Context) -> GroupState:
        """Sums per issuer straight from the issuer codes, over every line at once (no grouping of the lines)."""
        st = GroupState(ctx)
        codes, n_groups = _dense_codes(ctx, "issuer_code")
        fr = self._members(ctx)
        if fr is None:
            return st
        member, loose, n_member, surely, alike, (mbin, sbin) = fr
        counted = self._scope(ctx)[1]
        st.n_in = n_member + len(loose)
        if ctx.span < 1 << 53:  # every line's value into its bin at once (float sums of integer cents: exact)
            vf = ctx.value_f
            worst_ = np.rint(np.bincount(mbin, weights=vf, minlength=n_groups + 1)[:n_groups]).astype(np.int64)
            best = worst_ if sbin is None else \
                np.rint(np.bincount(sbin, weights=vf, minlength=n_groups + 1)[:n_groups]).astype(np.int64)
        else:  # the members' values, summed per issuer exactly (the others weigh nothing)
            midx = np.flatnonzero(member)
            worst_ = group_sums(codes[midx], ctx.value[midx], n_groups)
            if surely is None:
                best = worst_
            else:
                sidx = np.flatnonzero(surely)
                best = group_sums(codes[sidx], ctx.value[sidx], n_groups)
        # the largest sum of an issuer with lines here: issuers without sum to 0, so that the largest sum of
        # all is theirs when it is not 0
        top = int(best.max()) if len(best) else 0
        if top == 0 and ctx.value_min < 0:
            present = np.zeros(n_groups, dtype=bool)
            present[codes[member]] = True
            top = int(best[present].max()) if present.any() else 0
        st.set_groups(codes, member, counted, n_groups, best, worst_, loose, top)
        if alike is not None:  # READING 5: the look-alike persons' lines and their sums, kept up to date
            idx, acodes, n_alike, by_line = alike
            totals = [int(x) for x in group_sums(acodes, ctx.value[idx], n_alike)]
            st.alike = (idx, acodes, totals, by_line)  # (the engine moves the totals, reads the rest)
        return st

    def _members(self, ctx: Context):
        """(members — in scope, counted or maybe, with an issuer —, loose lines — the same without an issuer —,
        number of members, the members surely counted — None when all are —, the look-alike persons' lines:
        (lines, code per line, number of codes, line -> code) or None); None when no line is in scope. Made once
        per structure."""
        key = ("issuer_members", self.mkey)
        if key in ctx.memo:
            return ctx.memo[key]
        in_scope, counted = self._scope(ctx)
        sel = in_scope & (counted != FALSE)
        out = None
        if sel.any():
            has = _has_issuer(ctx)
            member = sel if has is None else sel & has
            loose = np.zeros(0, dtype=np.intp) if has is None else np.flatnonzero(sel & ~has)
            maybe = member & (counted == UNKNOWN)
            surely = member & ~maybe if maybe.any() else None
            alike = None
            if "issuer_alike" in ctx.L.columns:
                a = ctx.column("issuer_alike")
                asel = member & (a >= 0)
                if asel.any():
                    idx = np.flatnonzero(asel)
                    acodes, uniq = pd.factorize(a[idx])
                    acodes = acodes.astype(np.intp)
                    _locked(idx, acodes)
                    alike = (idx, acodes, len(uniq), dict(zip(idx.tolist(), acodes.tolist())))
            # per line, its issuer's code where the rule counts it, else a bin of no issuer (n_groups): the sums
            # per issuer then go over every line at once, without picking the members' values
            codes, n_groups = _dense_codes(ctx, "issuer_code")
            mbin = _unlocked(np.where(member, codes, n_groups))
            sbin = None if surely is None else _unlocked(np.where(surely, codes, n_groups))
            _locked(member, loose, surely)
            out = (member, loose, int(np.count_nonzero(member)), surely, alike, (mbin, sbin))
        ctx.memo[key] = out
        return out

    def update(self, st: "GroupState", ch: LineChange) -> bool:
        out = super().update(st, ch)
        if st.alike is not None:
            code = st.alike[3].get(ch.line) if ch.line < st.book.n0 else None
            if code is not None:
                st.alike[2][code] += ch.delta
        return out

    def glance(self, st: "GroupState", level) -> str | None:
        s = super().glance(st, level)
        if s == OK and st.alike is not None:
            allowed = cap_cents(st.book.total[self.p["base"]], self.lim)
            if any(t > allowed for t in st.alike[2]):  # look-alike persons together above the cap: to judge
                return None
        return s

    def peek(self, st: "GroupState", ch: LineChange, level) -> str | None:
        s = super().peek(st, ch, level)
        if s == OK and st.alike is not None:
            allowed = cap_cents(st.book.total[self.p["base"]], self.lim)
            code = st.alike[3].get(ch.line)
            d = ch.delta
            if any((t + d if c == code else t) > allowed for c, t in enumerate(st.alike[2])):
                return None
        return s

    def calm(self, st: "GroupState", line: int, level) -> tuple | None:
        out = super().calm(st, line, level)
        if out is None or st.alike is None or st.n_in == 0:
            return out
        # look-alike persons together within the cap: t + d (the line's person) or t (the others) ≤ ⌊lim·b'⌋
        book = st.book
        base = self.p["base"]
        b = book.total[base]
        e = 1 if book.in_base(line, base) else 0
        num, den = self._num_den
        code = st.alike[3].get(line)
        lo, hi, _, s = out
        rng = (lo, hi)
        for c, t in enumerate(st.alike[2]):
            rng = within(*rng, (den - e * num) if c == code else -e * num, num * b - int(t) * den)
            if rng is None:
                return None
        return (*rng, None, s)

    def calm_all(self, st: "GroupState", level) -> tuple:
        if st.alike is not None:  # look-alike persons: each line's interval found as `calm` finds it
            return None, self._cares_all(st), None, None, None
        return super().calm_all(st, level)

    def calm_new(self, st: "GroupState", nctx: Context, quantity, level):
        out = super().calm_new(st, nctx, quantity, level)
        if not out or st.alike is None:
            return out
        # the look-alike persons' sums stay (a new line is in none of them), the base moves
        b = st.book.total[self.p["base"]]
        e = 1 if st.book.new_in_base(nctx, self.p["base"]) else 0
        num, den = self._num_den
        rng = (out[0], out[1])
        for t in st.alike[2]:
            rng = within(*rng, -e * num, num * b - int(t) * den)
            if rng is None:
                return None
        return (*rng, out[2])

    def judge(self, st: "GroupState") -> RuleResult:
        res = super().judge(st)
        if st.alike is None or res.status == NA or st.book.total[self.p["base"]] <= 0:
            return res
        found = self.alike_findings(st, st.book.total[self.p["base"]], self.lim)
        if found:
            res.findings = sorted(res.findings + found, key=lambda f: (f.status != BREACH, -(f.euros or 0)))
            res.status = worst(f.status for f in res.findings)
        return res

    def alike_findings(self, st: "GroupState", b: int, lim: Fraction) -> list:
        """READING 5: persons whose names look alike without being shown one (no common LEI, not both with
        one) are counted apart; where counting them together would break the cap, the cap is unknown for them."""
        idx, codes, totals, _ = st.alike
        allowed = cap_cents(b, lim)
        over = [g for g, t in enumerate(totals) if t > allowed]
        if not over:
            return []
        ctx, book = st.ctx, st.book
        out = []
        issuers, keys = ctx.column("issuer"), ctx.column("issuer_key")
        for g in over:
            lines = book.live(idx[codes == g])
            names: dict = {}
            for i in lines:
                names.setdefault(keys[i], str(issuers[i]))
            if len(names) < 2:  # only one of the look-alike persons has lines here
                continue
            total = int(totals[g])
            shown = " / ".join(names.values())
            quoted = ", ".join(f"« {n} »" for n in names.values())
            cols = [ctx.colname("lei"), ctx.colname("issuer")]
            out.append(self.finding(
                UNKNOWN_S, shown, sorted(book.rows[lines].tolist()),
                f"à vérifier : même personne morale ? {quoted} se ressemblent sans être identifiés comme une même "
                f"personne ni comme des personnes distinctes ; ensemble {fr_pct_beside(total / b, self.lim_f)} de la "
                f"base ({fr_euros(total)}) pour un plafond de {fr_pct(self.lim_f)} : renseigner « {cols[0]} » "
                f"(LEI de chaque émetteur) ou corriger « {cols[1]} » (lecture L5)",
                value=total / b, limit=self.lim_f, euros=total, columns=cols))
        return out

    def new_member(self, st: GroupState, nctx: Context):
        in_scope, counted = self._scope(nctx)
        if not in_scope[0] or counted[0] == FALSE:
            return None
        issuer = nctx.column("issuer")[0]
        key = _person_key(nctx, 0)
        if key is None:
            return None, int(counted[0]), True, str(nctx.column("label")[0])
        return key, int(counted[0]), False, str(issuer)

    def group_keys(self, st: GroupState) -> dict:
        codes, n_groups = _dense_codes(st.ctx, "issuer_code")
        has = st.ctx.column("issuer_code") >= 0
        first = np.full(n_groups, -1, dtype=np.int64)
        pos = np.flatnonzero(has)[::-1]
        first[codes[pos]] = pos
        return {_person_key(st.ctx, i): g for g, i in enumerate(first.tolist()) if i >= 0}

    def unknown_columns(self, ctx: Context) -> list:
        return [ctx.colname("legal_form")]

    def loose_findings(self, st: GroupState, loose, b, lim) -> list:
        """Lines of a capped category with no issuer (READING 5): unknown, or a breach on their own."""
        out = []
        if len(loose) == 0:
            return out
        ctx, book = st.ctx, st.book
        allowed = cap_cents(b, lim)
        labels = ctx.L["label"].to_numpy()
        loose = np.asarray(loose, dtype=np.intp)
        over = over_cap(book.value[loose], b, lim)
        issuer = ctx.colname("issuer")
        for i, o in zip(loose.tolist(), over):
            v = int(book.value[i])
            label = str(labels[i]) if i < book.n0 else st.subjects[i]
            if o and st.counted_of(i) == TRUE:
                out.append(self.finding(
                    BREACH, label, [book.rows[i]],
                    f"ligne sans émetteur qui dépasse à elle seule {fr_pct(self.lim_f)} de la base : céder "
                    f"{fr_euros(v - allowed)} (et renseigner « {issuer} »)",
                    value=v / b, limit=self.lim_f, amount=v - allowed, action="sell", euros=v,
                    columns=[issuer], line=int(book.rows[i])))
            else:
                out.append(self.finding(
                    UNKNOWN_S, label, [book.rows[i]],
                    f"à vérifier : renseigner « {issuer} » pour le plafond de {fr_limit(self.lim)} par personne morale",
                    value=v / b, limit=self.lim_f, euros=v, columns=[issuer], line=int(book.rows[i])))
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
        if "issuer_alike" in ctx.L.columns:  # READING 5: look-alike persons together within the cap too
            alike = ctx.column("issuer_alike")
            sel = np.flatnonzero(in_scope & (icode >= 0) & (counted != FALSE) & (alike >= 0))
            if len(sel):
                codes, uniq = pd.factorize(alike[sel])
                issuers = ctx.column("issuer")
                k0 = block.n_rows
                block.rows = np.concatenate([block.rows, k0 + codes.astype(np.int64)])
                block.cols = np.concatenate([block.cols, sel])
                block.coefs = np.concatenate([block.coefs, np.ones(len(sel))])
                block.const = np.zeros(k0 + len(uniq))
                block.subjects = list(block.subjects) + [
                    " / ".join(dict.fromkeys(str(issuers[i]) for i in sel[codes == g])) for g in range(len(uniq))]
        return block


class BuildingCap(_GroupCap):
    """R. 623-10-1: at most 5 % per building or real-estate company (READING 6)."""

    kind = "building_cap"
    Params = deferred("constraints.params", "BuildingCapParams")  # the rulebook keys (pydantic: loaded to validate)

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

    def new_member(self, st: GroupState, nctx: Context):
        if not (nctx.base_masks[self.p["base"]] & nctx.cat_mask(self.p["categories"]))[0]:
            return None
        return self._key(nctx, 0, None), TRUE, False, str(self.names(nctx, np.array([0]))[0])

    @staticmethod
    def _key(ctx: Context, i: int, g) -> tuple:
        """A line's building: its building's key, else its issuer's, else the line alone."""
        prop, iss = ctx.column("property")[i], ctx.column("issuer")[i]
        if group_key(prop) is not None:
            return ("p", group_key(prop))
        if group_key(iss) is not None:
            return ("i", group_key(iss))
        return ("l", i if g is None else ("g", g))

    def group_keys(self, st: GroupState) -> dict:
        if st.member is None:
            return {}
        idx = np.flatnonzero(st.member)
        codes = st.code_of[idx]
        first = np.full(st.n_groups, -1, dtype=np.int64)
        first[codes[::-1]] = idx[::-1]
        return {self._key(st.ctx, int(i), g): g for g, i in enumerate(first.tolist()) if i >= 0}

    def names(self, ctx: Context, lines: np.ndarray) -> np.ndarray:
        prop = ctx.column("property")[lines]
        iss = ctx.column("issuer")[lines]
        lab = ctx.column("label")[lines]
        return np.where(pd.notna(prop), prop, np.where(pd.notna(iss), iss, lab))


def _issue_key(isin, quantity_issued) -> str:
    """One issue within an issuer's class (READING 7): its ISIN, else its quantity issued."""
    if isinstance(isin, str) and isin:
        return isin
    return f"\x00{Fraction(quantity_issued) if quantity_issued is not None else None}"


class HoldingCap(Rule):
    """R. 623-10-1: at most 10 % of the securities issued by one issuer (READING 7).

    Per issuer, Σ quantity held / Σ quantity issued over that issuer's
    securities in the portfolio (each security counted once in the
    denominator); this can only overstate the true share.
    """

    kind = "holding_cap"
    Params = deferred("constraints.params", "HoldingCapParams")  # the rulebook keys (pydantic: loaded to validate)

    def _scope(self, ctx: Context):
        pockets = ctx.pocket_mask(self.p.get("pockets", ["reserves"]))
        cats = ctx.cat_mask(self.p["categories"])
        return cats if pockets is None else pockets & cats

    def _hcodes(self, ctx: Context):
        """(a group code per line — issuer and class of securities, READING 7 —, 0 for lines without, the number
        of groups, lines with an issuer)."""
        key = ("holding_codes", self.mkey)
        if key not in ctx.memo:
            icode = ctx.column("issuer_code")
            cls = self.line_class(ctx)
            has_issuer = icode >= 0
            has = has_issuer & (cls >= 0)
            k_cls = max(len(self.classes()), 1)
            lo, hi = _code_range(ctx, "issuer_code") or (None, None)
            if lo is not None and lo >= -1 and hi * k_cls <= 8 * ctx.n + 16:
                # the reader's issuer codes, dense: issuer · classes + class is a group code as it is (groups
                # without lines are empty, and never flagged)
                # (arithmetic in the codes' own integers: numpy's mixed-type loops run several times slower)
                codes = icode.astype(np.intp, copy=False) * k_cls
                codes += cls
                np.multiply(codes, has, out=codes)
                ctx.memo[key] = (codes, max(hi, 0) * k_cls, has_issuer)
            else:
                codes = np.zeros(ctx.n, dtype=np.intp)
                k, uniq = pd.factorize(icode[has].astype(np.int64) * 8 + cls[has])
                codes[has] = k
                ctx.memo[key] = (codes, len(uniq), has_issuer)
        return ctx.memo[key]

    def line_class(self, ctx: Context) -> np.ndarray:
        """Per line, the index of its class in the rulebook's `classes` (equity, debt…), -1 outside them."""
        key = ("holding_class", self.mkey)
        c = ctx.memo.get(key)
        if c is None:
            cat = ctx.cat
            if ctx.n and (int(cat.min()) < 0 or int(cat.max()) >= _N_CATS):  # pragma: no cover - codes 1 to 15
                c = np.full(ctx.n, -1, dtype=np.int8)
                for k, (_name, cats) in enumerate(self.classes()):
                    c[ctx.cat_mask(cats)] = k
            else:  # a class per category code (the last named wins), read in one pass
                table = np.full(_N_CATS, -1, dtype=np.int8)
                for k, (_name, cats) in enumerate(self.classes()):
                    t = category_table(cats)
                    table[slice(None) if t is None else t] = k
                c = np.take(table, cat.astype(np.intp))
            c.flags.writeable = False
            ctx.memo[key] = c
        return c

    def classes(self) -> list:
        cl = self.p.get("classes")
        if not cl:
            return [("titres", self.p["categories"])]
        return list(cl.items())

    def class_name(self, k: int) -> str:
        return self.classes()[k][0]

    def issue_keys(self, ctx: Context, idx: np.ndarray, group: np.ndarray) -> np.ndarray:
        """A key per line of `idx` for its issue: its ISIN, or else its group and quantity issued."""
        isin = ctx.column("isin")[idx]
        qi = ctx.column("quantity_issued", float)[idx]
        return np.array([i if isinstance(i, str) and i else f"\x00{g}\x00{q!r}" for i, g, q in zip(isin, group, qi)],
                        dtype=object)

    def _gframe(self, ctx: Context):
        """(member lines — in scope, with an issuer —, their group code, number of groups, subject and class per
        group, lines in scope without an issuer)."""
        key = ("holding_frame", self.mkey)
        if key in ctx.memo:
            return ctx.memo[key]
        scope = self._scope(ctx)
        icode = ctx.column("issuer_code")
        cls = self.line_class(ctx)
        member = scope & (icode >= 0) & (cls >= 0)
        idx = np.flatnonzero(member)
        raw = icode[idx].astype(np.int64) * 8 + cls[idx]
        codes, uniq = pd.factorize(raw)
        codes = codes.astype(np.int64)
        n_groups = len(uniq)
        out = (idx, codes, n_groups, [int(u) % 8 for u in uniq], np.flatnonzero(scope & (icode < 0)))
        ctx.memo[key] = out
        return out

    def _issued(self, ctx: Context, idx, codes, n_groups, qi):
        """Σ per group of the quantity issued of each issue, counted once (the largest reported for it)."""
        if len(idx) == 0:
            return np.zeros(n_groups)
        isin = ctx.column("isin")
        if _distinct(ctx, "security_code") and not pd.isna(isin[idx]).any():  # one line per ISIN: one issue each
            return np.bincount(codes, weights=qi, minlength=n_groups)
        keys = self.issue_keys(ctx, idx, codes)
        df = pd.DataFrame({"g": codes, "s": keys, "qi": qi})
        df = df.groupby(["g", "s"], sort=False)["qi"].max()
        return np.bincount(df.index.get_level_values(0).to_numpy(), weights=df.to_numpy(), minlength=n_groups)


    def _frame(self, ctx: Context):
        L = ctx.L
        idx = np.flatnonzero(self._scope(ctx))
        q = L["quantity"].to_numpy()[idx]
        qi = L["quantity_issued"].to_numpy()[idx]
        icode = L["issuer_code"].to_numpy()[idx]
        return idx, q, qi, icode

    # ---- state, update, judge (the checker's evaluate is judge(state(ctx)))

    def state(self, ctx: Context) -> "HoldingState":
        """Sums per issuer straight from the issuer codes, over the lines held at once (no grouping of the lines):
        Σ held made again at each check; Σ issued — a fact of the issues, not an amount an order changes — taken
        from the structure while every quantity held is known."""
        st = HoldingState(ctx)
        fr = self._members(ctx)
        st.n_in = fr[0]
        if not st.n_in:
            return st
        _, noissuer, member, idx, gm, issues = fr
        codes, n_groups, _ = self._hcodes(ctx)
        q = ctx.column("quantity", float)[idx]
        st.noissuer = noissuer
        st.keyinfo = (self, ctx)
        with np.errstate(invalid="ignore", over="ignore"):
            known = np.isfinite(q.sum())  # no quantity held missing (NaN) or infinite
        qi_missing = None
        if known:
            qi_missing, I, gmissing, nonpositive, positive, present = self._issued_kept(ctx, fr, n_groups)
            wq = q if qi_missing is None else np.where(qi_missing, 0.0, q)
        else:
            # a line without both quantities counts for 0 and leaves its issuer undecided
            qi = ctx.column("quantity_issued", float)[idx]
            gmissing = np.zeros(n_groups, dtype=bool)
            missing = np.isnan(q) | np.isnan(qi)
            wq, wqi = np.where(missing, 0.0, q), np.where(missing, 0.0, qi)
            gmissing[gm[missing]] = True
            with np.errstate(invalid="ignore"):
                nonpositive = bool(((qi <= 0) & ~missing).any())
            I = self._issued_sums(gm, wqi, issues, n_groups)
            positive = I > 0
            present = None
        Q = np.bincount(gm, weights=wq, minlength=n_groups)
        if present is None:
            if not nonpositive:  # an issuer with lines here has a positive Σ issued, or a gap
                present = positive | gmissing
            else:
                present = np.zeros(n_groups, dtype=bool)
                present[gm] = True
        st.codes, st.member, st.n_groups = codes, member, n_groups
        st.Q, st.I, st.gmissing, st.present = Q, I, gmissing, present
        if known and not nonpositive and qi_missing is None:
            # `HoldingState.scan` in fewer passes: no issuer undecided, every issuer with lines has a Σ issued
            ratio = np.divide(Q, I, out=np.zeros(n_groups), where=positive)
            st._scan = (ratio, np.where(positive, ratio, -1.0), np.zeros(n_groups, dtype=bool))
            st.nflag, st.ctop = 0, None
        return st

    @staticmethod
    def _issued_sums(gm, wqi, issues, n_groups) -> np.ndarray:
        """Σ per group of the quantity issued of each issue, counted once (the largest reported for it)."""
        if issues is None:  # one line per ISIN
            return np.bincount(gm, weights=wqi, minlength=n_groups)
        order, starts, issue_group = issues  # one denominator per issue (READING 7: by ISIN, else issuer, class
        # and quantity issued)
        return np.bincount(issue_group, weights=np.maximum.reduceat(wqi[order], starts), minlength=n_groups)

    def _issued_kept(self, ctx: Context, fr, n_groups: int):
        """(lines held whose quantity issued is missing — None without any —, Σ issued per group, groups with such
        a line, some quantity issued not positive, Σ issued positive per group, groups present) when every quantity
        held is known: made once per structure."""
        key = ("holding_issued", self.mkey)
        out = ctx.memo.get(key)
        if out is None:
            _, _, _, idx, gm, issues = fr
            qi = ctx.column("quantity_issued", float)[idx]
            missing = np.isnan(qi)
            gmissing = np.zeros(n_groups, dtype=bool)
            if missing.any():
                gmissing[gm[missing]] = True
                wqi = np.where(missing, 0.0, qi)
            else:
                missing, wqi = None, qi
            with np.errstate(invalid="ignore"):
                nonpositive = bool(((qi <= 0) if missing is None else ((qi <= 0) & ~missing)).any())
            I = self._issued_sums(gm, wqi, issues, n_groups)
            positive = I > 0
            if not nonpositive:
                present = positive | gmissing
            else:
                present = np.zeros(n_groups, dtype=bool)
                present[gm] = True
            _locked(missing, I, gmissing, positive, present)
            out = ctx.memo[key] = (missing, I, gmissing, nonpositive, positive, present)
        return out

    def _members(self, ctx: Context):
        """(lines in scope, those without an issuer, the mask of those with one, their indices, their group
        codes, their issues — None when each line is its own issue (one line per ISIN), else (the order of the
        lines by issue, where each issue starts in it, the group of each issue) —), made once per structure."""
        key = ("holding_members", self.mkey)
        out = ctx.memo.get(key)
        if out is None:
            scope = self._scope(ctx)
            n_in = int(np.count_nonzero(scope))
            if not n_in:
                out = ctx.memo[key] = (0, None, None, None, None, None)
                return out
            codes, n_groups, has = self._hcodes(ctx)
            noissuer = np.flatnonzero(scope & ~has)
            member = scope & has
            idx = np.flatnonzero(member)
            gm = codes[idx]
            issues = None
            if not (_distinct(ctx, "security_code") and _text_on(ctx, "isin", idx)):
                pair, _ = pd.factorize(pd.MultiIndex.from_arrays([gm, self.issue_keys(ctx, idx, gm)]))
                order = np.argsort(pair, kind="stable")
                sp = pair[order]
                starts = np.flatnonzero(np.r_[True, sp[1:] != sp[:-1]]) if len(sp) else np.zeros(0, np.intp)
                issues = (order, starts, gm[order][starts])
                _locked(*issues)
            _locked(noissuer, member, idx, gm)
            out = ctx.memo[key] = (n_in, noissuer, member, idx, gm, issues)
        return out

    def _line(self, st: "HoldingState", i: int):
        """(issuer group or -1 without issuer, exact quantity, exact quantity issued, security) of a line the rule
        counts, None otherwise."""
        if i >= st.book.n0:
            return st.added.get(i)
        ctx = st.ctx
        if st.scope is None:
            st.scope = self._scope(ctx)
            st.cols = tuple(ctx.column(c) for c in ("quantity_exact", "quantity_issued_exact", "isin", "issuer",
                                                    "label"))
        f = st.facts.get(i)
        if f is None:
            if not st.scope[i]:
                f = None
            elif st.member is None or not st.member[i]:
                f = (-1, None, None, None)
            else:
                qx, qix, isin, issuer, label = st.cols
                f = (int(st.codes[i]), None if qx[i] is None else _whole(qx[i]),
                     None if qix[i] is None else _whole(qix[i]), _issue_key(isin[i], qix[i]))
            st.facts[i] = f
        if f is None or f[0] < 0 or i not in st.q_now:
            return f
        q = st.q_now[i]
        return f[0], None if q is None else _whole(q), f[2], f[3]

    def update(self, st: "HoldingState", ch: LineChange) -> bool:
        i = ch.line
        if ch.new is None and i < st.book.n0:  # a line of the portfolio: its facts, read once
            qa, qb = ch.quantity_after, ch.quantity_before
            if qa is not qb:
                st.q_now[i] = qa
            f = st.facts.get(i, False)
            if f is False:
                f = self._line(st, i)
            if f is None:
                return False
            da = int(ch.alive_after) - int(ch.alive_before)
            st.n_in += da
            g = f[0]
            if g >= 0:
                if not da and ch.alive_after and g in st.exact and qa is not None and qb is not None and \
                        f[2] is not None:
                    # held before and after, its issue counted already: Σ held moves by the difference
                    st.bump(g, qa, qb)
                else:
                    st.refresh(g, self)
            return True
        if ch.new is not None:
            facts = self._new_facts(ch.new)
            if not facts[0]:
                st.added.pop(i, None)
            else:
                _, issuer, key, qi, issue = facts
                if key is None:
                    st.added[i] = (-1, None, None, None)
                else:
                    g = st.group_of(key)
                    st.added[i] = (g, ch.quantity_after, qi, issue)
                    st.subjects[g] = st.subjects.get(g) or issuer
        elif i < st.book.n0 and ch.quantity_after is not ch.quantity_before:
            st.q_now[i] = ch.quantity_after
        elif i in st.added and st.added[i][0] >= 0:
            g, _, qi, sec = st.added[i]
            st.added[i] = (g, ch.quantity_after, qi, sec)
        info = self._line(st, i)
        if ch.dropped:
            st.added.pop(i, None)
        if info is None:
            return False
        st.n_in += int(ch.alive_after) - int(ch.alive_before)
        g = info[0]
        if g >= 0:
            if (ch.new is None and not ch.dropped and ch.alive_before and ch.alive_after and g in st.exact
                    and ch.quantity_before is not None and ch.quantity_after is not None and info[2] is not None):
                # the same line, held before and after, its issue counted already: Σ held moves by the difference
                st.bump(g, ch.quantity_after, ch.quantity_before)
            else:
                st.refresh(g, self)
        return True

    def glance(self, st: "HoldingState", level) -> str | None:
        if st.n_in == 0:
            return NA
        if st.n_groups:
            st.scan()
        return self._quiet(st, st.n_in, st.top_ratio() if st.n_groups and not st.nflag else 0.0, level)

    def peek(self, st: "HoldingState", ch: LineChange, level) -> str | None:
        i = ch.line
        if ch.new is not None or i >= st.book.n0:
            return None
        f = st.facts.get(i)
        if f is None:
            return None
        da = int(ch.alive_after) - int(ch.alive_before)
        n_in = st.n_in + da
        g = f[0]
        if g < 0:  # a line without an issuer: only the count moves
            if st.n_groups:
                st.scan()
            return self._quiet(st, n_in, st.top_ratio() if st.n_groups and not st.nflag else 0.0, level)
        qa, qb = ch.quantity_after, ch.quantity_before
        exact = st.exact.get(g)
        scan = st._scan
        if (da or not ch.alive_after or exact is None or qa is None or qb is None or f[2] is None
                or type(exact[0]) is not int or scan is None or len(scan[0]) != st.n_groups or st.ctop is None):
            return None  # `update` would count the issuer's lines again (`refresh`), or sums not kept: to judge
        a = qa * QUANTITY_SCALE if type(qa) is int else _scaled(qa)
        b = qb * QUANTITY_SCALE if type(qb) is int else _scaled(qb)
        if a is None or b is None:
            return None
        # what `bump` would make of the issuer's ratio, and of the largest concluded ratio
        qf = (exact[0] + a - b) / QUANTITY_SCALE
        ig = st.I.item(g)
        r = qf / ig if ig > 0 else 0.0
        # the largest concluded ratio after, or more (the other issuers are unchanged): enough for the glance,
        # which only asks whether it stays under the limit and the warning level
        top = max(st.ctop, r) if scan[1].item(g) >= 0 else st.ctop
        if n_in == 0:
            return NA
        return self._quiet(st, n_in, top if not st.nflag else 0.0, level)

    def calm(self, st: "HoldingState", line: int, level) -> tuple | None:
        # only the quantity held counts: the line's issuer's ratio after, as `bump` makes it (in floats), is
        # monotone in the quantity after, so that the largest quantity whose ratio stays within the limit and the
        # warning level is found once (by bisection over integer units of 10⁻⁹)
        if line >= st.book.n0:
            return None
        s = self.glance(st, level)
        if s is None:
            return None
        if s == NA:
            return None, None, None, s
        f = st.facts.get(line)
        if f is None:
            return None
        g = f[0]
        if g < 0:
            return None, None, None, s
        exact, scan = st.exact.get(g), st._scan
        if (exact is None or type(exact[0]) is not int or scan is None or len(scan[0]) != st.n_groups
                or st.ctop is None or f[2] is None):
            return None
        info = self._line(st, line)
        qb = None if info is None else info[1]
        b = None if qb is None else _scaled(qb)
        if b is None:
            return None
        ig = st.I.item(g)
        if scan[1].item(g) < 0 or not ig > 0:  # the ratio is not read (issuer not concluded), or is 0
            return None, None, float("inf"), s
        top_ok = self.lim_f - 1e-9
        warn = None if level is None else float(level) * (1 - 1e-9)
        E = exact[0]

        def ok(a: int) -> bool:
            r = ((E + a - b) / QUANTITY_SCALE) / ig
            return not (r > top_ok) and not (warn is not None and r > warn)

        if not ok(b):
            return None
        # from the float estimate of the bound (a few units off at most), outwards by doubling steps, then halving
        thr = top_ok if warn is None else min(top_ok, warn)
        guess = int(thr * ig * QUANTITY_SCALE) - E + b
        if guess > b and not ok(guess):
            hi, step = guess, 1
            while hi - step > b and not ok(hi - step):
                hi -= step
                step *= 2
            lo = max(b, hi - step)
        else:
            lo, step = max(guess, b), 1
            while ok(lo + step):
                lo += step
                step *= 2
                if step > 1 << 200:
                    return None, None, float("inf"), s
            hi = lo + step  # ok(lo), not ok(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                lo = mid
            else:
                hi = mid
        return None, None, Fraction(lo, QUANTITY_SCALE), s

    def _new_facts(self, nctx: Context) -> tuple:
        """(in scope, issuer, (legal person, class) — None without an issuer —, exact quantity issued, issue) of a
        new line, (False,) outside the scope; once per line (an order tried again reads them)."""
        facts = nctx.memo.get(self)
        if facts is None:
            if not self._scope(nctx)[0]:
                facts = (False,)
            else:
                L = nctx.L
                pk = _person_key(nctx, 0)
                qi = L["quantity_issued_exact"].iat[0]
                facts = (True, str(L["issuer"].iat[0]), None if pk is None else (pk, int(self.line_class(nctx)[0])),
                         None if qi is None else Fraction(qi), _issue_key(L["isin"].iat[0], qi))
            nctx.memo[self] = facts
        return facts

    def _calm_ratio(self, level) -> float:
        """The largest ratio `_quiet` lets pass (the cap and the warning level, in floats as it reads them)."""
        thr = self.lim_f - 1e-9
        return thr if level is None else min(thr, float(level) * (1 - 1e-9))

    def calm_all(self, st: "HoldingState", level) -> tuple:
        # a line's quantity may grow while its issuer's ratio stays within the cap and the warning level: per
        # issuer, the room left, Σ issued · threshold − Σ held, less 10⁻¹¹ of it (the sums made again exactly on
        # the line's first change differ from these float sums by far less), rounded down to 10⁻⁹
        scope = self._scope(st.ctx)
        s = self.glance(st, level)
        if s is None:
            return None, scope, None, None, None
        ng = st.n_groups
        if s == NA or not ng or st.member is None:
            return s, None, None, None, None
        _, cratio, _ = st.scan()
        ig, Q = st.I[:ng], st.Q[:ng]
        with np.errstate(invalid="ignore", over="ignore"):
            room = np.floor((self._calm_ratio(level) * ig * (1 - 1e-11) - Q) * QUANTITY_SCALE) - 1
            told = (cratio >= 0) & (ig > 0) & np.isfinite(room)
            room = np.clip(np.where(told, room, 0), -(1 << 61), 1 << 61).astype(np.int64)
        idx = np.flatnonzero(st.member)
        g = st.codes[idx]
        dq = np.full(st.book.n0, CALM_NONE, dtype=np.int64)
        dq[idx] = room[g]
        blocked = np.zeros(st.book.n0, dtype=bool)
        blocked[idx] = ~told[g]
        return s, blocked, None, None, dq

    def calm_new(self, st: "HoldingState", nctx: Context, quantity, level):
        facts = self._new_facts(nctx)
        if not facts[0]:
            return False
        _, _, key, qi, _ = facts
        if key is None or quantity is None or qi is None:
            return None
        if st.n_in == 0:
            if len(st.noissuer) or any(info[0] == -1 for info in st.added.values()):
                return None
        elif self.glance(st, level) is None:
            return None
        thr = self._calm_ratio(level)
        g = st.find(key)
        if g is None:  # a new issuer: its ratio, as the glance after would make it
            fq, fi = float(quantity), float(qi)
            if not fi > 0 or fq / fi > thr:
                return None
        else:  # an issuer of the portfolio: Σ issued only grows by a new issue
            ng = st.n_groups
            _, cratio, _ = st.scan()
            ig = st.I.item(g) if g < ng else 0.0
            if g >= ng or cratio.item(g) < 0 or not ig > 0 or \
                    not st.Q.item(g) + float(quantity) <= thr * ig * (1 - 1e-11):
                return None
        return None, None, OK

    def _quiet(self, st: "HoldingState", n_in: int, top: float, level) -> str | None:
        """`glance` with `n_in` lines counted and `top` the largest concluded ratio (the scan as it stands)."""
        if n_in == 0:
            return NA
        if len(st.noissuer):
            return None
        if st.added:
            for info in st.added.values():
                if info[0] == -1:  # a line added without an issuer
                    return None
        if st.n_groups == 0:
            return OK
        if st.nflag:
            return None
        if top > self.lim_f - 1e-9:
            return None
        if level is not None:
            lv = getattr(self, "_flevel", None)
            if lv is None or lv[0] is not level:  # the warning level as a float, once per level
                lv = self._flevel = (level, float(level) * (1 - 1e-9))
            if top > lv[1]:
                return None
        return OK

    def watch(self, st: "HoldingState", result: RuleResult, level) -> dict:
        if result.status == NA or st.n_groups == 0:
            return {}
        ratio, cratio, _ = st.scan()
        if st.top_ratio() <= float(level) * (1 - 1e-9):
            return {}
        cand = np.flatnonzero(cratio > float(level) * (1 - 1e-9))
        out = {}
        for g in cand.tolist():
            members = self.members(st, g)
            if not members:
                continue
            if g not in st.exact:
                st.refresh(g, self)
            q, i_ = st.held(g), st.exact[g][1]
            share = Fraction(q) / Fraction(i_)
            if level < share <= self.lim:
                subject = st.subject(g, members[0], self)
                out[subject] = (subject, share)
        return out

    def ratios(self, st: "HoldingState") -> dict:
        """Per issuer key (`group_key`), the share of its securities held (READING 7), None where a quantity is
        missing or nothing is issued: what the reports show beside each issuer."""
        if st.n_in == 0 or st.n_groups == 0:
            return {}
        st.group_of("")  # builds the keys of the portfolio's issuers
        ratio, cratio, _ = st.scan()
        present = st.present[:st.n_groups]
        return {k: (float(ratio[g]) if cratio[g] >= 0 else None) for k, g in st.keys.items()
                if k and g < st.n_groups and present[g]}

    def ratios_by_row(self, st: "HoldingState") -> dict:
        """Per row of a line held (of the portfolio), the share of its issue held — its issuer's and class's
        (READING 7) —, None where a quantity is missing or nothing is issued: what the reports show beside each
        issuer, found by the issuer's rows (the key of a legal person may be its LEI, not its name)."""
        if st.n_in == 0 or st.n_groups == 0:
            return {}
        ratio, cratio, _ = st.scan()
        codes, _, has = self._hcodes(st.ctx)
        book = st.book
        lines = book.live(np.flatnonzero(has[:book.n0]))
        g = codes[lines]
        ok = (g < st.n_groups)
        lines, g = lines[ok], g[ok]
        keep = st.present[:st.n_groups][g]
        lines, g = lines[keep], g[keep]
        return {int(r): (float(ratio[k]) if cratio[k] >= 0 else None)
                for r, k in zip(book.rows[lines].tolist(), g.tolist())}

    def subjects_of(self, st: "HoldingState", lines) -> set:
        out = set()
        for i in lines:
            info = self._line(st, i)
            if info is None:
                continue
            if info[0] < 0:
                out.add(("l", int(st.book.rows[i])))
            else:
                members = self.members(st, info[0])
                if members:
                    out.add(st.subject(info[0], members[0], self))
        return out

    def members(self, st: "HoldingState", g: int) -> list:
        """The lines alive of issuer group g, in the book's order."""
        book = st.book
        if st.order is None and st.member is not None:
            idx = np.flatnonzero(st.member)
            order = np.argsort(st.codes[idx], kind="stable")
            st.order = (idx[order], np.searchsorted(st.codes[idx][order], np.arange(st.n_groups + 1)))
        out = []
        if st.order is not None and g < len(st.order[1]) - 1:
            lines, bounds = st.order
            out = [i for i in lines[bounds[g]:bounds[g + 1]].tolist() if book.alive is None or book.alive[i]]
        out += [i for i, _ in book.added() if st.added.get(i, (-1,))[0] == g]
        return out

    def judge(self, st: "HoldingState") -> RuleResult:
        lim = self.lim
        if st.n_in == 0:
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        ctx, book = st.ctx, st.book
        findings = []
        labels = ctx.column("label")
        lonely = book.live(st.noissuer).tolist() + [i for i, _ in book.added() if st.added.get(i, (0,))[0] == -1]
        for i in lonely:
            label = str(labels[i]) if i < book.n0 else str(book.new[i].column("label")[0])
            findings.append(self.finding(UNKNOWN_S, label, [book.rows[i]],
                                         f"à vérifier : renseigner « {ctx.colname('issuer')} » pour le plafond de "
                                         f"{fr_limit(self.lim)} de détention",
                                         columns=[ctx.colname("issuer")], euros=int(book.value[i]),
                                         line=int(book.rows[i])))
        ng = st.n_groups
        Q, I, gmissing = st.Q[:ng], st.I[:ng], st.gmissing[:ng]
        ratio, cratio, sflag = st.scan()
        lim_f = self.lim_f
        top = st.top_ratio() if ng else -1.0
        if st.nflag == 0 and top <= lim_f - 1e-9:  # no issuer to flag, none near or above the cap
            return RuleResult(self.spec, worst(f.status for f in findings) if findings else OK,
                              sorted(findings, key=lambda f: (f.status != BREACH, -(f.value or 0))), max(0.0, top),
                              lim_f)
        over = np.zeros(ng, dtype=bool)
        # issuers with every quantity above the cap; at the boundary, the decision is exact
        for g in np.flatnonzero(cratio > lim_f - 1e-9).tolist():
            over[g] = st.exact_over(g, self) if abs(ratio[g] - lim_f) <= 1e-9 else ratio[g] > lim_f
        flag = sflag | over  # issuers with a quantity missing or nothing issued, or above the cap
        worst_ratio = max(0.0, float(cratio.max())) if ng else 0.0
        if not flag.any():
            return RuleResult(self.spec, worst(f.status for f in findings) if findings else OK,
                              sorted(findings, key=lambda f: (f.status != BREACH, -(f.value or 0))), worst_ratio, lim_f)
        col_q, col_qi = ctx.colname("quantity"), ctx.colname("quantity_issued")
        flagged = [(g, self.members(st, g)) for g in np.flatnonzero(flag).tolist()]
        flagged.sort(key=lambda t: t[1][0] if t[1] else 1 << 62)
        for g, members in flagged:
            if not members:
                continue
            subject = st.subject(g, members[0], self)
            rows = sorted(int(book.rows[i]) for i in members)
            gv = exact_sum(book.value[np.asarray(members, dtype=np.intp)])
            if gmissing[g]:  # (then some quantity is missing)
                miss_rows = sorted(int(book.rows[i]) for i in members if st.missing(i, self))
                findings.append(self.finding(UNKNOWN_S, subject, miss_rows,
                                             f"à vérifier : renseigner « {col_q} » et « {col_qi} »",
                                             columns=[col_q, col_qi], euros=gv))
                continue
            if I[g] <= 0:
                findings.append(self.finding(UNKNOWN_S, subject, rows,
                                             f"quantité émise nulle : renseigner « {col_qi} »", columns=[col_qi]))
                continue
            if over[g]:
                excess_q = Q[g] - lim_f * I[g]
                amount = int(np.ceil(gv * excess_q / Q[g])) if Q[g] > 0 else gv
                titles = f"{excess_q:,.0f}".replace(",", "\u202f")  # only the count: fr_pct/fr_euros use commas
                msg = (f"{fr_pct_beside(float(ratio[g]), lim_f)} des titres émis détenus pour un plafond de {fr_pct(lim_f)} : "
                       f"céder {titles} titres (nominal), soit environ {fr_euros(amount)} (lecture L7 : actions et "
                       "dette comptées à part)")
                findings.append(self.finding(BREACH, subject, rows, msg, value=float(ratio[g]), limit=lim_f,
                                             amount=amount, action="sell", euros=gv))
        findings.sort(key=lambda f: (f.status != BREACH, -(f.value or 0)))
        st_ = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st_, findings, worst_ratio, lim_f)

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
        """Per issuer and class: Σ_j (quantity_j / value_j)·x_j ≤ limit · Σ issued (a constant right-hand side)."""
        idx, codes, n_groups, gclass, _ = self._gframe(ctx)
        q = ctx.column("quantity", float)[idx]
        qi = ctx.column("quantity_issued", float)[idx]
        v = ctx.value[idx] / 100.0
        ok = ~np.isnan(q) & ~np.isnan(qi) & (v > 0)
        idx, q, qi, codes, v = idx[ok], q[ok], qi[ok], codes[ok], v[ok]
        codes2, uniq = pd.factorize(codes)
        n2 = len(uniq)
        I = self._issued(ctx, idx, codes2.astype(np.int64), n2, qi)
        subjects = _first_text(ctx.column("issuer")[idx], codes2.astype(np.int64), n2) if n2 else []
        return LinearBlock(self.id, "<=", codes2.astype(np.int64), idx, q / v, Fraction(0), None,
                           self.lim_f * I, subjects, limit=self.lim)

    def block_issues(self, ctx: Context, block: LinearBlock) -> np.ndarray:
        """Per column of this rule's `linear_form` block, a code of its issue (READING 7: by ISIN, else the
        issuer, class and quantity issued), the unit that leaves the denominator once none of its lines is held."""
        keys = self.issue_keys(ctx, block.cols, block.rows)
        return pd.factorize(pd.MultiIndex.from_arrays([np.asarray(block.rows, dtype=np.int64), keys]))[0]

    def const_held(self, ctx: Context, block: LinearBlock, held: np.ndarray) -> np.ndarray:
        """The right-hand sides of `block` (its `linear_form`) over the issues still held: `held` says, per column,
        whether its line stays held; an issue counts once, while one of its lines does (the checker's denominator)."""
        cols, rows = block.cols[held], np.asarray(block.rows, dtype=np.int64)[held]
        qi = ctx.column("quantity_issued", float)[cols]
        return self.lim_f * self._issued(ctx, cols, rows, block.n_rows, qi)


def _text_on(ctx: Context, column: str, idx: np.ndarray) -> bool:
    """Every line of `idx` has a text in `column`: asked of the whole column first (once per portfolio, without
    picking the lines), of the lines only when some line of the column has none."""
    key = ("all_text", column)
    every = ctx.memo.get(key)
    if every is None:
        every = ctx.memo[key] = _all_text(ctx.column(column))
    return every or _all_text(ctx.column(column)[idx])


def _all_text(a: np.ndarray) -> bool:
    """Every cell is a text (none missing): pandas' type inference stops at the first cell that is not."""
    if a.dtype.kind in "US":
        return True
    if pd.api.types.infer_dtype(a, skipna=False) == "string":
        return True
    return not pd.isna(a).any()


QUANTITY_SCALE = 10**9  # exact sums of quantities in integer units of 10⁻⁹ where they are such multiples


def _scaled(x) -> int | None:
    """An exact quantity (int, Fraction or Decimal) in integer units of 10⁻⁹, None when it is not a whole number of
    them."""
    if type(x) is int:
        return x * QUANTITY_SCALE
    if isinstance(x, Fraction):
        d = x.denominator
        if QUANTITY_SCALE % d:
            return None
        return x.numerator * (QUANTITY_SCALE // d)
    n, d = Fraction(x).as_integer_ratio()
    return None if QUANTITY_SCALE % d else n * (QUANTITY_SCALE // d)


def _whole(x):
    """An exact quantity as an int when whole (fast sums), else a Fraction."""
    if isinstance(x, int):
        return x
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else x
    n, d = x.as_integer_ratio()
    return n if d == 1 else Fraction(n, d)


class HoldingState:
    """The holding cap's state: per issuer, Σ quantity held and Σ per security of the quantity issued (lines with
    both quantities), whether some line lacks one, whether the issuer has lines; exact sums for the issuers an
    order touched."""

    __slots__ = ("ctx", "book", "n_in", "codes", "member", "n_groups", "Q", "I", "gmissing", "present", "noissuer",
                 "q_now", "added", "subjects", "order", "keys", "exact", "_owned", "scope", "cols", "_scan", "facts",
                 "keyinfo", "ctop", "nflag", "crest")

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.book = ctx.book()
        self.n_in = 0
        self.codes = self.member = None
        self.n_groups = 0
        self.Q = self.I = np.zeros(0)
        self.gmissing = self.present = np.zeros(0, dtype=bool)
        self.noissuer = np.zeros(0, dtype=np.intp)
        self.q_now: dict = {}  # line -> exact quantity after the orders
        self.added: dict = {}  # new line -> (issuer group or -1, quantity, quantity issued, security)
        self.subjects: dict = {}  # new issuer group -> its name as written
        self.order = None
        self.keys = None
        self.exact: dict = {}  # group -> (Σ held, Σ issued) exact, for the groups recomputed
        self._owned = False
        self.scope = self.cols = None  # the lines in scope and the columns read, when first asked
        self._scan = None
        self.ctop = None  # the largest concluded ratio (-1 without any), None when to be computed
        self.crest = None  # `moved_max`'s memory of the group that last rose to the top
        self.nflag = 0  # issuers to flag whatever their ratio (a quantity missing, nothing issued)
        self.facts: dict = {}  # line -> (group, quantity, quantity issued, security) as the portfolio gives them
        self.keyinfo = None  # (the rule, the context): the key of each group, (legal person, class)

    def own(self, extra: int = 0) -> None:
        if not self._owned or self.n_groups + extra > len(self.Q):
            cap = max(len(self.Q), self.n_groups) * 2 + 16
            for name, dtype in (("Q", float), ("I", float), ("gmissing", bool), ("present", bool)):
                arr = getattr(self, name)
                grown = np.zeros(cap, dtype=dtype)
                grown[:len(arr)] = arr
                setattr(self, name, grown)
            self._owned = True

    def group_of(self, key: str) -> int:
        """The issuer group of a key (a new group for an issuer the portfolio does not have)."""
        if self.keys is None:
            self._build_keys()
        g = self.keys.get(key)
        if g is None:
            self.own(1)
            g = self.keys[key] = self.n_groups
            self.n_groups += 1
        return g

    def find(self, key):
        """The issuer group of a key, None for an issuer the portfolio does not have (no group made)."""
        if self.keys is None:
            self._build_keys()
        return self.keys.get(key)

    def _build_keys(self) -> None:
        ctx = self.ctx
        self.keys = {}
        if ctx.n and self.keyinfo is not None:
            rule, _ = self.keyinfo
            codes, n_groups, has = rule._hcodes(ctx)
            cls = rule.line_class(ctx)
            sel = has & (cls >= 0)
            first = np.full(max(n_groups, 1), -1, dtype=np.int64)
            pos = np.flatnonzero(sel)[::-1]
            first[codes[pos]] = pos
            self.keys = {(_person_key(ctx, i), int(cls[i])): g for g, i in enumerate(first.tolist()) if i >= 0}
            self.n_groups = max(self.n_groups, n_groups)

    def missing(self, i: int, rule: "HoldingCap") -> bool:
        info = rule._line(self, i)
        return info is not None and (info[1] is None or info[2] is None)

    def subject(self, g: int, first: int, rule: "HoldingCap") -> str:
        if first < self.book.n0:
            return str(self.ctx.column("issuer")[first])
        return self.subjects.get(g, "")

    def refresh(self, g: int, rule: "HoldingCap") -> None:
        """Σ held and Σ issued of issuer group g again, exactly, from its lines alive."""
        self.own()
        members = rule.members(self, g)
        Q = 0
        per_sec: dict = {}
        missing = False
        for i in members:
            _, q, qi, sec = rule._line(self, i)
            if q is None or qi is None:
                missing = True
                continue
            Q += q
            per_sec[sec] = max(per_sec.get(sec, 0), qi)
        I = sum(per_sec.values(), 0)
        scaled = _scaled(Q)
        self.exact[g] = (Q if scaled is None else scaled, I)
        self.Q[g], self.I[g] = float(Q), float(I)
        self.gmissing[g] = missing
        self.present[g] = bool(members)
        self._rescan(g)

    def held(self, g: int):
        """Σ held of issuer group g, exact (int or Fraction), for a group recomputed."""
        Q = self.exact[g][0]
        return Fraction(Q, QUANTITY_SCALE) if type(Q) is int else Q

    def bump(self, g: int, after, before) -> None:
        """Σ held of issuer group g moved from a line's quantity `before` to `after` (exact), Σ issued unchanged (a
        line held before and after). Sums in integer units of 10⁻⁹ while the quantities are such multiples."""
        Q, I = self.exact[g]
        if type(Q) is int:
            a = after * QUANTITY_SCALE if type(after) is int else _scaled(after)
            b = before * QUANTITY_SCALE if type(before) is int else _scaled(before)
            if a is not None and b is not None:
                Q += a - b
                self.exact[g] = (Q, I)
                qf = Q / QUANTITY_SCALE  # correctly rounded
                self.Q[g] = qf
                scan = self._scan
                if scan is None or len(scan[0]) != self.n_groups:
                    self._scan = None
                    return
                # Σ issued, a quantity missing, lines present: unchanged, so is whether the group is concluded
                ratio, cratio, _ = scan
                ig = self.I.item(g)
                r = qf / ig if ig > 0 else 0.0
                ratio[g] = r
                c0 = cratio.item(g)
                if c0 >= 0:
                    cratio[g] = r
                    self.ctop, self.crest = moved_max(self.ctop, self.crest, g, c0, r)
                return
            Q = Fraction(Q, QUANTITY_SCALE)
        Q = Q + _whole(after) - _whole(before)
        scaled = _scaled(Q)
        self.exact[g] = (Q if scaled is None else scaled, I)
        self.Q[g] = float(Q)
        self._rescan(g)

    def scan(self):
        """(ratio held / issued per issuer — 0 when nothing is issued —, that ratio for the issuers it concludes —
        every quantity known — and -1 for the others, issuers to flag whatever the ratio: a quantity missing or
        nothing issued), kept up to date by `refresh`."""
        if self._scan is None or len(self._scan[0]) != self.n_groups:
            ng = self.n_groups
            Q, I, gmissing, present = self.Q[:ng], self.I[:ng], self.gmissing[:ng], self.present[:ng]
            positive = I > 0
            ratio = np.divide(Q, I, out=np.zeros(ng), where=positive)
            concluded = positive & ~gmissing & present
            self._scan = (ratio, np.where(concluded, ratio, -1.0), present & (gmissing | ~positive))
            self.ctop = None
            self.nflag = int(np.count_nonzero(self._scan[2]))
        return self._scan

    def top_ratio(self) -> float:
        """The largest concluded ratio (-1.0 without any issuer concluded), kept by `_rescan`."""
        cratio = self.scan()[1]
        if self.ctop is None:
            self.ctop, self.crest = (float(cratio.max()) if len(cratio) else -1.0), None
        return self.ctop

    def _rescan(self, g: int) -> None:
        if self._scan is None or len(self._scan[0]) != self.n_groups:
            self._scan = None
            return
        ratio, cratio, sflag = self._scan
        Qg, Ig, miss, present = self.Q.item(g), self.I.item(g), self.gmissing.item(g), self.present.item(g)
        positive = Ig > 0
        r = Qg / Ig if positive else 0.0
        c0, f0 = cratio.item(g), sflag.item(g)
        c1 = r if positive and not miss and present else -1.0
        f1 = present and (miss or not positive)
        ratio[g], cratio[g], sflag[g] = r, c1, f1
        self.nflag += int(f1) - int(f0)
        self.ctop, self.crest = moved_max(self.ctop, self.crest, g, c0, c1)

    def exact_over(self, g: int, rule: "HoldingCap") -> bool:
        if g in self.exact:
            return self.held(g) > rule.lim * self.exact[g][1]
        members = rule.members(self, g)
        return rule._exact_over(self.ctx.L, np.asarray(members, dtype=np.intp), rule.lim)


for _cls in (LineConditions, Share, IssuerCap, BuildingCap, HoldingCap):
    register(_cls)


def build(version: Version, day: dt.date | None = None) -> list[RuleKind]:
    """The rule objects of a version, one per entry, of the kind it names, with the parameters in force on `day`
    (without a day: the latest of the version)."""
    return [KINDS[spec.kind](spec.at(day)) for spec in version.rules]


__all__ = ["Rule", "Context", "RuleResult", "Finding", "LinearBlock", "build", "worst",
           "OK", "BREACH", "UNKNOWN_S", "NA", "CAT_IFT", "CAT_OTHER"]
