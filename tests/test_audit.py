"""The audit trail: recorded, read back, append-only, and a broken chain is found — on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from helpers import ballast, frame, line, run_cli, run_main
from reserves.app.audit import GENESIS, AuditError, AuditLog, canonical, record_hash

DATE = "2016-12-31"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    monkeypatch.setenv("RESERVES_AUDIT_KEY_FILE", str(tmp_path / "serveur.cle"))  # key and anchor beside the test
    return request.getfixturevalue("pg_url")


def fill(log: AuditLog, n: int = 3) -> list:
    out = []
    for k in range(n):
        out.append(log.record("check", f"agent{k}", f"portefeuille{k}.xlsx", f"{k:064x}", "R623-2002-11-01",
                              ["ok", "breach", "unknown"][k % 3],
                              {"status": "ok", "findings": [{"rule": "R623-10-1/emetteur-max5", "value": 0.05 + k}],
                               "total": 1234567.89, "libellé": "é"},
                              orders=[{"isin": "FR0000120271", "montant": -1000.5}] if k == 1 else None))
    return out


def tamper(log: AuditLog, sql: str) -> None:
    """An attacker with the database owner's rights: triggers off, then a raw statement behind the API."""
    with log.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE reserves_audit DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS reserves_audit_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS reserves_audit_no_delete"))
        conn.execute(text(sql))


def test_records_are_numbered_chained_and_read_back(url):
    with AuditLog(url) as log:
        recs = fill(log)
        assert [r.id for r in recs] == [1, 2, 3]
        assert recs[0].prev_hash == GENESIS and recs[1].prev_hash == recs[0].hash
        assert recs[2].hash == record_hash(log.seal.key, recs[1].hash, recs[2].hashed_fields())
        listed = log.list(limit=2)
        assert [r.id for r in listed] == [3, 2]
        shown = log.show(2)
        assert shown == recs[1]
        assert shown.orders == [{"isin": "FR0000120271", "montant": -1000.5}]
        assert shown.payload["libellé"] == "é" and shown.user == "agent1"
        assert log.show(99) is None
        assert log.verify() == (True, None, log.verify()[2])
        assert log.head() == (3, recs[2].hash)
    with AuditLog(url) as again:  # a second opening migrates nothing and extends the same chain
        r4 = again.record("report", "agent", None, None, None, None, {})
        assert (r4.id, r4.prev_hash) == (4, recs[2].hash)
        assert again.verify()[0]


def test_the_database_refuses_update_and_delete(url):
    with AuditLog(url) as log:
        fill(log, 2)
        for sql in ("UPDATE reserves_audit SET status = 'ok' WHERE id = 2", "DELETE FROM reserves_audit WHERE id = 2"):
            with pytest.raises(Exception) as err:
                with log.engine.begin() as conn:
                    conn.execute(text(sql))
            assert "ajout seul" in str(err.value)
        assert log.verify()[0]


def test_a_record_changed_behind_the_api_breaks_the_chain(url):
    with AuditLog(url) as log:
        fill(log, 3)
        tamper(log, "UPDATE reserves_audit SET status = 'ok' WHERE id = 2")
        ok, bad, message = log.verify()
        assert (ok, bad) == (False, 2) and "n° 2" in message and "altéré" in message


def test_a_payload_rewritten_with_the_right_key_breaks_the_next_link(url):
    """Even a holder of the key who rewrites one record leaves the next link broken."""
    with AuditLog(url) as log:
        recs = fill(log, 3)
        fields = dict(recs[1].hashed_fields(), payload={"status": "ok"})
        forged = record_hash(log.seal.key, recs[1].prev_hash, fields)
        tamper(log, f"UPDATE reserves_audit SET payload = '{canonical({'status': 'ok'})}', hash = '{forged}' "
                    "WHERE id = 2")
        v = log.check()
        assert not v.ok and [(p.id, p.kind) for p in v.problems] == [(2, "retour"), (3, "lien")]
        assert "précédente" in v.message and "ancre" in v.message


