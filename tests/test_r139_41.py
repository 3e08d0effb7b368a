"""R. 139-41: the seven caps, on the look-through actif, contract exposures added (RR 2, 10, 11, 20)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from r139 import ballast, held, ln, status, verdict


def states(euros) -> list:
    euros = Decimal(str(euros).replace(',', '.'))
    half = (euros / 2).quantize(Decimal("0.01"))
    return [ballast(str(half), label="OAT"), ballast(str(Decimal(euros) - half), label="Bund", emetteur="Allemagne",
                                                      pays="DE")]


def spread(nature, euros, n=10, **cols):
    """`euros` of a nature over n issuers (each far under 5 %)."""
    each = Decimal(str(euros).replace(',', '.')) / n
    return [ln(nature, str(each), emetteur=f"Émetteur {nature} {k}", groupe=f"G{nature}{k}", **cols) for k in range(n)]


@pytest.mark.parametrize("cents, expected", [(-1, "ok"), (0, "ok"), (1, "breach")])
def test_equity_25_percent_at_under_and_over(cents, expected):
    eq = Decimal(250_000) + Decimal(cents) / 100
    v = verdict(*spread("action", eq), *states(1_000_000 - eq))
    assert status(v, "R139-41/actions-max25") == expected


def test_equity_held_through_a_fonds_mutualise_counts_for_50_not_for_25():
    fm = ln("fonds_mutualise", 300_000, label="FM Actions")
    v = verdict(*spread("action", 240_000), fm, *states(460_000),
                funds={"FM Actions": [held("action", 3_000, emetteur=f"S{k}", groupe=f"S{k}") for k in range(10)]})
    assert status(v, "R139-41/actions-max25") == "ok"
    assert status(v, "R139-41/actions-max50") == "breach"  # 24 % + 30 %


def test_a_long_equity_future_adds_to_the_equity_cap_a_short_one_never_subtracts():
    fut = ln("contrat_financier", 0, label="Future CAC", type_sous_jacent="action", exposition=20_000,
             notionnel=20_000, sous_jacent_detenu="oui")
    short = ln("contrat_financier", 0, label="Vente CAC", type_sous_jacent="action", exposition=-50_000,
               notionnel=50_000, sous_jacent_detenu="oui")
    v = verdict(*spread("action", 240_000), fut, *states(760_000))
    assert status(v, "R139-41/actions-max25") == "breach"
    v = verdict(*spread("action", 260_000), short, *states(740_000))
    assert status(v, "R139-41/actions-max25") == "breach"


@pytest.mark.parametrize("euros, expected", [(200_000, "ok"), ("200000,01", "breach")])
def test_real_estate_20_percent(euros, expected):
    e = Decimal(str(euros).replace(",", "."))
    re_ = [ln("droit_immobilier", str(e / 4), immeuble=f"IMM-{k}") for k in range(4)]
    v = verdict(*re_, *states(1_000_000 - e))
    assert status(v, "R139-41/immobilier-max20") == expected


@pytest.mark.parametrize("euros, expected", [(150_000, "ok"), ("150000,01", "breach")])
def test_oecd_only_listing_15_percent(euros, expected):
    e = Decimal(str(euros).replace(",", "."))
    v = verdict(*spread("action", e, cotation="ocde", pays="US"), *states(1_000_000 - e))
    assert status(v, "R139-41/ocde-max15") == expected


def test_listed_in_paris_and_new_york_is_not_oecd_only_and_a_missing_listing_is_unknown():
    v = verdict(*spread("action", 200_000, cotation="eee", pays="US"), *states(800_000))
    assert status(v, "R139-41/ocde-max15") == "ok"
    v = verdict(*spread("action", 200_000, cotation=None, pays="US"), *states(800_000))
    assert status(v, "R139-41/ocde-max15") == "unknown"


@pytest.mark.parametrize("euros, expected", [(150_000, "ok"), ("150000,01", "breach")])
def test_ucits_units_15_percent(euros, expected):
    e = Decimal(str(euros).replace(",", "."))
    v = verdict(ln("opcvm", str(e), label="OPCVM"), *states(1_000_000 - e),
                funds={"OPCVM": [held("titre_etat", 1), held("titre_etat", 1, emetteur="Allemagne", pays="DE")]})
    assert status(v, "R139-41/opcvm-max15") == expected


def test_other_assets_of_fonds_mutualises_15_percent():
    fm = ln("fonds_mutualise", 300_000, label="FM Prêts")
    v = verdict(fm, *states(700_000), funds={"FM Prêts": [
        held("autre_fm", 150, emetteur=f"PME {k}", groupe=f"PME{k}") for k in range(10)] + [held("titre_etat", 1500)]})
    assert status(v, "R139-41/autres-fm-max15") == "ok"  # exactly 15 %
    v = verdict(fm, *states(700_000), funds={"FM Prêts": [
        held("autre_fm", 151, emetteur=f"PME {k}", groupe=f"PME{k}") for k in range(10)] + [held("titre_etat", 1490)]})
    assert status(v, "R139-41/autres-fm-max15") == "breach"


def test_financing_bodies_5_percent_and_an_empty_issuer_kind_may_hide_one():
    v = verdict(*spread("obligation", 50_000, type_emetteur="organisme_financement"), *states(950_000))
    assert status(v, "R139-41/financement-max5") == "ok"
    v = verdict(*spread("obligation", "50000,01", type_emetteur="organisme_financement"), *states("949999,99"))
    assert status(v, "R139-41/financement-max5") == "breach"
    v = verdict(*spread("obligation", 60_000, type_emetteur=None), *states(940_000))
    assert status(v, "R139-41/financement-max5") == "unknown"
