"""`reserves check FILE [--json] [--date]` (SPEC §3): the JSON verdict, exit codes, dates, French output."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from constraints import rulebook
from helpers import ROOT, RULE_IDS, ballast, limit, line, run_cli, run_main, sha256, table, write_csv, write_xlsx

SAMPLES = ROOT / "samples"
ANSI = re.compile(r"\x1b\[")


def one_json_object(text: str) -> dict:
    """The whole standard output is one JSON object, nothing before or after it."""
    doc, end = json.JSONDecoder().raw_decode(text)
    assert text[end:].strip() == ""
    assert isinstance(doc, dict)
    return doc


@pytest.fixture(scope="module")
def breached(tmp_path_factory):
    """A workbook with title rows and one breach per kind of finding, one unknown."""
    path = tmp_path_factory.mktemp("cli") / "caisse.xlsx"
    lines = [
        line(9, "200 000,01", label="Immeuble Lyon", immeuble="Lyon"),           # 20 % + 1 cent
        line(2, "50 000,01", label="Obligation Orange", emetteur="Orange SA"),    # 5 % + 1 cent
        line("AUTRE", "10 000,00", label="Tableau de maître"),                     # not eligible
        line(7, "1 000,00", label="Action sans conservation", conservation=None),  # unknown
        ballast("738 999,98"),
    ]
    rows = [["Caisse des indépendants — portefeuille au 31/12/2016"], [], *table(*lines)]
    return write_xlsx(path, rows)


def test_json_verdict_has_the_contract_keys(breached):
    p = run_cli("check", str(breached), "--json", "--date", "2016-12-31")
    assert p.returncode == 1, p.stderr
    doc = one_json_object(p.stdout)
    assert doc["status"] == "breach"
    assert doc["total"] == 1_000_000.0 and doc["base"] == 1_000_000.0
    assert [r["id"] for r in doc["rules"]] == RULE_IDS  # exactly one per SPEC §2 id, in SPEC order
    assert all(r["status"] in ("ok", "breach", "unknown", "not_applicable") for r in doc["rules"])
    for f in doc["findings"]:
        assert {"rule", "status", "subject", "value", "limit", "rows"} <= set(f)
        assert f["status"] in ("breach", "unknown") and f["rule"] in RULE_IDS
    statuses = [f["status"] for f in doc["findings"]]
    assert statuses == sorted(statuses, key=lambda s: s != "breach")  # breaches first
    assert doc["version"]["id"] and doc["version"]["set_by"]
    assert doc["file"]["sha256"] == sha256(breached)


def test_json_findings_carry_rows_and_euros_to_sell(breached):
    p = run_cli("check", str(breached), "--json", "--date", "2016-12-31")
    doc = one_json_object(p.stdout)
    by_rule = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    (re_,) = by_rule["R623-10-1/immobilier-max20"]
    assert re_["rows"] == [4] and re_["to_sell"] == 0.01  # title rows above the header
    assert re_["limit"] == float(limit("R623-10-1/immobilier-max20"))
    (iss,) = by_rule["R623-10-1/emetteur-max5"]
    assert iss["subject"] == "Orange SA" and iss["rows"] == [5] and iss["amount"] == 0.01 and iss["action"] == "sell"
    (el,) = by_rule["R623-3/eligibilite"]
    assert el["subject"] == "Tableau de maître" and el["rows"] == [6] and el["to_sell"] == 10_000.0
    (cu,) = by_rule["R623-3/conservation"]
    assert cu["status"] == "unknown" and cu["rows"] == [7] and cu["columns"] == ["conservation"]
    rules = {r["id"]: r for r in doc["rules"]}
    assert rules["R623-3/conservation"]["status"] == "unknown"
    assert rules["R623-10-1/immobilier-max20"]["status"] == "breach"


def test_exit_code_0_when_every_rule_is_ok(tmp_path):
    buildings = [line(9, "50 000,00", immeuble=f"IMM-{k}") for k in range(4)]
    path = write_xlsx(tmp_path / "p.xlsx", table(*buildings, ballast("800 000,00")))
    p = run_cli("check", str(path), "--json", "--date", "2016-12-31")
    assert p.returncode == 0 and one_json_object(p.stdout)["status"] == "ok"


def test_exit_code_3_when_only_unknowns(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table(line(7, "1 000,00", conservation=None), ballast("999 000,00")))
    p = run_cli("check", str(path), "--json", "--date", "2016-12-31")
    assert p.returncode == 3
    doc = one_json_object(p.stdout)
    assert doc["status"] == "unknown" and doc["findings"][0]["status"] == "unknown"


def test_exit_codes_on_the_samples():
    assert run_cli("check", str(SAMPLES / "portefeuille_conforme.xlsx"), "--date", "2016-12-31").returncode == 0
    assert run_cli("check", str(SAMPLES / "portefeuille_manquements.xlsx"), "--date", "2016-12-31").returncode == 1


def test_date_inside_the_version_works(breached):
    p = run_cli("check", str(breached), "--json", "--date", "2009-12-31")
    doc = one_json_object(p.stdout)
    assert p.returncode == 1 and doc["as_of"] == "2009-12-31"
    assert doc["version"]["valid_from"] <= "2009-12-31" <= doc["version"]["valid_until"]


def test_french_date_format_is_accepted(breached):
    p = run_cli("check", str(breached), "--json", "--date", "31/12/2009")
    assert p.returncode == 1 and one_json_object(p.stdout)["as_of"] == "2009-12-31"


def test_date_without_a_version_in_force_is_a_clear_french_error(breached):
    p = run_cli("check", str(breached), "--date", "2019-01-01")
    assert p.returncode == 2 and p.stdout == ""
    assert "période du décret n° 2017-887 (1er janvier 2018 – 7 juillet 2019) non couverte" in p.stderr
    assert "Traceback" not in p.stderr
    p = run_cli("check", str(breached), "--json", "--date", "2019-01-01")
    assert p.returncode == 2 and one_json_object(p.stdout)["status"] == "error"


def test_date_before_the_first_version(breached):
    code, out, err = run_main(["check", str(breached), "--date", "2002-10-31"])
    assert code == 2 and "01/11/2002" in err


def test_human_output_is_french_states_the_version_and_has_no_colour_codes(breached):
    p = run_cli("check", str(breached), "--date", "2016-12-31")
    assert p.returncode == 1
    assert not ANSI.search(p.stdout)
    out = " ".join(p.stdout.split())  # the table wraps long lines at the page width
    version = rulebook.for_date(dt.date(2016, 12, 31))
    assert f"Règlement appliqué : {version.id}" in out and f"en vigueur {version.period_fr()}" in out
    assert "Verdict : NON CONFORME" in out
    assert "céder 0,01 €" in out.replace("\u202f", " ") and "Tableau de maître" in out
    assert "20,000001 % de la base" in out  # a cent over the cap does not print as the cap itself
    assert "à vérifier" in out and "« conservation »" in out
    for english in ("Error", "Warning", "breach", "unknown", "Rule"):
        assert english not in out


def test_human_output_of_a_compliant_portfolio(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table(ballast("1 000,00")))
    p = run_cli("check", str(path), "--date", "2016-12-31")
    assert p.returncode == 0 and "Verdict : CONFORME" in p.stdout and not ANSI.search(p.stdout)


def test_console_script_is_installed(breached):
    script = Path(os.path.dirname(os.path.realpath(__import__("sys").executable))) / "reserves"
    if not script.exists():
        script = ROOT / ".venv" / "bin" / "reserves"
    assert script.exists(), "the `reserves` console script is declared in pyproject.toml"
    p = subprocess.run([str(script), "check", str(breached), "--json", "--date", "2016-12-31"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and one_json_object(p.stdout)["status"] == "breach"


def test_without_a_date_the_latest_version_is_applied(breached):
    code, out, err = run_main(["check", str(breached), "--json"])
    doc = one_json_object(out)
    assert code == 1 and doc["version"]["id"] == rulebook.latest().id


def test_json_for_a_csv_export(tmp_path):
    path = write_csv(tmp_path / "export.csv", table(line(6, "50 000,01", emetteur="FCPR X", forme_juridique="FCPR"),
                                                    ballast("949 999,99")))
    code, out, err = run_main(["check", str(path), "--json", "--date", "2016-12-31"])
    doc = one_json_object(out)
    assert code == 1
    (f,) = [f for f in doc["findings"] if f["rule"] == "R623-10-1/fcpr-max5"]
    assert f["rows"] == [2] and f["to_sell"] == 0.01 and doc["file"]["name"] == "export.csv"


def test_check_leaves_the_file_untouched(breached):
    before = sha256(breached)
    run_main(["check", str(breached), "--date", "2016-12-31"])
    run_main(["check", str(breached), "--json"])
    assert sha256(breached) == before


def test_rules_command_answers_which_limit_was_in_force():  # READING: "which limit on 2009-12-31, set by which text"
    code, out, err = run_main(["rules", "--date", "2009-12-31", "--json"])
    assert code == 0
    doc = json.loads(out)
    rule = {r["id"]: r for r in doc["rules"]}["R623-10-1/immobilier-max20"]
    in_force = rulebook.for_date(dt.date(2009, 12, 31))
    value, reference, since = in_force.rule("R623-10-1/immobilier-max20").parameter("limit", dt.date(2009, 12, 31))
    assert rule["limit"] == value == "0.20" and rule["limit_reference"] == reference
    assert reference.startswith("Décret") and rule["limit_since"] == since.isoformat()
    assert doc["set_by"] == in_force.set_by and doc["set_by"].startswith("Décret")
    code, out, err = run_main(["rules", "--date", "2009-12-31"])
    pct = f"{float(in_force.rule('R623-10-1/immobilier-max20').limit()) * 100:g} %"
    assert code == 0 and f"limite {pct}" in out and in_force.set_by in out


def test_a_rule_status_is_its_worst_finding(breached):
    code, out, _ = run_main(["check", str(breached), "--json", "--date", "2016-12-31"])
    doc = one_json_object(out)
    rank = {"not_applicable": 0, "ok": 1, "unknown": 2, "breach": 3}
    for r in doc["rules"]:
        mine = [f["status"] for f in doc["findings"] if f["rule"] == r["id"]]
        if mine:
            assert r["status"] == max(mine, key=rank.get), r["id"]
            assert r["breaches"] == mine.count("breach") and r["unknowns"] == mine.count("unknown")
        else:
            assert r["status"] in ("ok", "not_applicable"), r["id"]
    worst = max((r["status"] for r in doc["rules"]), key=rank.get)
    assert doc["status"] == ("ok" if worst == "not_applicable" else worst)
