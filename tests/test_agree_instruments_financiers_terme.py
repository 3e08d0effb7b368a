"""R623-4/instruments-financiers-terme: a forward that hedges nothing — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-4/instruments-financiers-terme"
LINES = [ballast(950_000), line("IFT", 1_000, label="Swap de taux")]
ORDERS = [{"libelle": "Option spéculative", "categorie": "IFT", "devise": "EUR", "marche_reconnu": "oui", "couverture": "non", "montant": 2_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
