"""R. 139-42 (potential excesses of UCITS and fonds mutualisés), R. 139-43 (contracts' exposures netted per
counterparty) and R. 139-44 (currency exposure strictly under 15 %): on one situation per rule, the checker, the
pre-trade engine after the orders, the optimizer's rows at its solution and the report's figures agree
(tests/agreement_r139.py). The actif de placement is 10 000 000,00 € before the orders."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from agreement_r139 import B, agree139, held, line, with_states

BUY = 10_000


def ucits(excess, orders=()):
    fund = line("opcvm", 500_000, "OPCVM Actions", depassement_potentiel=excess)
    inventory = {"OPCVM Actions": [held("titre_etat", 100, "OAT (OPCVM)")]}
    return with_states(fund, funds=inventory, orders=orders)


def test_42_a_ucits_whose_potential_excesses_pass_15_percent(tmp_path):
    agree139("R139-42/depassements-potentiels", ucits(0.1501, [{"libelle": "OPCVM Actions", "montant": BUY}]),
             expect="breach", tmp=tmp_path, limit=0.15)


def test_42_a_ucits_at_15_percent(tmp_path):
    agree139("R139-42/depassements-potentiels", ucits(0.15, [{"libelle": "OPCVM Actions", "montant": BUY}]),
             expect="ok", tmp=tmp_path, limit=0.15)


def swaps(orders=()):
    """Two swaps with BNP Paribas (+1 200 000 € and -500 000 € of exposure: 700 000 € net), one with Société
    Générale (+300 000 €), on rates, hedging the bonds held: 1 000 000 € of exposures netted per counterparty, 10 %
    of the actif de placement (a negative exposure nets only with its own counterparty)."""
    sw = dict(type_contrat="swap", type_sous_jacent="taux", cotation="aucune", couverture="oui",
              sous_jacent_detenu="oui")
    return with_states(line("contrat_financier", 0, "Swap BNP 1", contrepartie="BNP Paribas", exposition=1_200_000,
                            notionnel=1_200_000, **sw),
                       line("contrat_financier", 0, "Swap BNP 2", contrepartie="BNP Paribas", exposition=-500_000,
                            notionnel=500_000, **sw),
                       line("contrat_financier", 0, "Swap SG", contrepartie="Société Générale", exposition=300_000,
                            notionnel=300_000, **sw), orders=orders)


def test_43_a_sale_that_takes_the_net_exposures_over_10_percent(tmp_path):
    sit = swaps([{"libelle": "Obligation souveraine FR", "montant": -BUY}])
    agree139("R139-43/contrats-max10", sit, expect="breach", tmp=tmp_path, limit=0.10,
             value=Fraction(1_000_000, B - BUY))


def test_43_net_exposures_at_10_percent(tmp_path):
    agree139("R139-43/contrats-max10", swaps(), expect="ok", tmp=tmp_path, limit=0.10, value=Fraction(1, 10))


def dollars(euros, orders=()):
    bond = line("obligation", euros, "Obligation Apple", devise="USD", emetteur="Apple", groupe="AAPL", pays="US",
                cotation="ocde")
    return with_states(bond, orders=orders)


def test_44_dollars_at_15_percent_are_not_under_it(tmp_path):
    """« inférieure à » is strict: 15 % exactly breaks it; 0,01 € of dollar bonds bought with 0,01 € of euro bonds
    sold gets there."""
    cent = Decimal("0.01")
    sit = dollars(Decimal("1499999.99"), [{"libelle": "Obligation Apple", "montant": cent},
                                          {"libelle": "Obligation souveraine FR", "montant": -cent}])
    agree139("R139-44/change-max15", sit, expect="breach", tmp=tmp_path, limit=0.15, value=Fraction(15, 100))


def test_44_dollars_one_cent_under_15_percent(tmp_path):
    agree139("R139-44/change-max15", dollars(Decimal("1499999.99")), expect="ok", tmp=tmp_path, limit=0.15,
             value=Fraction(149_999_999, B * 100))
