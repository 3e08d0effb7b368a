"""R. 139-48, R. 139-39, R. 139-11: a breach stays a breach; its deadline is the first observation plus the period
in calendar months or years, « en délai » through that day, « délai dépassé » after (RR 15)."""

from __future__ import annotations

import datetime as dt

import pytest

from constraints.r139.cure import add_months
from r139 import ballast, findings, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),  # no 31 February: the month's last day
    (dt.date(2024, 2, 29), 60, dt.date(2029, 2, 28)),
    (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
    (dt.date(2025, 1, 15), 6, dt.date(2025, 7, 15)),
])
def test_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


def over_5():
    return [ln("obligation", 60_000, emetteur="TotalEnergies", groupe="TOTAL"), *states(940_000)]


@pytest.mark.parametrize("date, cure", [(dt.date(2026, 1, 15), "en délai"), (dt.date(2026, 1, 16), "délai dépassé")])
def test_six_months_inclusive_of_the_deadline(date, cure):
    v = verdict(*over_5(), date=date, constats=[{"regle": "R139-45/entite-max5", "sujet": "TOTAL (TotalEnergies)",
                                                 "premier_constat": "2025-07-15"}])
    (f,) = findings(v, "R139-45/entite-max5")
    assert f.status == "breach" and f.deadline == "2026-01-15" and f.cure_status == cure
    assert status(v, "R139-48/delai-regularisation") == ("ok" if cure == "en délai" else "breach")


def test_without_a_first_observation_there_is_no_deadline_and_the_cure_rule_is_unknown():
    v = verdict(*over_5())
    (f,) = findings(v, "R139-45/entite-max5")
    assert f.deadline is None and status(v, "R139-48/delai-regularisation") == "unknown"


def test_no_breach_no_cure_to_check():
    assert status(verdict(*states(1_000_000)), "R139-48/delai-regularisation") == "ok"


def test_five_years_for_real_estate_over_the_limit_by_valuation_only():
    lines = [ln("droit_immobilier", 110_000, immeuble="IMM-1"), *states(890_000)]
    v = verdict(*lines, constats=[{"regle": "R139-45/immeuble-max10", "premier_constat": "2022-01-31",
                                   "cause": "valorisation"}])
    (f,) = findings(v, "R139-45/immeuble-max10")
    assert f.deadline == "2027-01-31" and f.cure == "R. 139-48 al. 3" and f.cure_status == "en délai"
    v = verdict(*lines, constats=[{"regle": "R139-45/immeuble-max10", "premier_constat": "2022-01-31",
                                   "cause": "operation"}])
    (f,) = findings(v, "R139-45/immeuble-max10")
    assert f.deadline == "2022-07-31" and f.cure_status == "délai dépassé"


def test_three_months_for_a_contract_that_no_longer_meets_r139_37():
    c = ln("contrat_financier", 0, type_contrat="swap", contrepartie="BNP", cotation="aucune", exposition=1_000,
           notionnel=1_000, sous_jacent_detenu="oui")
    v = verdict(c, *states(1_000_000), constats=[{"regle": "R139-39/denouement-3-mois", "premier_constat": "2025-10-15"}])
    (f,) = findings(v, "R139-39/denouement-3-mois")
    assert f.deadline == "2026-01-15" and f.cure == "R. 139-39" and f.cure_status == "en délai"


def test_two_years_after_the_simplified_regime_began_five_for_debt_below_its_nominal():
    since = dt.date(2024, 6, 30)
    v = verdict(ln("action", 10_000), *states(990_000), simplified=True, since=since)
    (f,) = findings(v, "R139-14/eligibilite")
    assert f.first_observed == "2024-06-30" and f.deadline == "2026-06-30" and f.cure == "R. 139-11 al. 2"
    v = verdict(ln("obligation", 9_000, quantite=10_000), *states(991_000), simplified=True, since=since)
    (f,) = findings(v, "R139-14/eligibilite")
    assert f.deadline == "2029-06-30"
