"""Incremental pre-investment check: the rulebook's aggregates, updated by one order at a time.

`Engine(pf)` evaluates every rule of the version in force once, with the
same rule objects as the checker (`constraints.rules`), and keeps what the
verdict depends on:

- the totals of the reserves pocket and of the R. 623-10-1 base;
- for each share rule (`share`), the sum of its numerator;
- for each cap per group (`issuer_cap`, `building_cap`), the sum of each
  group (lines that surely count, and all lines that may count);
- for the holding cap (`holding_cap`), each issuer's members (quantities held
  and issued are summed exactly when the issuer is touched);
- for each line condition (`line_conditions`), each line's tri-state and the
  counts of failing and unknown lines.

An order changes one line (or adds one): only the aggregates that line is in
are updated; the caps per group are then compared with the new base in one
vectorised pass (a sale anywhere shrinks the base, and may push another
issuer over its cap). `try_order` evaluates an order and undoes it;
`apply` keeps it. Limits are compared exactly (integer cents, fractions).

The effect of an order (or of an order set) on each rule and subject:
`cree` a breach where there was none (nor an `unknown`), `aggrave` an
existing breach whose excess in euros or share grows, `inconnu` a subject
that becomes `unknown` or an `unknown` subject the orders add euros to,
`neutre` otherwise. A compliant subject whose use of its limit passes the
warning level (default 90 % of a cap; for a floor, less than 10 % of the
floor above it) and grows is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from constraints import rulebook
from constraints.rules import (
    BREACH, NA, OK, UNKNOWN_S, BuildingCap, Context, HoldingCap, IssuerCap, LineConditions, Share, build,
    cap_cents, category_codes, floor_cents, fr_euros, fr_pct, worst,
)

from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError, Problem
from reserves.portfolio.keys import group_key

EFFECT_CREATES, EFFECT_WORSENS, EFFECT_UNKNOWN, EFFECT_NEUTRAL = "cree", "aggrave", "inconnu", "neutre"
EFFECT_RANK = {EFFECT_NEUTRAL: 0, EFFECT_UNKNOWN: 1, EFFECT_WORSENS: 2, EFFECT_CREATES: 3}
DEFAULT_WARNING = 0.9
_BIG = 1 << 61  # beyond this, group sums leave int64 for Python integers


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
        return {"row": self.row, "libelle": self.label, "isin": self.isin, "montant": self.amount / 100,
                "action": "achat" if self.amount >= 0 else "vente", "match": self.match, "ligne": self.line_row,
                "effect": self.effect, "passes": self.passes, "status_after": self.status_after,
                "rules": sorted({c.rule for c in self.changes}), "changes": [c.to_dict() for c in self.changes],
                "warnings": [w.to_dict() for w in self.warnings]}


# per-line lists of the engine, and the fact each is filled from
_LINE_LISTS = ("value", "row", "label", "category", "pocket", "isin", "in_res", "in_base", "in_gestion", "l_rules",
               "l_shares", "q", "qi", "sec", "issuer", "currency")
_LINE_FIELDS = ("value", "row", "label", "category", "pocket", "isin", "reserves", "base", "gestion", "l_rules",
                "l_shares", "q", "qi", "sec", "issuer", "currency")


class _Ratio:
    """num / den (den > 0), compared exactly by cross-multiplication: cheaper than building fractions."""

    __slots__ = ("num", "den")

    def __init__(self, num, den):
        self.num, self.den = num, den

    @staticmethod
    def _nd(o):
        return (o.num, o.den) if isinstance(o, _Ratio) else (o.numerator, o.denominator)

    def __gt__(self, o) -> bool:
        n, d = self._nd(o)
        return self.num * d > n * self.den

    def __lt__(self, o) -> bool:
        n, d = self._nd(o)
        return self.num * d < n * self.den

    def __float__(self) -> float:
        return float(self.num / self.den)


@dataclass
class _M:
    """A subject's state: status, and the measures that say whether it got worse."""

    status: str
    excess: int | None = None  # cents beyond the cap / short of the floor (breach)
    share: _Ratio | None = None
    euros: int | None = None
    subject: str = ""
    rows: tuple = ()


# --------------------------------------------------------------------------- group tables


class _Groups:
    """Per-group sums for one cap per group, in arrays that grow (vectorised comparisons)."""

    def __init__(self, big: bool):
        self.dtype = object if big else np.int64
        self.cap = 16
        self.n = 0
        self.best = np.zeros(self.cap, dtype=self.dtype)  # lines that surely count
        self.worst = np.zeros(self.cap, dtype=self.dtype)  # lines that may count
        self.loose = np.zeros(self.cap, dtype=bool)  # a line with no issuer: its own group
        self.size = np.zeros(self.cap, dtype=np.int64)  # alive members
        self.keys: dict = {}
        self.members: list[list[int]] = []


# --------------------------------------------------------------------------- the engine


