"""Case book, R. 139-45: one entity 5 % (deposits excluded), 5 % or 10 % with deposits within the 40 % basket, one
real-estate asset 10 %, the 50 % sovereign derogation, consolidation groups — at, under and over each value, on
real workbooks through `reserves check --json`, look-through and guarantees included (RR 6-8, RR 20).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import case, check, company, fill, held, line, pct, sovereign

C = Decimal("0.01")


def bank(i: int, bonds, deposits) -> list[dict]:
    """Bonds of and deposits with bank `i` (one entity, its own group)."""
    out = []
    if bonds:
        out.append(line("obligation", bonds, f"Obligation Banque {i}", emetteur=f"Banque {i}", groupe=f"BANQUE-{i}",
                        type_emetteur="etablissement_credit"))
    if deposits:
        out.append(line("depot", deposits, f"Dépôt Banque {i}", emetteur=f"Banque {i}", groupe=f"BANQUE-{i}"))
    return out


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (-C, "ok"), (C, "breach")])
def test_45_1_one_entity_at_most_5_percent_equity_and_bonds_together(tmp_path, delta, status):
    lines = fill([line("action", pct("0.02"), "Action Total", emetteur="TotalEnergies", groupe="TOTAL"),
                  line("obligation", pct("0.03") + delta, "Obligation Total", emetteur="TotalEnergies", groupe="TOTAL")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_1_a_guaranteed_bond_counts_against_its_guarantor_too(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation Filiale", emetteur="Filiale Financement",
                       groupe="FILIALE", garant="Groupe Garant SA", type_garant="autre", pays_garant="FR"),
                  line("obligation", pct("0.03"), "Obligation Garant", emetteur="Groupe Garant SA", groupe="GARANT")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()
    assert any("Garant" in str(f["subject"]) for f in v.findings("R139-45/entite-max5"))


def test_45_1_never_extended_bonds_of_a_bank_above_5_percent_breach_even_within_10(tmp_path):
    v = check(case(tmp_path, fill(bank(1, pct("0.05") + C, 0))))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


@pytest.mark.parametrize("deposit_delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_45_3_bonds_4_percent_and_deposits_6_percent_use_the_10_percent_extension(tmp_path, deposit_delta, status):
    """RR 6: 4 % of bonds plus 6 % of deposits with one bank pass 1° and use 3°'s extension to 10 %."""
    v = check(case(tmp_path, fill(bank(1, pct("0.04"), pct("0.06") + deposit_delta))))
    assert v["R139-45/entite-max5"] == "ok", v.explain()
    assert v["R139-45/entite-depots-max10"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_3_deposits_alone_above_10_percent_breach(tmp_path):
    v = check(case(tmp_path, fill(bank(1, 0, pct("0.10") + C))))
    assert v["R139-45/entite-depots-max10"] == "breach", v.explain()


@pytest.mark.parametrize("last, status", [(pct("0.10"), "ok"), (pct("0.0999"), "ok"), (pct("0.10"), "breach")])
def test_45_3_entities_above_5_percent_at_most_40_percent_in_total(tmp_path, last, status):
    """Four banks at 10 % (5 % bonds + 5 % deposits) are 40 %; a fifth bank just above 5 % makes 45,01 %."""
    lines = []
    for i in range(1, 4):
        lines += bank(i, pct("0.05"), pct("0.05"))
    lines += bank(4, pct("0.05"), last - pct("0.05"))
    if status == "breach":
        lines += bank(5, 0, pct("0.05") + C)
    v = check(case(tmp_path, fill(lines)))
    assert v["R139-45/entite-depots-max10"] == "ok", v.explain()
    assert v["R139-45/cumul-max40"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_3_entities_at_exactly_5_percent_are_not_above_it(tmp_path):
    """RR 20: « au-delà de 5 % » is strictly above: four banks at 10 % and three at exactly 5 % are 40 %."""
    lines = []
    for i in range(1, 5):
        lines += bank(i, pct("0.05"), pct("0.05"))
    for i in range(5, 8):
        lines += bank(i, pct("0.02"), pct("0.03"))
    v = check(case(tmp_path, fill(lines)))
    assert v["R139-45/cumul-max40"] == "ok", v.explain()
    assert v.doc["status"] == "ok", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_45_3_the_basket_counts_exposure_through_a_ucits(tmp_path, delta, status):
    """Three banks at 10 % held directly, a fourth at 10 % partly through a UCITS: 40 % + a cent breaches."""
    lines = []
    for i in range(1, 4):
        lines += bank(i, pct("0.05"), pct("0.05"))
    lines += bank(4, pct("0.03"), pct("0.05"))
    lines.append(line("opcvm", pct("0.04"), "OPCVM Crédit"))
    lines += bank(5, 0, pct("0.05") + delta) if delta else []
    holdings = [line("obligation", 500, "Obligation Banque 4 (OPCVM)", emetteur="Banque 4", groupe="BANQUE-4",
                     type_emetteur="etablissement_credit"),
                sovereign(500, "FI")]  # half of the fund: 2 % of the base in Banque 4
    v = check(case(tmp_path, fill(lines), funds={"OPCVM Crédit": holdings}))
    assert v["R139-45/cumul-max40"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_a_money_market_fund_is_one_entity(tmp_path):
    """RR 4: money-market units stay units and count as « valeurs émises » by one entity."""
    v = check(case(tmp_path, fill([line("monetaire", pct("0.05") + C, "Monétaire Euro Court Terme",
                                        emetteur="Monétaire Euro Court Terme", groupe="MMF-1")])))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_45_2_one_real_estate_asset_at_most_10_percent(tmp_path, delta, status):
    lines = fill([line("droit_immobilier", pct("0.10") + delta, "Immeuble Paris", immeuble="IMM-PARIS")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/immeuble-max10"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_2_one_asset_held_directly_and_through_a_dedicated_fund_adds_up(tmp_path):
    lines = fill([line("droit_immobilier", pct("0.06"), "Immeuble Paris (quote-part)", immeuble="IMM-PARIS"),
                  line("organisme_dedie", pct("0.08") + 2 * C, "Dédié Immobilier")])
    holdings = [line("droit_immobilier", 500, "Immeuble Paris (dédié)", immeuble="IMM-PARIS"),
                sovereign(500, "FI")]  # 4 % of the base and a cent in the same building
    v = check(case(tmp_path, lines, funds={"Dédié Immobilier": holdings}))
    assert v["R139-45/immeuble-max10"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_45_2_sovereign_at_most_50_percent_each_eea_state(tmp_path, delta, status):
    lines = [sovereign(pct("0.50") + delta, "FI"), sovereign(pct("0.40") - delta, "IE"), sovereign(pct("0.10"), "ES")]
    v = check(case(tmp_path, lines))
    assert v["R139-45/souverain-max50"] == status, v.explain()
    assert v["R139-45/entite-max5"] in ("ok", "not_applicable"), v.explain()
    assert v["R139-45/cumul-max40"] in ("ok", "not_applicable"), v.explain()
    assert v.doc["status"] == status, v.explain()


def test_45_2_paper_guaranteed_by_an_eea_state_counts_against_the_state(tmp_path):
    lines = [sovereign(pct("0.45"), "FI"),
             line("obligation", pct("0.05") + C, "Obligation Finnvera", emetteur="Finnvera", groupe="FINNVERA",
                  pays="FI", garant="République de Finlande", type_garant="etat", pays_garant="FI"),
             sovereign(pct("0.40"), "IE"), sovereign(pct("0.10") - C, "ES")]
    v = check(case(tmp_path, lines))
    assert v["R139-45/souverain-max50"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_45_2_cades_and_acoss_under_the_50_percent(tmp_path, delta, status):
    lines = [line("obligation", pct("0.50") + delta, "CADES 2030", emetteur="CADES", type_emetteur="cades",
                  pays="FR", groupe=None),
             sovereign(pct("0.40") - delta, "IE"), sovereign(pct("0.10"), "ES")]
    v = check(case(tmp_path, lines))
    assert v["R139-45/souverain-max50"] == status, v.explain()
    assert v["R139-45/entite-max5"] in ("ok", "not_applicable"), v.explain()
    assert v.doc["status"] == status, v.explain()


@pytest.mark.parametrize("kind, country, name", [("etat", "US", "United States Treasury"), ("bei", "LU", "BEI"),
                                                 ("bce", "DE", "BCE"), ("ue", "BE", "Union européenne")])
def test_45_2_no_derogation_outside_the_list_those_stay_under_5_percent(tmp_path, kind, country, name):
    """RR 7: a non-EEA state, the EIB, the ECB and the EU are not read as « organisme public international »."""
    lines = fill([line("obligation", pct("0.05") + C, f"Obligation {name}", emetteur=name, type_emetteur=kind,
                       pays=country, groupe=None)])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


def test_45_2_sovereign_paper_leaves_the_40_percent_basket(tmp_path):
    """France at 40 % and Germany at 40 % (II) do not count toward 40 % of entities above 5 % under I."""
    lines = []
    for i in range(1, 4):
        lines += bank(i, pct("0.05"), pct("0.05"))
    v = check(case(tmp_path, fill(lines)))
    assert v["R139-45/cumul-max40"] == "ok", v.explain()


def test_45_3_group_members_are_one_entity(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation BNP Paribas", emetteur="BNP Paribas", groupe="BNPP"),
                  line("action", pct("0.02") + C, "Action Cardif", emetteur="BNP Paribas Cardif", groupe="BNPP")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


def test_45_3_a_line_without_group_that_could_join_the_largest_group_is_to_check(tmp_path):
    """RR 8: without `groupe` the entity rules are unknown unless they pass with the line joined to the largest group."""
    lines = fill([line("obligation", pct("0.04"), "Obligation Alpha", emetteur="Alpha SA", groupe="ALPHA"),
                  line("obligation", pct("0.015"), "Obligation Beta", emetteur="Beta SA", groupe=None)])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "unknown", v.explain()
    assert v.doc["status"] == "unknown"


def test_45_3_a_line_without_group_that_passes_anyway_is_ok(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation Alpha", emetteur="Alpha SA", groupe="ALPHA"),
                  line("obligation", pct("0.01"), "Obligation Beta", emetteur="Beta SA", groupe=None)])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "ok", v.explain()


def test_45_3_one_issuer_under_two_groups_merges_them(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation Alpha 1", emetteur="Alpha SA", groupe="G1"),
                  line("obligation", pct("0.01"), "Obligation Alpha 2", emetteur="Alpha SA", groupe="G2"),
                  line("obligation", pct("0.015"), "Obligation Gamma", emetteur="Gamma SA", groupe="G2")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()
    assert v["R139-45/groupes"] != "ok", v.explain()


LEI_BNP = "R0MUWSFPU8MPRO8K5P83"


@pytest.mark.parametrize("through", [dict(emetteur="BNP PARIBAS", groupe="BNP PARIBAS"),
                                     dict(emetteur="BNP Paribas S.A.", groupe="Groupe BNP Paribas"),
                                     dict(emetteur="Banque Nationale de Paris", lei=LEI_BNP, groupe=None),
                                     dict(emetteur=None, lei=LEI_BNP, groupe=None)])
def test_45_one_issuer_however_a_fund_inventory_names_it(tmp_path, through):
    """An inventory names issuers as the fund's manager writes them: names that fold alike, or one LEI, are one
    legal person (SPEC §1), so 3 % held directly and 2,01 % through a UCITS are 5,01 % of one entity."""
    direct = line("obligation", pct("0.03"), "Obligation BNP Paribas", emetteur="BNP Paribas", lei=LEI_BNP,
                  groupe=LEI_BNP, type_emetteur="etablissement_credit")
    lines = fill([direct, line("opcvm", pct("0.04") + 2 * C, "OPCVM Crédit")])
    holdings = [line("obligation", 500, "BNP 2031 (OPCVM)", type_emetteur="etablissement_credit", **through),
                sovereign(500, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


def test_45_a_guarantor_written_another_way_is_the_same_entity(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation Filiale", emetteur="Filiale Financement",
                       groupe="FILIALE", garant="GROUPE GARANT", type_garant="autre", pays_garant="FR"),
                  line("obligation", pct("0.02") + C, "Obligation Garant", emetteur="Groupe Garant SA",
                       groupe="GARANT")])
    v = check(case(tmp_path, lines))
    assert v["R139-45/entite-max5"] == "breach", v.explain()
