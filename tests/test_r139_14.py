"""R. 139-14 and R. 139-15: the régime simplifié (RR 19)."""

from __future__ import annotations

from r139 import ballast, held, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


def test_listed_state_bonds_tcn_and_deposits_are_admitted_equity_is_not():
    v = verdict(*states(900_000), ln("tcn", 50_000), ln("depot", 50_000), simplified=True)
    assert status(v, "R139-14/eligibilite") == "ok" and v.regime == "simplifie"
    v = verdict(*states(900_000), ln("action", 100_000), simplified=True)
    assert status(v, "R139-14/eligibilite") == "breach"
    v = verdict(*states(900_000), ln("obligation", 100_000), simplified=True)  # a corporate bond
    assert status(v, "R139-14/eligibilite") == "breach"


def test_real_estate_and_fonds_mutualises_at_most_15_percent():
    v = verdict(*states(850_000), ln("droit_immobilier", 150_000), simplified=True)
    assert status(v, "R139-15/immobilier-max15") == "ok"
    v = verdict(*states(849_999), ln("droit_immobilier", 150_001), simplified=True)
    assert status(v, "R139-15/immobilier-max15") == "breach"
    fm = ln("fonds_mutualise", 150_001, label="FM")
    v = verdict(*states(849_999), fm, simplified=True, funds={"FM": [held("titre_etat", 1)]})
    assert status(v, "R139-15/fonds-mutualises-max15") == "breach"


def test_a_fonds_mutualise_needs_50_percent_of_r139_19_securities():
    fm = ln("fonds_mutualise", 100_000, label="FM", part_titres_eligibles="49,99 %")
    v = verdict(*states(900_000), fm, simplified=True)
    assert status(v, "R139-14/fonds-mutualises-50") == "breach"
    fm = ln("fonds_mutualise", 100_000, label="FM", part_titres_eligibles=None)
    v = verdict(*states(900_000), fm, simplified=True, funds={"FM": [held("action", 50), held("autre_fm", 50)]})
    assert status(v, "R139-14/fonds-mutualises-50") == "ok"


def test_only_the_regimes_named_are_simplified():
    lines = [ln("action", 100_000, regime="base"), *[dict(x, regime="base") for x in states(900_000)],
             ln("action", 40_000, regime="complementaire"),
             *[dict(x, regime="complementaire", libelle=x["libelle"] + " c") for x in states(960_000)]]
    v = verdict(*lines, simplified={"base"})
    assert v.regime == "mixte"
    by = {f.regime for f in v.result("R139-14/eligibilite").findings}
    assert by == {"base"}


def test_regime_names_are_matched_without_accents_or_case():
    lines = [ln("action", 100_000, regime="complementaire"),
             *[dict(x, regime="complementaire") for x in states(900_000)]]
    v = verdict(*lines, simplified={"Complémentaire"})
    assert v.regime == "simplifie" and status(v, "R139-14/eligibilite") == "breach"
