"""The pre-trade service: a portfolio loaded once, orders checked against it, the same answer as
`reserves check --ordres --json`, only for its user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from helpers import run_main  # noqa: E402
from reserves.app.audit import AuditLog  # noqa: E402
from reserves.app.web import create_app  # noqa: E402
from reserves.app.web.settings import Settings  # noqa: E402
from reserves.pretrade.orders import load_orders  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFORME = ROOT / "samples" / "portefeuille_conforme.xlsx"
ORDERS = ROOT / "samples" / "ordres_exemple.csv"


@pytest.fixture
def web(tmp_path):
    settings = Settings(storage=str(tmp_path / "stockage"), db_url=str(tmp_path / "base.sqlite3"),
                        max_upload_bytes=256 * 1024)
    app = create_app(settings)
    app.state.token = app.state.users.add("robot", None, token=True)
    app.state.other = app.state.users.add("autre", None, token=True)
    app.state.tmp = tmp_path
    return app


def auth(token) -> dict:
    return {"Authorization": f"Bearer {token}"}


def load(c, token, path=CONFORME, **data):
    return c.post("/api/portefeuilles", headers=auth(token), files={"file": (path.name, path.read_bytes())},
                  data=data)


def test_orders_on_a_loaded_portfolio_answer_as_the_command_line(web):
    c = TestClient(web)
    r = load(c, web.state.token, date="2016-12-31")
    assert r.status_code == 201, r.text
    loaded = r.json()
    assert loaded["status"] == "ok" and loaded["lines"] > 100 and loaded["version"]["id"] == "R623-2002-11-01"
    # the orders file as JSON records: the new line's category, currency and building travel with it
    raw = load_orders(ORDERS).raw
    rows = []
    for cells in raw.rows:
        rows.append({raw.headers[f]: cells[i] for f, i in raw.fields.items() if i < len(cells) and cells[i] not in (None, "")})
    body = {"ordres": rows}
    r = c.post(f"/api/portefeuilles/{loaded['id']}/ordres", headers=auth(web.state.token), json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    code, out, _ = run_main(["check", str(CONFORME), "--ordres", str(ORDERS), "--json", "--date", "2016-12-31"])
    cli = json.loads(out)
    assert doc["exit_code"] == code == 1 and doc["orders_check"]["status"] == "refuse"
    for key in ("status", "total", "base", "lines", "rules", "findings", "version"):
        assert doc[key] == cli[key], key
    strip = lambda o: {k: v for k, v in o.items() if k != "row"}  # noqa: E731  (rows of the orders' own files)
    assert [strip(o) for o in doc["orders"]] == [strip(o) for o in cli["orders"]]
    assert doc["orders_check"]["changes"] == cli["orders_check"]["changes"]
    # the loaded portfolio is left as it was: the same orders give the same answer
    again = c.post(f"/api/portefeuilles/{loaded['id']}/ordres", headers=auth(web.state.token), json=body).json()
    assert again["orders"] == doc["orders"] and again["rules"] == doc["rules"]
    assert c.get(f"/api/portefeuilles/{loaded['id']}", headers=auth(web.state.token)).json()["status"] == "ok"
    # and each check is in the audit trail
    web.state.pretrade_audit.flush()
    log = AuditLog(url=str(web.state.tmp / "base.sqlite3"))
    kinds = [e.kind for e in log.list(50)]
    assert kinds.count("orders") == 2 and "check" in kinds


def test_a_loaded_portfolio_is_its_users_only_and_can_be_forgotten(web):
    c = TestClient(web)
    pid = load(c, web.state.token).json()["id"]
    one = {"ordres": [{"libelle": "Actions AXA", "isin": "FR0000120628", "montant": 1000}]}
    assert c.post(f"/api/portefeuilles/{pid}/ordres", headers=auth(web.state.other), json=one).status_code == 404
    assert c.get(f"/api/portefeuilles/{pid}", headers=auth(web.state.other)).status_code == 404
    assert c.post(f"/api/portefeuilles/{pid}/ordres", json=one).status_code == 401
    assert c.delete(f"/api/portefeuilles/{pid}", headers=auth(web.state.token)).status_code == 204
    assert c.get(f"/api/portefeuilles/{pid}", headers=auth(web.state.token)).status_code == 404


def test_bad_orders_are_422_in_french_and_leave_the_portfolio_loaded(web):
    c = TestClient(web)
    pid = load(c, web.state.token).json()["id"]
    url = f"/api/portefeuilles/{pid}/ordres"
    r = c.post(url, headers=auth(web.state.token), json={"ordres": []})
    assert r.status_code == 422 and "aucun ordre" in r.json()["errors"][0]["message"]
    r = c.post(url, headers=auth(web.state.token), json={"ordres": [{"libelle": "Inconnue", "montant": -5}]})
    assert r.status_code == 422 and "vente d'une ligne absente" in r.json()["errors"][0]["message"]
    r = c.post(url, headers=auth(web.state.token), json={"ordres": [{"libelle": "Inconnue", "montant": "abc"}]})
    assert r.status_code == 422
    assert c.get(f"/api/portefeuilles/{pid}", headers=auth(web.state.token)).json()["status"] == "ok"
    r = load(c, web.state.token, date="2018-06-30")
    assert r.status_code == 422 and r.json()["errors"]


def test_audit_records_wait_for_a_quiet_moment_at_most_a_bounded_time_and_flush_writes_them_at_once():
    import threading
    import time

    from reserves.app.web.pretrade import AuditWriter

    written, done = [], threading.Event()

    def record(kind, user, **kw):
        written.append((kind, user, time.monotonic()))
        done.set()

    w = AuditWriter(record)
    w.QUIET_S, w.LATEST_S = 0.2, 0.6
    w.busy()
    t0 = time.monotonic()
    w.submit("orders", "robot")
    time.sleep(0.05)
    assert written == []  # a request just started: the record waits
    assert done.wait(5)
    assert written[0][:2] == ("orders", "robot") and written[0][2] - t0 >= 0.15
    # requests that never stop: the record is written anyway, LATEST_S after it was made
    done.clear()
    t1 = time.monotonic()
    w.submit("orders", "robot")
    while not done.is_set() and time.monotonic() - t1 < 5:
        w.busy()
        time.sleep(0.01)
    assert done.is_set() and 0.5 <= written[1][2] - t1 < 3
    # flush writes at once, busy or not
    w.busy()
    w.QUIET_S, w.LATEST_S = 60, 60
    w.submit("orders", "autre")
    t2 = time.monotonic()
    w.flush()
    assert written[2][:2] == ("orders", "autre") and time.monotonic() - t2 < 5
