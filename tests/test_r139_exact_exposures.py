"""R. 139-43 and R. 139-44 sum contract exposures and currency holdings in exact cents at any size: one cent over
the limit on a very large actif is a breach even where a double cannot tell the cent (beyond 2^53 cents)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from constraints.r139.checker import check
from r139 import DATE, ballast, build, findings, ln, status, version

BIG = Decimal(2 * 10**15)  # euros: 10 % of it is 2·10^16 cents, 15 % is 3·10^16 cents, both beyond 2^53


def _states(euros: Decimal) -> list:
    half = (euros / 2).quantize(Decimal("0.01"))
    return [ballast(str(half), label="OAT"), ballast(str(euros - half), label="Bund", emetteur="Allemagne", pays="DE")]


def _swap(cents: int, cp, currency=None, **cols) -> dict:
    row = ln("contrat_financier", 0, type_contrat="swap", type_sous_jacent="taux", contrepartie=cp, **cols)
    row["exposition"] = Decimal(cents) / 100
    row["notionnel"] = abs(Decimal(cents)) / 100
    if currency:
        row["devise_exposition"] = currency
    return row


def _check(*rows):
    """The check of `rows`, their exposures and notionals given as exact integer cents (as the reader gives them:
    a nullable integer column), not as doubles."""
    inp = build(*rows)
    for field, header in (("exposure", "exposition"), ("notional", "notionnel")):
        cells = [r.get(header) for r in rows]
        inp.items[field] = np.array([None if c is None else int(Decimal(str(c)) * 100) for c in cells], dtype=object)
    return check(inp, version(), as_of=DATE)


@pytest.mark.parametrize("cents_over, expected", [(-1, "ok"), (0, "ok"), (1, "breach")])
def test_contracts_at_under_and_over_10_percent_of_a_very_large_actif(cents_over, expected):
    # two swaps on one counterparty, 10^16 + 1 and 10^16 − 1 + cents_over cents: netted, 2·10^16 + cents_over
    v = _check(_swap(10**16 + 1, "BNP"), _swap(10**16 - 1 + cents_over, "BNP"), *_states(BIG))
    assert v.base == int(BIG * 100)
    assert status(v, "R139-43/contrats-max10") == expected
    if expected == "breach":
        (f,) = findings(v, "R139-43/contrats-max10")
        assert f.amount == 1


@pytest.mark.parametrize("cents_over, expected", [(-1, "ok"), (0, "breach"), (1, "breach")])
def test_currency_exposure_strictly_under_15_percent_of_a_very_large_actif(cents_over, expected):
    # USD held: 1.5·10^16 + 1 and 1.5·10^16 − 1 + cents_over cents; strictly under 15 % is 3·10^16 − 1 cents at most
    a = Decimal(15 * 10**15 + 1) / 100
    b = Decimal(15 * 10**15 - 1 + cents_over) / 100
    usd = [ln("action", str(a), devise="USD", emetteur="US 1", groupe="US1"),
           ln("action", str(b), devise="USD", emetteur="US 2", groupe="US2")]
    v = _check(*usd, *_states(BIG - a - b))
    assert v.base == int(BIG * 100)
    assert status(v, "R139-44/change-max15") == expected
    if expected == "breach":
        (f,) = findings(v, "R139-44/change-max15")
        assert f.amount == cents_over + 1


@pytest.mark.parametrize("cents_over, expected", [(-1, "ok"), (0, "breach"), (1, "breach")])
def test_a_currency_hedge_nets_to_the_cent_on_a_very_large_actif(cents_over, expected):
    # USD held 3·10^16 + 2 cents, a USD swap of −2 + cents_over cents: net 3·10^16 + cents_over, 15 % exactly at 0
    held = Decimal(3 * 10**16 + 2) / 100
    usd = ln("action", str(held), devise="USD", emetteur="US 1", groupe="US1")
    hedge = _swap(-2 + cents_over, "LCH", currency="USD", devise="USD")
    v = _check(usd, hedge, *_states(BIG - held))
    assert status(v, "R139-44/change-max15") == expected
