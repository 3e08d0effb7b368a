"""R. 623-5: negotiable medium-term notes (4°), conditions a) to e)."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-5/bmtn"


def bmtn(**columns):
    return line(4, "1 000,00", label="BMTN Crédit Agricole", **columns)


def check(**columns):
    return verdict(bmtn(**columns), ballast("999 000,00"))


def test_compliant_note_passes():
    assert status(check(), RULE) == OK


@pytest.mark.parametrize("size, expected", [("30 000 000,00", OK), ("29 999 999,99", BREACH), ("30 000 000,01", OK)])
def test_a_issue_of_at_least_30_million(size, expected):
    v = check(montant_emission=size)
    assert status(v, RULE) == expected
    if expected == BREACH:
        (f,) = findings(v, RULE)
        assert f.message.startswith("a)") and f.value == 29_999_999.99 and f.limit == 30_000_000


@pytest.mark.parametrize("valuers, expected", [(1, BREACH), (2, OK), (3, OK)])
def test_b_valued_by_two_independent_houses(valuers, expected):
    assert status(check(nb_valorisateurs=valuers), RULE) == expected


@pytest.mark.parametrize("days, expected", [(14, OK), (15, OK), (16, BREACH)])
def test_c_price_published_at_least_every_fifteen_days(days, expected):
    assert status(check(cotation_jours=days), RULE) == expected


@pytest.mark.parametrize("column, says", [("clause_liquidite", "d)"), ("garantie_prix_emission", "e)")])
def test_d_e_liquidity_clause_and_issue_price_guarantee(column, says):
    v = check(**{column: "non"})
    (f,) = findings(v, RULE)
    assert f.status == BREACH and f.message.startswith(says) and f.amount == 100_000


def test_every_failed_condition_is_named():
    v = check(nb_valorisateurs=1, cotation_jours=30)
    (f,) = findings(v, RULE)
    assert "b)" in f.message and "c)" in f.message


@pytest.mark.parametrize("column", ["montant_emission", "nb_valorisateurs", "cotation_jours", "clause_liquidite",
                                    "garantie_prix_emission"])
def test_each_missing_condition_is_unknown_naming_its_column(column):
    v = check(**{column: None})
    (f,) = findings(v, RULE)
    assert f.status == UNKNOWN_S and f.columns == [column] and f"« {column} »" in f.message


def test_a_failed_condition_outweighs_a_missing_one():
    v = check(montant_emission=None, clause_liquidite="non")
    (f,) = findings(v, RULE)
    assert f.status == BREACH


def test_conditions_apply_to_category_4_only():
    v = verdict(line(2, "1 000,00", montant_emission="1,00", nb_valorisateurs=0), ballast("999 000,00"))
    assert status(v, RULE) == "not_applicable"
