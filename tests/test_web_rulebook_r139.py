"""The web pages name the rulebook of what they show: R. 139-1 to R. 139-56 (its version) on the pages of an R. 139
portfolio, R. 623-3 to R. 623-10-4 on those of an R. 623 one, both and neither in particular on the pages without a
portfolio (sign-in, upload, journal)."""

from __future__ import annotations

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
R623 = SAMPLES / "portefeuille_conforme.xlsx"
PASSWORD = "un-mot-de-passe-solide"

H139 = "CSS art. R. 139-1 à R. 139-56 (version R139-2019-07-08)"
H623 = "CSS art. R. 623-3 à R. 623-10-4"
NEUTRAL = "contrôle des placements des réserves des régimes de retraite"


@pytest.fixture
def web(tmp_path):
    app = create_app(Settings(storage=str(tmp_path / "stockage"), db_url=str(tmp_path / "base.sqlite3"),
                              max_upload_bytes=2 * 1024 * 1024))
    app.state.users.add("comptable", PASSWORD)
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


def header(html: str) -> str:
    return re.search(r'<header class="top">(.*?)</header>', html, re.S).group(1)


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def upload(client, path, tpt=()):
    files = [("fichier", (path.name, path.read_bytes(), "application/octet-stream"))]
    files += [("transparence", (t.name, t.read_bytes(), "application/octet-stream")) for t in tpt]
    r = client.post("/controle", data={"csrf": client.csrf}, files=files, follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    return r


def test_an_r139_verdict_names_r139_and_its_version_not_r623(client):
    html = upload(client, R139_BAD, (TPT,)).text
    assert H139 in header(html) and "R. 623" not in header(html)
    assert title(html).endswith(" — R. 139 — Réserves") and R139_BAD.name in title(html)
    foot = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert "R. 139-1 à R. 139-56" in foot and "R. 623" not in foot
    aid = re.search(r"/analyses/(\d+)/optimisation", html).group(1)
    form = client.get(f"/analyses/{aid}/optimisation").text  # the R. 139 optimizer's form
    assert H139 in header(form) and "R. 623" not in header(form) and title(form).endswith(" — R. 139 — Réserves")


def test_an_r623_verdict_names_r623_not_r139(client):
    html = upload(client, R623).text
    assert H623 in header(html) and "R. 139" not in header(html)
    assert title(html).endswith(" — R. 623 — Réserves")
    foot = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert "R. 623-3 à R. 623-10-4" in foot and "R. 139" not in foot
    aid = re.search(r"/analyses/(\d+)/optimisation", html).group(1)
    form = client.get(f"/analyses/{aid}/optimisation").text
    assert H623 in header(form) and "R. 139" not in header(form)


def test_pages_without_a_portfolio_name_neither_rulebook_in_the_header(web, client):
    pages = [TestClient(web).get("/connexion").text, client.get("/controle").text, client.get("/journal").text]
    for html in pages:
        assert NEUTRAL in header(html), header(html)
        assert "R. 139" not in header(html) and "R. 623" not in header(html)
        assert title(html).endswith(" — Réserves") and "R. 139" not in title(html) and "R. 623" not in title(html)
