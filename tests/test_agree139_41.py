"""R. 139-41, the seven caps on the actif vu par transparence (UCITS, real estate, equity, equity with fonds
mutualisés, OECD-only listings, 18 10° assets, organismes de financement): on one situation per cap, the
checker, the pre-trade engine after the orders, the optimizer's rows at its solution and the report's cap row
agree (tests/agreement_r139.py). Each cap is reached exactly (kept: « ne peut excéder ») and passed by a purchase
of 10 000 € (broken); the actif de placement is 10 000 000,00 € before the orders."""

from __future__ import annotations

from fractions import Fraction

from agreement_r139 import B, agree139, held, line, with_states

BUY = 10_000


def company(nature, euros, i, **cols):
    return line(nature, euros, f"{nature} Société {i}", emetteur=f"Société {i}", groupe=f"GRP-{i}", **cols)


def buy(label, euros=BUY):
    return [{"libelle": label, "montant": euros}]


def opcvm_situation(orders=()):
    fund = line("opcvm", 1_500_000, "OPCVM Obligations")
    inventory = {"OPCVM Obligations": [held("titre_etat", 60, "OAT (OPCVM)"),
                                       held("titre_etat", 40, "Bund (OPCVM)", emetteur="République fédérale "
                                            "d'Allemagne", pays="DE")]}
    return with_states(fund, funds=inventory, orders=orders)


def test_opcvm_max15_broken_by_a_purchase_of_units(tmp_path):
    agree139("R139-41/opcvm-max15", opcvm_situation(buy("OPCVM Obligations")), expect="breach", tmp=tmp_path, cli=True,
             value=Fraction(1_510_000, B + BUY), limit=0.15)


def test_opcvm_max15_at_15_percent(tmp_path):
    agree139("R139-41/opcvm-max15", opcvm_situation(), expect="ok", tmp=tmp_path, value=Fraction(15, 100))


def real_estate(orders=()):
    return with_states(line("droit_immobilier", 1_000_000, "Immeuble Paris", immeuble="IMM-PARIS"),
                       line("droit_immobilier", 1_000_000, "Immeuble Lyon", immeuble="IMM-LYON"), orders=orders)


def test_immobilier_max20_broken_by_works_on_a_building(tmp_path):
    agree139("R139-41/immobilier-max20", real_estate([
        {"libelle": "Immeuble Nantes", "nature": "droit_immobilier", "montant": BUY, "devise": "EUR",
         "immeuble": "IMM-NANTES", "pays": "FR", "actes_en_france": "oui", "detention_integrale": "oui"}]),
             expect="breach", tmp=tmp_path, value=Fraction(2_010_000, B + BUY), limit=0.20)


def test_immobilier_max20_at_20_percent(tmp_path):
    agree139("R139-41/immobilier-max20", real_estate(), expect="ok", tmp=tmp_path, value=Fraction(20, 100))


def equities(orders=(), **cols):
    return with_states(*[company("action", 500_000, i, **cols) for i in range(1, 6)], orders=orders)


def new_company(nature, i, euros=BUY, **cols):
    c = company(nature, euros, i, **cols)
    return {"montant": c.pop("valeur"), **c}


def test_actions_max25_broken_by_a_sixth_share(tmp_path):
    agree139("R139-41/actions-max25", equities([new_company("action", 6)]), expect="breach", tmp=tmp_path,
             value=Fraction(2_510_000, B + BUY), limit=0.25)


def test_actions_max25_at_25_percent(tmp_path):
    agree139("R139-41/actions-max25", equities(), expect="ok", tmp=tmp_path, value=Fraction(25, 100))


def equity_and_fund(orders=()):
    """25 % of shares held directly and 25 % through a fonds mutualisé of ten listed companies (2,5 % each)."""
    shares = [company("action", 500_000, i) for i in range(1, 6)]
    fm = line("fonds_mutualise", 2_500_000, "FM Actions européennes")
    inventory = {"FM Actions européennes": [held("action", 100, f"Société {i} (FM)", emetteur=f"Société {i}",
                                                 groupe=f"GRP-{i}") for i in range(6, 16)]}
    return with_states(*shares, fm, funds=inventory, orders=orders)


def test_actions_max50_broken_by_more_units_of_the_fonds_mutualise(tmp_path):
    agree139("R139-41/actions-max50", equity_and_fund(buy("FM Actions européennes")), expect="breach",
             tmp=tmp_path, value=Fraction(5_010_000, B + BUY), limit=0.50)


def test_actions_max50_at_50_percent(tmp_path):
    agree139("R139-41/actions-max50", equity_and_fund(), expect="ok", tmp=tmp_path, value=Fraction(50, 100))


def oecd(orders=()):
    return with_states(*[company("action", 500_000, i, cotation="ocde", pays="US") for i in range(1, 4)],
                       orders=orders)


def test_ocde_max15_broken_by_a_fourth_share_listed_outside_the_eea(tmp_path):
    agree139("R139-41/ocde-max15", oecd([new_company("action", 4, cotation="ocde", pays="US")]), expect="breach",
             tmp=tmp_path, value=Fraction(1_510_000, B + BUY), limit=0.15)


def test_ocde_max15_at_15_percent(tmp_path):
    agree139("R139-41/ocde-max15", oecd(), expect="ok", tmp=tmp_path, value=Fraction(15, 100))


def loans_fund(orders=()):
    """15 % in a fonds mutualisé of loans to six companies (R. 139-18 10°, 2,5 % each). Its loans are positions
    the body could not take directly: R. 139-42's potential excesses of the fund are broken with it (as the
    product reads R. 139-27, a fund of such assets is always beyond 15 %)."""
    fm = line("fonds_mutualise", 1_500_000, "FM Prêts PME", part_titres_eligibles=0.0)
    inventory = {"FM Prêts PME": [held("autre_fm", 100, f"Prêt PME {i}", emetteur=f"PME {i}", groupe=f"PME-{i}")
                                  for i in range(1, 7)]}
    return with_states(fm, funds=inventory, orders=orders)


def test_autres_fm_max15_broken_by_more_units_of_a_loans_fund(tmp_path):
    agree139("R139-41/autres-fm-max15", loans_fund(buy("FM Prêts PME")), expect="breach", tmp=tmp_path,
             value=Fraction(1_510_000, B + BUY), limit=0.15, also=["R139-42/depassements-potentiels"])


def test_autres_fm_max15_at_15_percent(tmp_path):
    agree139("R139-41/autres-fm-max15", loans_fund(), expect="ok", tmp=tmp_path, value=Fraction(15, 100),
             also=["R139-42/depassements-potentiels"])


def financing(orders=()):
    """Two organismes de financement, 2,5 % each."""
    return with_states(line("obligation", 250_000, "Obligation Crédit Foncier", emetteur="Crédit Foncier",
                            groupe="CF", type_emetteur="organisme_financement"),
                       line("obligation", 250_000, "Obligation CRH", emetteur="Caisse de refinancement de l'habitat",
                            groupe="CRH", type_emetteur="organisme_financement"), orders=orders)


def test_financement_max5_broken_by_a_purchase(tmp_path):
    agree139("R139-41/financement-max5", financing(buy("Obligation Crédit Foncier")), expect="breach",
             tmp=tmp_path, value=Fraction(510_000, B + BUY), limit=0.05)


def test_financement_max5_at_5_percent(tmp_path):
    agree139("R139-41/financement-max5", financing(), expect="ok", tmp=tmp_path, value=Fraction(5, 100))
