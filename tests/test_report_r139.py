"""The R. 139 report (`reserves report` on a portfolio dated 8 July 2019 or later), through the real command.

The R. 139 sample with breaches is reported in xlsx, html and pdf; every figure the report shows is held against
the verdict of `reserves check --json` on the same file: the régimes' actif de placement, each rule's value, limit
and headroom, each breach's amount, the entities and the 40 % basket, the issuers' shares, the currency exposure,
the funds looked through and their holdings, the cure deadlines, every point to check with what to fill.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from reports.r139_xlsx import SHEETS139
from reports.xlsx import HEADER_ROW
from reserves.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "portefeuille_r139_manquements.xlsx"
COMPLIANT = ROOT / "samples" / "portefeuille_r139_conforme.xlsx"
TPT = ROOT / "samples" / "tpt_fonds_credit_euro.xlsx"
HAVE_PDF = bool(shutil.which("chromium") or shutil.which("chromium-browser")) and bool(shutil.which("pdftotext"))
needs_pdf = pytest.mark.skipif(not HAVE_PDF, reason="chromium and poppler-utils are installed by tests/run")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
CENT = 0.005


def _norm(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _json(capsys, *argv) -> dict:
    capsys.readouterr()
    main(["check", *map(str, argv), "--json"])
    return json.loads(capsys.readouterr().out)


def _sheet(wb, key) -> list[dict]:
    """The rows of a table sheet as {header: value}."""
    ws = wb[SHEETS139[key]]
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if any(v not in (None, "") for v in r)]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp("rapport139")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = {}
    try:
        for fmt in ("xlsx", "html") + (("pdf",) if HAVE_PDF else ()):
            path = d / f"rapport.{fmt}"
            assert main(["report", str(SAMPLE), "-o", str(path)]) == 1
            out[fmt] = path
        path = d / "tpt.xlsx"
        assert main(["report", str(SAMPLE), "--transparence", str(TPT), "-o", str(path)]) == 1
        out["tpt.xlsx"] = path
    finally:
        mp.undo()
    out["dir"] = d
    return out


@pytest.fixture(scope="module")
def verdict(made):
    import io
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", str(SAMPLE), "--json"])
    doc = json.loads(buf.getvalue())
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", str(SAMPLE), "--transparence", str(TPT), "--json"])
    doc["with_tpt"] = json.loads(buf.getvalue())
    return doc


@pytest.fixture(scope="module")
def wb(made):
    book = openpyxl.load_workbook(made["xlsx"])
    yield book
    book.close()


# --------------------------------------------------------------------------- the command


def test_the_report_picks_the_rulebook_by_the_portfolios_date(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(SAMPLE), "-o", str(out)]) == 1
    said = capsys.readouterr().out
    assert "R139-2019-07-08" in said and "non conforme" in said
    html = out.read_text("utf-8")
    assert "R139-2019-07-08" in html and "31 décembre 2025" in html and "date du fichier" in html
    # a date in the gap between the two texts: a clear refusal, no report
    gap = tmp_path / "gap.html"
    assert main(["report", str(SAMPLE), "--date", "30/06/2018", "-o", str(gap)]) == 2
    said = capsys.readouterr()
    assert "non couverte" in said.out + said.err
    assert not gap.exists()
    # the compliant R. 139 sample with its fund's TPT file: exit 0, « CONFORME »
    ok = tmp_path / "ok.html"
    assert main(["report", str(COMPLIANT), "--transparence", str(TPT), "-o", str(ok)]) == 0
    assert "CONFORME" in ok.read_text("utf-8")


def test_transparence_is_accepted_as_by_check(made, verdict):
    funds = {r["Fonds"]: r for r in _sheet(openpyxl.load_workbook(made["tpt.xlsx"]), "funds")}
    assert funds["Fonds Crédit Euro IC"]["Inventaire"] == "utilisé"
    assert funds["Fonds Crédit Euro IC"]["Placements"] > 0
    without = {r["Fonds"]: r for r in _sheet(openpyxl.load_workbook(made["xlsx"]), "funds")}
    assert without["Fonds Crédit Euro IC"]["Inventaire"] == "aucun inventaire"
    assert without["Fonds Crédit Euro IC"]["Statut"] == "à vérifier"
    holdings = _sheet(openpyxl.load_workbook(made["tpt.xlsx"]), "holdings")
    assert len(holdings) == verdict["with_tpt"]["lookthrough_lines"]


def test_a_bad_transparence_file_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "tpt.csv"
    bad.write_text("pas un TPT\n1;2\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert main(["report", str(SAMPLE), "--transparence", str(bad), "-o", str(out)]) == 2
    assert not out.exists()
    assert "Traceback" not in capsys.readouterr().err


# --------------------------------------------------------------------------- figures against the checker


def test_synthesis_regimes_and_base_are_the_checkers(wb, verdict):
    summary = {r[0]: r[1] for r in wb[SHEETS139["summary"]].iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert summary["Verdict"] == "NON CONFORME"
    assert summary["Version du règlement"].startswith("R139-2019-07-08")
    assert summary["Date du portefeuille"].date() == dt.date.fromisoformat(verdict["as_of"])
    assert abs(summary["Actif de placement (total)"] - verdict["base"]) < CENT
    for r in verdict["regimes"]:
        key = next(k for k in summary if k.startswith(f"Actif de placement — régime « {r['regime']} »"))
        assert abs(summary[key] - r["base"]) < CENT
    assert summary["Règles non conformes"] == sum(r["status"] == "breach" for r in verdict["rules"])
    assert summary["Constats : à vérifier"] == sum(f["status"] == "unknown" for f in verdict["findings"])


def test_every_rule_figure_is_the_checkers(wb, verdict):
    rows = {r["Identifiant"]: r for r in _sheet(wb, "rules")}
    assert set(rows) == {r["id"] for r in verdict["rules"]}
    for r in verdict["rules"]:
        row = rows[r["id"]]
        assert row["Statut"] == {"ok": "conforme", "breach": "non conforme", "unknown": "à vérifier",
                                 "not_applicable": "sans objet"}[r["status"]]
        if r["limit"] is not None:
            assert row["Limite"] == pytest.approx(r["limit"])
            if r["value"] is not None:
                assert row["Valeur"] == pytest.approx(r["value"])
            if r["euros"] is not None:
                assert abs(row["Montant (€)"] - r["euros"]) < CENT
            if r["headroom"] is not None:
                assert abs(row["Marge (€)"] - r["headroom"]) < CENT
        assert row["Manquements"] == r["breaches"] and row["À vérifier"] == r["unknowns"]


def test_caps_by_regime_hold_each_regimes_breach(wb, verdict):
    caps = _sheet(wb, "caps")
    ids = {r["Identifiant"] for r in caps}
    assert {"R139-41/actions-max25", "R139-41/immobilier-max20", "R139-43/contrats-max10",
            "R139-44/change-max15"} <= ids
    for f in verdict["findings"]:
        if f["status"] != "breach" or not f["rule"].startswith(("R139-41/", "R139-44/")):
            continue
        row = next(r for r in caps if r["Identifiant"] == f["rule"] and r["Régime"] == f["regime"])
        assert row["Statut"] == "non conforme"
        assert abs(row["Valeur (€)"] - f["euros"]) < CENT
        assert row["Part"] == pytest.approx(f["value"])
        assert abs(-row["Marge (€)"] - f["amount"]) < CENT  # the excess is what the finding says to sell


def test_entities_and_the_basket_are_the_checkers(wb, verdict):
    ents = _sheet(wb, "entities")
    for f in verdict["findings"]:
        if f["status"] != "breach":
            continue
        if f["rule"] == "R139-45/entite-max5":
            row = next(r for r in ents if r["Entité"] == f["subject"] and r["Régime"] == f["regime"])
            assert abs(row["Dépôts exclus (€)"] - f["euros"]) < CENT and row["Statut"] == "non conforme"
        if f["rule"] == "R139-45/entite-depots-max10":
            row = next(r for r in ents if r["Entité"] == f["subject"] and r["Régime"] == f["regime"])
            assert abs(row["Dépôts compris (€)"] - f["euros"]) < CENT
        if f["rule"] == "R139-45/cumul-max40":
            basket = [r for r in ents if r["Régime"] == f["regime"] and r["Panier 40 %"] == "oui"]
            assert abs(sum(r["Dépôts compris (€)"] for r in basket) - f["euros"]) < 0.01 * len(basket) + CENT
            assert len(basket) == int(re.match(r"(\d+) entité", f["message"]).group(1))
            for r in basket:
                assert r["Part dépôts compris"] > 0.05


def test_issuer_shares_currency_and_assets_are_the_checkers(wb, verdict):
    issuers = _sheet(wb, "issuers")
    assets = _sheet(wb, "assets")
    cur = _sheet(wb, "currencies")
    for f in verdict["findings"]:
        if f["status"] != "breach":
            continue
        if f["rule"].startswith("R139-46/"):
            row = next(r for r in issuers if r["Émetteur"] == f["subject"] and r["Régime"] == f["regime"])
            assert abs(row["Détenu (€)"] - f["euros"]) < CENT
            assert row["Part détenue"] == pytest.approx(f["value"], rel=1e-9)
            assert abs(-row["Marge (€)"] - f["amount"]) < 0.02
        if f["rule"] == "R139-45/immeuble-max10":
            row = next(r for r in assets if r["Objet"] == f["subject"] and r["Régime"] == f["regime"])
            assert abs(row["Valeur (€)"] - f["euros"]) < CENT
        if f["rule"] == "R139-44/change-max15":
            mine = [r for r in cur if r["Régime"] == f["regime"]]
            assert abs(sum(abs(r["Exposition nette (€)"]) for r in mine) - f["euros"]) < 0.01 * len(mine) + CENT
            for r in mine:  # each currency's figure is the one the finding's message names
                assert r["Devise"] in f["message"]


def test_lookthrough_inventory_lists_every_fund_and_holding(wb, verdict):
    funds = _sheet(wb, "funds")
    holdings = _sheet(wb, "holdings")
    assert len(holdings) == verdict["lookthrough_lines"]
    counted = {}
    for h in holdings:
        counted[(h["Régime"], h["Ligne du fonds"])] = counted.get((h["Régime"], h["Ligne du fonds"]), 0) + 1
        assert h["Feuille"] and h["Ligne vue"] and h["Fonds (via)"]
    for f in funds:
        if f["Inventaire"] == "utilisé":
            assert counted[(f["Régime"], f["Ligne"])] == f["Placements"]
            assert f["Valorisé le"] is not None and f["Facteur k"] > 0
    # the look-through rows a finding names carry its rule
    for f in verdict["findings"]:
        for w in f.get("lookthrough_rows", [])[:5]:
            h = next(x for x in holdings if x["Feuille"] == w["sheet"] and x["Ligne vue"] == w["row"])
            assert f["rule"] in (h["Constats"] or "")
    # the fund without inventory is the checker's point to check
    blind = [f for f in verdict["findings"] if f["rule"] == "R139-17/transparence"]
    assert blind and all(any(r["Fonds"] == f["subject"] and r["Statut"] == "à vérifier" for r in funds) for f in blind)


def test_breaches_with_first_observation_and_deadline(wb, verdict, tmp_path):
    rows = _sheet(wb, "breaches")
    breaches = [f for f in verdict["findings"] if f["status"] == "breach"]
    assert len(rows) == len(breaches)
    for f, r in zip(breaches, rows):
        assert (r["Règle"], r["Objet"], r["Régime"]) == (f["rule"], f["subject"], f["regime"])
        assert abs((r["Montant (€)"] or 0) - (f.get("amount") or 0)) < CENT
        assert r["Premier constat"] == "inconnue" and "Constats" in r["Échéance"]  # the sample has no Constats sheet
    # with a Constats sheet: the first date and the deadline (six months) of R. 139-48
    src = openpyxl.load_workbook(SAMPLE)
    ws = src.create_sheet("Constats")
    ws.append(["regle", "sujet", "premier_constat", "cause"])
    ws.append(["R139-41/actions-max25", None, dt.datetime(2025, 9, 30), None])
    ws.append(["R139-45/entite-max5", "SCI Tour Horizon", dt.datetime(2025, 3, 31), None])
    path = tmp_path / "avec_constats.xlsx"
    src.save(path)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(path), "-o", str(out)]) == 1
    got = {(r["Règle"], r["Objet"]): r for r in _sheet(openpyxl.load_workbook(out), "breaches")}
    eq = next(v for k, v in got.items() if k[0] == "R139-41/actions-max25")
    assert eq["Premier constat"] == "30/09/2025" and eq["Échéance"].startswith("30/03/2026") and eq["Délai"] == "en délai"
    sci = got[("R139-45/entite-max5", "SCI Tour Horizon")]
    assert sci["Premier constat"] == "31/03/2025" and sci["Échéance"].startswith("30/09/2025")
    assert sci["Délai"] == "délai dépassé"
    late = got[("R139-48/delai-regularisation", "R139-45/entite-max5 — SCI Tour Horizon")]
    assert late["Échéance"].startswith("30/09/2025")


def test_every_point_to_check_says_what_to_fill(wb, verdict):
    rows = _sheet(wb, "unknowns")
    unknowns = [f for f in verdict["findings"] if f["status"] == "unknown"]
    assert len(rows) == len(unknowns)
    for f, r in zip(unknowns, rows):
        assert r["Règle"] == f["rule"] and r["Objet"] == f["subject"]
        assert r["À renseigner"] and r["À renseigner"] != "voir le constat", f
        for c in f.get("columns", []):
            assert c in r["À renseigner"] or r["Règle"].startswith("R139-48/")


# --------------------------------------------------------------------------- what a reader sees


def test_no_nan_and_amounts_with_no_break_spaces(made):
    html = made["html"].read_text("utf-8")
    assert not NAN.search(html)
    assert re.search(r"\d,\d\d\u202f€", html) and not re.search(r"\d[ ]€", html)
    assert not re.search(r"\d %", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))  # « 20,00 % » keeps its sign
    for path in (made["xlsx"], made["tpt.xlsx"]):
        book = openpyxl.load_workbook(path, read_only=True)
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    assert not (isinstance(v, str) and NAN.search(v)), (ws.title, v)
                    assert not (isinstance(v, float) and v != v), ws.title
        book.close()


def test_every_sheet_prints(wb):
    for ws in wb.worksheets:
        assert ws.print_area, ws.title
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth or 1) == 1, ws.title
        assert ws.page_setup.orientation == ("portrait" if ws.title in ("Synthèse", "Devises") else "landscape"), \
            ws.title
        if ws.title != "Synthèse":
            assert ws.print_title_rows, ws.title
    # wrapped rows have a height: the « Constat » column never overlaps the next row
    ws = wb[SHEETS139["breaches"]]
    assert all(ws.row_dimensions[r].height for r in range(HEADER_ROW + 1, ws.max_row + 1))
    # the chart of the caps sits inside the print area
    ws = wb[SHEETS139["caps"]]
    assert ws._charts
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    last_row = int(re.findall(r"\$?[A-Z]+\$?(\d+)", area)[-1])
    anchor = ws._charts[0].anchor._from
    assert anchor.row + 1 < last_row


@needs_pdf
def test_the_pdf_reads_as_a_commission_reads_it(made, verdict):
    info = subprocess.run(["pdfinfo", str(made["pdf"])], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert n <= 30
    pages = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(made["pdf"]), "-"], capture_output=True,
                            text=True, check=True).stdout for p in range(1, n + 1)]
    text = _norm("\n".join(pages))
    assert not NAN.search(text)
    summary = _norm(pages[1])
    assert summary.startswith("Synthèse") and "NON CONFORME" in summary
    breaches = [f for f in verdict["findings"] if f["status"] == "breach"]
    assert f"Manquements ({len(breaches)})" in summary
    for f in breaches:  # every breach on the synthesis page
        assert _norm(f["subject"]) in summary, f["subject"]
    for part in ("Allocation par nature", "Plafonds : valeur, limite et marge", "Entités : 5 %, 10 % et 40 %",
                 "R. 139-46", "Exposition de change", "compensés par contrepartie", "Inventaire vu par transparence",
                 "délais de régularisation", "ce qu'il faut renseigner"):
        assert part in text, part
    for raw in pages:
        for ln in raw.splitlines():
            assert not ln.strip().startswith("€") and not ln.strip().startswith("%"), ln
    _no_heading_left_at_a_page_foot(made["pdf"], n)


def _no_heading_left_at_a_page_foot(pdf, n: int) -> None:
    """No page ends with a heading, or with a table's head whose rows start on the next page (the head is then
    printed again at the top of that page)."""
    def content(p):
        raw = subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        lines = [" ".join(ln.split()) for ln in raw.splitlines() if ln.strip()]
        return [ln for ln in lines if not re.search(r"page \d+ / \d+$", ln)]  # the running footer

    pages = [content(p) for p in range(1, n + 1)]
    for i in range(1, n - 1):
        tail, head = pages[i][-2:], pages[i + 1][:2]
        assert not set(tail) & set(head), (i + 1, tail)
        assert not (tail and re.match(r"^\d+\.\d+ \S", tail[-1])), (i + 1, tail)


def test_the_report_is_recorded_and_reads_first_observations_from_the_journal(tmp_path, capsys):
    """--audit: the report is a `report` record (version, verdict, file's and report's SHA-256), and a breach an
    earlier check of the same file found gets that check's date as its first observation (R. 139-48)."""
    from reserves.app.audit import AuditLog

    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    pf = tmp_path / "portefeuille_r139_manquements.xlsx"
    pf.write_bytes(SAMPLE.read_bytes())
    assert main(["check", str(pf), "--date", "30/09/2025", "--audit", "--base", url, "--json"]) == 1
    out = tmp_path / "rapport.xlsx"
    assert main(["report", str(pf), "-o", str(out), "--audit", "--base", url, "--utilisateur", "marie"]) == 1
    capsys.readouterr()
    with AuditLog(url) as log:
        recs = log.list(10)
    rep = next(r for r in recs if r.kind == "report")
    assert rep.version == "R139-2019-07-08" and rep.status == "breach"
    assert rep.payload["output"]["name"] == "rapport.xlsx" and len(rep.payload["output"]["sha256"]) == 64
    assert rep.payload["verdict"]["as_of"] == "2025-12-31"
    rows = {(r["Règle"], r["Objet"]): r for r in _sheet(openpyxl.load_workbook(out), "breaches")}
    sci = rows[("R139-45/entite-max5", "SCI Tour Horizon")]
    assert sci["Premier constat"] == "30/09/2025" and sci["Échéance"].startswith("30/03/2026")
    assert sci["Délai"] == "en délai"


