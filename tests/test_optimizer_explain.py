"""The explanation of an infeasible R. 623 proposal names each kind of cause: the cash that cannot be raised, the
lines the user locked, the purchase cap, and HiGHS's irreducible subset (optimizer.rebalancing.explain_infeasible)."""

from __future__ import annotations

import pytest

from optimizer import rebalance
from test_optimizer_helpers import base_lines, line, portfolio

M = 1_000_000
ALL_CATEGORIES = list(range(1, 14))


def test_cash_that_cannot_be_raised_is_named_with_its_gap_and_the_locks():
    pf = portfolio(base_lines())
    p = rebalance(pf, cash=-50 * M, locks={"categories": ALL_CATEGORIES})
    assert p.status == "infeasible" and p.exit_code == 1
    by_rule = {e["rule"]: e for e in p.explanation}
    cash = by_rule["tresorerie"]
    assert cash["article"] == "R. 623-2" and cash["euros"] == pytest.approx(50 * M, abs=1)
    assert "poche réserves" in cash["message"] and "ne peut être levée" in cash["message"]
    assert by_rule["blocages"]["subjects"] == sorted(int(r) for r in pf.lines["row"])[:20]
    iis = by_rule["iis"]
    assert "trésorerie de la poche réserves" in iis["subjects"]
    assert [e["rule"] for e in p.explanation][-2:] == ["blocages", "iis"]  # the causes in euros come first


def test_cash_within_reach_is_no_cause():
    p = rebalance(portfolio(base_lines()), cash=-5 * M)
    assert p.status != "infeasible" and not p.explanation


def test_purchase_cap_too_low_is_named_as_the_users_preference():
    L = base_lines() + [line("Obligation TotalEnergies", 2, 4 * M, issuer="TotalEnergies SE"),
                        line("Action TotalEnergies", 7, 3 * M, issuer="TotalEnergies SE")]
    p = rebalance(portfolio(L), buy_cap=0.0001)
    assert p.status == "infeasible"
    cap = next(e for e in p.explanation if e["rule"] == "achat-max")
    assert cap["article"] is None and cap["euros"] > 0 and cap["subjects"]
    assert "--achat-max" in cap["message"] and "il faudrait acheter au moins" in cap["message"]
    assert all(s in cap["message"] for s in cap["subjects"])