def test_a_deleted_record_breaks_the_chain(url):
    with AuditLog(url) as log:
        fill(log, 3)
        tamper(log, "DELETE FROM reserves_audit WHERE id = 2")
        ok, bad, message = log.verify()
        assert (ok, bad) == (False, 2) and "n° 2 manquant" in message


def test_an_unreachable_database_is_a_french_error(tmp_path):
    with pytest.raises(AuditError) as err:
        AuditLog("postgresql://personne@127.0.0.1:1/rien")
    assert "inaccessible" in str(err.value)


# --------------------------------------------------------------------------- command line


def _files(tmp_path):
    pf = tmp_path / "portefeuille.csv"
    frame(ballast(900_000, label="OAT 2030"), line(2, 40_000, label="Obligation Total", emetteur="TotalEnergies SE"),
          line(7, 60_000, label="Actions Orange", emetteur="Orange SA")).to_csv(pf, sep=";", index=False)
    orders = tmp_path / "ordres.csv"
    orders.write_text("libelle;montant\nObligation Total;20 000\n", encoding="utf-8")
    return pf, orders


def test_cli_check_and_orders_are_recorded_then_listed_shown_verified(url, tmp_path):
    pf, orders = _files(tmp_path)
    code, out, err = run_main(["check", str(pf), "--date", DATE, "--audit", "--base", url, "--utilisateur", "marie"])
    assert code == 1, err  # Orange: 6 % of the base
    assert "enregistrement n° 1" in err
    code, out, err = run_main(["check", str(pf), "--ordres", str(orders), "--date", DATE, "--json", "--base", url])
    assert code == 1  # Total to 60 000 of 1 020 000: a breach created
    code, out, _ = run_main(["audit", "list", "--json", "--base", url])
    assert code == 0
    listed = json.loads(out)
    assert [(r["id"], r["kind"], r["status"]) for r in listed] == [(2, "orders", "refuse"), (1, "check", "breach")]
    assert listed[1]["user"] == "marie" and listed[1]["file_name"] == "portefeuille.csv"
    assert len(listed[1]["sha256"]) == 64
    code, out, _ = run_main(["audit", "show", "2", "--json", "--base", url])
    rec = json.loads(out)
    assert rec["orders"]["orders"][0]["libelle"] == "Obligation Total" and rec["payload"]["orders"][0]["effect"] == "cree"
    code, out, _ = run_main(["audit", "show", "1", "--base", url])
    assert code == 0 and "marie" in out and "R623-10-1/emetteur-max5" in out
    code, out, _ = run_main(["audit", "verify", "--base", url])
    assert code == 0 and "intacte" in out
    code, _, err = run_main(["audit", "show", "7", "--base", url])
    assert code == 2 and "introuvable" in err
    with AuditLog(url) as log:
        tamper(log, "UPDATE reserves_audit SET user_name = 'paul' WHERE id = 1")
    code, _, err = run_main(["audit", "verify", "--base", url])
    assert code == 1 and "n° 1" in err


def test_cli_default_database_and_environment_variable(tmp_path):
    pf, _ = _files(tmp_path)
    db = tmp_path / "journal.sqlite3"
    p = run_cli("check", str(pf), "--date", DATE, env={"RESERVES_AUDIT_URL": str(db)})
    assert p.returncode == 1 and db.exists(), p.stderr
    p = run_cli("audit", "verify", env={"RESERVES_AUDIT_URL": str(db)})
    assert p.returncode == 0 and "1 enregistrement" in p.stdout
    p = run_cli("audit", "list", env={"RESERVES_AUDIT_URL": str(db)})
    assert p.returncode == 0 and "portefeuille.csv" in p.stdout