def _workbook(path, lines: list[dict]) -> None:
    import pandas as pd

    frame = pd.DataFrame(lines)
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        frame.to_excel(xw, sheet_name="Portefeuille", index=False, startrow=2)
        xw.sheets["Portefeuille"].write_string(0, 0, "Date d'arrêté : 31/12/2025")


def test_contracts_by_counterparty_and_currency_netting_are_the_checkers(tmp_path, capsys):
    """Contracts netted within a counterparty, never across (R. 139-43, RR 12); an exchange hedge netted within its
    currency (R. 139-44, RR 13): the report's tables sum to the checker's figures."""
    from r139 import ln

    lines = [ln("titre_etat", 45_000_000, emetteur="République française"),
             ln("titre_etat", 38_000_000, emetteur="République fédérale d'Allemagne", pays="DE"),
             *[ln("action", 1_000_000, emetteur=f"Société {k}", groupe=f"GRP{k}") for k in range(15)],
             ln("action", 2_000_000, devise="USD", emetteur="Apple Inc", groupe="APPLE", pays="US", cotation="ocde"),
             ln("contrat_financier", 0, contrepartie="BNP Paribas", exposition=3_000_000, notionnel=10_000_000),
             ln("contrat_financier", 0, contrepartie="BNP Paribas", exposition=-1_000_000, notionnel=5_000_000),
             ln("contrat_financier", 0, contrepartie="Goldman Sachs", exposition=1_000_000, notionnel=4_000_000),
             ln("contrat_financier", 0, contrepartie="HSBC", type_contrat="terme", type_sous_jacent="change",
                devise_exposition="USD", exposition=-1_500_000, notionnel=1_500_000)]
    src = tmp_path / "contrats.xlsx"
    _workbook(src, lines)
    doc = _json(capsys, src)
    rules = {r["id"]: r for r in doc["rules"]}
    out = tmp_path / "r.xlsx"
    code = main(["report", str(src), "-o", str(out)])
    assert code == {"ok": 0, "breach": 1, "unknown": 3}[doc["status"]]
    wb = openpyxl.load_workbook(out)
    cps = {r["Contrepartie"]: r for r in _sheet(wb, "contracts")}
    assert set(cps) == {"BNP Paribas", "Goldman Sachs", "HSBC"}
    assert cps["BNP Paribas"]["Contrats"] == 2 and cps["BNP Paribas"]["Exposition nette (€)"] == 2_000_000
    assert cps["BNP Paribas"]["Expositions brutes (€)"] == 4_000_000
    assert cps["HSBC"]["Exposition nette (€)"] == -1_500_000
    total = sum(abs(r["Exposition nette (€)"]) for r in cps.values())
    assert total == pytest.approx(rules["R139-43/contrats-max10"]["euros"])
    assert rules["R139-43/contrats-max10"]["euros"] == 4_500_000  # netted per counterparty only
    cur = {r["Devise"]: r for r in _sheet(wb, "currencies")}
    assert cur["USD"]["Détenu (€)"] == 2_000_000 and cur["USD"]["Contrats (€)"] == -1_500_000
    assert cur["USD"]["Exposition nette (€)"] == 500_000
    assert rules["R139-44/change-max15"]["euros"] == pytest.approx(sum(abs(r["Exposition nette (€)"])
                                                                       for r in cur.values()))
    caps = {r["Identifiant"]: r for r in _sheet(wb, "caps")}
    for rid in ("R139-43/contrats-max10", "R139-44/change-max15", "R139-41/actions-max25"):
        assert caps[rid]["Valeur (€)"] == pytest.approx(rules[rid]["euros"])
        assert caps[rid]["Marge (€)"] == pytest.approx(rules[rid]["headroom"])
    # no look-through here: the inventory part says so, and the R. 139-15 caps of the other régime are left out
    assert not _sheet(wb, "funds")
    assert not any(r.startswith("R139-15/") for r in caps)


