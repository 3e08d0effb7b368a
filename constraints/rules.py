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

import numpy as np
import pandas as pd

from reserves.parsing import CAT_IFT, CAT_OTHER, CATEGORY_CODES, FALSE, TRUE, UNKNOWN

from .rulebook import RuleSpec, Version, states_on

OK, BREACH, UNKNOWN_S, NA = "ok", "breach", "unknown", "not_applicable"
_RANK = {NA: 0, OK: 1, UNKNOWN_S: 2, BREACH: 3}


def worst(statuses) -> str:
    out = NA
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


def category_codes(items) -> np.ndarray:
    return np.array([CATEGORY_CODES[str(c)] for c in items], dtype=np.int8)


def euros(cents: int | None) -> float | None:
    return None if cents is None else int(cents) / 100


def fr_euros(cents: int) -> str:
    s = f"{abs(int(cents)) / 100:,.2f}".replace(",", "\u202f").replace(".", ",")
    return ("-" if cents < 0 else "") + s + " €"


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
    spec: RuleSpec
    status: str
    findings: list
    value: float | None = None  # the rule's figure: a share, or the largest group share
    limit: float | None = None
    headroom: int | None = None  # cents that may still go to the capped set (or above the floor)
    figure: int | None = None  # euros behind `value`, cents
    note: str = ""

    def to_dict(self, version: Version) -> dict:
        d = {"id": self.spec.id, "status": self.status, "article": self.spec.article, "title": self.spec.title,
             "version": version.id, "value": self.value, "limit": self.limit,
             "euros": euros(self.figure), "headroom": euros(self.headroom),
             "breaches": sum(f.status == BREACH for f in self.findings),
             "unknowns": sum(f.status == UNKNOWN_S for f in self.findings)}
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class LinearBlock:
    """Rows `k` of: Σ_j A[k, j]·x_j  (sense)  share · Σ_j base_j·x_j + const_k, with x the line values in euros.

    Homogeneous in the total whenever `const` is zero, so that a new total
    (cash in or out) leaves the form unchanged.
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

    @property
    def n_rows(self) -> int:
        return len(self.subjects)


# --------------------------------------------------------------------------- context


class Context:
    """A portfolio seen by the rules on a date: masks and totals computed once."""

    def __init__(self, pf, version: Version, as_of: dt.date):
        self.pf = pf
        self.version = version
        self.as_of = as_of
        L = pf.lines
        self.L = L
        self.n = len(L)
        self.cat = L["category"].to_numpy()
        self.value = L["value"].to_numpy(dtype=np.int64)
        self.rows = L["row"].to_numpy()
        self.gestion = L["gestion"].to_numpy(dtype=bool)
        self.reserves = ~self.gestion
        self.excluded = L["excluded"].to_numpy(dtype=bool)
        self.base_masks = {"reserves": self.reserves, "reserves_less_excluded": self.reserves & ~self.excluded}
        self._totals: dict[str, int] = {}
        self.memo: dict = {}  # answers shared by several rules (read-only arrays)

    def total(self, base: str) -> int:
        if base not in self._totals:
            self._totals[base] = exact_sum(self.value[self.base_masks[base]])
        return self._totals[base]

    def known(self, column: str) -> np.ndarray:
        """Lines where a text column is filled (read-only, computed once)."""
        key = ("known", column)
        if key not in self.memo:
            k = ~pd.isna(self.L[column].to_numpy())
            k.flags.writeable = False
            self.memo[key] = k
        return self.memo[key]

    def states(self, group: str) -> frozenset:
        return states_on(group, self.as_of)

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


class Rule:
    kind = ""

    def __init__(self, spec: RuleSpec):
        self.spec = spec
        self.id = spec.id
        self.p = spec.params

    def evaluate(self, ctx: Context) -> RuleResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def linear_form(self, ctx: Context) -> LinearBlock | None:
        return None

    def line_status(self, ctx: Context) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def finding(self, status, subject, rows, message, **kw) -> Finding:
        return Finding(self.id, status, subject, list(rows), message, article=self.spec.article, **kw)


# ---- line conditions -------------------------------------------------------


def in_categories(cat: np.ndarray, items) -> np.ndarray:
    """cat ∈ items, by a lookup table over the category codes (one pass, no sort)."""
    table = np.zeros(max(CATEGORY_CODES.values()) + 1, dtype=bool)
    table[category_codes(items)] = True
    return table[cat]


def _when_mask(ctx: Context, when) -> np.ndarray:
    if when == "all":
        return np.ones(ctx.n, dtype=bool)
    return in_categories(ctx.cat, when)


def _test(ctx: Context, req) -> tuple[np.ndarray, list, dict]:
    """Tri-state per line for one requirement; the columns it reads; numeric details."""
    if req == "never":
        return np.full(ctx.n, FALSE, dtype=np.int8), [], {}
    if "any_of" in req:
        parts = [_test(ctx, r) for r in req["any_of"]]
        tri = np.maximum.reduce([p[0] for p in parts])
        return tri, [c for p in parts for c in p[1]], {"parts": parts}
    col = req["column"]
    L = ctx.L
    if "is" in req:
        tri = L[col].to_numpy(dtype=np.int8).copy()
        if "blank_means" in req:
            tri[tri == UNKNOWN] = TRUE if req["blank_means"] else FALSE
        if req["is"] is False:
            tri = (2 - tri).astype(np.int8)
        return tri, [col], {}
    if "at_most" in req or "at_least" in req:
        x = L[col].to_numpy(dtype=float)
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
        tri = ctx.memo.get(key)
        if tri is None:  # several rules ask the same question of the same column
            members = ctx.states(req["in"])
            x = L[col].to_numpy()
            known = ctx.known(col)
            inside = pd.Series(x, dtype=object).isin(members).to_numpy(dtype=bool)
            tri = np.where(known, np.where(inside, TRUE, FALSE), UNKNOWN).astype(np.int8)
            tri.flags.writeable = False
            ctx.memo[key] = tri
        return tri, [col], {}
    if "not_in" in req:
        x = L[col].to_numpy()
        known = ctx.known(col)
        inside = pd.Series(x, dtype=object).isin([str(v).upper() for v in req["not_in"]]).to_numpy(dtype=bool)
        tri = np.where(known, np.where(inside, FALSE, TRUE), UNKNOWN).astype(np.int8)
        return tri, [col], {}
    raise ValueError(f"unknown requirement {req!r}")


class LineConditions(Rule):
    """Conditions that each line of some categories must meet (the article's own list)."""

    kind = "line_conditions"

    def _pocket_mask(self, ctx: Context) -> np.ndarray:
        pockets = self.p.get("pockets", ["reserves", "gestion"])
        mask = np.zeros(ctx.n, dtype=bool)
        if "reserves" in pockets:
            mask |= ctx.reserves
        if "gestion" in pockets:
            mask |= ctx.gestion
        return mask

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
        conds = list(self._conditions(ctx))
        applies_any = self._covered(ctx)
        status = np.full(ctx.n, TRUE, dtype=np.int8)
        for _, applies, tri, _, _ in conds:
            applies_any |= applies
            status = np.where(applies, np.minimum(status, tri), status)
        if not applies_any.any():
            return RuleResult(self.spec, NA, [])
        bad = np.flatnonzero(applies_any & (status < TRUE))
        findings = []
        labels = ctx.L["label"].to_numpy()
        for i in bad:
            failed, unknown_cols, value, limit = [], [], None, None
            for cond, applies, tri, cols, extra in conds:
                if not applies[i]:
                    continue
                if tri[i] == FALSE:
                    failed.append(cond["says"])
                    if "numeric" in extra:
                        x, lim = extra["numeric"]
                        value, limit = float(x[i]), lim
                elif tri[i] == UNKNOWN:
                    if "parts" in extra:  # either-or: only the alternatives still open are to fill
                        cols = [c for p in extra["parts"] if p[0][i] == UNKNOWN for c in p[1]]
                    unknown_cols += [c for c in cols if c not in unknown_cols]
            value_cents = int(ctx.value[i])
            if status[i] == FALSE:
                msg = "; ".join(failed) + f" — ligne à céder ({fr_euros(value_cents)})"
                findings.append(self.finding(BREACH, str(labels[i]), [ctx.rows[i]], msg, value=value, limit=limit,
                                             amount=max(value_cents, 0), action="sell", euros=value_cents))
            else:
                names = [ctx.colname(c) for c in unknown_cols]
                msg = "à vérifier : renseigner " + ", ".join(f"« {c} »" for c in names)
                findings.append(self.finding(UNKNOWN_S, str(labels[i]), [ctx.rows[i]], msg, euros=value_cents,
                                             columns=names))
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, figure=exact_sum(ctx.value[applies_any]))


