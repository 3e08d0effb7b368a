"""R. 623-9: deposits (13°) with a credit institution licensed in the EEA, term at most one year
or withdrawal notice at most three months."""

from __future__ import annotations

import pytest

from constraints.rules import BREACH, OK, UNKNOWN_S
from helpers import ballast, findings, line, status, verdict

RULE = "R623-9/depots"


def deposit(**columns):
    return verdict(line(13, "1 000,00", label="Compte à terme", **columns), ballast("999 000,00"))


def test_deposit_with_an_eea_bank_passes():
    assert status(deposit(), RULE) == OK


def test_bank_not_licensed_in_the_eea():
    (f,) = findings(deposit(etablissement_agree_eee="non"), RULE)
    assert f.status == BREACH and f.amount == 100_000


@pytest.mark.parametrize("term, notice, expected", [
    (365, None, OK), (366, None, UNKNOWN_S), (366, 90, OK), (366, 91, BREACH), (None, 90, OK),
    (None, 91, UNKNOWN_S), (None, None, UNKNOWN_S), (730, 180, BREACH), (30, 180, OK)])
def test_term_of_one_year_or_notice_of_three_months(term, notice, expected):
    v = deposit(duree_jours=term, preavis_jours=notice)
    assert status(v, RULE) == expected
    if expected == UNKNOWN_S:
        (f,) = findings(v, RULE)
        missing = [c for c, x in (("duree_jours", term), ("preavis_jours", notice)) if x is None]
        assert f.columns == missing


def test_unknown_bank_licence_names_the_column():
    (f,) = findings(deposit(etablissement_agree_eee=None), RULE)
    assert f.status == UNKNOWN_S and f.columns == ["etablissement_agree_eee"]
