"""R623-6/opcvm: units of a fund that is not a coordinated UCITS — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-6/opcvm"
LINES = [ballast(950_000), line(8, 20_000)]
ORDERS = [{"libelle": "Fonds offshore", "categorie": 8, "devise": "EUR", "emetteur": "Offshore Fund", "forme_juridique": "FCP", "opcvm_conforme": "non", "conservation": "oui", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
