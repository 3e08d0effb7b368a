"""The start date of the régime simplifié (R. 139-11: what it forbids is sold within two years, five for some debt
securities, from that date) on the web: a field of the upload form, of the R. 139 optimizer's form and of
`POST /api/check`, read as `reserves check --regime-simplifie-depuis` reads it (same formats, same French message
for a bad date), passed to the same checker, kept with the analysis and written in the audit record."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

sys.path.insert(0, str(Path(__file__).parent))

from reserves.app.audit import AuditLog  # noqa: E402
from test_web_r139 import R139, _files, client, web  # noqa: E402,F401
from test_web_simplified_r139 import R623, _text, api, cli_json  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402


def cures(doc):
    """The deadlines of the findings (R. 139-48, R. 139-11): rule, first observed, deadline, in or past it."""
    return sorted({(f["rule"], f.get("first_observed"), f.get("deadline"), f.get("cure_status"))
                   for f in doc["findings"] if f.get("deadline")})


@pytest.mark.parametrize("since", ["2024-03-01", "01/03/2024"])
def test_api_check_gives_the_command_line_deadlines(web, since):
    expected, code = cli_json("--regime-simplifie", "--regime-simplifie-depuis", since)
    assert cures(expected)  # the date does change the verdict: R. 139-11's periods run from it
    r = api(web, regime_simplifie="oui", regime_simplifie_depuis=since)
    assert r.status_code == 200, r.text[:2000]
    doc = r.json()
    assert cures(doc) == cures(expected) and doc["status"] == expected["status"] and doc["exit_code"] == code
    without = api(web, regime_simplifie="oui").json()
    assert not cures(without)
    rec = next(e for e in AuditLog(web.state.settings.db_url).list(limit=10)
               if e.kind == "check" and e.payload.get("regime_simplifie_depuis"))
    assert rec.payload["regime_simplifie_depuis"] == "2024-03-01"


@pytest.mark.parametrize("bad", ["2024-13-01", "hier", "31/02/2024"])
def test_a_bad_date_is_refused_with_the_command_line_message(web, client, bad):
    r = api(web, regime_simplifie="oui", regime_simplifie_depuis=bad)
    assert r.status_code == 422
    assert f"date invalide « {bad} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA" in r.text
    page = client.post("/controle", data={"csrf": client.csrf, "regime_simplifie": "oui",
                                          "regime_simplifie_depuis": bad},
                       files=_files(names=("fichier", "transparence", "ordres")))
    assert page.status_code == 422
    assert f"date invalide « {bad} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA" in _text(page.text)
    field = re.search(r'<input id="regime_simplifie_depuis"[^>]*>', page.text).group(0)
    assert f'value="{bad}"' in field  # the form keeps what was typed


def test_an_r623_portfolio_refuses_the_date_in_french(web):
    files = [("file", (R623.name, R623.read_bytes(), "application/octet-stream"))]
    r = TestClient(web).post("/api/check", files=files, data={"regime_simplifie_depuis": "2024-03-01"},
                             headers={"Authorization": f"Bearer {web.state.token}"})
    assert r.status_code == 422 and "régime simplifié depuis (R. 139-11) : sans objet" in r.text


def test_the_analysis_keeps_the_date_for_its_page_downloads_and_optimizer(client, web):
    r = client.post("/controle", data={"csrf": client.csrf, "regime_simplifie": "oui",
                                       "regime_simplifie_depuis": "01/03/2024"},
                    files=_files(names=("fichier", "transparence", "ordres")), follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    loc = r.headers["location"]
    text = _text(client.get(loc).text)
    assert "depuis le 01/03/2024 (R. 139-11)" in text
    expected, _ = cli_json("--regime-simplifie", "--regime-simplifie-depuis", "2024-03-01")
    j = client.post(loc + "/verdict.json", data={"csrf": client.csrf})
    assert j.status_code == 200 and cures(j.json()) == cures(expected)
    form = client.get(loc + "/optimisation").text
    field = re.search(r'<input type="text" id="regime_simplifie_depuis"[^>]*>', form).group(0)
    assert 'value="2024-03-01"' in field  # filled in from the check
    p = client.post(loc + "/optimisation", data={"csrf": client.csrf, "objectif": "rotation", "achat_max": "2",
                                                 "regime_simplifie": "oui", "regime_simplifie_depuis": "2024-03-01"},
                    follow_redirects=True)
    assert p.status_code == 200, _text(p.text)[:2000]
    assert "Régime simplifié depuis (R. 139-11) 01/03/2024" in _text(p.text)
    bad = client.post(loc + "/optimisation", data={"csrf": client.csrf, "objectif": "rotation", "achat_max": "2",
                                                   "regime_simplifie": "oui", "regime_simplifie_depuis": "2024-02-30"})
    assert bad.status_code == 422 and "date invalide « 2024-02-30 »" in _text(bad.text)
