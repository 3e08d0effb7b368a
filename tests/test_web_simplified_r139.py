"""The régime simplifié (R. 139-10, R. 139-14, R. 139-15) on the web: a checkbox on the upload form and on the
R. 139 optimizer's form, a field of `POST /api/check`, read as `reserves check --regime-simplifie` reads it and
passed to the same checker: the same verdict as the command line, kept with the analysis (its page, its
downloads and the optimizer check it again the same way) and written in the audit record."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from reserves.app.audit import AuditLog  # noqa: E402
from test_web_r139 import R139, R139_BAD, TPT, _files, client, web  # noqa: E402,F401

ROOT = Path(__file__).resolve().parents[1]
R623 = ROOT / "samples" / "portefeuille_conforme.xlsx"


def _text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


def cli_json(*options, file=R139):
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "check", str(file), "--transparence", str(TPT),
                        "--json", *options], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode in (0, 1, 3), r.stdout[-2000:] + r.stderr
    return json.loads(r.stdout), r.returncode


def api(web, **data):
    return TestClient(web).post("/api/check", files=_files(), data=data,
                                headers={"Authorization": f"Bearer {web.state.token}"})


def essence(doc):
    """What a verdict says: its status, its mode, each régime's mode, each rule and each finding."""
    return {"status": doc["status"], "regime": doc["regime"],
            "regimes": [(r["regime"], r["mode"], r["base"]) for r in doc["regimes"]],
            "rules": [(r["id"], r["status"], r.get("value"), r.get("limit")) for r in doc["rules"]],
            "findings": sorted((f["rule"], f["status"], str(f.get("subject")), str(f.get("regime")))
                               for f in doc["findings"])}


@pytest.mark.parametrize("field, option", [("oui", ["--regime-simplifie"]),
                                           ("complementaire", ["--regime-simplifie", "complementaire"])])
def test_api_check_gives_the_command_line_verdict_in_the_regime_simplifie(web, field, option):
    expected, code = cli_json(*option)
    r = api(web, regime_simplifie=field)
    assert r.status_code == 200, r.text[:2000]
    doc = r.json()
    assert essence(doc) == essence(expected) and doc["exit_code"] == code
    plain = api(web).json()  # without the option: the régime complet, compliant
    assert plain["regime"] == "complet" and plain["status"] == "ok"
    assert doc["regime"] != "complet" and doc["status"] != "ok"  # the option does change the verdict
    # the audit record carries the option, as it carries the date and the sheet
    rec = next(e for e in AuditLog(web.state.settings.db_url).list(limit=10)
               if e.kind == "check" and e.payload.get("regime_simplifie"))
    assert rec.payload["regime_simplifie"] == (True if field == "oui" else ["complementaire"])
    assert rec.payload["verdict"]["regime"] == doc["regime"]


def test_the_upload_checkbox_checks_in_the_regime_simplifie_and_the_analysis_keeps_it(client, web):
    page = client.get("/controle").text
    assert 'type="checkbox"' in page and 'name="regime_simplifie"' in page and "Régime simplifié" in page
    r = client.post("/controle", data={"csrf": client.csrf, "regime_simplifie": "oui"},
                    files=_files(names=("fichier", "transparence", "ordres")), follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    loc = r.headers["location"]
    text = _text(client.get(loc).text)  # the verdict page checks the stored file again, in the same régime
    assert "Régime régime simplifié (R. 139-10)" in text and "Verdict : ✘ non conforme" in text
    expected, _ = cli_json("--regime-simplifie")
    j = client.post(loc + "/verdict.json", data={"csrf": client.csrf})
    assert j.status_code == 200 and essence(j.json()) == essence(expected)
    rec = next(e for e in AuditLog(web.state.settings.db_url).list(limit=10) if e.kind == "check")
    assert rec.payload["regime_simplifie"] is True and rec.payload["channel"] == "web"
    x = client.post(loc + "/rapport.xlsx", data={"csrf": client.csrf})  # the report, in the same régime
    assert x.status_code == 200 and x.content[:2] == b"PK"
    rep = next(e for e in AuditLog(web.state.settings.db_url).list(limit=10) if e.kind == "report" and
               e.payload.get("format") == "xlsx")
    assert rep.status == "breach" and rep.payload["verdict"]["regime"] == "simplifie"
    # the optimizer's form is ticked as the check was
    form = client.get(loc + "/optimisation").text
    box = re.search(r'<input id="regime_simplifie"[^>]*>', form).group(0)
    assert 'type="checkbox"' in box and "checked" in box
    # without the box: the régime complet
    r = client.post("/controle", data={"csrf": client.csrf}, files=_files(names=("fichier", "transparence", "ordres")),
                    follow_redirects=True)
    assert "Régime régime complet" in _text(r.text) and "Verdict : ✔ conforme" in _text(r.text)
    box = re.search(r'<input id="regime_simplifie"[^>]*>', client.get(
        re.search(r'href="(/analyses/\d+)/optimisation"', r.text).group(1) + "/optimisation").text).group(0)
    assert "checked" not in box


def test_the_regime_simplifie_of_an_r623_portfolio_is_refused_in_french(client, web):
    files = [("fichier", (R623.name, R623.read_bytes(), "application/octet-stream"))]
    r = client.post("/controle", data={"csrf": client.csrf, "regime_simplifie": "oui"}, files=files)
    assert r.status_code == 422
    assert "régime simplifié (R. 139-14, R. 139-15) : sans objet" in _text(r.text) and "R. 623-3" in _text(r.text)
    box = re.search(r'<input id="regime_simplifie"[^>]*>', r.text).group(0)
    assert "checked" in box  # the form keeps what was asked
    a = TestClient(web).post("/api/check", files=files[:1] and [("file", files[0][1])],
                             data={"regime_simplifie": "oui"}, headers={"Authorization": f"Bearer {web.state.token}"})
    assert a.status_code == 422 and "sans objet" in a.text


def test_the_optimizer_checkbox_reaches_the_r139_optimizer(client, web):
    r = client.post("/controle", data={"csrf": client.csrf}, files=_files(
        R139_BAD, names=("fichier", "transparence", "ordres")), follow_redirects=False)
    loc = r.headers["location"]
    form = client.get(loc + "/optimisation").text
    assert 'name="regime_simplifie"' in form and "Régime simplifié (R. 139-14, R. 139-15)" in _text(form)
    r = client.post(loc + "/optimisation", data={"csrf": client.csrf, "objectif": "rotation", "achat_max": "2",
                                                 "regime_simplifie": "oui"}, follow_redirects=False)
    assert r.status_code == 303, _text(r.text)[:2000]
    page = client.get(r.headers["location"]).text
    text = _text(page)
    assert "Régime simplifié (R. 139-14, R. 139-15) tout l'organisme" in text
    # the rules judged are those of the régime simplifié (R. 139-15), not the régime complet's (R. 139-41)
    rec = next(e for e in AuditLog(web.state.settings.db_url).list(limit=10) if e.kind == "proposal")
    assert rec.payload["proposal"]["settings"]["regime_simplifie"] is True
    before = {r["id"]: r["status"] for r in rec.payload["proposal"]["rules_before"]}
    assert before["R139-41/actions-max25"] == "not_applicable" and before["R139-14/eligibilite"] != "not_applicable"
