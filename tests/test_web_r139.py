"""The web page and the API on portfolios under R. 139-1 to R. 139-56: TPT files with the upload, the French verdict
page (régimes, the fund a finding came through, cure deadlines), orders, and the pre-trade service."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from reserves.app.web import create_app  # noqa: E402
from reserves.app.web.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
R139 = SAMPLES / "portefeuille_r139_conforme.xlsx"
R139_BAD = SAMPLES / "portefeuille_r139_manquements.xlsx"
TPT = SAMPLES / "tpt_fonds_credit_euro.xlsx"
ORDERS = SAMPLES / "ordres_r139_exemple.csv"
PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def web(tmp_path):
    app = create_app(Settings(storage=str(tmp_path / "stockage"), db_url=str(tmp_path / "base.sqlite3"),
                              max_upload_bytes=2 * 1024 * 1024))
    app.state.users.add("comptable", PASSWORD)
    app.state.token = app.state.users.add("robot", None, token=True)
    return app


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def client(web):
    c = TestClient(web)
    page = c.get("/connexion")
    r = c.post("/connexion", data={"nom": "comptable", "mot_de_passe": PASSWORD, "csrf": _csrf(page.text),
                                   "suite": "/"}, follow_redirects=False)
    assert r.status_code == 303
    c.csrf = _csrf(c.get("/controle").text)
    return c


def _files(file=R139, tpt=(TPT,), orders=None, names=("file", "transparence", "orders")):
    out = [(names[0], (Path(file).name, Path(file).read_bytes(), "application/octet-stream"))]
    for t in tpt:
        out.append((names[1], (Path(t).name, Path(t).read_bytes(), "application/octet-stream")))
    if orders is not None:
        out.append((names[2], (Path(orders).name, Path(orders).read_bytes(), "text/csv")))
    return out


def api(web, path="/api/check", **kw):
    return TestClient(web).post(path, files=_files(**kw), headers={"Authorization": f"Bearer {web.state.token}"})


def test_api_check_reads_the_tpt_files_and_answers_the_r139_verdict(web):
    r = api(web)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["status"] == "ok" and doc["exit_code"] == 0
    assert doc["transparence"][0]["name"] == TPT.name
    without = api(web, tpt=()).json()  # the TPT fund is then seen without its holdings: to check
    assert without["status"] == "unknown" and without["lookthrough_lines"] < doc["lookthrough_lines"]
    assert any("Fonds Crédit Euro IC" in (f.get("via") or "") for f in without["findings"])


def test_api_check_with_orders_on_an_r139_portfolio(web):
    r = api(web, orders=ORDERS)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["orders_check"]["status"] == "refuse" and doc["exit_code"] == 1
    assert [o["effect"] for o in doc["orders"]] == ["neutre", "neutre", "cree"]


def test_a_tpt_file_with_an_r623_portfolio_is_refused_in_french(web):
    r = api(web, file=SAMPLES / "portefeuille_conforme.xlsx")
    assert r.status_code == 422
    assert "R. 139-1 à R. 139-56" in r.json()["errors"][0]["message"]
    bad = io.BytesIO(b"pas un classeur")
    r = TestClient(web).post("/api/check", files=[("file", (R139.name, R139.read_bytes())),
                                                  ("transparence", ("inventaire.xlsx", bad.getvalue()))],
                             headers={"Authorization": f"Bearer {web.state.token}"})
    assert r.status_code in (415, 422) and r.json()["status"] == "error"
    assert "inventaire.xlsx" in r.text and not re.search(r"[0-9a-f]{64}", r.text)  # the user's name, not the hash


def test_the_upload_page_shows_the_r139_verdict_in_french(client):
    page = client.get("/controle").text
    assert 'name="transparence"' in page and "multiple" in page
    r = client.post("/controle", data={"csrf": client.csrf}, files=_files(
        R139_BAD, names=("fichier", "transparence", "ordres")), follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert "R139-2019-07-08" in html and "Actif de placement" in html and "Régimes" in html
    assert 'data-regime="complementaire"' in html and "invalidite_deces" in html
    assert "Transparence (R. 139-17)" in html and TPT.name in html
    assert "manquement" in html.lower() and 'data-status="breach"' in html
    assert "Délai : constaté le" in html or "premier constat" in html  # R. 139-48: the deadline, or what to fill
    # the analysis is read again from the stored files: its JSON and its report
    aid = re.search(r"/analyses/(\d+)/verdict.json", html).group(1)
    j = client.post(f"/analyses/{aid}/verdict.json", data={"csrf": client.csrf})
    assert j.status_code == 200 and j.json()["version"]["id"] == "R139-2019-07-08"
    x = client.post(f"/analyses/{aid}/rapport.xlsx", data={"csrf": client.csrf})
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_the_upload_page_with_orders_on_an_r139_portfolio(client):
    r = client.post("/controle", data={"csrf": client.csrf}, files=_files(
        orders=ORDERS, names=("fichier", "transparence", "ordres")), follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    assert "Contrôle avant investissement" in r.text and 'data-effect="cree"' in r.text
    assert "Kone Oyj" in r.text


def test_the_pretrade_service_on_an_r139_portfolio(web):
    c = TestClient(web)
    h = {"Authorization": f"Bearer {web.state.token}"}
    r = c.post("/api/portefeuilles", files=_files(), headers=h)
    assert r.status_code == 201, r.text
    loaded = r.json()
    assert loaded["version"]["id"] == "R139-2019-07-08" and loaded["status"] == "ok"
    pid = loaded["id"]
    buy = {"ordres": [{"isin": "FI0061549039", "montant": 1_000_000_000, "regime": "complementaire"}]}
    r = c.post(f"/api/portefeuilles/{pid}/ordres", json=buy, headers=h)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["exit_code"] == 1 and doc["orders_check"]["status"] == "refuse"
    assert any(x["rule"] == "R139-45/entite-max5" for x in doc["orders_check"]["changes"])
    # the loaded portfolio is left as it was: a small purchase passes
    small = {"ordres": [{"isin": "FI0061549039", "montant": 1_000_000, "regime": "complementaire"}]}
    r = c.post(f"/api/portefeuilles/{pid}/ordres", json=small, headers=h)
    assert r.status_code == 200 and r.json()["exit_code"] == 0, r.text
    # the same answer as the command line's
    bad = {"ordres": [{"isin": "FI0061549039", "montant": 5, "regime": "complementaire", "natrue": "action"}]}
    r = c.post(f"/api/portefeuilles/{pid}/ordres", json=bad, headers=h)
    assert r.status_code == 422 and "« nature »" in r.json()["errors"][0]["message"]


def test_a_grid_too_large_for_the_server_is_413(web, tmp_path):
    """A sheet whose used range goes beyond the reader's limit asks more than the server will process: HTTP 413
    (RFC 9110, content too large), with the reader's French message; a file with a bad cell stays 422."""
    import hostile as H

    far = H.xlsx_far_cell(R139.read_bytes())
    h = {"Authorization": f"Bearer {web.state.token}"}
    for path in ("/api/check", "/api/portefeuilles"):
        r = TestClient(web).post(path, files=[("file", ("loin.xlsx", far))], headers=h)
        assert r.status_code == 413, r.text[:300]
        assert "XFD1048576" in r.json()["errors"][0]["message"]
    bad = b"libelle;nature;valeur;devise\nOAT;titre_etat;beaucoup;EUR\n"
    r = TestClient(web).post("/api/check", files=[("file", ("faux.csv", bad))], data={"date": "2025-12-31"}, headers=h)
    assert r.status_code == 422 and "beaucoup" in r.text