def test_a_plain_check_does_not_load_sqlalchemy(tmp_path):
    pf, _ = _files(tmp_path)
    code = ("import sys, runpy; sys.argv = ['reserves', 'check', %r, '--date', '2016-12-31'];\n"
            "from reserves.app.cli import main\nrc = main(sys.argv[1:])\n"
            "assert 'sqlalchemy' not in sys.modules and 'reserves.pretrade.orders' not in sys.modules, 'imported'\n"
            "print('clean', rc)") % str(pf)
    import subprocess
    import sys

    env = {k: v for k, v in __import__("os").environ.items() if k != "RESERVES_AUDIT_URL"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "clean 1" in p.stdout, p.stderr


def test_concurrent_writers_keep_one_chain(url):
    import threading

    logs = [AuditLog(url) for _ in range(3)]
    errors = []

    def write(log, k):
        try:
            for j in range(5):
                log.record("check", f"agent{k}", "f.xlsx", None, "v", "ok", {"k": k, "j": j})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(log, k)) for k, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    ok, bad, message = logs[0].verify()
    assert ok, message
    assert [r.id for r in logs[0].list(limit=0)] == list(range(15, 0, -1))
    for log in logs:
        log.close()


# --------------------------------------------------------------------------- reports and proposals


def _sha(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_report_and_proposal_are_recorded_then_listed_shown_verified(url, tmp_path):
    from constraints import rulebook

    pf, _ = _files(tmp_path)
    version = rulebook.for_date(__import__("datetime").date.fromisoformat(DATE)).id
    report, proposal, report2 = tmp_path / "rapport.xlsx", tmp_path / "proposition.xlsx", tmp_path / "rapport.html"
    code, out, err = run_main(["report", str(pf), "-o", str(report), "--date", DATE, "--audit", "--base", url,
                               "--utilisateur", "marie"])
    assert code == 1 and "enregistrement n° 1" in err, err  # Orange: 6 % of the base
    code, out, err = run_main(["optimize", str(pf), "-o", str(proposal), "--date", DATE, "--json", "--base", url])
    assert code == 0 and "enregistrement n° 2" in err, err
    assert json.loads(out)["status"] == "optimal"  # stdout stays the JSON alone
    code, out, err = run_main(["report", str(pf), "-o", str(report2), "--proposition", str(proposal), "--date", DATE,
                               "--sans-choc", "--base", url])
    assert code == 1 and "enregistrement n° 3" in err, err

    code, out, _ = run_main(["audit", "list", "--json", "--base", url])
    listed = json.loads(out)
    assert [(r["id"], r["kind"], r["status"]) for r in listed] == [(3, "report", "breach"), (2, "proposal", "optimal"),
                                                                   (1, "report", "breach")]
    assert {(r["file_name"], r["sha256"], r["version"]) for r in listed} == {("portefeuille.csv", _sha(pf), version)}
    assert listed[2]["user"] == "marie"

    with AuditLog(url) as log:
        first, prop, second = log.show(1), log.show(2), log.show(3)
    assert first.payload["output"] == {"name": "rapport.xlsx", "sha256": _sha(report)}
    assert first.payload["format"] == "xlsx" and first.payload["channel"] == "cli"
    assert any(f["rule"] == "R623-10-1/emetteur-max5" and f["status"] == "breach"
               for f in first.payload["verdict"]["findings"])
    assert prop.payload["verdict_after"] == "ok" and prop.payload["objective"] == "turnover"
    assert prop.payload["output"] == {"name": "proposition.xlsx", "sha256": _sha(proposal)}
    assert any(t["sens"] == "vente" and t["libelle"] == "Actions Orange" for t in prop.orders)
    assert "trades" not in prop.payload["proposal"]  # kept once, as the record's orders
    assert second.payload["output"] == {"name": "rapport.html", "sha256": _sha(report2)}
    assert second.payload["proposal_file"] == {"name": "proposition.xlsx", "sha256": _sha(proposal)}

    code, out, _ = run_main(["audit", "list", "--base", url])
    assert code == 0 and "proposition de réallocation" in out and "rapport" in out
    assert "proposition trouvée (après : conforme)" in out and "non conforme" in out
    code, out, _ = run_main(["audit", "list", "--type", "rapport", "--json", "--base", url])
    assert [r["id"] for r in json.loads(out)] == [3, 1]
    code, out, _ = run_main(["audit", "show", "2", "--base", url])
    assert code == 0 and "Enregistrement n° 2 — proposition de réallocation" in out
    assert "ordres proposés" in out and "vente" in out and "Actions Orange" in out and "verdict après" in out
    assert _sha(proposal) in out
    code, out, _ = run_main(["audit", "show", "1", "--base", url])
    assert code == 0 and "— rapport" in out and _sha(report) in out and "R623-10-1/emetteur-max5" in out
    assert "ligne de commande" in out and "marie" in out
    code, out, _ = run_main(["audit", "verify", "--base", url])
    assert code == 0 and "intacte : 3 enregistrement(s)" in out


def test_cli_report_and_optimize_record_through_the_environment_variable(tmp_path, monkeypatch):
    pf, _ = _files(tmp_path)
    db = tmp_path / "journal.sqlite3"
    monkeypatch.setenv("RESERVES_AUDIT_URL", str(db))
    code, _, err = run_main(["report", str(pf), "-o", str(tmp_path / "r.html"), "--date", DATE, "--sans-choc"])
    assert code == 1, err
    code, _, err = run_main(["optimize", str(pf), "--date", DATE])
    assert code == 0, err
    with AuditLog(str(db)) as log:
        assert [r.kind for r in log.list(limit=0)] == ["proposal", "report"]
        assert log.list(limit=1)[0].payload.get("output") is None  # no workbook asked for
        assert log.verify()[0]


def test_cli_report_without_audit_writes_no_record(tmp_path, monkeypatch):
    pf, _ = _files(tmp_path)
    monkeypatch.delenv("RESERVES_AUDIT_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["report", str(pf), "-o", str(tmp_path / "r.html"), "--date", DATE, "--sans-choc"])
    assert code == 1 and "Journal d'audit" not in err
    assert not (tmp_path / "reserves-audit.sqlite3").exists()


def test_cli_report_with_an_unreachable_audit_database_fails_in_french(tmp_path):
    pf, _ = _files(tmp_path)
    out = tmp_path / "r.html"
    code, _, err = run_main(["report", str(pf), "-o", str(out), "--date", DATE, "--sans-choc",
                             "--base", "postgresql://personne@127.0.0.1:1/rien"])
    assert code == 2 and "Erreur" in err and "inaccessible" in err


def test_a_record_s_seal_is_the_same_with_its_payload_written_once():
    """The record writes its payload's canonical text once and splices it into the hashed fields: the text hashed is
    exactly the canonical text of the fields, whatever the payload holds (accents, quotes, not-finite numbers,
    numeric keys, nesting)."""
    import json as _json

    from reserves.app.audit import canonical, canonical_fields, record_hash

    payload = {"verdict": {"é": "« guillemets » \"et\" \\ barres", 10: [1.5, float("nan"), float("inf"), None],
                           9: {"b": True, "a": [{"z": 1, "y": "\u2028"}]}}, "lines": 10_000, "share": 0.1 + 0.2}
    orders = {"orders": [{"libelle": "Obligation", "montant": -2500.5, "quantite": "1000"}]}
    ptext, otext = canonical(payload), canonical(orders)
    assert canonical(_json.loads(ptext)) == ptext  # the text stored reads back to itself
    fields = {"id": 7, "created_at": "2026-12-01T15:00:00+00:00", "kind": "orders", "user": "anne", "file_name":
              "p.xlsx", "sha256": "ab" * 32, "version": "R623-2002-11-01", "status": "breach",
              "orders": _json.loads(otext), "payload": _json.loads(ptext)}
    assert canonical_fields(fields, {"payload": ptext, "orders": otext}) == canonical(fields)
    assert record_hash(b"k", "0" * 64, fields, {"payload": ptext, "orders": otext}) == record_hash(b"k", "0" * 64,
                                                                                                      fields)
    fields["orders"] = None
    assert canonical_fields(fields, {"payload": ptext, "orders": "null"}) == canonical(fields)
