"""The pre-trade check: the rules' states, updated by one order at a time.

`Engine(pf)` builds, once, the state of every rule of the version in force
(`rule.state(ctx)`, the same objects and the same states as the checker's:
`constraints.kind`). An order changes one line (or adds one): the engine
records the change in the line table shared by the states (`Book.apply`),
hands it to every rule (`rule.update(state, change)`), and asks the rules whose
state the change touched for their result. A rule's answer for a line (not
counted, counted only through its base's total, counted) holds for every change
of that line: the line's next changes go only to the rules that count it. A
rule that is quiet after the orders (`rule.glance`: no finding, nothing beyond
the warning level, told by integer comparisons of the sums its state keeps)
needs no judging and has no effect; the others are judged (`rule.judge(state)`)
and compared with their result before. Nothing here knows what a rule counts: a
new kind of rule needs no change to this module.
`try_order` evaluates an order and undoes it (`change.inverse()`); `apply`
keeps it. Limits are compared exactly (integer cents, fractions), by the kinds.
An order tried on a held line whose rules are known is first compared with the
line's calm interval: each rule that sees the line gives (`rule.calm`) the
changes of its value (and the largest quantity after) within which it stays
quiet with its status; the engine keeps their intersection per line until an
order is made, so that an order within it is answered, neutral, by two or three
comparisons, nothing updated nor undone. On the engine as loaded, every line's
interval is made at once when it is built (`rule.calm_all`, vectorised by each
kind), so that a line's first order is answered that way too; an order that adds a
line is answered the same way when every rule that would count the line stays quiet
(`rule.calm_new`: the amounts within which it does, and its status after).

The effect of an order (or of an order set) on each rule and subject:
`cree` a breach where there was none (nor an `unknown`), `aggrave` an
existing breach whose excess in euros or share grows, `inconnu` a subject
that becomes `unknown` or an `unknown` subject the orders add euros to,
`neutre` otherwise. A compliant subject whose use of its limit passes the
warning level (default 90 % of a cap; for a floor, less than 10 % of the
floor above it) and grows is reported as a warning (`rule.watch`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from constraints import rulebook
from constraints.checker import Verdict
from constraints.kind import BASE, BREACH, CALM_NONE, NA, OK, UNKNOWN_S, LineChange, worst
from constraints.rules import Context, build
from reserves.portfolio.fmt import SENSE_FR, fr_euros, fr_pct
from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError, Problem

EFFECT_CREATES, EFFECT_WORSENS, EFFECT_UNKNOWN, EFFECT_NEUTRAL = "cree", "aggrave", "inconnu", "neutre"
EFFECT_RANK = {EFFECT_NEUTRAL: 0, EFFECT_UNKNOWN: 1, EFFECT_WORSENS: 2, EFFECT_CREATES: 3}
DEFAULT_WARNING = 0.9


def worst_effect(effects) -> str:
    out = EFFECT_NEUTRAL
    for e in effects:
        if EFFECT_RANK[e] > EFFECT_RANK[out]:
            out = e
    return out


# --------------------------------------------------------------------------- results


@dataclass
class Change:
    """What orders do to one rule and subject (an issuer, a building, a line, the whole share)."""

    rule: str
    article: str
    subject: str
    effect: str
    before: str  # status before: ok | breach | unknown | not_applicable (absent)
    after: str
    value_before: float | None = None  # share of the base (or of the securities issued)
    value_after: float | None = None
    limit: float | None = None
    excess_before: int | None = None  # cents beyond (or short of) the limit
    excess_after: int | None = None
    euros_before: int | None = None
    euros_after: int | None = None
    rows: list = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict:
        def e(c):
            return None if c is None else c / 100
        return {"rule": self.rule, "article": self.article, "subject": self.subject, "effect": self.effect,
                "before": self.before, "after": self.after, "value_before": self.value_before,
                "value_after": self.value_after, "limit": self.limit, "excess_before": e(self.excess_before),
                "excess_after": e(self.excess_after), "euros_before": e(self.euros_before),
                "euros_after": e(self.euros_after), "rows": [int(r) for r in self.rows], "message": self.message}


@dataclass
class Alert:
    """A compliant subject whose use of its limit passes the warning level."""

    rule: str
    article: str
    subject: str
    value: float
    limit: float
    level: float  # the warning threshold, as a share
    message: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "article": self.article, "subject": self.subject, "value": self.value,
                "limit": self.limit, "level": self.level, "message": self.message}


@dataclass
class OrderOutcome:
    """The effect of one order (or, with `row` None, of a whole order set)."""

    row: int | None  # row of the order in the orders file
    label: str
    isin: str | None
    amount: int  # cents, signed
    match: str  # isin | libelle | nouvelle | ensemble
    line_row: int | None  # the holding's row in the portfolio, or the new line's row in the portfolio after
    effect: str
    changes: list  # [Change] with a non-neutral effect
    warnings: list  # [Alert]
    status_after: str  # the portfolio's status after: ok | breach | unknown
    rules_after: dict = field(default_factory=dict)  # rule id -> status after

    @property
    def passes(self) -> bool:
        return self.effect not in (EFFECT_CREATES, EFFECT_WORSENS)

    def to_dict(self) -> dict:
        ch, w = self.changes, self.warnings
        return {"row": self.row, "libelle": self.label, "isin": self.isin, "montant": self.amount / 100,
                "action": "achat" if self.amount >= 0 else "vente", "match": self.match, "ligne": self.line_row,
                "effect": self.effect, "passes": self.effect not in _FAILING, "status_after": self.status_after,
                "rules": sorted({c.rule for c in ch}) if ch else [], "changes": [c.to_dict() for c in ch] if ch else [],
                "warnings": [a.to_dict() for a in w] if w else []}


_FAILING = frozenset((EFFECT_CREATES, EFFECT_WORSENS))



# --------------------------------------------------------------------------- the engine


class _Lazy:
    """A set computed when first asked (`in`)."""

    __slots__ = ("make", "value")

    def __init__(self, make):
        self.make, self.value = make, None

    def __contains__(self, key) -> bool:
        if self.value is None:
            self.value = self.make()
        return key in self.value


class _Quiet:
    """The result of a rule that was quiet (no finding, nothing beyond the warning level), as `_compare` reads it."""

    __slots__ = ("status",)
    findings = ()

    def __init__(self, status: str):
        self.status = status


class _Alive:
    """`engine.alive[i]`: line i is held (every line of a book not yet changed)."""

    __slots__ = ("book",)

    def __init__(self, book):
        self.book = book

    def __getitem__(self, i) -> bool:
        a = self.book.alive
        return True if a is None else bool(a[i])


def _key(f) -> object:
    """A finding's subject: its line (one line's finding) or its name (a group, a share)."""
    return ("l", f.line) if getattr(f, "line", None) is not None else f.subject


class Engine:
    """The rules' states on a loaded portfolio, updated order by order."""

    def __init__(self, pf, date: dt.date | None = None, *, as_of: dt.date | None = None,
                 warning: float = DEFAULT_WARNING, judge_all: bool = False):
        self.pf = pf
        from constraints.checker import version_of

        day, self.version = version_of(pf, date)  # SPEC §4: the date given, else the file's, else today
        self.date = date
        self.as_of = as_of or day
        self.warning = warning_level(warning)
        self.rules = build(self.version, day)
        self.lim = {r.id: r.lim for r in self.rules if r.lim is not None}
        # warning levels: a cap's use is share / limit; a floor's, the part of the margin above it used up
        self.level = {r.id: (1 - self.warning * (1 - r.lim) if r.p.get("sense") == "min" else r.lim * self.warning)
                      for r in self.rules if r.lim is not None}
        ctx = self.ctx = Context(pf, self.version, self.as_of)
        self.book = ctx.book()
        self.states = [rule.state(ctx) for rule in self.rules]
        self._updates = [(r, rule.update, st) for r, (rule, st) in enumerate(zip(self.rules, self.states))]
        # line of the portfolio -> (the rules whose state its changes touch, the rules that count it only through
        # their base total): a rule's `update` answers False, BASE or True for a line, for ever, so that the
        # answer of the line's first change says which rules its next changes need to be handed to
        self._cares: dict = {}
        # each rule's warning level (None without a limit) and `glance`, in the order of the rules
        self._levels = [self.level.get(r.id) for r in self.rules]
        self._ids = [r.id for r in self.rules]
        # `judge_all`: every rule an order touches judged in full, none told quiet by its `glance` (the reference
        # the tests compare the engine with)
        self._glances = [(_never_quiet if judge_all else rule.glance, st, lvl)
                         for rule, st, lvl in zip(self.rules, self.states, self._levels)]
        # `peek`: the status after a change of a line a rule counts, its state left as it is (an order tried)
        self._peeks = [_never_peeks if judge_all else rule.peek for rule in self.rules]
        # `calm`: line of the portfolio -> the orders on it that leave every rule that sees it quiet, with the
        # status it has now ((lowest amount, highest amount, highest amount pro rata, quantity cap), cents and
        # exact), or False; made when first asked, forgotten when an order is made
        self._calm: dict = {}
        self._calm_on = not judge_all
        self._now = None  # (the portfolio's status, every rule's) as they stand, for a calm order's answer
        # the results: None where the rule was quiet when last looked at (its `glance` answered a status, so that
        # it had no finding and no subject beyond the warning level), judged when asked (`results`)
        self._results: list = [rule.judge(st) for rule, st in zip(self.rules, self.states)]
        self._status: list = [res.status for res in self._results]
        self._watch: list = [self._watch_now(r) for r in range(len(self.rules))]
        L = ctx.L
        n = ctx.n
        self.label = [str(x) for x in L["label"].to_numpy()]
        self.category = L["category"].to_numpy().tolist()
        self.currency = L["currency"].tolist()
        self.pocket = L["pocket"].tolist()
        self.isin = L["isin"].tolist()
        self.q = [None if x is None else _exact(x) for x in L["quantity_exact"].to_numpy()]
        self.isin_index: dict = {}
        for i, s in enumerate(self.isin):
            if isinstance(s, str):
                self.isin_index.setdefault(s, []).append(i)
        self.label_index: dict | None = None  # built on the first order matched by label
        self._label_keys: dict = {}  # label of an order -> its key in `label_index`
        self.next_row = (int(ctx.rows.max()) if n else int(getattr(pf, "header_row", 1))) + 1
        self.new_lines: list = []  # line ids of the lines orders added
        self.origin: dict = {}  # new line -> (order, one-line table)
        self._log: list | None = None
        # every line's calm interval at once, vectorised by each kind (`RuleKind.calm_all`) on the state as loaded:
        # (lo, hi, dq) per line, so that a line's first order is answered as its next ones; None once an order is
        # made (the intervals are then found line by line, `_calm_of`)
        table = self._calm_table() if self._calm_on else None
        self._table = None if table is None else tuple(a.tolist() for a in table)
        # one-line Context of a new line -> (that Context, its calm interval and the statuses after), made when
        # first asked, forgotten when an order is made
        self._calm_new: dict = {}

    # ---- the line table as the orders see it ------------------------------

    @property
    def value(self):
        return self.book.value

    @property
    def alive(self):
        return _Alive(self.book)

    @property
    def row(self):
        return self.book.rows

    # ---- changes, logged for try_order's undo -----------------------------

    @property
    def results(self) -> list:
        """Every rule's result on the portfolio as the engine now holds it."""
        res = self._results
        for r, x in enumerate(res):
            if x is None:
                res[r] = self.rules[r].judge(self.states[r])
        return list(res)

    def _change(self, ch: LineChange, dirty: set) -> None:
        """One line's change, to the line table and to every rule's state."""
        self.book.apply(ch)
        self._update(ch, dirty)
        if self._log is not None:
            self._log.append(("change", ch))

    def _update(self, ch: LineChange, dirty: set | None) -> None:
        """Hand a change to the rules: every rule for a new line or a line's first change, then only the rules
        whose state counts the line (the rules that count it only through their base total are dirty without
        being asked). `dirty` None: an undoing, whose results are those before."""
        i = ch.line
        if ch.new is not None or i >= self.book.n0:
            for r, update, st in self._updates:
                if update(st, ch) and dirty is not None:
                    dirty.add(r)
            return
        cares = self._cares.get(i)
        if cares is None:
            touch, base = [], []
            for u in self._updates:
                a = u[1](u[2], ch)
                if a == BASE:
                    base.append(u[0])
                elif a:
                    touch.append(u)
            cares = self._cares[i] = (touch, [u[0] for u in touch] + base, base)
            if dirty is not None:
                dirty.update(cares[1])
            return
        for _, update, st in cares[0]:
            update(st, ch)
        if dirty is not None:
            dirty.update(cares[1])

    def _push(self, lst, v) -> None:
        lst.append(v)
        if self._log is not None:
            self._log.append(("pop", lst))

    def _set(self, lst, k, v) -> None:
        if self._log is not None:
            self._log.append(("set", lst, k, lst[k]))
        lst[k] = v

    def _rollback(self, mark: int) -> None:
        log = self._log
        n_before = None
        while len(log) > mark:
            entry = log.pop()
            if entry[0] == "change":
                ch = entry[1]
                inv = ch.inverse()
                self.book.apply(inv)
                self._update(inv, None)
                if ch.new is not None:
                    n_before = ch.line
            elif entry[0] == "pop":
                entry[1].pop()
            elif entry[0] == "set":
                entry[1][entry[2]] = entry[3]
            elif entry[0] == "attr":
                setattr(self, entry[1], entry[2])
            elif entry[0] == "del":
                del entry[1][entry[2]]
        if n_before is not None:
            self.book.truncate(n_before)

    def _resolve(self, order) -> tuple:
        """(kind, line id, match): 'holding' with the matched line, or 'new'."""
        if order.isin:
            cands, match = self.isin_index.get(order.isin, []), "isin"
        elif order.label:
            if self.label_index is None:
                index: dict = {}
                for i, lab in enumerate(self.label):
                    index.setdefault(P.key_of(lab), []).append(i)
                self.label_index = index  # not logged: it holds every line, and a line undone is never matched
            key = self._label_keys.get(order.label)
            if key is None:  # the folding of a label costs about 10 µs: done once per label asked
                if len(self._label_keys) >= 10_000:
                    self._label_keys.clear()
                key = self._label_keys[order.label] = P.key_of(order.label)
            cands, match = self.label_index.get(key, []), "libelle"
            cands = [i for i in cands if i < self.book.n]
        else:
            raise order.problem("ni « isin » ni « libelle » : impossible de savoir quelle ligne l'ordre concerne")
        if order.pocket:
            cands = [i for i in cands if self.pocket[i] == order.pocket]
        if len(cands) > 1:
            live = [i for i in cands if self.alive[i]]
            cands = live if live else cands[-1:]
        if len(cands) > 1:
            rows = ", ".join(str(self.row[i]) for i in cands)
            what = f"l'ISIN {order.isin}" if match == "isin" else f"le libellé « {order.label} »"
            raise order.problem(f"{what} désigne plusieurs lignes du portefeuille (lignes {rows}) : "
                                "préciser la colonne « poche », ou passer l'ordre sur une seule ligne", column="isin"
                                if match == "isin" else "label")
        if cands:
            return "holding", cands[0], match
        return "new", None, "nouvelle"

    def _holding_change(self, order, i: int) -> LineChange:
        """The change an order makes to held line i (refused with a French message when it cannot be made)."""
        book = self.book
        alive = book.alive
        held = True if alive is None else alive.item(i)
        old = book.value.item(i) if held else 0
        new = old + order.amount
        cat = self.category[i]
        if order.category is not None and order.category != cat:
            raise order.problem(
                f"catégorie de l'ordre ({P.CATEGORY_NAMES[order.category]}) différente de celle de la ligne "
                f"détenue ({P.CATEGORY_NAMES[cat]}, ligne {self.row[i]} du portefeuille)", column="category",
                value=P.CATEGORY_NAMES[order.category])
        if order.currency is not None and order.currency != self._currency(i):
            raise order.problem(f"devise de l'ordre ({order.currency}) différente de celle de la ligne détenue "
                                f"({self._currency(i)}, ligne {self.row[i]} du portefeuille)",
                                column="currency", value=order.currency)
        if new < 0 and cat != P.CAT_IFT:
            raise order.problem(
                f"vente de {fr_euros(-order.amount)} supérieure à la valeur détenue ({fr_euros(old)}, ligne "
                f"{self.row[i]} du portefeuille « {self.label[i]} »)", column="market_value",
                value=order.amount_text)
        return LineChange(i, old, new, held, new != 0, self.q[i], self._requantify(i, old, new, order))

    def _peek_one(self, order) -> OrderOutcome | None:
        """One order tried on a held line whose rules are known (an earlier change of it): each rule that counts
        the line `peek`s at the status after, the others that see it (through their base's total) `glance` with
        the book holding the change; no state is changed. None when some rule is not quiet that way: the order
        is then made, judged and undone."""
        kind, i, match = self._resolve(order)
        if kind != "holding":
            return None
        cares = self._cares.get(i)
        if cares is None:
            return None
        ch = self._holding_change(order, i)
        status1 = list(self._status)
        book = self.book
        book.apply(ch)
        try:
            peeks, levels = self._peeks, self._levels
            for r, _, st in cares[0]:
                s = peeks[r](st, ch, levels[r])
                if s is None:
                    return None
                status1[r] = s
            glances = self._glances
            for r in cares[2]:
                glance, st, level = glances[r]
                s = glance(st, level)
                if s is None:
                    return None
                status1[r] = s
        finally:
            book.undo(ch)
        status = _overall(status1)
        return OrderOutcome(order.row, order.label or self.label[i], order.isin, order.amount, match,
                            book.rows.item(i), EFFECT_NEUTRAL, [], [], status, dict(zip(self._ids, status1)))

    def _calm_table(self):
        """(lo, hi, dq) per line of the portfolio: the intersection of every rule's `calm_all` with the line
        staying alive (no sale beyond the value held); lo > hi where a line has none. None when some rule does not
        tell it."""
        n = self.book.n0
        lo = np.full(n, -CALM_NONE, dtype=np.int64)
        hi = np.full(n, CALM_NONE, dtype=np.int64)
        dq = np.full(n, CALM_NONE, dtype=np.int64)
        blocked = np.zeros(n, dtype=bool)
        for r, (rule, st) in enumerate(zip(self.rules, self.states)):
            got = rule.calm_all(st, self._levels[r])
            if got is None:
                return None
            s, blk, l, h, d = got
            if s is not None and s != self._status[r]:
                return None
            if blk is not None:
                blocked |= blk
            if l is not None:
                np.maximum(lo, l, out=lo)
            if h is not None:
                np.minimum(hi, h, out=hi)
            if d is not None:
                np.minimum(dq, d, out=dq)
        value = self.ctx.value[:n].astype(np.int64)
        held = value > 0
        short = (value < 0) & (np.asarray(self.category[:n]) == P.CAT_IFT)  # a forward with a negative value
        np.maximum(lo, np.where(held, 1 - value, -CALM_NONE), out=lo)
        np.minimum(hi, np.where(short, -1 - value, CALM_NONE), out=hi)
        blocked |= ~(held | short) | (lo > hi)
        lo[blocked], hi[blocked] = CALM_NONE, -CALM_NONE
        return lo, hi, dq

    def _calm_of(self, i: int):
        """The calm interval of held line i (see `_calm`), False when there is none; None while its rules are not
        known (no change of it handed to them yet) nor the table of every line's (`_table`) at hand."""
        book = self.book
        t = self._table
        if t is not None:  # the state as loaded: every line held, its bounds made at once
            lo, hi, d = t[0][i], t[1][i], t[2][i]
            if lo > hi:
                return False
            lo = None if lo <= -CALM_NONE else lo
            hp = hi = None if hi >= CALM_NONE else hi
            if d >= CALM_NONE:
                return lo, hi, hi, None
            q = self.q[i]
            if q is None:
                return False
            # the quantity after at most q + d·10⁻⁹; pro rata, ⌈q·new/old·10⁶⌉ / 10⁶ ≤ it for new ≤ vmax
            old = book.value.item(i)
            qcap = q + d // 10**9 if d % 10**9 == 0 else _Cap(q, d)  # made exact when an order gives a quantity
            if type(q) is int:
                n, den = q, 1
                k = q * 10**6 + d // 1000  # ⌊qcap·10⁶⌋
            else:
                n, den = q.numerator, q.denominator
                k = (n * 10**9 + d * den) // (den * 1000)
            if n < 0 or old <= 0:
                hp = False
            elif n > 0:
                vmax = (k * den * old) // (n * 10**6)
                hp = vmax - old if hi is None else min(hi, vmax - old)
                if lo is not None and hp < lo:
                    hp = False
            return lo, hi, hp, qcap
        cares = self._cares.get(i)
        if cares is None:
            return None
        if not (True if book.alive is None else book.alive.item(i)):
            return False
        old = book.value.item(i)
        if old > 0:
            lo, hi = 1 - old, None  # alive after, and no sale beyond the value held
        elif old < 0 and self.category[i] == P.CAT_IFT:
            lo, hi = None, -1 - old
        else:
            return False
        qcap = None
        rules, glances, status = self.rules, self._glances, self._status
        for r in cares[1]:
            _, st, level = glances[r]
            c = rules[r].calm(st, i, level)
            if c is None or c[3] != status[r]:
                return False
            if c[0] is not None and (lo is None or c[0] > lo):
                lo = c[0]
            if c[1] is not None and (hi is None or c[1] < hi):
                hi = c[1]
            if c[2] is not None and (qcap is None or c[2] < qcap):
                qcap = c[2]
        if lo is not None and hi is not None and lo > hi:
            return False
        return self._calm_with(i, old, lo, hi, qcap)

    def _calm_with(self, i: int, old: int, lo, hi, qcap):
        """The calm interval of held line i from its bounds: (lo, hi, the highest amount pro rata, qcap)."""
        # pro rata (no quantity in the order): ⌈q·new/old·10⁶⌉ / 10⁶ ≤ qcap for new ≤ vmax
        hp = hi
        if qcap is not None and not (type(qcap) is float and qcap == float("inf")):
            q = self.q[i]
            if q is None or old <= 0:
                hp = False
            else:
                n, d = (q, 1) if isinstance(q, int) else (q.numerator, q.denominator)
                if n < 0:
                    hp = False
                elif n > 0:
                    k = qcap * 10**6 if type(qcap) is int else (qcap.numerator * 10**6) // qcap.denominator
                    vmax = (k * d * old) // (n * 10**6)
                    hp = vmax - old if hi is None else min(hi, vmax - old)
                    if lo is not None and hp < lo:
                        hp = False
        elif qcap is not None and (self.q[i] is None or old <= 0):
            hp = False  # a quantity after is needed, pro rata gives none
        return lo, hi, hp, qcap

    def _calm_one(self, order) -> OrderOutcome | None:
        """One order tried on a held line within its calm interval: every rule that sees the line stays quiet with
        the status it has (`RuleKind.calm`), so that the answer is the portfolio as it stands, neutral, told by
        comparing the amount (and the quantity) with the bounds. None otherwise."""
        kind, i, match = self._resolve(order)
        if kind != "holding":
            return self._calm_added(order) if kind == "new" else None
        c = self._calm.get(i)
        if c is None:
            c = self._calm_of(i)
            if c is None:
                return None
            self._calm[i] = c
        if c is False:
            return None
        lo, hi, hp, qcap = c
        amount = order.amount
        if (lo is not None and amount < lo) or (order.category is not None and order.category != self.category[i]) \
                or (order.currency is not None and order.currency != self.currency[i]):
            return None  # beyond, or refused: the order is made (or refused) in full
        if order.quantity is None:
            if hp is False or (hp is not None and amount > hp):
                return None
        else:
            if hi is not None and amount > hi:
                return None
            if type(qcap) is _Cap:
                qcap = self.calm_interval(i)[3]
            q = self.q[i]
            if q is not None:
                nq = q + _exact(order.quantity) * (1 if amount >= 0 else -1)
                if nq < 0 or (qcap is not None and nq > qcap):
                    return None
            elif qcap is not None:
                return None
        now = self._now
        if now is None:
            now = self._now = (_overall(self._status), dict(zip(self._ids, self._status)))
        return OrderOutcome(order.row, order.label or self.label[i], order.isin, amount, match,
                            self.book.rows.item(i), EFFECT_NEUTRAL, [], [], now[0], now[1].copy())

    def calm_interval(self, i: int):
        """Held line i's calm interval as `_calm_one` reads it: (lowest amount, highest amount, highest amount pro
        rata, largest quantity after — exact —), None for no bound (False for no amount pro rata); False when the
        line has none, None while it is not known."""
        c = self._calm.get(i)
        if c is None:
            c = self._calm_of(i)
            if c is None:
                return None
            self._calm[i] = c
        if c and type(c[3]) is _Cap:
            c = self._calm[i] = (*c[:3], c[3].exact())
        return c

    def _calm_added(self, order) -> OrderOutcome | None:
        """An order that adds a line, answered without adding it when every rule that would count the line stays
        quiet (`RuleKind.calm_new`): the portfolio as it stands, with the statuses after, neutral. None otherwise."""
        amount = order.amount
        if amount <= 0:
            return None  # a sale of a line not held (refused, or a forward): made in full
        nctx, _ = order.new_line(self)
        got = self._calm_new.get(id(nctx))
        if got is None or got[0] is not nctx:
            facts = self._line_facts(nctx)
            lo = hi = None
            status1 = list(self._status)
            for r, (rule, st) in enumerate(zip(self.rules, self.states)):
                c = rule.calm_new(st, nctx, facts[5], self._levels[r])
                if c is False:
                    continue
                if c is None:
                    lo = False
                    break
                if c[0] is not None and (lo is None or c[0] > lo):
                    lo = c[0]
                if c[1] is not None and (hi is None or c[1] < hi):
                    hi = c[1]
                status1[r] = c[2]
            got = (nctx, None) if lo is False else (nctx, (lo, hi, facts[0], _overall(status1),
                                                            dict(zip(self._ids, status1))))
            if len(self._calm_new) >= 1024:  # kept for the orders tried again, not for every order ever read
                self._calm_new.clear()
            self._calm_new[id(nctx)] = got
        c = got[1]
        if c is None or (c[0] is not None and amount < c[0]) or (c[1] is not None and amount > c[1]):
            return None
        return OrderOutcome(order.row, order.label or c[2], order.isin, amount, "nouvelle", self.next_row,
                            EFFECT_NEUTRAL, [], [], c[3], c[4].copy())

    @staticmethod
    def _line_facts(nctx) -> tuple:
        """(label, category, currency, pocket, isin, exact quantity) of a new line, read once per line."""
        facts = nctx.memo.get("order_line")  # an order tried again reads them
        if facts is None:
            L = nctx.L
            qx = L["quantity_exact"].iat[0]
            facts = nctx.memo["order_line"] = (
                str(L["label"].iat[0]), int(L["category"].iat[0]), L["currency"].iat[0], L["pocket"].iat[0],
                L["isin"].iat[0], None if qx is None else _exact(qx))
        return facts

    def _apply_one(self, order, touched: set, dirty: set) -> tuple:
        kind, i, match = self._resolve(order)
        if kind == "holding":
            book = self.book
            ch = self._holding_change(order, i)
            self._set(self.q, i, ch.quantity_after)
            self._change(ch, dirty)
            line_row = book.rows.item(i)
        else:
            if order.amount < 0 and (order.category is None or order.category != P.CAT_IFT):
                what = f"l'ISIN {order.isin}" if order.isin else f"« {order.label} »"
                raise order.problem(f"vente d'une ligne absente du portefeuille ({what})", column="market_value",
                                    value=order.amount_text)
            nctx, frame = order.new_line(self)
            i = self.book.n
            row = self.next_row  # the table gets its row when the portfolio is rebuilt
            if self._log is not None:
                self._log.append(("attr", "next_row", self.next_row))
            self.next_row += 1
            facts = self._line_facts(nctx)
            for lst, v in zip((self.label, self.category, self.currency, self.pocket, self.isin, self.q), facts):
                self._push(lst, v)
            q = facts[5]
            isin = self.isin[i]
            if isinstance(isin, str):
                self._index(self.isin_index, isin, i)
            if self.label_index is not None:
                self._index(self.label_index, P.key_of(self.label[i]), i)
            self.origin[i] = (order, frame)
            self._push(self.new_lines, i)
            self._change(LineChange(i, 0, order.amount, False, order.amount != 0, None, q, new=nctx, row=row),
                         dirty)
            line_row = row
        touched.add(i)
        return i, match, line_row

    def _currency(self, i: int) -> str:
        return self.currency[i]

    def _requantify(self, i: int, old: int, new: int, order):
        """Quantity after the order: the order's `quantite`, or pro rata of the value, rounded up."""
        q = self.q[i]
        if q is None:
            return None
        if order.quantity is not None:
            dq = _exact(order.quantity) * (1 if order.amount >= 0 else -1)
            nq = q + dq
            if nq < 0:
                raise order.problem(f"quantité vendue ({order.quantity}) supérieure à la quantité détenue ({_dec(q)}, "
                                    f"ligne {self.row[i]} du portefeuille)", column="quantity", value=order.quantity)
        elif new == 0:
            nq = 0
        elif old > 0:
            # pro rata, rounded up to the millionth: overstates the holding, the prudent side
            n, d = (q, 1) if isinstance(q, int) else (q.numerator, q.denominator)
            k = -(-(n * new * 10**6) // (d * old))  # ⌈q·new/old·10⁶⌉, in integers
            nq = k // 10**6 if k % 10**6 == 0 else Fraction(k, 10**6)
        else:
            nq = None  # nothing to scale from
        return nq

    def _index(self, d: dict, key, i: int) -> None:
        if key in d:
            self._push(d[key], i)
        else:
            d[key] = [i]
            if self._log is not None:
                self._log.append(("del", d, key))

    # ---- before / after ---------------------------------------------------

    def _watch_now(self, r: int, result=None) -> dict:
        """Subjects of rule r within their limit but beyond the warning level: key -> (subject, share)."""
        level = self._levels[r]
        if level is None:
            return {}
        if result is None:
            result = self._results[r]
            if result is None:  # quiet: nothing beyond the warning level
                return {}
        return self.rules[r].watch(self.states[r], result, level)

    def _touched(self, r: int, lines) -> set:
        return self.rules[r].subjects_of(self.states[r], lines)

    def _compare(self, r: int, before, after, watch0: dict, watch1: dict, touched: set) -> tuple[list, list]:
        if not after.findings and not watch1:  # nothing to report after: no effect, no warning
            return [], []
        rule = self.rules[r]
        lim = self.lim.get(rule.id)
        floor = rule.p.get("sense") == "min"
        f0s = {_key(f): f for f in before.findings}
        changes, alerts = [], []
        for f1 in after.findings:
            key = _key(f1)
            f0 = f0s.get(key)
            st0 = f0.status if f0 is not None else (NA if before.status == NA else OK)
            effect = EFFECT_NEUTRAL
            line = key[0] == "l" if isinstance(key, tuple) else False
            if f1.status == BREACH:
                if st0 != BREACH:
                    effect = EFFECT_CREATES
                elif _grew(f1.amount, f0.amount) or (not line and _worse_share(f1.value, f0.value, floor)) or \
                        (line and _grew(f1.euros, f0.euros)):
                    effect = EFFECT_WORSENS
            elif f1.status == UNKNOWN_S:
                if st0 in (OK, NA):
                    effect = EFFECT_UNKNOWN
                elif st0 == UNKNOWN_S and key in touched and (
                        _grew(f1.euros, f0.euros) or (not line and _worse_share(f1.value, f0.value, floor))):
                    effect = EFFECT_UNKNOWN
            if effect != EFFECT_NEUTRAL:
                changes.append(self._change_of(rule, effect, st0, f0, f1, line))
        if lim is not None:
            level = self.level[rule.id]
            for key, (subject, share) in watch1.items():
                if key in f0s:
                    prev = f0s[key].value
                    grew = prev is None or _worse_share(float(share), prev, floor)
                else:
                    prev = watch0.get(key)
                    grew = prev is None or _worse_share(share, prev[1], floor)
                if grew:
                    what = SENSE_FR["min" if floor else "max"]
                    head = rule.spec.title if subject == rule.spec.title else f"{rule.spec.title} — {subject}"
                    alerts.append(Alert(rule.id, rule.spec.article, subject, float(share), float(lim), float(level),
                                        f"{head} : {fr_pct(float(share))} pour un {what} de {fr_pct(float(lim))} "
                                        f"(seuil d'alerte {fr_pct(float(level))})"))
        return changes, alerts

    def _change_of(self, rule, effect, st0, f0, f1, line: bool) -> Change:
        lim_f = float(self.lim[rule.id]) if rule.id in self.lim else None
        share = None if line or f1.value is None else float(f1.value)
        words = {EFFECT_CREATES: "dépassement créé", EFFECT_WORSENS: "dépassement aggravé",
                 EFFECT_UNKNOWN: "à vérifier"}[effect]
        head = rule.spec.title if f1.subject == rule.spec.title else f"{rule.spec.title} — {f1.subject}"
        if line:
            msg = (f"{rule.spec.title} — « {f1.subject} » : {words} "
                   + ("(ligne non conforme)" if f1.status == BREACH else "(données manquantes sur la ligne)"))
        elif share is not None and lim_f is not None:
            what = SENSE_FR["min" if rule.p.get("sense") == "min" else "max"]
            msg = f"{head} : {words}, {fr_pct(share)} pour un {what} de {fr_pct(lim_f)}"
            if f1.amount is not None and f1.status == BREACH:
                msg += f" (écart {fr_euros(f1.amount)}"
                if f0 is not None and f0.amount is not None and f0.status == BREACH:
                    msg += f", contre {fr_euros(f0.amount)} avant"
                msg += ")"
        else:
            msg = f"{head} : {words}"
        v0 = None if f0 is None or line or f0.value is None else float(f0.value)
        return Change(rule.id, rule.spec.article, f1.subject, effect, st0, f1.status, v0, share, lim_f,
                      None if f0 is None or f0.status != BREACH else f0.amount,
                      f1.amount if f1.status == BREACH else None, None if f0 is None else f0.euros, f1.euros,
                      list(f1.rows), msg)

    def _run(self, orders, keep: bool, calm: bool = True) -> OrderOutcome:
        orders = list(orders)
        if keep:  # the state changes: the calm intervals and the answer as it stands are made again when asked
            self._calm.clear()
            self._calm_new.clear()
            self._table = None
            self._now = None
        elif len(orders) == 1:
            got = self._calm_one(orders[0]) if calm and self._calm_on else None
            if got is None:
                got = self._peek_one(orders[0])
            if got is not None:
                return got
        outer = self._log
        self._log = []
        touched: set = set()
        dirty: set = set()
        status0 = self._status
        status1 = list(status0)
        judged: dict = {}  # rule -> (result after, watch after) of the rules not quiet after
        changes, alerts = [], []
        try:
            placed = [self._apply_one(o, touched, dirty) for o in orders]
            glances = self._glances
            for r in sorted(dirty):
                glance, st, level = glances[r]
                s = glance(st, level)
                if s is not None:  # quiet after: no finding, no warning, nothing to compare
                    status1[r] = s
                    continue
                rule = self.rules[r]
                res = rule.judge(st)
                status1[r] = res.status
                before = self._results[r]
                if before is None:  # quiet before: no finding, nothing beyond the warning level
                    before, watch0 = _Quiet(status0[r]), {}
                else:
                    watch0 = self._watch[r]
                watch1 = {} if level is None else rule.watch(st, res, level)
                judged[r] = (res, watch1)
                c, a = self._compare(r, before, res, watch0, watch1, _Lazy(lambda r=r: self._touched(r, touched)))
                changes += c
                alerts += a
            if keep:
                for r in dirty:
                    got = judged.get(r)
                    if got is None:
                        self._results[r] = None
                        self._watch[r] = {}
                    else:
                        self._results[r], self._watch[r] = got
                self._status = status1
                if outer is not None:
                    outer.extend(self._log)
            else:
                self._rollback(0)
        except BaseException:
            if self._log:
                self._rollback(0)
            raise
        finally:
            self._log = outer
        statuses = dict(zip(self._ids, status1))
        status = _overall(status1)
        if changes:
            changes.sort(key=lambda c: -EFFECT_RANK[c.effect])
            effect = worst_effect(c.effect for c in changes)
        else:
            effect = EFFECT_NEUTRAL
        if len(orders) == 1:
            o = orders[0]
            i, match, line_row = placed[0]
            return OrderOutcome(o.row, o.label or self.label[i], o.isin, o.amount, match, line_row, effect, changes,
                                alerts, status, statuses)
        return OrderOutcome(None, "ensemble des ordres", None, sum(o.amount for o in orders), "ensemble", None,
                            effect, changes, alerts, status, statuses)

    def try_order(self, order) -> OrderOutcome:
        """The effect of one order on the portfolio as it stands; the engine is left unchanged."""
        if type(order) is not _ORDER[0]:
            from reserves.pretrade.orders import Order, as_order

            _ORDER[0] = Order
            order = as_order(order)
        if self._calm_on:
            got = self._calm_one(order)
            if got is not None:
                return got
        return self._run([order], keep=False, calm=False)

    def try_orders(self, orders) -> OrderOutcome:
        """The effect of an order set taken together; the engine is left unchanged."""
        from reserves.pretrade.orders import as_orders

        return self._run(as_orders(orders).items, keep=False)

    def apply(self, order) -> OrderOutcome:
        """Make an order: the engine now holds the portfolio after it."""
        from reserves.pretrade.orders import as_order

        return self._run([as_order(order)], keep=True)

    def apply_all(self, orders) -> OrderOutcome:
        from reserves.pretrade.orders import as_orders

        return self._run(as_orders(orders).items, keep=True)

    def scratch(self):
        """A block whose orders (`apply`) are all undone at its end: `with engine.scratch(): …`."""
        engine = self

        class _Scratch:
            def __enter__(self):
                # the calm intervals hold again once the block's orders are undone: kept aside meanwhile
                self.calm = (engine._calm, engine._now, engine._table, engine._calm_new)
                engine._calm, engine._now, engine._table, engine._calm_new = {}, None, None, {}
                self.outer = engine._log
                engine._log = []
                self.saved = (list(engine._results), list(engine._status), list(engine._watch))
                return engine

            def __exit__(self, *exc):
                engine._rollback(0)
                engine._log = self.outer
                engine._results, engine._status, engine._watch = self.saved
                engine._calm, engine._now, engine._table, engine._calm_new = self.calm
                return False
        return _Scratch()

    # ---- the state as a verdict, and as a portfolio -----------------------

    def rule_statuses(self) -> dict:
        return {rule.id: s for rule, s in zip(self.rules, self._status)}

    @property
    def status(self) -> str:
        return _overall(self._status)

    def verdict(self) -> Verdict:
        """The verdict of the portfolio as the engine now holds it, as the checker gives it."""
        book = self.book
        return Verdict(self.version, self.as_of, list(self.results), total=book.total["reserves"],
                       base=book.total["reserves_less_excluded"], gestion_total=book.total["gestion"],
                       excluded_total=book.total["excluded"], n_lines=book.count["all"],
                       warnings=list(getattr(self.pf, "warnings", [])))

    def summary(self) -> dict:
        """Every rule's status, figures and findings (for comparisons with the checker)."""
        out = {}
        for r in self.results:
            fs = [(f.subject, f.status, f.amount if f.status == BREACH else None, tuple(int(x) for x in f.rows))
                  for f in r.findings]
            out[r.spec.id] = {"status": r.status, "findings": fs, "value": r.value, "figure": r.figure,
                              "headroom": r.headroom}
        return out

    def portfolio(self):
        """The portfolio as the engine now holds it (lines sold entirely are left out, new lines at the end)."""
        from reserves.pretrade.orders import rebuild_codes

        pf = self.pf
        L = pf.lines
        n0 = len(L)
        keep = np.ones(n0, dtype=bool) if self.book.alive is None else self.book.alive[:n0].copy()
        lines = L.copy()
        value = np.array(self.book.value[:n0], dtype=np.int64)
        changed = np.flatnonzero(value != L["value"].to_numpy())
        if len(changed):  # value and accrued interest bought or sold pro rata (no negative market value left)
            from reserves.portfolio.model import prorata_accrued

            acc = prorata_accrued(L["value"].to_numpy()[changed], L["accrued_interest"].to_numpy()[changed],
                                  value[changed])
            lines.loc[lines.index[changed], "value"] = value[changed]
            lines.loc[lines.index[changed], "accrued_interest"] = acc
            lines.loc[lines.index[changed], "market_value"] = value[changed] - acc
        qx = L["quantity_exact"].to_numpy()
        new_q = [self.q[i] for i in range(n0)]
        qchanged = [i for i in range(n0) if (qx[i] is None) != (new_q[i] is None) or
                    (qx[i] is not None and Fraction(qx[i]) != new_q[i])]
        if qchanged:
            qe = lines["quantity_exact"].to_numpy().copy()
            qf = lines["quantity"].to_numpy().copy()
            for i in qchanged:
                qe[i] = None if new_q[i] is None else _dec(new_q[i])
                qf[i] = np.nan if new_q[i] is None else float(new_q[i])
            lines["quantity_exact"] = qe
            lines["quantity"] = qf
        lines = lines[keep]
        frames = [lines]
        extra = pf.extra[keep].reset_index(drop=True) if pf.extra is not None else None
        for i in self.new_lines:
            order, frame = self.origin[i]
            frame = frame.copy()
            frame["row"] = int(self.book.rows[i])
            frame["value"] = int(self.book.value[i])
            frame["market_value"] = int(self.book.value[i]) - frame["accrued_interest"].to_numpy()
            q = self.q[i]
            frame["quantity_exact"] = pd.Series([None if q is None else _dec(q)], dtype=object).to_numpy()
            frame["quantity"] = np.nan if q is None else float(q)
            if self.book.alive[i]:
                frames.append(frame)
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else lines.reset_index(drop=True)
        for col in L.columns:
            if out[col].dtype != L[col].dtype and L[col].dtype != object:
                try:
                    out[col] = out[col].astype(L[col].dtype)
                except (TypeError, ValueError):
                    pass
        rebuild_codes(out)
        if extra is not None:
            extra = extra.reindex(range(len(out)))
        headers = {}
        for i in self.new_lines:
            headers.update(self.origin[i][0].headers)
        headers.pop("market_value", None)
        headers.update(pf.headers)
        return replace(pf, lines=out, extra=extra, headers=headers,
                       present=frozenset(pf.present) | frozenset(k for k in headers if k != "market_value"))



class _Cap:
    """The largest quantity after of a line, q + d·10⁻⁹ (q exact, d an integer), made a Fraction when first asked
    (an order that gives its quantity): an order by value, pro rata, needs only its integers."""

    __slots__ = ("q", "d")

    def __init__(self, q, d: int):
        self.q, self.d = q, d

    def exact(self) -> Fraction:
        q, d = self.q, self.d
        if type(q) is int:
            return Fraction(q * 10**9 + d, 10**9)
        return Fraction(q.numerator * 10**9 + d * q.denominator, q.denominator * 10**9)


_ORDER: list = [None]  # reserves.pretrade.orders.Order, once imported (it imports this module)


def _overall(statuses) -> str:
    """The portfolio's status from its rules' (`worst`; no rule applying is compliant)."""
    s = worst(set(statuses))
    return OK if s == NA else s


def _never_quiet(state, level) -> None:
    return None


def _never_peeks(state, change, level) -> None:
    return None


def _grew(a, b) -> bool:
    return a is not None and (b is None or a > b)


def _worse_share(a, b, floor: bool) -> bool:
    if a is None or b is None:
        return False
    return a < b if floor else a > b


def _exact(d):
    """A decimal quantity as an int when whole (fast sums), else a Fraction: exact either way."""
    n, den = d.as_integer_ratio() if isinstance(d, Decimal) else Fraction(d).as_integer_ratio()
    return n if den == 1 else Fraction(n, den)


def _dec(x) -> Decimal:
    if isinstance(x, int):
        return Decimal(x)
    if x.denominator == 1:
        return Decimal(x.numerator)
    return Decimal(x.numerator) / Decimal(x.denominator)


def warning_level(w) -> Fraction:
    """The warning level, exactly: a share (0.9, `0,9`) or a percentage (`90 %`, `90`); a French `InputError`
    otherwise. The one parser of the level, for the command line, the API and the engine."""
    if isinstance(w, Fraction):
        f = w
    else:
        s = str(w).strip().replace(",", ".").replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        pct = s.endswith("%")
        try:
            f = Fraction(Decimal(s.rstrip("%")))
        except (ArithmeticError, ValueError):
            raise InputError([Problem(f"seuil d'alerte invalide : « {w} » (attendu 0,9 ou 90 %)")]) from None
        if pct or f > 1:
            f /= 100
    if not 0 < f <= 1:
        raise InputError([Problem(f"seuil d'alerte invalide : « {w} » (attendu entre 0 et 1, ou 0 à 100 %)")])
    return f


__all__ = ["Engine", "OrderOutcome", "Change", "Alert", "EFFECT_CREATES", "EFFECT_WORSENS", "EFFECT_UNKNOWN",
           "EFFECT_NEUTRAL", "DEFAULT_WARNING", "worst_effect", "warning_level"]
