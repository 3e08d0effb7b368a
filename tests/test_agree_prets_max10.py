"""R623-10-1/prets-max10: a loan granted beyond 10 % in loans — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/prets-max10"
LINES = [ballast(905_000), line(11, 45_000, label="Prêt Ville de Lyon"), line(11, 45_000, emetteur="Région Bretagne")]
ORDERS = [{"libelle": "Prêt Ville de Lyon", "montant": 20_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
