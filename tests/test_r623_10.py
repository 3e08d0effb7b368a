"""R. 623-10: the funds of gestion administrative, action sociale, disponibilités and report à
nouveau may only be invested in 1°, 2°, 3°, 11° to 13°, 5° limited to 1° to 3°, and 9°, 10°."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-10/fonds-gestion"


def gestion(cat, **columns):
    return verdict(line(cat, "1 000,00", label=f"gestion {cat}", poche="gestion", **columns), ballast("999 000,00"))


@pytest.mark.parametrize("cat", [1, 2, 3, 5, 9, 10, 11, 12, 13])
def test_allowed_assets(cat):
    assert status(gestion(cat), RULE) == OK


@pytest.mark.parametrize("cat", [4, 6, 7, 8, "IFT", "AUTRE"])
def test_other_assets_are_to_be_sold(cat):
    v = gestion(cat)
    (f,) = findings(v, RULE)
    assert f.status == BREACH and f.subject == f"gestion {cat}" and f.amount == 100_000 and f.action == "sell"


def test_5_fund_must_be_limited_to_1_to_3():
    assert status(gestion(5, fonds_1_3="non"), RULE) == BREACH
    (f,) = findings(gestion(5, fonds_1_3=None), RULE)
    assert f.status == UNKNOWN_S and f.columns == ["fonds_1_3"]


@pytest.mark.parametrize("pocket", ["gestion", "Gestion administrative", "action sociale", "disponibilités",
                                    "report à nouveau"])
def test_pocket_names_for_the_gestion_funds(pocket):
    v = verdict(line(7, "1 000,00", poche=pocket), ballast("999 000,00"))
    assert status(v, RULE) == BREACH
    assert v.gestion_total == 100_000


def test_reserves_pocket_is_not_concerned():
    v = verdict(line(7, "1 000,00", poche="reserves"), ballast("999 000,00"))
    assert status(v, RULE) == NA
    v = verdict(line(7, "1 000,00", poche=None), ballast("999 000,00"))
    assert status(v, RULE) == NA  # an empty pocket is the reserves


def test_gestion_lines_stay_out_of_the_reserves_totals():
    v = gestion(1)
    assert v.total == 99_900_000 and v.base == 99_900_000 and v.gestion_total == 100_000
