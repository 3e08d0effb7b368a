"""R. 623-3: the eligible assets (I to III) and the common provisions (IV).

« Les fonds […] affectés aux réserves des risques gérés ne peuvent être placés
que sous la forme des actifs énumérés aux I, II et III du présent article et
dans les conditions prévues au IV. »
"""

from __future__ import annotations

import datetime as dt

import pytest

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from helpers import B, ballast, eur, findings, limit, line, portfolio, share_of, status, verdict

ELIGIBLE = "R623-3/eligibilite"
EURO = "R623-3/euro-90"
CUSTODY = "R623-3/conservation"
MARKET = "R623-3/marche-reconnu"
SHORT = "R623-3/titres-court-terme"


# --------------------------------------------------------------------------- I to III: the list


@pytest.mark.parametrize("cat", ["1", "1° a)", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "IFT"])
def test_each_category_of_the_list_is_eligible(cat):
    v = verdict(line(cat, "10 000,00"), ballast("990 000,00"))
    assert status(v, ELIGIBLE) == OK


def test_asset_outside_the_list_is_to_be_sold_whole():
    v = verdict(line("AUTRE", "12 345,67", label="Lingots d'or"), ballast("987 654,33"))
    (f,) = findings(v, ELIGIBLE)
    assert f.status == BREACH and f.subject == "Lingots d'or"
    assert f.action == "sell" and f.amount == 1_234_567 and f.euros == 1_234_567
    assert "hors de la liste" in f.message
    assert v.exit_code == 1


def test_asset_outside_the_list_in_the_gestion_pocket_is_for_r623_10():
    v = verdict(line("AUTRE", "100,00", poche="gestion"), ballast("1 000,00"))
    assert status(v, ELIGIBLE) == OK  # the reserves pocket, checked line by line, holds the OAT only
    assert status(v, "R623-10/fonds-gestion") == BREACH


def test_forward_instrument_that_does_not_hedge_is_not_eligible():
    v = verdict(line("IFT", "1 000,00", couverture="non"), ballast("999 000,00"))
    assert status(v, ELIGIBLE) == BREACH


@pytest.mark.parametrize("cat", [9, 11])
def test_building_or_public_loan_outside_the_eea_is_not_eligible(cat):
    v = verdict(line(cat, "1 000,00", pays="US", label="hors EEE"), ballast("999 000,00"))
    (f,) = findings(v, ELIGIBLE)
    assert f.status == BREACH and f.subject == "hors EEE"


@pytest.mark.parametrize("cat", [9, 11])
def test_building_without_country_is_unknown_naming_the_column(cat):
    v = verdict(line(cat, "1 000,00", pays=None), ballast("999 000,00"))
    (f,) = findings(v, ELIGIBLE)
    assert f.status == UNKNOWN_S and f.columns == ["pays"] and "« pays »" in f.message


def test_eea_membership_is_read_on_the_date_of_the_check():
    """Croatia joined the EEA on 12 April 2014: a Zagreb building was not eligible in 2009."""
    zagreb = line(9, "1 000,00", pays="HR", immeuble="Zagreb")
    assert status(verdict(zagreb, ballast("999 000,00"), date=dt.date(2009, 12, 31)), ELIGIBLE) == BREACH
    assert status(verdict(zagreb, ballast("999 000,00"), date=dt.date(2016, 12, 31)), ELIGIBLE) == OK


def test_united_kingdom_was_in_the_eea_under_this_text():
    london = line(9, "1 000,00", pays="GB", immeuble="Londres")
    assert status(verdict(london, ballast("999 000,00")), ELIGIBLE) == OK


# --------------------------------------------------------------------------- IV: 90 % in euros


@pytest.mark.parametrize("delta, expected", [(-1, OK), (0, OK), (1, BREACH)], ids=["under", "at", "over"])
def test_euro_share_at_under_and_over_its_floor(delta, expected):
    """At least 90 % in euros: the non-euro part may reach 10 % and not a cent more."""
    non_euro = B - share_of(EURO) + delta
    v = verdict(line(7, eur(non_euro), devise="USD", emetteur="Apple Inc", pays="US"), ballast(eur(B - non_euro)))
    res = v.result(EURO)
    assert res.status == expected
    if expected == BREACH:
        (f,) = res.findings
        assert f.action == "buy" and f.amount == 1


