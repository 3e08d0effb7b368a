"""Portfolios built to fool the checker, run as a user runs them: `reserves check FILE --json` on a real file,
without `--date` (the file states its date), judged on the exit code, the overall status, each rule's status and
the subjects of the findings (SPEC §3).

Each case is built from the text: a breach the law sees must never come out « conforme », and a compliant
portfolio written another way must not come out in breach.
"""

from __future__ import annotations

import json

import pytest

from helpers import line, run_cli, table, write_csv, write_ods, write_xlsx

pytestmark = pytest.mark.undated

DATED = [["Caisse de test — portefeuille"], ["Date d'arrêté : 31/12/2016"], []]
ISSUER = "R623-10-1/emetteur-max5"
HOLDING = "R623-10-1/detention-max10"
ELIGIBLE = "R623-3/eligibilite"
GESTION = "R623-10/fonds-gestion"
FLOOR = "R623-10-1/obligations-euro-min34"
SCI = "R623-7/societes-immobilieres"

# a State bond: 1°, euro, exempt from the issuer cap, in the floor
OAT = dict(emetteur="République française", pays="FR")


def oat(euros, **kw):
    return line(1, euros, label=kw.pop("label", "OAT 2030"), **(OAT | kw))


def run(tmp_path, lines, *, fmt="xlsx", title=DATED, extra_args=(), name="p"):
    rows = title + table(*lines)
    path = tmp_path / f"{name}.{fmt}"
    {"xlsx": write_xlsx, "ods": write_ods, "csv": write_csv}[fmt](path, rows)
    p = run_cli("check", str(path), "--json", *extra_args, dated=False)
    doc = json.loads(p.stdout) if p.stdout.strip() else {}
    return p.returncode, doc, p.stderr


def rule(doc, rule_id):
    (r,) = [r for r in doc["rules"] if r["id"] == rule_id]
    return r["status"]


def subjects(doc, rule_id, status=None):
    return sorted(f["subject"] for f in doc["findings"] if f["rule"] == rule_id and (status is None or f["status"] == status))


# --------------------------------------------------------------------------- one legal person, written two ways


@pytest.mark.parametrize("a, b", [
    ("BNP Paribas", "BNP Paribas SA"),
    ("Société Générale S.A.", "Société Générale SA"),
    ("SOCIETE GENERALE", "Société Générale S.A."),
    ("Total Energies SE", "TotalEnergies"),
    ("Crédit Agricole S.A.", "Credit Agricole Société anonyme"),
    ("L'Oréal", "L’OREAL SA"),
])
def test_two_spellings_of_one_issuer_add_up(tmp_path, a, b):
    code, doc, _ = run(tmp_path, [line(7, 30_000, label="Actions A", emetteur=a),
                                  line(2, 30_000, label="Obligation B", emetteur=b), oat(940_000)])
    assert code == 1 and doc["status"] == "breach"
    assert rule(doc, ISSUER) == "breach" and len(subjects(doc, ISSUER, "breach")) == 1


def test_an_lei_on_one_line_and_the_name_on_another(tmp_path):
    lei = "R0MUWSFPU8MPRO8K5P83"  # BNP Paribas SA
    code, doc, _ = run(tmp_path, [line(7, 30_000, label="Actions", emetteur="BNP Paribas", lei=lei),
                                  line(2, 30_000, label="Obligation", emetteur=lei), oat(940_000)])
    assert code == 1 and rule(doc, ISSUER) == "breach"


def test_names_linked_by_one_lei_column(tmp_path):
    lei = "R0MUWSFPU8MPRO8K5P83"
    code, doc, _ = run(tmp_path, [line(7, 30_000, label="Actions", emetteur="BNPP", lei=lei),
                                  line(2, 30_000, label="Obligation", emetteur="Banque Nationale de Paris", lei=lei),
                                  oat(940_000)])
    assert code == 1 and rule(doc, ISSUER) == "breach"


def test_look_alike_names_make_the_cap_unknown_never_ok(tmp_path):
    code, doc, _ = run(tmp_path, [line(7, 30_000, label="Actions", emetteur="BNP Paribas"),
                                  line(2, 30_000, label="Obligation", emetteur="BNP Paribas Cardif"), oat(940_000)])
    assert code == 3 and rule(doc, ISSUER) == "unknown"


def test_look_alike_names_with_two_leis_are_two_persons(tmp_path):
    code, doc, _ = run(tmp_path, [
        line(7, 30_000, label="Actions", emetteur="BNP Paribas", lei="R0MUWSFPU8MPRO8K5P83"),
        line(2, 30_000, label="Obligation", emetteur="BNP Paribas Cardif", lei="969500UP76J52A9OXU27"),
        oat(940_000)])
    assert code == 0 and rule(doc, ISSUER) == "ok"


