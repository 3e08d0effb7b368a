"""R623-9/depots: a deposit with a bank outside the EEA — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-9/depots"
LINES = [ballast(950_000), line(13, 20_000)]
ORDERS = [{"libelle": "Dépôt hors EEE", "categorie": 13, "devise": "EUR", "emetteur": "Bank of Nowhere", "pays": "FR", "etablissement_agree_eee": "non", "duree_jours": 90, "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
