"""R623-5/bmtn: a medium-term note from too small an issue — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-5/bmtn"
LINES = [ballast(950_000), line(4, 20_000)]
ORDERS = [{"libelle": "BMTN petite émission", "categorie": 4, "devise": "EUR", "emetteur": "Caisse Régionale", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui", "montant_emission": 10_000_000, "nb_valorisateurs": 2, "cotation_jours": 7, "clause_liquidite": "oui", "garantie_prix_emission": "oui", "quantite": 1, "quantite_emise": 1_000_000_000, "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)
