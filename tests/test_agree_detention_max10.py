"""R623-10-1/detention-max10: a purchase of shares beyond 10 % of those issued — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/detention-max10"
LINES = [ballast(950_000), line(7, 9_000, isin="FR0000131104", emetteur="Petite Cotée SA", quantite=90, quantite_emise=1_000)]
ORDERS = [{"isin": "FR0000131104", "montant": 2_000, "quantite": 20}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
