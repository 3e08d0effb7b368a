"""Case book, SPEC §3-4 and SPEC-R139 §0, §4: which rules apply on which date, the JSON an R. 139 check prints
(one entry per rule id of SPEC-R139 §3, top-level keys, findings' fields, exit codes), and the same portfolio
read from xlsx, csv and ods — through `reserves check --json` in a child process.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from casebook_r139 import B, bad_input, case, check, company, fill, line, pct
from helpers import run_cli

RULE_IDS = """R139-14/eligibilite R139-14/fonds-mutualises-50 R139-14/organismes-dedies R139-15/immobilier-max15
R139-15/fonds-mutualises-max15 R139-15/devises-max10 R139-16/opc-admis R139-16/opcvm-90 R139-16/organismes-dedies
R139-17/transparence R139-18/eligibilite R139-19/cotation R139-20/qualite R139-21/depots R139-22/immobilier
R139-23/conservation R139-24/perte-limitee R139-37/adossement R139-37/marches R139-38/ventes-options
R139-39/denouement-3-mois R139-40/pensions-emprunts R139-40/terme-couvert R139-40/ventes-decouvert
R139-40/certificats R139-41/opcvm-max15 R139-41/immobilier-max20 R139-41/actions-max25 R139-41/actions-max50
R139-41/ocde-max15 R139-41/autres-fm-max15 R139-41/financement-max5 R139-42/depassements-potentiels
R139-43/contrats-max10 R139-44/change-max15 R139-45/entite-max5 R139-45/entite-depots-max10 R139-45/cumul-max40
R139-45/immeuble-max10 R139-45/souverain-max50 R139-45/groupes R139-46/capital-max5 R139-46/creances-max5
R139-48/delai-regularisation R139-48/immobilier-achats""".split()


def r139_book(tmp_path, date_cell="31/12/2025", over=False, name="p.xlsx"):
    lines = fill([company("action", pct("0.05") + (Decimal("0.01") if over else 0), 1)])
    return case(tmp_path, lines, date_cell=date_cell, name=name)


def r623_book(tmp_path, name="r623.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["libelle", "categorie", "valeur", "devise", "emetteur", "conservation"])
    ws.append(["OAT 2030", "1", 600_000, "EUR", "République française", "oui"])
    ws.append(["Bund 2030", "1", 400_000, "EUR", "République fédérale d'Allemagne", "oui"])
    path = tmp_path / name
    wb.save(path)
    return path


def test_the_json_of_an_r139_check_has_every_rule_id_once_and_the_keys_of_the_contract(tmp_path):
    v = check(r139_book(tmp_path))
    assert [r["id"] for r in v.doc["rules"]].count("R139-45/entite-max5") == 1
    assert sorted(v.rules) == sorted(RULE_IDS), set(v.rules) ^ set(RULE_IDS)
    for key in ("status", "total", "base", "rules", "findings", "version", "regime", "warnings", "as_of",
                "as_of_source"):
        assert key in v.doc, key
    assert v.doc["version"]["id"] if isinstance(v.doc["version"], dict) else v.doc["version"] == "R139-2019-07-08"
    assert "R139-2019-07-08" in str(v.doc["version"])
    assert v.doc["regime"] == "complet" and v.doc["as_of"] == "2025-12-31"
    assert Decimal(str(v.doc["base"])) == B and Decimal(str(v.doc["total"])) == B
    assert set(v.rules.values()) <= {"ok", "breach", "unknown", "not_applicable"}
    assert v.doc["status"] == "ok" and v.code == 0


def test_a_breach_finding_carries_rule_status_subject_value_limit_rows_and_euros(tmp_path):
    v = check(r139_book(tmp_path, over=True))
    assert v.code == 1 and v.doc["status"] == "breach"
    (f,) = [f for f in v.findings("R139-45/entite-max5") if f["status"] == "breach"]
    assert "Société 1" in str(f["subject"])
    assert f["limit"] == pytest.approx(0.05) and f["value"] > 0.05
    assert f["rows"] == [3]  # a title row, the header, then the line
    money = [k for k in ("euros", "amount", "to_sell", "montant") if k in f]
    assert money and any(Decimal(str(f[k])) == Decimal("0.01") for k in money), f


@pytest.mark.parametrize("date, version", [("2025-12-31", "R139-2019-07-08"), ("2019-07-08", "R139-2019-07-08")])
def test_dates_from_2019_07_08_check_under_r139(tmp_path, date, version):
    v = check(r139_book(tmp_path), date=date)
    assert version in str(v.doc["version"]), v.doc["version"]
    assert v.doc["as_of"] == date and v.doc["as_of_source"] == "--date"


@pytest.mark.parametrize("date", ["2018-01-01", "2018-06-30", "2019-07-07"])
def test_the_gap_of_decree_2017_887_is_exit_2(tmp_path, date):
    msg = bad_input(r139_book(tmp_path), date=date)
    assert "2017-887" in msg and "non couverte" in msg, msg


def test_before_2002_11_01_is_exit_2(tmp_path):
    msg = bad_input(r623_book(tmp_path), date="2002-10-31")
    assert "2002" in msg, msg


@pytest.mark.parametrize("date", ["2016-12-31", "2017-12-31", "2002-11-01"])
def test_dates_of_2002_to_2017_check_under_r623(tmp_path, date):
    p = run_cli("check", str(r623_book(tmp_path)), "--json", "--date", date, dated=False)
    import json

    doc = json.loads(p.stdout)
    assert "R623-2002-11-01" in str(doc["version"]), doc["version"]
    assert any(r["id"].startswith("R623-") for r in doc["rules"])


def test_a_2025_file_with_categorie_and_no_nature_is_refused_citing_the_date_option(tmp_path):
    msg = bad_input(r623_book(tmp_path), date="2025-12-31")
    assert "--date" in msg and "nature" in msg, msg


def test_the_date_the_file_states_chooses_the_version(tmp_path):
    v = check(r139_book(tmp_path, date_cell="30/09/2025"), date=None)
    assert v.doc["as_of"] == "2025-09-30" and v.doc["as_of_source"] != "--date"
    assert "R139-2019-07-08" in str(v.doc["version"])


def test_a_file_stating_a_date_in_the_gap_is_exit_2(tmp_path):
    msg = bad_input(r139_book(tmp_path, date_cell="31/12/2018"), date=None)
    assert "2017-887" in msg, msg


def test_the_date_on_a_parametres_sheet(tmp_path):
    path = r139_book(tmp_path, date_cell=None)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Paramètres")
    ws.append(["date_arrete", dt.date(2025, 6, 30)])
    wb.save(path)
    v = check(path, date=None)
    assert v.doc["as_of"] == "2025-06-30", v.doc["as_of"]


def test_a_file_without_any_date_is_checked_at_today_under_r139(tmp_path):
    v = check(r139_book(tmp_path, date_cell=None), date=None)
    assert "R139-2019-07-08" in str(v.doc["version"])
    assert v.doc["as_of"] == dt.date.today().isoformat()


# ---------------------------------------------------------------- csv and ods portfolios


def _rows(lines):
    cols = []
    for r in lines:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols, [[r.get(c) for c in cols] for r in lines]


@pytest.mark.parametrize("encoding, sep, decimal", [("utf-8", ";", ","), ("cp1252", ";", ","), ("utf-8", ",", ".")])
@pytest.mark.parametrize("over, status", [(False, "ok"), (True, "breach")])
def test_a_csv_portfolio_as_a_french_excel_exports_it(tmp_path, encoding, sep, decimal, over, status):
    lines = fill([company("action", pct("0.05") + (Decimal("0.01") if over else 0), 1,
                          libelle="Action Société Générale — prêt"),
                  line("obligation", pct("0.02"), "Obligation Électricité de France", emetteur="Électricité de France",
                       groupe="EDF")])
    cols, rows = _rows(lines)

    def cell(x):
        if x is None:
            return ""
        if isinstance(x, Decimal):
            s = f"{x:.2f}"
            return s.replace(".", decimal)
        s = str(x)
        return f'"{s}"' if sep in s else s

    text = "\n".join([sep.join(cols)] + [sep.join(cell(x) for x in r) for r in rows]) + "\n"
    path = tmp_path / "portefeuille.csv"
    path.write_bytes(text.encode(encoding))
    v = check(path)
    assert v["R139-45/entite-max5"] == status, v.explain()
    assert Decimal(str(v.doc["base"])) == B


@pytest.mark.parametrize("over, status", [(False, "ok"), (True, "breach")])
def test_an_ods_portfolio(tmp_path, over, status):
    import pandas as pd

    lines = fill([company("action", pct("0.05") + (Decimal("0.01") if over else 0), 1)])
    cols, rows = _rows(lines)
    df = pd.DataFrame([[float(x) if isinstance(x, Decimal) else x for x in r] for r in rows], columns=cols)
    path = tmp_path / "portefeuille.ods"
    df.to_excel(path, sheet_name="Portefeuille", index=False, engine="odf")
    v = check(path)
    assert v["R139-45/entite-max5"] == status, v.explain()
    assert Decimal(str(v.doc["base"])) == B
