"""R. 139-37 to R. 139-40: contracts linked to investments held, on R. 139-19 I markets, written options, no repos,
covered forwards, no short sales, no certificates (RR 12)."""

from __future__ import annotations

from r139 import ballast, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


def contract(**cols):
    base = {"type_contrat": "future", "contrepartie": "LCH", "cotation": "eee", "exposition": -50_000,
            "notionnel": 50_000, "sous_jacent_detenu": None}
    base.update(cols)
    return ln("contrat_financier", 0, label=cols.pop("label", "Contrat"), **base)


def test_a_hedge_of_a_held_bond_of_at_least_the_notional():
    bond = ln("obligation", 50_000, isin="FR0000120271", emetteur="TotalEnergies", groupe="TOTAL")
    v = verdict(bond, contract(sous_jacent="FR0000120271", notionnel=50_000), *states(950_000))
    assert status(v, "R139-37/adossement") == "ok"
    v = verdict(bond, contract(sous_jacent="FR0000120271", notionnel="50000,01"), *states(950_000))
    assert status(v, "R139-37/adossement") == "breach"


def test_an_investment_to_be_held_counts_a_written_option_needs_the_exact_underlying():
    v = verdict(contract(sous_jacent_detenu="a_detenir"), *states(1_000_000))
    assert status(v, "R139-37/adossement") == "ok"
    v = verdict(contract(type_contrat="option_vendue", sous_jacent_detenu="a_detenir"), *states(1_000_000))
    assert status(v, "R139-38/ventes-options") == "breach"
    v = verdict(contract(type_contrat="option_vendue", sous_jacent_detenu="oui"), *states(1_000_000))
    assert status(v, "R139-38/ventes-options") == "ok"


def test_a_forward_sale_needs_the_underlying_a_purchase_the_cash():
    bond = ln("obligation", 50_000, isin="FR0000120271", emetteur="TotalEnergies", groupe="TOTAL")
    v = verdict(bond, contract(type_contrat="terme", sous_jacent="FR0000120271", exposition=-50_000), *states(950_000))
    assert status(v, "R139-40/terme-couvert") == "ok"
    v = verdict(contract(type_contrat="terme", exposition=40_000, notionnel=40_000, sous_jacent_detenu="a_detenir"),
                ln("depot", 40_000), *states(960_000))
    assert status(v, "R139-40/terme-couvert") == "ok"
    v = verdict(contract(type_contrat="terme", exposition=40_000, notionnel="40000,01", sous_jacent_detenu="a_detenir"),
                ln("depot", 40_000), *states(960_000))
    assert status(v, "R139-40/terme-couvert") == "breach"


def test_contracts_of_a_dedicated_fund_are_the_bodys_those_of_a_ucits_are_not():
    from r139 import held

    otc = {"type_contrat": "swap", "cotation": "aucune", "contrepartie": "BNP", "exposition": 100,
           "notionnel": 100, "sous_jacent_detenu": "oui"}
    v = verdict(ln("organisme_dedie", 10_000, label="D"), *states(990_000),
                funds={"D": [held("titre_etat", 9_000), held("contrat_financier", 0, **otc)]})
    assert status(v, "R139-37/marches") == "breach"
    v = verdict(ln("opcvm", 10_000, label="U"), *states(990_000),
                funds={"U": [held("titre_etat", 9_000), held("contrat_financier", 0, **otc)]})
    assert status(v, "R139-37/marches") == "not_applicable"
