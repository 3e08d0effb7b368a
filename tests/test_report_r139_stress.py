"""The R. 139 report's stress view (`--choc`) and proposal (`--proposition`), through the real command.

Every figure of the stress view is held against `reserves check --json` on the shocked portfolio written here by
hand (each line and each look-through holding moved by its own nature and currency, the fund line by its
inventory's sum); every figure of the proposal against `reserves optimize --json` (the trades) and `reserves check
--json` on the workbook it writes (the caps after the trades).
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

from r139 import DEFAULTS
from reports.r139_xlsx import SHEETS139
from reports.xlsx import HEADER_ROW
from reserves.app.cli import main
from reserves.portfolio.fmt import STATUS_FR

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "portefeuille_r139_manquements.xlsx"
TPT = ROOT / "samples" / "tpt_fonds_credit_euro.xlsx"
HAVE_PDF = bool(shutil.which("chromium") or shutil.which("chromium-browser")) and bool(shutil.which("pdftotext"))
needs_pdf = pytest.mark.skipif(not HAVE_PDF, reason="chromium and poppler-utils are installed by tests/run")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
SHOCKS = ["--choc", "actions=-50", "--choc", "immobilier=-5", "--choc", "taux=+100", "--choc", "USD=-10"]
FUND = "OPCVM Mixte"


def _json(capsys, *argv) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out)


def _sheet(path, key) -> list[dict]:
    ws = openpyxl.load_workbook(path)[SHEETS139[key]]
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def _isin(stem: str) -> str:
    from stdnum import isin

    return stem + isin.calc_check_digit(stem)


def _line(label, nature, euros, **cols):
    if "isin" in cols:
        cols["isin"] = _isin(cols["isin"][:11])
    return {**DEFAULTS.get(nature, {}), "libelle": label, "nature": nature, "valeur": euros, "devise": "EUR", **cols}


def _portfolio(shocked: bool) -> tuple[list, list]:
    """The lines and the fund's holdings, before the shocks or after them, computed here by hand:
    actions −50 %, immobilier −5 %, taux +100 pb (duration 10 from the file, else 7 for a titre_etat and 5 for an
    obligation), USD −10 %; the fund moves by its inventory's sum: 10 000 000 × 2 900 000 / 4 000 000."""
    def v(before, after):
        return after if shocked else before

    lines = [
        _line("OAT 2035", "titre_etat", v(30_000_000, 27_000_000), duration=10, isin="FR0000000001"),
        _line("Bund 2034", "titre_etat", v(20_000_000, 18_600_000), emetteur="Allemagne", pays="DE",
              isin="DE0000000002"),
        _line("Actions Air Liquide", "action", v(10_000_000, 5_000_000), isin="FR0000000003"),
        _line("Actions Apple", "action", v(4_000_000, 1_800_000), devise="USD", emetteur="Apple", groupe="APPLE",
              pays="US", cotation="ocde", isin="US0000000004"),
        _line("Immeuble Lyon", "droit_immobilier", v(19_000_000, 18_050_000)),
        _line("Compte à terme", "depot", v(7_000_000, 7_000_000)),
        _line(FUND, "opcvm", v(10_000_000, 7_250_000)),
    ]
    holdings = [
        _line("Actions TotalEnergies", "action", v(2_000_000, 1_000_000), emetteur="TotalEnergies", groupe="TOTAL",
              isin="FR0000000005"),
        _line("EDF 2030", "obligation", v(2_000_000, 1_900_000), emetteur="EDF", groupe="EDF", isin="FR0000000006"),
    ]
    return lines, holdings


