"""R. 139-43: contract exposures netted per counterparty, at most 10 % (RR 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from r139 import ballast, ln, status, verdict


def states(euros):
    euros = Decimal(str(euros).replace(',', '.'))
    half = (euros / 2).quantize(Decimal("0.01"))
    return [ballast(str(half), label="OAT"), ballast(str(Decimal(euros) - half), label="Bund", emetteur="Allemagne",
                                                      pays="DE")]


def swap(exposure, cp, **cols):
    cols = {"type_sous_jacent": "taux", **cols}
    return ln("contrat_financier", 0, type_contrat="swap", exposition=exposure,
              notionnel=abs(Decimal(str(exposure).replace(",", "."))), contrepartie=cp, **cols)


@pytest.mark.parametrize("euros, expected", [("100000", "ok"), ("100000,01", "breach")])
def test_at_and_over_10_percent(euros, expected):
    v = verdict(swap(euros, "BNP"), *states(1_000_000))
    assert status(v, "R139-43/contrats-max10") == expected


def test_positive_and_negative_exposures_net_on_one_counterparty_not_across():
    v = verdict(swap(80_000, "BNP"), swap(-60_000, "BNP"), *states(1_000_000))
    assert status(v, "R139-43/contrats-max10") == "ok"
    v = verdict(swap(80_000, "BNP"), swap(-60_000, "SG"), *states(1_000_000))
    assert status(v, "R139-43/contrats-max10") == "breach"
    v = verdict(swap(80_000, None), swap(-60_000, None), *states(1_000_000))
    assert status(v, "R139-43/contrats-max10") == "breach"  # no netting without a counterparty


def test_no_exposure_uses_the_notional_as_a_bound_and_neither_is_unknown():
    c = ln("contrat_financier", 0, type_contrat="swap", notionnel=50_000, contrepartie="BNP", exposition=None)
    assert status(verdict(c, *states(1_000_000)), "R139-43/contrats-max10") == "ok"
    c = ln("contrat_financier", 0, type_contrat="swap", notionnel=150_000, contrepartie="BNP", exposition=None)
    assert status(verdict(c, *states(1_000_000)), "R139-43/contrats-max10") == "unknown"
    c = ln("contrat_financier", 0, type_contrat="swap", contrepartie="BNP", exposition=None, notionnel=None)
    assert status(verdict(c, *states(1_000_000)), "R139-43/contrats-max10") == "unknown"


def test_an_otc_contract_breaches_37_and_39():
    c = swap(10_000, "BNP", cotation="aucune", sous_jacent_detenu="oui")
    v = verdict(c, *states(1_000_000))
    assert status(v, "R139-37/marches") == "breach" and status(v, "R139-39/denouement-3-mois") == "breach"


def test_a_contract_on_commodities_or_without_its_underlying_breaches_37():
    v = verdict(swap(10_000, "LCH", cotation="eee", type_sous_jacent="marchandise", sous_jacent_detenu="oui"),
                *states(1_000_000))
    assert status(v, "R139-37/adossement") == "breach"
    v = verdict(swap(10_000, "LCH", cotation="eee", sous_jacent_detenu="non"), *states(1_000_000))
    assert status(v, "R139-37/adossement") == "breach"
    v = verdict(swap(10_000, "LCH", cotation="eee", sous_jacent_detenu=None), *states(1_000_000))
    assert status(v, "R139-37/adossement") == "unknown"


def test_in_the_simplified_regime_any_contract_breaches():
    v = verdict(swap(10_000, "LCH", cotation="eee", sous_jacent_detenu="oui"), *states(1_000_000), simplified=True)
    assert status(v, "R139-14/eligibilite") == "breach" and status(v, "R139-43/contrats-max10") == "not_applicable"
