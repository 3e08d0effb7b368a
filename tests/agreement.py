"""One situation, four consumers: the checker, the pre-trade engine after orders, the optimizer's rows at its
solution and the report's figures say the same of one rule (the helper of the `test_agree_*` modules).

`agree(rule_id, lines, orders)` builds the portfolio of `lines` (`helpers.line`), applies `orders` with the
engine and checks that:

1. the engine's result for the rule, after the orders, is the checker's on the portfolio after them (status,
   findings with their subjects, amounts and rows, value, euros, headroom);
2. the rule's figures (`RuleKind.figures`), what the reports show, are its result's, and the report's own row
   for it (a limit row, or its largest groups) says the same;
3. the rule's linear rows (`linear_form`), evaluated at the portfolio after the orders, are broken exactly
   when the checker finds a breach (for line conditions: the lines `line_status` says must be sold are the
   breach's lines);
4. the optimizer's proposal on that portfolio satisfies the rows, and the checker finds the rule compliant.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from constraints.checker import check
from constraints.kind import BREACH, OK, UNKNOWN_S
from constraints.rules import Context, build
from helpers import portfolio
from reserves.portfolio.parsing import FALSE
from reserves.pretrade.engine import Engine
from reserves.pretrade.orders import orders_from_records

DATE = dt.date(2016, 12, 31)
TOL = 0.02  # euros: rounding of the proposal's trades to cents


def summary(res) -> dict:
    fs = sorted((f.subject, f.status, f.amount if f.status == BREACH else None, tuple(sorted(int(r) for r in f.rows)),
                 f.euros) for f in res.findings)
    return {"status": res.status, "findings": fs, "value": res.value, "figure": res.figure, "headroom": res.headroom}


def rows_broken(block, x: np.ndarray) -> list:
    """Subjects of the rows of a block broken at the values x (euros)."""
    lhs, rhs = block.value_at(x)
    over = lhs > rhs + TOL if block.sense == "<=" else lhs < rhs - TOL
    return [block.subjects[k] for k in np.flatnonzero(over)]


def agree(rule_id: str, lines: list, orders: list, *, expect: str | None = None, optimize: bool = True):
    pf = portfolio(*lines)
    engine = Engine(pf, DATE)
    if orders:
        engine.apply_all(orders_from_records(orders))
    after = engine.portfolio()
    verdict = check(after, date=DATE)
    res = verdict.result(rule_id)
    if expect is not None:
        assert res.status == expect, (rule_id, res.status, [f.message for f in res.findings])

    # 1. the engine after the orders is the checker on the portfolio after them
    mine = next(r for r in engine.results if r.spec.id == rule_id)
    assert summary(mine) == summary(res), rule_id

    # 2. the figures a report shows
    rule = next(r for r in build(verdict.version, DATE) if r.id == rule_id)
    ctx = Context(after, verdict.version, verdict.as_of)
    st = rule.state(ctx)
    fig = rule.figures(st, res)
    assert (fig.value, fig.headroom, fig.euros) == (res.value, res.headroom, res.figure)
    from reports.model import build_report

    report = build_report(after, verdict)
    row = next((x for x in report.limits if x.rule_id == rule_id), None)
    if row is not None:
        assert (row.value, row.headroom, row.status) == (res.figure, res.headroom, res.status)
    if rule.kind in ("issuer_cap", "building_cap") and res.status != "not_applicable" and fig.groups:
        shown = report.issuers if rule.kind == "issuer_cap" else report.buildings
        top = max(shown, key=lambda g: g.value)
        assert top.value == fig.groups[0].euros == max(g.euros for g in fig.groups)
        assert fig.groups[0].headroom == top.headroom
        # the whole table is the kind's groups, row for row (a line without a group is named as such)
        assert [(g.subject, g.rows, g.value, g.share, g.headroom, g.status) for g in shown] == [
            (g.subject + (" (sans émetteur)" if g.loose else ""), g.rows, g.euros, g.share, g.headroom, g.status)
            for g in fig.groups]
        assert all(g.limit == res.limit for g in shown)
        # and the checker's findings are in it: a group in breach shows its euros, its status and the room it lacks
        for f in res.findings:
            row = next((g for g in shown if g.subject in (f.subject, f"{f.subject} (sans émetteur)")), None)
            assert row is not None, (rule_id, f.subject, [g.subject for g in shown])
            if f.status == BREACH:
                assert row.status == BREACH and row.value >= f.euros and row.headroom < 0
                if f.amount is not None and row.value == f.euros:
                    assert -row.headroom == f.amount
            else:
                assert row.status == f.status
    if rule.kind == "holding_cap" and res.status in (OK, BREACH) and res.value is not None:
        held = [g.holding for g in report.issuers if g.holding is not None]
        assert held and max(held) == res.value, (rule_id, held, res.value)
        assert all(g.holding_limit == res.limit for g in report.issuers)

    # 3. the optimizer's rows at the same portfolio
    x = ctx.value / 100.0
    block = rule.linear_form(ctx)
    if block is not None and block.n_rows:
        broken = rows_broken(block, x)
        if res.status == BREACH:
            assert broken, (rule_id, "a breach the rows do not see")
        elif res.status == OK:
            assert not broken, (rule_id, broken)
    status = rule.line_status(ctx)
    if status is not None:
        applies, tri = status
        must_sell = sorted(int(r) for r in ctx.rows[applies & (tri == FALSE)])
        assert must_sell == sorted(int(r) for f in res.findings if f.status == BREACH for r in f.rows)
        unknown = sorted(int(r) for r in ctx.rows[applies & (tri == 1)])
        assert unknown == sorted(int(r) for f in res.findings if f.status == UNKNOWN_S for r in f.rows)

    # 4. the optimizer's proposal keeps the rows and the checker agrees
    if optimize and res.status == BREACH:
        from optimizer.rebalancing import rebalance

        proposal = rebalance(after, date=DATE, explain=False, buy_cap=None)  # no purchase cap: the rule alone
        assert proposal.status == "optimal", (rule_id, proposal.explanation)
        if True:
            res2 = proposal.verdict_after.result(rule_id)
            assert res2.status in (OK, "not_applicable"), (rule_id, [f.message for f in res2.findings])
            ctx2 = Context(proposal.portfolio_after, verdict.version, verdict.as_of)
            block2 = rule.linear_form(ctx2)
            if block2 is not None and block2.n_rows:
                assert not rows_broken(block2, ctx2.value / 100.0)
    return res
