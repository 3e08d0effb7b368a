"""Case book, R. 139-16 and R. 139-17: the look-through actif (RR 3, RR 4), on real workbooks and TPT files through
`reserves check --json`. Inventories rescaled to the fund line (last paragraph), money-market units kept, a
missing, stale or future inventory unknown unless the verdict holds with the fund in the worst place, bad
look-through input exit 2 with a French message naming sheet, row, column and value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook_r139 import (B, bad_input, case, check, company, fill, held, line, pct, sovereign, tpt_row,
                           write_tpt)

C = Decimal("0.01")
ISIN_FUND = "FR0010314401"


def entity_case(tmp_path, factor, name="p.xlsx"):
    """Total held directly at 3 % and through a UCITS at 2 % and a cent; the inventory at any scale."""
    lines = fill([line("obligation", pct("0.03"), "Obligation Total", emetteur="TotalEnergies", groupe="TOTAL"),
                  line("opcvm", pct("0.04") + 2 * C, "OPCVM Crédit")])
    holdings = [line("obligation", Decimal(500) * factor, "Total 2031 (OPCVM)", emetteur="TotalEnergies",
                     groupe="TOTAL"),
                sovereign(Decimal(500) * factor, "FI")]
    return check(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}, name=name))


@pytest.mark.parametrize("factor", [Decimal(1), Decimal("0.001"), Decimal(1000), Decimal("3.7")])
def test_17_rescaling_the_inventory_by_any_factor_changes_no_verdict(tmp_path, factor):
    v = entity_case(tmp_path, factor)
    assert v["R139-45/entite-max5"] == "breach", v.explain()
    (f,) = [f for f in v.findings("R139-45/entite-max5") if f["status"] == "breach"]
    assert f.get("via") or any("OPCVM Crédit" in str(x) for x in f.values()), f
    assert f.get("lookthrough_rows"), f


def test_17_splitting_a_holding_across_two_funds_changes_no_entity_total(tmp_path):
    lines = fill([line("obligation", pct("0.03"), "Obligation Total", emetteur="TotalEnergies", groupe="TOTAL"),
                  line("opcvm", pct("0.02"), "OPCVM A"), line("opcvm", pct("0.02") + 2 * C, "OPCVM B")])
    funds = {"OPCVM A": [line("obligation", 500, "Total (A)", emetteur="TotalEnergies", groupe="TOTAL"),
                         sovereign(500, "FI")],
             "OPCVM B": [line("obligation", 500, "Total (B)", emetteur="TotalEnergies", groupe="TOTAL"),
                         sovereign(500, "IE")]}
    v = check(case(tmp_path, lines, funds=funds))
    assert v["R139-45/entite-max5"] == "breach", v.explain()  # 3 % + 1 % + 1 % and a cent


def test_17_a_ucits_without_inventory_is_to_check_naming_it(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Sans Inventaire"),
                  line("obligation", pct("0.02"), "Obligation Total", emetteur="TotalEnergies", groupe="TOTAL")])
    v = check(case(tmp_path, lines))
    assert v["R139-17/transparence"] == "unknown", v.explain()
    assert any("OPCVM Sans Inventaire" in str(f["subject"]) for f in v.findings("R139-17/transparence"))
    # the fund's whole value on TotalEnergies would be 6 %: the entity rule cannot be concluded
    assert v["R139-45/entite-max5"] == "unknown", v.explain()
    assert v.doc["status"] == "unknown" and v.code == 3


def test_17_a_small_fund_without_inventory_leaves_rules_that_hold_in_the_worst_place(tmp_path):
    lines = fill([line("opcvm", pct("0.01"), "OPCVM Sans Inventaire"), company("action", pct("0.05"), 1),
                  company("action", pct("0.05"), 2), company("action", pct("0.05"), 3),
                  company("action", pct("0.05"), 4), company("action", pct("0.04"), 5)])
    v = check(case(tmp_path, lines))
    assert v["R139-17/transparence"] == "unknown", v.explain()
    assert v["R139-41/actions-max25"] == "ok", v.explain()  # 24 % + the whole fund: 25 %
    assert v["R139-43/contrats-max10"] == "unknown", v.explain()  # no bound (SPEC-R139 §2)


def test_17_a_fund_without_inventory_that_could_break_the_equity_cap_is_to_check(tmp_path):
    lines = fill([line("opcvm", pct("0.01") + C, "OPCVM Sans Inventaire")] +
                 [company("action", pct("0.04"), k) for k in range(1, 7)])
    v = check(case(tmp_path, lines))
    assert v["R139-41/actions-max25"] == "unknown", v.explain()


@pytest.mark.parametrize("days, status", [(92, "ok"), (93, "unknown")])
def test_17_an_inventory_more_than_92_days_old_is_not_used(tmp_path, days, status):
    d = dt.date(2025, 12, 31) - dt.timedelta(days=days)
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI", date_valorisation=d), sovereign(500, "IE", date_valorisation=d)]
    v = check(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert v["R139-17/transparence"] == status, v.explain()


def test_17_the_age_limit_is_an_option(tmp_path):
    d = dt.date(2025, 12, 31) - dt.timedelta(days=100)
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI", date_valorisation=d), sovereign(500, "IE", date_valorisation=d)]
    path = case(tmp_path, lines, funds={"OPCVM Crédit": holdings})
    assert check(path)["R139-17/transparence"] == "unknown"
    assert check(path, "--anciennete-transparence", "120")["R139-17/transparence"] == "ok"


def test_17_an_inventory_dated_after_the_portfolio_is_not_used(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI", date_valorisation=dt.date(2026, 1, 5)),
                sovereign(500, "IE", date_valorisation=dt.date(2026, 1, 5))]
    v = check(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert v["R139-17/transparence"] == "unknown", v.explain()


def test_17_a_money_market_fund_stays_units_its_inventory_unused(tmp_path):
    lines = fill([line("monetaire", pct("0.05"), "Monétaire Euro", emetteur="Monétaire Euro", groupe="MMF")] +
                 [company("action", pct("0.05"), k) for k in range(1, 6)])
    holdings = [company("action", 1_000, 90)]  # an inventory of equity: not looked through (RR 4)
    v = check(case(tmp_path, lines, funds={"Monétaire Euro": holdings}))
    assert v["R139-41/actions-max25"] == "ok", v.explain()
    assert v.doc["status"] == "ok", v.explain()


def test_16_a_dedicated_fund_holding_ucits_units_breaches(tmp_path):
    lines = fill([line("organisme_dedie", pct("0.04"), "Dédié Taux")])
    holdings = [sovereign(500, "FI"), line("opcvm", 500, "OPCVM dans le dédié")]
    v = check(case(tmp_path, lines, funds={"Dédié Taux": holdings}))
    assert v["R139-16/organismes-dedies"] == "breach", v.explain()


def test_16_a_dedicated_fund_holding_money_market_units_is_ok(tmp_path):
    lines = fill([line("organisme_dedie", pct("0.04"), "Dédié Taux")])
    holdings = [sovereign(500, "FI"), line("monetaire", 500, "Monétaire dans le dédié")]
    v = check(case(tmp_path, lines, funds={"Dédié Taux": holdings}))
    assert v["R139-16/organismes-dedies"] == "ok", v.explain()


def test_17_a_dedicated_funds_holdings_are_the_bodys_own_unlisted_equity_breaches(tmp_path):
    """RR 4, RR 17: R. 139-19 applies to the holdings of a dedicated fund, not to those of a UCITS."""
    lines = fill([line("organisme_dedie", pct("0.04"), "Dédié Actions")])
    holdings = [sovereign(500, "FI"), company("action", 500, 77, cotation="aucune")]
    v = check(case(tmp_path, lines, funds={"Dédié Actions": holdings}))
    assert v["R139-19/cotation"] == "breach", v.explain()
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Actions")])
    holdings = [sovereign(960, "FI"), company("action", 40, 77, cotation="aucune")]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions": holdings}, name="ucits.xlsx"))
    assert v["R139-19/cotation"] in ("ok", "not_applicable"), v.explain()


@pytest.mark.parametrize("share, status", [("90 %", "ok"), ("89,99 %", "breach")])
def test_16_2_a_ucits_at_least_90_percent_in_listed_securities(tmp_path, share, status):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit", part_titres_eligibles=share)])
    v = check(case(tmp_path, lines))
    assert v["R139-16/opcvm-90"] == status, v.explain()


def test_16_2_the_inventory_shows_a_ucits_under_90_percent(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit", part_titres_eligibles=None)])
    holdings = [sovereign(8_999, "FI"), company("action", 1_001, 5, cotation="aucune")]
    v = check(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert v["R139-16/opcvm-90"] == "breach", v.explain()


def test_16_a_non_compliant_fund_is_not_admitted(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Hors Liste", fonds_conforme="non")])
    holdings = [sovereign(500, "FI"), sovereign(500, "IE")]
    v = check(case(tmp_path, lines, funds={"OPCVM Hors Liste": holdings}))
    assert v["R139-16/opc-admis"] == "breach", v.explain()


def test_16_compliance_not_given_is_to_check(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Inconnu", fonds_conforme=None)])
    holdings = [sovereign(500, "FI"), sovereign(500, "IE")]
    v = check(case(tmp_path, lines, funds={"OPCVM Inconnu": holdings}))
    assert v["R139-16/opc-admis"] == "unknown", v.explain()


def test_16_an_opci_held_directly_in_the_full_regime_breaches(tmp_path):
    """RR 5: R. 139-16 1° excludes units of OPC from the assets held directly."""
    v = check(case(tmp_path, fill([line("opci", pct("0.03"), "OPCI Bureaux")])))
    assert v["R139-16/opc-admis"] == "breach", v.explain()


# ---------------------------------------------------------------- bad look-through input: exit 2, French, located


def test_17_an_inventory_summing_to_zero_is_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI"), line("contrat_financier", -500, "Swap (OPCVM)", exposition=0, notionnel=0)]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "OPCVM Crédit" in msg, msg


def test_17_an_inventory_of_an_unknown_fund_is_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": [sovereign(500, "FI")],
                                                "OPCVM Fantôme": [sovereign(500, "IE")]}))
    assert "Transparence" in msg and "fonds" in msg and "OPCVM Fantôme" in msg, msg


def test_17_two_inventories_of_one_fund_are_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI", date_valorisation=dt.date(2025, 12, 15)),
                sovereign(500, "IE", date_valorisation=dt.date(2025, 11, 30))]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "OPCVM Crédit" in msg, msg


def test_17_a_holding_value_that_is_not_a_number_is_refused_naming_sheet_row_column_value(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI"), {**sovereign(500, "IE"), "valeur": "cinq cents"}]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "3" in msg and "valeur" in msg and "cinq cents" in msg, msg


def test_17_an_unknown_nature_in_the_inventory_is_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI"), {**sovereign(500, "IE"), "nature": "crypto"}]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "nature" in msg and "crypto" in msg, msg


def test_17_a_negative_holding_that_is_no_contract_is_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(1_500, "FI"), company("action", -500, 3)]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "valeur" in msg, msg


def test_17_an_unreadable_valuation_date_is_refused(tmp_path):
    lines = fill([line("opcvm", pct("0.04"), "OPCVM Crédit")])
    holdings = [sovereign(500, "FI", date_valorisation="le 15 décembre"), sovereign(500, "IE")]
    msg = bad_input(case(tmp_path, lines, funds={"OPCVM Crédit": holdings}))
    assert "Transparence" in msg and "date_valorisation" in msg and "le 15 décembre" in msg, msg


# ---------------------------------------------------------------- TPT files (FinDatEx V6, fields by name)


def tpt_case(tmp_path, fmt, equity_share):
    """A UCITS line of 10 % of the base looked through by a TPT file: `equity_share` of it in one listed company."""
    nav = Decimal(2_000_000)
    eq = (nav * Decimal(str(equity_share))).quantize(C)
    rows = [tpt_row(ISIN_FUND, nav, "FR31", "Action Société 1", eq, isin="FR0000120073", qty=1000,
                    issuer="Société 1", group="GRP-1"),
            tpt_row(ISIN_FUND, nav, "FI11", "Finland 2030", nav - eq, isin="FI4000046545", nominal=1_000_000,
                    issuer="République de Finlande", country="FI")]
    tpt = write_tpt(tmp_path / f"tpt.{fmt}", rows, fmt=fmt)
    lines = fill([line("opcvm", pct("0.10"), "OPCVM Europe", isin=ISIN_FUND),
                  line("obligation", pct("0.02"), "Obligation Société 1", emetteur="Société 1", groupe="GRP-1")])
    return check(case(tmp_path, lines), "--transparence", str(tpt))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("equity_share, status", [("0.30", "ok"), ("0.3001", "breach")])
def test_17_a_tpt_file_looks_a_fund_through(tmp_path, fmt, equity_share, status):
    """2 % held directly + 30 % of a 10 % UCITS in the same company = 5 %."""
    v = tpt_case(tmp_path, fmt, equity_share)
    assert v["R139-17/transparence"] == "ok", v.explain()
    assert v["R139-45/entite-max5"] == status, v.explain()


def test_17_a_tpt_with_an_unknown_cic_is_refused(tmp_path):
    nav = Decimal(1_000_000)
    rows = [tpt_row(ISIN_FUND, nav, "FRZ9", "Instrument bizarre", nav, issuer="X")]
    tpt = write_tpt(tmp_path / "tpt.xlsx", rows)
    lines = fill([line("opcvm", pct("0.10"), "OPCVM Europe", isin=ISIN_FUND)])
    msg = bad_input(case(tmp_path, lines), "--transparence", str(tpt))
    assert "FRZ9" in msg, msg


def test_17_a_tpt_of_a_fund_not_in_the_portfolio_is_refused(tmp_path):
    nav = Decimal(1_000_000)
    rows = [tpt_row("LU0292097234", nav, "FI11", "Finland 2030", nav, issuer="République de Finlande", country="FI")]
    tpt = write_tpt(tmp_path / "tpt.xlsx", rows)
    lines = fill([line("opcvm", pct("0.10"), "OPCVM Europe", isin=ISIN_FUND)])
    bad_input(case(tmp_path, lines), "--transparence", str(tpt))


@pytest.mark.parametrize("lei", [True, False])
def test_17_a_tpt_issuer_written_in_capitals_or_by_lei_is_the_lines_issuer(tmp_path, lei):
    """TPT field 46 is the issuer as the manager writes it, 47 its LEI when 48 says so: 3 % held directly and
    2,01 % through the fund are 5,01 % of one entity."""
    from casebook_r139 import TPT_FIELDS

    lei_bnp = "R0MUWSFPU8MPRO8K5P83"
    nav = Decimal(1_000_000)
    r1 = tpt_row(ISIN_FUND, nav, "FR21", "BNP Paribas 2030", Decimal(500_000), isin="FR0013405537",
                 nominal=500_000, issuer="BNP PARIBAS", group="BNP PARIBAS" if not lei else None)
    if lei:
        r1[TPT_FIELDS.index("46_Issuer name")] = "BNP PARIBAS SA"
        r1[TPT_FIELDS.index("47_Issuer identification code")] = lei_bnp
        r1[TPT_FIELDS.index("48_Type of identification code for issuer")] = 1
    r2 = tpt_row(ISIN_FUND, nav, "FI11", "Finland 2030", Decimal(500_000), isin="FI4000046545", nominal=500_000,
                 issuer="République de Finlande", country="FI")
    tpt = write_tpt(tmp_path / "tpt.xlsx", [r1, r2])
    direct = line("obligation", pct("0.03"), "Obligation BNP", emetteur="BNP Paribas", lei=lei_bnp, groupe=lei_bnp,
                  type_emetteur="etablissement_credit")
    lines = fill([direct, line("opcvm", pct("0.04") + 2 * C, "OPCVM Europe", isin=ISIN_FUND)])
    v = check(case(tmp_path, lines), "--transparence", str(tpt))
    assert v["R139-45/entite-max5"] == "breach", v.explain()
