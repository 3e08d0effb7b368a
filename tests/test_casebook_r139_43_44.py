"""Case book, R. 139-43 and R. 139-44: contracts' exposures netted per counterparty, at most 10 % (RR 12); currency
exposure strictly under 15 %, hedges netted within a currency, never across (RR 13); R. 139-15 3° gross and
inclusive under the régime simplifié — on real workbooks through `reserves check --json`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import case, check, company, fill, line, pct, sovereign

C = Decimal("0.01")


def contract(exposure, counterparty="LCH SA", **cols):
    base = dict(type_contrat="swap", type_sous_jacent="taux", sous_jacent="République française",
                notionnel=abs(exposure), exposition=exposure, contrepartie=counterparty, devise_exposition="EUR")
    base.update(cols)
    return line("contrat_financier", 0, f"Contrat {counterparty} {exposure}", **base)


def usd(euros, i=1, **cols):
    return company("action", euros, f"US {i}", devise="USD", pays="US", cotation="eee", **cols)


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (-C, "ok"), (C, "breach")])
def test_43_exposures_netted_per_counterparty_at_most_10_percent(tmp_path, delta, status):
    lines = fill([]) + [contract(pct("0.06"), "Banque A"), contract(-pct("0.02"), "Banque A"),
                        contract(pct("0.06") + delta, "Banque B")]
    v = check(case(tmp_path, lines))
    assert v["R139-43/contrats-max10"] == status, v.explain()


def test_43_no_netting_across_counterparties(tmp_path):
    lines = fill([]) + [contract(pct("0.06"), "Banque A"), contract(-pct("0.05"), "Banque B")]
    v = check(case(tmp_path, lines))
    assert v["R139-43/contrats-max10"] == "breach", v.explain()


def test_43_no_netting_without_a_counterparty(tmp_path):
    lines = fill([]) + [contract(pct("0.06"), None), contract(-pct("0.05"), None)]
    v = check(case(tmp_path, lines))
    assert v["R139-43/contrats-max10"] != "ok", v.explain()


def test_43_contracts_of_a_ucits_count_in_the_look_through_actif(tmp_path):
    lines = fill([line("opcvm", pct("0.10"), "OPCVM Taux Couvert")])
    holdings = [sovereign(1_000, "FI"),
                line("contrat_financier", 0, "Swap de taux (OPCVM)", type_contrat="swap", type_sous_jacent="taux",
                     notionnel=1_101, exposition=1_101, contrepartie="Banque A", devise_exposition="EUR")]
    # rescaled ×(10 % of the base)/1 000: an exposure of 11,01 % of the base
    v = check(case(tmp_path, lines, funds={"OPCVM Taux Couvert": holdings}))
    assert v["R139-43/contrats-max10"] == "breach", v.explain()


def test_43_no_exposure_nor_notional_is_to_check(tmp_path):
    lines = fill([]) + [contract(pct("0.01"), "Banque A", exposition=None, notionnel=None)]
    v = check(case(tmp_path, lines))
    assert v["R139-43/contrats-max10"] == "unknown", v.explain()
    assert v.doc["status"] != "ok"


def test_43_the_notional_bounds_the_exposure_when_none_is_given(tmp_path):
    lines = fill([]) + [contract(pct("0.05"), "Banque A", exposition=None, notionnel=pct("0.05"))]
    v = check(case(tmp_path, lines))
    assert v["R139-43/contrats-max10"] == "ok", v.explain()
    lines = fill([]) + [contract(pct("0.11"), "Banque A", exposition=None, notionnel=pct("0.11"))]
    v = check(case(tmp_path, lines, name="big.xlsx"))
    assert v["R139-43/contrats-max10"] != "ok", v.explain()


@pytest.mark.parametrize("delta, status", [(-C, "ok"), (Decimal(0), "breach"), (C, "breach")])
def test_44_currency_exposure_strictly_under_15_percent(tmp_path, delta, status):
    lines = fill([usd(pct("0.05"), 1), usd(pct("0.05"), 2), usd(pct("0.05") + delta, 3)])
    v = check(case(tmp_path, lines))
    assert v["R139-44/change-max15"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_44_all_in_euros_is_ok(tmp_path):
    v = check(case(tmp_path, fill([company("action", pct("0.05"), 1)])))
    assert v["R139-44/change-max15"] == "ok", v.explain()


def fx_hedge(exposure, currency="USD"):
    return line("contrat_financier", 0, f"Future de change {currency}", type_contrat="future",
                type_sous_jacent="change", sous_jacent=currency, notionnel=abs(exposure), exposition=exposure,
                devise_exposition=currency, contrepartie="CME Clearing", cotation="ocde")


@pytest.mark.parametrize("hedge, status", [(pct("0.05") + C, "ok"), (pct("0.05"), "breach")])
def test_44_a_hedge_nets_within_its_currency(tmp_path, hedge, status):
    lines = fill([usd(pct("0.05"), k) for k in range(1, 5)]) + [fx_hedge(-hedge)]  # 20 % − hedge
    v = check(case(tmp_path, lines))
    assert v["R139-44/change-max15"] == status, v.explain()


def test_44_hedges_never_net_across_currencies(tmp_path):
    """USD 16 % and a short GBP future of 2 %: 18 %, not 14 %."""
    lines = fill([usd(pct("0.04"), k) for k in range(1, 5)]) + [fx_hedge(-pct("0.02"), "GBP")]
    v = check(case(tmp_path, lines))
    assert v["R139-44/change-max15"] == "breach", v.explain()


def test_44_realisable_in_euros_removes_no_currency_risk(tmp_path):
    lines = fill([usd(pct("0.05"), k, realisable_euro="oui") for k in range(1, 4)])  # 15 %
    v = check(case(tmp_path, lines))
    assert v["R139-44/change-max15"] == "breach", v.explain()


def test_44_holdings_of_a_ucits_in_dollars_count(tmp_path):
    lines = fill([line("opcvm", pct("0.15"), "OPCVM Actions US")])
    holdings = [usd(500, k) for k in range(1, 4)]
    v = check(case(tmp_path, lines, funds={"OPCVM Actions US": holdings}))
    assert v["R139-44/change-max15"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_15_3_simplified_regime_non_euro_at_most_10_percent_gross(tmp_path, delta, status):
    gbp = line("obligation", pct("0.10") + delta, "Gilt 2030", emetteur="Royaume-Uni", type_emetteur="etat",
               pays="GB", devise="GBP", groupe=None)
    v = check(case(tmp_path, fill([gbp])), "--regime-simplifie")
    assert v["R139-15/devises-max10"] == status, v.explain()


def test_15_3_simplified_regime_hedges_do_not_offset(tmp_path):
    """RR 13: R. 139-15 3° is gross — and any contract breaches R. 139-14 under the régime simplifié (RR 19)."""
    gbp = line("obligation", pct("0.11"), "Gilt 2030", emetteur="Royaume-Uni", type_emetteur="etat", pays="GB",
               devise="GBP", groupe=None)
    v = check(case(tmp_path, fill([gbp]) + [fx_hedge(-pct("0.05"), "GBP")]), "--regime-simplifie")
    assert v["R139-15/devises-max10"] == "breach", v.explain()
    assert v["R139-14/eligibilite"] == "breach", v.explain()
