"""R. 623-6: funds of 5° and 8° must be French UCITS-type funds or coordinated EEA funds."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-6/opcvm"


@pytest.mark.parametrize("cat", [5, 8])
def test_compliant_fund_passes(cat):
    assert status(verdict(line(cat, "1 000,00"), ballast("999 000,00")), RULE) == OK


@pytest.mark.parametrize("cat", [5, 8])
def test_non_compliant_fund_is_to_be_sold(cat):
    v = verdict(line(cat, "1 000,00", label="Hedge fund offshore", opcvm_conforme="non"), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and f.subject == "Hedge fund offshore" and f.amount == 100_000


@pytest.mark.parametrize("cat", [5, 8])
def test_fund_without_the_answer_is_unknown(cat):
    v = verdict(line(cat, "1 000,00", opcvm_conforme=None), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == UNKNOWN_S and f.columns == ["opcvm_conforme"]


def test_fcpr_of_6_is_not_asked_for_ucits_compliance():
    v = verdict(line(6, "1 000,00", opcvm_conforme="non"), ballast("999 000,00"))
    assert status(v, RULE) == NA


def test_ucits_column_read_under_its_english_alias():
    fund = line(8, "1 000,00")
    fund["ucits"] = fund.pop("opcvm_conforme")
    fund["ucits"] = "no"
    assert status(verdict(fund, ballast("999 000,00")), RULE) == BREACH
