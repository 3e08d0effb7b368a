"""The report (`reserves report`): Excel and HTML contents against the checker's JSON, formats, charts,
reproducibility, the proposal's trades, the stress view, and bad input."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from fractions import Fraction

import numpy as np
import openpyxl
import pandas as pd
import pytest

from constraints.checker import check
from constraints.rulebook import latest
from constraints.rules import BREACH, UNKNOWN_S
from reserves.portfolio.fmt import fr_euros
from reports import stress
from reports.model import all_readings, build_report
from reports.proposal import match_trades
from reports.xlsx import FIRST_ROW, HEADER_ROW, MONEY, PERCENT, SHEETS
from reserves.app.cli import main
from reserves.portfolio.errors import InputError
from reserves.portfolio.model import from_frame, load
from test_reports_sample import sample_frame

EPOCH = "1767225600"  # 2026-01-01 00:00:00 UTC


def _write(df: pd.DataFrame, path) -> str:
    df.to_excel(path, sheet_name="Portefeuille", index=False)
    return str(path)


def _header_map(ws) -> dict:
    return {ws.cell(row=HEADER_ROW, column=j).value: j for j in range(1, ws.max_column + 1)}


def _rows(ws) -> list[dict]:
    heads = _header_map(ws)
    out = []
    for r in range(FIRST_ROW, ws.max_row + 1):
        out.append({h: ws.cell(row=r, column=j) for h, j in heads.items()})
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The sample portfolio, its JSON verdict and its Excel and HTML reports (fixed timestamp)."""
    d = tmp_path_factory.mktemp("rapport")
    src = _write(sample_frame(), d / "portefeuille.xlsx")
    digest = hashlib.sha256(open(src, "rb").read()).hexdigest()
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        codes = {fmt: main(["report", src, "-o", str(d / f"rapport.{fmt}")]) for fmt in ("xlsx", "html")}
        codes["html2"] = main(["report", src, "-o", str(d / "rapport2.html")])
        codes["xlsx2"] = main(["report", src, "-o", str(d / "rapport2.xlsx")])
    finally:
        mp.undo()
    pf = load(src)
    verdict = check(pf)
    doc = json.loads(json.dumps(verdict.to_dict(), ensure_ascii=False))
    return {"dir": d, "src": src, "digest": digest, "codes": codes, "json": doc, "pf": pf, "verdict": verdict,
            "wb": openpyxl.load_workbook(d / "rapport.xlsx"), "html": (d / "rapport.html").read_text("utf-8"),
            "text": _text((d / "rapport.html").read_text("utf-8"))}


def _text(html: str) -> str:
    """The text a reader sees: tags dropped, entities read."""
    import html as html_mod

    return html_mod.unescape(re.sub(r"<[^>]+>", "", html))


# --------------------------------------------------------------------------- Excel


def test_exit_code_is_the_verdicts_and_the_input_is_untouched(made):
    assert made["json"]["status"] == BREACH
    assert set(made["codes"].values()) == {1}
    assert hashlib.sha256(open(made["src"], "rb").read()).hexdigest() == made["digest"]


def test_workbook_has_one_sheet_per_part(made):
    names = made["wb"].sheetnames
    for key in ("summary", "allocation", "limits", "rules", "findings", "issuers", "buildings", "currencies",
                "stress", "readings", "lines"):
        assert SHEETS[key] in names
    assert names[0] == "Synthèse"
    assert "Proposition" not in names  # no proposal given


def test_rules_sheet_equals_the_checkers_json(made):
    ws = made["wb"]["Règles"]
    rows = {r["Identifiant"].value: r for r in _rows(ws)}
    status_fr = {"ok": "conforme", "breach": "non conforme", "unknown": "à vérifier", "not_applicable": "sans objet"}
    assert len(rows) == len(made["json"]["rules"]) == len(latest().rules)
    for rule in made["json"]["rules"]:
        row = rows[rule["id"]]
        assert row["Statut"].value == status_fr[rule["status"]]
        assert row["Article"].value == rule["article"]
        assert row["Manquements"].value == rule["breaches"]
        assert row["À vérifier"].value == rule["unknowns"]
        assert row["Montant (€)"].value == rule["euros"]
        if rule["value"] is not None and row["Valeur"].value is not None:
            assert row["Valeur"].value == pytest.approx(rule["value"], rel=1e-14)  # Excel keeps 16 digits
            assert row["Limite"].value == rule["limit"]
            assert row["Marge (€)"].value == rule["headroom"]
        quote = latest().rule(rule["id"]).quote
        assert quote in row["Texte appliqué"].value
    # breaches first, then unknown
    order = [r["Statut"].value for r in _rows(ws)]
    assert order.index("non conforme") < order.index("à vérifier") < order.index("conforme")


