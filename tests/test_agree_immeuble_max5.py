"""R623-10-1/immeuble-max5: a purchase that takes one building over 5 % — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/immeuble-max5"
LINES = [ballast(955_000), line(9, 45_000, label="Immeuble Rivoli", immeuble="IMM-RIVOLI")]
ORDERS = [{"libelle": "Immeuble Rivoli", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
