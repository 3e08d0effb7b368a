"""R. 623-4: forward financial instruments.

« […] instruments financiers à terme […] admis à la négociation sur les marchés
reconnus […] dans des conditions permettant d'établir une relation avec les
placements et de contribuer à une réduction du risque d'investissement. »
"""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-4/instruments-financiers-terme"


def test_listed_hedge_is_allowed():
    v = verdict(line("IFT", "1 000,00", label="Future Bund"), ballast("999 000,00"))
    assert status(v, RULE) == OK


def test_instrument_off_a_recognised_market_is_a_breach():
    v = verdict(line("IFT", "1 000,00", label="Swap de gré à gré", marche_reconnu="non"), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and f.subject == "Swap de gré à gré" and "marché reconnu" in f.message


def test_speculative_instrument_is_a_breach():
    v = verdict(line("IFT", "1 000,00", couverture="non"), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == BREACH and "réduire un risque" in f.message


@pytest.mark.parametrize("column", ["marche_reconnu", "couverture"])
def test_missing_market_or_hedge_is_unknown_naming_the_column(column):
    v = verdict(line("IFT", "1 000,00", **{column: None}), ballast("999 000,00"))
    (f,) = findings(v, RULE)
    assert f.status == UNKNOWN_S and f.columns == [column]


def test_negative_value_is_allowed_and_nothing_to_sell_when_it_fails():
    """READING 10: a forward may be worth less than zero; closing it does not bring cash to sell."""
    v = verdict(line("IFT", "-2 500,00", label="Swap perdant", couverture="non"), ballast("1 000 000,00"))
    assert v.total == 100_000_000 - 250_000
    (f,) = findings(v, RULE)
    assert f.status == BREACH and f.euros == -250_000 and f.amount == 0


def test_forward_in_the_gestion_pocket_is_checked_too():
    v = verdict(line("IFT", "1 000,00", marche_reconnu="non", poche="gestion"), ballast("1 000,00"))
    assert status(v, RULE) == BREACH


def test_rule_is_not_applicable_without_forwards():
    assert status(verdict(ballast("1 000,00")), RULE) == NA
