"""Case book, R. 139-41 (and R. 139-47 al. 2): each cap at, just under and just over its value, on real workbooks
through `reserves check --json`. « Rapportée à la valeur de réalisation de l'actif de placement … ne peut
excéder » : inclusive; numerators in the look-through actif (RR 2), fund holdings rescaled to the line (R. 139-17).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import B, case, check, company, fill, held, line, pct, sovereign

C = Decimal("0.01")
AT, UNDER, OVER = Decimal(0), -C, C


def equities(total: Decimal, start: int, share=Decimal("0.05"), nature="action", **cols) -> list[dict]:
    """`total` euros of equity spread over companies of at most `share` of the base each."""
    out, i, cap = [], start, pct(share)
    while total > 0:
        part = min(total, cap)
        out.append(company(nature, part, i, **cols))
        total -= part
        i += 1
    return out


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (UNDER, "ok"), (OVER, "breach")])
def test_41_1_ucits_units_at_most_15_percent(tmp_path, delta, status):
    v_fund = pct("0.15") + delta
    lines = fill([line("opcvm", v_fund, "OPCVM Souverain Euro")])
    holdings = [sovereign(600_000, "FI"), sovereign(400_000, "IE")]  # rescaled to the line's value
    v = check(case(tmp_path, lines, funds={"OPCVM Souverain Euro": holdings}))
    assert v["R139-41/opcvm-max15"] == status, v.explain()
    assert v.doc["status"] == status
    if status == "breach":
        (f,) = v.findings("R139-41/opcvm-max15")
        assert Decimal(str(f["value"])) > Decimal("0.15")


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (OVER, "breach")])
def test_41_2_real_estate_at_most_20_percent(tmp_path, delta, status):
    lines = fill([line("droit_immobilier", pct("0.10"), "Immeuble A", immeuble="IMM-A"),
                  line("droit_immobilier", pct("0.08"), "Immeuble B", immeuble="IMM-B"),
                  line("societe_immobiliere", pct("0.02") + delta, "SAS Lyon")])
    v = check(case(tmp_path, lines))
    assert v["R139-41/immobilier-max20"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (UNDER, "ok"), (OVER, "breach")])
def test_41_3_equity_direct_and_through_a_ucits_at_most_25_percent(tmp_path, delta, status):
    """20 % held directly, 5 % through a UCITS whose inventory (rescaled ×1/1000 here) is all equity."""
    fund_value = pct("0.05") + delta
    lines = fill(equities(pct("0.20"), 1) + [line("opcvm", fund_value, "OPCVM Actions Europe")])
    holdings = [company("action", 30, 101), company("action", 20, 102)]  # 60 % / 40 % of the fund
    v = check(case(tmp_path, lines, funds={"OPCVM Actions Europe": holdings}))
    assert v["R139-41/actions-max25"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_41_3_a_long_equity_future_adds_to_the_25_percent(tmp_path):
    """R. 139-47 al. 2: the exposure of a contract « ne doit pas conduire à excéder les limites » of R. 139-41."""
    held_equity = equities(pct("0.25"), 1)
    future = line("contrat_financier", 0, "Future CAC 40", type_sous_jacent="action", sous_jacent="Société 1",
                  notionnel=100, exposition=100, contrepartie="LCH SA")
    v = check(case(tmp_path, fill(held_equity) + [future]))
    assert v["R139-41/actions-max25"] == "breach", v.explain()


def test_41_3_a_short_equity_future_never_frees_room(tmp_path):
    held_equity = equities(pct("0.25") + C, 1)
    future = line("contrat_financier", 0, "Future CAC 40 vendu", type_sous_jacent="action", sous_jacent="Société 1",
                  notionnel=-100_000, exposition=-100_000, contrepartie="LCH SA")
    v = check(case(tmp_path, fill(held_equity) + [future]))
    assert v["R139-41/actions-max25"] == "breach", v.explain()


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (OVER, "breach")])
def test_41_4_equity_with_fonds_mutualises_at_most_50_percent(tmp_path, delta, status):
    """25 % held directly, 25 % of equity in a fonds mutualisé (at most 5 % an issuer): 50 % is the cap."""
    fm_value = pct("0.25") + delta
    lines = fill(equities(pct("0.25"), 1) + [line("fonds_mutualise", fm_value, "FM Actions Long Terme")])
    holdings = [company("action", 1_000, 200 + k) for k in range(6)]  # 6 issuers, 1/6 of the fund each
    v = check(case(tmp_path, lines, funds={"FM Actions Long Terme": holdings}))
    assert v["R139-41/actions-max25"] == "ok", v.explain()
    assert v["R139-41/actions-max50"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (OVER, "breach")])
def test_41_5_oecd_only_listing_at_most_15_percent(tmp_path, delta, status):
    lines = fill(equities(pct("0.15") + delta, 1, cotation="ocde", pays="US"))
    v = check(case(tmp_path, lines))
    assert v["R139-41/ocde-max15"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_41_5_oecd_state_tcn_count_eea_state_tcn_do_not(tmp_path):
    """RR 11: a TCN of an OECD state (R. 139-19 III) is assimilated to I 3°, one of an EEA state (II) to I 1°."""
    us = line("tcn", pct("0.15") + C, "T-Bill US", emetteur="United States Treasury", pays="US", type_emetteur="etat",
              cotation="aucune", groupe=None)
    v = check(case(tmp_path, fill([us])))
    assert v["R139-41/ocde-max15"] == "breach", v.explain()
    eu = line("tcn", pct("0.16"), "BTF France", emetteur="République française", pays="FR", type_emetteur="etat",
              cotation="aucune", groupe=None)
    v = check(case(tmp_path, fill([eu]), name="eea.xlsx"))
    assert v["R139-41/ocde-max15"] in ("ok", "not_applicable"), v.explain()


def test_41_5_listed_in_the_eea_and_the_oecd_counts_as_eea(tmp_path):
    """`cotation` is the best admission: 20 % of equity listed in Paris (and New York) is not « OCDE seulement »."""
    lines = fill(equities(pct("0.20"), 1, cotation="eee"))
    v = check(case(tmp_path, lines))
    assert v["R139-41/ocde-max15"] in ("ok", "not_applicable"), v.explain()


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (OVER, "breach")])
def test_41_6_other_assets_of_fonds_mutualises_at_most_15_percent(tmp_path, delta, status):
    fm_value = pct("0.15") + delta
    lines = fill([line("fonds_mutualise", fm_value, "FM Prêts PME", part_titres_eligibles="0 %")])
    holdings = [line("autre_fm", 1_000, f"Prêt PME {k}", emetteur=f"PME {k}", groupe=f"PME-{k}") for k in range(4)]
    v = check(case(tmp_path, lines, funds={"FM Prêts PME": holdings}))
    assert v["R139-41/autres-fm-max15"] == status, v.explain()
    if status == "breach":
        assert v.doc["status"] == "breach"


@pytest.mark.parametrize("delta, status", [(AT, "ok"), (OVER, "breach")])
def test_41_7_organismes_de_financement_at_most_5_percent(tmp_path, delta, status):
    lines = fill([line("obligation", pct("0.03"), "Titrisation A", emetteur="FCT Alpha", groupe="FCT-A",
                       type_emetteur="organisme_financement"),
                  line("obligation", pct("0.02") + delta, "Titrisation B", emetteur="FCT Beta", groupe="FCT-B",
                       type_emetteur="organisme_financement")])
    v = check(case(tmp_path, lines))
    assert v["R139-41/financement-max5"] == status, v.explain()
    assert v.doc["status"] == status, v.explain()


def test_41_7_an_empty_issuer_kind_may_hide_an_organisme_de_financement(tmp_path):
    """RR 20: 4,99 % of organismes de financement plus a bond whose issuer kind is not given: not « conforme »."""
    lines = fill([line("obligation", pct("0.0499"), "Titrisation A", emetteur="FCT Alpha", groupe="FCT-A",
                       type_emetteur="organisme_financement"),
                  line("obligation", pct("0.01"), "Obligation X", emetteur="Émetteur X", groupe="X",
                       type_emetteur=None)])
    v = check(case(tmp_path, lines))
    assert v["R139-41/financement-max5"] == "unknown", v.explain()
    assert v.doc["status"] != "ok"


def test_41_7_an_empty_issuer_kind_that_cannot_change_the_verdict_is_no_doubt(tmp_path):
    lines = fill([line("obligation", pct("0.01"), "Obligation X", emetteur="Émetteur X", groupe="X",
                       type_emetteur=None)])
    v = check(case(tmp_path, lines))
    assert v["R139-41/financement-max5"] in ("ok", "not_applicable"), v.explain()


def test_41_ratios_divide_by_the_actif_de_placement_not_the_gestion_pocket(tmp_path):
    """RR 1: the `gestion` pocket and the cash for three months of benefits are outside the base."""
    lines = fill(equities(pct("0.25") + C, 1))
    lines.append(line("titre_etat", 5_000_000, "OAT gestion", poche="gestion"))
    lines.append(line("depot", 2_000_000, "Compte prestations", exclusion="prestations_3_mois"))
    v = check(case(tmp_path, lines))
    assert Decimal(str(v.doc["base"])) == B
    assert v["R139-41/actions-max25"] == "breach", v.explain()


def test_41_each_regime_is_its_own_base(tmp_path):
    """RR 1: with a `regime` column, the invalidity regime's 30 % of equity is not diluted by the base regime."""
    base = fill(equities(pct("0.10"), 1, regime="base"), regime="base")
    inval = fill(equities(pct("0.30", Decimal(1_000_000)), 50, share=Decimal("0.05") / 10, regime="invalidite"),
                 base=1_000_000, regime="invalidite")
    v = check(case(tmp_path, base + inval))
    assert v["R139-41/actions-max25"] == "breach", v.explain()
    regs = {f.get("regime") for f in v.findings("R139-41/actions-max25") if f["status"] == "breach"}
    assert regs == {"invalidite"}, regs