def test_a_wrong_lei_is_bad_input(tmp_path):
    code, doc, err = run(tmp_path, [line(7, 30_000, emetteur="BNP Paribas", lei="R0MUWSFPU8MPRO8K5P84"), oat(970_000)])
    assert code == 2 and "LEI" in err and "lei" in err


def test_fonds_commun_de_placement_in_full_is_an_fcp_and_exempt(tmp_path):
    code, doc, _ = run(tmp_path, [line(8, 80_000, label="Parts", emetteur="Europe Actions",
                                       forme_juridique="Fonds commun de placement"), oat(920_000)])
    assert code == 0 and rule(doc, ISSUER) in ("ok", "not_applicable")


@pytest.mark.parametrize("form", ["Société en nom collectif", "S.N.C.", "snc", "S N C"])
def test_a_partnership_however_written_breaks_r623_7(tmp_path, form):
    code, doc, _ = run(tmp_path, [line(10, 10_000, label="Parts SNC", emetteur="Les Lilas", forme_juridique=form),
                                  oat(990_000)])
    assert code == 1 and rule(doc, SCI) == "breach" and subjects(doc, SCI) == ["Parts SNC"]


def test_a_partnership_named_so_without_legal_form_breaks_r623_7(tmp_path):
    code, doc, _ = run(tmp_path, [line(10, 10_000, label="Parts", emetteur="SNC Les Lilas", forme_juridique=None),
                                  oat(990_000)])
    assert code == 1 and rule(doc, SCI) == "breach"


# --------------------------------------------------------------------------- the holding cap


def test_half_the_shares_with_a_large_bond_issue_beside(tmp_path):
    code, doc, _ = run(tmp_path, [
        line(7, 10_000, label="Actions Renault", emetteur="Renault SA", quantite=500, quantite_emise=1000),
        line(2, 10_000, label="Obligation Renault", emetteur="Renault", quantite=100_000,
             quantite_emise=5_000_000_000), oat(980_000)])
    assert code == 1 and rule(doc, HOLDING) == "breach" and subjects(doc, HOLDING) == ["Renault SA"]


def test_the_gestion_pocket_counts_toward_the_holding_cap(tmp_path):
    code, doc, _ = run(tmp_path, [
        line(2, 10_000, label="Obligation (réserves)", emetteur="Orange", quantite=60, quantite_emise=1000,
             isin="FR0000133308"),
        line(2, 10_000, label="Obligation (gestion)", emetteur="Orange", quantite=60, quantite_emise=1000,
             isin="FR0000133308", poche="gestion"), oat(980_000)])
    assert code == 1 and rule(doc, HOLDING) == "breach"


def test_one_issue_without_isin_on_two_lines_is_counted_once(tmp_path):
    code, doc, _ = run(tmp_path, [
        line(7, 10_000, label="Actions (compte A)", emetteur="Orange", quantite=60, quantite_emise=1000, isin=None),
        line(7, 10_000, label="Actions (compte B)", emetteur="Orange", quantite=60, quantite_emise=1000, isin=None),
        oat(980_000)])
    assert code == 1 and rule(doc, HOLDING) == "breach"


# --------------------------------------------------------------------------- marks and values on the wrong lines


@pytest.mark.parametrize("cat", [1, 7, 9, 10])
def test_an_exclusion_mark_outside_deposits_is_bad_input(tmp_path, cat):
    code, doc, err = run(tmp_path, [line(cat, 300_000, exclusion="echeance_trimestrielle"), oat(700_000)])
    assert code == 2 and "exclusion" in err and "dépôt" in err


def test_an_exclusion_mark_on_a_deposit_is_accepted(tmp_path):
    code, doc, _ = run(tmp_path, [line(13, 40_000, exclusion="echeance_trimestrielle"), oat(960_000)])
    assert code == 0 and doc["base"] == 960_000


@pytest.mark.parametrize("cat", [5, 7, 8, 9, 10])
def test_accrued_interest_on_a_line_that_is_not_a_claim_is_bad_input(tmp_path, cat):
    code, doc, err = run(tmp_path, [line(cat, 10_000, coupon_couru="-5 000,00"), oat(990_000)])
    assert code == 2 and "coupon" in err


def test_accrued_interest_making_a_claim_negative_is_bad_input(tmp_path):
    code, doc, err = run(tmp_path, [line(2, 10_000, coupon_couru="-10 000,01"), oat(990_000)])
    assert code == 2 and "négati" in err


# --------------------------------------------------------------------------- a category is its whole definition


@pytest.mark.parametrize("cat, country", [(9, "US"), (11, "CH"), (12, "US"), (10, "US"), (1, "US"), (5, "US")])
def test_outside_the_eea_in_the_gestion_pocket(tmp_path, cat, country):
    code, doc, _ = run(tmp_path, [line(cat, 10_000, label="Hors EEE", pays=country, poche="gestion"), oat(990_000)])
    assert code == 1 and rule(doc, GESTION) == "breach" and "Hors EEE" in subjects(doc, GESTION)


