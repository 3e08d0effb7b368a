"""A bounded load on loopback: 20 concurrent uploads through the page, then 200 API checks; no error, and every
request in the audit trail."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from _server import running_server

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [ROOT / "samples" / "portefeuille_conforme.xlsx", ROOT / "samples" / "portefeuille_manquements.xlsx",
           ROOT / "samples" / "portefeuille_conforme.csv"]
EXPECTED = {"portefeuille_conforme.xlsx": 0, "portefeuille_manquements.xlsx": 1, "portefeuille_conforme.csv": 0}
UPLOADS, API_CHECKS, API_THREADS = 20, 200, 8
HANG_GUARD_S = 180  # not a speed test: only a guard against a hang


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("charge")) as srv:
        yield srv


def test_concurrent_uploads_then_api_checks_without_error_all_audited(server):
    from reserves.app.audit import AuditLog

    start = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as c:
        page = c.get("/connexion")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = c.post("/connexion", data={"nom": server.user, "mot_de_passe": server.password, "csrf": csrf})
        assert r.status_code == 200 and "Contrôler un portefeuille" in r.text
        form_csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        cookies = dict(c.cookies)

    barrier = threading.Barrier(UPLOADS)

    def one_upload(i: int):
        sample = SAMPLES[i % len(SAMPLES)]
        with httpx.Client(base_url=server.url, cookies=cookies, timeout=60) as c:
            barrier.wait(timeout=30)
            r = c.post("/controle", data={"csrf": form_csrf},
                       files={"fichier": (sample.name, sample.read_bytes(), "application/octet-stream")})
            ok = r.status_code == 303 and "/analyses/" in r.headers.get("location", "")
            return ok, r.status_code, sample.name

    with ThreadPoolExecutor(UPLOADS) as pool:
        uploads = list(pool.map(one_upload, range(UPLOADS)))
    assert [u for u in uploads if not u[0]] == []

    headers = {"Authorization": f"Bearer {server.token}"}
    local = threading.local()
    clients: list[httpx.Client] = []

    def one_check(i: int):
        sample = SAMPLES[i % len(SAMPLES)]
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server.url, headers=headers, timeout=60)
            clients.append(local.client)
        r = local.client.post("/api/check", files={"file": (sample.name, sample.read_bytes())})
        if r.status_code != 200:
            return False, r.status_code, sample.name
        doc = r.json()
        return doc["exit_code"] == EXPECTED[sample.name] and len(doc["rules"]) == 19, r.status_code, sample.name

    with ThreadPoolExecutor(API_THREADS) as pool:
        checks = list(pool.map(one_check, range(API_CHECKS)))
    for client in clients:
        client.close()
    elapsed = time.monotonic() - start
    assert [c for c in checks if not c[0]] == []
    assert elapsed < HANG_GUARD_S

    log = AuditLog(server.db_url)
    records = log.list(limit=0)
    by_channel = Counter((r.kind, r.user, r.payload.get("channel")) for r in records)
    assert by_channel == {("check", "comptable", "web"): UPLOADS, ("check", "robot", "api"): API_CHECKS}
    assert sorted(r.id for r in records) == list(range(1, UPLOADS + API_CHECKS + 1))
    assert Counter(r.file_name for r in records if r.payload["channel"] == "api") == Counter(
        SAMPLES[i % len(SAMPLES)].name for i in range(API_CHECKS))
    ok, bad, message = log.verify()
    assert ok, message
    print(f"\n{UPLOADS} envois simultanés puis {API_CHECKS} contrôles API en {elapsed:.1f} s")
