"""R. 139-14 and R. 139-15, the régime simplifié (`--regime-simplifie`): on one situation per rule, the checker,
the pre-trade engine after the orders, the optimizer and the report agree (tests/agreement_r139.py). R. 139-14's
list and its funds' conditions are conditions on lines (no optimizer row: the optimizer sells the line, and its
proposal, re-checked, keeps the rule); R. 139-15's three caps are reached exactly (kept) and passed by a purchase
of 10 000 € (broken), their rows read at the proposal. The actif de placement is 10 000 000,00 € before the
orders."""

from __future__ import annotations

from fractions import Fraction

from agreement_r139 import B, agree139, bought, held, line, with_states

BUY = 10_000
S = {"simplified": True}


def test_14_eligibilite_a_share_is_not_in_the_simplified_list(tmp_path):
    agree139("R139-14/eligibilite", bought("action", "Actions Air Liquide", **S), expect="breach", tmp=tmp_path, cli=True)


def test_14_eligibilite_a_tcn_of_a_swiss_issuer_is(tmp_path):
    sit = bought("tcn", "Billet UBS", pays="CH", emetteur="UBS", groupe="UBS", **S)
    agree139("R139-14/eligibilite", sit, expect="ok", tmp=tmp_path)


def fm(share, orders=()):
    fund = line("fonds_mutualise", 300_000, "FM Obligations", part_titres_eligibles=share)
    inventory = {"FM Obligations": [held("titre_etat", 100, "OAT (FM)")]}
    return with_states(fund, funds=inventory, orders=orders, simplified=True)


def test_14_fonds_mutualises_50_a_fund_under_half_in_listed_securities(tmp_path):
    agree139("R139-14/fonds-mutualises-50", fm(0.4999, [{"libelle": "FM Obligations", "montant": BUY}]),
             expect="breach", tmp=tmp_path, limit=0.5)


def test_14_fonds_mutualises_50_a_fund_at_half(tmp_path):
    agree139("R139-14/fonds-mutualises-50", fm(0.5, [{"libelle": "FM Obligations", "montant": BUY}]),
             expect="ok", tmp=tmp_path, limit=0.5)


def dedicated(extra):
    fund = line("organisme_dedie", 400_000, "Dédié Taux")
    inventory = {"Dédié Taux": [held("titre_etat", 60, "OAT (dédié)"), extra]}
    return with_states(fund, funds=inventory, orders=[{"libelle": "Dédié Taux", "montant": BUY}], simplified=True)


def test_14_organismes_dedies_a_dedicated_fund_holding_shares(tmp_path):
    agree139("R139-14/organismes-dedies", dedicated(held("action", 40, "Actions (dédié)")), expect="breach",
             tmp=tmp_path)


def test_14_organismes_dedies_a_dedicated_fund_of_sovereign_bonds_and_deposits(tmp_path):
    agree139("R139-14/organismes-dedies", dedicated(held("depot", 40, "Dépôt (dédié)")), expect="ok", tmp=tmp_path)


def buy(label):
    return [{"libelle": label, "montant": BUY}]


def real_estate(orders=()):
    return with_states(line("droit_immobilier", 1_500_000, "Immeuble Paris"), orders=orders, simplified=True)


def test_15_immobilier_max15_broken_by_a_purchase(tmp_path):
    agree139("R139-15/immobilier-max15", real_estate(buy("Immeuble Paris")), expect="breach", tmp=tmp_path,
             value=Fraction(1_510_000, B + BUY), limit=0.15)


def test_15_immobilier_max15_at_15_percent(tmp_path):
    agree139("R139-15/immobilier-max15", real_estate(), expect="ok", tmp=tmp_path, value=Fraction(15, 100))


def funds15(orders=()):
    fund = line("fonds_mutualise", 1_500_000, "FM Obligations")
    inventory = {"FM Obligations": [held("titre_etat", 100, "OAT (FM)")]}
    return with_states(fund, funds=inventory, orders=orders, simplified=True)


def test_15_fonds_mutualises_max15_broken_by_a_purchase(tmp_path):
    agree139("R139-15/fonds-mutualises-max15", funds15(buy("FM Obligations")), expect="breach", tmp=tmp_path,
             value=Fraction(1_510_000, B + BUY), limit=0.15)


def test_15_fonds_mutualises_max15_at_15_percent(tmp_path):
    agree139("R139-15/fonds-mutualises-max15", funds15(), expect="ok", tmp=tmp_path, value=Fraction(15, 100))


def dollars(orders=()):
    bond = line("titre_etat", 1_000_000, "Bund en dollars", emetteur="République fédérale d'Allemagne", pays="DE",
                devise="USD")
    return with_states(bond, orders=orders, simplified=True)


def test_15_devises_max10_broken_by_a_purchase(tmp_path):
    agree139("R139-15/devises-max10", dollars(buy("Bund en dollars")), expect="breach", tmp=tmp_path,
             value=Fraction(1_010_000, B + BUY), limit=0.10)


def test_15_devises_max10_at_10_percent(tmp_path):
    agree139("R139-15/devises-max10", dollars(), expect="ok", tmp=tmp_path, value=Fraction(10, 100))
