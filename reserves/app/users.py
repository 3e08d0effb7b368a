"""Users of the upload page: names, argon2 password hashes, API tokens and sign-in sessions.

The tables live in the same database as the audit trail (SQLite file by
default, any SQLAlchemy URL otherwise). Passwords are hashed with argon2id
(argon2-cffi, its default cost); a password is never stored nor logged. An API
token is 256 random bits shown once at creation: the store keeps its SHA-256
only (a slow hash adds nothing to a secret of that entropy, and a digest can be
looked up). A sign-in session is a random identifier kept in an HttpOnly
cookie; the store keeps its SHA-256, its CSRF token and its expiry, so that
signing out really ends it.

Each account has a role: `utilisateur` sees only their own work (analyses,
verdicts, reports, proposals and audit records); `controleur` and `admin` see
everyone's, and the whole audit trail with its verification
(`reserves.web.access` applies the rule to every route).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

SESSION_HOURS = 12
MIN_PASSWORD = 10
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
ROLES = {"utilisateur": "voit son propre travail", "controleur": "voit le travail de tous et le journal d'audit entier",
         "admin": "voit le travail de tous et le journal d'audit entier"}
DEFAULT_ROLE = "utilisateur"
AUDITOR_ROLES = frozenset({"controleur", "admin"})

metadata = sa.MetaData()

users_table = sa.Table(
    "web_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("role", sa.String(20), nullable=False, server_default=DEFAULT_ROLE),
)

sessions_table = sa.Table(
    "web_sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)


class UserError(ValueError):
    """A French message for the person creating or using an account."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    has_password: bool
    has_token: bool
    created_at: dt.datetime
    active: bool
    role: str = DEFAULT_ROLE

    @property
    def sees_all(self) -> bool:
        """A `controleur` or an `admin` sees everyone's work and the whole audit trail."""
        return self.role in AUDITOR_ROLES


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: dt.datetime


