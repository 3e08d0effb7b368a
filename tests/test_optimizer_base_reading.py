"""The optimizer, the allocation and the report read what leaves the base of R. 623-10-1 from the rulebook (the
version's `base_exclusions` reading), never from the loader's `excluded` column: a portfolio marked with other
readings is judged, traded and reported as the checker reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from constraints import rulebook
from constraints.checker import check
from constraints.rules import Context, build
from helpers import ballast, frame, line
from optimizer import allocate, rebalance
from optimizer.allocation import category_limits
from reports.model import build_report
from reserves.portfolio.model import from_frame
from reserves.portfolio.readings import R623

DATE = dt.date(2016, 12, 31)
DEPOSIT = "Dépôt échéance trimestrielle"
# the loader's readings of another edition: no pocket's marked lines leave the base
OTHER = replace(R623, exclusion_pockets=frozenset())


def _lines():
    return [ballast(700_000), line(9, 120_000, label="Immeuble Paris"), line(10, 110_000, label="SCI Lyon"),
            line(13, 200_000, label=DEPOSIT, exclusion="echeance_trimestrielle")]


def _pf():
    pf = from_frame(frame(*_lines()), readings=OTHER)
    assert not pf.lines["excluded"].any()  # the loader left the deposit in the base
    return pf


def test_the_checker_takes_the_deposit_out_of_the_base():
    v = check(_pf(), date=DATE)
    assert v.excluded_total == 200_000_00
    assert v.base == 930_000_00
    assert v.result("R623-10-1/immobilier-max20").status == "breach"  # 230 000 / 930 000 > 20 %


def test_the_optimizer_never_trades_the_excluded_deposit_and_counts_it_out_of_the_base():
    pf = _pf()
    p = rebalance(pf, date=DATE, buy_cap=None)
    assert p.status == "optimal"
    assert DEPOSIT not in {t["libelle"] for t in p.trades}
    assert p.allocation_before["excluded"] == pytest.approx(200_000)
    assert p.allocation_before["base"] == pytest.approx(930_000)
    assert p.verdict_after.result("R623-10-1/immobilier-max20").status == "ok"


def test_the_current_allocation_is_a_share_of_the_rulebooks_base():
    a = allocate({"rendements": {1: 0.02, 9: 0.05, 10: 0.05, 13: 0.01}}, portfolio=_pf(), date=DATE)
    assert a.current[13] == 0  # the deposit is out of the base
    assert a.current[1] == pytest.approx(700_000 / 930_000)


def test_the_report_marks_the_deposit_out_of_the_base():
    pf = _pf()
    data = build_report(pf, check(pf, date=DATE))
    row = next(ln for ln in data.lines if ln.label == DEPOSIT)
    assert row.excluded


@pytest.mark.parametrize("margin", ["0", "0.01", "0.025"])
def test_category_limits_are_the_kinds_rows_tightened_by_the_margin(margin):
    """One place for margins: each bound by category is the share of the kind's own row, tightened by the block."""
    version = rulebook.for_date(DATE)
    cats = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]
    limits, _ = category_limits(version, float(margin), cats)
    ctx = Context(from_frame(frame(*_lines())), version, DATE)
    by_id = {r.id: r for r in build(version)}
    assert limits
    for x in limits:
        tight = by_id[x["rule"]].linear_form(ctx).tighten(Fraction(margin))
        assert x["bound"] == float(tight.share)
        assert x["margin"] == float(tight.margin)
        assert x["sense"] == ("max" if tight.sense == "<=" else "min")
    assert np.isclose(min(x["bound"] for x in limits), 0.05 - float(margin))
