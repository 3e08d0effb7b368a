"""The audit trail: every check, report and proposal recorded in a database, append-only and tamper-evident.

An agent comptable answers personally for the funds: this log shows later
what was checked, when, by whom, on which file (name and SHA-256), against
which version of the rulebook, with which orders, verdict and findings.

- Database: a SQLite file (`reserves-audit.sqlite3` in the current folder) by
  default, or any SQLAlchemy URL (`$RESERVES_AUDIT_URL`, or `url=`), e.g.
  `postgresql://user@host/base` for a shared server. The schema is created
  and upgraded by the Alembic migrations shipped in this package, on first use.
- Append-only: the API has no update nor delete; the migration adds triggers
  that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
- Tamper-evident: each record stores `hash = SHA-256(prev_hash + canonical
  JSON of its fields)`, `prev_hash` being the previous record's hash (64 zeros
  for the first). Records are numbered 1, 2, 3… without gaps. `verify()`
  recomputes the chain: a record changed, removed or inserted behind the API
  breaks it from that record on. The last hash (`head`) may be written down
  elsewhere to detect the removal of the latest records too.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = "reserves-audit.sqlite3"
ENV_URL = "RESERVES_AUDIT_URL"
GENESIS = "0" * 64
KINDS = ("check", "orders", "report", "proposal")
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class AuditError(Exception):
    """The audit database cannot be reached or used; the message is in French."""


def canonical(obj) -> str:
    """The one JSON text of an object that the hash covers: sorted keys, no spaces, UTF-8 kept
    (a number that is not finite is written null)."""
    return json.dumps(_finite(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      default=_default)


def _finite(obj):
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _default(o):
    import decimal
    import fractions

    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, (decimal.Decimal, fractions.Fraction)):
        return str(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"valeur non sérialisable dans le journal d'audit : {type(o).__name__}")


def record_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return os.environ.get("USER") or os.environ.get("USERNAME") or "inconnu"


def resolve_url(url: str | None = None) -> str:
    """A SQLAlchemy URL from `url`, `$RESERVES_AUDIT_URL`, or the SQLite file in the current folder.

    A bare path means a SQLite file; `postgresql://` uses the psycopg driver.
    """
    url = url or os.environ.get(ENV_URL) or DEFAULT_FILE
    if "://" not in url:
        return "sqlite:///" + os.path.abspath(url)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True)
class Record:
    id: int
    created_at: str
    kind: str
    user: str
    file_name: str | None
    sha256: str | None
    version: str | None
    status: str | None
    orders: object
    payload: dict
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict:
        return _fields(self.id, self.created_at, self.kind, self.user, self.file_name, self.sha256, self.version,
                       self.status, self.orders, self.payload)

    def to_dict(self) -> dict:
        return {"id": self.id, "created_at": self.created_at, "kind": self.kind, "user": self.user,
                "file_name": self.file_name, "sha256": self.sha256, "version": self.version, "status": self.status,
                "orders": self.orders, "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash}


def _fields(id, created_at, kind, user, file_name, sha256, version, status, orders, payload) -> dict:
    return {"id": id, "created_at": created_at, "kind": kind, "user": user, "file_name": file_name,
            "sha256": sha256, "version": version, "status": status, "orders": orders, "payload": payload}


class AuditLog:
    """The audit trail in a database (SQLite file by default, PostgreSQL through a URL)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        from sqlalchemy import create_engine, event

        self.url = resolve_url(url)
        try:
            self.engine = create_engine(self.url, future=True)
        except Exception as exc:  # bad URL, missing driver
            raise AuditError(f"base d'audit inutilisable « {_safe(self.url)} » : {exc}") from None
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _sqlite_connect(dbapi_conn, _record):  # let SQLAlchemy issue BEGIN, and make it IMMEDIATE
                dbapi_conn.isolation_level = None

            @event.listens_for(self.engine, "begin")
            def _sqlite_begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        if migrate:
            self.migrate()

    # ---- schema -----------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the schema (Alembic, migrations shipped in the package)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self.engine.connect() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
        except Exception as exc:
            raise AuditError(f"base d'audit « {_safe(self.url)} » inaccessible : {_short(exc)}") from None

    # ---- writing ----------------------------------------------------------

    def record(self, kind: str, user: str | None, file_name: str | None, sha256: str | None, version: str | None,
               status: str | None, payload: dict, orders=None) -> Record:
        """Append one record; returns it with its number and hash."""
        from sqlalchemy import select, text

        from .models import AuditRow

        if not kind or not isinstance(kind, str):
            raise ValueError("kind must be a non-empty string")
        user = user or default_user()
        payload = json.loads(canonical(payload if payload is not None else {}))
        orders = None if orders is None else json.loads(canonical(orders))
        created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # one writer at a time extends the chain
                    conn.execute(text("LOCK TABLE reserves_audit IN SHARE ROW EXCLUSIVE MODE"))
                last = conn.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
                new_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                fields = _fields(new_id, created, kind, user, file_name, sha256, version, status, orders, payload)
                h = record_hash(prev, fields)
                conn.execute(AuditRow.__table__.insert().values(
                    id=new_id, created_at=created, kind=kind, user_name=user, file_name=file_name, sha256=sha256,
                    version=version, status=status, orders=None if orders is None else canonical(orders),
                    payload=canonical(payload), prev_hash=prev, hash=h))
        except Exception as exc:
            raise AuditError(f"écriture dans le journal d'audit impossible : {_short(exc)}") from None
        return Record(new_id, created, kind, user, file_name, sha256, version, status, orders, payload, prev, h)

    # ---- reading ----------------------------------------------------------

    def list(self, limit: int = 50, *, kind: str | None = None) -> list[Record]:
        """The latest records, newest first."""
        from sqlalchemy import select

        from .models import AuditRow

        q = select(AuditRow).order_by(AuditRow.id.desc())
        if kind:
            q = q.where(AuditRow.kind == kind)
        if limit:
            q = q.limit(int(limit))
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def show(self, id: int) -> Record | None:
        from sqlalchemy import select

        from .models import AuditRow

        with self.engine.connect() as conn:
            r = conn.execute(select(AuditRow).where(AuditRow.id == int(id))).mappings().first()
        return None if r is None else _record(r)

    def head(self) -> tuple[int, str]:
        """(number, hash) of the latest record; (0, 64 zeros) when empty."""
        from sqlalchemy import select

        from .models import AuditRow

        with self.engine.connect() as conn:
            r = conn.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
        return (r[0], r[1]) if r else (0, GENESIS)

    def verify(self) -> tuple[bool, int | None, str]:
        """Recompute the chain: (intact, first bad record's number or None, French message)."""
        from sqlalchemy import select

        from .models import AuditRow

        expected_id, prev, count = 1, GENESIS, 0
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=1000).execute(select(AuditRow).order_by(AuditRow.id)).mappings()
            for r in rows:
                rid = r["id"]
                if rid != expected_id:
                    return False, rid, (f"chaîne rompue à l'enregistrement n° {rid} : l'enregistrement n° "
                                        f"{expected_id} manque (supprimé ?)")
                if r["prev_hash"] != prev:
                    return False, rid, (f"chaîne rompue à l'enregistrement n° {rid} : il ne suit pas "
                                        "l'enregistrement précédent (empreinte précédente différente)")
                try:
                    rec = _record(r)
                except ValueError:
                    return False, rid, f"enregistrement n° {rid} illisible (contenu JSON altéré)"
                if record_hash(prev, rec.hashed_fields()) != r["hash"]:
                    return False, rid, (f"enregistrement n° {rid} altéré : son empreinte ne correspond plus à son "
                                        "contenu")
                prev, expected_id, count = r["hash"], rid + 1, count + 1
        if count == 0:
            return True, None, "journal d'audit vide : rien à vérifier"
        return True, None, (f"chaîne intacte : {count} enregistrement(s), dernier n° {expected_id - 1}, "
                            f"empreinte {prev}")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _record(r) -> Record:
    try:
        payload = json.loads(r["payload"])
        orders = None if r["orders"] is None else json.loads(r["orders"])
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from None
    return Record(r["id"], r["created_at"], r["kind"], r["user_name"], r["file_name"], r["sha256"], r["version"],
                  r["status"], orders, payload, r["prev_hash"], r["hash"])


def _safe(url: str) -> str:
    """The URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["AuditLog", "AuditError", "Record", "canonical", "record_hash", "resolve_url", "default_user",
           "GENESIS", "ENV_URL", "DEFAULT_FILE"]
