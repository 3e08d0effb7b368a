"""R623-3/euro-90: a purchase in dollars that takes the euro assets under 90 % — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-3/euro-90"
LINES = [ballast(880_000), line(7, 90_000, label="Actions US", devise="USD", isin="US0378331005", emetteur="Apple Inc", pays="US")]
ORDERS = [{"isin": "US0378331005", "montant": 40_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
