"""R. 139-45 (entities, real-estate assets, sovereigns, groups): on one situation per rule, the checker, the
pre-trade engine after the orders, the optimizer's rows at its solution and the report's figures agree
(tests/agreement_r139.py). The actif de placement is 10 000 000,00 € before the orders."""

from __future__ import annotations

from fractions import Fraction

from agreement_r139 import Situation, agree139, held, line, states

B = 10_000_000


def test_entite_max5_a_purchase_takes_one_entity_over_5_percent(tmp_path):
    sit = Situation([line("action", 500_000, "Actions Air Liquide"), *states(B - 500_000)],
                    [{"libelle": "Actions Air Liquide", "montant": 10_000}])
    agree139("R139-45/entite-max5", sit, expect="breach", tmp=tmp_path, value=Fraction(510_000, B + 10_000),
             limit=0.05)


def test_entite_max5_at_5_percent_exactly_through_a_fund(tmp_path):
    """4 % direct and 1 % through a UCITS seen through (its inventory rescaled to the line): 5 % exactly."""
    sit = Situation([line("action", 400_000, "Actions Air Liquide"), line("opcvm", 200_000, "OPCVM Actions"),
                     *states(B - 600_000)],
                    funds={"OPCVM Actions": [held("action", 50, "Air Liquide (fonds)"),
                                             held("obligation", 50, "TotalEnergies (fonds)")]})
    agree139("R139-45/entite-max5", sit, expect="ok", tmp=tmp_path, value=Fraction(5, 100), limit=0.05)
