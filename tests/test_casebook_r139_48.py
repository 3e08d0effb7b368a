"""Case book, R. 139-48, R. 139-39, R. 139-11: a breach is a breach; its finding carries the date first observed (the
`Constats` sheet) and the deadline — six months, five years for the real-estate keep rule (`cause` =
`valorisation`), three months for contracts failing R. 139-37, two or five years after entering the régime
simplifié — same day number, else the month's last day; « en délai » through the deadline inclusive (RR 15).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook_r139 import case, check, company, fill, line, pct

C = Decimal("0.01")


def entity_breach(tmp_path, first, cause=None, name="p.xlsx"):
    lines = fill([company("obligation", pct("0.05") + C, 1)])
    constats = [{"regle": "R139-45/entite-max5", "sujet": "Société 1", "premier_constat": first, "cause": cause}]
    return case(tmp_path, lines, constats=constats, name=name)


def breach_of(v, rule):
    (f,) = [f for f in v.findings(rule) if f["status"] == "breach"]
    return f


@pytest.mark.parametrize("first, deadline, date, state", [
    (dt.date(2025, 8, 31), "2026-02-28", "2025-12-31", "en délai"),  # no 31 February: the month's last day
    (dt.date(2025, 7, 1), "2026-01-01", "2025-12-31", "en délai"),
    (dt.date(2025, 6, 30), "2025-12-30", "2025-12-30", "en délai"),  # the deadline itself is within the delay
    (dt.date(2025, 6, 30), "2025-12-30", "2025-12-31", "délai dépassé"),
])
def test_48_six_months_from_the_first_observation(tmp_path, first, deadline, date, state):
    v = check(entity_breach(tmp_path, first), date=date)
    f = breach_of(v, "R139-45/entite-max5")
    assert v["R139-45/entite-max5"] == "breach" and v.code == 1  # never a tolerance
    assert str(f["first_observed"])[:10] == first.isoformat(), f
    assert str(f["deadline"])[:10] == deadline, f
    assert state in str(f.get("cure_status")), f
    expected = "breach" if state == "délai dépassé" else "ok"
    assert v["R139-48/delai-regularisation"] == expected, v.explain()


def test_48_no_first_observation_no_deadline_and_the_cure_rule_is_to_check(tmp_path):
    v = check(case(tmp_path, fill([company("obligation", pct("0.05") + C, 1)])))
    f = breach_of(v, "R139-45/entite-max5")
    assert not f.get("deadline"), f
    assert v["R139-48/delai-regularisation"] == "unknown", v.explain()
    assert v.doc["status"] == "breach"


def test_48_a_compliant_portfolio_has_nothing_to_cure(tmp_path):
    v = check(case(tmp_path, fill([company("obligation", pct("0.05"), 1)])))
    assert v["R139-48/delai-regularisation"] in ("ok", "not_applicable"), v.explain()


def real_estate_breach(tmp_path, first, cause, name="p.xlsx"):
    lines = fill([line("droit_immobilier", pct("0.10") + C, "Immeuble Paris", immeuble="IMM-PARIS",
                       detention_integrale="oui")])
    constats = [{"regle": "R139-45/immeuble-max10", "sujet": "IMM-PARIS", "premier_constat": first, "cause": cause}]
    return case(tmp_path, lines, constats=constats, name=name)


def test_48_five_years_for_real_estate_after_a_change_in_values(tmp_path):
    v = check(real_estate_breach(tmp_path, dt.date(2022, 3, 31), "valorisation"))
    f = breach_of(v, "R139-45/immeuble-max10")
    assert str(f["deadline"])[:10] == "2027-03-31", f
    assert "en délai" in str(f.get("cure_status")), f
    assert v["R139-45/immeuble-max10"] == "breach"


def test_48_real_estate_without_a_declared_cause_has_six_months(tmp_path):
    v = check(real_estate_breach(tmp_path, dt.date(2022, 3, 31), None))
    f = breach_of(v, "R139-45/immeuble-max10")
    assert str(f["deadline"])[:10] == "2022-09-30", f
    assert "dépassé" in str(f.get("cure_status")), f
    assert v["R139-48/delai-regularisation"] == "breach", v.explain()


def test_48_the_five_years_are_for_real_estate_limits_only(tmp_path):
    v = check(entity_breach(tmp_path, dt.date(2024, 3, 31), "valorisation"))
    f = breach_of(v, "R139-45/entite-max5")
    assert str(f["deadline"])[:10] == "2024-09-30", f


def test_39_a_contract_failing_37_is_unwound_in_three_months(tmp_path):
    swap = line("contrat_financier", 0, "Swap non adossé", type_contrat="swap", type_sous_jacent="taux",
                sous_jacent="Obligation absente", sous_jacent_detenu="non", notionnel=100_000, exposition=1_000,
                contrepartie="LCH SA", cotation="eee")
    constats = [{"regle": "R139-37/adossement", "sujet": "Swap non adossé", "premier_constat": dt.date(2025, 11, 30),
                 "cause": "operation"}]
    v = check(case(tmp_path, fill([]) + [swap], constats=constats))
    assert v["R139-37/adossement"] == "breach", v.explain()
    fs = [f for f in v.doc["findings"] if f.get("deadline") and f["status"] == "breach"]
    assert fs and all(str(f["deadline"])[:10] == "2026-02-28" for f in fs), fs
    assert any("39" in str(f.get("cure")) for f in fs), fs


def test_11_simplified_regime_two_years_to_sell_what_it_forbids(tmp_path):
    lines = fill([company("action", pct("0.02"), 1)])
    v = check(case(tmp_path, lines), "--regime-simplifie", "--regime-simplifie-depuis", "2025-01-31")
    f = breach_of(v, "R139-14/eligibilite")
    assert str(f["deadline"])[:10] == "2027-01-31", f
    assert "11" in str(f.get("cure")), f
    assert v["R139-14/eligibilite"] == "breach"


def test_11_five_years_for_a_debt_security_whose_nominal_exceeds_its_value(tmp_path):
    b = company("obligation", 90_000, 1, quantite=100_000, quantite_emise=1_000_000_000)
    v = check(case(tmp_path, fill([b])), "--regime-simplifie", "--regime-simplifie-depuis", "2024-02-29")
    f = breach_of(v, "R139-14/eligibilite")
    assert str(f["deadline"])[:10] == "2029-02-28", f
