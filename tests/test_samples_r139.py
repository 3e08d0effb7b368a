"""The bundled R. 139 samples read as designed: a body of about 20 billion euros at 31/12/2025, every fund
seen through (the `Transparence` sheet, and a TPT file for one UCITS), two régimes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from reserves.portfolio.model139 import load

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COMPLIANT = SAMPLES / "portefeuille_r139_conforme.xlsx"
BREACHED = SAMPLES / "portefeuille_r139_manquements.xlsx"
TPT = SAMPLES / "tpt_fonds_credit_euro.xlsx"


@pytest.fixture(scope="module", params=[COMPLIANT, BREACHED], ids=["conforme", "manquements"])
def sample(request):
    return load(request.param, transparence=[TPT])


def test_dated_2025_in_a_title_cell(sample):
    rows = CalamineWorkbook.from_path(str(SAMPLES / sample.source)).get_sheet_by_name("Portefeuille").to_python()
    assert any(isinstance(c, str) and c.startswith("Date d'arrêté : 31/12/2025") for r in rows[:5] for c in r)


def test_about_twenty_billion_in_two_regimes(sample):
    total = int(sample.lines["value"].sum()) / 100
    assert 19.5e9 < total < 21e9
    assert set(sample.lines["regime"]) == {"complementaire", "invalidite_deces"}
    assert sample.lines["gestion"].any() and sample.lines["excluded"].any()


def test_every_fund_needing_look_through_has_a_recent_inventory(sample):
    lines = sample.lines
    need = lines[lines["needs_lookthrough"]]
    assert len(need) == 6 and need["looked_through"].all()
    assert set(need["lookthrough_date"]) == {dt.date(2025, 12, 31)}
    lt = sample.lookthrough
    for i, v in need["value"].items():
        assert int(lt[lt["fund_line"] == i]["value"].sum()) == int(v)  # R. 139-17: rescaled to the line's value
    kinds = dict(zip(sample.inventories["fund"], sample.inventories["kind"]))
    assert sorted(kinds.values()).count("TPT") == 1
    mm = sample.inventories[~sample.inventories["used"]]
    assert len(mm) == 1 and len(mm["lines"].iat[0]) == 2  # a money-market fund held in both régimes: units kept


def test_tpt_holdings_completed_by_the_titres_sheet(sample):
    lt = sample.lookthrough
    tpt = lt[lt["source"] == TPT.name]
    assert len(tpt) == 67
    bonds = tpt[tpt["nature"] == "obligation"]
    assert bonds["listing"].notna().all() and bonds["issuer_kind"].notna().all()
    assert bonds["issuer_outstanding"].notna().all() and bonds["group"].notna().all()


def test_without_the_tpt_file_the_ucits_is_not_seen_through():
    pf = load(COMPLIANT)
    credit = pf.lines[pf.lines["label"] == "Fonds Crédit Euro IC"]
    assert len(credit) == 1 and not credit["looked_through"].iat[0] and credit["inventory"].iat[0] == -1


def _check(path, *extra):
    from helpers import run_main

    code, out, err = run_main(["check", str(path), "--transparence", str(TPT), "--date", "2025-12-31", "--json",
                               *extra])
    import json

    return code, json.loads(out)


def test_compliant_sample_is_compliant_with_the_r139_rulebook():
    code, doc = _check(COMPLIANT)
    assert doc["version"]["id"] == "R139-2019-07-08"
    bad = [(r["id"], r["status"]) for r in doc["rules"] if r["status"] not in ("ok", "not_applicable")]
    assert code == 0 and doc["status"] == "ok", bad


def test_breached_sample_breaches_the_limits_it_was_built_to_breach():
    code, doc = _check(BREACHED)
    assert code == 1 and doc["status"] == "breach"
    breached = {r["id"] for r in doc["rules"] if r["status"] == "breach"}
    assert {"R139-41/immobilier-max20", "R139-41/actions-max25", "R139-41/ocde-max15", "R139-44/change-max15",
            "R139-45/entite-max5", "R139-45/cumul-max40", "R139-45/immeuble-max10"} <= breached
    subjects = {f["subject"] for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"}
    assert any("Airbus" in s for s in subjects) and any("SCI Tour Horizon" in s for s in subjects)
    assert all(f.get("regime") == "complementaire" for f in doc["findings"] if f["status"] == "breach")