def test_dollar_asset_realisable_in_euros_counts_as_euro():
    """READING 8."""
    v = verdict(line(2, "500 000,00", devise="USD", realisable_euro="oui"), ballast("500 000,00"))
    assert status(v, EURO) == OK
    v = verdict(line(2, "500 000,00", devise="USD", realisable_euro="non"), ballast("500 000,00"))
    assert status(v, EURO) == BREACH
    v = verdict(line(2, "500 000,00", devise="USD", realisable_euro=None), ballast("500 000,00"))
    assert status(v, EURO) == BREACH  # default: `devise` is EUR


def test_excluded_cash_stays_inside_the_euro_base():
    """READING 3: excluded cash leaves the R. 623-10-1 base but not the 90 % of R. 623-3 IV.

    Reserves 1 000 000 €, of which 100 000 € excluded euro cash and 100 000 € in dollars: 90 % of the
    whole pocket is in euros (ok); on the base without the cash it would be 88,9 %.
    """
    non_euro = B - share_of(EURO)
    cash = line(13, eur(non_euro), emetteur="Banque Postale", exclusion="echeance_trimestrielle")
    usd = line(7, eur(non_euro), devise="USD", emetteur="Apple Inc", pays="US")
    v = verdict(cash, usd, ballast(eur(B - 2 * non_euro)))
    assert v.total == B and v.base == B - non_euro
    assert status(v, EURO) == OK
    v = verdict(cash, line(7, eur(non_euro + 1), devise="USD", emetteur="Apple Inc", pays="US"),
                ballast(eur(B - 2 * non_euro - 1)))
    assert status(v, EURO) == BREACH


def test_euro_share_ignores_the_gestion_pocket():
    v = verdict(line(7, "1 000 000,00", devise="USD", poche="gestion"), ballast("1 000,00"))
    assert status(v, EURO) == OK


def test_accrued_interest_is_part_of_the_line():
    """R. 623-3 IV and READING 1: value = market value + accrued interest."""
    non_euro = B - share_of(EURO)
    usd = line(2, eur(non_euro - 100), devise="USD", coupon_couru="1,00")
    v = verdict(usd, ballast(eur(B - non_euro)))
    assert v.total == B and status(v, EURO) == OK
    usd["coupon_couru"] = "1,01"
    assert status(verdict(usd, ballast(eur(B - non_euro))), EURO) == BREACH


# --------------------------------------------------------------------------- IV: custody


@pytest.mark.parametrize("cat", [1, 2, 3, 4, 5, 6, 7, 8, 10])
def test_securities_not_in_custody_are_a_breach(cat):
    v = verdict(line(cat, "1 000,00", conservation="non", label="titre au porteur"), ballast("999 000,00"))
    (f,) = findings(v, CUSTODY)
    assert f.status == BREACH and f.subject == "titre au porteur" and f.amount == 100_000


@pytest.mark.parametrize("cat", [1, 7, 10])
def test_custody_left_empty_is_unknown_naming_the_column(cat):
    v = verdict(line(cat, "1 000,00", conservation=None), ballast("999 000,00"))
    (f,) = findings(v, CUSTODY)
    assert f.status == UNKNOWN_S and f.columns == ["conservation"]
    assert v.status == UNKNOWN_S


@pytest.mark.parametrize("cat", [9, 11, 12, 13, "IFT"])
def test_custody_is_not_asked_of_buildings_loans_deposits_and_forwards(cat):
    v = verdict(line(cat, "1 000,00", conservation="non"))
    assert status(v, CUSTODY) == NA


def test_custody_applies_in_the_gestion_pocket_too():
    v = verdict(line(2, "1 000,00", conservation="non", poche="gestion"), ballast("1 000,00"))
    assert status(v, CUSTODY) == BREACH


