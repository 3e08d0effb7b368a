"""`reserves check FILE --json` on R. 139 workbooks (SPEC §3, SPEC-R139 §4): real files, the real command."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl

from helpers import run_main

HEAD = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "groupe", "cotation", "pays", "type_emetteur",
        "conservation", "quantite", "quantite_emise", "fonds_conforme", "part_titres_eligibles",
        "depassement_potentiel", "regime"]
D = dt.date(2025, 12, 15)


def book(path, lines, holdings=(), constats=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(HEAD)
    for row in lines:
        ws.append(row)
    if holdings:
        t = wb.create_sheet("Transparence")
        t.append(["fonds", "date_valorisation", "libelle", "nature", "valeur", "devise", "emetteur", "groupe",
                  "cotation", "pays", "type_emetteur", "quantite", "quantite_emise"])
        for row in holdings:
            t.append(row)
    if constats:
        c = wb.create_sheet("Constats")
        c.append(["regle", "sujet", "premier_constat", "cause"])
        for row in constats:
            c.append(row)
    wb.save(path)
    return path


def oat(v, label="OAT 2030", issuer="République française", country="FR", regime=None):
    return [label, "titre_etat", v, "EUR", None, issuer, None, "eee", country, "etat", "oui", 1, 1e9, None, None,
            None, regime]


def bond(v, issuer="TotalEnergies", group="TOTAL", regime=None, label=None):
    return [label or f"Obligation {issuer}", "obligation", v, "EUR", None, issuer, group, "eee", "FR", "autre", "oui",
            1, 1e9, None, None, None, regime]


def fund(v, label="OPCVM Europe", regime=None):
    return [label, "opcvm", v, "EUR", None, label, None, None, None, None, "oui", None, None, "oui", "95 %", "5 %",
            regime]


def check(path, *more):
    code, out, err = run_main(["check", str(path), "--json", "--date", "2025-12-31", *more])
    assert "Traceback" not in err, err
    return code, (json.loads(out) if out.strip() else None), err


def rules(doc):
    return {r["id"]: r["status"] for r in doc["rules"]}


def test_a_compliant_r139_workbook_is_conforme_with_the_keys_of_the_contract(tmp_path):
    p = book(tmp_path / "p.xlsx", [oat(450_000), oat(450_000, "Bund", "Allemagne", "DE"), bond(50_000),
                                   fund(50_000)],
             holdings=[["OPCVM Europe", D, "Air Liquide", "action", 2_000, "EUR", "Air Liquide", "AI", "eee", "FR",
                        "autre", 1, 1e9],
                       ["OPCVM Europe", D, "Bund 2033", "titre_etat", 3_000, "EUR", "Allemagne", None, "eee", "DE",
                        "etat", 1, 1e9]])
    code, doc, _ = check(p)
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["regime"] == "complet"
    assert doc["base"] == 1_000_000 and isinstance(doc["warnings"], list)
    assert len(doc["rules"]) == 45 and len({r["id"] for r in doc["rules"]}) == 45
    assert doc["status"] == "ok" and code == 0, [f for f in doc["findings"]]


def test_a_breach_through_look_through_names_the_fund_and_its_row(tmp_path):
    p = book(tmp_path / "p.xlsx", [oat(450_000), oat(450_000, "Bund", "Allemagne", "DE"), fund(100_000)],
             holdings=[["OPCVM Europe", D, "Total 2031", "obligation", 600, "EUR", "TotalEnergies", "TOTAL", "eee",
                        "FR", "autre", 1, 1e9],
                       ["OPCVM Europe", D, "Bund 2033", "titre_etat", 400, "EUR", "Allemagne", None, "eee", "DE",
                        "etat", 1, 1e9]])
    code, doc, _ = check(p)
    assert code == 1 and rules(doc)["R139-45/entite-max5"] == "breach"
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["via"] == "OPCVM Europe" and f["lookthrough_rows"] == [{"sheet": "Transparence", "row": 2}]
    assert f["euros"] == 60_000 and f["rows"] == [5]


def test_a_fund_without_its_inventory_makes_its_rules_unknown(tmp_path):
    p = book(tmp_path / "p.xlsx", [oat(450_000), oat(450_000, "Bund", "Allemagne", "DE"), fund(100_000)])
    code, doc, _ = check(p)
    assert code == 3 and rules(doc)["R139-17/transparence"] == "unknown"
    assert any(f.get("via") == "OPCVM Europe" for f in doc["findings"] if f["rule"] == "R139-45/entite-max5")


def test_each_regime_is_its_own_actif_de_placement(tmp_path):
    # 60 000 € of one issuer in a régime of 1 000 000 €: 6 %, not diluted by the other régime
    lines = [oat(470_000, regime="complementaire"), oat(470_000, "Bund", "Allemagne", "DE", regime="complementaire"),
             bond(60_000, regime="complementaire"),
             oat(5_000_000, "OAT base", regime="base"), oat(5_000_000, "Bund base", "Allemagne", "DE", regime="base")]
    code, doc, _ = check(book(tmp_path / "p.xlsx", lines))
    assert code == 1 and rules(doc)["R139-45/entite-max5"] == "breach"
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["regime"] == "complementaire"
    assert {r["regime"]: r["base"] for r in doc["regimes"]} == {"base": 10_000_000, "complementaire": 1_000_000}


def test_a_breach_carries_its_first_observation_and_deadline(tmp_path):
    lines = [oat(470_000), oat(470_000, "Bund", "Allemagne", "DE"), bond(60_000)]
    p = book(tmp_path / "p.xlsx", lines, constats=[["R139-45/entite-max5", None, dt.date(2025, 8, 31), "operation"]])
    code, doc, _ = check(p)
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["first_observed"] == "2025-08-31" and f["deadline"] == "2026-02-28" and f["cure"] == "R. 139-48 al. 2"
    assert f["status"] == "breach" and f["cure_status"] == "en délai"
    assert rules(doc)["R139-48/delai-regularisation"] == "ok"
    p = book(tmp_path / "q.xlsx", lines, constats=[["R139-45/entite-max5", None, dt.date(2025, 6, 30), None]])
    code, doc, _ = check(p)
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["deadline"] == "2025-12-30" and f["cure_status"] == "délai dépassé"
    assert rules(doc)["R139-48/delai-regularisation"] == "breach"


def test_the_simplified_regime_option(tmp_path):
    p = book(tmp_path / "p.xlsx", [oat(450_000), oat(450_000, "Bund", "Allemagne", "DE"), bond(100_000)])
    code, doc, _ = check(p, "--regime-simplifie")
    assert doc["regime"] == "simplifie"
    r = rules(doc)
    assert r["R139-45/entite-max5"] == "not_applicable" and r["R139-14/eligibilite"] == "breach"


def test_dates_choose_the_version(tmp_path):
    p = book(tmp_path / "p.xlsx", [oat(1_000_000)])
    code, out, err = run_main(["check", str(p), "--json", "--date", "2018-06-30"])
    assert code == 2 and "2017-887" in err
    code, out, err = run_main(["check", str(p), "--json"])  # no --date: the date the file states
    doc = json.loads(out)
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["as_of"] == "2025-12-31"
    assert doc["as_of_source"] == "date du fichier"
    wb = openpyxl.load_workbook(p)
    wb["Portefeuille"].delete_rows(1)  # no date in the file: today, R. 139
    wb.save(tmp_path / "sans_date.xlsx")
    code, out, err = run_main(["check", str(tmp_path / "sans_date.xlsx"), "--json"])
    doc = json.loads(out)
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["as_of"] == dt.date.today().isoformat()


def test_the_audit_journal_dates_a_breach_found_by_an_earlier_check_of_the_same_portfolio(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    lines = [oat(470_000), oat(470_000, "Bund", "Allemagne", "DE"), bond(60_000)]
    p = book(tmp_path / "caisse.xlsx", lines)
    code, doc, _ = check(p, "--base", url)  # checked first at 31/12/2025 …
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert "first_observed" not in f and rules(doc)["R139-48/delai-regularisation"] == "unknown"
    code, out, err = run_main(["check", str(p), "--json", "--date", "2026-03-31", "--base", url])
    doc = json.loads(out)  # … then at 31/03/2026: first observed on 31/12/2025, deadline 30/06/2026
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["first_observed"] == "2025-12-31" and f["deadline"] == "2026-06-30" and f["cure_status"] == "en délai"
    code, out, err = run_main(["check", str(p), "--json", "--date", "2026-07-01", "--base", url])
    doc = json.loads(out)
    (f,) = [f for f in doc["findings"] if f["rule"] == "R139-45/entite-max5"]
    assert f["cure_status"] == "délai dépassé" and rules(doc)["R139-48/delai-regularisation"] == "breach"


def test_an_r139_csv_in_windows_1252_is_told_by_its_header_and_dated_by_its_title_row(tmp_path):
    from helpers import write_csv

    p = write_csv(tmp_path / "p.csv", [["Date d'arrêté : 31/12/2025"],
                                        ["libelle", "nature", "valeur", "devise", "emetteur", "cotation", "pays",
                                         "type_emetteur", "conservation"],
                                        ["OAT", "titre_etat", "500000", "EUR", "République française", "eee", "FR",
                                         "etat", "oui"],
                                        ["Bund", "titre_etat", "500000", "EUR", "Allemagne", "eee", "DE", "etat",
                                         "oui"]])
    code, out, err = run_main(["check", str(p), "--json"])
    doc = json.loads(out)
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["as_of"] == "2025-12-31"


def test_a_bad_constats_sheet_is_bad_input_naming_sheet_row_column_and_value(tmp_path):
    lines = [oat(470_000), oat(470_000, "Bund", "Allemagne", "DE"), bond(60_000)]
    p = book(tmp_path / "p.xlsx", lines, constats=[["R139-45/entite-max5", None, "le 3 mars", None],
                                                   ["R139-45/entite-max5", None, dt.date(2025, 3, 1), "hasard"]])
    code, out, err = run_main(["check", str(p), "--json", "--date", "2025-12-31"])
    assert code == 2 and json.loads(out)["status"] == "error" and "Traceback" not in err
    assert "Feuille « Constats », ligne 2, colonne C (premier_constat)" in err and "le 3 mars" in err
    assert "ligne 3" in err and "hasard" in err
