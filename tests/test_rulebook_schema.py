"""Rulebook files are validated at load: a wrong key, kind or value is refused, naming the file, the rule and the key."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from constraints import rulebook
from constraints.schema import RulebookError

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "constraints" / "versions" / "r623_2002-11-01.yaml"


def original() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def rule_of(doc: dict, rule_id: str) -> dict:
    return next(r for r in doc["rules"] if r["id"] == rule_id)


def load(tmp_path, doc) -> rulebook.Version:
    path = tmp_path / "r623_essai.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rulebook.load_version(path)


def refused(tmp_path, doc) -> str:
    with pytest.raises(RulebookError) as exc:
        load(tmp_path, doc)
    msg = str(exc.value)
    assert "r623_essai.yaml" in msg  # the file is named
    return msg


def test_the_bundled_versions_follow_the_schema():
    for path in sorted((ROOT / "constraints" / "versions").glob("*.yaml")):
        v = rulebook.load_version(path)
        assert v.rules


def test_a_share_clause_with_an_unknown_key_is_refused_not_counted_as_the_whole_base(tmp_path):
    doc = original()
    rule_of(doc, "R623-3/euro-90")["numerator"] = [{"currency_not": "EUR"}]
    msg = refused(tmp_path, doc)
    assert "R623-3/euro-90" in msg and "currency_not" in msg and "clé inconnue" in msg


def test_a_misspelled_key_of_a_rule_is_refused(tmp_path):
    doc = original()
    r = rule_of(doc, "R623-10-1/immobilier-max20")
    r["limite"] = r.pop("limit")
    msg = refused(tmp_path, doc)
    assert "R623-10-1/immobilier-max20" in msg and "« limite »" in msg


def test_a_missing_key_is_named(tmp_path):
    doc = original()
    del rule_of(doc, "R623-10-1/fcpr-max5")["sense"]
    msg = refused(tmp_path, doc)
    assert "R623-10-1/fcpr-max5" in msg and "clé manquante « sense »" in msg


def test_an_unknown_kind_is_refused_at_load_with_the_known_kinds(tmp_path):
    doc = original()
    rule_of(doc, "R623-10-1/prets-max10")["kind"] = "part"
    msg = refused(tmp_path, doc)
    assert "R623-10-1/prets-max10" in msg and "type de règle inconnu « part »" in msg and "share" in msg


@pytest.mark.parametrize("value", ["1.5", "vingt", "-0.1"])
def test_a_limit_that_is_not_a_share_is_refused(tmp_path, value):
    doc = original()
    rule_of(doc, "R623-10-1/immobilier-max20")["limit"] = value
    msg = refused(tmp_path, doc)
    assert "R623-10-1/immobilier-max20" in msg and "limit" in msg


def test_a_condition_on_an_unknown_column_or_category_is_refused(tmp_path):
    doc = original()
    rule_of(doc, "R623-9/depots")["conditions"][0]["require"]["column"] = "agree_eee"
    msg = refused(tmp_path, doc)
    assert "R623-9/depots" in msg and "colonne inconnue « agree_eee »" in msg
    doc = original()
    rule_of(doc, "R623-10-1/immeuble-max5")["categories"] = [9, 14]
    msg = refused(tmp_path, doc)
    assert "R623-10-1/immeuble-max5" in msg and "catégorie inconnue « 14 »" in msg


def test_a_requirement_with_two_tests_or_an_unknown_group_is_refused(tmp_path):
    doc = original()
    rule_of(doc, "R623-3/eligibilite")["conditions"][2]["require"] = {"column": "country", "in": "UE"}
    msg = refused(tmp_path, doc)
    assert "groupe d'États inconnu « UE »" in msg
    doc = original()
    rule_of(doc, "R623-3/eligibilite")["conditions"][2]["require"] = {"column": "country", "in": "EEE",
                                                                       "at_most": 3}
    assert "un seul test" in refused(tmp_path, doc)


def test_a_repeated_rule_id_and_an_unknown_version_key_are_refused(tmp_path):
    doc = original()
    doc["rules"].append(copy.deepcopy(doc["rules"][0]))
    assert "identifiant en double" in refused(tmp_path, doc)
    doc = original()
    doc["valide_du"] = doc["valid_from"]
    assert "clé inconnue « valide_du »" in refused(tmp_path, doc)


def test_a_dated_limit_gives_the_value_and_the_text_in_force_on_each_date(tmp_path):
    doc = original()
    rule_of(doc, "R623-10-1/immobilier-max20")["limit"] = {
        dt.date(2002, 11, 1): {"value": "0.20", "reference": "Décret n° 2002-1314"},
        dt.date(2010, 1, 1): {"value": "0.25", "reference": "Décret d'essai"},
    }
    spec = load(tmp_path, doc).rule("R623-10-1/immobilier-max20")
    assert spec.parameter("limit", dt.date(2009, 12, 31)) == ("0.20", "Décret n° 2002-1314", dt.date(2002, 11, 1))
    assert spec.parameter("limit", dt.date(2010, 1, 1)) == ("0.25", "Décret d'essai", dt.date(2010, 1, 1))
    assert spec.at(dt.date(2009, 12, 31)).limit() == spec.limit(dt.date(2009, 12, 31)) < spec.limit()
    doc = original()
    rule_of(doc, "R623-10-1/immobilier-max20")["limit"] = {dt.date(2002, 11, 1): {"value": "0.20"}}
    assert "clé manquante « limit.2002-11-01.reference »" in refused(tmp_path, doc) or "reference" in refused(
        tmp_path, doc)