@pytest.mark.parametrize("cat, country", [("1° a)", "US"), (8, "US"), (6, "LU"), (5, "US"), (9, "CH"), (1, None)])
def test_a_line_outside_its_category_in_the_reserves(tmp_path, cat, country):
    code, doc, _ = run(tmp_path, [line(cat, 10_000, label="Ligne", pays=country), oat(990_000)])
    assert doc["status"] != "ok" and rule(doc, ELIGIBLE) in ("breach", "unknown")
    assert rule(doc, ELIGIBLE) == ("unknown" if country is None else "breach")


def test_an_unlisted_bond_does_not_count_toward_the_floor(tmp_path):
    code, doc, _ = run(tmp_path, [line(2, 340_000, label="Obligation non cotée", marche_reconnu="non"),
                                  line(8, 660_000, label="OPCVM")])
    assert rule(doc, FLOOR) == "breach"


def test_a_us_treasury_does_not_count_toward_the_floor(tmp_path):
    code, doc, _ = run(tmp_path, [line("1° a)", 340_000, label="US Treasury", emetteur="United States", pays="US"),
                                  line(8, 660_000, label="OPCVM")])
    assert rule(doc, FLOOR) == "breach" and rule(doc, ELIGIBLE) == "breach"


def test_the_floor_is_unknown_where_unknown_lines_decide_it(tmp_path):
    code, doc, _ = run(tmp_path, [line(1, 340_000, label="Titre d'État", pays=None), line(8, 660_000, label="OPCVM")])
    assert code == 3 and rule(doc, FLOOR) == "unknown"


# --------------------------------------------------------------------------- headers close to a known column


@pytest.mark.parametrize("typo, column", [("biens_forestier", "biens_forestiers"), ("exlusion", "exclusion"),
                                          ("emeteur", "emetteur"), ("Coupon couru (€)x", None)])
def test_a_misspelled_header_is_bad_input_naming_the_column(tmp_path, typo, column):
    ln = line(10, 10_000)
    ln[typo] = "oui"
    code, doc, err = run(tmp_path, [ln, oat(990_000)])
    if column is None:
        return
    assert code == 2 and f"« {column} »" in err and typo in err


def test_a_free_column_is_kept_when_declared(tmp_path):
    ln = line(10, 10_000)
    ln["emeteur"] = "ma note"
    code, doc, err = run(tmp_path, [ln, oat(990_000)], extra_args=("--colonne-libre", "emeteur"))
    assert code == 0, err


def test_a_misspelled_forest_header_does_not_hide_a_breach(tmp_path):
    ln = line(10, 10_000, label="Groupement")
    ln["biens_forestier"] = "oui"
    code, doc, err = run(tmp_path, [ln, oat(990_000)])
    assert code == 2


# --------------------------------------------------------------------------- dated files


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_the_file_states_its_date(tmp_path, fmt):
    code, doc, _ = run(tmp_path, [oat(1_000_000)], fmt=fmt)
    assert code == 0 and doc["as_of"] == "2016-12-31" and doc["as_of_source"] == "date du fichier"
    assert doc["version"]["id"] == "R623-2002-11-01"


def test_a_date_label_and_its_value_in_two_cells(tmp_path):
    code, doc, _ = run(tmp_path, [oat(1_000_000)], title=[["date_arrete", "30/06/2010"]])
    assert code == 0 and doc["as_of"] == "2010-06-30"


def test_the_date_on_a_parameters_sheet(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table(oat(1_000_000)), after={"Paramètres": [["date_arrete", "31/12/2015"]]})
    p = run_cli("check", str(path), "--json", dated=False)
    doc = json.loads(p.stdout)
    assert p.returncode == 0 and doc["as_of"] == "2015-12-31"


@pytest.mark.parametrize("day", ["15/03/2018", "07/07/2019", "31/10/2002", "01/01/1999"])
def test_a_date_no_version_covers_is_exit_2(tmp_path, day):
    code, doc, err = run(tmp_path, [oat(1_000_000)], title=[[f"Date d'arrêté : {day}"]])
    assert code == 2 and err


def test_an_undated_file_is_dated_today_and_never_checked_against_the_old_rules(tmp_path):
    code, doc, err = run(tmp_path, [oat(1_000_000)], title=[])
    assert code == 2 and "R. 139" in err


def test_the_date_option_wins_over_the_file(tmp_path):
    code, doc, _ = run(tmp_path, [oat(1_000_000)], extra_args=("--date", "2010-01-01"))
    assert code == 0 and doc["as_of"] == "2010-01-01" and doc["as_of_source"] == "--date"
