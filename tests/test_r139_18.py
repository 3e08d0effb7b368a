"""R. 139-18 to R. 139-20: eligible assets, listing (or assimilated TCN), price, information, negotiability (RR 17)."""

from __future__ import annotations

from r139 import ballast, held, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


def test_an_asset_outside_the_list_and_a_tcn_from_outside_the_oecd():
    assert status(verdict(ln("autre", 1_000), *states(999_000)), "R139-18/eligibilite") == "breach"
    assert status(verdict(ln("tcn", 1_000, pays="BR"), *states(999_000)), "R139-18/eligibilite") == "breach"
    assert status(verdict(ln("tcn", 1_000, pays="US"), *states(999_000)), "R139-18/eligibilite") == "ok"
    assert status(verdict(ln("tcn", 1_000, pays=None), *states(999_000)), "R139-18/eligibilite") == "unknown"


def test_other_assets_of_a_fonds_mutualise_are_its_10th_held_directly_they_breach():
    assert status(verdict(ln("autre_fm", 1_000), *states(999_000)), "R139-18/eligibilite") == "breach"
    v = verdict(ln("fonds_mutualise", 10_000, label="FM"), *states(990_000), funds={"FM": [held("autre_fm", 10)]})
    assert status(v, "R139-18/eligibilite") == "not_applicable"


def test_unlisted_securities_breach_unless_a_tcn_assimilated_by_ii_or_iii():
    assert status(verdict(ln("action", 1_000, cotation="aucune"), *states(999_000)), "R139-19/cotation") == "breach"
    assert status(verdict(ln("action", 1_000, cotation=None), *states(999_000)), "R139-19/cotation") == "unknown"
    cades = ln("tcn", 1_000, cotation="aucune", emetteur="CADES", type_emetteur="cades", groupe=None)
    assert status(verdict(cades, *states(999_000)), "R139-19/cotation") == "ok"
    us = ln("tcn", 1_000, cotation="aucune", emetteur="US Treasury", type_emetteur="etat", pays="US")
    assert status(verdict(us, *states(999_000)), "R139-19/cotation") == "ok"  # III 1°
    corp = ln("tcn", 1_000, cotation="aucune", emetteur="NEU CP privé", type_emetteur="autre")
    assert status(verdict(corp, *states(999_000)), "R139-19/cotation") == "breach"


def test_quality_is_presumed_for_listed_securities_and_declared_for_others():
    assert status(verdict(ln("action", 1_000), *states(999_000)), "R139-20/qualite") == "ok"
    cades = ln("tcn", 1_000, cotation="aucune", emetteur="CADES", type_emetteur="cades")
    assert status(verdict(cades, *states(999_000)), "R139-20/qualite") == "ok"  # assimilated to I 1°
    v = verdict(ln("action", 1_000, cotation="aucune", prix_fiable="oui", information="oui", negociable="non"),
                *states(999_000))
    assert status(v, "R139-20/qualite") == "breach"
    v = verdict(ln("action", 1_000, cotation="aucune"), *states(999_000))
    assert status(v, "R139-20/qualite") == "unknown"
