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
    """Two rate futures cleared by Eurex (+1 200 000 € and -500 000 € of exposure: 700 000 € net), one by LCH
    (+300 000 €), hedging the bonds held: 1 000 000 € of exposures netted per counterparty, 10 % of the actif de
    placement (a negative exposure nets only with its own counterparty). The purchases are covered by 1 500 000 €
    of deposits with three banks (R. 139-40 2°)."""
    fut = dict(type_contrat="future", type_sous_jacent="taux", cotation="eee", couverture="oui",
               sous_jacent_detenu="oui")
    return with_states(line("contrat_financier", 0, "Future Eurex 1", contrepartie="Eurex Clearing",
                            exposition=1_200_000, notionnel=1_200_000, **fut),
                       line("contrat_financier", 0, "Future Eurex 2", contrepartie="Eurex Clearing",
                            exposition=-500_000, notionnel=500_000, **fut),
                       line("contrat_financier", 0, "Future LCH", contrepartie="LCH SA", exposition=300_000,
                            notionnel=300_000, **fut),
                       *[line("depot", 500_000, f"Compte à terme Banque {k}", emetteur=f"Banque {k}",
                              groupe=f"BANQUE-{k}") for k in "ABC"], orders=orders)


def test_43_a_sale_that_takes_the_net_exposures_over_10_percent(tmp_path):
    sit = swaps([{"libelle": "Obligation souveraine FR", "montant": -BUY}])
    agree139("R139-43/contrats-max10", sit, expect="breach", tmp=tmp_path, cli=True, limit=0.10,
             value=Fraction(1_000_000, B - BUY))


def test_43_net_exposures_at_10_percent(tmp_path):
    agree139("R139-43/contrats-max10", swaps(), expect="ok", tmp=tmp_path, limit=0.10, value=Fraction(1, 10))


def dollars(euros, orders=()):
    """`euros` of dollar bonds of four American issuers (a quarter each, under 5 % each)."""
    q = (Decimal(euros) / 4).quantize(Decimal("0.01"))
    names = ["Apple", "Microsoft", "Alphabet", "Amazon"]
    bonds = [line("obligation", q if k < 3 else Decimal(euros) - 3 * q, f"Obligation {n}", devise="USD", emetteur=n,
                  groupe=n.upper(), pays="US", cotation="ocde") for k, n in enumerate(names)]
    return with_states(*bonds, orders=orders)


def test_44_dollars_at_15_percent_are_not_under_it(tmp_path):
    """« inférieure à » is strict: 15 % exactly breaks it; 0,01 € of dollar bonds bought with 0,01 € of euro bonds
    sold gets there."""
    cent = Decimal("0.01")
    sit = dollars(Decimal("1499999.99"), [{"libelle": "Obligation Apple", "montant": cent},
                                          {"libelle": "Obligation souveraine FR", "montant": -cent}])
    agree139("R139-44/change-max15", sit, expect="breach", tmp=tmp_path, limit=0.15, value=Fraction(15, 100))


def test_44_dollars_one_cent_under_15_percent(tmp_path):
    a = agree139("R139-44/change-max15", dollars(Decimal("1499999.99")), expect="ok", tmp=tmp_path, limit=0.15,
                 value=Fraction(149_999_999, B * 100))
    assert "14,9999999 % < 15,00 %" in a.report["html"]  # not « 15,00 % < 15,00 % », conforme