def _write(path, shocked: bool):
    lines, holdings = _portfolio(shocked)
    heads = list(dict.fromkeys(h for x in lines + holdings for h in x))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(heads)
    for x in lines:
        ws.append([x.get(h) for h in heads])
    t = wb.create_sheet("Transparence")
    t.append(["fonds", "date_valorisation", *heads])
    for x in holdings:
        t.append([FUND, dt.datetime(2025, 12, 31), *[x.get(h) for h in heads]])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def stressed(tmp_path_factory):
    d = tmp_path_factory.mktemp("choc139")
    src, shocked = _write(d / "portefeuille.xlsx", False), _write(d / "choque.xlsx", True)
    out = d / "rapport.xlsx"
    code = main(["report", str(src), *SHOCKS, "-o", str(out)])
    return {"src": src, "shocked": shocked, "out": out, "code": code, "dir": d}


def test_every_stress_figure_is_the_check_of_the_shocked_portfolio(stressed, capsys):
    assert stressed["code"] in (1, 3) and stressed["out"].exists()
    rows = {r["Règle"]: r for r in _sheet(stressed["out"], "stress")}
    _, after = _json(capsys, "check", stressed["shocked"])
    _, before = _json(capsys, "check", stressed["src"])
    assert after["base"] == 84_700_000 and before["base"] == 100_000_000
    shown = 0
    for r in after["rules"]:
        row = rows.get(r["id"])
        b = next(x for x in before["rules"] if x["id"] == r["id"])
        if row is None:  # not applicable before and after
            assert r["status"] == "not_applicable" == b["status"], r["id"]
            continue
        shown += 1
        assert row["Statut après le choc"] == STATUS_FR[r["status"]], r["id"]
        assert row["Statut avant"] == STATUS_FR[b["status"]], r["id"]
        assert row["Part après"] == pytest.approx(r["value"], abs=1e-12) if r["value"] is not None else \
            row["Part après"] is None, r["id"]
        assert row["Valeur après (€)"] == r.get("euros"), r["id"]
        assert row["Marge après le choc (€)"] == r.get("headroom"), r["id"]
    assert shown == len(rows)
    # the real-estate cap holds before the shock and breaks under it: 18 050 000 of 84 700 000
    immo = rows["R139-41/immobilier-max20"]
    assert immo["Statut avant"] == "conforme" and immo["Statut après le choc"] == "non conforme"
    assert immo["Part après"] == pytest.approx(18_050_000 / 84_700_000, abs=1e-12)
    assert immo["Marge après le choc (€)"] == -(18_050_000 - 16_940_000)
    assert 0 < immo["Franchie à (part du scénario)"] <= 1


def test_the_first_break_is_where_the_rule_breaks(stressed):
    from constraints import rulebook
    from reports.r139_report import recheck139
    from reports.r139_stress import BISECT, GRID, parse_scenario139, run139, shocked_portfolio
    from reserves.portfolio.model139 import load

    day = dt.date(2025, 12, 31)
    version = rulebook.for_date(day)
    pf = load(stressed["src"], as_of=day)
    before = recheck139(pf, type("V", (), {"version": version, "as_of": day})(), {}, [])
    scenario = parse_scenario139(SHOCKS[1::2], version.extra["natures"])
    s = run139(pf, before, scenario, lambda p: recheck139(p, before, {}, []))
    immo = next(r for r in s.rules if r.rule_id == "R139-41/immobilier-max20")
    step = 1 / GRID / 2 ** BISECT
    at = recheck139(shocked_portfolio(pf, scenario, immo.first_break), before, {}, [])
    under = recheck139(shocked_portfolio(pf, scenario, immo.first_break - step), before, {}, [])
    assert at.result("R139-41/immobilier-max20").status == "breach"
    assert under.result("R139-41/immobilier-max20").status == "ok"
    # the whole scenario's portfolio is the one written by hand: its lines' values, to the cent
    full = shocked_portfolio(pf, scenario, 1.0)
    hand = load(stressed["shocked"], as_of=day)
    assert full.lines["value"].tolist() == hand.lines["value"].tolist()
    def seen(p):
        return sorted(zip(p.lookthrough["fund_line"].tolist(), p.lookthrough["row"].tolist(),
                          p.lookthrough["value"].tolist()))
    assert seen(full) == seen(hand)
    assert all(ctx is None for _n, ctx, _r in s.verdict_after.parts) is False  # kept until the report is built


