"""Case book, the régime simplifié (R. 139-10, 14, 15; RR 19): the list of 14 1°–7°, the 50 % of 14 5°, dedicated
funds of 14 7°, the caps of 15 (15 % real estate, 15 % fonds mutualisés as units, 10 % non-euro gross) — at, under
and over, on real workbooks through `reserves check --json --regime-simplifie`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import case, check, company, fill, held, line, pct, sovereign

C = Decimal("0.01")
S = "--regime-simplifie"


def test_14_the_simplified_regime_applies_its_own_rules_only(tmp_path):
    v = check(case(tmp_path, fill([line("depot", pct("0.05"))])), S)
    assert v.doc["regime"] == "simplifie"
    for rid in ("R139-41/actions-max25", "R139-45/entite-max5", "R139-46/capital-max5", "R139-43/contrats-max10",
                "R139-37/adossement", "R139-16/opc-admis"):
        assert v[rid] == "not_applicable", rid
    assert v["R139-14/eligibilite"] == "ok" and v.doc["status"] == "ok", v.explain()


@pytest.mark.parametrize("row, status", [
    (dict(nature="tcn", emetteur="BNP Paribas", pays="FR", cotation="aucune"), "ok"),                    # 1°
    (dict(nature="tcn", emetteur="Wells Fargo", pays="US", cotation="aucune"), "breach"),               # 1°: EEA/CH
    (dict(nature="titre_etat", emetteur="République française", pays="FR", type_emetteur="etat"), "ok"),  # 2°
    (dict(nature="obligation", emetteur="CADES", pays="FR", type_emetteur="cades"), "ok"),              # 2°
    (dict(nature="obligation", emetteur="TotalEnergies", pays="FR", type_emetteur="autre"), "breach"),  # not 2°
    (dict(nature="obligation", emetteur="Confédération suisse", pays="CH", type_emetteur="etat"), "ok"),
    (dict(nature="obligation", emetteur="United States Treasury", pays="US", type_emetteur="etat"), "breach"),
    (dict(nature="titre_etat", emetteur="République française", pays="FR", type_emetteur="etat",
          cotation="ocde"), "breach"),                                                                  # RR 19
    (dict(nature="action", emetteur="Air Liquide", pays="FR"), "breach"),
    (dict(nature="opcvm", emetteur="OPCVM Actions"), "breach"),
    (dict(nature="monetaire", emetteur="Monétaire Euro"), "ok"),                                        # 6°
])
def test_14_only_the_list_of_1_to_7(tmp_path, row, status):
    nature = row.pop("nature")
    lines = fill([line(nature, pct("0.02"), f"Ligne {nature}", **row)])
    v = check(case(tmp_path, lines), S)
    assert v["R139-14/eligibilite"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_14_any_contract_breaches(tmp_path):
    fut = line("contrat_financier", 0, "Future Bund", notionnel=100_000, exposition=100_000, sous_jacent="Bund")
    v = check(case(tmp_path, fill([]) + [fut]), S)
    assert v["R139-14/eligibilite"] == "breach", v.explain()


@pytest.mark.parametrize("share, status", [("50 %", "ok"), ("49,99 %", "breach")])
def test_14_5_fonds_mutualises_at_least_half_in_listed_securities(tmp_path, share, status):
    v = check(case(tmp_path, fill([line("fonds_mutualise", pct("0.05"), "FM Actions", part_titres_eligibles=share)])),
              S)
    assert v["R139-14/fonds-mutualises-50"] == status, v.explain()


def test_14_5_the_inventory_of_a_fonds_mutualise_shows_its_share(tmp_path):
    lines = fill([line("fonds_mutualise", pct("0.05"), "FM Prêts", part_titres_eligibles=None)])
    holdings = [company("action", 4_999, 1), line("autre_fm", 5_001, "Prêt PME", emetteur="PME", groupe="PME")]
    v = check(case(tmp_path, lines, funds={"FM Prêts": holdings}), S)
    assert v["R139-14/fonds-mutualises-50"] == "breach", v.explain()


def test_14_7_a_dedicated_fund_holding_equity_breaches(tmp_path):
    lines = fill([line("organisme_dedie", pct("0.05"), "Dédié")])
    holdings = [sovereign(500, "FI"), company("action", 500, 1)]
    v = check(case(tmp_path, lines, funds={"Dédié": holdings}), S)
    assert v["R139-14/organismes-dedies"] == "breach", v.explain()


def test_14_7_a_dedicated_fund_of_tcn_bonds_deposits_and_money_market_units_is_ok(tmp_path):
    lines = fill([line("organisme_dedie", pct("0.05"), "Dédié")])
    holdings = [sovereign(500, "FI"), line("tcn", 500, "NEU CP BNP", emetteur="BNP Paribas", cotation="aucune"),
                line("depot", 500, "Dépôt du dédié"), line("monetaire", 500, "Monétaire du dédié")]
    v = check(case(tmp_path, lines, funds={"Dédié": holdings}), S)
    assert v["R139-14/organismes-dedies"] == "ok", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (-C, "ok"), (C, "breach")])
def test_15_1_real_estate_at_most_15_percent(tmp_path, delta, status):
    lines = fill([line("droit_immobilier", pct("0.10"), "Immeuble A", immeuble="A"),
                  line("droit_immobilier", pct("0.05") + delta, "Immeuble B", immeuble="B")])
    v = check(case(tmp_path, lines), S)
    assert v["R139-15/immobilier-max15"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_15_1_real_estate_of_a_dedicated_fund_is_substituted(tmp_path):
    """R. 139-15 last paragraph: the dedicated funds' assets replace their units, pro rata."""
    lines = fill([line("droit_immobilier", pct("0.14"), "Immeuble A", immeuble="A"),
                  line("organisme_dedie", pct("0.02"), "Dédié")])
    holdings = [line("droit_immobilier", 500, "Immeuble C (dédié)", immeuble="C"), sovereign(499, "FI")]
    v = check(case(tmp_path, lines, funds={"Dédié": holdings}), S)
    assert v["R139-15/immobilier-max15"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_15_2_fonds_mutualises_at_most_15_percent_as_units(tmp_path, delta, status):
    lines = fill([line("fonds_mutualise", pct("0.10"), "FM A"), line("fonds_mutualise", pct("0.05") + delta, "FM B")])
    holdings = [sovereign(500, "FI")]  # seen through only for the 50 % of 14 5° (RR 19)
    v = check(case(tmp_path, lines, funds={"FM A": holdings, "FM B": [sovereign(500, "IE")]}), S)
    assert v["R139-15/fonds-mutualises-max15"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_10_one_regime_simplified_the_other_full(tmp_path):
    """R. 139-10 « pour les régimes concernés »: equity breaches in the simplified invalidity regime only."""
    base = fill([company("action", pct("0.02"), 1, regime="base")], regime="base")
    inval = fill([company("action", 10_000, 2, regime="invalidite")], base=1_000_000, regime="invalidite")
    v = check(case(tmp_path, base + inval), "--regime-simplifie", "invalidite")
    assert v["R139-14/eligibilite"] == "breach", v.explain()
    regs = {f.get("regime") for f in v.findings("R139-14/eligibilite") if f["status"] == "breach"}
    assert regs == {"invalidite"}, regs
    modes = {r["regime"]: r["mode"] for r in v.doc.get("regimes", [])}
    assert modes.get("invalidite") == "simplifie" and modes.get("base") == "complet", modes
