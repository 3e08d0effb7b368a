"""Case book, the line conditions: R. 139-18 (eligible assets), 19 (listing), 20 (quality), 21 (deposits), 22 (real
estate), 23 (custody, deeds), 24 (limited loss), 37 to 40 (contracts, repos, short sales, certificates) and R. 139-18's
accrued interest — each condition met, failed and not given, on real workbooks through `reserves check --json`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from casebook_r139 import case, check, company, fill, line, pct

C = Decimal("0.01")


def one(tmp_path, nature, rule, *args, **cols):
    lines = fill([line(nature, pct("0.02"), f"Ligne {nature}", **cols)])
    v = check(case(tmp_path, lines), *args)
    return v, v[rule]


@pytest.mark.parametrize("nature, cols, status", [
    ("autre", {}, "breach"),
    ("autre_fm", {}, "breach"),                                     # 10° only inside a fonds mutualisé
    ("tcn", {"pays": "BR", "emetteur": "Banco do Brasil"}, "breach"),  # 3°: EEA, CH or OECD seat
    ("tcn", {"pays": "JP", "emetteur": "MUFG"}, "ok"),
    ("tcn", {"pays": None}, "unknown"),
])
def test_18_eligible_assets(tmp_path, nature, cols, status):
    v, st = one(tmp_path, nature, "R139-18/eligibilite", **cols)
    assert st == status, v.explain()
    if status != "ok":
        assert v.doc["status"] != "ok"


@pytest.mark.parametrize("cols, status", [({"cotation": "eee"}, "ok"), ({"cotation": "eee_ch"}, "ok"),
                                          ({"cotation": "ocde"}, "ok"), ({"cotation": "aucune"}, "breach"),
                                          ({"cotation": None}, "unknown")])
def test_19_equity_must_be_admitted(tmp_path, cols, status):
    v, st = one(tmp_path, "action", "R139-19/cotation", **cols)
    assert st == status, v.explain()


@pytest.mark.parametrize("kind, country, status", [("etat", "FR", "ok"), ("bce", "DE", "ok"), ("cades", "FR", "ok"),
                                                   ("etat", "US", "ok"), ("autre", "FR", "breach")])
def test_19_2_3_unlisted_tcn_assimilated_by_their_issuer(tmp_path, kind, country, status):
    v, st = one(tmp_path, "tcn", "R139-19/cotation", cotation="aucune", type_emetteur=kind, pays=country,
                emetteur=f"Émetteur {kind} {country}")
    assert st == status, v.explain()


def test_20_an_unlisted_ocde_security_without_declared_quality_is_not_ok(tmp_path):
    v, st = one(tmp_path, "obligation", "R139-20/qualite", cotation="aucune")
    assert st in ("unknown", "breach"), v.explain()
    v, st = one(tmp_path, "tcn", "R139-20/qualite", cotation="aucune", type_emetteur="etat", prix_fiable="non",
                information="oui", negociable="oui", emetteur="République française", groupe=None)
    assert st == "breach", v.explain()


@pytest.mark.parametrize("cols, status", [
    ({}, "ok"),
    ({"remboursable": "non"}, "breach"),
    ({"remboursable": None}, "unknown"),
    ({"pays": "US", "emetteur": "JP Morgan Chase"}, "breach"),
    ({"pays": "CH", "emetteur": "UBS"}, "ok"),
    ({"remuneration": "monetaire"}, "ok"),
    ({"remuneration": "autre"}, "breach"),
    ({"au_nom_organisme": "non"}, "breach"),
    ({"type_emetteur": "autre"}, "breach"),  # « auprès d'un établissement de crédit »
])
def test_21_deposits(tmp_path, cols, status):
    v, st = one(tmp_path, "depot", "R139-21/depots", **cols)
    assert st == status, v.explain()


@pytest.mark.parametrize("nature, cols, status", [
    ("droit_immobilier", {}, "ok"),
    ("droit_immobilier", {"pays": "US"}, "breach"),
    ("droit_immobilier", {"pays": "CH"}, "ok"),
    ("societe_immobiliere", {"marchand_de_biens": "oui"}, "breach"),
    ("societe_immobiliere", {"forme_juridique": "SNC"}, "breach"),
    ("societe_immobiliere", {"objet_immobilier": "non"}, "breach"),
    ("societe_immobiliere", {"objet_immobilier": None}, "unknown"),
    ("societe_immobiliere", {"pays": "US"}, "breach"),
])
def test_22_real_estate(tmp_path, nature, cols, status):
    v, st = one(tmp_path, nature, "R139-22/immobilier", **cols)
    assert st == status, v.explain()


@pytest.mark.parametrize("nature, cols, status", [
    ("action", {"conservation": "non"}, "breach"),
    ("action", {"conservation": None}, "unknown"),
    ("droit_immobilier", {"actes_en_france": "non"}, "breach"),
    ("droit_immobilier", {"actes_en_france": None}, "unknown"),
])
def test_23_custody_and_deeds_in_france(tmp_path, nature, cols, status):
    v, st = one(tmp_path, nature, "R139-23/conservation", **cols)
    assert st == status, v.explain()


@pytest.mark.parametrize("form, loss, status", [("SCI", "non", "breach"), ("SCI", None, "unknown"),
                                                ("SCI", "oui", "ok"), ("GIE", None, "unknown"), ("SAS", None, "ok")])
def test_24_limited_loss(tmp_path, form, loss, status):
    v, st = one(tmp_path, "societe_immobiliere", "R139-24/perte-limitee", forme_juridique=form, perte_limitee=loss)
    assert st == status, v.explain()


def test_18_accrued_interest_is_part_of_the_value(tmp_path):
    """R. 139-18 last paragraph (RR 3): 4,99 % of bonds plus 0,02 % of accrued interest is above 5 %."""
    b = company("obligation", pct("0.0499"), 1, coupon_couru=pct("0.0002"))
    v = check(case(tmp_path, fill([b])))
    assert v["R139-45/entite-max5"] == "breach", v.explain()


# ---------------------------------------------------------------- contracts (R. 139-37 to R. 139-40)

ISIN_BOND = "FR0000131104"


def hedge_case(tmp_path, notional, **cols):
    bond = company("obligation", pct("0.03"), 1, isin=ISIN_BOND)
    fut = dict(type_contrat="future", type_sous_jacent="taux", sous_jacent=ISIN_BOND, notionnel=notional,
               exposition=-notional, contrepartie="Eurex Clearing", cotation="eee", sous_jacent_detenu=None)
    fut.update(cols)
    return check(case(tmp_path, fill([bond]) + [line("contrat_financier", 0, "Future de couverture", **fut)]))


@pytest.mark.parametrize("delta, status", [(Decimal(0), "ok"), (C, "breach")])
def test_37_a_hedge_of_a_held_bond_at_most_its_amount(tmp_path, delta, status):
    v = hedge_case(tmp_path, pct("0.03") + delta)
    assert v["R139-37/adossement"] == status, v.explain()


def test_37_a_contract_on_nothing_held_breaches(tmp_path):
    v = hedge_case(tmp_path, 1_000, sous_jacent="FR0000120073", sous_jacent_detenu="non")
    assert v["R139-37/adossement"] == "breach", v.explain()


def test_37_a_contract_on_commodities_breaches(tmp_path):
    v = hedge_case(tmp_path, 1_000, type_sous_jacent="marchandise", sous_jacent="Brent", sous_jacent_detenu="oui")
    assert v["R139-37/adossement"] == "breach", v.explain()


def test_37_an_otc_contract_breaches_the_markets_rule(tmp_path):
    v = hedge_case(tmp_path, 1_000, cotation="aucune", contrepartie="Banque A", type_contrat="swap")
    assert v["R139-37/marches"] == "breach", v.explain()


def test_37_a_contract_without_listing_is_not_ok(tmp_path):
    v = hedge_case(tmp_path, 1_000, cotation=None)
    assert v["R139-37/marches"] in ("unknown", "breach"), v.explain()


def test_38_a_written_option_on_what_is_not_held_breaches(tmp_path):
    v = hedge_case(tmp_path, 1_000, type_contrat="option_vendue", sous_jacent="FR0000120073",
                   sous_jacent_detenu="non")
    assert v["R139-38/ventes-options"] == "breach", v.explain()


def test_38_a_written_option_on_the_exact_underlying_held_is_ok(tmp_path):
    v = hedge_case(tmp_path, 1_000, type_contrat="option_vendue")
    assert v["R139-38/ventes-options"] == "ok", v.explain()


@pytest.mark.parametrize("nature, rule", [("cession_temporaire", "R139-40/pensions-emprunts"),
                                          ("emprunt", "R139-40/pensions-emprunts"),
                                          ("certificat", "R139-40/certificats")])
def test_40_forbidden_operations(tmp_path, nature, rule):
    v, st = one(tmp_path, nature, rule)
    assert st == "breach", v.explain()
    v, st = one(tmp_path, nature, rule, "--regime-simplifie")
    assert st == "breach", v.explain()


def test_40_2_a_forward_whose_underlying_is_not_held_breaches(tmp_path):
    v = hedge_case(tmp_path, 1_000, type_contrat="terme", sous_jacent="FR0000120073", sous_jacent_detenu="non",
                   exposition=1_000)
    assert v["R139-40/terme-couvert"] == "breach", v.explain()


def test_40_dedicated_funds_are_bound_too(tmp_path):
    lines = fill([line("organisme_dedie", pct("0.04"), "Dédié Taux")])
    holdings = [company("obligation", 500, 2), line("cession_temporaire", 500, "Pension livrée (dédié)")]
    v = check(case(tmp_path, lines, funds={"Dédié Taux": holdings}))
    assert v["R139-40/pensions-emprunts"] == "breach", v.explain()


@pytest.mark.parametrize("column", ["prix_fiable", "information", "negociable"])
def test_20_a_listed_security_declared_without_price_information_or_negotiability_breaches(tmp_path, column):
    """RR 17: R. 139-20 is presumed for listed securities; a « non » declared by the user is never overridden."""
    v, st = one(tmp_path, "action", "R139-20/qualite", **{column: "non"})
    assert st == "breach", v.explain()
    v, st = one(tmp_path, "action", "R139-20/qualite", **{column: "oui"})
    assert st == "ok", v.explain()
