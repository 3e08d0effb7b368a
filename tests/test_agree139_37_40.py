"""R. 139-37 to R. 139-40, financial contracts and forbidden operations: on one situation per rule, the checker,
the pre-trade engine after the orders, the optimizer and the report agree (tests/agreement_r139.py). These are
conditions on lines: the optimizer has no row for them but closes or sells the line in breach, and its proposal,
re-checked, keeps the rule. A contract's value is 0 € (a future margined daily): what moves the verdict is the
position it hedges, sold in part by an order."""

from __future__ import annotations

import pytest

from agreement_r139 import agree139, bought, line, sold_out, with_states

WHY = {"R139-40/ventes-decouvert": "a short position is refused by the reader and by the engine: no file breaks it"}

ISIN = "FR0000131104"
# a hedge beyond what it covers fails R. 139-37 (so R. 139-39: to unwind in three months) and, a forward sale of
# more than is held, R. 139-40 2°
R139_37_TIES = ["R139-39/denouement-3-mois", "R139-40/terme-couvert"]
BOND = 310_000


def hedged(notional, **cols) -> object:
    """A bond of 310 000 € and a future selling `notional` euros of it; the order sells 10 000 € of the bond."""
    bond = line("obligation", BOND, "Obligation Société 1", isin=ISIN, emetteur="Société 1", groupe="GRP-1")
    fut = dict(type_contrat="future", type_sous_jacent="taux", sous_jacent=ISIN, notionnel=notional,
               exposition=-notional, contrepartie="Eurex Clearing", cotation="eee", sous_jacent_detenu=None)
    fut.update(cols)
    return with_states(bond, line("contrat_financier", 0, "Future de couverture", **fut),
                       orders=[{"libelle": "Obligation Société 1", "montant": -10_000}])


def test_37_adossement_the_hedge_outgrows_the_bond_sold_in_part(tmp_path):
    agree139("R139-37/adossement", hedged(300_000.01), expect="breach", tmp=tmp_path, cli=True, also=R139_37_TIES)


def test_37_adossement_a_hedge_of_exactly_the_bond_left(tmp_path):
    agree139("R139-37/adossement", hedged(300_000), expect="ok", tmp=tmp_path)


def test_37_marches_an_over_the_counter_swap(tmp_path):
    sit = hedged(100_000, cotation="aucune", contrepartie="Banque A", type_contrat="swap")
    agree139("R139-37/marches", sit, expect="breach", tmp=tmp_path, also=["R139-39/denouement-3-mois"])


def test_37_marches_a_future_on_a_regulated_market(tmp_path):
    agree139("R139-37/marches", hedged(100_000), expect="ok", tmp=tmp_path)


def test_38_ventes_options_a_written_option_on_what_is_not_held(tmp_path):
    sit = hedged(1_000, type_contrat="option_vendue", sous_jacent="FR0000120073", sous_jacent_detenu="non")
    agree139("R139-38/ventes-options", sit, expect="breach", tmp=tmp_path,
             also=["R139-37/adossement", "R139-39/denouement-3-mois"])


def test_38_ventes_options_a_written_option_on_the_bond_held(tmp_path):
    agree139("R139-38/ventes-options", hedged(1_000, type_contrat="option_vendue"), expect="ok", tmp=tmp_path)


def test_39_denouement_a_contract_on_nothing_held_is_to_unwind(tmp_path):
    sit = hedged(1_000, sous_jacent="FR0000120073", sous_jacent_detenu="non")
    agree139("R139-39/denouement-3-mois", sit, expect="breach", tmp=tmp_path,
             also=["R139-37/adossement", "R139-40/terme-couvert"])


def test_39_denouement_a_contract_within_r139_37(tmp_path):
    agree139("R139-39/denouement-3-mois", hedged(300_000), expect="ok", tmp=tmp_path)


def test_40_pensions_emprunts_a_repo_bought(tmp_path):
    agree139("R139-40/pensions-emprunts", bought("cession_temporaire", "Pension livrée"), expect="breach",
             tmp=tmp_path)


def test_40_pensions_emprunts_the_repo_unwound(tmp_path):
    agree139("R139-40/pensions-emprunts", sold_out(line("cession_temporaire", 200_000, "Pension livrée")),
             expect="ok", tmp=tmp_path)


def test_40_terme_couvert_a_forward_sale_of_what_is_not_held(tmp_path):
    sit = hedged(1_000, type_contrat="terme", sous_jacent="FR0000120073", sous_jacent_detenu="non")
    agree139("R139-40/terme-couvert", sit, expect="breach", tmp=tmp_path,
             also=["R139-37/adossement", "R139-39/denouement-3-mois"])


def test_40_terme_couvert_a_forward_sale_of_the_bond_held(tmp_path):
    agree139("R139-40/terme-couvert", hedged(300_000, type_contrat="terme"), expect="ok", tmp=tmp_path)


def test_40_ventes_decouvert_a_short_position_is_refused_before_any_rule(tmp_path):
    """A short sale cannot be in a file the reader accepts (exit 2, in French, naming sheet, row, column) nor be
    made by an order (the engine refuses to sell more than is held): the rule is kept by its inputs."""
    from reserves.portfolio.errors import InputError
    from reserves.pretrade.r139 import Engine139, orders_from_records139

    from agreement_r139 import DATE, load, write

    sit = with_states(line("action", 100_000, "Actions Air Liquide"))
    pf = load(write(tmp_path / "p.xlsx", sit.lines))
    with pytest.raises(InputError, match="supérieure à la valeur détenue"):
        Engine139(pf, as_of=DATE).apply_all(orders_from_records139([{"libelle": "Actions Air Liquide",
                                                                      "montant": -100_000.01}]))
    short = with_states(line("action", -100_000, "Actions Air Liquide"))
    with pytest.raises(InputError, match=r"Feuille « Portefeuille », ligne \d+, colonne C \(valeur\) : valeur négative"):
        load(write(tmp_path / "court.xlsx", short.lines))


def test_40_ventes_decouvert_a_share_sold_exactly_to_nothing(tmp_path):
    agree139("R139-40/ventes-decouvert", sold_out(line("action", 100_000, "Actions Air Liquide")), expect="ok",
             tmp=tmp_path)


def test_40_certificats_a_gold_certificate_bought(tmp_path):
    agree139("R139-40/certificats", bought("certificat", "Certificat or"), expect="breach", tmp=tmp_path,
             also=["R139-18/eligibilite"])  # a certificate is in none of R. 139-18's 1° to 9°


def test_40_certificats_the_certificate_sold(tmp_path):
    agree139("R139-40/certificats", sold_out(line("certificat", 200_000, "Certificat or")), expect="ok", tmp=tmp_path)