def test_limits_sheet_amounts_and_headroom_match(made):
    rows = {r["Identifiant"].value: r for r in _rows(made["wb"]["Limites"])}
    by_id = {r["id"]: r for r in made["json"]["rules"]}
    share_rules = [r.id for r in latest().rules if r.kind == "share"]
    assert sorted(rows) == sorted(share_rules)
    for rid, row in rows.items():
        assert row["Montant (€)"].value == by_id[rid]["euros"]
        assert row["Marge (€)"].value == by_id[rid]["headroom"]
        assert row["Limite"].value == by_id[rid]["limit"] == float(latest().rule(rid).limit())
        assert row["Part"].number_format == PERCENT
        assert row["Montant (€)"].number_format == MONEY


def test_findings_sheet_lists_breaches_first_with_amounts(made):
    rows = _rows(made["wb"]["Constats"])
    findings = made["json"]["findings"]
    assert len(rows) == len(findings)
    for row, f in zip(rows, findings):
        assert row["Règle"].value == f["rule"]
        assert row["Objet"].value == f["subject"]
        assert row["Montant concerné (€)"].value == f["euros"]
        assert row["À céder / acheter (€)"].value == f.get("amount")
    statuses = [r["Statut"].value for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s != "non conforme")
    breach = rows[0]
    assert breach["Statut"].fill.fgColor.rgb.endswith("F8CBAD")  # breaches highlighted
    unknown = next(r for r in rows if r["Statut"].value == "à vérifier")
    assert unknown["Colonnes à renseigner"].value  # the data to supply


def test_summary_totals_equal_the_json(made):
    ws = made["wb"]["Synthèse"]
    facts = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(FIRST_ROW, ws.max_row + 1)}
    doc = made["json"]
    assert facts["Verdict"].value == "NON CONFORME"
    assert facts["Poche de réserves (coupons courus inclus)"].value == doc["total"]
    assert facts["Base des limites de l'article R. 623-10-1"].value == doc["base"]
    assert facts["Poche gestion (R. 623-10)"].value == doc["gestion_total"]
    assert facts["Disponibilités exclues de la base (R. 623-10-1)"].value == doc["excluded"]
    assert facts["Version du règlement"].value.startswith(doc["version"]["id"])
    assert facts["Base des limites de l'article R. 623-10-1"].number_format == MONEY
    assert facts["Nombre de lignes"].value == doc["lines"]


def test_allocation_by_category_adds_up_to_the_base(made):
    rows = _rows(made["wb"]["Allocation"])
    total = sum(round(r["Valeur (€)"].value * 100) for r in rows)
    assert total == round(made["json"]["base"] * 100)
    seven = next(r for r in rows if r["Catégorie"].value == "7°")
    pf = made["pf"]
    L = pf.lines
    m = (L["category"] == 7) & ~L["gestion"] & ~L["excluded"]
    assert round(seven["Valeur (€)"].value * 100) == int(L.loc[m, "value"].sum())
    assert seven["Part de la base"].value == pytest.approx(int(L.loc[m, "value"].sum()) / (made["json"]["base"] * 100))


def test_issuer_sheet_top_20_with_the_breach(made):
    rows = _rows(made["wb"]["Émetteurs"])
    assert 0 < len(rows) <= 20
    values = [r["Valeur (€)"].value for r in rows]
    assert values == sorted(values, reverse=True)
    breach = next(f for f in made["json"]["findings"] if f["rule"] == "R623-10-1/emetteur-max5")
    top = rows[0]
    assert top["Émetteur"].value == breach["subject"]
    assert top["Valeur (€)"].value == breach["euros"]
    assert top["Statut"].value == "non conforme"
    assert top["Plafond"].value == float(latest().rule("R623-10-1/emetteur-max5").limit())
    assert top["Marge (€)"].value == -breach["amount"]


def test_every_table_sheet_is_laid_out_for_a_finance_person(made):
    for ws in made["wb"].worksheets:
        assert ws.freeze_panes == f"A{FIRST_ROW}", ws.title
        assert ws.print_area, ws.title
        assert ws.page_setup.orientation in ("landscape", "portrait")
        assert ws.column_dimensions["A"].width and ws.column_dimensions["B"].width > 8
        if ws.title != "Synthèse":
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:"), ws.title
    lines = made["wb"]["Détail des lignes"]
    heads = _header_map(lines)
    assert lines.cell(row=FIRST_ROW, column=heads["Valeur (€)"]).number_format == '#,##0.00 "€";-#,##0.00 "€"'
    assert "duree" in heads  # extra columns carried through
    assert lines.max_row - HEADER_ROW == made["json"]["lines"]


