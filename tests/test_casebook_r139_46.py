"""Case book, R. 139-46: at most 5 % of the equity and 5 % of the debt securities of one issuer, in the look-through
actif (RR 9): share = value held (accrued interest included, rescaled) / value of the issue (`valeur` / `quantite` ×
`quantite_emise`, each ISIN once, or `encours_emetteur`); EEA/CH states and public international bodies exempt,
not CADES nor ACOSS; holdings of fonds mutualisés left out (II 3°); missing quantities: unknown.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import case, check, fill, line, sovereign

ISIN_A = "FR0000120073"  # Air Liquide
ISIN_B = "FR0000131104"  # BNP Paribas


def equity(value, qty, issued, **cols):
    label = cols.pop("libelle", "Action Petite Cotée")
    base = dict(emetteur="Petite Cotée SA", groupe="PETITE", isin=ISIN_A, quantite=qty, quantite_emise=issued)
    base.update(cols)
    return line("action", value, label, **base)


def bond(value, qty, issued, **cols):
    base = dict(emetteur="Émetteur Obligataire SA", groupe="EMOB", isin=ISIN_B, quantite=qty, quantite_emise=issued)
    base.update(cols)
    return line("obligation", value, "Obligation Émetteur Obligataire", **base)


@pytest.mark.parametrize("issued, status", [(2_000, "ok"), (2_001, "ok"), (1_999, "breach")])
def test_46_1_at_most_5_percent_of_an_issuers_equity(tmp_path, issued, status):
    v = check(case(tmp_path, fill([equity(50_000, 100, issued)])))
    assert v["R139-46/capital-max5"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


@pytest.mark.parametrize("issued, status", [(2_000_000, "ok"), (1_999_999, "breach")])
def test_46_2_at_most_5_percent_of_an_issuers_debt(tmp_path, issued, status):
    v = check(case(tmp_path, fill([bond(100_000, 100_000, issued)])))
    assert v["R139-46/creances-max5"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


@pytest.mark.parametrize("outstanding, status", [("1000000", "ok"), ("999999.99", "breach")])
def test_46_2_against_the_issuers_outstanding_debt(tmp_path, outstanding, status):
    b = line("obligation", 50_000, "Obligation non cotée au registre", emetteur="Émetteur Obligataire SA",
             groupe="EMOB", quantite=None, quantite_emise=None, encours_emetteur=Decimal(outstanding))
    v = check(case(tmp_path, fill([b])))
    assert v["R139-46/creances-max5"] == status, v.explain()


def test_46_the_holding_counts_with_its_accrued_interest(tmp_path):
    """RR 9: 5 % of the issue held plus 10 € of accrued interest is above 5 %."""
    v = check(case(tmp_path, fill([bond(100_000, 100_000, 2_000_000, coupon_couru=10)])))
    assert v["R139-46/creances-max5"] == "breach", v.explain()


def test_46_direct_and_ucits_holdings_of_one_isin_add_up_the_issue_counted_once(tmp_path):
    lines = fill([equity(30_000, 60, 2_000), line("opcvm", 40_000, "OPCVM Actions France")])
    holdings = [equity(20_000, 40, 2_000, libelle="Action Petite Cotée (OPCVM)"), sovereign(20_000, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions France": holdings}))
    # 60 + 40 = 100 shares of 2 000: 5 % exactly
    assert v["R139-46/capital-max5"] == "ok", v.explain()
    lines = fill([equity(30_500, 61, 2_000), line("opcvm", 40_000, "OPCVM Actions France")])
    holdings = [equity(20_000, 40, 2_000, libelle="Action Petite Cotée (OPCVM)"), sovereign(20_000, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions France": holdings}, name="over.xlsx"))
    assert v["R139-46/capital-max5"] == "breach", v.explain()


def test_46_rescaling_scales_the_quantities_of_the_holdings(tmp_path):
    """R. 139-17: the quantities are corrected in proportion: an inventory for a tenth of the fund (×10)."""
    lines = fill([line("opcvm", 100_000, "OPCVM Actions France")])
    holdings = [equity(5_000, 10, 2_000, libelle="Action Petite Cotée (OPCVM)"),  # ×10: 100 of 2 000 = 5 %
                sovereign(5_000, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions France": holdings}))
    assert v["R139-46/capital-max5"] == "ok", v.explain()
    holdings = [equity(5_000, 10.01, 2_000, libelle="Action Petite Cotée (OPCVM)"), sovereign(5_000, "FI")]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions France": holdings}, name="over.xlsx"))
    assert v["R139-46/capital-max5"] == "breach", v.explain()


def test_46_equity_and_debt_are_two_limits_not_one(tmp_path):
    lines = fill([equity(40_000, 80, 2_000, emetteur="Double SA", groupe="DOUBLE"),
                  bond(80_000, 80_000, 2_000_000, emetteur="Double SA", groupe="DOUBLE")])
    v = check(case(tmp_path, lines))
    assert v["R139-46/capital-max5"] == "ok" and v["R139-46/creances-max5"] == "ok", v.explain()


def test_46_groups_do_not_join_issuers_for_46(tmp_path):
    """RR 8: `groupe` serves R. 139-45 only."""
    lines = fill([equity(50_000, 100, 2_000, emetteur="Filiale A", groupe="MERE", isin=ISIN_A),
                  equity(50_000, 100, 2_000, emetteur="Filiale B", groupe="MERE", isin="FR0000121014")])
    v = check(case(tmp_path, lines))
    assert v["R139-46/capital-max5"] == "ok", v.explain()


def test_46_eea_state_paper_is_exempt(tmp_path):
    oat = sovereign(1_000_000, "FI", quantite=1_000_000, quantite_emise=2_000_000)  # half the issue
    v = check(case(tmp_path, fill([oat])))
    assert v["R139-46/creances-max5"] in ("ok", "not_applicable"), v.explain()


@pytest.mark.parametrize("kind, name", [("cades", "CADES"), ("acoss", "ACOSS")])
def test_46_cades_and_acoss_are_not_exempt(tmp_path, kind, name):
    b = line("obligation", 100_000, f"Obligation {name}", emetteur=name, type_emetteur=kind, pays="FR", groupe=None,
             quantite=100_000, quantite_emise=1_000_000)
    v = check(case(tmp_path, fill([b])))
    assert v["R139-46/creances-max5"] == "breach", v.explain()


def test_46_holdings_of_a_fonds_mutualise_are_left_out(tmp_path):
    lines = fill([line("fonds_mutualise", 100_000, "FM Actions PME")])
    holdings = [equity(100_000, 500, 2_000, libelle="Action Petite Cotée (FM)")]  # 25 % of the issue
    v = check(case(tmp_path, lines, funds={"FM Actions PME": holdings}))
    assert v["R139-46/capital-max5"] in ("ok", "not_applicable"), v.explain()


def test_46_missing_quantities_are_to_check_never_ok(tmp_path):
    v = check(case(tmp_path, fill([equity(50_000, None, None)])))
    assert v["R139-46/capital-max5"] == "unknown", v.explain()
    assert v.doc["status"] == "unknown"