def test_custody_column_absent_makes_every_security_unknown():
    lines = [line(2, "1 000,00"), ballast("999 000,00")]
    for ln in lines:
        del ln["conservation"]
    v = verdict(*lines)
    assert status(v, CUSTODY) == UNKNOWN_S
    assert all(f.columns == ["conservation"] for f in findings(v, CUSTODY))
    assert len(findings(v, CUSTODY)) == 2


# --------------------------------------------------------------------------- I: recognised market


@pytest.mark.parametrize("cat", [2, 7])
def test_bonds_and_shares_off_a_recognised_market_are_a_breach(cat):
    v = verdict(line(cat, "1 000,00", marche_reconnu="non"), ballast("999 000,00"))
    assert status(v, MARKET) == BREACH


@pytest.mark.parametrize("cat", [2, 3, 4, 7])
def test_recognised_market_left_empty_is_unknown(cat):
    v = verdict(line(cat, "1 000,00", marche_reconnu=None), ballast("999 000,00"))
    (f,) = findings(v, MARKET)
    assert f.status == UNKNOWN_S and f.columns == ["marche_reconnu"]


@pytest.mark.parametrize("cat", [3, 4])
def test_short_term_paper_needs_an_issuer_seated_in_the_oecd(cat):
    """READING 11."""
    assert status(verdict(line(cat, "1 000,00", pays="US"), ballast("999 000,00")), MARKET) == OK
    assert status(verdict(line(cat, "1 000,00", pays="CN"), ballast("999 000,00")), MARKET) == BREACH
    (f,) = findings(verdict(line(cat, "1 000,00", pays=None), ballast("999 000,00")), MARKET)
    assert f.status == UNKNOWN_S and f.columns == ["pays"]


def test_oecd_membership_is_read_on_the_date_of_the_check():
    """Chile joined the OECD on 7 May 2010."""
    paper = line(3, "1 000,00", pays="CL")
    assert status(verdict(paper, ballast("999 000,00"), date=dt.date(2009, 12, 31)), MARKET) == BREACH
    assert status(verdict(paper, ballast("999 000,00"), date=dt.date(2010, 5, 7)), MARKET) == OK


@pytest.mark.parametrize("cat", [1, 5, 6, 8, 9, 13])
def test_recognised_market_is_not_asked_of_other_categories(cat):
    v = verdict(line(cat, "1 000,00", marche_reconnu="non", pays="FR"))
    assert status(v, MARKET) == NA


# --------------------------------------------------------------------------- 3°: one year at most


@pytest.mark.parametrize("days, expected", [(364, OK), (365, OK), (366, BREACH)])
def test_short_term_paper_of_one_year_at_most(days, expected):
    v = verdict(line(3, "1 000,00", duree_jours=days), ballast("999 000,00"))
    assert status(v, SHORT) == expected
    if expected == BREACH:
        (f,) = findings(v, SHORT)
        assert f.value == days and f.limit == 365 and f.amount == 100_000


def test_short_term_paper_without_term_is_unknown():
    v = verdict(line(3, "1 000,00", duree_jours=None), ballast("999 000,00"))
    (f,) = findings(v, SHORT)
    assert f.status == UNKNOWN_S and f.columns == ["duree_jours"]


def test_missing_data_is_never_ok():
    """READING 9: a line of 4° with nothing but the required columns cannot pass."""
    pf = portfolio({"libelle": "BMTN", "categorie": "4", "valeur": "1 000,00", "devise": "EUR"},
                   {"libelle": "OAT", "categorie": "1", "valeur": "999 000,00", "devise": "EUR"})
    from constraints.checker import check

    v = check(pf, date=dt.date(2016, 12, 31))
    assert v.status == UNKNOWN_S and v.exit_code == 3
    for rule_id in (CUSTODY, MARKET, "R623-5/bmtn", "R623-10-1/emetteur-max5", "R623-10-1/detention-max10"):
        assert status(v, rule_id) == UNKNOWN_S, rule_id
    assert not [r for r in v.results if r.status == OK and r.spec.kind == "line_conditions"
                and r.spec.id not in (ELIGIBLE, "R623-7/societes-immobilieres")]