def test_the_report_releases_the_regimes_contexts_once_built(stressed, tmp_path):
    from constraints import rulebook
    from reports.r139_report import make_report139, recheck139
    from reports.r139_stress import parse_scenario139
    from reserves.portfolio.model139 import load

    day = dt.date(2025, 12, 31)
    version = rulebook.for_date(day)
    pf = load(stressed["src"], as_of=day)
    v = recheck139(pf, type("V", (), {"version": version, "as_of": day})(), {}, [])
    data = make_report139(pf, v, tmp_path / "r.html", scenario=parse_scenario139([], version.extra["natures"]))
    assert all(ctx is None for _n, ctx, _r in v.parts)
    assert all(ctx is None for _n, ctx, _r in data.stress.verdict_after.parts)
    assert data.parts[0].caps and data.stress.rules  # the figures stay


def test_the_stress_view_reads_in_french(stressed, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(stressed["src"]), *SHOCKS, "-o", str(out)]) in (1, 3)
    html = out.read_text("utf-8")
    assert "Choc de marché : dépassements passifs prévisibles" in html
    assert "Devise USD" in html and "Nature « " not in html
    text = re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").replace("\xa0", " ")
    assert "dépassement de 1 110 000,00 €" in text  # the real-estate cap, broken by 18 050 000 − 16 940 000
    assert "Duration lue dans la colonne « duration »" in text
    assert not NAN.search(text)


