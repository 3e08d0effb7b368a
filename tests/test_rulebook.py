"""The rulebook: the text's versions as data, each dated, each limit traceable to the text that set it."""

from __future__ import annotations

import ast
import datetime as dt
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from constraints import rulebook
from constraints.rules import KINDS, build
from helpers import RULE_IDS, ROOT, ballast, line, run_main, table, write_xlsx

REAL_ESTATE = "R623-10-1/immobilier-max20"


def test_which_limit_was_in_force_on_2009_12_31_and_which_text_set_it_from_the_data_alone():
    """Read the YAML files themselves, as a jurist would, without the product's code."""
    day = dt.date(2009, 12, 31)
    found = []
    for path in sorted((ROOT / "constraints" / "versions").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if doc["valid_from"] <= day and (doc.get("valid_until") is None or day <= doc["valid_until"]):
            found.append(doc)
    (doc,) = found
    rule = {r["id"]: r for r in doc["rules"]}[REAL_ESTATE]
    # the limit is keyed by the date it took effect, with the text that set it (OpenFisca's habit)
    took_effect = max(d for d in rule["limit"] if d <= day)
    in_force = rule["limit"][took_effect]
    assert Fraction(str(in_force["value"])) == Fraction(1, 5)
    assert in_force["reference"].startswith("Décret n° 2002-1314") and "R. 623-10-1" in in_force["reference"]
    assert "20 % au plus" in rule["quote"] and rule["article"] == "R. 623-10-1"
    assert doc["set_by"].startswith("Décret n° 2002-1314")
    # and the product answers the same
    v = rulebook.for_date(day)
    assert v.id == doc["version"] and v.set_by == doc["set_by"]
    assert v.rule(REAL_ESTATE).limit(day) == Fraction(str(in_force["value"]))
    assert v.rule(REAL_ESTATE).parameter("limit", day) == (in_force["value"], in_force["reference"], took_effect)


def test_every_spec_rule_is_in_the_version_in_spec_order():
    for v in rulebook.versions():
        if v.engine != "r623":  # R. 139: tests/test_r139_rulebook.py
            continue
        assert [r.id for r in v.rules] == RULE_IDS
        for r in v.rules:
            assert r.article.startswith("R. 623-") and r.title and len(r.quote) > 20
            assert r.kind in KINDS
            if "limit" in r.params:
                for took_effect, item in r.params["limit"].items():  # dated, as OpenFisca's parameters
                    assert isinstance(took_effect, dt.date) and v.valid_from <= took_effect
                    assert isinstance(item["value"], str), "limits are decimal strings, compared exactly"
                    assert item["reference"].startswith("Décret")
                assert 0 < r.limit() < 1
        assert len(build(v)) == len(v.rules)
        assert set(v.categories) == {str(i) for i in range(1, 14)} | {"IFT", "AUTRE"}


def test_the_limits_of_r623_10_1_are_those_of_the_text():
    """The rulebook against the law's own words: « 34 % au moins », « 5 % au plus »…"""
    v = rulebook.for_date(dt.date(2016, 12, 31))
    checked = []
    for r in v.rules:
        if "limit" not in r.params:
            continue
        pct = f"{float(r.limit()) * 100:g} %"
        assert pct in r.quote, (r.id, pct, r.quote)
        checked.append(r.id)
    # a loop over no rule proves nothing: the limits of R. 623-10-1 are all among those compared
    assert {REAL_ESTATE, "R623-10-1/emetteur-max5", "R623-10-1/immeuble-max5", "R623-10-1/detention-max10",
            "R623-10-1/obligations-euro-min34"} <= set(checked), checked


def test_version_periods_and_the_date_they_cover():
    v = rulebook.for_date(dt.date(2009, 12, 31))
    assert v.in_force(dt.date(2009, 12, 31)) and v.valid_from <= dt.date(2009, 12, 31)
    assert v.period_fr().startswith("du ")
    assert rulebook.for_date(None) is rulebook.latest()
    assert v.describe()["set_by"] == v.set_by


def test_no_version_in_force_is_a_french_error():
    day = dt.date(1999, 1, 1)
    with pytest.raises(rulebook.NoVersionInForce) as exc:
        rulebook.for_date(day)
    assert f"au {day.strftime('%d/%m/%Y')}" in str(exc.value) and "aucune version" in str(exc.value)


@pytest.mark.parametrize("day", [dt.date(2018, 1, 1), dt.date(2019, 1, 1), dt.date(2019, 7, 7)])
def test_the_period_of_the_decree_of_2017_is_not_covered(day):
    with pytest.raises(rulebook.NoVersionInForce) as exc:
        rulebook.for_date(day)
    assert str(exc.value) == ("période du décret n° 2017-887 (1er janvier 2018 – 7 juillet 2019) non couverte : "
                              "texte non disponible")


def test_states_groups_are_dated():
    assert "HR" not in rulebook.states_on("EEE", dt.date(2014, 4, 11))
    assert "HR" in rulebook.states_on("EEE", dt.date(2014, 4, 12))
    assert "GB" in rulebook.states_on("EEE", dt.date(2020, 12, 31))
    assert "GB" not in rulebook.states_on("EEE", dt.date(2021, 1, 1))
    assert "GB" in rulebook.states_on("OCDE", dt.date(2021, 1, 1))
    assert "US" in rulebook.states_on("OCDE", dt.date(2009, 12, 31)) and "US" not in rulebook.states_on("EEE", dt.date(2009, 12, 31))


def test_no_legal_limit_is_written_in_the_rule_code():
    """One rulebook: the percentages and thresholds live in the YAML files, not in the Python code."""
    v = rulebook.latest()
    numbers = set()
    for r in v.rules:
        if "limit" in r.params:
            numbers.add(r.parameter("limit")[0])
        for cond in r.params.get("conditions", []):
            req = cond["require"]
            for part in req.get("any_of", [req]) if isinstance(req, dict) else []:
                for k in ("at_most", "at_least"):
                    if k in part and not (isinstance(part[k], int) and part[k] < 10):  # not rank 1, 2 valuers
                        numbers.add(str(part[k]))
    assert {"0.34", "0.05", "0.20", "0.10", "0.90", "0.65", "365", "90", "15", "30000000"} <= numbers
    # every module that applies the R. 623 rules: the kinds, their schema, the rulebook, the checker, the
    # pre-trade engine, the optimizer and the reports (which get the limits from the kinds' rows and figures)
    rule_modules = (sorted((ROOT / "constraints").glob("*.py")) + sorted((ROOT / "reserves" / "pretrade").glob("*.py"))
                    + [ROOT / "optimizer" / f"{m}.py" for m in ("rebalancing", "lp", "allocation", "lots",
                                                                 "preferences", "output")]
                    + [ROOT / "reports" / f"{m}.py" for m in ("model", "proposal")])
    assert len(rule_modules) > 12 and all(p.exists() for p in rule_modules)
    # product settings that happen to read like a limit: the warning level (90 % of a limit), the solver's
    # progress tick (seconds)
    settings = {("engine.py", Fraction("0.9")), ("lp.py", Fraction("0.2"))}
    wanted = {Fraction(n) for n in numbers}
    for path in rule_modules:
        found = {x for x in _numbers_written(path) & wanted if (path.name, x) not in settings}
        assert not found, (path.name, sorted(map(str, found)))


def _numbers_written(path) -> set:
    """Every number a module writes: number literals, strings that read as a number (« "0.05" », « "5 %" »),
    and fractions of two literals (« Fraction(1, 20) »), as exact fractions. Docstrings may cite the text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()

    def exact(x):
        try:
            return Fraction(x)
        except (ValueError, TypeError, ZeroDivisionError):
            return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            out.add(Fraction(str(node.value)) if isinstance(node.value, float) else Fraction(node.value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 16:
            text = node.value.strip().replace(",", ".").replace("\u202f", "").replace("\xa0", "")
            x = exact(text[:-1].strip()) / 100 if text.endswith("%") and exact(text[:-1].strip()) is not None \
                else exact(text)
            if x is not None:
                out.add(x)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Fraction"
              and len(node.args) == 2 and all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args)
              and node.args[1].value):
            out.add(Fraction(node.args[0].value, node.args[1].value))
    return out


def test_the_limits_guard_sees_every_way_of_writing_a_limit(tmp_path):
    """The guard above can fail: a limit written as a literal, a string or a fraction of literals is seen."""
    mod = tmp_path / "m.py"
    mod.write_text('"""Cites 5 % in a docstring."""\nA = 0.05\nB = "0,34"\nC = Fraction(1, 5)\nD = "10 %"\n'
                   'E = 365\n', encoding="utf-8")
    got = _numbers_written(mod)
    assert {Fraction(5, 100), Fraction(34, 100), Fraction(1, 5), Fraction(1, 10), Fraction(365)} <= got


@pytest.fixture()
def later_version(tmp_path, monkeypatch):
    """A copy of the versions folder plus one later version with a 25 % real-estate cap."""
    folder = tmp_path / "versions"
    folder.mkdir()
    for p in (ROOT / "constraints" / "versions").glob("r623_*.yaml"):  # the R. 623 versions only
        shutil.copy(p, folder / p.name)
    (current,) = [p for p in folder.glob("*.yaml")]
    doc = yaml.safe_load(current.read_text(encoding="utf-8"))
    doc["version"] = "R623-2018-01-01-essai"
    doc["title"] = "Version d'essai"
    doc["valid_from"] = doc["valid_until"] + dt.timedelta(days=1)
    doc["valid_until"] = None
    doc["set_by"] = "Décret d'essai du 1er janvier 2018"
    doc.pop("ended_by", None)
    for r in doc["rules"]:
        if r["id"] == REAL_ESTATE:
            r["limit"] = "0.25"
    (folder / "r623_2018-01-01.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                                 encoding="utf-8")
    monkeypatch.setattr(rulebook, "VERSIONS_DIR", folder)
    rulebook.versions.cache_clear()
    yield doc
    rulebook.versions.cache_clear()


def test_a_later_version_is_one_more_yaml_file(later_version, tmp_path):
    assert [v.id for v in rulebook.versions()][-1] == "R623-2018-01-01-essai"
    buildings = [line(9, "55 000,00", immeuble=f"IMM-{k}") for k in range(4)]  # 22 % of the base
    path = write_xlsx(tmp_path / "p.xlsx", table(*buildings, ballast("780 000,00")))
    code, out, _ = run_main(["check", str(path), "--json", "--date", "2017-12-31"])
    old = json.loads(out)
    assert code == 1 and old["version"]["id"] == "R623-2002-11-01"
    assert {r["id"]: r["status"] for r in old["rules"]}[REAL_ESTATE] == "breach"
    code, out, _ = run_main(["check", str(path), "--json", "--date", "2018-06-30"])
    new = json.loads(out)
    assert new["version"]["id"] == "R623-2018-01-01-essai"
    assert new["version"]["set_by"] == "Décret d'essai du 1er janvier 2018"
    res = {r["id"]: r for r in new["rules"]}[REAL_ESTATE]
    assert res["status"] == "ok" and res["limit"] == 0.25
    # the building cap of 5 % still holds in the new version: 55 000 € is 5,5 %
    assert code == 1 and {r["id"]: r["status"] for r in new["rules"]}["R623-10-1/immeuble-max5"] == "breach"
    code, out, _ = run_main(["rules", "--date", "2018-06-30"])
    assert code == 0 and "Décret d'essai" in out


def test_overlapping_versions_are_refused(later_version):
    folder = rulebook.VERSIONS_DIR
    path = folder / "r623_2018-01-01.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["valid_from"] = dt.date(2017, 6, 1)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rulebook.versions.cache_clear()
    with pytest.raises(ValueError, match="overlap"):
        rulebook.versions()


def test_every_rule_has_its_article_module_in_the_suite():
    """Tests read like the law: each SPEC id is exercised by the test module of its article."""
    for rule_id in RULE_IDS:
        article = rule_id.split("/")[0]  # R623-10-1
        module = ROOT / "tests" / f"test_{article.lower().replace('-', '_')}.py"
        assert module.exists(), module.name
        assert f'"{rule_id}"' in module.read_text(encoding="utf-8"), (rule_id, module.name)
