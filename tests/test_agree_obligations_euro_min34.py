"""R623-10-1/obligations-euro-min34: a sale of bonds that takes them under 34 % — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/obligations-euro-min34"
LINES = [ballast(350_000, isin="FR0013508470"), *[line(7, 40_000, emetteur=f"Société {k}") for k in range(16)]]
ORDERS = [{"isin": "FR0013508470", "montant": -30_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
