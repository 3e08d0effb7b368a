"""A safety margin has one formula (`constraints.kind.tightened`): the optimizer's rows (`LinearBlock.tighten`) and
the check of a proposal against its margins (`RuleSpec.with_margin`, the rules rebuilt with tightened limits) move
together, for every rule of the R. 623 rulebook with rows, whatever the margin."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from constraints import rulebook
from constraints.kind import tightened
from constraints.rules import Context, build
from optimizer import rebalance
from reserves.portfolio.model import load

DATE = dt.date(2016, 12, 31)
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "portefeuille_manquements.xlsx"


def test_the_formula_lowers_a_cap_and_raises_a_floor():
    assert tightened(Fraction("0.2"), "<=", "0.01") == Fraction("0.19") == tightened(Fraction("0.2"), "max", "0.01")
    assert tightened(Fraction("0.34"), ">=", "0.01") == Fraction("0.35") == tightened(Fraction("0.34"), "min", "0.01")
    with pytest.raises(ValueError):
        tightened(Fraction("0.2"), "==", "0.01")


@pytest.mark.parametrize("margin", ["0.005", "0.01", "0.025"])
def test_rows_of_the_tightened_rules_are_the_rows_tightened(margin):
    version = rulebook.for_date(DATE)
    tight = replace(version, rules=tuple(spec.with_margin(margin) for spec in version.rules))
    pf = load(SAMPLE)
    ctx, ctx_tight = Context(pf, version, DATE), Context(pf, tight, DATE)
    seen = set()
    for rule, rule_t in zip(build(version), build(tight)):
        block = rule.linear_form(ctx)
        if block is None or block.limit is None:
            continue
        moved, rebuilt = block.tighten(margin), rule_t.linear_form(ctx_tight)
        assert rebuilt.limit == moved.limit - Fraction(margin) if block.sense == "<=" else \
            rebuilt.limit == moved.limit + Fraction(margin)
        assert rebuilt.share == moved.share, rule.id
        assert np.allclose(np.asarray(rebuilt.const, dtype=float), np.asarray(moved.const, dtype=float)), rule.id
        assert moved.share != block.share or not np.allclose(moved.const, block.const) or not len(block.const)
        seen.add(rule.spec.kind)
    assert {"share", "issuer_cap", "building_cap", "holding_cap"} <= seen


def test_a_proposal_with_a_larger_margin_keeps_every_cap_that_much_further():
    pf = load(SAMPLE)
    for margin in (0.01, 0.03):
        p = rebalance(pf, margins=margin, date=DATE)
        assert p.status == "optimal"
        checked = 0
        for r in p.verdict_after.results:
            if r.spec.kind == "share" and r.value is not None and r.limit is not None and r.status == "ok":
                lim = Fraction(str(r.limit))
                value = Fraction(str(r.value))
                bound = tightened(lim, r.spec.params["sense"], Fraction(str(margin)))
                assert (value <= bound + Fraction(1, 10**6)) if r.spec.params["sense"] == "max" else \
                    (value >= bound - Fraction(1, 10**6)), (r.spec.id, margin, value, bound)
                checked += 1
        assert checked >= 3


def test_the_basket_rows_of_r139_take_the_same_formula():
    """R. 139-45 I 3°'s rows (5 % per entity, 40 % for the basket): both caps lowered by the margin, by `tightened`
    (a cap: the limit minus the margin), and the margin recorded; no margin leaves the block as it is."""
    from constraints.r139.entities import BasketBlock

    block = BasketBlock("R139-45/entites", "<=", np.zeros(1, dtype=np.intp), np.zeros(1, dtype=np.intp), np.ones(1),
                        Fraction("0.05"), np.ones(1), np.zeros(1), ["Entité A"], limit=Fraction("0.05"),
                        basket=Fraction("0.40"))
    assert block.tighten(0) is block
    for margin in ("0.005", "0.01"):
        moved = block.tighten(margin)
        m = Fraction(margin)
        assert (moved.share, moved.basket, moved.margin) == (Fraction("0.05") - m, Fraction("0.40") - m, m)
        assert (moved.share, moved.basket) == (tightened(block.share, "<=", m), tightened(block.basket, "<=", m))
        assert moved.tighten(margin).basket == Fraction("0.40") - 2 * m  # margins add up