def database_url(base: str | None = None) -> str:
    """The audit trail's database (`reserves.app.audit.resolve_url`): `base`, else $RESERVES_AUDIT_URL, else the
    SQLite file `reserves-audit.sqlite3` in the current folder."""
    from reserves.app.audit import resolve_url

    return resolve_url(base)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # concurrent readers while one writes; wait rather than fail
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# the look-up of every API call, made once (building the statement cost twice its running on SQLite)
_BY_TOKEN_HASH = sa.select(users_table).where(users_table.c.token_hash == sa.bindparam("token_hash"))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UserStore:
    def __init__(self, url: str | None = None, engine: sa.Engine | None = None) -> None:
        from argon2 import PasswordHasher

        self.url = url or database_url()
        self.engine = engine or make_engine(self.url)
        metadata.create_all(self.engine)
        _add_role_column(self.engine)
        self._hasher = PasswordHasher()
        self._dummy_hash: str | None = None

    # ------------------------------------------------------------------ accounts
    def add(self, name: str, password: str | None = None, *, token: bool = False,
            role: str = DEFAULT_ROLE) -> str | None:
        """Create an account; returns the API token when one is asked for (shown once)."""
        name = (name or "").strip()
        role = _check_role(role)
        if not NAME_RE.match(name):
            raise UserError(f"nom d'utilisateur invalide « {name} » : 1 à 64 caractères parmi lettres, chiffres, "
                            "« . », « _ », « @ » et « - », en commençant par une lettre ou un chiffre")
        if password is None and not token:
            raise UserError("donnez un mot de passe ou demandez un jeton d'API (--jeton)")
        pw_hash = self._hash_password(password) if password is not None else None
        tok = secrets.token_urlsafe(32) if token else None
        with self.engine.begin() as conn:
            if conn.execute(sa.select(users_table.c.id).where(users_table.c.name == name)).first():
                raise UserError(f"l'utilisateur « {name} » existe déjà")
            conn.execute(users_table.insert().values(
                name=name, password_hash=pw_hash, token_hash=_digest(tok) if tok else None,
                created_at=_now(), active=True, role=role))
        return tok

    def set_role(self, name: str, role: str) -> None:
        role = _check_role(role)
        with self.engine.begin() as conn:
            n = conn.execute(users_table.update().where(users_table.c.name == name).values(role=role)).rowcount
            if not n:
                raise UserError(f"utilisateur inconnu « {name} »")

    def set_password(self, name: str, password: str) -> None:
        pw_hash = self._hash_password(password)
        with self.engine.begin() as conn:
            n = conn.execute(users_table.update().where(users_table.c.name == name)
                             .values(password_hash=pw_hash)).rowcount
            if not n:
                raise UserError(f"utilisateur inconnu « {name} »")
            self._end_sessions(conn, name)

    def new_token(self, name: str) -> str:
        tok = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            n = conn.execute(users_table.update().where(users_table.c.name == name)
                             .values(token_hash=_digest(tok))).rowcount
            if not n:
                raise UserError(f"utilisateur inconnu « {name} »")
        return tok

    def remove(self, name: str) -> None:
        with self.engine.begin() as conn:
            self._end_sessions(conn, name)
            n = conn.execute(users_table.delete().where(users_table.c.name == name)).rowcount
            if not n:
                raise UserError(f"utilisateur inconnu « {name} »")

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users_table).order_by(users_table.c.name)).all()
        return [self._user(r) for r in rows]

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(users_table).where(users_table.c.name == name)).first()
        return self._user(r) if r else None

    # ------------------------------------------------------------------ authentication
    def authenticate(self, name: str, password: str) -> User | None:
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.engine.connect() as conn:
            r = conn.execute(sa.select(users_table).where(users_table.c.name == (name or "").strip())).first()
        stored = r.password_hash if r is not None and r.active and r.password_hash else None
        try:
            self._hasher.verify(stored or self._dummy, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(users_table.update().where(users_table.c.id == r.id)
                             .values(password_hash=self._hasher.hash(password)))
        return self._user(r)

    def by_token(self, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        with self.engine.connect() as conn:
            r = conn.execute(_BY_TOKEN_HASH, {"token_hash": _digest(token)}).first()
        if r is None or not r.active or not hmac.compare_digest(r.token_hash, _digest(token)):
            return None
        return self._user(r)

    # ------------------------------------------------------------------ sessions
    def open_session(self, user: User, hours: float = SESSION_HOURS) -> tuple[str, Session]:
        """A new session: returns the cookie value (shown to the browser only) and the session."""
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        expires = now + dt.timedelta(hours=hours)
        with self.engine.begin() as conn:
            conn.execute(sessions_table.delete().where(sessions_table.c.expires_at < now))
            conn.execute(sessions_table.insert().values(id_hash=_digest(sid), user_id=user.id, csrf=csrf,
                                                        created_at=now, expires_at=expires))
        return sid, Session(user, csrf, expires)

    def session(self, sid: str | None) -> Session | None:
        if not sid or len(sid) > 200:
            return None
        q = (sa.select(users_table, sessions_table.c.csrf, sessions_table.c.expires_at)
             .join(sessions_table, sessions_table.c.user_id == users_table.c.id)
             .where(sessions_table.c.id_hash == _digest(sid)))
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None or not r.active or r.expires_at < _now():
            return None
        return Session(self._user(r), r.csrf, r.expires_at)

    def close_session(self, sid: str | None) -> None:
        if not sid:
            return
        with self.engine.begin() as conn:
            conn.execute(sessions_table.delete().where(sessions_table.c.id_hash == _digest(sid)))

    # ------------------------------------------------------------------ utilities
    @property
    def _dummy(self) -> str:
        """A hash to verify against when the name is unknown: the same work, so timing tells nothing."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def _hash_password(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise UserError(f"mot de passe trop court : {MIN_PASSWORD} caractères au moins")
        if len(password) > 1024:
            raise UserError("mot de passe trop long : 1024 caractères au plus")
        return self._hasher.hash(password)

    @staticmethod
    def _end_sessions(conn, name: str) -> None:
        ids = sa.select(users_table.c.id).where(users_table.c.name == name).scalar_subquery()
        conn.execute(sessions_table.delete().where(sessions_table.c.user_id == ids))

    @staticmethod
    def _user(r) -> User:
        return User(r.id, r.name, bool(r.password_hash), bool(r.token_hash), r.created_at, bool(r.active),
                    r.role if r.role in ROLES else DEFAULT_ROLE)


def _check_role(role: str | None) -> str:
    role = (role or DEFAULT_ROLE).strip().lower().replace("ô", "o")
    if role not in ROLES:
        raise UserError(f"rôle inconnu « {role} » : attendu " + ", ".join(ROLES))
    return role


def _add_role_column(engine: sa.Engine) -> None:
    """Accounts created before roles existed: add the column (everyone starts as `utilisateur`)."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns("web_users")}
    if "role" not in columns:
        with engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE web_users ADD COLUMN role VARCHAR(20) NOT NULL "
                                 f"DEFAULT '{DEFAULT_ROLE}'"))
