"""The web's rough edges: sign-in limits per address and per name (kept across a restart), capped password hashing,
JSON errors under /api/ (also when the audit base is full), refused and failed requests in the audit trail,
refused uploads purged, storage bounded per user, `__Host-` cookies deleted with `Secure`."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from reserves.app.audit import AuditLog  # noqa: E402
from reserves.app.web import create_app  # noqa: E402
from reserves.app.web.settings import Settings  # noqa: E402
from test_web import (CONFORME, MANQUEMENTS, PASSWORD, _csrf, api, refusals, sign_in, stored_files,  # noqa: E402
                      upload)


def make(tmp_path, **kw):
    kw.setdefault("storage", str(tmp_path / "stockage"))
    kw.setdefault("db_url", str(tmp_path / "base.sqlite3"))
    kw.setdefault("max_upload_bytes", 256 * 1024)
    app = create_app(Settings(**kw))
    if not app.state.users.get("comptable"):
        app.state.users.add("comptable", PASSWORD)
        app.state.users.add("autre", PASSWORD)
        app.state.token = app.state.users.add("robot", None, token=True)
    return app


def at(app, address: str, **kw) -> TestClient:
    return TestClient(app, client=(address, 40000), **kw)


# --------------------------------------------------------------------------- sign-in limits


def test_per_name_limit_throttles_but_never_locks_out_the_right_password_for_long(tmp_path):
    app = make(tmp_path, login_per_name=3, login_per_address=100, login_throttle_s=1.5)
    guesser, owner = at(app, "10.0.0.1"), at(app, "10.0.0.2")
    for _ in range(3):
        assert sign_in(guesser, password="mauvais-mot-de-passe").status_code == 401
    r = sign_in(owner)  # the right password, from another address, within the throttle
    assert r.status_code == 429 and "Trop de tentatives pour ce nom" in r.text and "réessayez dans" in r.text
    assert sign_in(at(app, "10.0.0.3"), "autre").status_code == 303  # other names are not concerned
    time.sleep(1.6)
    assert sign_in(owner).status_code == 303  # the throttle is all the wait
    assert sign_in(guesser, password="mauvais-mot-de-passe").status_code == 401  # success forgot the failures


def test_per_address_limit_refuses_the_address_not_the_user(tmp_path):
    app = make(tmp_path, login_per_name=100, login_per_address=4)
    guesser = at(app, "10.0.0.9")
    for name in ("comptable", "autre", "personne", "robot"):
        assert sign_in(guesser, name, password="mauvais-mot-de-passe").status_code == 401
    r = sign_in(guesser)
    assert r.status_code == 429 and "depuis cette adresse" in r.text and "minute" in r.text
    assert "reserves_session" not in r.headers.get("set-cookie", "")
    assert sign_in(at(app, "10.0.0.10")).status_code == 303  # the user, elsewhere, signs in at once


def test_limits_survive_a_restart(tmp_path):
    app = make(tmp_path, login_per_name=2, login_throttle_s=60)
    for _ in range(2):
        sign_in(at(app, "10.0.1.1"), password="mauvais-mot-de-passe")
    again = make(tmp_path, login_per_name=2, login_throttle_s=60)  # a new server process on the same base
    assert sign_in(at(again, "10.0.1.2")).status_code == 429


def test_throttled_attempts_cost_no_hash_and_hashing_is_capped(tmp_path):
    app = make(tmp_path, login_per_name=1000, login_per_address=1000, login_concurrent=2)
    state = {"now": 0, "max": 0, "calls": 0}
    lock = threading.Lock()

    class Counting:  # the real argon2 hasher, its verifications counted
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def verify(self, *args):
            with lock:
                state["now"] += 1
                state["calls"] += 1
                state["max"] = max(state["max"], state["now"])
            try:
                return self.real.verify(*args)
            finally:
                with lock:
                    state["now"] -= 1

    app.state.users._hasher = Counting(app.state.users._hasher)
    clients = [at(app, f"10.0.2.{k}") for k in range(8)]
    pages = [_csrf(c.get("/connexion").text) for c in clients]
    barrier = threading.Barrier(len(clients))

    def attempt(k):
        barrier.wait(10)
        return clients[k].post("/connexion", data={"nom": "comptable", "mot_de_passe": "faux-mot-de-passe",
                                                   "csrf": pages[k], "suite": "/"}, follow_redirects=False).status_code

    threads = [threading.Thread(target=lambda k=k: codes.append(attempt(k))) for k in range(len(clients))]
    codes: list[int] = []
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [401] * 8 and state["calls"] == 8 and state["max"] <= 2
    slow = make(tmp_path / "lent", login_per_name=1, login_throttle_s=60)
    slow.state.users._hasher = Counting(slow.state.users._hasher)
    state["calls"] = 0
    sign_in(at(slow, "10.0.3.1"), password="mauvais-mot-de-passe")
    assert state["calls"] == 1
    for _ in range(5):
        assert sign_in(at(slow, "10.0.3.2"), password="mauvais-mot-de-passe").status_code == 429
    assert state["calls"] == 1  # refused before any hash


# --------------------------------------------------------------------------- refused and failed requests


def test_the_guards_413_is_recorded_in_the_audit_trail_with_a_cap(tmp_path):
    app = make(tmp_path)
    big = b"libelle;categorie;valeur;devise\n" + b"x;1;1;EUR\n" * 70_000  # beyond the guard's cap
    r = api(app, file=io.BytesIO(big), name="gros.csv")
    assert r.status_code == 413 and r.json()["status"] == "error"
    c = TestClient(app)
    sign_in(c)
    r = c.post("/controle", data={"csrf": _csrf(c.get("/controle").text)}, files={"fichier": ("gros.csv", big)})
    assert r.status_code == 413
    got = [(e.user, e.status, e.payload["http_status"], e.payload["path"]) for e in refusals(app)]
    assert ("robot", "refused", 413, "/api/check") in got and ("comptable", "refused", 413, "/controle") in got
    anonymous = at(app, "10.0.4.1")
    for _ in range(35):
        assert anonymous.post("/api/check", content=big).status_code == 413
    assert len([e for e in refusals(app) if e.user == "anonyme (10.0.4.1)"]) == 30  # no one floods the trail
    assert AuditLog(app.state.settings.db_url).verify()[0]


def test_a_request_ending_in_500_is_answered_in_french_json_under_api_and_recorded(tmp_path):
    app = make(tmp_path)
    c = TestClient(app)
    sign_in(c)
    with app.state.store.engine.begin() as conn:  # the base loses a table the pages need
        conn.execute(sa.text("DROP TABLE web_proposals"))
        conn.execute(sa.text("DROP TABLE web_analyses"))
    r = api(app)
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json()["status"] == "error" and "erreur interne" in r.json()["errors"][0]["message"].lower()
    assert r.json()["exit_code"] == 4  # as the command line's internal errors: never a verdict's code, nor bad input
    assert r.headers["x-content-type-options"] == "nosniff"
    page = c.get("/")
    assert page.status_code == 500 and "Erreur interne" in page.text and "Traceback" not in page.text
    errors = [(e.user, e.status, e.payload["http_status"], e.payload["path"]) for e in refusals(app)]
    assert ("robot", "error", 500, "/api/check") in errors and ("comptable", "error", 500, "/") in errors
    assert c.get("/journal").status_code == 200  # the server still answers


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs (root only) that the test fills up."""
    if os.geteuid() != 0:
        pytest.skip("montage d'un tmpfs : root seulement")
    mnt = tmp_path / "disque"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("montage d'un tmpfs impossible ici")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(folder) -> None:
    with open(folder / "plein", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_a_full_audit_base_gives_json_under_api_and_a_french_page(tmp_path, small_disk):
    app = make(tmp_path, db_url=str(small_disk / "base.sqlite3"))
    c = TestClient(app)
    sign_in(c)
    csrf = _csrf(c.get("/controle").text)
    assert api(app).status_code == 200
    _fill(small_disk)
    r = api(app)
    assert r.status_code == 503 and r.headers["content-type"] == "application/json" and r.json()["exit_code"] == 4
    message = r.json()["errors"][0]["message"]
    assert "journal d'audit inaccessible" in message and "l'opération n'a pas été faite" in message
    assert "disque plein" in message or "non ancré" in message
    page = upload(c, MANQUEMENTS, csrf=csrf)
    assert page.status_code == 503 and "Service indisponible" in page.text and "Traceback" not in page.text
    assert len(stored_files(app)) == 1  # the first, recorded check's file only: the unrecorded one was not kept
    (small_disk / "plein").unlink()
    assert api(app).status_code == 200  # the server stood, and goes on once there is room
    log = AuditLog(app.state.settings.db_url)
    v = log.check()
    assert v.ok, v.message


# --------------------------------------------------------------------------- storage


def test_refused_uploads_are_purged(tmp_path):
    app = make(tmp_path)
    c = TestClient(app)
    sign_in(c)
    csrf = _csrf(c.get("/controle").text)
    bad = b"libelle;categorie;valeur;devise\nOAT;1;beaucoup;EUR\n"
    r = upload(c, io.BytesIO(bad), name="faux.csv", csrf=csrf)
    assert r.status_code == 422 and "beaucoup" in r.text
    assert api(app, file=io.BytesIO(bad), name="faux.csv").status_code == 422
    assert stored_files(app) == []
    assert upload(c, CONFORME, csrf=csrf).status_code == 303
    kept = stored_files(app)
    r = c.post("/controle", data={"csrf": csrf, "feuille": "Absente"},  # the same file, refused for another reason
               files={"fichier": ("p.xlsx", CONFORME.read_bytes())})
    assert r.status_code == 422 and stored_files(app) == kept  # still held by the first analysis


def test_storage_is_bounded_per_user(tmp_path):
    app = make(tmp_path, max_storage_per_user=MANQUEMENTS.stat().st_size + 1000)
    c = TestClient(app)
    sign_in(c)
    csrf = _csrf(c.get("/controle").text)
    assert upload(c, CONFORME, csrf=csrf).status_code == 303
    r = upload(c, MANQUEMENTS, csrf=csrf)
    assert r.status_code == 413 and "espace de stockage épuisé pour « comptable »" in r.text
    assert upload(c, CONFORME, csrf=csrf).status_code == 303  # the same file again takes no more room
    assert len(stored_files(app)) == 1
    other = TestClient(app)
    sign_in(other, "autre")
    assert upload(other, MANQUEMENTS, csrf=_csrf(other.get("/controle").text)).status_code == 303


# --------------------------------------------------------------------------- cookies


def test_host_cookies_are_deleted_with_secure(tmp_path):
    app = make(tmp_path, secure_cookies=True)
    c = TestClient(app, base_url="https://testserver")
    r = sign_in(c)
    assert r.status_code == 303
    cookies = r.headers.get_list("set-cookie")
    gone = [h for h in cookies if h.startswith("__Host-reserves_connexion=")]
    assert gone and all("Secure" in h and "Path=/" in h and "Max-Age=0" in h for h in gone)
    assert "Domain" not in " ".join(gone)
    csrf = _csrf(c.get("/controle").text)
    r = c.post("/deconnexion", data={"csrf": csrf}, follow_redirects=False)
    ended = [h for h in r.headers.get_list("set-cookie") if h.startswith("__Host-reserves_session=")]
    assert ended and all("Secure" in h and "Path=/" in h and "Max-Age=0" in h for h in ended)


def test_a_burst_sent_at_once_meets_the_per_name_limit(tmp_path):
    """Attempts still being hashed count: twelve sent together cost at most the limit's hashes."""
    app = make(tmp_path, login_per_name=3, login_per_address=1000, login_throttle_s=30)
    clients = [at(app, f"10.0.5.{k}") for k in range(12)]
    pages = [_csrf(c.get("/connexion").text) for c in clients]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def attempt(k):
        barrier.wait(10)
        codes.append(clients[k].post("/connexion", data={"nom": "comptable", "mot_de_passe": "faux-mot-de-passe",
                                                         "csrf": pages[k], "suite": "/"},
                                     follow_redirects=False).status_code)

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [401] * 3 + [429] * 9
