"""R. 623-7: real-estate companies (10°), and no forests, directly or indirectly."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-7/societes-immobilieres"


def test_sci_seated_in_the_eea_passes():
    assert status(verdict(line(10, "1 000,00"), ballast("999 000,00")), RULE) == OK


def test_property_dealer_is_excluded():
    v = verdict(line(10, "1 000,00", label="Marchand SAS", marchand_de_biens="oui"), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and "marchand de biens" in f.message and f.amount == 100_000


@pytest.mark.parametrize("form", ["SNC", "snc", "S.N.C."])
def test_partnership_is_excluded(form):
    v = verdict(line(10, "1 000,00", forme_juridique=form), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and "nom collectif" in f.message


def test_company_seated_outside_the_eea_is_excluded():
    assert status(verdict(line(10, "1 000,00", pays="CH"), ballast("999 000,00")), RULE) == BREACH


@pytest.mark.parametrize("column", ["marchand_de_biens", "forme_juridique", "pays"])
def test_missing_answer_is_unknown_naming_the_column(column):
    # a name that carries no legal form: the form is not read from it
    v = verdict(line(10, "1 000,00", emetteur="Bureaux Lyon Part-Dieu", **{column: None}), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == UNKNOWN_S and f.columns == [column]


@pytest.mark.parametrize("cat", [1, 7, 8, 9, 10])
def test_forests_held_by_any_line_are_a_breach(cat):
    v = verdict(line(cat, "1 000,00", label="Groupement forestier", biens_forestiers="oui"), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and "forestiers" in f.message and f.subject == "Groupement forestier"


def test_forests_column_absent_declares_no_forests():
    """READING 9: `biens_forestiers` only declares an exception; without it, no line holds forests."""
    lines = [line(7, "1 000,00"), ballast("999 000,00")]
    assert all("biens_forestiers" not in ln for ln in lines)
    v = verdict(*lines)
    assert status(v, RULE) == OK and v.status == OK


def test_forests_left_empty_declares_no_forests():
    v = verdict(line(7, "1 000,00", biens_forestiers=None), ballast("999 000,00", biens_forestiers="non"))
    assert status(v, RULE) == OK


def test_forests_in_the_gestion_pocket_are_a_breach_too():
    v = verdict(line(9, "1 000,00", poche="gestion", biens_forestiers="oui"), ballast("1 000,00"))
    assert status(v, RULE) == BREACH
