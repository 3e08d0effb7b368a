"""R. 139-46: at most 5 % of an issuer's equity and of its debt securities, seen through (RR 9)."""

from __future__ import annotations

import pytest

from r139 import ballast, held, ln, status, verdict


def states(e):
    return [ballast(e // 2, label="OAT"), ballast(e - e // 2, label="Bund", emetteur="Allemagne", pays="DE")]


@pytest.mark.parametrize("qty, expected", [(50, "ok"), (51, "breach")])
def test_share_of_an_issuers_equity_at_and_over_5_percent(qty, expected):
    # 1 000 shares issued at 100 €: holding 50 is 5 %
    v = verdict(ln("action", qty * 100, quantite=qty, quantite_emise=1000, emetteur="PME SA", groupe="PME"),
                *states(1_000_000))
    assert status(v, "R139-46/capital-max5") == expected


def test_the_issue_is_every_isin_once_and_the_outstanding_may_replace_it():
    a = ln("obligation", 3_000, isin="FR0000120271", quantite=30, quantite_emise=1000, emetteur="Émetteur",
           groupe="E")
    b = ln("obligation", 3_000, isin="FR0000121014", quantite=30, quantite_emise=1000, emetteur="Émetteur",
           groupe="E")
    assert status(verdict(a, b, *states(1_000_000)), "R139-46/creances-max5") == "ok"  # 6 000 / 200 000 = 3 %
    c = ln("obligation", 6_000, emetteur="Émetteur 2", groupe="E2", quantite=None, quantite_emise=None,
           encours_emetteur=100_000)
    assert status(verdict(c, *states(1_000_000)), "R139-46/creances-max5") == "breach"  # 6 %


def test_missing_quantities_are_unknown_and_state_paper_and_fonds_mutualises_are_exempt():
    v = verdict(ln("action", 1_000, quantite=None, quantite_emise=None), *states(1_000_000))
    assert status(v, "R139-46/capital-max5") == "unknown"
    v = verdict(ln("titre_etat", 100_000, quantite=100, quantite_emise=100), *states(900_000))
    assert status(v, "R139-46/creances-max5") in ("ok", "not_applicable")
    fm = ln("fonds_mutualise", 10_000, label="FM")
    v = verdict(fm, *states(990_000), funds={"FM": [held("action", 10_000, quantite=100, quantite_emise=100,
                                                         emetteur="Cible", groupe="C")]})
    assert status(v, "R139-46/capital-max5") in ("ok", "not_applicable")
