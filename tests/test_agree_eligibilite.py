"""R623-3/eligibilite: an asset outside the list of R. 623-3, bought — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-3/eligibilite"
LINES = [ballast(950_000), line(7, 50_000)]
ORDERS = [{"libelle": "Jetons numériques", "categorie": "AUTRE", "devise": "EUR", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
