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