# ---- share of the base -----------------------------------------------------


class Share(Rule):
    """A floor (`min`) or cap (`max`) on the share of some lines in the base."""

    kind = "share"

    def numerator(self, ctx: Context) -> np.ndarray:
        L = ctx.L
        mask = np.zeros(ctx.n, dtype=bool)
        for clause in self.p["numerator"]:
            m = np.ones(ctx.n, dtype=bool)
            if "categories" in clause:
                m &= in_categories(ctx.cat, clause["categories"])
            if "currency" in clause:
                m &= L["currency"].to_numpy() == clause["currency"]
            if "flag" in clause:
                m &= L[clause["flag"]].to_numpy() == TRUE
            if clause.get("euro"):
                m &= L["euro"].to_numpy(dtype=bool)
            mask |= m
        return mask & ctx.base_masks[self.p["base"]]

    def evaluate(self, ctx: Context) -> RuleResult:
        base_name = self.p["base"]
        lim = self.spec.limit()
        if not ctx.base_masks[base_name].any():
            return RuleResult(self.spec, NA, [], limit=float(lim), note="aucune ligne dans la poche de réserves")
        num = self.numerator(ctx)
        v = exact_sum(ctx.value[num])
        b = ctx.total(base_name)
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=float(lim), figure=v)
        share = v / b
        if self.p["sense"] == "max":
            allowed = cap_cents(b, lim)
            ok = v <= allowed
            headroom = allowed - v
            if ok:
                return RuleResult(self.spec, OK, [], share, float(lim), headroom, v)
            amount = v - allowed
            msg = (f"{fr_pct_beside(share, float(lim))} de la base ({fr_euros(v)}) pour un plafond de "
                   f"{fr_pct(float(lim))} : céder {fr_euros(amount)} et les replacer hors de ce poste")
            rows = ctx.rows[num].tolist()
            f = self.finding(BREACH, self.spec.title, rows, msg, value=share, limit=float(lim), amount=amount,
                             action="sell", euros=v)
            return RuleResult(self.spec, BREACH, [f], share, float(lim), headroom, v)
        need = floor_cents(b, lim)
        headroom = v - need
        if v >= need:
            return RuleResult(self.spec, OK, [], share, float(lim), headroom, v)
        amount = need - v
        msg = (f"{fr_pct_beside(share, float(lim))} de la base ({fr_euros(v)}) pour un plancher de {fr_pct(float(lim))} : "
               f"acheter {fr_euros(amount)} d'actifs éligibles en cédant d'autres actifs")
        rows = ctx.rows[num].tolist()
        f = self.finding(BREACH, self.spec.title, rows, msg, value=share, limit=float(lim), amount=amount,
                         action="buy", euros=v)
        return RuleResult(self.spec, BREACH, [f], share, float(lim), headroom, v)

    def linear_form(self, ctx: Context) -> LinearBlock:
        cols = np.flatnonzero(self.numerator(ctx))
        return LinearBlock(self.id, "<=" if self.p["sense"] == "max" else ">=", np.zeros(len(cols), dtype=np.int64),
                           cols, np.ones(len(cols)), self.spec.limit(), ctx.base_masks[self.p["base"]].copy(),
                           np.zeros(1), [self.spec.title])


