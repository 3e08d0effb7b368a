"""R. 139-18 to R. 139-24, the line conditions (eligible assets, listing, quality, deposits, real estate, custody,
limited loss): on one situation per rule, the checker, the pre-trade engine after the orders, the optimizer and
the report agree (tests/agreement_r139.py). A line condition has no optimizer row — a line either meets it or
not — so the optimizer proves what does apply: it sells the lines in breach, and its proposal, re-checked, keeps
the rule. Each breach is a purchase by order of a line failing the condition; each « ok » the same purchase of a
line at the edge of the condition."""

from __future__ import annotations

from agreement_r139 import agree139, bought


def test_18_eligibilite_an_asset_outside_the_list_bought(tmp_path):
    agree139("R139-18/eligibilite", bought("autre", "Créance commerciale"), expect="breach", tmp=tmp_path, cli=True)


def test_18_eligibilite_a_tcn_of_an_oecd_issuer_is_in_the_list(tmp_path):
    agree139("R139-18/eligibilite", bought("tcn", "Billet MUFG", pays="JP", emetteur="MUFG", groupe="MUFG"),
             expect="ok", tmp=tmp_path)


def test_19_cotation_an_unlisted_share_bought(tmp_path):
    sit = bought("action", "Actions non cotées", cotation="aucune", prix_fiable="oui", information="oui",
                 negociable="oui")
    agree139("R139-19/cotation", sit, expect="breach", tmp=tmp_path)


def test_19_cotation_a_share_listed_in_the_oecd_only_is_admitted(tmp_path):
    sit = bought("action", "Actions Toyota", cotation="ocde", pays="JP", emetteur="Toyota", groupe="TOYOTA")
    agree139("R139-19/cotation", sit, expect="ok", tmp=tmp_path)


def test_20_qualite_a_security_declared_without_a_reliable_price(tmp_path):
    agree139("R139-20/qualite", bought("action", "Actions sans prix", prix_fiable="non"), expect="breach",
             tmp=tmp_path)


def test_20_qualite_an_unlisted_state_tcn_with_its_three_qualities_declared(tmp_path):
    """A TCN of the French State, unlisted (assimilated by R. 139-19 II), its price, information and
    negotiability declared: R. 139-20 is met without the presumption of a listing (RR 17)."""
    sit = bought("tcn", "BTF non coté", cotation="aucune", type_emetteur="etat", emetteur="République française",
                 groupe=None, prix_fiable="oui", information="oui", negociable="oui")
    agree139("R139-20/qualite", sit, expect="ok", tmp=tmp_path)


def test_21_depots_a_deposit_that_cannot_be_withdrawn(tmp_path):
    agree139("R139-21/depots", bought("depot", "Dépôt bloqué", remboursable="non"), expect="breach", tmp=tmp_path)


def test_21_depots_a_deposit_with_a_swiss_bank(tmp_path):
    agree139("R139-21/depots", bought("depot", "Dépôt UBS", pays="CH", emetteur="UBS", groupe="UBS"), expect="ok",
             tmp=tmp_path)


def test_22_immobilier_a_building_outside_the_eea(tmp_path):
    sit = bought("droit_immobilier", "Immeuble New York", pays="US", immeuble="IMM-NY")
    agree139("R139-22/immobilier", sit, expect="breach", tmp=tmp_path)


def test_22_immobilier_a_building_in_switzerland(tmp_path):
    sit = bought("droit_immobilier", "Immeuble Genève", pays="CH", immeuble="IMM-GE")
    agree139("R139-22/immobilier", sit, expect="ok", tmp=tmp_path)


def test_23_conservation_a_share_not_held_in_custody(tmp_path):
    agree139("R139-23/conservation", bought("action", "Actions au porteur", conservation="non"), expect="breach",
             tmp=tmp_path)


def test_23_conservation_a_building_whose_deeds_are_in_france(tmp_path):
    sit = bought("droit_immobilier", "Immeuble Lille", immeuble="IMM-LILLE", actes_en_france="oui")
    agree139("R139-23/conservation", sit, expect="ok", tmp=tmp_path)


def test_24_perte_limitee_a_civil_company_whose_loss_is_not_limited(tmp_path):
    sit = bought("societe_immobiliere", "SCI Marseille", forme_juridique="SCI", perte_limitee="non",
                 emetteur="SCI Marseille", groupe="SCI Marseille", immeuble="SCI-MRS")
    agree139("R139-24/perte-limitee", sit, expect="breach", tmp=tmp_path)


def test_24_perte_limitee_a_civil_company_that_shows_its_loss_is_limited(tmp_path):
    sit = bought("societe_immobiliere", "SCI Marseille", forme_juridique="SCI", perte_limitee="oui",
                 emetteur="SCI Marseille", groupe="SCI Marseille", immeuble="SCI-MRS")
    agree139("R139-24/perte-limitee", sit, expect="ok", tmp=tmp_path)