def test_native_excel_charts(made, tmp_path):
    wb = made["wb"]
    for sheet in ("Allocation", "Limites", "Émetteurs", "Immeubles"):
        assert len(wb[sheet]._charts) == 1, sheet
    combo = wb["Limites"]._charts[0]
    kinds = {type(c).__name__ for c in combo._charts}
    assert kinds == {"BarChart", "LineChart"}  # bars with the limit marked
    with zipfile.ZipFile(made["dir"] / "rapport.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) >= 4
        xml = z.read("xl/charts/chart2.xml").decode()
        assert "barChart" in xml and "lineChart" in xml and "Limites" in xml


def test_same_input_same_bytes(made):
    d = made["dir"]
    assert (d / "rapport.xlsx").read_bytes() == (d / "rapport2.xlsx").read_bytes()
    assert (d / "rapport.html").read_bytes() == (d / "rapport2.html").read_bytes()
    with zipfile.ZipFile(d / "rapport.xlsx") as z:  # no clock inside: the generation timestamp, a fixed zip date
        core = z.read("docProps/core.xml").decode()
        assert core.count("2026-01-01T00:00:00Z") == 2
        assert len({i.date_time for i in z.infolist()}) == 1 and z.infolist()[0].date_time[0] == 1980


def test_only_the_timestamp_differs_between_runs(made, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 3 * 86400 + 3723))
    out = tmp_path / "autre.html"
    assert main(["report", made["src"], "-o", str(out)]) == 1
    a, b = made["html"], out.read_text("utf-8")
    assert a != b
    stamp = re.compile(r"\d{1,2}(er)? \w+ \d{4} à \d\d:\d\d:\d\d")
    assert stamp.sub("T", a) == stamp.sub("T", b)


# --------------------------------------------------------------------------- HTML


def test_html_is_well_formed_html5(made):
    html5lib = pytest.importorskip("html5lib")
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(made["html"])  # raises on any parse error
    assert made["html"].startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in made["html"]