# ---- caps per group --------------------------------------------------------


class _GroupCap(Rule):
    """A cap on the value of each group of lines as a share of the base."""

    def groups(self, ctx: Context):
        """(line indices, group code per line, number of groups, subject per group, counted tri-state per line)."""
        raise NotImplementedError

    def evaluate(self, ctx: Context) -> RuleResult:
        lim = self.spec.limit()
        base_name = self.p["base"]
        idx, codes, n_groups, subjects, counted, loose = self.groups(ctx)
        if len(idx) == 0 and len(loose) == 0:
            return RuleResult(self.spec, NA, [], limit=float(lim))
        b = ctx.total(base_name)
        if b <= 0:
            f = self.finding(UNKNOWN_S, "base", [], "base de calcul nulle ou négative : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=float(lim))
        vals = ctx.value[idx]
        sure = counted == TRUE
        best = group_sums(codes[sure], vals[sure], n_groups)
        worst_ = group_sums(codes, vals, n_groups)
        over_best = over_cap(best, b, lim)
        over_worst = over_cap(worst_, b, lim)
        allowed = cap_cents(b, lim)
        findings = []
        rows_all = ctx.rows[idx]
        flagged = np.flatnonzero(over_worst)
        if len(flagged):
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
        for g in flagged:
            members = order[bounds[g]:bounds[g + 1]]
            if over_best[g]:
                m = members[sure[members]]
                share = int(best[g]) / b
                amount = int(best[g]) - allowed
                msg = (f"{fr_pct_beside(share, float(lim))} de la base ({fr_euros(int(best[g]))}) pour un plafond de "
                       f"{fr_pct(float(lim))} : céder {fr_euros(amount)}")
                findings.append(self.finding(BREACH, subjects[g], sorted(rows_all[m].tolist()), msg, value=share,
                                             limit=float(lim), amount=amount, action="sell", euros=int(best[g])))
            else:
                m = members[~sure[members]]
                share = int(worst_[g]) / b
                cols = self.unknown_columns(ctx)
                msg = (f"jusqu'à {fr_pct(share)} de la base si les lignes indiquées comptent : à vérifier, "
                       "renseigner " + ", ".join(f"« {c} »" for c in cols))
                findings.append(self.finding(UNKNOWN_S, subjects[g], sorted(rows_all[m].tolist()), msg, value=share,
                                             limit=float(lim), euros=int(worst_[g]), columns=cols))
        findings += self.loose_findings(ctx, loose, b, lim)
        top = int(best.max()) if len(best) else 0
        findings.sort(key=lambda f: (f.status != BREACH, -(f.euros or 0)))
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, top / b, float(lim), allowed - top, top)

    def unknown_columns(self, ctx: Context) -> list:
        return []

    def loose_findings(self, ctx, loose, b, lim) -> list:
        return []

    def linear_form(self, ctx: Context) -> LinearBlock:
        idx, codes, n_groups, subjects, counted, _ = self.groups(ctx)
        keep = counted != FALSE  # worst case: lines of unknown status count
        return LinearBlock(self.id, "<=", codes[keep].astype(np.int64), idx[keep], np.ones(int(keep.sum())),
                           self.spec.limit(), ctx.base_masks[self.p["base"]].copy(), np.zeros(n_groups), subjects)