@pytest.mark.skipif(shutil.which("html-validate") is None, reason="html-validate (npm) absent")
def test_the_html_with_the_proposal_and_the_stress_view_validates(proposed, tmp_path):
    out = tmp_path / "rapport.html"
    assert main(["report", str(SAMPLE), "--transparence", str(TPT), "--proposition", "-o", str(out)]) == 1
    (tmp_path / ".htmlvalidate.json").write_text('{"extends": ["html-validate:recommended"], "root": true}')
    res = subprocess.run(["html-validate", str(out)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not NAN.search(re.sub(r"<[^>]+>", " ", out.read_text("utf-8")))


@pytest.mark.parametrize("shock,word", [("foo=-3", "inconnue"), ("XYZ=-3", "ISO 4217"), ("actions=-100", "100 %"), ("taux=+1%", "points"),
                                        ("EUR=-5", "euro"), ("opci=+50pb", "pourcentage"), ("actions", "illisible")])
def test_a_bad_shock_is_bad_input(stressed, tmp_path, capsys, shock, word):
    out = tmp_path / "r.xlsx"
    capsys.readouterr()
    assert main(["report", str(stressed["src"]), "--choc", shock, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err and not out.exists()


def test_a_nature_shock_overrides_its_family(stressed, tmp_path):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(stressed["src"]), "--choc", "actions=-50", "--choc", "action=0", "-o", str(out)]) \
        in (0, 1, 3)
    rows = {r["Règle"]: r for r in _sheet(out, "stress")}
    # every action is an `action`: the family's shock is overridden, nothing moves
    assert all(r["Part avant"] == r["Part après"] for r in rows.values())


def test_the_file_is_read_once_to_learn_its_date(stressed, tmp_path, monkeypatch):
    from reserves.portfolio import model139, reader

    calls = {"raw": 0, "stated": 0}
    real_raw, real_stated = model139.read_raw, reader.read_stated_date

    def raw(*a, **kw):
        calls["raw"] += 1
        return real_raw(*a, **kw)

    def stated(*a, **kw):
        calls["stated"] += 1
        return real_stated(*a, **kw)

    monkeypatch.setattr(model139, "read_raw", raw)
    monkeypatch.setattr(reader, "read_stated_date", stated)
    assert main(["report", str(stressed["src"]), "--sans-choc", "-o", str(tmp_path / "r.xlsx")]) in (1, 3)
    assert calls == {"raw": 1, "stated": 0}


# --------------------------------------------------------------------------- the proposal


@pytest.fixture(scope="module")
def proposed(tmp_path_factory):
    d = tmp_path_factory.mktemp("proposition139")
    out = d / "rapport.xlsx"
    code = main(["report", str(SAMPLE), "--transparence", str(TPT), "--proposition", "--sans-choc", "-o", str(out)])
    return {"out": out, "code": code, "dir": d}


def test_the_proposal_is_the_optimizers_and_its_check(proposed, capsys):
    assert proposed["code"] == 1 and proposed["out"].exists()  # the portfolio as held is in breach
    prop = proposed["dir"] / "proposition.xlsx"
    code, opt = _json(capsys, "optimize", SAMPLE, "--transparence", TPT, "-o", prop)
    assert code == 0 and opt["status"] == "optimal"
    trades = _sheet(proposed["out"], "proposal")
    assert [(t["Ligne"], t["Montant (€)"], t["Opération"].split()[0]) for t in trades] == \
        [(t["row"], t["amount"], {"buy": "achat", "sell": "vente"}[t["action"]]) for t in opt["trades"]]
    _, after = _json(capsys, "check", prop)  # the proposal workbook carries the TPT inventory it was made with
    assert after["status"] == "ok"
    caps = _sheet(proposed["out"], "proposal_caps")
    rank = {"sans objet": 0, "conforme": 1, "à vérifier": 2, "non conforme": 3}
    for r in after["rules"]:
        mine = [c for c in caps if c["Identifiant"] == r["id"]]
        if not mine:
            continue
        lead = max(mine, key=lambda c: (rank[c["Statut après"]], c["Part après"] or 0))  # as the verdict merges
        assert lead["Statut après"] == STATUS_FR[r["status"]], r["id"]
        assert lead["Part après"] == pytest.approx(r["value"], abs=1e-12) if r["value"] is not None else True
        assert lead["Valeur après (€)"] == r.get("euros"), r["id"]
        assert lead["Marge après (€)"] == r.get("headroom"), r["id"]
    assert any(c["Statut avant"] == "non conforme" and c["Statut après"] == "conforme" for c in caps)


@needs_pdf
def test_the_pdf_shows_the_proposal_and_the_stress_view(tmp_path):
    out = tmp_path / "r.pdf"
    assert main(["report", str(SAMPLE), "--transparence", str(TPT), "--proposition", "-o", str(out)]) == 1
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Proposition de réallocation" in text and "Opérations, ligne par ligne" in text
    assert "Choc de marché : dépassements passifs prévisibles" in text
    assert "SCI Tour Horizon" in text and not NAN.search(text)


def test_a_proposal_file_is_read_checked_and_matched_line_by_line(proposed, tmp_path, capsys):
    prop = proposed["dir"] / "proposition.xlsx"
    if not prop.exists():
        assert main(["optimize", str(SAMPLE), "--transparence", str(TPT), "-o", str(prop)]) == 0
    out = tmp_path / "r.xlsx"
    assert main(["report", str(SAMPLE), "--transparence", str(TPT), "--proposition", str(prop), "--sans-choc",
                 "-o", str(out)]) == 1
    from_file = _sheet(out, "proposal")
    computed = _sheet(proposed["out"], "proposal")
    key = lambda t: (t["Ligne"], t["Opération"], t["Montant (€)"])  # noqa: E731
    assert sorted(map(key, from_file)) == sorted(map(key, computed))
    caps = _sheet(out, "proposal_caps")
    assert [(c["Identifiant"], c["Statut après"], c["Part après"]) for c in caps] == \
        [(c["Identifiant"], c["Statut après"], c["Part après"]) for c in _sheet(proposed["out"], "proposal_caps")]
    # the portfolio itself as its own proposal: no trade, the verdict unchanged
    same = tmp_path / "same.xlsx"
    assert main(["report", str(SAMPLE), "--proposition", str(SAMPLE), "--sans-choc", "-o", str(same)]) == 1
    assert _sheet(same, "proposal") == []


def test_a_bad_proposal_is_bad_input(tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    bad = tmp_path / "proposition.csv"
    bad.write_text("libelle;valeur\nOAT;12\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(SAMPLE), "--proposition", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "proposition « " in err and "Traceback" not in err and not out.exists()
    assert main(["report", str(SAMPLE), "--proposition", str(out), "-o", str(out)]) == 2  # never its own output
    assert main(["report", str(ROOT / "samples" / "portefeuille_conforme.xlsx"), "-o", str(out), "--proposition"]) == 2
    assert "R. 623" in capsys.readouterr().err and not out.exists()


# --------------------------------------------------------------------------- the web download


def test_the_web_download_offers_the_shocks_and_the_proposal(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from reserves.app.web import create_app
    from reserves.app.web.settings import Settings

    app = create_app(Settings(storage=str(tmp_path / "stockage"), db_url=str(tmp_path / "base.sqlite3")))
    app.state.users.add("comptable", "un-mot-de-passe-solide")
    c = TestClient(app)

    def csrf(html):
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    r = c.post("/connexion", data={"nom": "comptable", "mot_de_passe": "un-mot-de-passe-solide",
                                   "csrf": csrf(c.get("/connexion").text), "suite": "/"}, follow_redirects=False)
    assert r.status_code == 303
    token = csrf(c.get("/controle").text)
    files = [("fichier", (SAMPLE.name, SAMPLE.read_bytes(), "application/octet-stream")),
             ("transparence", (TPT.name, TPT.read_bytes(), "application/octet-stream"))]
    page = c.post("/controle", data={"csrf": token}, files=files, follow_redirects=True)
    assert page.status_code == 200 and 'name="chocs"' in page.text and 'name="proposition"' in page.text
    aid = re.search(r"/analyses/(\d+)/rapport.xlsx", page.text).group(1)
    x = c.post(f"/analyses/{aid}/rapport.xlsx", data={"csrf": token, "chocs": "actions=-40 USD=-10",
                                                       "proposition": "1"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    out = tmp_path / "web.xlsx"
    out.write_bytes(x.content)
    names = openpyxl.load_workbook(out).sheetnames
    assert SHEETS139["proposal"] in names and SHEETS139["stress"] in names
    plain = c.post(f"/analyses/{aid}/rapport.xlsx", data={"csrf": token})  # the command's default scenario
    out.write_bytes(plain.content)
    names = openpyxl.load_workbook(out).sheetnames
    assert SHEETS139["stress"] in names and SHEETS139["proposal"] not in names
    bad = c.post(f"/analyses/{aid}/rapport.pdf", data={"csrf": token, "chocs": "lune=-5"})
    assert bad.status_code == 422 and "inconnue" in bad.text and "Traceback" not in bad.text
    assert c.post(f"/analyses/{aid}/rapport.xlsx", data={}).status_code in (400, 403)  # the CSRF token is required


def test_a_compliant_portfolio_has_nothing_to_propose(tmp_path):
    compliant = ROOT / "samples" / "portefeuille_r139_conforme.xlsx"
    out = tmp_path / "r.xlsx"
    assert main(["report", str(compliant), "--transparence", str(TPT), "--proposition", "--sans-choc",
                 "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)[SHEETS139["proposal"]]
    assert "Rien à faire" in str(ws.cell(row=3, column=1).value)
    assert _sheet(out, "proposal") == []
    caps = _sheet(out, "proposal_caps")
    assert caps and all(c["Part après"] == c["Part avant"] and c["Statut après"] == c["Statut avant"] for c in caps)
    html = tmp_path / "r.html"
    assert main(["report", str(compliant), "--transparence", str(TPT), "--proposition", "--sans-choc",
                 "-o", str(html)]) == 0
    assert "Aucune opération." in html.read_text("utf-8")
