"""The readings of the lines are rulebook data: what is a euro asset (R. 623-3 IV), what leaves the base of
R. 623-10-1 (its last paragraph), which lines bear accrued interest. Each is dated, with the text that set it,
validated at load, and the checker's verdicts follow the file."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from constraints import rulebook
from constraints.checker import Verdict
from constraints.rules import Context, build
from constraints.schema import RulebookError
from reserves.portfolio.errors import InputError
from reserves.portfolio.model import from_frame
from reserves.portfolio.readings import R623, exclusion_parser
from tests.helpers import ballast, frame, line, portfolio

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "constraints" / "versions" / "r623_2002-11-01.yaml"
DAY = dt.date(2016, 12, 31)


def original() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def load(tmp_path, doc) -> rulebook.Version:
    path = tmp_path / "r623_essai.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rulebook.load_version(path)


def refused(tmp_path, doc) -> str:
    with pytest.raises(RulebookError) as exc:
        load(tmp_path, doc)
    msg = str(exc.value)
    assert "r623_essai.yaml" in msg
    return msg


def check_with(version, pf) -> Verdict:
    ctx = Context(pf, version, DAY)
    results = [rule.evaluate(ctx) for rule in build(version, DAY)]
    return Verdict(version, DAY, results, total=ctx.total("reserves"), base=ctx.total("reserves_less_excluded"),
                   gestion_total=ctx.total("gestion"), excluded_total=ctx.total("excluded"), n_lines=ctx.n)


# --------------------------------------------------------------------------- the data


def test_the_loader_marks_lines_with_the_rulebook_readings():
    """The loader's default readings are those of the R. 623 version file, on every date it covers."""
    v = rulebook.for_date(DAY)
    assert v.line_readings() == R623
    assert v.line_readings(v.valid_from) == R623 and v.line_readings(v.valid_until) == R623
    assert portfolio(ballast(100)).readings == R623


def test_each_reading_says_its_value_its_text_and_its_date():
    v = rulebook.for_date(DAY)
    euro, ref, since = v.reading("euro_assets", DAY)
    assert euro.currencies == ["EUR"] and euro.or_flag == "realisable_euro"
    assert "R. 623-3 IV" in ref and since == dt.date(2002, 11, 1)
    excl, ref, _ = v.reading("base_exclusions", DAY)
    assert excl.marks == ["echeance_trimestrielle", "compensation_L134-1"] and excl.categories == [13]
    assert excl.pockets == ["reserves"] and "R. 623-10-1" in ref
    accrued, ref, _ = v.reading("accrued_interest", DAY)
    assert accrued.categories == [1, 2, 3, 4, 11, 12, 13] and "R. 623-3 IV" in ref
    with pytest.raises(KeyError, match="pas encore fixée"):
        v.reading("euro_assets", dt.date(2002, 10, 31))
    assert v.exclusions["values"] == excl.marks  # what a template lists


def test_a_later_value_of_a_reading_applies_from_its_date(tmp_path):
    doc = original()
    doc["readings"]["euro_assets"]["values"][dt.date(2010, 1, 1)] = {
        "reference": "texte d'essai", "currencies": ["EUR", "CHF"], "or_flag": "realisable_euro"}
    v = load(tmp_path, doc)
    assert v.line_readings(dt.date(2009, 12, 31)).euro_currencies == {"EUR"}
    assert v.line_readings(dt.date(2010, 1, 1)).euro_currencies == {"EUR", "CHF"}
    assert v.reading("euro_assets", dt.date(2012, 5, 1))[1:] == ("texte d'essai", dt.date(2010, 1, 1))


# --------------------------------------------------------------------------- validated at load


@pytest.mark.parametrize("name, key, value, said", [
    ("euro_assets", "currency", ["EUR"], "clé inconnue « values.2002-11-01.currency »"),
    ("euro_assets", "or_flag", "devise", "colonne oui/non attendue, lue « devise »"),
    ("euro_assets", "currencies", ["euro"], "code de devise ISO 4217 attendu"),
    ("base_exclusions", "pockets", ["reserve"], "poche inconnue « reserve »"),
    ("base_exclusions", "categories", [14], "catégorie inconnue « 14 »"),
    ("accrued_interest", "categories", "claims", "liste de catégories attendue"),
])
def test_a_wrong_key_or_value_of_a_reading_is_refused_with_its_name(tmp_path, name, key, value, said):
    doc = original()
    item = doc["readings"][name]["values"][dt.date(2002, 11, 1)]
    if key == "currency":
        item.pop("currencies")
    item[key] = value
    msg = refused(tmp_path, doc)
    assert f"lecture « {name} »" in msg and said in msg, msg


