"""R623-7/societes-immobilieres: shares of a property dealer — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-7/societes-immobilieres"
LINES = [ballast(950_000), line(10, 20_000)]
ORDERS = [{"libelle": "Marchand de biens SA", "categorie": 10, "devise": "EUR", "emetteur": "Marchand SA", "immeuble": "MB-1", "forme_juridique": "SA", "pays": "FR", "marchand_de_biens": "oui", "conservation": "oui", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
