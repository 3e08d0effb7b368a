"""R. 623-8: mortgage loans (12°): first rank, building in the EEA, charges at most 65 % of its value."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-8/prets-hypothecaires"


def loan(**columns):
    return verdict(line(12, "1 000,00", label="Prêt SCI Les Tilleuls", **columns), ballast("999 000,00"))


@pytest.mark.parametrize("ltv, expected", [("0,65", OK), ("65 %", OK), ("65,00 %", OK), ("0.6499", OK),
                                           ("0,6501", BREACH), ("65,01 %", BREACH)])
def test_first_rank_charges_at_most_65_percent(ltv, expected):
    assert status(loan(ltv=ltv), RULE) == expected


def test_ltv_breach_reports_value_and_limit():
    (f,) = findings(loan(ltv="0,80"), RULE)
    assert f.status == BREACH and f.value == 0.8 and f.limit == 0.65 and f.amount == 100_000


@pytest.mark.parametrize("rank, expected", [(1, OK), (2, BREACH)])
def test_first_rank_mortgage_only(rank, expected):
    assert status(loan(rang_hypotheque=rank), RULE) == expected


def test_building_outside_the_eea():
    assert status(loan(pays="US"), RULE) == BREACH


@pytest.mark.parametrize("column", ["rang_hypotheque", "pays", "ltv"])
def test_missing_answer_is_unknown_naming_the_column(column):
    (f,) = findings(loan(**{column: None}), RULE)
    assert f.status == UNKNOWN_S and f.columns == [column]