def test_an_unknown_or_missing_reading_is_refused(tmp_path):
    doc = original()
    doc["readings"]["euro_asset"] = doc["readings"].pop("euro_assets")
    assert "lecture « euro_asset » : clé inconnue « euro_asset »" in refused(tmp_path, doc)
    doc = original()
    del doc["readings"]["accrued_interest"]
    assert "clé manquante « accrued_interest »" in refused(tmp_path, doc)
    doc = original()
    del doc["readings"]
    assert "clé manquante « readings »" in refused(tmp_path, doc)
    doc = original()
    doc["readings"]["base_exclusions"]["values"] = {"bientôt": doc["readings"]["base_exclusions"]["values"]}
    assert "date de prise d'effet attendue" in refused(tmp_path, doc)


# --------------------------------------------------------------------------- the verdicts follow the file


def _euro_case(chf_euros: int):
    """900 of euro assets and `chf_euros` in Swiss francs, not marked realisable in euros."""
    return portfolio(ballast(900), line(1, chf_euros, devise="CHF", realisable_euro="non"))


@pytest.mark.parametrize("chf, expected", [(99, "ok"), (100, "ok"), (101, "breach")])
def test_euro_floor_at_below_and_above_its_limit(chf, expected):
    v = check_with(rulebook.for_date(DAY), _euro_case(chf))
    assert v.result("R623-3/euro-90").status == expected


def test_what_is_a_euro_asset_is_read_from_the_rulebook(tmp_path):
    """A version that reads Swiss francs as euro assets counts them, although the loader marked the line with the
    R. 623 readings: the checker marks the lines again with the version's."""
    pf = _euro_case(101)
    assert not pf.lines["euro"].iloc[1]
    doc = original()
    doc["readings"]["euro_assets"]["values"][dt.date(2002, 11, 1)]["currencies"] = ["EUR", "CHF"]
    v = load(tmp_path, doc)
    assert check_with(v, pf).result("R623-3/euro-90").status == "ok"
    assert check_with(rulebook.for_date(DAY), pf).result("R623-3/euro-90").status == "breach"


def test_what_leaves_the_base_is_read_from_the_rulebook(tmp_path):
    """A version whose exclusions leave no pocket out keeps the marked deposit in the base (and in the 5 % per
    issuer cap)."""
    pf = portfolio(ballast(900), line(13, 60, exclusion="echeance_trimestrielle"))
    in_force = check_with(rulebook.for_date(DAY), pf)
    assert in_force.excluded_total == 6000 and in_force.base == 90000
    assert in_force.result("R623-10-1/emetteur-max5").status == "not_applicable"  # no line in the base to cap
    doc = original()
    doc["readings"]["base_exclusions"]["values"][dt.date(2002, 11, 1)]["pockets"] = ["gestion"]
    other = check_with(load(tmp_path, doc), pf)
    assert other.excluded_total == 0 and other.base == 96000
    assert other.result("R623-10-1/emetteur-max5").status == "breach"  # 60 of 960 > 5 %


# --------------------------------------------------------------------------- the loader applies them


@pytest.mark.parametrize("written, mark", [
    ("echeance_trimestrielle", "echeance_trimestrielle"), ("Échéance trimestrielle", "echeance_trimestrielle"),
    ("echeance", "echeance_trimestrielle"), ("compensation L. 134-1", "compensation_L134-1"),
    ("Compensation", "compensation_L134-1"),
])
def test_exclusion_marks_as_users_write_them(written, mark):
    assert exclusion_parser(R623)(written) == mark


def test_an_unknown_exclusion_mark_names_the_expected_ones():
    with pytest.raises(InputError, match="exclusion inconnue : attendu echeance_trimestrielle ou compensation_L134-1"):
        portfolio(ballast(900), line(13, 60, exclusion="trimestre"))


def test_accrued_interest_outside_the_claims_names_them():
    with pytest.raises(InputError, match=r"seules les créances \(1° à 4° et 11° à 13°\)"):
        portfolio(ballast(900), line(7, 60, coupon_couru="1,00"))


def test_an_exclusion_mark_outside_the_deposits_is_bad_input():
    with pytest.raises(InputError, match="marque d'exclusion sur une ligne qui n'est pas un dépôt"):
        portfolio(ballast(900), line(3, 60, exclusion="echeance"))


def test_the_loader_marks_lines_with_the_readings_it_is_given():
    other = replace(R623, euro_currencies=frozenset({"EUR", "CHF"}))
    lines = frame(ballast(900), line(1, 100, devise="CHF", realisable_euro="non"))
    assert from_frame(lines).lines["euro"].tolist() == [True, False]
    again = from_frame(lines, readings=other)
    assert again.lines["euro"].tolist() == [True, True] and again.readings == other


def test_each_reading_of_the_lines_names_a_reading_of_the_text():
    known = {r["id"] for r in yaml.safe_load((ROOT / "constraints" / "readings.yaml").read_text("utf-8"))["readings"]}
    readings = rulebook.for_date(DAY).readings
    assert {reading.reading for reading in vars(readings).values()} <= known
