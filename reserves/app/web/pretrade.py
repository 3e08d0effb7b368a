"""The pre-trade service: a portfolio kept loaded, each set of orders checked against it in milliseconds.

A script sends its portfolio once and its orders as often as it needs:

- `POST /api/portefeuilles` (multipart: `file`, and optionally `date`, `sheet`, `alerte`) reads the file,
  builds the pre-trade engine (`reserves.pretrade.engine.Engine`: every rule's state) and answers `201` with
  the portfolio's `id`, its verdict and its lines;
- `POST /api/portefeuilles/{id}/ordres` (JSON: `{"ordres": [{"isin": …, "montant": …}, …]}`, the columns of
  an orders file) answers what `reserves check FICHIER --ordres ORDRES --json` answers: the verdict after the
  orders, `orders_check` and the effect of each order, with `exit_code` (0 accepted, 1 refused, 3 to check);
  the portfolio kept loaded is left as it was;
- `GET /api/portefeuilles/{id}` describes it, `DELETE` forgets it.

A loaded portfolio is its user's only (another user gets 404, as for every object: `access`), kept in memory for `TTL_S` seconds after its
last use, at most `PER_USER` per user (the least recently used goes first). Each check is written to the
audit trail by a writer thread of its own (`AuditWriter`), in order, without the answer waiting for it.
"""

from __future__ import annotations

import datetime as dt
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.portfolio.errors import InputError, Problem

from .access import Viewer, api_viewer, api_viewer_now

TTL_S = 3600
PER_USER = 8
MAX_ORDERS = 10_000


@dataclass
class Loaded:
    id: str
    user: str
    engine: object
    pf: object
    file: dict
    date: dt.date | None
    created: float
    used: float
    lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self) -> dict:
        engine = self.engine
        return {"id": self.id, "file": self.file, "lines": len(self.pf.lines), "status": engine.status,
                "version": engine.version.describe(), "as_of": engine.as_of.isoformat(),
                "warning_level": float(engine.warning),
                "rules": engine.rule_statuses(), "expires_in_s": max(0, int(self.used + TTL_S - time.time()))}


class Loads:
    """The portfolios kept loaded, by id; each user sees only theirs."""

    def __init__(self) -> None:
        self._by_id: dict[str, Loaded] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for k in [k for k, v in self._by_id.items() if now - v.used > TTL_S]:
            del self._by_id[k]

    def add(self, loaded: Loaded) -> None:
        with self._lock:
            self._expire(loaded.created)
            mine = sorted((v for v in self._by_id.values() if v.user == loaded.user), key=lambda v: v.used)
            for old in mine[:max(0, len(mine) - PER_USER + 1)]:
                del self._by_id[old.id]
            self._by_id[loaded.id] = loaded

    def get(self, viewer: Viewer, pid: str) -> Loaded:
        with self._lock:
            now = time.time()
            self._expire(now)
            loaded = self._by_id.get(pid)
            if loaded is None or not viewer.may_see(loaded.user):  # another user's portfolio does not exist
                raise StarletteHTTPException(404, "portefeuille inconnu ou expiré : le déposer à nouveau")
            loaded.used = now
            return loaded

    def remove(self, viewer: Viewer, pid: str) -> None:
        loaded = self.get(viewer, pid)
        with self._lock:
            self._by_id.pop(loaded.id, None)


class AuditWriter:
    """Audit records written by one thread of their own, in the order they were made: an answer never waits for
    the audit trail's disk (about 20 ms a record, 3 ms of it in Python), the next request neither. A record is
    written in a quiet moment — no request for `QUIET_S` — and at the latest `LATEST_S` after it was made, so that
    a burst of orders does not share the interpreter with the trail's writing. `flush()` (also run when the
    process ends) writes every record made so far at once and waits for them."""

    QUIET_S = 0.02
    LATEST_S = 2.0

    def __init__(self, record) -> None:
        import atexit

        self.record = record
        self.queue: queue.Queue = queue.Queue()
        self.last_request = 0.0  # time.monotonic() of the last request's start
        self._urgent = threading.Event()
        self.thread = threading.Thread(target=self._run, name="journal-avant-investissement", daemon=True)
        self.thread.start()
        atexit.register(self.flush)

    def busy(self) -> None:
        """A request starts: records wait for the next quiet moment."""
        self.last_request = time.monotonic()

    def _wait_quiet(self, made: float) -> None:
        while not self._urgent.is_set():
            now = time.monotonic()
            quiet = now - self.last_request
            if quiet >= self.QUIET_S or now - made >= self.LATEST_S:
                return
            self._urgent.wait(min(self.QUIET_S - quiet, made + self.LATEST_S - now))

    def _run(self) -> None:
        while True:
            args, kw, made = self.queue.get()
            try:
                self._wait_quiet(made)
                self.record(*args, **kw)
            except Exception as exc:  # noqa: BLE001 - the trail's own failure is said aloud, the service goes on
                import sys

                print(f"journal d'audit : enregistrement impossible ({type(exc).__name__} : {exc})", file=sys.stderr)
            finally:
                self.queue.task_done()

    def submit(self, *args, **kw) -> None:
        self.queue.put((args, kw, time.monotonic()))

    def flush(self) -> None:
        self._urgent.set()
        try:
            self.queue.join()
        finally:
            self._urgent.clear()


