"""Conditions each item must meet (R. 139-14, 16, 18 to 24, 40): kind `r139_lines`.

A condition of the rulebook: `when` (natures, or `all`), optional `forms`
(legal forms it is limited to) and `direct_only` (lines as held, not a fund's
holdings), `require` (below) and `says` (the French sentence of a failure).
Requirements, each a tri-state per item (FALSE fails, UNKNOWN to fill):

- `never`; `{column, is: true|false}`; `{column, in: GROUP}` (a group of states);
- `{column, one_of: [...]}`, `{column, not_one_of: [...]}`; with `blank_ok` an
  empty cell passes;
- `{listed: true}`: R. 139-19 I, or a TCN assimilated by II or III;
- `{sovereign: NAME}`: issued or guaranteed by an issuer of the rulebook's list NAME;
- `{short: false}`: no negative value or quantity (a short sale);
- `{any_of: [...]}`: the best of its parts.
"""

from __future__ import annotations

import numpy as np

from .base import Common, Condition, Nature
from typing import Literal

from .base import BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, Kind, RuleResult, register, worst
from reserves.portfolio.fmt import fr_euros
from .model import Ctx, as_int8, in_values, tri_min_where, tri_of


def requirement(ctx: Ctx, req) -> tuple[np.ndarray, list]:
    """Tri-state of every item for one requirement, and the columns it reads (made once per régime: the arrays are
    read, never written)."""
    key = ("requirement", repr(req))
    memo = ctx.memo if _short(req) else ctx.smemo  # a short position is read on the amounts
    if key not in memo:
        memo[key] = _requirement(ctx, req)
    return memo[key]


def _short(req) -> bool:
    """Does the requirement read amounts (`short`: a negative value or quantity)?"""
    if not isinstance(req, dict):
        return False
    return "short" in req or any(_short(r) for r in req.get("any_of", ()))


def _requirement(ctx: Ctx, req) -> tuple[np.ndarray, list]:
    n = ctx.n
    if req == "never":
        return np.full(n, FALSE, dtype=np.int8), []
    if "any_of" in req:
        parts = [requirement(ctx, r) for r in req["any_of"]]
        return np.maximum.reduce([p[0] for p in parts]), [c for p in parts for c in p[1]]
    if "listed" in req:
        return ctx.listed_tri(), ["listing"]
    if "sovereign" in req:
        return ctx.sovereign_tri(req["sovereign"]), ["issuer_kind", "country"]
    if "short" in req:
        q = ctx.a["quantity"]
        with np.errstate(invalid="ignore"):
            short = (ctx.value < 0) | (q < 0)
        return (TRUE - 2 * as_int8(short)).astype(np.int8), []
    col = req["column"]
    blank_ok = req.get("blank_ok", False)
    if "is" in req:
        tri = ctx.a[col].astype(np.int8)
        if req["is"] is False:
            tri = (2 - tri).astype(np.int8)
    elif "in" in req:
        tri = ctx.country_tri(col, req["in"])
    elif "one_of" in req:
        inside = ctx.isin(col, tuple(req["one_of"]))
        tri = tri_of(ctx.known(col), inside)
    elif "not_one_of" in req:
        inside = ctx.isin(col, tuple(str(v).upper() if col == "legal_form" else v for v in req["not_one_of"]))
        tri = tri_of(ctx.known(col), ~inside)
    else:
        raise ValueError(f"unknown requirement {req!r}")
    if blank_ok:
        tri = (tri + as_int8(tri == UNKNOWN)).astype(np.int8)  # UNKNOWN → TRUE
    return tri, [col]


def applies_mask(ctx: Ctx, cond: dict) -> np.ndarray:
    key = ("applies", repr(cond.get("when")), repr(cond.get("forms")), bool(cond.get("direct_only")))
    if key not in ctx.smemo:
        ctx.smemo[key] = _applies_mask(ctx, cond)
    return ctx.smemo[key]


def _applies_mask(ctx: Ctx, cond: dict) -> np.ndarray:
    when = cond["when"]
    m = np.ones(ctx.n, dtype=bool) if when == "all" else ctx.nat(when).copy()
    if "forms" in cond:
        m &= ctx.isin("legal_form", tuple(str(f).upper() for f in cond["forms"]))
    if cond.get("direct_only"):
        m &= ctx.direct
    return m


