"""R. 139-17: look-through, rescaling, money-market units kept, inventories too old (RR 3, 4)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from r139 import DATE, ballast, held, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


def fund_case(scale):
    hold = [held("obligation", 6 * scale, emetteur="TotalEnergies", groupe="TOTAL"),
            held("action", 3 * scale, emetteur="Air Liquide", groupe="AI"),
            held("action", 1 * scale, devise="USD", emetteur="Apple", groupe="AAPL", cotation="ocde", pays="US")]
    return verdict(ln("opcvm", 100_000, label="F"), *states(900_000), funds={"F": hold})


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=10**6))
def test_holdings_scaled_by_any_factor_change_no_verdict(scale):
    ref = fund_case(1)
    v = fund_case(scale)
    assert {r.spec.id: r.status for r in v.results} == {r.spec.id: r.status for r in ref.results}


def test_an_inventory_too_old_or_in_the_future_is_not_used():
    hold = {"F": [held("titre_etat", 10)]}
    ok = verdict(ln("opcvm", 100_000, label="F"), *states(900_000), funds=hold,
                 dates={"F": DATE - dt.timedelta(days=92)})
    assert status(ok, "R139-17/transparence") == "ok"
    old = verdict(ln("opcvm", 100_000, label="F"), *states(900_000), funds=hold,
                  dates={"F": DATE - dt.timedelta(days=93)})
    assert status(old, "R139-17/transparence") == "unknown"
    late = verdict(ln("opcvm", 100_000, label="F"), *states(900_000), funds=hold,
                   dates={"F": DATE + dt.timedelta(days=1)})
    assert status(late, "R139-17/transparence") == "unknown"
    wider = verdict(ln("opcvm", 100_000, label="F"), *states(900_000), funds=hold,
                    dates={"F": DATE - dt.timedelta(days=93)}, max_age=120)
    assert status(wider, "R139-17/transparence") == "ok"


def test_money_market_units_stay_units_and_count_as_one_entity():
    v = verdict(ln("monetaire", 60_000, label="Monétaire", emetteur="Monétaire Euro"), *states(940_000))
    assert status(v, "R139-17/transparence") == "not_applicable"
    assert status(v, "R139-45/entite-max5") == "breach"


def test_a_direct_opci_and_a_non_compliant_fund_breach_16():
    v = verdict(ln("opci", 10_000), *states(990_000))
    assert status(v, "R139-16/opc-admis") == "breach"
    v = verdict(ln("opcvm", 10_000, label="F", fonds_conforme="non"), *states(990_000), funds={"F": [held("titre_etat", 1)]})
    assert status(v, "R139-16/opc-admis") == "breach"


def test_a_ucits_under_90_percent_of_eligible_securities_breaches():
    v = verdict(ln("opcvm", 10_000, label="F", part_titres_eligibles="89,99 %"), *states(990_000),
                funds={"F": [held("titre_etat", 1)]})
    assert status(v, "R139-16/opcvm-90") == "breach"
    v = verdict(ln("opcvm", 10_000, label="F", part_titres_eligibles="90 %"), *states(990_000),
                funds={"F": [held("titre_etat", 1)]})
    assert status(v, "R139-16/opcvm-90") == "ok"


def test_a_dedicated_fund_holding_ucits_units_breaches_and_its_holdings_are_the_bodys():
    v = verdict(ln("organisme_dedie", 50_000, label="Dédié"), *states(950_000),
                funds={"Dédié": [held("opcvm", 10), held("titre_etat", 10)]})
    assert status(v, "R139-16/organismes-dedies") == "breach"
    v = verdict(ln("organisme_dedie", 50_000, label="Dédié"), *states(950_000),
                funds={"Dédié": [held("action", 10, cotation="aucune", prix_fiable="oui", information="oui",
                                      negociable="oui"), held("titre_etat", 10)]})
    assert status(v, "R139-19/cotation") == "breach"


def test_potential_excesses_over_15_percent_breach_42():
    v = verdict(ln("opcvm", 10_000, label="F", depassement_potentiel="15,01 %"), *states(990_000),
                funds={"F": [held("titre_etat", 1)]})
    assert status(v, "R139-42/depassements-potentiels") == "breach"
    v = verdict(ln("opcvm", 10_000, label="F", depassement_potentiel=None), *states(990_000),
                funds={"F": [held("titre_etat", 1)]})
    assert status(v, "R139-42/depassements-potentiels") == "unknown"


def test_a_declared_share_that_the_funds_inventory_contradicts_is_a_breach():
    v = verdict(ln("opcvm", 10_000, label="F", part_titres_eligibles="95 %"), *states(990_000),
                funds={"F": [held("titre_etat", 80), held("autre", 20)]})
    assert status(v, "R139-16/opcvm-90") == "breach"
    v = verdict(ln("opcvm", 10_000, label="F", depassement_potentiel="5 %"), *states(990_000),
                funds={"F": [held("titre_etat", 80), held("autre", 20)]})
    assert status(v, "R139-42/depassements-potentiels") == "breach"
