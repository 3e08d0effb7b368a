"""Rule kinds: one small object per rule of the rulebook, holding every use of its logic.

A rulebook entry names its `kind:` (`share`, `line_conditions`, `issuer_cap`…);
the kind is a subclass of `RuleKind`, registered under that name with
`@register`, and it is the only place where what the rule counts, how it groups
the lines and how it judges them is written. Four consumers use it and none of
them writes the rule again:

- **the checker** calls `evaluate(ctx)`, which is, by definition,
  `judge(state(ctx))`: the checker and the pre-trade engine cannot disagree;
- **the pre-trade engine** calls `state(ctx)` once on the loaded portfolio,
  then, for each line an order changes, `update(state, change)` with a
  `LineChange` (undone by `update(state, change.inverse())`), and
  `judge(state)` for the verdict after (`glance(state, level)` first: a
  status told by integer comparisons when the rule is quiet, no judging
  then). An order only tried (`try_order`) is first asked of the rules that
  count its line with `peek(state, change, level)`: what `glance` would
  answer after the update, the state left as it is; when every rule touched
  is quiet that way, nothing is updated nor undone; before that, `calm(state, line,
  level)` gives the changes of that line within which the rule stays quiet with
  its status, so that the next orders on it are told by comparisons; `calm_all(state,
  level)` gives them for every line at once (vectorised, on the state as loaded: a
  line's first order is told that way too), and `calm_new(state, nctx, quantity,
  level)` those of an order that adds a line. `ctx.book()` is the line table every
  state of one portfolio shares (values, alive lines, rows, the totals of each
  base): the engine applies a change to the book once, then to each rule's
  state;
- **the optimizer** calls `linear_form(ctx)`: a `LinearBlock` of rows
  Σ A·x (≤ or ≥) share·Σ base·x + const over the line values x, as
  cvxportfolio's constraint objects are; `block.tighten(margin)` gives the
  rows with a safety margin, `block.soft()` the same rows with one slack per
  row (priced in euros: `block.euro_scale()`), for the elastic model that
  explains an infeasible problem;
- **the reports** call `figures(state, result)`: the value, the limit, the
  headroom and the top groups of the rule (`Figures`), never recomputed.

A kind declares its rulebook keys in `Params`, a pydantic model (unknown keys
are refused): the rulebook validates every entry when a version is loaded, and
a wrong key is refused with the file, the rule and the key named. A kind may
name its model with `deferred(module, name)` (the R. 623 kinds' are in
`constraints/params.py`), so that pydantic loads only when a version file is
validated: the rulebook keeps what it validated, keyed by the file's bytes
and the code (`constraints.rulebook`), and a check reads that.

Grouping keys (issuer, building, security) are built once, by
`reserves.portfolio.keys.grouping_codes`, for the reader, the orders, the
optimizer and the rules alike.

To add a kind (R. 139's, for instance): subclass `RuleKind` in its own module
of `constraints/`, give it `kind = "…"`, its `Params`, `state`, `update`,
`judge` (and `linear_form`, `figures` where it has them), decorate it with
`@register`, and import the module in `constraints/kinds.py`. Limits are
compared exactly: values are integer cents, limits fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar

import numpy as np


if TYPE_CHECKING:  # pragma: no cover
    from pydantic import BaseModel

    from .rulebook import RuleSpec, Version

OK, BREACH, UNKNOWN_S, NA = "ok", "breach", "unknown", "not_applicable"

# `update`'s answer for a line the rule counts only through the total of its base: the state did not change, the
# result may (a share of the base). Truthy, as True: a caller that only asks « did the result change? » reads it so.
BASE = 2
_RANK = {NA: 0, OK: 1, UNKNOWN_S: 2, BREACH: 3}


def worst(statuses) -> str:
    """The worst of some statuses (breach > unknown > ok > not_applicable)."""
    out = NA
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


def euros(cents: int | None) -> float | None:
    return None if cents is None else int(cents) / 100


# --------------------------------------------------------------------------- results


@dataclass
class Finding:
    rule: str
    status: str  # breach | unknown
    subject: str
    rows: list
    message: str
    value: object = None  # a share of the base, or the offending cell's value
    limit: object = None
    amount: int | None = None  # cents to sell (cap, ineligible line) or to buy (floor)
    action: str | None = None  # sell | buy
    euros: int | None = None  # the group's or the line's value, cents
    columns: list = field(default_factory=list)  # columns to fill (unknown)
    article: str = ""
    line: int | None = None  # the row of the line, when the finding's subject is one line (not a group)

    def to_dict(self) -> dict:
        d = {"rule": self.rule, "status": self.status, "article": self.article, "subject": self.subject,
             "value": self.value, "limit": self.limit, "rows": [int(r) for r in self.rows],
             "euros": euros(self.euros), "message": self.message}
        if self.amount is not None:
            d["action"] = self.action
            d["amount"] = euros(self.amount)
            d["to_sell" if self.action == "sell" else "to_buy"] = euros(self.amount)
        if self.columns:
            d["columns"] = list(self.columns)
        return d


@dataclass
class RuleResult:
    spec: "RuleSpec"
    status: str
    findings: list
    value: float | None = None  # the rule's figure: a share, or the largest group share
    limit: float | None = None
    headroom: int | None = None  # cents that may still go to the capped set (or above the floor)
    figure: int | None = None  # euros behind `value`, cents
    note: str = ""

    def to_dict(self, version: "Version") -> dict:
        d = {"id": self.spec.id, "status": self.status, "article": self.spec.article, "title": self.spec.title,
             "version": version.id, "value": self.value, "limit": self.limit,
             "euros": euros(self.figure), "headroom": euros(self.headroom),
             "breaches": sum(f.status == BREACH for f in self.findings),
             "unknowns": sum(f.status == UNKNOWN_S for f in self.findings)}
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class GroupFigure:
    """One group of a cap per group as a report shows it."""

    subject: str
    rows: list
    euros: int  # cents (worst case: lines of unknown status included)
    share: float | None
    headroom: int  # cents left under the cap (negative beyond it)
    status: str
    loose: bool = False  # a line counted alone, in no group (an issuer's line without its issuer)


@dataclass
class Figures:
    """What a report shows of a rule: its value against its limit, the room left, its largest groups."""

    rule: str
    sense: str  # max | min | none (a rule without a limit: line conditions)
    value: float | None  # a share of the base (the largest group's, for a cap per group)
    limit: float | None
    headroom: int | None  # cents: room left under a cap or above a floor (negative when broken)
    euros: int | None  # cents behind `value`
    base: int | None  # cents of the base the shares divide
    groups: list = field(default_factory=list)  # [GroupFigure], largest first


# --------------------------------------------------------------------------- linear forms


def tightened(limit: Fraction, sense: str, margin) -> Fraction:
    """A limit with a safety margin: a cap (`<=`, or a rule's `max`) lowered by it, a floor (`>=`, `min`) raised.
    The one place the margin's formula is written: the optimizer's rows (`LinearBlock.tighten`) and the check of a
    proposal against its margins (`RuleSpec.with_margin`) both apply it."""
    m = Fraction(margin)
    if sense in ("<=", "max"):
        return limit - m
    if sense in (">=", "min"):
        return limit + m
    raise ValueError(f"sense of a limit: <=, >=, max or min, not {sense!r}")


@dataclass
class LinearBlock:
    """Rows `k` of: Σ_j A[k, j]·x_j  (sense)  share · Σ_j base_j·x_j + const_k, with x the line values in euros.

    Homogeneous in the total whenever `const` is zero, so that a new total
    (cash in or out) leaves the form unchanged. A block with `share` 0 has a
    constant right-hand side (the holding cap: quantities, not euros). `limit`
    is the rule's limit; `margin` the safety margin already applied
    (`tighten`); `slack` says the rows are soft, one slack each (`soft`).
    """

    rule: str
    sense: str  # "<=" or ">="
    rows: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    share: Fraction
    base: np.ndarray | None  # bool mask of the lines in the base, or None
    const: np.ndarray
    subjects: list
    limit: Fraction | None = None
    margin: Fraction = Fraction(0)
    slack: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.subjects)

    def tighten(self, margin) -> "LinearBlock":
        """The same rows with a safety margin (a share: 0.01 keeps a 20 % cap at 19 %, a 34 % floor at 35 %).

        A share row moves its share by the margin; a row with a constant
        right-hand side (quantities) scales it by (limit ∓ margin) / limit.
        """
        m = Fraction(margin)
        if m == 0:
            return self
        if self.share != 0:
            return replace(self, share=tightened(self.share, self.sense, m), margin=self.margin + m)
        lim = self.limit
        if lim is None or lim == 0:
            raise ValueError(f"{self.rule}: a margin on rows with a constant right-hand side needs the limit")
        factor = float(tightened(lim, self.sense, m) / lim)
        return replace(self, const=np.asarray(self.const, dtype=float) * factor, margin=self.margin + m)

    def euro_scale(self) -> np.ndarray:
        """Euros per unit of each row: 1 for rows in euros; for rows in quantities, the euros of the unit of the
        largest coefficient (so that slacks of all rows are priced alike)."""
        k = self.n_rows
        if self.share != 0 or self.base is not None or len(self.coefs) == 0:
            return np.ones(k)
        maxcoef = np.zeros(k)
        np.maximum.at(maxcoef, np.asarray(self.rows, dtype=np.int64), np.abs(np.asarray(self.coefs, dtype=float)))
        return np.where(maxcoef > 0, 1.0 / np.where(maxcoef > 0, maxcoef, 1.0), 1.0)

    def soft(self) -> "LinearBlock":
        """The same rows, each with one non-negative slack (priced by `euro_scale`) that may relax it."""
        return replace(self, slack=True)

    def value_at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(left-hand side, right-hand side) of each row at the line values `x` (euros)."""
        import scipy.sparse as sp

        n = len(x)
        F = sp.csr_matrix((np.asarray(self.coefs, dtype=float), (self.rows, self.cols)), shape=(self.n_rows, n))
        lhs = F @ x
        b = float(x[self.base].sum()) if self.base is not None else 0.0
        rhs = float(self.share) * b + np.asarray(self.const, dtype=float)
        return lhs, rhs


def within(lo, hi, k: int, r: int):
    """The integers d with lo ≤ d ≤ hi (None: no bound) and k·d ≤ r, as (lo, hi); None when there are none. Exact
    (integers only): the constraints a kind's `calm` interval is the intersection of."""
    if k > 0:
        top = r // k
        hi = top if hi is None else min(hi, top)
    elif k < 0:
        bottom = -(r // -k)  # ⌈r / k⌉ for k < 0
        lo = bottom if lo is None else max(lo, bottom)
    elif r < 0:
        return None
    if lo is not None and hi is not None and lo > hi:
        return None
    return lo, hi


# `calm_all`'s bound for « no bound »: an interval's end beyond it is kept at it (the prudent side: an order beyond
# ±2⁶² cents is judged)
CALM_NONE = 1 << 62


def within_all(lo: np.ndarray, hi: np.ndarray, k, r) -> tuple[np.ndarray, np.ndarray]:
    """`within` for many lines at once: per line, the integers d with lo ≤ d ≤ hi and k·d ≤ r (int64 arrays, or
    scalars for k and r); a line left without any has lo = CALM_NONE > hi = -CALM_NONE. Exact (integer floor
    divisions): the caller keeps k·d and r within int64's reach."""
    k = np.asarray(k, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    q = np.floor_divide(r, np.where(k == 0, 1, np.abs(k)))  # ⌊r / |k|⌋
    hi = np.where(k > 0, np.minimum(hi, q), hi)  # k > 0: d ≤ ⌊r / k⌋
    lo = np.where(k < 0, np.maximum(lo, -q), lo)  # k < 0: d ≥ ⌈r / k⌉ = -⌊r / |k|⌋
    none = (k == 0) & (r < 0)
    if none.any():
        lo, hi = np.where(none, CALM_NONE, lo), np.where(none, -CALM_NONE, hi)
    return lo, hi


def calm_bound(x, low: bool) -> int:
    """A bound of a `within` interval (None: no bound) as `calm_all` keeps it: within ±CALM_NONE."""
    if x is None:
        return -CALM_NONE if low else CALM_NONE
    return max(x, -CALM_NONE) if low else min(x, CALM_NONE)


# --------------------------------------------------------------------------- the line table of the states


# Pocket classes of a line: 0 reserves in the base, 1 reserves left out of the base (excluded cash), 2 gestion
# (3, like the checker's tally, is never used for a line). The totals a base name sums.
BASE_CLASSES = {"reserves": (0, 1), "reserves_less_excluded": (0,), "excluded": (1,), "gestion": (2, 3),
                "all": (0, 1, 2, 3)}


class LineChange:
    """What an order does to one line of a state: its value and quantity before and after, alive or not.

    `new` is the one-line `Context` of a line the order adds (its index is then
    `book.n` before the change): the kinds read its facts there. `inverse()`
    undoes the change (a new line stays in the book, dead, until the book is
    cut back with `Book.truncate`). `delta` is the change of the line's
    contribution to any sum of values, cents. Not to be changed once made.
    """

    __slots__ = ("line", "value_before", "value_after", "alive_before", "alive_after", "quantity_before",
                 "quantity_after", "new", "row", "dropped", "delta")

    def __init__(self, line: int, value_before: int, value_after: int, alive_before: bool, alive_after: bool,
                 quantity_before=None, quantity_after=None, new=None, row: int | None = None, dropped: bool = False):
        self.line = line
        self.value_before = value_before
        self.value_after = value_after
        self.alive_before = alive_before
        self.alive_after = alive_after
        self.quantity_before = quantity_before  # exact (int or Fraction), None when unknown
        self.quantity_after = quantity_after
        self.new = new  # the line's one-line Context, for a line added
        self.row = row  # the new line's row
        self.dropped = dropped  # the undoing of a line added: the states forget it
        self.delta = (value_after if alive_after else 0) - (value_before if alive_before else 0)

    def __repr__(self) -> str:
        return (f"LineChange(line={self.line}, value_before={self.value_before}, value_after={self.value_after}, "
                f"alive_before={self.alive_before}, alive_after={self.alive_after})")

    def inverse(self) -> "LineChange":
        return LineChange(self.line, self.value_after, self.value_before, self.alive_after, self.alive_before,
                          self.quantity_after, self.quantity_before, None, self.row, self.new is not None)


# the bases whose total a line of each pocket class is in
_NAMES_OF_CLASS = tuple(tuple(name for name, classes in BASE_CLASSES.items() if pc in classes) for pc in range(4))


class Book:
    """The lines every state of one portfolio reads: value, alive, row, pocket class; the count and total of each
    base. On a checker's context these are the context's own arrays (nothing is copied); `apply` copies them on
    its first change and grows them for new lines."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.n = ctx.n
        self.n0 = ctx.n
        self.value = ctx.value  # read-only until the first change
        self.rows = ctx.rows
        self.alive: np.ndarray | None = None  # None: every line alive
        self._pclass = None
        self.count = {k: ctx.tally(None, k)[0] for k in BASE_CLASSES}
        self.total = {k: ctx.total(k) for k in BASE_CLASSES}
        self.new: dict = {}  # line -> one-line Context of the lines added
        self._writable = False

    @property
    def pclass(self) -> np.ndarray:
        if self._pclass is None:
            ctx = self.ctx
            pc = np.where(ctx.gestion, 2, np.where(ctx.excluded, 1, 0)).astype(np.int8)
            self._pclass = pc
        return self._pclass

    def _own(self) -> None:
        if self._writable:
            return
        cap = max(16, self.n + 16)
        for name, dtype, fill in (("value", np.int64, 0), ("rows", np.int64, 0)):
            arr = np.full(cap, fill, dtype=dtype)
            arr[:self.n] = getattr(self, name)
            setattr(self, name, arr)
        alive = np.zeros(cap, dtype=bool)
        alive[:self.n] = True
        self.alive = alive
        pc = np.zeros(cap, dtype=np.int8)
        pc[:self.n] = self.pclass
        self._pclass = pc
        self._writable = True

    def _grow(self) -> None:
        if self.n < len(self.value):
            return
        for name in ("value", "rows", "alive", "_pclass"):
            arr = getattr(self, name)
            grown = np.zeros(len(arr) * 2, dtype=arr.dtype)
            grown[:len(arr)] = arr
            setattr(self, name, grown)

    def apply(self, ch: LineChange) -> None:
        """Record a change in the line table and the totals (before the states see it)."""
        if not self._writable:
            self._own()
        i = ch.line
        if ch.new is not None:
            if i != self.n:
                raise ValueError("a new line is appended at the end of the book")
            self._grow()
            nctx = ch.new
            self.value[i] = 0
            self.alive[i] = False
            self.rows[i] = ch.row if ch.row is not None else int(nctx.rows[0])
            self._pclass[i] = self.class_of(nctx)
            self.new[i] = nctx
            self.n += 1
        d = ch.delta
        dn = int(ch.alive_after) - int(ch.alive_before)
        total, count = self.total, self.count
        for name in _NAMES_OF_CLASS[self._pclass[i]]:
            total[name] += d
            if dn:
                count[name] += dn
        self.value[i] = ch.value_after
        self.alive[i] = ch.alive_after

    def undo(self, ch: LineChange) -> None:
        """Take back `apply(ch)` of a change of a line of the portfolio (not a line added), at once: what
        `apply(ch.inverse())` does, without making the inverse."""
        i = ch.line
        d = -ch.delta
        dn = int(ch.alive_before) - int(ch.alive_after)
        total, count = self.total, self.count
        for name in _NAMES_OF_CLASS[self._pclass[i]]:
            total[name] += d
            if dn:
                count[name] += dn
        self.value[i] = ch.value_before
        self.alive[i] = ch.alive_before

    def truncate(self, n: int) -> None:
        """Forget the lines added from index `n` on (they must be dead: undone)."""
        for i in range(n, self.n):
            self.new.pop(i, None)
        self.n = max(self.n0, min(self.n, n))

    @staticmethod
    def class_of(nctx) -> int:
        """The pocket class of a new line (its one-line `Context`)."""
        return 2 if nctx.gestion[0] else 1 if nctx.excluded[0] else 0

    @staticmethod
    def new_in_base(nctx, base: str) -> bool:
        """A new line's value is in the total of base `base`."""
        return base in _NAMES_OF_CLASS[Book.class_of(nctx)]

    def in_bases(self, base: str) -> np.ndarray:
        """Per line of the portfolio, its value is in the total of base `base`."""
        return np.isin(self.pclass[:self.n0], BASE_CLASSES[base])

    def in_base(self, i: int, base: str) -> bool:
        """Line i's value is in the total of base `base` (its pocket class is one the base sums)."""
        return base in _NAMES_OF_CLASS[self.pclass.item(i)]

    def live(self, idx: np.ndarray) -> np.ndarray:
        """The lines of `idx` still alive."""
        if self.alive is None:
            return idx
        return idx[self.alive[idx]]

    def added(self) -> list:
        """(line, one-line Context) of the new lines alive, in order."""
        if not self.new:
            return []
        return [(i, c) for i, c in sorted(self.new.items()) if i < self.n and self.alive[i]]


# --------------------------------------------------------------------------- the base of every kind


class RuleKind:
    """A kind of rule: the base of every kind (see the module's documentation).

    Subclasses set `kind` (the rulebook's name) and `Params` (a pydantic model of
    the entry's keys), and implement `state`, `update` and `judge`; `evaluate`
    is `judge(state(ctx))`. `linear_form` and `figures` have defaults for kinds
    without linear rows or groups.
    """

    kind: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel] | None] = None

    def __init__(self, spec: "RuleSpec"):
        self.spec = spec
        self.id = spec.id
        self.p = spec.params
        self.lim = spec.limit() if "limit" in spec.params else None
        self.lim_f = None if self.lim is None else float(self.lim)

    # ---- the checker

    def evaluate(self, ctx) -> RuleResult:
        """The rule on a portfolio: `judge(state(ctx))`."""
        return self.judge(self.state(ctx))

    # ---- the pre-trade engine

    def state(self, ctx):
        """What the verdict depends on, computed on a portfolio (aggregates, not lines where possible)."""
        raise NotImplementedError(f"{type(self).__name__}.state")

    def update(self, state, change: LineChange) -> bool:
        """Change the state for one line's change (the book already holds it); False when the rule's result
        cannot have changed (the line is outside everything the rule counts), `BASE` when the line counts only
        through the total of the rule's base (the state is unchanged), True otherwise. The answer for a line of
        the portfolio is the same for every change of it: the engine hands a line's next changes only to the
        rules that answered True, and takes the others' answer as given."""
        raise NotImplementedError(f"{type(self).__name__}.update")

    def judge(self, state) -> RuleResult:
        """The rule's result from its state."""
        raise NotImplementedError(f"{type(self).__name__}.judge")

    def glance(self, state, level) -> str | None:
        """The rule's status when it is quiet — `judge` would give no finding, and `watch` (at the warning level
        `level`, None for a rule without a limit) no subject —, told cheaply (integer comparisons of the sums
        the state keeps); None otherwise, or when it cannot be told cheaply (the engine then judges the rule).
        The default: None."""
        return None

    def peek(self, state, change: LineChange, level) -> str | None:
        """What `glance` would answer after `update(state, change)`, without changing the state: the book already
        holds the change, the state not. Asked only for a line of the portfolio the rule counts (its `update`
        answered True for an earlier change of it). None when it cannot be told cheaply, or when the rule would
        not be quiet: the engine then makes the change and judges. Never a status where `glance` after the
        update would answer None. The default: None."""
        return None

    def calm(self, state, line: int, level) -> tuple | None:
        """The changes of line `line` of the portfolio (alive before and after; its rules known: an earlier change of
        it was handed to `update`) that leave the rule quiet with the status `glance` gives now, as
        (lo, hi, qmax, status): every change whose value delta d, in cents, is within lo ≤ d ≤ hi (None: no bound) and,
        when `qmax` is not None, whose quantity after is known and at most `qmax` (exact), is one after which
        `glance` would answer the status it answers now, `status` — the state as it stands, none of it changed. An order
        within it is then told by a comparison and, where there is a quantity, one more (`Engine.try_order`).
        None when the rule is not quiet now, or the interval cannot be told exactly. The interval holds while the
        state stays as it is (the engine asks again after an order made). The default: None."""
        return None

    def calm_all(self, state, level) -> tuple | None:
        """`calm` of every line of the portfolio at once, on the state as `state(ctx)` made it (no change handed to
        it yet), vectorised: (status, blocked, lo, hi, dq). `status` is what `glance` answers now (None: the rule
        is not quiet); `blocked` (a bool per line, or None) the lines the rule counts whose changes it cannot tell
        calm (every line it counts when it is not quiet); `lo`, `hi` (int64 per line, ±CALM_NONE for no bound, or
        None) the changes d of each line, cents, within which it stays quiet with its status; `dq` (int64 per
        line, or None) the most each line's quantity may grow, in units of 10⁻⁹ (CALM_NONE: no bound). Lines the
        rule does not count (its `update` would answer False) are left unbounded. An interval may be narrower
        than `calm`'s, never wider. None: not told (the engine then finds every line's interval as `calm` does).
        The default: None."""
        return None

    def calm_new(self, state, nctx, quantity, level):
        """The orders that add line `nctx` (a one-line `Context`, quantity held `quantity`, exact or None) with a
        value d > 0 after which the rule is quiet, as (lo, hi, status): lo ≤ d ≤ hi (None: no bound), `status`
        what `glance` would then answer (the state as it stands, none of it changed); False when the rule does
        not count such a line at all (its `update` would answer False); None when it cannot be told, or the rule
        would not be quiet. The default: None."""
        return None

    def watch(self, state, result: RuleResult, level) -> dict:
        """Subjects within the limit but beyond the warning level `level` (a share): {key: (subject, share)},
        keyed as the engine keys findings (a line's row, else the subject)."""
        return {}

    def subjects_of(self, state, lines) -> set:
        """Keys of the subjects these lines (of the book) are in."""
        return set()

    # ---- the optimizer

    def linear_form(self, ctx) -> LinearBlock | None:
        """The rule as linear rows over the line values (None: no rows, e.g. line conditions)."""
        return None

    def line_status(self, ctx):
        """(lines the rule speaks of, tri-state per line) for rules about each line; None otherwise."""
        return None

    # ---- the reports

    def figures(self, state, result: RuleResult | None = None, top: int = 20) -> Figures:
        """Value, limit, headroom of the rule (and its largest groups, for a cap per group)."""
        result = result if result is not None else self.judge(state)
        sense = self.p.get("sense", "max") if self.lim is not None else "none"
        base = state.book.total.get(self.p.get("base", ""), None) if hasattr(state, "book") else None
        return Figures(self.id, sense, result.value, result.limit, result.headroom, result.figure, base)

    # ---- shared

    def finding(self, status, subject, rows, message, **kw) -> Finding:
        return Finding(self.id, status, subject, list(rows), message, article=self.spec.article, **kw)


class deferred:
    """A kind's `Params` named by its module and class, imported when first asked for: the pydantic model loads when
    a rulebook file is validated, never for a check whose rulebook was validated already."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __get__(self, obj, owner=None):
        import importlib

        return getattr(importlib.import_module(self.module), self.name)


KINDS: dict[str, type[RuleKind]] = {}


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Make a kind known to the rulebook under `cls.kind`."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__}: a kind needs its rulebook name")
    if cls.kind in KINDS and KINDS[cls.kind] is not cls:
        raise ValueError(f"two kinds named {cls.kind!r}")
    KINDS[cls.kind] = cls
    return cls


__all__ = ["RuleKind", "deferred", "register", "tightened", "within", "within_all", "calm_bound", "CALM_NONE", "KINDS", "LineChange", "Book", "BASE", "Figures", "GroupFigure",
           "LinearBlock", "RuleResult", "Finding", "worst", "euros", "OK", "BREACH", "UNKNOWN_S", "NA",
           "BASE_CLASSES"]
