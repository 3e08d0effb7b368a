"""R. 139-16 (the funds admitted: compliant units, UCITS at 90 % in R. 139-19 I securities, dedicated funds
holding 1° and 3° assets) and R. 139-17 (look-through given and recent): on one situation per rule, the
checker, the pre-trade engine after the orders, the optimizer and the report agree (tests/agreement_r139.py).
These are conditions on fund lines: the optimizer has no row for them but sells the fund in breach, and its
proposal, re-checked, keeps the rule."""

from __future__ import annotations

from agreement_r139 import agree139, held, line, with_states

BUY = 10_000
WHY = {"R139-17/transparence": "a fund without a usable inventory leaves rules to check, never a breach to cure"}


def ucits(orders=(), inventory=True, **cols):
    fund = line("opcvm", 500_000, "OPCVM Obligations", **cols)
    funds = {"OPCVM Obligations": [held("titre_etat", 60, "OAT (OPCVM)"),
                                   held("obligation", 40, "TotalEnergies (OPCVM)")]} if inventory else {}
    return with_states(fund, funds=funds, orders=orders)


def more(label="OPCVM Obligations"):
    return [{"libelle": label, "montant": BUY}]


def test_16_opc_admis_more_units_of_a_fund_that_is_not_compliant(tmp_path):
    agree139("R139-16/opc-admis", ucits(more(), fonds_conforme="non"), expect="breach", tmp=tmp_path, cli=True)


def test_16_opc_admis_more_units_of_a_compliant_ucits(tmp_path):
    agree139("R139-16/opc-admis", ucits(more()), expect="ok", tmp=tmp_path)


def test_16_opcvm_90_a_ucits_under_90_percent_of_listed_securities(tmp_path):
    agree139("R139-16/opcvm-90", ucits(more(), part_titres_eligibles=0.8999), expect="breach", tmp=tmp_path,
             limit=0.9)


def test_16_opcvm_90_a_ucits_at_90_percent(tmp_path):
    agree139("R139-16/opcvm-90", ucits(more(), part_titres_eligibles=0.9), expect="ok", tmp=tmp_path, limit=0.9)


def dedicated(extra):
    fund = line("organisme_dedie", 400_000, "Dédié Taux")
    inventory = {"Dédié Taux": [held("titre_etat", 60, "OAT (dédié)"), extra]}
    return with_states(fund, funds=inventory, orders=more("Dédié Taux"))


def test_16_organismes_dedies_a_dedicated_fund_holding_ucits_units(tmp_path):
    agree139("R139-16/organismes-dedies", dedicated(held("opcvm", 40, "OPCVM (dédié)")), expect="breach",
             tmp=tmp_path)


def test_16_organismes_dedies_a_dedicated_fund_holding_shares_and_money_market_units(tmp_path):
    sit = dedicated(held("monetaire", 40, "Monétaire (dédié)"))
    agree139("R139-16/organismes-dedies", sit, expect="ok", tmp=tmp_path)


def test_17_transparence_a_ucits_bought_without_its_inventory_is_to_check(tmp_path):
    """No inventory: the rule names the fund (`unknown`), and the optimizer, which cannot supply data, leaves it
    open (the checker's verdict on the proposal says the same)."""
    res = agree139("R139-17/transparence", ucits(more(), inventory=False), expect="unknown", tmp=tmp_path).result
    assert [f.via for f in res.findings] == ["OPCVM Obligations"]


def test_17_transparence_the_ucits_seen_through(tmp_path):
    agree139("R139-17/transparence", ucits(more()), expect="ok", tmp=tmp_path)
