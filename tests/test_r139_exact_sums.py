"""The R. 139 check's group sums are exact integer cents at any size, and its code tests are the texts' own:
an entity one cent over 5 % of a very large actif is a breach even where a double could not tell the cent."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from constraints.r139.model import code_in, group_index, group_sum
from r139 import ballast, findings, ln, status, verdict

BIG_BASE = Decimal(2 * 10**15)  # euros: 5 % of it is 10^16 cents, beyond 2^53 (a double's exact integers)


def _states(euros: Decimal) -> list:
    half = (euros / 2).quantize(Decimal("0.01"))
    return [ballast(str(half), label="OAT"), ballast(str(euros - half), label="Bund", emetteur="Allemagne", pays="DE")]


@pytest.mark.parametrize("cents_over, expected", [(-1, "ok"), (0, "ok"), (1, "breach")])
def test_an_entity_at_under_and_over_5_percent_of_a_very_large_actif(cents_over, expected):
    # two lines of one issuer: 5·10^15 + 1 and 5·10^15 − 1 + cents_over cents; a sum in doubles rounds 10^16 + 1 to 10^16
    a = Decimal(5 * 10**15 + 1) / 100
    b = Decimal(5 * 10**15 - 1 + cents_over) / 100
    v = verdict(ln("obligation", str(a), emetteur="TotalEnergies"), ln("obligation", str(b), emetteur="TotalEnergies"),
                *_states(BIG_BASE - a - b))
    assert v.base == int(BIG_BASE * 100)
    assert status(v, "R139-45/entite-max5") == expected
    if expected == "breach":
        (f,) = findings(v, "R139-45/entite-max5")
        assert f.amount == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 6), st.integers(-(2**61), 2**61)), max_size=40))
def test_group_sum_is_exact(pairs):
    codes = np.array([c for c, _ in pairs], dtype=np.int64)
    cents = np.array([v for _, v in pairs], dtype=np.int64)
    want = [0] * 7
    for c, v in pairs:
        if c >= 0:
            want[c] += v
    if any(abs(w) >= 2**63 for w in want):
        return  # beyond int64: not a sum of cents a portfolio holds
    assert group_sum(codes, cents, 7).tolist() == want


@given(st.lists(st.integers(-1, 9), max_size=50), st.sets(st.integers(0, 9)))
def test_code_in_and_group_index_are_the_plain_ones(codes, hits):
    c = np.array(codes, dtype=np.int64)
    assert code_in(c, sorted(hits), 10).tolist() == [x in hits for x in codes]
    order, starts = group_index(c[c >= 0], 10)
    kept = c[c >= 0]
    for k in range(10):
        assert order[starts[k]:starts[k + 1]].tolist() == [i for i, x in enumerate(kept.tolist()) if x == k]
