"""Limits on sign-in attempts, kept in the database (they survive a restart), and a cap on password hashing.

- Per address: past `per_address` failed attempts within `window_s`, the
  address is refused (429) until the oldest failure leaves the window.
- Per name: past `per_name` failed attempts within `window_s`, whatever the
  address, the name takes one attempt per `throttle_s` seconds: a guesser is
  slowed down, and the real user, from another address, waits at most
  `throttle_s` seconds after the last failure before the right password opens.
- Hashing: at most `concurrent` argon2 verifications at once (each costs 64 MiB
  and a core); past `queue` waiting, a sign-in is answered 503 at once.

The same table also caps the records of refused requests an address may add to
the audit trail (`allow`), so that no visitor can flood it.
"""

from __future__ import annotations

import collections
import math
import threading
import time

import sqlalchemy as sa

metadata = sa.MetaData()

attempts = sa.Table(
    "web_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # name, address, refus
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Index("ix_web_login_failures_key", "kind", "key", "at"),
)


class Busy(Exception):
    """Too many sign-ins waiting for the password hasher."""


class LoginThrottle:
    def __init__(self, engine: sa.Engine, *, window_s: float = 900, per_name: int = 5, per_address: int = 20,
                 throttle_s: float = 10, concurrent: int = 2, queue: int = 32) -> None:
        self.engine = engine
        metadata.create_all(engine)
        self.window_s, self.per_name, self.per_address, self.throttle_s = window_s, per_name, per_address, throttle_s
        self.concurrent, self.queue = concurrent, queue
        self._sem = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._waiting = 0
        self._admit = threading.Lock()
        self._pending: collections.Counter = collections.Counter()  # attempts admitted, not yet answered

    # ------------------------------------------------------------------ the limits
    def admit(self, name: str, address: str) -> str | None:
        """A French message if this attempt must wait (nothing is counted then); else None, and the attempt counts
        as pending until `release` (so that a burst sent at once meets the limits too)."""
        with self._admit:
            message = self.refused(name, address)
            if message is None:
                self._pending["name", _key(name.lower())] += 1
                self._pending["address", _key(address)] += 1
            return message

    def release(self, name: str, address: str) -> None:
        with self._admit:
            for k in (("name", _key(name.lower())), ("address", _key(address))):
                self._pending[k] -= 1
                if self._pending[k] <= 0:
                    del self._pending[k]

    def refused(self, name: str, address: str) -> str | None:
        """A French message if this attempt must wait, else None."""
        now = time.time()
        since = now - self.window_s
        with self.engine.connect() as conn:
            at = conn.execute(sa.select(attempts.c.at).where(
                attempts.c.kind == "address", attempts.c.key == _key(address), attempts.c.at > since)
                .order_by(attempts.c.at)).scalars().all()
            pending = self._pending["address", _key(address)]
            if len(at) + pending >= self.per_address:
                wait = (at[max(0, len(at) - self.per_address)] if at else now) + self.window_s - now
                return ("Trop de tentatives de connexion depuis cette adresse : réessayez dans "
                        f"{_minutes(wait)}.")
            n, last = conn.execute(sa.select(sa.func.count(), sa.func.max(attempts.c.at)).where(
                attempts.c.kind == "name", attempts.c.key == _key(name.lower()), attempts.c.at > since)).one()
        pending = self._pending["name", _key(name.lower())]
        if n + pending >= self.per_name and (pending or now - last < self.throttle_s):
            wait = max(1, math.ceil((now if pending else last) + self.throttle_s - now))
            return f"Trop de tentatives pour ce nom : réessayez dans {wait} s."
        return None

    def failed(self, name: str, address: str) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(attempts.delete().where(attempts.c.at < now - max(self.window_s, 3600)))
            conn.execute(attempts.insert(), [{"kind": "name", "key": _key(name.lower()), "at": now},
                                             {"kind": "address", "key": _key(address), "at": now}])

    def succeeded(self, name: str) -> None:
        """The right password: the name's failures are forgotten (not the address's)."""
        with self.engine.begin() as conn:
            conn.execute(attempts.delete().where(attempts.c.kind == "name", attempts.c.key == _key(name.lower())))

    def allow(self, kind: str, key: str, limit: int, window_s: float = 3600) -> bool:
        """Count one event of `kind` for `key`; False when `limit` were already counted within `window_s`."""
        now = time.time()
        with self.engine.begin() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(attempts).where(
                attempts.c.kind == kind, attempts.c.key == _key(key), attempts.c.at > now - window_s)).scalar_one()
            if n >= limit:
                return False
            conn.execute(attempts.insert().values(kind=kind, key=_key(key), at=now))
        return True

    # ------------------------------------------------------------------ the hasher
    async def hashing(self, fn, *args):
        """Run `fn(*args)` (a password verification) in a worker thread, `concurrent` at most at a time; Busy when
        `queue` are waiting already."""
        from starlette.concurrency import run_in_threadpool

        with self._lock:
            if self._waiting >= self.queue:
                raise Busy()
            self._waiting += 1
        try:
            return await run_in_threadpool(self._one, fn, *args)
        finally:
            with self._lock:
                self._waiting -= 1

    def _one(self, fn, *args):
        with self._sem:
            return fn(*args)


def _key(text: str) -> str:
    return (text or "?")[:200]


def _minutes(seconds: float) -> str:
    m = max(1, math.ceil(seconds / 60))
    return f"{m} minute{'s' if m > 1 else ''}"
