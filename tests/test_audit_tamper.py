"""The tamper suite: whoever can write to the audit base but holds neither the key nor the anchor's folder cannot
rewrite the trail unseen. Each attack, on SQLite and on a real PostgreSQL server (tests/pg.py) whose application
role is not the tables' owner, ends with `reserves audit verify` exiting non-zero and naming what happened."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from helpers import run_main
from reserves.app.audit import AuditError, AuditLog, canonical

N = 5


@dataclass
class Journal:
    url: str  # what the application connects with
    owner_url: str  # the tables' owner (on SQLite: the same file)
    dialect: str
    tmp: object

    def log(self) -> AuditLog:
        return AuditLog(self.url)

    def owner_sql(self, *statements: str, triggers_off: bool = True) -> None:
        """An attacker with the owner's rights: the append-only triggers off, then raw statements behind the API."""
        engine = create_engine(self.owner_url)
        try:
            with engine.begin() as conn:
                if triggers_off:
                    if self.dialect == "postgresql":
                        conn.execute(text("ALTER TABLE reserves_audit DISABLE TRIGGER USER"))
                    else:
                        conn.execute(text("DROP TRIGGER IF EXISTS reserves_audit_no_update"))
                        conn.execute(text("DROP TRIGGER IF EXISTS reserves_audit_no_delete"))
                for sql in statements:
                    conn.execute(text(sql))
        finally:
            engine.dispose()

    def rows(self) -> list[dict]:
        engine = create_engine(self.owner_url)
        try:
            with engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM reserves_audit ORDER BY id"))]
        finally:
            engine.dispose()

    def put_back(self, rows: list[dict]) -> None:
        """Restore an older copy of the table: everything deleted, the old rows inserted again."""
        engine = create_engine(self.owner_url)
        try:
            with engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("ALTER TABLE reserves_audit DISABLE TRIGGER USER"))
                else:
                    conn.execute(text("DROP TRIGGER IF EXISTS reserves_audit_no_delete"))
                conn.execute(text("DELETE FROM reserves_audit"))
                cols = list(rows[0])
                conn.execute(text(f"INSERT INTO reserves_audit ({', '.join(cols)}) VALUES "
                                  f"({', '.join(':' + c for c in cols)})"), rows)
        finally:
            engine.dispose()

    def verify(self, *extra: str) -> tuple[int, str, str]:
        return run_main(["audit", "verify", "--base", self.url, *extra])