def test_the_regime_simplifie_gives_the_checks_verdict(tmp_path, capsys):
    """--regime-simplifie on report as on check: the same verdict, the caps of R. 139-15 in place of R. 139-41."""
    doc = _json(capsys, SAMPLE, "--regime-simplifie")
    out = tmp_path / "simplifie.xlsx"
    code = main(["report", str(SAMPLE), "--regime-simplifie", "-o", str(out)])
    assert code == {"ok": 0, "breach": 1, "unknown": 3}[doc["status"]]
    wb = openpyxl.load_workbook(out)
    rows = {r["Identifiant"]: r for r in _sheet(wb, "rules")}
    for r in doc["rules"]:
        assert rows[r["id"]]["Statut"] == {"ok": "conforme", "breach": "non conforme", "unknown": "à vérifier",
                                           "not_applicable": "sans objet"}[r["status"]], r["id"]
    caps = {r["Identifiant"] for r in _sheet(wb, "caps")}
    assert any(c.startswith("R139-15/") for c in caps) and not any(c.startswith("R139-41/") for c in caps)
    # an R. 623 portfolio refuses the R. 139 options
    r623 = ROOT / "samples" / "portefeuille_conforme.xlsx"
    capsys.readouterr()
    assert main(["report", str(r623), "--regime-simplifie", "-o", str(tmp_path / "r.xlsx")]) == 2
    said = capsys.readouterr()
    assert "--regime-simplifie" in said.err and "R. 139" in said.err and not (tmp_path / "r.xlsx").exists()
