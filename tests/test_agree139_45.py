"""R. 139-45 (entities, real-estate assets, sovereigns, groups): on one situation per rule, the checker, the
pre-trade engine after the orders, the optimizer's rows at its solution and the report's figures agree
(tests/agreement_r139.py). The actif de placement is 10 000 000,00 € before the orders."""

from __future__ import annotations

from fractions import Fraction

from agreement_r139 import STATES, Situation, agree139, held, line, states, with_states

B = 10_000_000
WHY = {"R139-45/groupes": "III sets no limit: contradictory groups leave the entities to check, never a breach"}


def test_entite_max5_a_purchase_takes_one_entity_over_5_percent(tmp_path):
    sit = Situation([line("action", 500_000, "Actions Air Liquide"), *states(B - 500_000)],
                    [{"libelle": "Actions Air Liquide", "montant": 10_000}])
    agree139("R139-45/entite-max5", sit, expect="breach", tmp=tmp_path, cli=True, value=Fraction(510_000, B + 10_000),
             limit=0.05)


def test_entite_max5_at_5_percent_exactly_through_a_fund(tmp_path):
    """4 % direct and 1 % through a UCITS seen through (its inventory rescaled to the line): 5 % exactly."""
    sit = Situation([line("action", 400_000, "Actions Air Liquide"), line("opcvm", 200_000, "OPCVM Actions"),
                     *states(B - 600_000)],
                    funds={"OPCVM Actions": [held("action", 50, "Air Liquide (fonds)"),
                                             held("obligation", 50, "TotalEnergies (fonds)")]})
    agree139("R139-45/entite-max5", sit, expect="ok", tmp=tmp_path, value=Fraction(5, 100), limit=0.05)


def bank(orders=()):
    """La Banque Postale: 500 000 € of its bonds (5 %, the cap without deposits) and 500 000 € deposited with it:
    10 % with deposits, the 5 % raised to 10 % within the 40 % basket."""
    return with_states(line("obligation", 500_000, "Obligation LBP", emetteur="La Banque Postale", groupe="LBP",
                            type_emetteur="etablissement_credit"),
                       line("depot", 500_000, "Compte à terme LBP"), orders=orders)


def test_entite_depots_max10_a_deposit_takes_the_bank_over_10_percent(tmp_path):
    sit = bank([{"libelle": "Compte à terme LBP", "montant": 10_000}])
    agree139("R139-45/entite-depots-max10", sit, expect="breach", tmp=tmp_path, limit=0.10,
             value=Fraction(1_010_000, B + 10_000))


def test_entite_depots_max10_the_bank_at_10_percent_with_its_deposits(tmp_path):
    agree139("R139-45/entite-depots-max10", bank(), expect="ok", tmp=tmp_path, limit=0.10, value=Fraction(1, 10))


def banks(orders=()):
    """Five banks at 8 % each with deposits: 40 % above 5 %, the whole basket."""
    return with_states(*[line("depot", 800_000, f"Compte à terme Banque {k}", emetteur=f"Banque {k}",
                              groupe=f"BANQUE-{k}") for k in "ABCDE"], orders=orders)


def test_cumul_max40_a_deposit_takes_the_basket_over_40_percent(tmp_path):
    sit = banks([{"libelle": "Compte à terme Banque E", "montant": 10_000}])
    a = agree139("R139-45/cumul-max40", sit, expect="breach", tmp=tmp_path, limit=0.40,
                 value=Fraction(4_010_000, B + 10_000))
    assert a.rows_are_figures  # the basket's rows at the proposal: the checker's euros in the basket, its 40 %


def test_cumul_max40_five_banks_at_8_percent_fill_the_basket(tmp_path):
    agree139("R139-45/cumul-max40", banks(), expect="ok", tmp=tmp_path, limit=0.40, value=Fraction(4, 10))


def building(orders=()):
    """One building held directly (600 000 €) and through a société immobilière (400 000 €): 10 %."""
    return with_states(line("droit_immobilier", 600_000, "Immeuble Rivoli", immeuble="IMM-RIVOLI"),
                       line("societe_immobiliere", 400_000, "SAS Rivoli", emetteur="SAS Rivoli", groupe="SAS Rivoli",
                            immeuble="IMM-RIVOLI"), orders=orders)


def test_immeuble_max10_works_take_one_building_over_10_percent(tmp_path):
    sit = building([{"libelle": "Immeuble Rivoli", "montant": 10_000}])
    agree139("R139-45/immeuble-max10", sit, expect="breach", tmp=tmp_path, limit=0.10,
             value=Fraction(1_010_000, B + 10_000))


def test_immeuble_max10_one_building_at_10_percent(tmp_path):
    agree139("R139-45/immeuble-max10", building(), expect="ok", tmp=tmp_path, limit=0.10, value=Fraction(1, 10))


def france(orders=()):
    """French State bonds: 4 000 000 € direct and 1 000 000 € through a dedicated fund: 50 %."""
    fund = line("organisme_dedie", 1_000_000, "Dédié Taux")
    inventory = {"Dédié Taux": [held("titre_etat", 70, "OAT (dédié)"),
                                held("titre_etat", 30, "Bund (dédié)", emetteur="République fédérale d'Allemagne",
                                     pays="DE")]}
    return Situation([line("titre_etat", 4_300_000, "OAT 2030"), fund,
                      *[line("titre_etat", 1_175_000, f"Obligation souveraine {c}", emetteur=n, pays=c)
                        for n, c in STATES[1:]], line("titre_etat", 1_175_000, "Obligation Finlande",
                                                      emetteur="République de Finlande", pays="FI")],
                     list(orders), funds=inventory)


