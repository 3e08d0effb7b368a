"""R623-8/prets-hypothecaires: a mortgage loan of second rank — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-8/prets-hypothecaires"
LINES = [ballast(950_000), line(12, 20_000)]
ORDERS = [{"libelle": "Prêt 2e rang", "categorie": 12, "devise": "EUR", "emetteur": "SCI Les Ormes", "pays": "FR", "rang_hypotheque": 2, "ltv": "0,50", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