def _first_text(texts: np.ndarray, codes: np.ndarray, n_groups: int) -> list:
    """The first spelling of each group's name, as the user wrote it."""
    first = np.full(n_groups, -1, dtype=np.int64)
    pos = np.arange(len(codes))[::-1]
    first[codes[::-1]] = pos
    return [str(texts[i]) for i in first]


class IssuerCap(_GroupCap):
    """R. 623-10-1: at most 5 % of the assets per legal person (READING 5)."""

    kind = "issuer_cap"

    def _scope(self, ctx: Context):
        key = ("issuer_scope", self.id)
        if key in ctx.memo:
            return ctx.memo[key]
        L = ctx.L
        in_scope = ctx.base_masks[self.p["base"]] & in_categories(ctx.cat, self.p["categories"])
        funds = in_categories(ctx.cat, self.p["fund_categories"])
        form = L["legal_form"].to_numpy()
        no_person = pd.Series(form, dtype=object).isin(self.p["no_legal_personality"]).to_numpy(dtype=bool)
        has_form = ctx.known("legal_form")
        counted = np.full(ctx.n, TRUE, dtype=np.int8)
        counted[funds & has_form & no_person] = FALSE
        counted[funds & ~has_form] = UNKNOWN
        in_scope.flags.writeable = False
        counted.flags.writeable = False
        ctx.memo[key] = (in_scope, counted)
        return in_scope, counted

    def groups(self, ctx: Context):
        in_scope, counted = self._scope(ctx)
        icode = ctx.L["issuer_code"].to_numpy()
        idx = np.flatnonzero(in_scope & (icode >= 0) & (counted != FALSE))
        loose = np.flatnonzero(in_scope & (icode < 0) & (counted != FALSE))
        codes, uniq = pd.factorize(icode[idx])
        subjects = _first_text(ctx.L["issuer"].to_numpy()[idx], codes, len(uniq)) if len(idx) else []
        return idx, codes.astype(np.int64), len(uniq), subjects, counted[idx], loose

    def unknown_columns(self, ctx: Context) -> list:
        return [ctx.colname("legal_form")]

    def loose_findings(self, ctx, loose, b, lim) -> list:
        """Lines of a capped category with no issuer (READING 5): unknown, or a breach on their own."""
        out = []
        allowed = cap_cents(b, lim)
        _, counted = self._scope(ctx)
        labels = ctx.L["label"].to_numpy()
        over = over_cap(ctx.value[loose], b, lim)
        for i, o in zip(loose, over):
            v = int(ctx.value[i])
            if o and counted[i] == TRUE:
                out.append(self.finding(
                    BREACH, str(labels[i]), [ctx.rows[i]],
                    f"ligne sans émetteur qui dépasse à elle seule {fr_pct(float(lim))} de la base : céder "
                    f"{fr_euros(v - allowed)} (et renseigner « {ctx.colname('issuer')} »)",
                    value=v / b, limit=float(lim), amount=v - allowed, action="sell", euros=v,
                    columns=[ctx.colname("issuer")]))
            else:
                out.append(self.finding(
                    UNKNOWN_S, str(labels[i]), [ctx.rows[i]],
                    f"à vérifier : renseigner « {ctx.colname('issuer')} » pour le plafond de 5 % par personne morale",
                    value=v / b, limit=float(lim), euros=v, columns=[ctx.colname("issuer")]))
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