def test_souverain_max50_a_purchase_takes_the_french_state_over_50_percent(tmp_path):
    sit = france([{"libelle": "OAT 2030", "montant": 10_000}])
    agree139("R139-45/souverain-max50", sit, expect="breach", tmp=tmp_path, limit=0.50,
             value=Fraction(5_010_000, B + 10_000))


def test_souverain_max50_the_french_state_at_50_percent_through_a_dedicated_fund(tmp_path):
    agree139("R139-45/souverain-max50", france(), expect="ok", tmp=tmp_path, limit=0.50, value=Fraction(1, 2))


def grouped(group_of_fund_holding):
    fund = line("opcvm", 200_000, "OPCVM Actions")
    inventory = {"OPCVM Actions": [held("action", 100, "Air Liquide (fonds)", groupe=group_of_fund_holding)]}
    return with_states(line("action", 200_000, "Actions Air Liquide"), fund, funds=inventory,
                       orders=[{"libelle": "Actions Air Liquide", "montant": 10_000}])


def test_groupes_an_issuer_under_two_groups_is_to_check(tmp_path):
    """R. 139-45 III names no limit of its own: a `groupe` that contradicts itself leaves the entities open
    (`unknown`), it is never a breach, and the optimizer has nothing to do for it."""
    res = agree139("R139-45/groupes", grouped("GROUPE LINDE"), expect="unknown", tmp=tmp_path).result
    assert [f.subject for f in res.findings] == ["Air Liquide"]


def test_groupes_one_issuer_one_group_through_a_fund(tmp_path):
    agree139("R139-45/groupes", grouped("AIRLIQUIDE"), expect="ok", tmp=tmp_path)


def two_regimes(orders=()):
    """Two régimes checked apart (`regime` column, each its own actif de placement): Air Liquide at 5 % of
    « base » directly, and at 5 % of « complementaire » (5 000 000 €) directly and through a UCITS."""
    def reg(r, lines):
        return [{**x, "regime": r, "libelle": f"{x['libelle']} ({r})"} for x in lines]

    base = reg("base", [line("action", 500_000, "Actions Air Liquide"), *states(B - 500_000)])
    comp = reg("complementaire", [line("action", 100_000, "Actions Air Liquide"),
                                  line("opcvm", 300_000, "OPCVM Actions"), *states(4_600_000)])
    inventory = {"OPCVM Actions (complementaire)": [held("action", 50, "Air Liquide (fonds)"),
                                                    held("titre_etat", 50, "OAT (fonds)")]}
    return Situation(base + comp, list(orders), funds=inventory)


def test_entite_max5_in_two_regimes_each_over_its_own_5_percent(tmp_path):
    orders = [{"libelle": "Actions Air Liquide (base)", "regime": "base", "montant": 10_000},
              {"libelle": "OPCVM Actions (complementaire)", "regime": "complementaire", "montant": 10_000}]
    res = agree139("R139-45/entite-max5", two_regimes(orders), expect="breach", tmp=tmp_path).result
    assert sorted(f.regime for f in res.findings if f.status == "breach") == ["base", "complementaire"]


def test_entite_max5_in_two_regimes_each_at_its_own_5_percent(tmp_path):
    agree139("R139-45/entite-max5", two_regimes(), expect="ok", tmp=tmp_path, value=Fraction(5, 100))


ISIN_FUND = "FR0010314401"


def through_tpt(orders=()):
    """2 % of Société 1 held directly, and a UCITS of 10 % whose TPT file (FinDatEx V6, `--transparence`) puts 30 %
    of it in Société 1: 5 % exactly."""
    from casebook_r139 import tpt_row

    nav = 2_000_000  # the fund's own net asset value: its holdings are rescaled to the line (R. 139-17)
    rows = [tpt_row(ISIN_FUND, nav, "FR31", "Action Société 1", 600_000, isin="FR0000120073", qty=1000,
                    issuer="Société 1", group="GRP-1"),
            tpt_row(ISIN_FUND, nav, "FI11", "Finland 2030", 1_400_000, isin="FI4000046545", nominal=1_000_000,
                    issuer="République de Finlande", country="FI")]
    sit = with_states(line("opcvm", 1_000_000, "OPCVM Europe", isin=ISIN_FUND),
                      line("obligation", 200_000, "Obligation Société 1", emetteur="Société 1", groupe="GRP-1"),
                      orders=orders)
    sit.tpt = rows
    return sit


def test_entite_max5_more_units_of_a_fund_seen_through_its_tpt_file(tmp_path):
    sit = through_tpt([{"libelle": "OPCVM Europe", "montant": 10_000}])
    agree139("R139-45/entite-max5", sit, expect="breach", tmp=tmp_path, value=Fraction(503_000, B + 10_000),
             cli=True)


def test_entite_max5_at_5_percent_through_a_tpt_file(tmp_path):
    agree139("R139-45/entite-max5", through_tpt(), expect="ok", tmp=tmp_path, value=Fraction(5, 100))
