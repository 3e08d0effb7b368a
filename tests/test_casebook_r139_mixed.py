"""Case book, across articles: a fund without inventory in the worst place for each limit (SPEC-R139 §2), a
contract's positive value as a claim on its counterparty (RR 6), listed real-estate companies in 41 2° and 41 3°
(RR 10), currency of euro lines not realisable in euros (RR 13), potential excesses (RR 14), the pockets and the
three months of benefits (RR 1), and the ways a user writes numbers and shares.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import B, case, check, company, fill, line, pct, sovereign

C = Decimal("0.01")


def no_inventory(share, label="OPCVM Sans Inventaire", nature="opcvm", **cols):
    return line(nature, pct(share), label, **cols)


def test_a_fund_without_inventory_could_carry_currency_risk(tmp_path):
    v = check(case(tmp_path, fill([no_inventory("0.15")])))
    assert v["R139-44/change-max15"] == "unknown", v.explain()


def test_a_small_fund_without_inventory_cannot_reach_15_percent_of_currency(tmp_path):
    usd = company("action", pct("0.10"), 1, devise="USD", pays="US")
    v = check(case(tmp_path, fill([usd, no_inventory("0.0499")])))
    assert v["R139-44/change-max15"] == "ok", v.explain()


def test_a_fund_without_inventory_could_hold_an_issuers_whole_small_issue(tmp_path):
    v = check(case(tmp_path, fill([no_inventory("0.01")])))
    assert v["R139-46/capital-max5"] in ("unknown", "not_applicable"), v.explain()
    assert v.doc["status"] != "ok"


def test_a_fund_without_inventory_joins_the_40_percent_basket(tmp_path):
    lines = []
    for i in range(1, 5):
        lines += [line("obligation", pct("0.05"), f"Obligation Banque {i}", emetteur=f"Banque {i}",
                       groupe=f"B{i}"),
                  line("depot", pct("0.0499"), f"Dépôt Banque {i}", emetteur=f"Banque {i}", groupe=f"B{i}")]
    lines.append(no_inventory("0.01"))  # on Banque 1 it would make it 10,99 %: over 10 %
    v = check(case(tmp_path, fill(lines)))
    assert v["R139-45/entite-depots-max10"] == "unknown" or v["R139-45/cumul-max40"] == "unknown", v.explain()
    assert v.doc["status"] != "ok"


def test_a_dedicated_fund_without_inventory_is_to_check(tmp_path):
    v = check(case(tmp_path, fill([no_inventory("0.02", "Dédié Sans Inventaire", "organisme_dedie")])))
    assert v["R139-17/transparence"] == "unknown" or v["R139-16/organismes-dedies"] == "unknown", v.explain()
    assert v.doc["status"] != "ok"


def test_a_fonds_mutualise_without_inventory_could_hold_other_assets(tmp_path):
    lines = fill([line("fonds_mutualise", pct("0.15") + C, "FM Sans Inventaire")])
    v = check(case(tmp_path, lines))
    assert v["R139-41/autres-fm-max15"] == "unknown", v.explain()


def test_a_positive_contract_value_is_a_claim_on_its_counterparty(tmp_path):
    """RR 6: 5 % of bonds of a bank plus an OTC swap with it worth 0,01 € is above 5 %."""
    bond = line("obligation", pct("0.05"), "Obligation Banque 1", emetteur="Banque 1", groupe="B1",
                type_emetteur="etablissement_credit")
    swap = line("contrat_financier", 1, "Swap de taux Banque 1", type_contrat="swap", type_sous_jacent="taux",
                sous_jacent="Obligation Banque 1", notionnel=1000, exposition=1, contrepartie="Banque 1",
                emetteur="Banque 1", groupe="B1")
    v = check(case(tmp_path, fill([bond]) + [swap]))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


def test_a_listed_real_estate_company_counts_in_real_estate_and_in_equity(tmp_path):
    """RR 10: 21 % of listed real-estate SA shares over five companies, and 4,01 % of other equity."""
    lines = fill([line("societe_immobiliere", pct("0.042"), f"Foncière cotée {k}", emetteur=f"Foncière {k}",
                       groupe=f"F{k}", immeuble=f"F{k}", forme_juridique="SA", cotation="eee")
                  for k in range(5)] + [company("action", pct("0.0401"), 9)])
    v = check(case(tmp_path, lines))
    assert v["R139-41/immobilier-max20"] == "breach", v.explain()
    assert v["R139-41/actions-max25"] == "breach", v.explain()  # 21 % + 4,01 %


def test_euro_lines_not_realisable_in_euros_are_currency_risk(tmp_path):
    """RR 13: the first paragraph holds only if no line is marked `realisable_euro` = non."""
    lines = fill([company("action", pct("0.05"), k, realisable_euro="non") for k in range(1, 4)])
    v = check(case(tmp_path, lines))
    assert v["R139-44/change-max15"] != "ok", v.explain()


def test_a_non_euro_contract_exposure_alone_is_currency_risk(tmp_path):
    fx = line("contrat_financier", 0, "Change à terme USD", type_contrat="terme", type_sous_jacent="change",
              sous_jacent="USD", notionnel=pct("0.15"), exposition=pct("0.15"), devise_exposition="USD",
              contrepartie="Banque A", cotation="aucune")
    v = check(case(tmp_path, fill([]) + [fx]))
    assert v["R139-44/change-max15"] == "breach", v.explain()


@pytest.mark.parametrize("declared, status", [("15 %", "ok"), ("15,01 %", "breach"), (None, "unknown")])
def test_42_potential_excesses_at_most_15_percent_fund_by_fund(tmp_path, declared, status):
    lines = fill([line("opcvm", pct("0.05"), "OPCVM Flexible", depassement_potentiel=declared)])
    holdings = [sovereign(500, "FI"), sovereign(500, "IE")]
    v = check(case(tmp_path, lines, funds={"OPCVM Flexible": holdings}))
    assert v["R139-42/depassements-potentiels"] == status, v.explain()


def test_42_an_inventory_already_beyond_15_percent_breaches_without_declaration(tmp_path):
    lines = fill([line("opcvm", pct("0.05"), "OPCVM Flexible", depassement_potentiel=None)])
    holdings = [sovereign(8_400, "FI"), line("autre", 1_600, "Prêt non coté", emetteur="PME", groupe="PME")]
    v = check(case(tmp_path, lines, funds={"OPCVM Flexible": holdings}))
    assert v["R139-42/depassements-potentiels"] == "breach", v.explain()


def test_the_three_months_of_benefits_are_out_of_numerator_and_base(tmp_path):
    """RR 1: a deposit marked `prestations_3_mois` neither counts toward the bank's 10 % nor the base."""
    lines = fill([line("depot", pct("0.10"), "Dépôt Banque Postale", emetteur="La Banque Postale", groupe="LBP")])
    lines.append(line("depot", 3_000_000, "Compte prestations LBP", emetteur="La Banque Postale", groupe="LBP",
                      exclusion="prestations_3_mois"))
    v = check(case(tmp_path, lines))
    assert Decimal(str(v.doc["base"])) == B
    assert v["R139-45/entite-depots-max10"] == "ok", v.explain()