class BuildingCap(_GroupCap):
    """R. 623-10-1: at most 5 % per building or real-estate company (READING 6)."""

    kind = "building_cap"

    def groups(self, ctx: Context):
        L = ctx.L
        idx = np.flatnonzero(ctx.base_masks[self.p["base"]] & in_categories(ctx.cat, self.p["categories"]))
        pcode = L["property_code"].to_numpy()[idx]
        icode = L["issuer_code"].to_numpy()[idx]
        big = max(int(L["property_code"].max()), 0) + 1 if len(L) else 1
        bigi = max(int(L["issuer_code"].max()), 0) + 1 if len(L) else 1
        key = np.where(pcode >= 0, pcode, np.where(icode >= 0, big + icode, big + bigi + idx))
        codes, uniq = pd.factorize(key)
        prop = L["property"].to_numpy()[idx]
        iss = L["issuer"].to_numpy()[idx]
        lab = L["label"].to_numpy()[idx]
        names = np.where(pd.notna(prop), prop, np.where(pd.notna(iss), iss, lab))
        subjects = _first_text(names, codes, len(uniq)) if len(idx) else []
        return idx, codes.astype(np.int64), len(uniq), subjects, np.full(len(idx), TRUE, dtype=np.int8), []


class HoldingCap(Rule):
    """R. 623-10-1: at most 10 % of the securities issued by one issuer (READING 7).

    Per issuer, Σ quantity held / Σ quantity issued over that issuer's
    securities in the portfolio (each security counted once in the
    denominator); this can only overstate the true share.
    """

    kind = "holding_cap"

    def _scope(self, ctx: Context):
        return ctx.reserves & in_categories(ctx.cat, self.p["categories"])

    def _frame(self, ctx: Context):
        L = ctx.L
        idx = np.flatnonzero(self._scope(ctx))
        q = L["quantity"].to_numpy()[idx]
        qi = L["quantity_issued"].to_numpy()[idx]
        icode = L["issuer_code"].to_numpy()[idx]
        return idx, q, qi, icode

    def evaluate(self, ctx: Context) -> RuleResult:
        lim = self.spec.limit()
        idx, q, qi, icode = self._frame(ctx)
        if len(idx) == 0:
            return RuleResult(self.spec, NA, [], limit=float(lim))
        L = ctx.L
        findings = []
        no_issuer = icode < 0
        missing = np.isnan(q) | np.isnan(qi)
        labels = L["label"].to_numpy()
        for i in idx[no_issuer]:
            findings.append(self.finding(UNKNOWN_S, str(labels[i]), [ctx.rows[i]],
                                         f"à vérifier : renseigner « {ctx.colname('issuer')} » pour le plafond de 10 % de détention",
                                         columns=[ctx.colname("issuer")], euros=int(ctx.value[i])))
        has = ~no_issuer
        codes, uniq = pd.factorize(icode[has])
        sub_idx = idx[has]
        n_groups = len(uniq)
        gmissing = np.bincount(codes, weights=missing[has].astype(float), minlength=n_groups) > 0
        sec = L["security_code"].to_numpy()[sub_idx]
        qh = np.where(missing[has], 0.0, q[has])
        qih = np.where(missing[has], 0.0, qi[has])
        Q = np.bincount(codes, weights=qh, minlength=n_groups)
        # one denominator per security: the largest quantity issued reported for it
        df = pd.DataFrame({"g": codes, "s": sec, "qi": qih}).groupby(["g", "s"], sort=False)["qi"].max()
        I = np.bincount(df.index.get_level_values(0).to_numpy(), weights=df.to_numpy(), minlength=n_groups)
        ratio = np.divide(Q, I, out=np.full(n_groups, np.inf), where=I > 0)
        lim_f = float(lim)
        near = np.abs(ratio - lim_f) <= 1e-9
        over = ratio > lim_f
        if near.any() or (gmissing | (I <= 0) | over).any():  # members of a group are only needed for findings
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
        for g in np.flatnonzero(near & ~gmissing):  # exact decision at the boundary (groups with every quantity)
            members = sub_idx[order[bounds[g]:bounds[g + 1]]]
            over[g] = self._exact_over(L, members, lim)
        col_q, col_qi = ctx.colname("quantity"), ctx.colname("quantity_issued")
        concluded = ~gmissing & (I > 0)
        worst_ratio = max(0.0, float(ratio[concluded].max())) if concluded.any() else 0.0
        flagged = np.flatnonzero(gmissing | (I <= 0) | over)  # only these groups make findings
        subjects = _first_text(L["issuer"].to_numpy()[sub_idx], codes, n_groups) if len(flagged) else []
        for g in flagged:
            members = sub_idx[order[bounds[g]:bounds[g + 1]]]
            rows = sorted(ctx.rows[members].tolist())
            if gmissing[g]:
                miss_rows = sorted(ctx.rows[members[np.isnan(q[has][order[bounds[g]:bounds[g + 1]]]) |
                                                    np.isnan(qi[has][order[bounds[g]:bounds[g + 1]]])]].tolist())
                findings.append(self.finding(UNKNOWN_S, subjects[g], miss_rows,
                                             f"à vérifier : renseigner « {col_q} » et « {col_qi} »",
                                             columns=[col_q, col_qi], euros=exact_sum(ctx.value[members])))
                continue
            if I[g] <= 0:
                findings.append(self.finding(UNKNOWN_S, subjects[g], rows,
                                             f"quantité émise nulle : renseigner « {col_qi} »", columns=[col_qi]))
                continue
            if over[g]:
                excess_q = Q[g] - lim_f * I[g]
                gv = exact_sum(ctx.value[members])
                amount = int(np.ceil(gv * excess_q / Q[g])) if Q[g] > 0 else gv
                titles = f"{excess_q:,.0f}".replace(",", "\u202f")  # only the count: fr_pct/fr_euros use commas
                msg = (f"{fr_pct_beside(float(ratio[g]), lim_f)} des titres émis détenus pour un plafond de {fr_pct(lim_f)} : "
                       f"céder {titles} titres (nominal), soit environ {fr_euros(amount)}")
                findings.append(self.finding(BREACH, subjects[g], rows, msg, value=float(ratio[g]), limit=lim_f,
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
                           float(lim) * I, subjects)


KINDS = {cls.kind: cls for cls in (LineConditions, Share, IssuerCap, BuildingCap, HoldingCap)}


def build(version: Version) -> list[Rule]:
    return [KINDS[spec.kind](spec) for spec in version.rules]


__all__ = ["Rule", "Context", "RuleResult", "Finding", "LinearBlock", "build", "worst",
           "OK", "BREACH", "UNKNOWN_S", "NA", "CAT_IFT", "CAT_OTHER"]
