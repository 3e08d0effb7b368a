"""The audit trail: every check, report and proposal recorded in a database, append-only and tamper-evident.

An agent comptable answers personally for the funds: this log shows later
what was checked, when, by whom, on which file (name and SHA-256), against
which version of the rulebook, with which orders, verdict and findings.

- Database: a SQLite file (`reserves-audit.sqlite3` in the current folder) by
  default, or any SQLAlchemy URL (`$RESERVES_AUDIT_URL`, or `url=`), e.g.
  `postgresql://user@host/base` for a shared server. The schema is created
  and upgraded by the Alembic migrations shipped in this package, on first use.
- Append-only: the API has no update nor delete; the migration adds triggers
  that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). On PostgreSQL the
  tables belong to an owner role and the application's role may only read and
  insert (`init(app_role=…)`), so it cannot disable the triggers.
- Tamper-evident: each record stores `hash = HMAC-SHA256(key, prev_hash +
  canonical JSON of its fields)`, `prev_hash` being the previous record's hash
  (64 zeros for the first), with a key kept outside the database (`seal`).
  Records are numbered 1, 2, 3… without gaps. After each record the head
  (number and hash) is appended to the anchor file beside the key. `check()`
  recomputes every seal and compares the base with the anchor (and with
  receipts kept elsewhere): a record changed or forged, a record removed, a
  tail cut, an emptied table or an older copy put back are each reported with
  the record's number.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .seal import Seal, SealError

DEFAULT_FILE = "reserves-audit.sqlite3"
ENV_URL = "RESERVES_AUDIT_URL"
GENESIS = "0" * 64
KINDS = ("check", "orders", "report", "proposal", "request")
MAX_PROBLEMS = 50
LOCK_KEY = 623311  # PostgreSQL advisory lock: one writer at a time extends the chain
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


def canonical_fields(fields: dict, texts: dict | None = None) -> str:
    """`canonical(fields)` for a table of fields with text keys, the canonical texts of some of its values already
    made (`texts`: key -> text), so that a large payload is written once."""
    if not texts:
        return canonical(fields)
    return "{" + ",".join(canonical(k) + ":" + (texts[k] if k in texts else canonical(fields[k]))
                          for k in sorted(fields)) + "}"


def record_hash(key: bytes, prev_hash: str, fields: dict, texts: dict | None = None) -> str:
    """The seal of a record: HMAC-SHA256 under the journal's key of the previous hash and the record's fields
    (`texts`: the canonical texts of some of them, already made; see `canonical_fields`)."""
    return hmac.new(key, (prev_hash + canonical_fields(fields, texts)).encode("utf-8"), hashlib.sha256).hexdigest()


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


@dataclass
class Problem:
    """One finding of `AuditLog.check()`: the record's number (None for the anchor as a whole), a kind, a message."""

    id: int | None
    kind: str  # altere, lien, manquant, troncature, retour, ancre, recu
    message: str

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "message": self.message}


@dataclass
class Verification:
    """What `AuditLog.check()` found: the records read, the head, the anchored head, problems and notes."""

    count: int = 0
    head: str = GENESIS
    anchored: int | None = None  # the highest number the anchor (or a receipt) attests
    problems: list = field(default_factory=list)
    more: int = 0  # problems beyond MAX_PROBLEMS, not listed
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        ids = [p.id for p in self.problems if p.id is not None]
        return min(ids) if ids else None

    @property
    def message(self) -> str:
        if self.problems:
            text = "; ".join(p.message for p in self.problems)
            return text + (f" ; … et {self.more} autre(s) problème(s)" if self.more else "")
        if self.count == 0:
            text = "journal d'audit vide, ancré à son début : rien d'autre à vérifier"
        else:
            text = (f"chaîne intacte : {self.count} enregistrement(s), dernier n° {self.count}, "
                    f"empreinte {self.head}, conforme à l'ancre")
        return text + "".join(f" ; {n}" for n in self.notes)

    def to_dict(self) -> dict:
        return {"intact": self.ok, "first_bad_id": self.first_bad, "message": self.message, "count": self.count,
                "head": self.head, "anchored": self.anchored, "problems": [p.to_dict() for p in self.problems],
                "more_problems": self.more, "notes": list(self.notes)}


_ROLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class AuditLog:
    """The audit trail in a database (SQLite file by default, PostgreSQL through a URL), sealed with a key kept
    outside it and anchored in a file beside the key."""

    def __init__(self, url: str | None = None, *, migrate: bool = True, key_file=None, anchor_file=None):
        from sqlalchemy import create_engine, event

        self.url = resolve_url(url)
        try:
            self.seal = Seal.locate(self.url, key_file=key_file, anchor_file=anchor_file)
        except SealError as exc:
            raise AuditError(str(exc)) from None
        self._key_file, self._anchor_file = key_file, anchor_file
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

    # ---- the key and the anchor -------------------------------------------

    def init(self, app_role: str | None = None) -> list[str]:
        """Create the key and the anchor of a new journal (and, on PostgreSQL, give `app_role` the right to read
        and insert only). Returns what was done, in French."""
        done = []
        count, head = self.head()
        if self.seal.key is None:
            if count:
                raise AuditError(f"le journal d'audit contient déjà {count} enregistrement(s) sans clé connue "
                                 f"({self.seal.where}) : une nouvelle clé ne pourrait pas les vérifier")
            try:
                self.seal.create_key()
            except SealError as exc:
                raise AuditError(str(exc)) from None
            done.append(f"clé créée : {self.seal.where} (lisible par son propriétaire seul ; à sauvegarder à part)")
        elif self.seal.anchors() is not None and not app_role:
            raise AuditError(f"journal d'audit déjà initialisé (clé {self.seal.where}, ancre {self.seal.anchor_path})")
        if self.seal.anchors() is None:
            if count:
                raise AuditError(f"ancre absente ({self.seal.anchor_path}) alors que le journal contient {count} "
                                 "enregistrement(s) : vérifiez le journal (reserves audit verify) avant tout")
            self._anchor(0, GENESIS)
            done.append(f"ancre créée : {self.seal.anchor_path}")
        if app_role:
            done.append(self.grant(app_role))
        return done

    def _anchor(self, count: int, head: str) -> None:
        try:
            self.seal.anchor(count, head)
        except SealError as exc:
            raise AuditError(str(exc)) from None

    def _key(self, *, create: bool) -> bytes:
        """The key; on the first record of an empty journal with neither key nor anchor, a new key and anchor."""
        try:
            if self.seal.key is None:  # another process may have created it since
                self.seal = Seal.locate(self.url, key_file=self._key_file, anchor_file=self._anchor_file)
            if (self.seal.key is None and create and self.seal.key_path is not None
                    and not self.seal.anchor_path.exists() and self.head()[0] == 0):
                try:
                    self.seal.create_key()
                except SealError:  # another process created it first
                    pass
            if self.seal.key is None:  # created meanwhile by another writer, or really absent
                self.seal = Seal.locate(self.url, key_file=self._key_file, anchor_file=self._anchor_file)
            return self.seal.need_key()
        except SealError as exc:
            raise AuditError(str(exc)) from None

    def grant(self, app_role: str) -> str:
        """PostgreSQL: the application's role may read and insert records, nothing else; it must not own the tables
        (an owner can disable the triggers)."""
        from sqlalchemy import text

        if self.engine.dialect.name != "postgresql":
            raise AuditError("--role-application ne vaut que pour une base PostgreSQL")
        if not _ROLE_RE.match(app_role or ""):
            raise AuditError(f"nom de rôle invalide « {app_role} »")
        try:
            with self.engine.begin() as conn:
                me = conn.execute(text("SELECT current_user")).scalar_one()
                role = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first()
                if role is None:
                    raise AuditError(f"rôle PostgreSQL inconnu « {app_role} » : créez-le d'abord "
                                     f"(CREATE ROLE {app_role} LOGIN PASSWORD '…')")
                if role[0]:
                    raise AuditError(f"le rôle « {app_role} » est superutilisateur : il pourrait tout modifier ; "
                                     "donnez à l'application un rôle ordinaire")
                if app_role == me:
                    raise AuditError(f"le rôle de l'application « {app_role} » est celui qui possède le journal : "
                                     "lancez « reserves audit init » avec le rôle propriétaire")
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()
                q = '"' + app_role + '"'
                conn.execute(text(f'REVOKE ALL ON reserves_audit, reserves_audit_alembic_version FROM PUBLIC, {q}'))
                # USAGE to reach the journal, CREATE for the web page's own tables (accounts, analyses): creating
                # tables beside the journal gives no right on it
                conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO {q}'))
                conn.execute(text(f"GRANT SELECT, INSERT ON reserves_audit TO {q}"))
                conn.execute(text(f"GRANT SELECT ON reserves_audit_alembic_version TO {q}"))
        except AuditError:
            raise
        except Exception as exc:
            raise AuditError(f"droits impossibles à donner au rôle « {app_role} » : {_short(exc)}") from None
        return (f"rôle « {app_role} » : lecture et ajout seulement sur le journal (le rôle « {me} » en reste "
                f"propriétaire, seul à pouvoir toucher aux déclencheurs) ; création de ses propres tables dans le "
                f"schéma « {schema} »")

    def owner_warning(self) -> str | None:
        """On PostgreSQL, a warning when the connected role owns the journal (it could disable the triggers)."""
        from sqlalchemy import text

        if self.engine.dialect.name != "postgresql":
            return None
        try:
            with self.engine.connect() as conn:
                owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'reserves_audit' "
                                          "AND schemaname = current_schema()")).scalar()
                me = conn.execute(text("SELECT current_user")).scalar_one()
        except Exception:
            return None
        if owner and owner == me:
            return (f"le rôle connecté « {me} » possède le journal d'audit : il peut en désactiver les déclencheurs ; "
                    "connectez l'application avec un rôle distinct (reserves audit init --role-application ROLE)")
        return None

    # ---- writing ----------------------------------------------------------

    def record(self, kind: str, user: str | None, file_name: str | None, sha256: str | None, version: str | None,
               status: str | None, payload: dict, orders=None) -> Record:
        """Append one record, then anchor it; returns it with its number and hash."""
        from sqlalchemy import select, text

        from .models import AuditRow

        if not kind or not isinstance(kind, str):
            raise ValueError("kind must be a non-empty string")
        user = user or default_user()
        # each written once: the text stored is the text hashed (canonical is its own fixed point)
        payload_text = canonical(payload if payload is not None else {})
        orders_text = None if orders is None else canonical(orders)
        payload = json.loads(payload_text)
        orders = None if orders_text is None else json.loads(orders_text)
        created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        key = self._key(create=True)
        fresh_anchor = not self.seal.anchor_path.exists()
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # one writer at a time extends the chain
                    conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
                last = conn.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
                new_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                fields = _fields(new_id, created, kind, user, file_name, sha256, version, status, orders, payload)
                h = record_hash(key, prev, fields, {"payload": payload_text,
                                                    "orders": "null" if orders_text is None else orders_text})
                conn.execute(AuditRow.__table__.insert().values(
                    id=new_id, created_at=created, kind=kind, user_name=user, file_name=file_name, sha256=sha256,
                    version=version, status=status, orders=orders_text, payload=payload_text, prev_hash=prev,
                    hash=h))
        except Exception as exc:
            raise AuditError(f"écriture dans le journal d'audit impossible : {_db_problem(exc)}") from None
        try:
            if fresh_anchor and new_id == 1:
                self.seal.anchor(0, GENESIS)
            self.seal.anchor(new_id, h)
        except SealError as exc:
            raise AuditError(f"enregistrement n° {new_id} écrit mais non ancré : {exc}") from None
        return Record(new_id, created, kind, user, file_name, sha256, version, status, orders, payload, prev, h)

    def anchor_receipt(self) -> dict:
        """A receipt of the current head, sealed with the key (the journal is checked first: AuditError if broken).
        The head is appended to the anchor if it is not there yet."""
        v = self.check()
        if not v.ok:
            raise AuditError(f"journal d'audit NON INTÈGRE, aucun reçu délivré : {v.message}")
        heads, _ = self.seal.anchors() or ({}, [])
        if heads.get(v.count) != v.head:
            self._anchor(v.count, v.head)
        return self.seal.receipt(v.count, v.head, _safe(self.url))

    # ---- reading ----------------------------------------------------------

    def list(self, limit: int = 50, *, kind: str | None = None, user: str | None = None) -> list[Record]:
        """The latest records, newest first (of one user only, when `user` is given)."""
        from sqlalchemy import select

        from .models import AuditRow

        q = select(AuditRow).order_by(AuditRow.id.desc())
        if kind:
            q = q.where(AuditRow.kind == kind)
        if user is not None:
            q = q.where(AuditRow.user == user)
        if limit:
            q = q.limit(int(limit))
        try:
            with self.engine.connect() as conn:
                return [_record(r) for r in conn.execute(q).mappings()]
        except ValueError:
            raise AuditError("journal d'audit illisible : un enregistrement a un contenu JSON altéré "
                             "(reserves audit verify)") from None
        except Exception as exc:
            raise AuditError(f"lecture du journal d'audit impossible : {_db_problem(exc)}") from None

    def show(self, id: int) -> Record | None:
        from sqlalchemy import select

        from .models import AuditRow

        try:
            with self.engine.connect() as conn:
                r = conn.execute(select(AuditRow).where(AuditRow.id == int(id))).mappings().first()
            return None if r is None else _record(r)
        except ValueError:
            raise AuditError(f"enregistrement n° {id} illisible : contenu JSON altéré (reserves audit verify)") from None
        except Exception as exc:
            raise AuditError(f"lecture du journal d'audit impossible : {_db_problem(exc)}") from None

    def head(self) -> tuple[int, str]:
        """(number, hash) of the latest record; (0, 64 zeros) when empty."""
        from sqlalchemy import select

        from .models import AuditRow

        try:
            with self.engine.connect() as conn:
                r = conn.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
        except Exception as exc:
            raise AuditError(f"lecture du journal d'audit impossible : {_db_problem(exc)}") from None
        return (r[0], r[1]) if r else (0, GENESIS)

    def check(self, receipts=()) -> Verification:
        """Recompute every seal and link, and compare the base with the anchor and the `receipts` (dicts)."""
        from sqlalchemy import select

        from .models import AuditRow

        key = self._key(create=False)
        v = Verification()

        def problem(id, kind, message):
            if len(v.problems) < MAX_PROBLEMS:
                v.problems.append(Problem(id, kind, message))
            else:
                v.more += 1

        try:
            found = self.seal.anchors()
        except SealError as exc:
            raise AuditError(str(exc)) from None
        if found is None:
            problem(None, "ancre", f"ancre absente ({self.seal.anchor_path}) : supprimée, ou journal jamais "
                                   "initialisé (reserves audit init)")
            heads = {}
        else:
            heads, anchor_problems = found
            for m in anchor_problems:
                problem(None, "ancre", m)
            if heads and 0 not in heads:
                problem(None, "ancre", "ancre incomplète : sa première ligne (n° 0) manque (fichier supprimé puis "
                                       "recréé ?)")
        vouched: dict[int, tuple[str, str]] = {k: (h, "l'ancre") for k, h in heads.items()}
        for k, doc in enumerate(receipts, 1):
            try:
                n, h = self.seal.check_receipt(doc)
            except SealError as exc:
                problem(None, "recu", f"reçu {k} : {exc}")
                continue
            if vouched.get(n, (h,))[0] != h:
                problem(n, "retour", f"le reçu {k} et l'ancre donnent deux empreintes différentes au n° {n} : "
                                     "ancre réécrite")
            vouched[n] = (h, f"le reçu {k}")
        top = max(vouched) if vouched else 0
        v.anchored = top if vouched else None

        expected, prev, last, head = 1, GENESIS, 0, GENESIS
        try:
            with self.engine.connect() as conn:
                rows = conn.execution_options(yield_per=1000).execute(select(AuditRow).order_by(AuditRow.id))
                for r in rows.mappings():
                    rid = r["id"]
                    if rid != expected:
                        span = f"n° {expected}" if rid - 1 == expected else f"n° {expected} à {rid - 1}"
                        problem(expected, "manquant", f"{span} manquant(s) : supprimé(s) au milieu du journal "
                                                      f"(le n° {rid} suit le n° {expected - 1})")
                    elif r["prev_hash"] != prev:
                        problem(rid, "lien", f"n° {rid} ne suit pas le n° {rid - 1} : son empreinte précédente "
                                             "diffère")
                    try:
                        rec = _record(r)
                        good = hmac.compare_digest(record_hash(key, r["prev_hash"], rec.hashed_fields()), r["hash"])
                    except ValueError:
                        problem(rid, "altere", f"n° {rid} altéré : contenu JSON illisible")
                    else:
                        if not good:
                            problem(rid, "altere", f"n° {rid} altéré ou forgé : son sceau (HMAC) ne correspond pas "
                                                   "à son contenu")
                    if rid in vouched and vouched[rid][0] != r["hash"]:
                        problem(rid, "retour", f"n° {rid} diffère de ce qu'atteste {vouched[rid][1]} : journal "
                                               "réécrit, ou copie ancienne de la base restaurée (retour en arrière)")
                    prev, expected, last, head = r["hash"], rid + 1, rid, r["hash"]
        except Exception as exc:
            raise AuditError(f"vérification du journal d'audit impossible : {_db_problem(exc)}") from None
        v.count, v.head = last, head
        if top > last:
            who = "l'ancre" if top in heads else vouched[top][1]
            if last == 0:
                problem(1, "troncature", f"journal vidé : {who} atteste {top} enregistrement(s), la base n'en a "
                                         "plus aucun")
            else:
                span = f"le n° {top} manque" if top == last + 1 else f"les n° {last + 1} à {top} manquent"
                problem(last + 1, "troncature", f"troncature : {span} en fin de journal ({who} atteste "
                                                f"le n° {top}) : fin supprimée, ou copie ancienne de la base "
                                                "restaurée (retour en arrière)")
        elif vouched and last > top:
            v.notes.append(f"{last - top} enregistrement(s) après la dernière ancre (n° {top})")
        return v

    def verify(self, receipts=()) -> tuple[bool, int | None, str]:
        """(intact, first bad record's number or None, French message): `check()` in short."""
        v = self.check(receipts)
        return v.ok, v.first_bad, v.message

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _db_problem(exc: Exception) -> str:
    """A database error in French: a missing table (dropped?), a full disk, or the driver's first line."""
    text = _short(exc)
    low = text.lower()
    if "no such table" in low or ("relation" in low and "does not exist" in low) or "undefinedtable" in low:
        return "table du journal d'audit absente (supprimée ?)"
    if "disk is full" in low or "no space left" in low or "database or disk is full" in low:
        return "disque plein"
    if "permission denied" in low or "readonly" in low or "read-only" in low:
        return f"écriture refusée par la base ({text})"
    return text


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


__all__ = ["AuditLog", "AuditError", "Record", "Verification", "Problem", "canonical", "record_hash", "resolve_url",
           "default_user", "GENESIS", "ENV_URL", "DEFAULT_FILE"]