def test_a_fund_in_the_gestion_pocket_is_outside_every_rule(tmp_path):
    lines = fill([]) + [line("opcvm", 5_000_000, "OPCVM de trésorerie de gestion", poche="gestion",
                             fonds_conforme="non")]
    v = check(case(tmp_path, lines))
    assert v["R139-16/opc-admis"] in ("ok", "not_applicable"), v.explain()
    assert v.doc["status"] == "ok", v.explain()


@pytest.mark.parametrize("written", ["500 000,01", "500000,01", "500 000.01", "500\u202f000,01"])
def test_french_written_amounts_are_read_to_the_cent(tmp_path, written):
    lines = fill([company("obligation", pct("0.05") + C, 1)])
    lines[0]["valeur"] = written  # text in the cell, as a French user types it
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


@pytest.mark.parametrize("written, status", [("90 %", "ok"), (0.9, "ok"), ("0,9", "ok"), ("89,9 %", "breach"),
                                             (0.899, "breach")])
def test_shares_written_as_percent_or_fraction(tmp_path, written, status):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit", part_titres_eligibles=written)])
    v = check(case(tmp_path, lines))
    assert v["R139-16/opcvm-90"] == status, v.explain()


def test_a_share_above_100_percent_is_refused(tmp_path):
    from casebook_r139 import bad_input

    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit", part_titres_eligibles="120 %")])
    msg = bad_input(case(tmp_path, lines))
    assert "part_titres_eligibles" in msg and "120" in msg, msg


def test_one_fund_on_two_regimes_is_seen_through_on_each_at_its_own_value(tmp_path):
    """RR 1: a UCITS held by the base regime (4 % of it) and the invalidity regime (6 % of it), all of it one
    company's bonds: the invalidity regime breaches R. 139-45 on its own base, the base regime does not."""
    base = fill([line("opcvm", pct("0.04"), "OPCVM Crédit", regime="base")], regime="base")
    inval = fill([line("opcvm", 60_000, "OPCVM Crédit", regime="invalidite")], base=1_000_000, regime="invalidite")
    holdings = [company("obligation", 1_000, 1)]
    v = check(case(tmp_path, base + inval, funds={"OPCVM Crédit": holdings}))
    regs = {f.get("regime") for f in v.findings("R139-45/entite-max5") if f["status"] == "breach"}
    assert regs == {"invalidite"}, v.explain()


def test_a_ucits_deposits_with_a_bank_count_toward_that_bank(tmp_path):
    """R. 139-45 I 3° on the look-through actif: 9 % deposited directly and 1,01 % through a UCITS's cash."""
    lines = fill([line("depot", pct("0.09"), "Dépôt LBP", emetteur="La Banque Postale", groupe="LBP"),
                  line("opcvm", pct("0.0202"), "OPCVM Monétaire Plus")])
    holdings = [line("depot", 500, "Liquidités (OPCVM)", emetteur="La Banque Postale", groupe="LBP",
                     au_nom_organisme=None), sovereign(500, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Monétaire Plus": holdings}))
    assert v["R139-45/entite-depots-max10"] == "breach", v.explain()
