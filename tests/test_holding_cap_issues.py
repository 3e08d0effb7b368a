"""R. 623-10-1 holding cap in the optimizer: at most 10 % of the securities of one issuer, each issue counted once
in the denominator (READING 7: by ISIN, else lines of one issuer and class with the same quantity issued). Two
issues of one issuer, one in two lines without ISIN: when the solution sells the other issue out, the denominator
is recounted over the issues still held, the issue in two lines still once; every proposal re-checked by the
checker at the cent."""

from __future__ import annotations

from fractions import Fraction

import pytest

from constraints import rulebook
from optimizer import rebalance
from reserves import check
from test_optimizer_helpers import line, portfolio
from test_optimizer_random import independent_lp

LIMIT = rulebook.latest().rule("R623-10-1/detention-max10").limit()


def _sales(p) -> Fraction:
    return sum((Fraction(str(t["montant"])) for t in p.trades if t["sens"] == "vente"), Fraction(0))


def _lines(with_small_issue: bool, held_each: int = 600):
    out = [line("OAT socle", 1, 10_000_000, issued=1e12),
           # one issue (no ISIN, same issuer, class and quantity issued) in two lines
           line("Action A", 7, 100_000, issuer="Émetteur E", quantity=held_each, issued=10_000),
           line("Action B", 7, 100_000, issuer="Émetteur E", quantity=held_each, issued=10_000)]
    if with_small_issue:  # a second issue of the same issuer, wholly held: the cheapest shares to sell
        out.append(line("Action C", 7, 10_000, issuer="Émetteur E", quantity=1_000, issued=1_000))
    return out


def test_an_issue_in_two_lines_counts_once_after_another_issue_is_sold_out():
    # 2 200 / 11 000 = 20 %: sell C out (1 000 shares, 10 000 €); then 1 200 / 10 000 = 12 %: 200 more shares of
    # the issue of A and B (600 shares per 100 000 €), 33 333,33 €. Counting A and B as two issues once C is gone
    # (20 000 issued) let 12 % through, and the checker refused the proposal.
    pf = portfolio(_lines(True))
    assert check(pf).status == "breach"
    p = rebalance(pf, objective="turnover", buy_cap=None, restrict_buys=False)  # raises if the checker refuses
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    after = {t["libelle"]: Fraction(str(t["après"])) for t in p.trades}
    assert after["Action C"] == 0
    held = sum(Fraction(600) * after.get(k, Fraction(100_000)) / 100_000 for k in ("Action A", "Action B"))
    assert held <= LIMIT * 10_000  # the held quantity the optimizer leaves, before rounding the quantities up
    optimum = Fraction(10_000) + Fraction(100_000, 3)
    assert optimum - Fraction(1, 100) <= _sales(p) <= optimum + Fraction(20, 100)
    assert p.settings["holding_left_rows"] == [5]  # C only: A and B's issue stays held


@pytest.mark.parametrize("held_each, sold", [(500, Fraction(0)), (501, Fraction(2 * 100_000, 501)),
                                             (600, Fraction(100_000, 3))])
def test_an_issue_in_two_lines_at_and_around_the_cap(held_each, sold):
    # 1 000 / 10 000 is the cap itself: nothing to sell; 1 002 is 2 shares above it
    pf = portfolio(_lines(False, held_each))
    assert check(pf).status == ("ok" if held_each == 500 else "breach")
    p = rebalance(pf, objective="turnover", buy_cap=None, restrict_buys=False)
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    assert sold - Fraction(1, 100) <= _sales(p) <= sold + Fraction(20, 100)
    assert p.settings["holding_left_rows"] == []


def test_the_independent_model_counts_an_issue_once():
    # the property test's own model of the law: with A and B one issue, 1 200 / 10 000 must come down to 10 %
    pf = portfolio(_lines(False))
    turnover, _ = independent_lp(pf)
    assert turnover == pytest.approx(2 * 100_000 / 3, abs=0.01)  # sold, then bought back in 1°
    pf = portfolio(_lines(True))
    turnover, _ = independent_lp(pf, gone_rows=[5])
    assert turnover == pytest.approx(2 * (10_000 + 100_000 / 3), abs=0.01)
