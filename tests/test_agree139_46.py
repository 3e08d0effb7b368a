"""R. 139-46, at most 5 % of an issuer's equity and of its debt securities, seen through (RR 9): on one situation
per rule, the checker, the pre-trade engine after the orders (the quantity held moves with the amount, pro
rata), the optimizer's rows at its solution (quantities against the issue: a constant right-hand side) and the
report's issuers agree (tests/agreement_r139.py). 1 000 securities issued at 100 €: 50 held are 5 %."""

from __future__ import annotations

from fractions import Fraction

from agreement_r139 import agree139, line, with_states


def issue(nature, orders=()):
    return with_states(line(nature, 5_000, f"{nature} PME SA", quantite=50, quantite_emise=1000, emetteur="PME SA",
                            groupe="PME"), orders=orders)


def test_capital_max5_a_share_more_is_over_5_percent_of_the_equity(tmp_path):
    sit = issue("action", [{"libelle": "action PME SA", "montant": 100}])
    agree139("R139-46/capital-max5", sit, expect="breach", tmp=tmp_path, cli=True, limit=0.05, value=Fraction(51, 1000))


def test_capital_max5_at_5_percent_of_the_equity(tmp_path):
    agree139("R139-46/capital-max5", issue("action"), expect="ok", tmp=tmp_path, limit=0.05, value=Fraction(5, 100))


def test_creances_max5_a_bond_more_is_over_5_percent_of_the_debt(tmp_path):
    sit = issue("obligation", [{"libelle": "obligation PME SA", "montant": 100}])
    agree139("R139-46/creances-max5", sit, expect="breach", tmp=tmp_path, limit=0.05, value=Fraction(51, 1000))


def test_creances_max5_at_5_percent_of_the_debt(tmp_path):
    agree139("R139-46/creances-max5", issue("obligation"), expect="ok", tmp=tmp_path, limit=0.05,
             value=Fraction(5, 100))