def view_mask(ctx: Ctx, view: str) -> tuple[np.ndarray, np.ndarray]:
    """(items of the view, blind fund lines the view would need the holdings of)."""
    key = ("view_mask", view)
    if key not in ctx.smemo:
        ctx.smemo[key] = _view_mask(ctx, view)
    return ctx.smemo[key]


def blind_of(ctx: Ctx, view: str) -> np.ndarray:
    """Positions of the blind fund lines of a view (once per structure)."""
    key = ("blind_of", view)
    if key not in ctx.smemo:
        ctx.smemo[key] = np.flatnonzero(view_mask(ctx, view)[1])
    return ctx.smemo[key]


def _view_mask(ctx: Ctx, view: str) -> tuple[np.ndarray, np.ndarray]:
    none = np.zeros(ctx.n, dtype=bool)
    if view == "P":
        return ctx.P, none
    if view == "U":
        return ctx.U, none
    if view == "D":
        return ctx.D_items, ctx.D_blind
    if view == "T":
        return ctx.T, ctx.T_blind
    raise ValueError(view)


def _line_status(ctx: Ctx, conds: list, scope: np.ndarray, short_too: bool):
    """(status per item, applicable items, [(cond, applies, tri, columns)]) of the conditions on `scope`; the
    conditions that read amounts (`short`) are left out unless `short_too`."""
    status = np.full(ctx.n, TRUE, dtype=np.int8)
    applies_any = np.zeros(ctx.n, dtype=bool)
    evaluated = []
    for cond in conds:
        app = applies_mask(ctx, cond) & scope
        if not app.any():
            continue
        applies_any |= app
        if _short(cond["require"]) and not short_too:
            evaluated.append((cond, app, None, []))
            continue
        tri, cols = requirement(ctx, cond["require"])
        status = tri_min_where(status, app, tri)
        evaluated.append((cond, app, tri, cols))
    return status, applies_any, evaluated


def line_findings(kind: Kind, ctx: Ctx, conds: list, scope: np.ndarray, key=None) -> tuple[list, np.ndarray]:
    """Findings per item of `scope` that fails a condition or cannot be told; and the mask of applicable items.
    With a `key` (the same scope for every check of the structure), the status from texts and tri-states is
    made once per structure; a short position (`short`, from the amounts) is then looked for among the items
    whose value or quantity is negative only."""
    if key is not None and any(isinstance(c["require"], dict) and "any_of" in c["require"]
                               and _short(c["require"]) for c in conds):
        key = None  # a short position within a choice: judged item by item on each check
    if key is None:
        status, applies_any, evaluated = _line_status(ctx, conds, scope, True)
        bad = np.flatnonzero(applies_any & (status < TRUE))
    else:
        hit = ctx.smemo.get(("line_status", key))
        if hit is None:
            status, applies_any, evaluated = _line_status(ctx, conds, scope, False)
            hit = ctx.smemo[("line_status", key)] = (status, applies_any, evaluated,
                                                     np.flatnonzero(applies_any & (status < TRUE)))
        status, applies_any, evaluated, bad = hit
        shorts = [j for j, e in enumerate(evaluated) if e[2] is None]
        if shorts:
            neg = ctx.negatives()
            evaluated = list(evaluated)
            hit_neg = np.zeros(0, dtype=np.int64)
            for j in shorts:
                cond, app, _, _ = evaluated[j]
                tri = np.full(ctx.n, TRUE, dtype=np.int8)  # a short requirement: FALSE on a negative item only
                tri[neg] = FALSE
                evaluated[j] = (cond, app, tri, [])
                hit_neg = np.concatenate([hit_neg, neg[app[neg]]])
            if len(hit_neg):
                status = status.copy()
                status[hit_neg] = FALSE
                bad = np.union1d(bad, hit_neg)
    findings = []
    for i in bad.tolist():
        failed, cols = [], []
        for cond, app, tri, cc in evaluated:
            if not app[i]:
                continue
            if tri[i] == FALSE:
                failed.append(cond["says"])
            elif tri[i] == UNKNOWN:
                cols += [c for c in cc if c not in cols]
        v = int(ctx.value[i])
        if status[i] == FALSE:
            msg = "; ".join(dict.fromkeys(failed)) + f" — ligne à céder ({fr_euros(v)})"
            findings.append(kind.finding(ctx, BREACH, ctx.label(i), [i], msg, amount=max(v, 0), action="sell",
                                         euros=v))
        else:
            names = [ctx.colname(c) for c in cols]
            msg = "à vérifier : renseigner " + ", ".join(f"« {c} »" for c in names)
            findings.append(kind.finding(ctx, UNKNOWN_S, ctx.label(i), [i], msg, euros=v, columns=names))
    return findings, applies_any