class Engine:
    """The aggregates of a loaded portfolio, updated order by order."""

    def __init__(self, pf, date: dt.date | None = None, *, as_of: dt.date | None = None,
                 warning: float = DEFAULT_WARNING):
        self.pf = pf
        self.version = rulebook.for_date(date)
        self.date = date
        self.as_of = as_of or date or dt.date.today()
        self.warning = _warning_fraction(warning)
        self.rules = build(self.version)
        self.lim = {r.id: r.spec.limit() for r in self.rules if "limit" in r.spec.params}
        # warning levels: a cap's use is share / limit; a floor's, the part of the margin above it used up
        self.level = {r.id: (1 - self.warning * (1 - self.lim[r.id]) if r.kind == "share" and r.p["sense"] == "min"
                             else self.lim[r.id] * self.warning) for r in self.rules if r.id in self.lim}
        self._log: list | None = None
        self._classify_rules()
        ctx = Context(pf, self.version, self.as_of)
        facts = self._facts(ctx)
        n = ctx.n
        big = int(np.abs(ctx.value).sum()) >= _BIG if n else False
        self._init_state(big)
        self.next_row = (int(ctx.rows.max()) if n else int(getattr(pf, "header_row", 1))) + 1
        self.new_lines: list = []  # (line id, one-line DataFrame) of the lines orders added
        self._loading = True
        for j in range(n):
            self._append_line(facts, j, origin=j)
        self._loading = False
        for h in range(len(self.h_members)):
            self.h_I[h] = self._issued(h)
            self._refresh_h(h)

    # ---- set-up -----------------------------------------------------------

    def _classify_rules(self) -> None:
        self.line_rules, self.share_rules, self.group_rules, self.hold_rule = [], [], [], None
        for rule in self.rules:
            if isinstance(rule, LineConditions):
                self.line_rules.append(rule)
            elif isinstance(rule, Share):
                self.share_rules.append(rule)
            elif isinstance(rule, (IssuerCap, BuildingCap)):
                self.group_rules.append(rule)
            elif isinstance(rule, HoldingCap):
                if self.hold_rule is not None:
                    raise NotImplementedError("plusieurs plafonds de détention dans une même version")
                self.hold_rule = rule
            else:  # a kind this engine does not know: refuse rather than pass
                raise NotImplementedError(f"règle de type « {rule.kind} » non prise en charge par le contrôle incrémental")

    def _init_state(self, big: bool) -> None:
        # per line
        self.value, self.alive, self.row, self.label, self.origin = [], [], [], [], []
        self.category, self.pocket, self.isin, self.issuer, self.currency = [], [], [], [], []
        self.q: list = []  # Fraction | None
        self.qi: list = []
        self.sec: list = []
        self.in_res, self.in_base, self.in_gestion = [], [], []
        self.l_rules: list[list] = []  # [(line rule index, tri-state)]
        self.l_shares: list[list] = []  # [share rule index]
        self.g_name: list[list] = []  # subject text per group rule
        self._line_lists = tuple(getattr(self, name) for name in _LINE_LISTS)
        self._all_line_lists = self._line_lists + (self.alive, self.origin, self.g_name)
        self.l_group: list[list] = []  # [(group rule index, group, counted tri-state)]
        self.l_hold: list = []  # issuer group of the holding cap; -1 out of scope; -2 in scope without issuer
        self.isin_index: dict = {}
        self.label_index: dict | None = None  # built on the first order matched by label
        # totals: reserves, base, gestion, excluded; line counts in reserves and in base
        self.tot = {"reserves": 0, "reserves_less_excluded": 0, "gestion": 0, "excluded": 0}
        self.cnt = {"reserves": 0, "reserves_less_excluded": 0}
        self.lr_applies = [0] * len(self.line_rules)
        self.lr_breach = [0] * len(self.line_rules)
        self.lr_unknown = [0] * len(self.line_rules)
        self.lr_figure = [0] * len(self.line_rules)
        self.sh_v = [0] * len(self.share_rules)
        self.groups = [_Groups(big) for _ in self.group_rules]
        self.gr_in = [0] * len(self.group_rules)  # alive lines in scope
        self.h_keys: dict = {}
        self.h_members: list[list[int]] = []
        self.h_state: list = []  # cached status per issuer group
        self.h_Q: list = []  # Σ quantity held, lines with both quantities
        self.h_I: list = []  # Σ per security of the quantity issued
        self.h_gv: list = []  # Σ value, cents
        self.h_alive: list = []  # alive members
        self.h_missing: list = []  # alive members missing a quantity
        self.h_count = {BREACH: 0, UNKNOWN_S: 0}
        self.h_in = [0]  # alive lines in scope
        self.h_noissuer = [0]  # alive lines in scope without issuer

    def _facts(self, ctx: Context) -> dict:
        """What the engine keeps of each line, from the rule objects themselves (vectorised)."""
        L = ctx.L
        n = ctx.n
        f = {
            "value": ctx.value.tolist(), "row": ctx.rows.tolist(), "label": [str(x) for x in L["label"].to_numpy()],
            "category": L["category"].to_numpy().tolist(), "pocket": L["pocket"].tolist(),
            "isin": L["isin"].tolist(), "reserves": ctx.reserves.tolist(),
            "issuer": [None if x is None else str(x) for x in L["issuer"].tolist()],
            "currency": L["currency"].tolist(),
            "base": ctx.base_masks["reserves_less_excluded"].tolist(), "gestion": ctx.gestion.tolist(),
        }
        l_rules = [[] for _ in range(n)]
        for r, rule in enumerate(self.line_rules):
            applies, tri = rule.line_status(ctx)
            for i in np.flatnonzero(applies).tolist():
                l_rules[i].append((r, int(tri[i])))
        f["l_rules"] = l_rules
        l_shares = [[] for _ in range(n)]
        for r, rule in enumerate(self.share_rules):
            for i in np.flatnonzero(rule.numerator(ctx)).tolist():
                l_shares[i].append(r)
        f["l_shares"] = l_shares
        issuers = L["issuer"].to_numpy()
        memo: dict = {}

        def keyof(x):
            k = memo.get(x)
            if k is None:
                k = memo[x] = group_key(x)
            return k
        ikey = [keyof(x) if isinstance(x, str) and x else None for x in issuers]
        props = L["property"].to_numpy()
        l_group = [[] for _ in range(n)]
        names = []
        for r, rule in enumerate(self.group_rules):
            nm = [None] * n
            if isinstance(rule, IssuerCap):
                in_scope, counted = rule._scope(ctx)
                member = in_scope & (counted != P.FALSE)
                for i in np.flatnonzero(member).tolist():
                    key = ("i", ikey[i]) if ikey[i] is not None else None  # None: a loose line, its own group
                    l_group[i].append((r, key, int(counted[i])))
                    nm[i] = str(issuers[i]) if key is not None else f["label"][i]
            else:
                p = rule.p
                in_scope = ctx.base_masks[p["base"]] & np.isin(ctx.cat, category_codes(p["categories"]))
                for i in np.flatnonzero(in_scope).tolist():
                    pr = props[i]
                    if isinstance(pr, str) and pr:
                        key, name = ("p", keyof(pr)), pr
                    elif ikey[i] is not None:
                        key, name = ("i", ikey[i]), str(issuers[i])
                    else:
                        key, name = ("l",), f["label"][i]  # made unique when added
                    l_group[i].append((r, key, P.TRUE))
                    nm[i] = str(name)
            names.append(nm)
        f["l_group"] = l_group
        f["g_name"] = names
        hold = [-1] * n
        if self.hold_rule is not None:
            scope = self.hold_rule._scope(ctx)
            for i in np.flatnonzero(scope).tolist():
                hold[i] = ("i", ikey[i]) if ikey[i] is not None else None
        f["hold"] = hold
        qx = L["quantity_exact"].to_numpy()
        qix = L["quantity_issued_exact"].to_numpy()
        f["q"] = [None if x is None else _exact(x) for x in qx]
        f["qi"] = [None if x is None else _exact(x) for x in qix]
        isins = f["isin"]
        f["sec"] = [s if isinstance(s, str) else f"{ikey[i] or ''}\x00{f['label'][i]}" for i, s in enumerate(isins)]
        return f

    # ---- logged mutations (for try_order's undo) --------------------------

    def _set(self, c, k, v) -> None:
        if self._log is not None:
            self._log.append((0, c, k, c[k]))
        c[k] = v

    def _add(self, c, k, d) -> None:
        if d:
            self._set(c, k, c[k] + d)

    def _push(self, lst, v) -> None:
        if self._log is not None:
            self._log.append((1, lst, None, None))
        lst.append(v)

    def _newkey(self, d, k, v) -> None:
        if self._log is not None:
            self._log.append((2, d, k, None))
        d[k] = v

    def _setattr(self, obj, name, v) -> None:
        if self._log is not None:
            self._log.append((3, obj, name, getattr(obj, name)))
        setattr(obj, name, v)

    def _rollback(self, mark: int) -> None:
        log = self._log
        while len(log) > mark:
            op, c, k, old = log.pop()
            if op == 0:
                c[k] = old
            elif op == 1:
                c.pop()
            elif op == 4:
                for lst in c:
                    lst.pop()
            elif op == 2:
                del c[k]
            else:
                setattr(c, k, old)

    # ---- lines ------------------------------------------------------------

    def _append_line(self, f: dict, j: int, origin) -> int:
        i = len(self.value)
        lists = self._line_lists
        for lst, src in zip(lists, _LINE_FIELDS):
            lst.append(f[src][j])
        self.alive.append(False)
        self.origin.append(origin)
        self.g_name.append([f["g_name"][r][j] for r in range(len(self.group_rules))])
        if self._log is not None:
            self._log.append((4, self._all_line_lists, None, None))
        # groups of the caps per group
        lg = []
        for r, key, counted in f["l_group"][j]:
            G = self.groups[r]
            if key == ("l",):
                key = ("l", i)
            g = G.keys.get(key)
            if g is None:
                g = self._new_group(G, key, loose=key is None)
            self._push(G.members[g], i)
            lg.append((r, g, counted))
        self._push(self.l_group, lg)
        hk = f["hold"][j]
        if hk == -1:
            h = -1
        elif hk is None:
            h = -2
        else:
            h = self.h_keys.get(hk)
            if h is None:
                h = len(self.h_members)
                self._newkey(self.h_keys, hk, h)
                self._push(self.h_members, [])
                self._push(self.h_state, _M(NA))
                for lst, zero in ((self.h_Q, 0), (self.h_I, 0), (self.h_gv, 0),
                                  (self.h_alive, 0), (self.h_missing, 0)):
                    self._push(lst, zero)
            self._push(self.h_members[h], i)
        self._push(self.l_hold, h)
        # identity indexes
        isin = f["isin"][j]
        if isinstance(isin, str):
            self._index(self.isin_index, isin, i)
        if self.label_index is not None:
            self._index(self.label_index, P.key_of(f["label"][j]), i)
        self._switch(i, f["value"][j], alive=True)
        return i

    def _index(self, d: dict, key, i: int) -> None:
        if key in d:
            self._push(d[key], i)
        else:
            self._newkey(d, key, [i])

    def _new_group(self, G: _Groups, key, loose: bool) -> int:
        g = G.n
        if key is None:
            key = ("loose", g)
        if g == G.cap:
            for name in ("best", "worst", "loose", "size"):
                arr = getattr(G, name)
                grown = np.zeros(G.cap * 2, dtype=arr.dtype)
                grown[:G.cap] = arr
                self._setattr(G, name, grown)
            self._setattr(G, "cap", G.cap * 2)
        self._newkey(G.keys, key, g)
        self._push(G.members, [])
        self._set(G.loose, g, loose)
        self._setattr(G, "n", g + 1)
        return g

    def _contrib(self, i: int, sign: int) -> None:
        """Add (sign 1) or remove (sign -1) line i's contributions at its current value."""
        v = self.value[i] * sign
        if self.in_res[i]:
            self._add(self.tot, "reserves", v)
            self._add(self.cnt, "reserves", sign)
            if self.in_base[i]:
                self._add(self.tot, "reserves_less_excluded", v)
                self._add(self.cnt, "reserves_less_excluded", sign)
            else:
                self._add(self.tot, "excluded", v)
        if self.in_gestion[i]:
            self._add(self.tot, "gestion", v)
        for r, tri in self.l_rules[i]:
            self._add(self.lr_applies, r, sign)
            self._add(self.lr_figure, r, v)
            if tri == P.FALSE:
                self._add(self.lr_breach, r, sign)
            elif tri == P.UNKNOWN:
                self._add(self.lr_unknown, r, sign)
        for r in self.l_shares[i]:
            self._add(self.sh_v, r, v)
        for r, g, counted in self.l_group[i]:
            G = self.groups[r]
            self._add(self.gr_in, r, sign)
            self._add(G.worst, g, v)
            if counted == P.TRUE:
                self._add(G.best, g, v)
            self._add(G.size, g, sign)
        h = self.l_hold[i]
        if h != -1:
            self._add(self.h_in, 0, sign)
            if h == -2:
                self._add(self.h_noissuer, 0, sign)
            else:
                self._add(self.h_gv, h, v)
                self._add(self.h_alive, h, sign)
                q, qi = self.q[i], self.qi[i]
                if q is None or qi is None:
                    self._add(self.h_missing, h, sign)
                else:
                    self._add(self.h_Q, h, q if sign > 0 else -q)

    def _shift(self, i: int, dv: int, dq) -> None:
        """An alive line stays alive with `dv` more cents (and `dq` more quantity): counts do not change."""
        if self.in_res[i]:
            self._add(self.tot, "reserves", dv)
            self._add(self.tot, "reserves_less_excluded" if self.in_base[i] else "excluded", dv)
        if self.in_gestion[i]:
            self._add(self.tot, "gestion", dv)
        for r, _ in self.l_rules[i]:
            self._add(self.lr_figure, r, dv)
        for r in self.l_shares[i]:
            self._add(self.sh_v, r, dv)
        for r, g, counted in self.l_group[i]:
            G = self.groups[r]
            self._add(G.worst, g, dv)
            if counted == P.TRUE:
                self._add(G.best, g, dv)
        h = self.l_hold[i]
        if h >= 0:
            self._add(self.h_gv, h, dv)
            if dq:
                self._add(self.h_Q, h, dq)

    def _switch(self, i: int, new_value: int, alive: bool, q=None, new_q: bool = False) -> None:
        was = self.alive[i]
        old_q = self.q[i]
        if was and alive and not self._loading and (not new_q or (old_q is None) == (q is None)):
            dq = q - old_q if new_q and q is not None and self.qi[i] is not None else 0
            self._shift(i, new_value - self.value[i], dq)
            self._set(self.value, i, new_value)
            if new_q:
                self._set(self.q, i, q)
            if abs(new_value) >= _BIG // 4 or abs(self.tot["reserves"]) >= _BIG:
                self._widen()
            h = self.l_hold[i]
            if h >= 0:
                self._refresh_h(h)
            return
        if was:
            self._contrib(i, -1)
        self._set(self.value, i, new_value)
        self._set(self.alive, i, alive)
        if new_q:
            self._set(self.q, i, q)
        if alive:
            self._contrib(i, 1)
        if abs(new_value) >= _BIG // 4 or abs(self.tot["reserves"]) >= _BIG:
            self._widen()
        h = self.l_hold[i]
        if h >= 0 and not self._loading:
            if was != alive:
                self._set(self.h_I, h, self._issued(h))
            self._refresh_h(h)

    def _widen(self) -> None:
        """Group sums near int64's reach: Python integers from now on."""
        for G in self.groups:
            if G.dtype is not object:
                for name in ("best", "worst"):
                    self._setattr(G, name, getattr(G, name).astype(object))
                self._setattr(G, "dtype", object)

    # ---- holding cap per issuer ------------------------------------------

    def _issued(self, h: int):
        """Σ over the issuer's securities of the largest quantity issued reported (READING 7)."""
        per_sec: dict = {}
        for i in self.h_members[h]:
            if self.alive[i] and self.qi[i] is not None:
                per_sec[self.sec[i]] = max(per_sec.get(self.sec[i], 0), self.qi[i])
        return sum(per_sec.values(), 0)

    def _h_measure(self, h: int, rows: bool = False) -> _M:
        """The issuer's state, from its sums (members are read only for the rows of a report)."""
        if self.h_alive[h] == 0:
            return _M(NA)
        lim = self.lim[self.hold_rule.id]
        gv = self.h_gv[h]
        members = self.h_members[h]
        first = next(i for i in members if self.alive[i])
        subject = self.issuer[first]
        if self.h_missing[h]:
            rws = tuple(sorted(self.row[i] for i in members if self.alive[i] and
                               (self.q[i] is None or self.qi[i] is None))) if rows else ()
            return _M(UNKNOWN_S, euros=gv, subject=subject, rows=rws)
        rws = tuple(sorted(self.row[i] for i in members if self.alive[i])) if rows else ()
        Q, I = self.h_Q[h], self.h_I[h]
        if I <= 0:
            return _M(UNKNOWN_S, euros=None, subject=subject, rows=rws)
        ratio = _Ratio(Q, I)
        if ratio > lim:
            lim_f = float(lim)
            Qf, If = float(Q), float(I)
            excess_q = Qf - lim_f * If
            amount = int(np.ceil(gv * excess_q / Qf)) if Qf > 0 else gv
            return _M(BREACH, excess=amount, share=ratio, euros=gv, subject=subject, rows=rws)
        return _M(OK, share=ratio, euros=gv, subject=subject, rows=rws)

    def _refresh_h(self, h: int) -> None:
        old = self.h_state[h]
        new = self._h_measure(h)
        if old.status in self.h_count:
            self._add(self.h_count, old.status, -1)
        if new.status in self.h_count:
            self._add(self.h_count, new.status, 1)
        self._set(self.h_state, h, new)

    # ---- orders -----------------------------------------------------------

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
            cands, match = self.label_index.get(P.key_of(order.label), []), "libelle"
            cands = [i for i in cands if i < len(self.value)]
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

    def _apply_one(self, order, touched: set) -> tuple:
        kind, i, match = self._resolve(order)
        if kind == "holding":
            old = self.value[i] if self.alive[i] else 0
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
            self._switch(i, new, alive=new != 0, q=self._requantify(i, old, new, order), new_q=True)
            line_row = self.row[i]
        else:
            if order.amount < 0 and (order.category is None or order.category != P.CAT_IFT):
                what = f"l'ISIN {order.isin}" if order.isin else f"« {order.label} »"
                raise order.problem(f"vente d'une ligne absente du portefeuille ({what})", column="market_value",
                                    value=order.amount_text)
            f, frame = order.new_line(self)
            f = dict(f, row=[self.next_row])  # the table gets its row when the portfolio is rebuilt
            self._setattr(self, "next_row", self.next_row + 1)
            i = self._append_line(f, 0, origin=(order, frame))
            self._push(self.new_lines, i)
            line_row = self.row[i]
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
            nq = Fraction(math.ceil(Fraction(q) * new / old * 10**6), 10**6)
            nq = nq.numerator if nq.denominator == 1 else nq
        else:
            nq = None  # nothing to scale from
        return nq

    # ---- measures ---------------------------------------------------------

    def _base(self, name: str) -> int:
        return self.tot[name]

    def _share_m(self, r: int) -> _M:
        rule = self.share_rules[r]
        base_name = rule.p["base"]
        if self.cnt[base_name] == 0:
            return _M(NA, subject=rule.spec.title)
        b = self.tot[base_name]
        v = self.sh_v[r]
        if b <= 0:
            return _M(UNKNOWN_S, euros=v, subject="base")
        lim = self.lim[rule.id]
        share = _Ratio(v, b)
        if rule.p["sense"] == "max":
            allowed = cap_cents(b, lim)
            if v <= allowed:
                return _M(OK, share=share, euros=v, subject=rule.spec.title)
            return _M(BREACH, excess=v - allowed, share=share, euros=v, subject=rule.spec.title)
        need = floor_cents(b, lim)
        if v >= need:
            return _M(OK, share=share, euros=v, subject=rule.spec.title)
        return _M(BREACH, excess=need - v, share=share, euros=v, subject=rule.spec.title)

    def _line_m(self, r: int, i: int) -> _M | None:
        if not self.alive[i]:
            return None
        for rr, tri in self.l_rules[i]:
            if rr == r:
                v = self.value[i]
                if tri == P.TRUE:
                    return _M(OK, euros=v, subject=self.label[i], rows=(self.row[i],))
                if tri == P.FALSE:
                    return _M(BREACH, excess=max(v, 0), euros=v, subject=self.label[i], rows=(self.row[i],))
                return _M(UNKNOWN_S, euros=v, subject=self.label[i], rows=(self.row[i],))
        return None

    def _group_m(self, r: int, g: int, rows: bool = False) -> _M | None:
        G = self.groups[r]
        if g >= G.n or G.size[g] == 0:
            return None
        rule = self.group_rules[r]
        b = self.tot[rule.p["base"]]
        if b <= 0:
            return None
        lim = self.lim[rule.id]
        allowed = cap_cents(b, lim)
        best, worst_ = int(G.best[g]), int(G.worst[g])
        members = [i for i in G.members[g] if self.alive[i]]
        subject = self.g_name[members[0]][r]
        if G.loose[g]:
            i = members[0]
            sure = self._counted(r, i) == P.TRUE
            rws = (self.row[i],)
            if sure and best > allowed:
                return _M(BREACH, excess=best - allowed, share=_Ratio(best, b), euros=best, subject=subject, rows=rws)
            return _M(UNKNOWN_S, share=_Ratio(worst_, b), euros=worst_, subject=subject, rows=rws)
        if best > allowed:
            rws = tuple(sorted(self.row[i] for i in members if self._counted(r, i) == P.TRUE)) if rows else ()
            return _M(BREACH, excess=best - allowed, share=_Ratio(best, b), euros=best, subject=subject, rows=rws)
        if worst_ > allowed:
            rws = tuple(sorted(self.row[i] for i in members if self._counted(r, i) != P.TRUE)) if rows else ()
            return _M(UNKNOWN_S, share=_Ratio(worst_, b), euros=worst_, subject=subject, rows=rws)
        return _M(OK, share=_Ratio(best, b), euros=best, subject=subject)

    def _counted(self, r: int, i: int) -> int:
        for rr, g, counted in self.l_group[i]:
            if rr == r:
                return counted
        return P.FALSE

    def _hline_m(self, i: int) -> _M | None:
        if not self.alive[i] or self.l_hold[i] != -2:
            return None
        return _M(UNKNOWN_S, euros=self.value[i], subject=self.label[i], rows=(self.row[i],))

    # ---- rule statuses ----------------------------------------------------

    def _group_scan(self, r: int):
        """Which groups are in breach, unknown or above the warning level: one vectorised comparison picks the
        groups above the warning level (the others are compliant and quiet), then each is looked at."""
        G = self.groups[r]
        rule = self.group_rules[r]
        b = self.tot[rule.p["base"]]
        if b <= 0:
            return b, None, None, None
        lim = self.lim[rule.id]
        allowed = cap_cents(b, lim)
        level = cap_cents(b, self.level[rule.id])
        n = G.n
        cand = np.flatnonzero(G.worst[:n] > level).tolist()
        if G.loose[:n].any():
            cand = sorted(set(cand) | set(np.flatnonzero(G.loose[:n] & (G.size[:n] > 0)).tolist()))
        breach, unknown, warn = [], [], []
        best, worst_, loose, size = G.best, G.worst, G.loose, G.size
        for g in cand:
            if size[g] <= 0:
                continue
            if best[g] > allowed:  # a loose line's `best` is zero unless it surely counts
                breach.append(g)
            elif worst_[g] > allowed or loose[g]:
                unknown.append(g)
            elif best[g] > level:
                warn.append(g)
        return b, breach, unknown, warn

    def rule_statuses(self, scans: dict | None = None, shares: dict | None = None) -> dict:
        """Status of every rule now, from the aggregates."""
        out = {}
        for r, rule in enumerate(self.line_rules):
            if self.lr_applies[r] == 0:
                out[rule.id] = NA
            elif self.lr_breach[r]:
                out[rule.id] = BREACH
            elif self.lr_unknown[r]:
                out[rule.id] = UNKNOWN_S
            else:
                out[rule.id] = OK
        for r, rule in enumerate(self.share_rules):
            out[rule.id] = (shares[("s", r)] if shares else self._share_m(r)).status
        for r, rule in enumerate(self.group_rules):
            if self.gr_in[r] == 0:
                out[rule.id] = NA
                continue
            b, breach, unknown, _ = scans[r] if scans else self._group_scan(r)
            if breach is None:
                out[rule.id] = UNKNOWN_S
            else:
                out[rule.id] = BREACH if breach else UNKNOWN_S if unknown else OK
        if self.hold_rule is not None:
            if self.h_in[0] == 0:
                st = NA
            elif self.h_count[BREACH]:
                st = BREACH
            elif self.h_count[UNKNOWN_S] or self.h_noissuer[0]:
                st = UNKNOWN_S
            else:
                st = OK
            out[self.hold_rule.id] = st
        return {rule.id: out[rule.id] for rule in self.rules}

    @property
    def status(self) -> str:
        s = worst(self.rule_statuses().values())
        return OK if s == NA else s

    # ---- before / after ---------------------------------------------------

    def _measures(self, touched: set, extra_keys=None) -> tuple[dict, dict, str]:
        """Measures of the subjects the touched lines are in, of every share rule, and of every group that is
        in breach, unknown or above the warning level; plus the rule statuses. With `extra_keys`: the measures
        of those subjects only."""
        out: dict = {}
        if extra_keys is not None:
            for key in extra_keys:
                out[key] = self._measure(key)
            return out, {}, ""
        for r in range(len(self.share_rules)):
            out[("s", r)] = self._share_m(r)
        scans = {}
        for r in range(len(self.group_rules)):
            scans[r] = scan = self._group_scan(r)
            b, breach, unknown, warn = scan
            if breach is None:
                out[("base", r)] = _M(UNKNOWN_S, subject="base")
                continue
            for g in breach + unknown + warn:
                out[("g", r, g)] = self._group_m(r, g)
        for i in touched:
            for r, _ in self.l_rules[i]:
                out[("l", r, i)] = self._line_m(r, i)
            for r, g, _ in self.l_group[i]:
                out[("g", r, g)] = self._group_m(r, g)
            h = self.l_hold[i]
            if h >= 0:
                out[("h", h)] = self.h_state[h]
            elif h == -2:
                out[("hl", i)] = self._hline_m(i)
        statuses = self.rule_statuses(scans, out)
        s = worst(statuses.values())
        return out, statuses, OK if s == NA else s

    def _measure(self, key) -> _M | None:
        kind = key[0]
        if kind == "s":
            return self._share_m(key[1])
        if kind == "g":
            return self._group_m(key[1], key[2]) if key[2] < self.groups[key[1]].n else None
        if kind == "l":
            return self._line_m(key[1], key[2]) if key[2] < len(self.value) else None
        if kind == "h":
            return self.h_state[key[1]] if key[1] < len(self.h_state) else None
        if kind == "hl":
            return self._hline_m(key[1]) if key[1] < len(self.value) else None
        if kind == "base":
            r = key[1]
            return _M(UNKNOWN_S, subject="base") if self.tot[self.group_rules[r].p["base"]] <= 0 else None
        raise KeyError(key)

    def _rule_of(self, key):
        kind = key[0]
        if kind == "s":
            return self.share_rules[key[1]]
        if kind in ("g", "base"):
            return self.group_rules[key[1]]
        if kind == "l":
            return self.line_rules[key[1]]
        return self.hold_rule

    def _compare(self, before: dict, after: dict, touched_keys: set) -> tuple[list, list]:
        changes, alerts = [], []
        for key, m1 in after.items():
            if m1 is None:
                continue
            m0 = before.get(key)
            rule = self._rule_of(key)
            lim = self.lim.get(rule.id)
            floor = rule.kind == "share" and rule.p["sense"] == "min"
            st0 = m0.status if m0 is not None else NA
            effect = EFFECT_NEUTRAL
            if m1.status == BREACH:
                if st0 != BREACH:
                    effect = EFFECT_CREATES
                elif _grew(m1.excess, m0.excess) or _worse_share(m1.share, m0.share, floor) or \
                        (key[0] == "l" and _grew(m1.euros, m0.euros)):
                    effect = EFFECT_WORSENS
            elif m1.status == UNKNOWN_S:
                if st0 in (OK, NA):
                    effect = EFFECT_UNKNOWN
                elif key in touched_keys and (_grew(m1.euros, m0.euros) or _worse_share(m1.share, m0.share, floor)):
                    effect = EFFECT_UNKNOWN
            elif m1.status == OK and m1.share is not None and lim is not None:
                level = self.level[rule.id]
                in_zone = m1.share > level if not floor else m1.share < level
                grew = m0 is None or m0.share is None or _worse_share(m1.share, m0.share, floor)
                if in_zone and grew:
                    what = "plafond" if not floor else "plancher"
                    head = rule.spec.title if m1.subject == rule.spec.title else f"{rule.spec.title} — {m1.subject}"
                    alerts.append(Alert(rule.id, rule.spec.article, m1.subject, float(m1.share), float(lim),
                                        float(level), f"{head} : {fr_pct(float(m1.share))} "
                                        f"pour un {what} de {fr_pct(float(lim))} (seuil d'alerte "
                                        f"{fr_pct(float(level))})"))
            if effect != EFFECT_NEUTRAL:
                changes.append(self._change(rule, key, effect, m0, m1))
        changes.sort(key=lambda c: -EFFECT_RANK[c.effect])
        return changes, alerts

    def _change(self, rule, key, effect, m0, m1) -> Change:
        lim_f = float(self.lim[rule.id]) if rule.id in self.lim else None
        st0 = m0.status if m0 is not None else NA
        share = None if m1.share is None else float(m1.share)
        words = {EFFECT_CREATES: "dépassement créé", EFFECT_WORSENS: "dépassement aggravé",
                 EFFECT_UNKNOWN: "à vérifier"}[effect]
        head = rule.spec.title if m1.subject == rule.spec.title else f"{rule.spec.title} — {m1.subject}"
        if key[0] == "l":
            msg = (f"{rule.spec.title} — « {m1.subject} » : {words} "
                   + ("(ligne non conforme)" if m1.status == BREACH else "(données manquantes sur la ligne)"))
        elif share is not None:
            what = "plancher" if rule.kind == "share" and rule.p["sense"] == "min" else "plafond"
            msg = f"{head} : {words}, {fr_pct(share)} pour un {what} de {fr_pct(lim_f)}"
            if m1.excess is not None:
                msg += f" (écart {fr_euros(m1.excess)}"
                if m0 is not None and m0.excess is not None:
                    msg += f", contre {fr_euros(m0.excess)} avant"
                msg += ")"
        else:
            msg = f"{head} : {words}"
        return Change(rule.id, rule.spec.article, m1.subject, effect, st0, m1.status,
                      None if m0 is None or m0.share is None else float(m0.share), share, lim_f,
                      None if m0 is None else m0.excess, m1.excess, None if m0 is None else m0.euros, m1.euros,
                      list(m1.rows), msg)

    # ---- public -----------------------------------------------------------

    def _run(self, orders, keep: bool) -> OrderOutcome:
        orders = list(orders)
        outer = self._log
        self._log = []
        mark = 0
        touched: set = set()
        try:
            placed = [self._apply_one(o, touched) for o in orders]
            after, statuses, status = self._measures(touched)
            tkeys = {k for k in after if k[0] in ("l", "hl", "h")} | {
                ("g", r, g) for i in touched for r, g, _ in self.l_group[i]}
            after_keys = list(after)
            self._rollback(mark)
            before, _, _ = self._measures(set(), extra_keys=after_keys)
            if keep:  # apply again without the log
                self._log = outer
                for o in orders:
                    self._apply_one(o, set())
        except BaseException:
            if self._log is not None and len(self._log) > mark:
                self._rollback(mark)
            raise
        finally:
            self._log = outer
        changes, alerts = self._compare(before, after, tkeys)
        effect = worst_effect(c.effect for c in changes)
        if len(orders) == 1:
            o = orders[0]
            i, match, line_row = placed[0]
            return OrderOutcome(o.row, o.label or self.label[i], o.isin, o.amount, match, line_row, effect, changes,
                                alerts, status, statuses)
        return OrderOutcome(None, "ensemble des ordres", None, sum(o.amount for o in orders), "ensemble", None,
                            effect, changes, alerts, status, statuses)

    def try_order(self, order) -> OrderOutcome:
        """The effect of one order on the portfolio as it stands; the engine is left unchanged."""
        from reserves.pretrade.orders import as_order

        return self._run([as_order(order)], keep=False)

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

    # ---- the state as a verdict, and as a portfolio -----------------------

    def summary(self) -> dict:
        """Every rule's status, figures and findings as the checker would report them (for comparisons)."""
        statuses = self.rule_statuses()
        out = {}
        for r, rule in enumerate(self.line_rules):
            fs = []
            for i in range(len(self.value)):
                m = self._line_m(r, i)
                if m is not None and m.status != OK:
                    fs.append((m.subject, m.status, m.excess if m.status == BREACH else None, m.rows))
            fig = self.lr_figure[r] if self.lr_applies[r] else None
            out[rule.id] = {"status": statuses[rule.id], "findings": fs, "figure": fig}
        for r, rule in enumerate(self.share_rules):
            m = self._share_m(r)
            d = {"status": m.status, "findings": [], "figure": None, "value": None, "headroom": None}
            if m.status in (OK, BREACH):
                b = self.tot[rule.p["base"]]
                lim = self.lim[rule.id]
                d["value"] = m.euros / b
                d["figure"] = m.euros
                d["headroom"] = cap_cents(b, lim) - m.euros if rule.p["sense"] == "max" else m.euros - floor_cents(b, lim)
            if m.status == BREACH:
                rows = tuple(self.row[i] for i in range(len(self.value)) if self.alive[i] and r in self.l_shares[i])
                d["findings"] = [(m.subject, BREACH, m.excess, rows)]
            elif m.status == UNKNOWN_S:
                d["findings"] = [("base", UNKNOWN_S, None, ())]
                d["figure"] = m.euros
            out[rule.id] = d
        for r, rule in enumerate(self.group_rules):
            G = self.groups[r]
            d = {"status": statuses[rule.id], "findings": [], "figure": None, "value": None, "headroom": None}
            b = self.tot[rule.p["base"]]
            if statuses[rule.id] != NA:
                if b <= 0:
                    d["findings"] = [("base", UNKNOWN_S, None, ())]
                else:
                    top = 0
                    for g in range(G.n):
                        m = self._group_m(r, g, rows=True)
                        if m is None:
                            continue
                        if not G.loose[g]:
                            top = max(top, int(G.best[g]))
                        if m.status != OK:
                            d["findings"].append((m.subject, m.status, m.excess, m.rows))
                    allowed = cap_cents(b, self.lim[rule.id])
                    d.update(value=top / b, figure=top, headroom=allowed - top)
            out[rule.id] = d
        if self.hold_rule is not None:
            d = {"status": statuses[self.hold_rule.id], "findings": [], "value": None}
            worst_ratio = 0.0
            for i in range(len(self.value)):
                m = self._hline_m(i)
                if m is not None:
                    d["findings"].append((m.subject, UNKNOWN_S, None, m.rows))
            for h in range(len(self.h_members)):
                m = self._h_measure(h, rows=True)
                if m.status == NA:
                    continue
                if m.status in (OK, BREACH):
                    worst_ratio = max(worst_ratio, float(m.share))
                if m.status != OK:
                    d["findings"].append((m.subject, m.status, m.excess, m.rows))
            if statuses[self.hold_rule.id] != NA:
                d["value"] = worst_ratio
            out[self.hold_rule.id] = d
        return out

    def portfolio(self):
        """The portfolio as the engine now holds it (lines sold entirely are left out, new lines at the end)."""
        from reserves.pretrade.orders import rebuild_codes

        pf = self.pf
        L = pf.lines
        n0 = len(L)
        keep = np.array(self.alive[:n0], dtype=bool)
        lines = L.copy()
        value = np.array(self.value[:n0], dtype=np.int64)
        changed = np.flatnonzero(value != L["value"].to_numpy())
        if len(changed):
            lines.loc[lines.index[changed], "value"] = value[changed]
            lines.loc[lines.index[changed], "market_value"] = value[changed] - L["accrued_interest"].to_numpy()[changed]
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
            frame["row"] = self.row[i]
            frame["value"] = self.value[i]
            frame["market_value"] = self.value[i] - frame["accrued_interest"].to_numpy()
            q = self.q[i]
            frame["quantity_exact"] = pd.Series([None if q is None else _dec(q)], dtype=object).to_numpy()
            frame["quantity"] = np.nan if q is None else float(q)
            if self.alive[i]:
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


def _warning_fraction(w) -> Fraction:
    try:
        f = Fraction(str(w))
    except (ValueError, ZeroDivisionError):
        raise InputError([Problem(f"seuil d'alerte invalide : « {w} » (attendu un nombre entre 0 et 1, par exemple 0,9)")]) from None
    if not 0 < f <= 1:
        raise InputError([Problem(f"seuil d'alerte invalide : « {w} » (attendu un nombre entre 0 et 1, par exemple 0,9)")])
    return f


__all__ = ["Engine", "OrderOutcome", "Change", "Alert", "EFFECT_CREATES", "EFFECT_WORSENS", "EFFECT_UNKNOWN",
           "EFFECT_NEUTRAL", "DEFAULT_WARNING", "worst_effect"]
