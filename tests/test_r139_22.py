"""R. 139-21 to R. 139-24: deposits, real estate, custody, limited loss (RR 16, 18)."""

from __future__ import annotations

from r139 import ballast, held, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


def test_deposit_conditions():
    assert status(verdict(ln("depot", 10_000), *states(990_000)), "R139-21/depots") == "ok"
    assert status(verdict(ln("depot", 10_000, remboursable="non"), *states(990_000)), "R139-21/depots") == "breach"
    assert status(verdict(ln("depot", 10_000, pays="US"), *states(990_000)), "R139-21/depots") == "breach"
    assert status(verdict(ln("depot", 10_000, remuneration="autre"), *states(990_000)), "R139-21/depots") == "breach"
    assert status(verdict(ln("depot", 10_000, au_nom_organisme=None), *states(990_000)), "R139-21/depots") == "unknown"


def test_a_dedicated_funds_deposit_is_in_the_funds_name():
    v = verdict(ln("organisme_dedie", 10_000, label="D"), *states(990_000),
                funds={"D": [held("depot", 10, au_nom_organisme="non")]})
    assert status(v, "R139-21/depots") == "ok"


def test_snc_and_property_dealers_are_excluded_and_a_societe_civile_must_show_limited_loss():
    assert status(verdict(ln("societe_immobiliere", 10_000, forme_juridique="SNC"), *states(990_000)),
                  "R139-22/immobilier") == "breach"
    assert status(verdict(ln("societe_immobiliere", 10_000, marchand_de_biens="oui"), *states(990_000)),
                  "R139-22/immobilier") == "breach"
    sci = ln("societe_immobiliere", 10_000, forme_juridique="SCI")
    assert status(verdict(sci, *states(990_000)), "R139-24/perte-limitee") == "unknown"
    assert status(verdict(dict(sci, perte_limitee="oui"), *states(990_000)), "R139-24/perte-limitee") == "ok"
    assert status(verdict(dict(sci, perte_limitee="non"), *states(990_000)), "R139-24/perte-limitee") == "breach"


def test_custody_and_repos():
    assert status(verdict(ln("action", 10_000, conservation="non"), *states(990_000)),
                  "R139-23/conservation") == "breach"
    assert status(verdict(ln("cession_temporaire", 10_000), *states(990_000)), "R139-40/pensions-emprunts") == "breach"
    assert status(verdict(ln("certificat", 10_000), *states(990_000)), "R139-40/certificats") == "breach"
    assert status(verdict(ln("action", -10_000), *states(1_010_000)), "R139-40/ventes-decouvert") == "breach"


def test_a_dedicated_funds_overdraft_is_a_borrowing():
    v = verdict(ln("organisme_dedie", 10_000, label="D"), *states(990_000),
                funds={"D": [held("titre_etat", 11_000), held("depot", -1_000)]})
    assert status(v, "R139-40/pensions-emprunts") == "breach"
    assert status(v, "R139-40/ventes-decouvert") == "ok"