class LineConditionsParams(Common):
    conditions: list[Condition]
    covers: Literal["all"] | None = None


@register
class LineConditions(Kind):
    """Conditions each item of a view must meet; an item that fails one is to be sold."""

    kind = "r139_lines"
    Params = LineConditionsParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        scope, _ = view_mask(ctx, self.p["view"])
        blind = blind_of(ctx, self.p["view"])
        findings, applies = line_findings(self, ctx, self.p["conditions"], scope, key=self.id)
        if len(blind):
            findings.append(self.blind_finding(ctx, blind.tolist(),
                                               "les actifs de l'organisme dédié ne peuvent être contrôlés"))
        if self.p.get("covers") == "all":
            applies = scope
        key = ("applies_any", self.id)
        if key not in ctx.smemo:
            ctx.smemo[key] = bool(applies.any())
        if not ctx.smemo[key] and not len(blind):
            return RuleResult(self.spec, NA, [])
        findings.sort(key=lambda f: f.status != BREACH)
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, figure=ctx.total((self.id, "applies"), applies))

    def line_status(self, ctx: Ctx):
        """Optimizer: (items the conditions apply to, tri-state per item); a fund seen without its holdings is
        UNKNOWN (it may not be bought)."""
        if not self.applies(ctx):
            return None
        scope, blind = view_mask(ctx, self.p["view"])
        applies, tri = conditions_status(ctx, self.p["conditions"], scope)
        if blind.any():
            applies = applies | blind
            tri = np.where(blind, np.minimum(tri, UNKNOWN), tri).astype(np.int8)
        return applies, tri


class OrdersParams(Common):
    natures: list[Nature]


@register
class Orders(Kind):
    """R. 139-48 al. 3: a rule on purchases, judged by the pre-investment check of orders only."""

    kind = "r139_orders"
    Params = OrdersParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        return RuleResult(self.spec, NA, [], note="règle des achats : contrôlée avec les ordres (--ordres)")




# --------------------------------------------------------------------------- the optimizer's view of line rules


def conditions_status(ctx: Ctx, conds: list, scope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(items a condition applies to, tri-state per item): the status `line_findings` judges, without findings."""
    status = np.full(ctx.n, TRUE, dtype=np.int8)
    applies_any = np.zeros(ctx.n, dtype=bool)
    for cond in conds:
        app = applies_mask(ctx, cond) & scope
        if not app.any():
            continue
        tri, _ = requirement(ctx, cond["require"])
        applies_any |= app
        status = tri_min_where(status, app, tri)
    return applies_any, status


def status_from_result(ctx: Ctx, result: RuleResult) -> tuple[np.ndarray, np.ndarray]:
    """(items spoken of, tri-state) of a rule judged fund by fund or contract by contract: the lines of the
    `Portefeuille` sheet its breaches name are FALSE (to be sold whole), those its open findings name UNKNOWN."""
    tri = np.full(ctx.n, TRUE, dtype=np.int8)
    applies = np.zeros(ctx.n, dtype=bool)
    direct = np.flatnonzero(ctx.direct)
    pos_of_row = dict(zip(ctx.a["row"][direct].tolist(), direct.tolist()))
    for f in result.findings:
        for r in f.rows:
            p = pos_of_row.get(int(r))
            if p is None:
                continue
            applies[p] = True
            tri[p] = min(int(tri[p]), FALSE if f.status == BREACH else UNKNOWN)
    return applies, tri


__all__ = ["LineConditions", "Orders", "requirement", "view_mask", "line_findings", "in_values", "conditions_status",
           "status_from_result"]