def _json_error(status: int, problems: list, dropped: int = 0) -> JSONResponse:
    body = {"status": "error", "exit_code": 2, "errors": [p.to_dict() for p in problems], "more_errors": dropped}
    return JSONResponse(body, status_code=status)


def _records(body) -> list:
    """The orders of a request body: {"ordres": [...]} (or "orders"), or the list itself."""
    items = body.get("ordres", body.get("orders")) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise InputError([Problem("aucun ordre : envoyer {\"ordres\": [{\"isin\": …, \"montant\": …}, …]}")])
    if len(items) > MAX_ORDERS:
        raise InputError([Problem(f"trop d'ordres dans une requête : {len(items)} (au plus {MAX_ORDERS})")])
    if not all(isinstance(x, dict) for x in items):
        raise InputError([Problem("chaque ordre est un objet JSON (colonnes d'un fichier d'ordres : libelle, isin, "
                                  "montant…)")])
    return items


INLINE_ORDERS = 20  # at most this many orders are checked on the event loop itself


def _SMALL(body) -> bool:
    items = body.get("ordres", body.get("orders")) if isinstance(body, dict) else body
    return isinstance(items, list) and len(items) <= INLINE_ORDERS


def install(app: FastAPI, *, store_file, load_portfolio, record, parse_date, form_file, field_text,
            form_limits: dict, refused, form_files=None) -> Loads:
    """Add the service's routes to the application (the callables are the application's own: the upload
    storage and reading, the audit record); access is the application's per-user rule (`access.api_viewer`)."""
    loads = Loads()
    writer = AuditWriter(record)
    app.state.pretrade = loads
    app.state.pretrade_audit = writer

    def load(user, upload, date_text, sheet, warning_text, tpt_uploads=()):
        from reserves.pretrade.engine import DEFAULT_WARNING, Engine
        from reserves.pretrade.orders import parse_warning

        if upload is None:
            raise InputError([Problem("aucun fichier de portefeuille envoyé (champ « file »)")])
        from constraints import rulebook

        date = parse_date(date_text)
        try:
            rulebook.for_date(date)
        except rulebook.NoVersionInForce as exc:
            raise InputError([Problem(str(exc))]) from None
        warning = parse_warning(warning_text) if warning_text else DEFAULT_WARNING
        stored = store_file(user.name, upload)
        tpt = [store_file(user.name, t, "le fichier de transparence") for t in tpt_uploads]
        pf = load_portfolio(stored, sheet, date=date, transparence=tpt)
        if getattr(pf, "version", None) == "R139":  # R. 139-1 to R. 139-56: reserves.pretrade.r139
            from reserves.pretrade.r139 import Engine139

            engine = Engine139(pf, as_of=pf.as_of, warning=warning, observations=getattr(pf, "observations", []))
        else:
            engine = Engine(pf, date, warning=warning)
        now = time.time()
        loaded = Loaded(secrets.token_urlsafe(16), user.name, engine, pf,
                        {"name": stored.name, "sheet": pf.sheet, "sha256": stored.sha256}, date, now, now)
        loads.add(loaded)
        return loaded

    @app.post(
        "/api/portefeuilles", tags=["API"], status_code=201,
        summary="Déposer un portefeuille et le garder chargé pour le contrôle avant investissement",
        description=("Lit le portefeuille (mêmes formats que `POST /api/check`) et le garde en mémoire : les ordres "
                     "envoyés ensuite à `/api/portefeuilles/{id}/ordres` sont contrôlés sans relire le fichier. "
                     "Réponse 201 : `id`, verdict du portefeuille, version du règlement. 422 (données invalides), "
                     "413, 415 comme `POST /api/check`."),
        openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "le portefeuille (.xlsx, .ods, .csv)"},
                "transparence": {"type": "array", "items": {"type": "string", "format": "binary"},
                                 "description": "facultatif, R. 139 : inventaires des fonds au format TPT (répétable)"},
                "date": {"type": "string", "description": "facultatif : date du contrôle, AAAA-MM-JJ ou JJ/MM/AAAA"},
                "sheet": {"type": "string", "description": "facultatif : feuille à lire"},
                "alerte": {"type": "string", "description": "facultatif : seuil d'alerte (0,9 ou 90 %)"}}}}}}})
    async def load_portfolio_route(request: Request, viewer: Viewer = Depends(api_viewer)):
        async with request.form(**form_limits) as form:
            try:
                loaded = await run_in_threadpool(load, viewer.user, form_file(form, "file"), field_text(form, "date", 40),
                                                 field_text(form, "sheet"), field_text(form, "alerte", 20),
                                                 form_files(form, "transparence"))
            except refused as err:
                return _json_error(getattr(err, "status", 422), list(err.problems), getattr(err, "dropped", 0))
            except InputError as err:
                return _json_error(getattr(err, "status", 422), list(err.problems), getattr(err, "dropped", 0))
        doc = loaded.describe()
        record("check", viewer.name, file_name=loaded.file["name"], sha256=loaded.file["sha256"],
               version=loaded.engine.version.id, status=loaded.engine.status,
               payload={"channel": "api", "service": "portefeuille chargé", "id": loaded.id,
                        "date": loaded.date.isoformat() if loaded.date else None, "lines": doc["lines"]})
        return JSONResponse(doc, status_code=201)

    def run(loaded: Loaded, body, locked: bool = False):
        from reserves.pretrade.orders import check_orders_on, orders_from_records
        from reserves.pretrade.r139 import Engine139, check_orders_on139, orders_from_records139

        r139 = isinstance(loaded.engine, Engine139)
        orders = (orders_from_records139 if r139 else orders_from_records)(_records(body))
        if locked:
            ov = (check_orders_on139 if r139 else check_orders_on)(loaded.engine, orders)
            return orders, ov, ov.to_dict()
        with loaded.lock:
            ov = (check_orders_on139 if r139 else check_orders_on)(loaded.engine, orders)
            return orders, ov, ov.to_dict()

    @app.get("/api/portefeuilles/{pid}", tags=["API"], summary="Un portefeuille chargé")
    def describe(pid: str, viewer: Viewer = Depends(api_viewer)):
        return JSONResponse(loads.get(viewer, pid).describe())

    @app.delete("/api/portefeuilles/{pid}", tags=["API"], summary="Oublier un portefeuille chargé", status_code=204)
    def forget(pid: str, viewer: Viewer = Depends(api_viewer)):
        loads.remove(viewer, pid)
        return JSONResponse(None, status_code=204)

    @app.post(
        "/api/portefeuilles/{pid}/ordres", tags=["API"],
        summary="Contrôler des ordres sur un portefeuille chargé",
        description=("Corps JSON `{\"ordres\": [{\"isin\": \"FR…\", \"montant\": 250000}, …]}` (colonnes d'un "
                     "fichier d'ordres : `libelle`, `isin`, `montant` signé, `quantite`, `categorie`, `devise`… "
                     "pour une ligne nouvelle). Même réponse que `reserves check FICHIER --ordres ORDRES --json` : "
                     "le verdict après les ordres, `orders_check`, `orders` et `exit_code` (0 accepté, 1 refusé, "
                     "3 à vérifier). Le portefeuille chargé n'est pas modifié. 404 : portefeuille inconnu ou "
                     "expiré ; 422 : ordres invalides."),
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ordres"], "properties": {"ordres": {
                "type": "array", "items": {"type": "object"},
                "description": "les ordres : colonnes d'un fichier d'ordres (libelle, isin, montant…)"}}}}}}})
    async def check(pid: str, request: Request, viewer: Viewer = Depends(api_viewer_now)):
        writer.busy()
        loaded = loads.get(viewer, pid)
        try:
            body = await request.json()
        except ValueError:
            return _json_error(422, [Problem("corps de la requête : JSON attendu ({\"ordres\": [...]})")])
        try:
            from reserves.pretrade.r139 import Engine139  # an R. 139 check takes tens of milliseconds: a worker thread

            if _SMALL(body) and not isinstance(loaded.engine, Engine139) and loaded.lock.acquire(blocking=False):
                try:  # a few orders take about a millisecond: checked here, without a hop to a worker thread
                    orders, ov, doc = run(loaded, body, locked=True)
                finally:
                    loaded.lock.release()
            else:
                orders, ov, doc = await run_in_threadpool(run, loaded, body)
        except InputError as err:
            return _json_error(422, list(err.problems), getattr(err, "dropped", 0))
        doc["file"] = dict(loaded.file)
        doc["exit_code"] = ov.exit_code
        writer.submit("orders", viewer.name, file_name=loaded.file["name"], sha256=loaded.file["sha256"],
                      version=ov.verdict_after.version.id, status=ov.status,
                      payload={"channel": "api", "service": "portefeuille chargé", "id": loaded.id, "verdict": doc},
                      orders={"orders": orders.to_list()})
        return JSONResponse(doc)

    return loads


__all__ = ["install", "Loads", "Loaded", "TTL_S", "PER_USER"]
