"""R. 139-44: realisable in euros, or an exchange exposure strictly under 15 %, hedges netted within a currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from r139 import ballast, findings, ln, status, verdict


def states(euros):
    euros = Decimal(str(euros).replace(',', '.'))
    half = (euros / 2).quantize(Decimal("0.01"))
    return [ballast(str(half), label="OAT"), ballast(str(Decimal(euros) - half), label="Bund", emetteur="Allemagne",
                                                      pays="DE")]


def usd(euros, n=4):
    each = Decimal(str(euros).replace(',', '.')) / n
    return [ln("action", str(each), devise="USD", emetteur=f"US {k}", groupe=f"US{k}", cotation="eee")
            for k in range(n)]


def test_all_in_euros_is_the_first_paragraph():
    v = verdict(*states(1_000_000))
    assert status(v, "R139-44/change-max15") == "ok"


@pytest.mark.parametrize("cents, expected", [(-1, "ok"), (0, "breach"), (1, "breach")])
def test_strictly_under_15_percent(cents, expected):
    x = Decimal(150_000) + Decimal(cents) / 100
    v = verdict(*usd(x), *states(1_000_000 - x))
    assert status(v, "R139-44/change-max15") == expected
    if expected == "breach" and cents == 0:
        (f,) = findings(v, "R139-44/change-max15")
        assert f.amount == 1  # one cent below the limit


def test_a_hedge_nets_within_its_currency_never_across():
    hedge = ln("contrat_financier", 0, label="Vente à terme USD", type_contrat="terme", type_sous_jacent="change",
               sous_jacent="USD", exposition=-100_000, notionnel=100_000, devise_exposition="USD", cotation="eee")
    v = verdict(*usd(200_000), hedge, *states(800_000))
    assert status(v, "R139-44/change-max15") == "ok"  # |200 000 − 100 000| = 10 %
    other = dict(hedge, devise_exposition="GBP", libelle="Vente à terme GBP")
    v = verdict(*usd(200_000), other, *states(800_000))
    assert status(v, "R139-44/change-max15") == "breach"  # 20 % USD + 10 % GBP


def test_in_the_simplified_regime_10_percent_gross_applies_too():
    v = verdict(*[ln("tcn", 25_000, devise="USD", emetteur=f"Banque {k}", groupe=f"B{k}") for k in range(4)],
                *states(900_000), simplified=True)
    assert status(v, "R139-15/devises-max10") == "ok"
    v = verdict(*[ln("tcn", "25000,01", devise="USD", emetteur=f"Banque {k}", groupe=f"B{k}") for k in range(4)],
                *states("899999,96"), simplified=True)
    assert status(v, "R139-15/devises-max10") == "breach"


def test_a_currency_contract_without_its_exposure_or_its_currency_is_not_taken_as_euro():
    fwd = ln("contrat_financier", 0, label="Change à terme", type_contrat="terme", type_sous_jacent="change",
             exposition=None, notionnel=None, devise_exposition=None, cotation="eee")
    v = verdict(fwd, *states(1_000_000))
    assert status(v, "R139-44/change-max15") == "unknown"
    fwd = dict(fwd, devise_exposition="USD", notionnel=200_000)
    assert status(verdict(fwd, *states(1_000_000)), "R139-44/change-max15") == "unknown"
    fwd = dict(fwd, notionnel=100_000)
    assert status(verdict(fwd, *states(1_000_000)), "R139-44/change-max15") == "ok"  # at most 10 %