def _psql(server, db: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=server.port, user=server.user, dbname=db, autocommit=True) as c:
        c.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def journal(request, tmp_path, monkeypatch):
    monkeypatch.setenv("RESERVES_AUDIT_KEY_FILE", str(tmp_path / "journal.cle"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
        j = Journal(url, url, "sqlite", tmp_path)
        code, out, err = run_main(["audit", "init", "--base", url])
        assert code == 0, err
    else:
        server = request.getfixturevalue("pg_server")
        tag = uuid.uuid4().hex[:8]
        owner, app, db = f"proprietaire_{tag}", f"appli_{tag}", f"journal_{tag}"
        _psql(server, "postgres", f"CREATE ROLE {owner} LOGIN")
        _psql(server, "postgres", f"CREATE ROLE {app} LOGIN")
        _psql(server, "postgres", f"CREATE DATABASE {db} OWNER {owner}")
        base = f"postgresql+psycopg://{{}}@127.0.0.1:{server.port}/{db}"
        j = Journal(base.format(app), base.format(owner), "postgresql", tmp_path)
        code, out, err = run_main(["audit", "init", "--base", j.owner_url, "--role-application", app])
        assert code == 0, err
        assert f"rôle « {app} » : lecture et ajout seulement" in out
    with j.log() as log:
        for k in range(N):
            log.record("check", f"agent{k}", f"portefeuille{k}.xlsx", f"{k:064x}", "R623-2002-11-01",
                       ["ok", "breach"][k % 2], {"status": "ok", "findings": [], "k": k})
    code, out, err = j.verify()
    assert code == 0 and f"chaîne intacte : {N} enregistrement(s)" in out, err
    return j


def _broken(j: Journal, *needles: str, extra=()) -> str:
    code, out, err = j.verify(*extra)
    assert code == 1, (code, out, err)
    assert "NON INTÈGRE" in err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def test_edit_a_record(journal):
    journal.owner_sql("UPDATE reserves_audit SET status = 'ok' WHERE id = 2")
    _broken(journal, "n° 2 altéré ou forgé")


def test_delete_a_middle_record(journal):
    journal.owner_sql("DELETE FROM reserves_audit WHERE id = 3")
    _broken(journal, "n° 3 manquant(s) : supprimé(s) au milieu du journal")


def test_delete_the_tail(journal):
    journal.owner_sql("DELETE FROM reserves_audit WHERE id >= 4")
    _broken(journal, "troncature : les n° 4 à 5 manquent en fin de journal", "l'ancre atteste le n° 5")


def test_empty_the_table(journal):
    journal.owner_sql("DELETE FROM reserves_audit")
    _broken(journal, "journal vidé : l'ancre atteste 5 enregistrement(s)")


def _sha_chain(prev: str, row: dict) -> str:
    """What a forger without the key computes: the bare SHA-256 chain of the former format."""
    fields = {"id": row["id"], "created_at": row["created_at"], "kind": row["kind"], "user": row["user_name"],
              "file_name": row["file_name"], "sha256": row["sha256"], "version": row["version"],
              "status": row["status"], "orders": None if row["orders"] is None else json.loads(row["orders"]),
              "payload": json.loads(row["payload"])}
    return hashlib.sha256((prev + canonical(fields)).encode()).hexdigest()


def test_forge_a_record_with_a_recomputed_hash(journal):
    rows = journal.rows()
    forged = dict(rows[1], status="ok", payload=canonical({"status": "ok", "findings": []}))
    forged["hash"] = _sha_chain(forged["prev_hash"], forged)
    statements = [f"UPDATE reserves_audit SET status = 'ok', payload = '{forged['payload']}', hash = '{forged['hash']}' "
                  "WHERE id = 2"]
    prev = forged["hash"]
    for row in rows[2:]:  # the whole rest of the chain recomputed, as a forger would
        h = _sha_chain(prev, row)
        statements.append(f"UPDATE reserves_audit SET prev_hash = '{prev}', hash = '{h}' WHERE id = {row['id']}")
        prev = h
    journal.owner_sql(*statements)
    err = _broken(journal, "n° 2 altéré ou forgé", "n° 5 altéré ou forgé")
    assert "n° 1 " not in err


def test_append_a_forged_record(journal):
    last = journal.rows()[-1]
    row = dict(last, id=N + 1, user_name="intrus", prev_hash=last["hash"])
    row["hash"] = _sha_chain(last["hash"], row)
    cols = ", ".join(row)
    engine = create_engine(journal.url)  # the application's own role may insert
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO reserves_audit ({cols}) VALUES ({', '.join(':' + c for c in row)})"), row)
    engine.dispose()
    _broken(journal, f"n° {N + 1} altéré ou forgé")


def test_drop_the_triggers_then_edit(journal):
    if journal.dialect == "postgresql":  # the application's role cannot: it neither owns the table nor may update
        engine = create_engine(journal.url)
        for sql in ("ALTER TABLE reserves_audit DISABLE TRIGGER USER", "DROP TRIGGER reserves_audit_no_update ON "
                    "reserves_audit", "UPDATE reserves_audit SET status = 'ok' WHERE id = 2",
                    "DELETE FROM reserves_audit WHERE id = 5", "TRUNCATE reserves_audit"):
            with pytest.raises(Exception) as exc:
                with engine.begin() as conn:
                    conn.execute(text(sql))
            assert "must be owner" in str(exc.value) or "permission denied" in str(exc.value), sql
        engine.dispose()
        journal.owner_sql("DROP TRIGGER reserves_audit_no_update ON reserves_audit", triggers_off=False)
    else:
        journal.owner_sql("DROP TRIGGER reserves_audit_no_update", triggers_off=False)
    journal.owner_sql("UPDATE reserves_audit SET user_name = 'quelquun' WHERE id = 4", triggers_off=False)
    _broken(journal, "n° 4 altéré ou forgé")


def test_restore_an_old_copy(journal):
    old = journal.rows()[:3]
    journal.put_back(old)
    _broken(journal, "troncature : les n° 4 à 5 manquent", "copie ancienne de la base restaurée")


def test_restore_an_old_copy_then_go_on_writing(journal):
    """The restored base takes new records; the anchor still knows what n° 4 and 5 were."""
    journal.put_back(journal.rows()[:3])
    with journal.log() as log:
        assert log.record("check", "agent", "nouveau.xlsx", None, "v", "ok", {}).id == 4
    _broken(journal, "n° 4 diffère de ce qu'atteste l'ancre", "retour en arrière", "le n° 5 manque")


def test_restore_an_old_sqlite_file(journal):
    if journal.dialect != "sqlite":
        pytest.skip("copie de fichier : SQLite")
    db = journal.tmp / "journal.sqlite3"
    copy = journal.tmp / "copie.sqlite3"
    shutil.copy(db, copy)
    with journal.log() as log:
        log.record("check", "agent", "plus-tard.xlsx", None, "v", "ok", {})
    shutil.copy(copy, db)
    _broken(journal, f"troncature : le n° {N + 1} manque")


def test_a_removed_anchor_is_reported(journal):
    (journal.tmp / "journal.ancre").unlink()
    _broken(journal, "ancre absente")


def test_a_rewritten_anchor_is_reported(journal):
    anchor = journal.tmp / "journal.ancre"
    lines = anchor.read_text().splitlines()
    n, h, at, kid, seal = lines[-1].split()
    lines[-1] = " ".join([n, "f" * 64, at, kid, seal])
    anchor.write_text("\n".join(lines) + "\n")
    _broken(journal, "ancre altérée : le sceau de la ligne")


def test_a_receipt_kept_elsewhere_catches_a_tail_cut_with_its_anchor(journal, capsys):
    code, out, err = run_main(["audit", "anchor", "--base", journal.url])
    assert code == 0, err
    receipt = json.loads(out)
    assert receipt["enregistrements"] == N and len(receipt["sceau"]) == 64
    path = journal.tmp / "recu.json"
    path.write_text(out)
    code, out, err = journal.verify("--recu", str(path))
    assert code == 0, err
    # the attacker cuts the tail and the matching anchor lines
    journal.owner_sql("DELETE FROM reserves_audit WHERE id >= 4")
    anchor = journal.tmp / "journal.ancre"
    kept = [ln for ln in anchor.read_text().splitlines() if int(ln.split()[0]) <= 3]
    anchor.write_text("\n".join(kept) + "\n")
    assert journal.verify()[0] == 0  # the anchor alone was rewritten to agree
    _broken(journal, "troncature : les n° 4 à 5 manquent", "le reçu 1 atteste le n° 5", extra=("--recu", str(path)))
    forged = dict(receipt, enregistrements=3)
    path.write_text(json.dumps(forged))
    _broken(journal, "reçu falsifié", extra=("--recu", str(path)))


def test_a_dropped_table_is_a_clean_french_error(journal):
    journal.owner_sql("DROP TABLE reserves_audit", triggers_off=False)
    for args in (["audit", "verify"], ["audit", "list"], ["audit", "show", "1"], ["audit", "anchor"]):
        code, out, err = run_main([*args, "--base", journal.url])
        assert code == 2, (args, code, err)
        assert "table du journal d'audit absente" in err and "Erreur interne" not in err and "Traceback" not in err


def test_without_the_key_nothing_is_verified_nor_written(journal, monkeypatch):
    monkeypatch.setenv("RESERVES_AUDIT_KEY_FILE", str(journal.tmp / "autre.cle"))
    code, _, err = journal.verify()
    assert code == 2 and "clé du journal d'audit introuvable" in err
    with pytest.raises(AuditError, match="clé du journal d'audit introuvable"):
        AuditLog(journal.url).record("check", "x", None, None, None, "ok", {})


def test_the_key_file_must_be_private(journal):
    key = journal.tmp / "journal.cle"
    key.chmod(0o644)
    code, _, err = journal.verify()
    assert code == 2 and "trop exposée" in err and "chmod 600" in err


def test_init_refuses_to_run_twice(journal):
    code, _, err = run_main(["audit", "init", "--base", journal.owner_url])
    assert code == 2 and "déjà initialisé" in err


def test_the_web_page_runs_with_the_application_role(journal, tmp_path):
    """The web page connects with the application's role: it creates its own tables, records, and cannot touch the
    journal's triggers."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from reserves.app.web import create_app
    from reserves.app.web.settings import Settings
    from test_web import CONFORME, PASSWORD, _csrf, sign_in, upload

    app = create_app(Settings(storage=str(tmp_path / "stockage"), db_url=journal.url))
    app.state.users.add("comptable", PASSWORD)
    c = TestClient(app)
    assert sign_in(c).status_code == 303
    assert upload(c, CONFORME, csrf=_csrf(c.get("/controle").text)).status_code == 303
    assert app.state.audit.log.owner_warning() is None
    code, out, err = journal.verify()
    assert code == 0 and f"{N + 1} enregistrement(s)" in out, err
    if journal.dialect == "postgresql":
        owner = AuditLog(journal.owner_url)
        assert "possède le journal" in owner.owner_warning()
        owner.close()
