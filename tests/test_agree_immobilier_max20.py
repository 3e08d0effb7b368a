"""R623-10-1/immobilier-max20: a building bought beyond 20 % in real estate — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/immobilier-max20"
LINES = [ballast(808_000), *[line(9, 48_000, immeuble=f"IMM-{k}") for k in range(4)]]
ORDERS = [{"libelle": "Immeuble nouveau", "categorie": 9, "devise": "EUR", "immeuble": "IMM-NEUF", "pays": "FR", "montant": 40_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
