"""A limit is written once, in the rulebook: the readings of the law (`constraints/readings.yaml`) and the help of a
column name the limits of the rules through placeholders, resolved from the version they are shown for — a copied
rulebook with other limits gives texts with those, in the readings of a report, the README's list and the
template's help."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from constraints import checker, rulebook
from constraints.limits_text import placeholders, with_limits
from reports.model import READINGS_FILE, _reading_texts, all_readings, build_report, readings_for, readings_markdown
from reserves.app.template import help_text
from reserves.portfolio.columns import COLUMNS
from helpers import ballast, line, portfolio

DAY = dt.date(2016, 12, 31)
ROOT = Path(__file__).resolve().parent.parent


def _copied_rulebook(tmp_path, monkeypatch, changes):
    """The R. 623 rulebook copied with other limits (`changes`: rule id -> (old value, new value))."""
    src = rulebook.VERSIONS_DIR / "r623_2002-11-01.yaml"
    text = src.read_text(encoding="utf-8")
    for rule_id, (old, new) in changes.items():
        head, _, rest = text.partition(f"id: {rule_id}\n")
        assert rest and old in rest.split("- id:")[0], rule_id
        text = head + f"id: {rule_id}\n" + rest.replace(old, new, 1)
    (tmp_path / src.name).write_text(text, encoding="utf-8")
    shutil.copy(rulebook.VERSIONS_DIR / "r139_2019-07-08.yaml", tmp_path)
    monkeypatch.setattr(rulebook, "VERSIONS_DIR", tmp_path)
    rulebook.versions.cache_clear()


CHANGES = {"R623-10-1/emetteur-max5": ('"0.05"', '"0.04"'), "R623-10-1/detention-max10": ('"0.10"', '"0.075"'),
           "R623-10-1/immobilier-max20": ('"0.20"', '"0.25"'), "R623-3/euro-90": ('"0.90"', '"0.85"'),
           "R623-10-1/obligations-euro-min34": ('"0.34"', '"0.345"')}


def _titles(readings) -> dict:
    return {r["id"]: r["title"] for r in readings}


def test_the_readings_name_the_limits_of_the_rulebook(tmp_path, monkeypatch):
    before = {r["id"]: r for r in all_readings(rulebook.for_date(DAY), DAY)}
    assert before["L5"]["title"] == "Plafond de 5 % par personne morale"
    assert before["L7"]["title"] == "Plafond de 10 % de détention" and "doit rester ≤ 10 %" in before["L7"]["text"]
    assert before["L8"]["title"] == "Actifs en euros (90 %)" and before["L4"]["title"] == "Plancher de 34 %"
    assert before["L12"]["text"].startswith("20,00 % respecte un plafond de 20 % ; 34,00 % respecte le plancher de "
                                            "34 %.")
    assert "(20 % de 1 000 000,00 € font exactement 200 000,00 €)" in before["L12"]["text"]
    # the README lists the readings of the rulebook as it stands (tests/test_readme.py: unchanged)
    assert "**L5 — Plafond de 5 % par personne morale.**" in readings_markdown()
    _copied_rulebook(tmp_path, monkeypatch, CHANGES)
    try:
        version = rulebook.for_date(DAY)
        after = {r["id"]: r for r in all_readings(version, DAY)}
        help_after = help_text(next(c for c in COLUMNS if c.field == "issuer"), version)
        lines = (ballast("9 000 000,00"), line(7, "100 000,00", label="Action", emetteur="Alpha SA"))
        verdict = checker.check(portfolio(*lines), date=DAY)
        shown = _titles(readings_for(verdict))
        report = _titles(build_report(portfolio(*lines), verdict).readings)
    finally:
        rulebook.versions.cache_clear()
    assert after["L5"]["title"] == "Plafond de 4 % par personne morale"
    assert after["L7"]["title"] == "Plafond de 7,5 % de détention" and "doit rester ≤ 7,5 %" in after["L7"]["text"]
    assert after["L8"]["title"] == "Actifs en euros (85 %)" and "La règle des 85 % en euros" in after["L3"]["text"]
    assert after["L4"]["title"] == "Plancher de 34,5 %"
    assert after["L12"]["text"].startswith("25,00 % respecte un plafond de 25 % ; 34,50 % respecte le plancher de "
                                           "34,5 %.")
    assert "(25 % de 1 000 000,00 € font exactement 250 000,00 €)" in after["L12"]["text"]
    assert "pas d'émetteur pour le plafond de 4 % et sont hors du plafond de 7,5 % de détention" in after["L10"]["text"]
    assert "Une ligne sans émetteur qui dépasse à elle seule 4 % est un dépassement." in after["P4"]["text"]
    assert "plafonds de 4 % par émetteur et de 7,5 % de détention" in help_after
    assert shown["L5"] == report["L5"] == "Plafond de 4 % par personne morale"  # what a report prints


def test_no_reading_writes_a_limit_of_the_rulebook_itself():
    """The guard can fail: every « N % » of the readings file where N is the limit of a rule of the R. 623
    rulebook is a limit written twice (the only percentages left are examples of input: « 65 % »)."""
    version = rulebook.for_date(DAY)
    limits = {f"{float(Fraction(s.limit(DAY)) * 100):g}".replace(".", ",") for s in version.rules
              if "limit" in s.params}
    assert {"5", "10", "20", "34", "90"} <= limits
    raw = yaml.safe_load(READINGS_FILE.read_text(encoding="utf-8"))["readings"]
    written = [(r["id"], m.group(1)) for r in raw for field in ("title", "text")
               for m in re.finditer(r"(?<![\d,])(\d+(?:,\d+)?) ?%", str(r[field])) if m.group(1) in limits]
    assert written == [], written
    issuer_help = next(c for c in COLUMNS if c.field == "issuer").help
    assert not re.search(r"\d ?%", issuer_help) and placeholders(issuer_help)


def test_every_placeholder_names_a_rule_of_the_version():
    version = rulebook.for_date(DAY)
    ids = {s.id for s in version.rules}
    named = [p for r in _reading_texts() for p in placeholders(r["title"] + " " + r["text"])]
    named += [p for c in COLUMNS for p in placeholders(c.help)]
    assert named and set(named) <= ids, set(named) - ids
    assert len(all_readings(version, DAY)) == len(_reading_texts())  # every reading resolved
    for r in all_readings(version, DAY):
        assert "{" not in r["title"] + r["text"], r["id"]
    with pytest.raises(KeyError):
        with_limits("{limite:R623-99/inconnue}", version)
    assert with_limits("sans limite", version) == "sans limite"