@pytest.mark.skipif(shutil.which("html-validate") is None, reason="html-validate (npm) absent")
def test_html_validates_with_html_validate(made, tmp_path):
    (tmp_path / ".htmlvalidate.json").write_text('{"extends": ["html-validate:recommended"], "root": true}')
    f = tmp_path / "rapport.html"
    f.write_text(made["html"], encoding="utf-8")
    res = subprocess.run(["html-validate", str(f)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_html_has_no_external_reference(made):
    html = made["html"]
    without_ns = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html)
    assert "url(" not in html and "@import" not in html
    assert html.count("<svg") >= 4  # charts inline


def test_html_says_what_the_board_needs(made):
    html, doc = made["text"], made["json"]
    for text in ("Rapport sur les placements des réserves", "Synthèse", "NON CONFORME", doc["version"]["id"],
                 "Lectures du texte appliquées", "Annexe : détail des lignes", "Choc de marché",
                 fr_euros(round(doc["base"] * 100)), "1er janvier 2026 à 00:00:00"):
        assert text in html, text
    for f in doc["findings"]:
        assert f["rule"] in html
    for r in latest().rules:
        assert r.quote[:60] in html


def test_readings_are_printed_from_the_single_source(made):
    readings = all_readings()
    ids = [r["id"] for r in readings]
    assert [i for i in ids if i.startswith("L")] == [f"L{k}" for k in range(1, 15)]
    known = {r.id for r in latest().rules}
    for r in readings:
        assert r["rules"] == "all" or set(r["rules"]) <= known, r["id"]
        assert r["title"] in made["text"]
    ws = made["wb"]["Lectures"]
    assert [r["Lecture"].value for r in _rows(ws)] == ids


def test_readings_of_rules_not_applicable_are_left_out():
    df = sample_frame(clean=True)
    df = df[df["categorie"].isin(["1", "2"])]
    pf = from_frame(df.reset_index(drop=True))
    data = build_report(pf, check(pf))
    ids = {r["id"] for r in data.readings}
    assert "L6" not in ids  # no building: the building cap is not applicable
    assert {"L9", "L13", "L4"} <= ids


# --------------------------------------------------------------------------- proposal


def _after_frame():
    df = sample_frame()
    after = df.copy()
    i7 = after.index[after["categorie"] == "7"][0]
    after.loc[i7, "valeur"] = "5000000.00"  # sell 2 500 000
    i9 = after.index[after["categorie"] == "9"][0]
    after = after.drop(index=i9)  # sell the whole building
    new = df.loc[[df.index[df["categorie"] == "1"][0]]].copy()
    new["libelle"] = "OAT nouvelle"
    new["isin"] = None
    new["coupon_couru"] = None
    new["valeur"] = "9300000.00"
    return df, pd.concat([after, new], ignore_index=True)


def test_trades_are_matched_by_isin_then_label():
    df, after = _after_frame()
    before, aft = from_frame(df), from_frame(after)
    trades = match_trades(before, aft)
    by_label = {t.label: t for t in trades}
    assert len(trades) == 3
    sold = [t for t in trades if t.action == "vente"]
    assert sorted(t.amount for t in sold) == [250_000_000, 680_000_000]
    assert by_label["OAT nouvelle"].action == "achat" and by_label["OAT nouvelle"].amount == 930_000_000
    assert sum(t.after - t.before for t in trades) == int(aft.lines["value"].sum() - before.lines["value"].sum())


def test_report_with_a_proposal(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    df, after = _after_frame()
    src = _write(df, tmp_path / "portefeuille.xlsx")
    prop = _write(after, tmp_path / "proposition.xlsx")
    out = tmp_path / "rapport.xlsx"
    code = main(["report", src, "--proposition", prop, "-o", str(out), "--sans-choc"])
    assert code == 1
    wb = openpyxl.load_workbook(out)
    assert "Choc de marché" not in wb.sheetnames
    orders = _rows(wb["Ordres"])
    assert sorted((r["Sens"].value, r["Montant (€)"].value) for r in orders) == [
        ("achat", 9_300_000.0), ("vente", 2_500_000.0), ("vente", 6_800_000.0)]
    prop_rows = _rows(wb["Proposition"])
    nine = next(r for r in prop_rows if r["Catégorie"].value == "9°")
    assert nine["Écart (€)"].value == pytest.approx(-6_800_000.0)
    assert len(wb["Proposition"]._charts) == 1
    after_verdict = check(load(prop))
    facts = {wb["Synthèse"].cell(row=r, column=1).value: wb["Synthèse"].cell(row=r, column=2).value
             for r in range(FIRST_ROW, wb["Synthèse"].max_row + 1)}
    assert facts["Verdict après la proposition"] == {"ok": "CONFORME", "unknown": "À VÉRIFIER",
                                                     "breach": "NON CONFORME"}[after_verdict.status]
    html_out = tmp_path / "rapport.html"
    assert main(["report", src, "--proposition", prop, "-o", str(html_out)]) == 1
    html = html_out.read_text("utf-8")
    assert "Proposition de réallocation" in html and "OAT nouvelle" in html and "Allocation avant / après" in html
    assert not re.search(r"\bnan\b", _text(html), re.I)  # a line without ISIN prints an empty cell
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and re.search(r"\bnan\b", v, re.I) for v in row), ws.title


# --------------------------------------------------------------------------- stress


def _real_estate_heavy():
    """Base 100 M€: 19 M€ of 9° in four buildings, 40 M€ of equities, the rest government bonds."""
    rows = []
    for i in range(4):
        rows.append({"libelle": f"Immeuble {i}", "categorie": "9", "valeur": "4750000.00", "devise": "EUR",
                     "pays": "FR", "immeuble": f"Imm {i}"})
    for i in range(10):
        rows.append({"libelle": f"Action {i}", "categorie": "7", "valeur": "4000000.00", "devise": "EUR",
                     "emetteur": f"Société {i}", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui",
                     "quantite": 100, "quantite_emise": 100000})
    for i in range(41):
        rows.append({"libelle": f"OAT {i}", "categorie": "1", "valeur": "1000000.00", "devise": "EUR", "pays": "FR",
                     "emetteur": "République française", "conservation": "oui", "quantite": 1000,
                     "quantite_emise": 10**9})
    return pd.DataFrame(rows)


def test_stress_finds_the_first_passive_breach_at_the_right_size():
    pf = from_frame(_real_estate_heavy())
    verdict = check(pf)
    assert verdict.result("R623-10-1/immobilier-max20").status == "ok"
    res = stress.run(pf, verdict, {"actions": Fraction(-30)})
    first = res.breaking[0]
    assert first.rule_id == "R623-10-1/immobilier-max20"
    # 19 / (100 - 0.3·s·40) > 0.2  ⇔  s > (100 - 95) / 12
    assert first.first_break == pytest.approx(5 / 12, abs=0.005)
    assert first.status_after == BREACH
    # just before the break the checker still passes; just after, it breaks
    dur = np.zeros(len(pf.lines))
    below = check(pf.with_values(stress.shocked(pf, {"actions": Fraction(-30)}, first.first_break - 0.01, dur)))
    above = check(pf.with_values(stress.shocked(pf, {"actions": Fraction(-30)}, first.first_break, dur)))
    assert below.result(first.rule_id).status == "ok" and above.result(first.rule_id).status == BREACH


def test_rates_shock_uses_the_duration_column_or_the_stated_default():
    df = _real_estate_heavy()
    pf = from_frame(df)
    v = shocked = stress.shocked(pf, {"taux": Fraction(100)}, 1.0, np.full(len(df), 7.0))
    assert v[-1] == 93_000_000  # OAT of 1 000 000,00 € with duration 7: -7 %
    df["duree"] = 2.5
    pf2 = from_frame(df)
    res = stress.run(pf2, check(pf2), {"taux": Fraction(100)})
    assert res.durations_from == "duree" and res.defaulted_lines == 0
    assert res.total_before - res.total_after == 41 * 2_500_000  # 2,5 % of 41 M€
    res_default = stress.run(pf, check(pf), {"taux": Fraction(100)})
    assert res_default.durations_from == "" and res_default.defaulted_lines == 41
    assert shocked is v


def test_stress_view_in_the_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    src = _write(_real_estate_heavy(), tmp_path / "p.xlsx")
    out = tmp_path / "r.xlsx"
    assert main(["report", src, "-o", str(out), "--choc", "actions=-30", "--choc", "immobilier=0"]) in (0, 3)
    rows = {r["Règle"].value: r for r in _rows(openpyxl.load_workbook(out)["Choc de marché"])}
    row = rows["R623-10-1/immobilier-max20"]
    assert row["Statut après le choc"].value == "non conforme"
    assert row["Rupture à (% du scénario)"].value == pytest.approx(5 / 12, abs=0.005)
    html = tmp_path / "r.html"
    main(["report", src, "-o", str(html), "--choc", "actions=-30"])
    text = html.read_text("utf-8")
    assert "Limites qui seraient franchies" in text and "20 % au plus en immobilier" in text


@pytest.mark.parametrize("text", ["actions", "actions=abc", "volcan=-10", "actions=-100", "taux=+1%", "actions=5pb"])
def test_bad_shocks_are_refused_in_french(text):
    with pytest.raises(InputError) as exc:
        stress.parse_shock(text)
    assert "choc" in str(exc.value.problems[0])


def test_shock_parsing():
    assert stress.parse_shock("actions=-30") == ("actions", Fraction(-30))
    assert stress.parse_shock(" taux = +100 pb") == ("taux", Fraction(100))
    assert stress.parse_shock("immo=-12,5 %") == ("immobilier", Fraction(-25, 2))
    assert stress.parse_scenario(None) == stress.DEFAULT_SCENARIO


# --------------------------------------------------------------------------- command line


def test_bad_input_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "p.xlsx"
    df = sample_frame().head(5)
    df.loc[df.index[0], "valeur"] = "beaucoup"
    _write(df, bad)
    before = bad.read_bytes()
    assert main(["report", str(bad), "-o", str(tmp_path / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Portefeuille" in err and "ligne 2" in err and "beaucoup" in err and "Traceback" not in err
    assert bad.read_bytes() == before
    assert not (tmp_path / "r.xlsx").exists()


def test_refuses_to_overwrite_the_portfolio(tmp_path, capsys):
    src = _write(sample_frame().head(10), tmp_path / "p.xlsx")
    before = open(src, "rb").read()
    assert main(["report", src, "-o", src]) == 2
    assert "remplacerait" in capsys.readouterr().err
    assert open(src, "rb").read() == before


def test_unknown_format_and_missing_folder(tmp_path, capsys):
    src = _write(sample_frame().head(10), tmp_path / "p.xlsx")
    assert main(["report", src, "-o", str(tmp_path / "r.docx")]) == 2
    assert main(["report", src, "-o", str(tmp_path / "absent" / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "format de rapport inconnu" in err and "dossier de sortie introuvable" in err


def test_compliant_portfolio_gives_a_conforme_report(tmp_path):
    src = _write(sample_frame(clean=True), tmp_path / "p.xlsx")
    out = tmp_path / "r.html"
    code = main(["report", src, "-o", str(out), "--sans-choc"])
    verdict = check(load(src))
    assert code == verdict.exit_code
    if verdict.status == "ok":
        assert "v-ok" in out.read_text("utf-8")
    else:  # the sample leaves some data to check
        assert verdict.status == UNKNOWN_S and "À VÉRIFIER" in out.read_text("utf-8")
