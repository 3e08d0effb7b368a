"""R623-3/marche-reconnu: shares bought off a recognised market — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-3/marche-reconnu"
LINES = [ballast(950_000), line(7, 40_000)]
ORDERS = [{"libelle": "Actions non cotées", "categorie": 7, "devise": "EUR", "emetteur": "Start SAS", "pays": "FR", "marche_reconnu": "non", "conservation": "oui", "quantite": 1, "quantite_emise": 1_000_000_000, "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
