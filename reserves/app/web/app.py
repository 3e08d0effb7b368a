"""The upload page: sign in, send a portfolio, read the verdicts, download the reports, run the optimizer,
browse the audit trail; and `POST /api/check` for scripts (the JSON of `reserves check --json`).

Server-rendered pages (Jinja2), plain CSS, no JavaScript. Nothing is served
to an anonymous visitor but the sign-in page and the style sheet. Forms carry
a per-session CSRF token; the sign-in form, before any session, a token
bound to a signed cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import urllib.parse

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.app.audit import AuditError, entries
from reserves.portfolio.errors import InputError, Problem
from reserves.app.users import Session, UserStore
from . import pretrade, services, uploads, views
from .access import ApiAuthRequired, SignInRequired, Viewer, any_viewer, api_viewer, auditor, page_viewer
from .guard import Guard
from .settings import Settings
from .store import Store
from .throttle import Busy, LoginThrottle

HERE = os.path.dirname(os.path.abspath(__file__))
API_VERSION = "1"
REFUSALS_PER_ADDRESS = 30  # records of refused requests one address may add to the audit trail per hour
MAX_TPT_FILES = 8  # TPT files of one upload (R. 139-17, `--transparence`)
FORM_LIMITS = {"max_files": 2 + MAX_TPT_FILES, "max_fields": 12}


class CsrfFailed(Exception):
    pass


class PageError(Exception):
    """A refused form: re-render a page with French messages and an HTTP status."""

    def __init__(self, status: int, problems: list[Problem], dropped: int = 0) -> None:
        super().__init__(status)
        self.status, self.problems, self.dropped = status, problems, dropped


def _json_error(status: int, problems: list[Problem], dropped: int = 0, headers=None) -> JSONResponse:
    body = {"status": "error", "exit_code": 4 if status >= 500 else 2,  # 4: an internal failure, as on the command line
            "errors": [p.to_dict() for p in problems], "more_errors": dropped}
    return JSONResponse(body, status_code=status, headers=headers)


def parse_date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise InputError.one(f"date invalide « {text[:40]} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA")


def _field_text(form, name: str, limit: int = 200) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    value = str(value).strip()
    return value[:limit] or None


def _form_file(form, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or (value.size or 0) > 0):
        return value
    return None


def _form_files(form, name: str) -> list[UploadFile]:
    """Every file sent under one field (an `<input type="file" multiple>`, or the field repeated)."""
    return [v for v in form.getlist(name) if isinstance(v, UploadFile) and (v.filename or (v.size or 0) > 0)]


def create_app(settings: Settings | None = None, **kwargs) -> FastAPI:
    settings = settings or Settings(**kwargs)
    users = UserStore(settings.db_url)
    store = Store(settings.db_url, engine=users.engine)
    audit = services.Audit(settings.db_url)
    signer = URLSafeTimedSerializer(settings.secret_key, salt="reserves-connexion")
    templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))
    views.install_filters(templates.env)
    throttle = LoginThrottle(users.engine, window_s=settings.login_window_s, per_name=settings.login_per_name,
                             per_address=settings.login_per_address, throttle_s=settings.login_throttle_s,
                             concurrent=settings.login_concurrent)

    prefix = "__Host-" if settings.secure_cookies else ""
    session_cookie = prefix + "reserves_session"
    login_cookie = prefix + "reserves_connexion"

    app = FastAPI(
        title="Réserves — contrôle des placements",
        version=API_VERSION,
        description=("Contrôle de conformité des placements des réserves des régimes complémentaires des "
                     "indépendants (Code de la sécurité sociale, art. R. 623-3 à R. 623-10-4)."),
        openapi_url=None, docs_url=None, redoc_url=None, root_path=settings.root_path)
    app.state.settings, app.state.users, app.state.store, app.state.audit = settings, users, store, audit
    app.state.session_cookie, app.state.throttle = session_cookie, throttle
    app.add_middleware(Guard, max_body=settings.max_upload_bytes + 256 * 1024, shown_limit=settings.max_upload_bytes,
                       hsts=settings.secure_cookies, on_refused=lambda scope, status, exc=None: record_refusal(
                           scope, status, exc))
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")

    # ------------------------------------------------------------------ utilities
    def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("session", getattr(request.state, "session", None))
        context["base"] = request.scope.get("root_path", "")
        return templates.TemplateResponse(request, name, context, status_code=status)

    def set_cookie(resp: Response, key: str, value: str, max_age: int) -> None:
        resp.set_cookie(key, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=settings.secure_cookies)

    def delete_cookie(resp: Response, key: str) -> None:
        """With the attributes it was set with: a browser ignores a `__Host-` cookie's deletion without `Secure`."""
        resp.delete_cookie(key, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies)

    def require_csrf(session: Session, form) -> None:
        token = _field_text(form, "csrf", 100) or ""
        if not hmac.compare_digest(token.encode(), session.csrf.encode()):
            raise CsrfFailed()

    def record(kind: str, user: str, *, file_name=None, sha256=None, version=None, status: str, payload: dict,
               orders=None):
        return audit.record(kind, user, file_name=file_name, sha256=sha256, version=version, status=status,
                            payload=payload, orders=orders)

    def stored_tpt(a) -> list[uploads.StoredFile]:
        return [uploads.StoredFile(f.sha256, f.fmt, uploads.stored_path(settings.files_dir, f.sha256, f.fmt),
                                   f.file_name, f.size) for f in a.files if f.role == "transparence"]

    def stored_of(a) -> tuple[uploads.StoredFile, uploads.StoredFile | None]:
        pf_file = uploads.StoredFile(a.sha256, a.fmt, uploads.stored_path(settings.files_dir, a.sha256, a.fmt),
                                     a.file_name, a.size)
        orders_file = None
        if a.orders_sha256:
            orders_file = uploads.StoredFile(
                a.orders_sha256, a.orders_fmt,
                uploads.stored_path(settings.files_dir, a.orders_sha256, a.orders_fmt), a.orders_name,
                a.orders_size or 0)
        return pf_file, orders_file

    def analysis_or_404(analysis_id: int, viewer: Viewer):
        return viewer.require(store.analysis(analysis_id))

    def proposal_or_404(proposal_id: int, viewer: Viewer):
        """A proposal is its author's and its analysis owner's."""
        p = store.proposal(proposal_id)
        a = store.analysis(p.analysis_id) if p is not None else None
        viewer.require(p, p.user_name if p else None, a.user_name if a else None)
        return p, a

    def record_refusal(scope, status: int, exc: BaseException | None = None) -> None:
        """A request refused by the guard (413) or ended by an internal error (500), or a forged form (403): in the
        audit trail, at most REFUSALS_PER_ADDRESS an hour from one address."""
        address = (scope.get("client") or ("?",))[0]
        try:
            if not throttle.allow("refus", address, REFUSALS_PER_ADDRESS):
                return
            cookies, bearer = {}, None
            for k, v in scope.get("headers", []):
                if k == b"cookie":
                    for part in v.decode("latin-1").split(";"):
                        name, _, value = part.strip().partition("=")
                        cookies[name] = value
                elif k == b"authorization":
                    scheme, _, token = v.decode("latin-1").partition(" ")
                    bearer = token.strip() if scheme.lower() == "bearer" else None
            s = users.session(cookies.get(session_cookie))
            who = s.user if s else (users.by_token(bearer) if bearer else None)
            path = scope.get("path", "")
            payload = {"channel": "api" if path.startswith("/api/") else "web", "http_status": status,
                       "method": scope.get("method"), "path": path[:300], "address": address}
            if exc is not None:
                payload["error"] = type(exc).__name__
            record("request", who.name if who else f"anonyme ({address})", status="refused" if status < 500
                   else "error", payload=payload)
        except Exception:  # the audit base itself may be what failed: the answer is sent all the same
            import logging

            logging.getLogger("reserves.web").exception("refus non inscrit au journal d'audit")

    def recheck(a):
        """The verdict of a stored analysis, computed again from the stored file (same file, same date)."""
        pf_file, orders_file = stored_of(a)
        pf = services.load_portfolio(pf_file, a.sheet, date=a.check_date, transparence=stored_tpt(a))
        verdict = services.check(pf, a.check_date)
        orders_verdict = None
        if orders_file is not None:
            orders = services.load_orders(orders_file, services.is_r139(pf))
            orders_verdict = services.check_orders(pf, orders, a.check_date)
        return pf, verdict, orders_verdict

    # ------------------------------------------------------------------ the check itself (pages and API)
    def run_check(user: str, pf_upload: UploadFile | None, orders_upload: UploadFile | None,
                  date_text: str | None, sheet: str | None, channel: str, tpt_uploads=()):
        """Store, read and check; record in the audit trail. Returns (analysis id, document) or raises."""
        pf_file = orders_file = None
        tpt_files: list = []
        try:
            if pf_upload is None:
                raise uploads.UploadRefused.one(422, "aucun fichier de portefeuille envoyé (champ « fichier »)")
            if len(tpt_uploads) > MAX_TPT_FILES:
                raise uploads.UploadRefused.one(413, f"{len(tpt_uploads)} fichiers de transparence envoyés : au plus "
                                                     f"{MAX_TPT_FILES} par contrôle")
            date = parse_date(date_text)
            services.version_for(date)
            pf_file = uploads.store(pf_upload.file, pf_upload.filename, settings.files_dir,
                                    settings.max_upload_bytes, what="le portefeuille")
            if orders_upload is not None:
                orders_file = uploads.store(orders_upload.file, orders_upload.filename, settings.files_dir,
                                            settings.max_upload_bytes, what="le fichier d'ordres")
            for t in tpt_uploads:
                tpt_files.append(uploads.store(t.file, t.filename, settings.files_dir, settings.max_upload_bytes,
                                               what="le fichier de transparence"))
            check_quota(user, pf_file, orders_file, *tpt_files)
            pf = services.load_portfolio(pf_file, sheet, date=date, transparence=tpt_files)
            audit_orders = None
            if orders_file is None:
                verdict = services.check(pf, date)
                doc = verdict.to_dict()
                doc["exit_code"] = verdict.exit_code
                kind, status = "check", verdict.status
            else:
                orders = services.load_orders(orders_file, services.is_r139(pf))
                ov = services.check_orders(pf, orders, date)
                doc = ov.to_dict()  # the verdict after the orders, with `orders_check` and `orders`
                doc["exit_code"] = ov.exit_code
                doc.setdefault("orders_check", {})["file"] = services.file_info(orders_file)
                kind, status = "orders", ov.status
                audit_orders = {"file_name": orders_file.name, "sha256": orders_file.sha256,
                                "orders": orders.to_list() if hasattr(orders, "to_list") else None}
            doc["file"] = services.file_info(pf_file, pf)
            if tpt_files:
                doc["transparence"] = [services.file_info(t) for t in tpt_files]
            version = doc_version(doc)
        except (InputError, uploads.UploadRefused) as err:
            status = getattr(err, "status", 422)
            problems = list(err.problems)
            purge(pf_file, orders_file, *tpt_files)
            record("check", user, file_name=pf_file.name if pf_file else (uploads.display_name(pf_upload.filename)
                                                                          if pf_upload else None),
                   sha256=pf_file.sha256 if pf_file else None, version=None, status="error",
                   payload={"channel": channel, "http_status": status,
                            "errors": [p.to_dict() for p in problems]})
            raise PageError(status, problems, getattr(err, "dropped", 0)) from None
        except BaseException:  # an internal error: nothing kept either
            purge(pf_file, orders_file, *tpt_files)
            raise
        try:
            entry = record(kind, user, file_name=pf_file.name, sha256=pf_file.sha256, version=version,
                           status=status, payload={"channel": channel, "date": date.isoformat() if date else None,
                                                   "sheet": pf.sheet, "verdict": doc}, orders=audit_orders)
            audit_id = _entry_id(entry)
            analysis_id = store.add_analysis(
                user_name=user, sha256=pf_file.sha256, fmt=pf_file.fmt, file_name=pf_file.name, size=pf_file.size,
                sheet=sheet, check_date=date,
                orders_sha256=orders_file.sha256 if orders_file else None,
                orders_fmt=orders_file.fmt if orders_file else None,
                orders_name=orders_file.name if orders_file else None,
                orders_size=orders_file.size if orders_file else None,
                status=status, audit_id=audit_id, files=[("transparence", t) for t in tpt_files])
        except BaseException:  # not recorded (audit trail full…): the file is not kept
            purge(pf_file, orders_file, *tpt_files)
            raise
        doc["audit_id"] = audit_id
        doc["analysis_id"] = analysis_id
        return analysis_id, doc

    def purge(*files) -> None:
        """A refused upload is not kept: its file goes, unless an analysis already holds the same content."""
        for f in files:
            if f is not None and not store.file_in_use(f.sha256):
                try:
                    os.unlink(f.path)
                except FileNotFoundError:
                    pass

    def check_quota(user: str, *files) -> None:
        """The files kept for one user's analyses stay under `max_storage_per_user` (413 beyond)."""
        new = {f.sha256: f.size for f in files if f is not None and not store.user_holds(user, f.sha256)}
        if not new:
            return
        used = store.user_storage(user)
        if used + sum(new.values()) > settings.max_storage_per_user:
            raise uploads.UploadRefused.one(413, (
                f"espace de stockage épuisé pour « {user} » : {uploads.size_fr(used)} déjà occupés sur "
                f"{uploads.size_fr(settings.max_storage_per_user)} ; envoi refusé (demandez à un administrateur "
                "de faire de la place)"))

    # ------------------------------------------------------------------ error handlers
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc):
        target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/connexion?suite={urllib.parse.quote(target, safe='')}", status_code=303)

    @app.exception_handler(ApiAuthRequired)
    async def _api_auth(request: Request, exc):
        return _json_error(401, [Problem("authentification requise : en-tête « Authorization: Bearer JETON » "
                                         "(jeton donné par « reserves user add NOM --jeton »)")],
                           headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc):
        await run_in_threadpool(record_refusal, request.scope, 403)
        return render(request, "error.html", 403, title="Formulaire refusé",
                      message="Le jeton de sécurité du formulaire est absent ou invalide (protection CSRF). "
                              "Rechargez la page et recommencez.")

    @app.exception_handler(AuditError)
    async def _audit_down(request: Request, exc: AuditError):
        import logging

        logging.getLogger("reserves.web").error("journal d'audit : %s", exc)
        message = f"Service indisponible : journal d'audit inaccessible ({exc}) ; l'opération n'a pas été faite."
        if request.url.path.startswith("/api/"):
            return _json_error(503, [Problem(message)])
        return render(request, "error.html", 503, title="Service indisponible", message=message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = views.HTTP_FR.get(exc.status_code, "Requête refusée.")
        if request.url.path.startswith("/api/"):
            return _json_error(exc.status_code, [Problem(message)], headers=getattr(exc, "headers", None))
        return render(request, "error.html", exc.status_code, title=f"Erreur {exc.status_code}", message=message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = [Problem(f"paramètre « {'.'.join(str(x) for x in e.get('loc', ())[1:]) or '?'} » invalide")
                    for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return _json_error(422, problems)
        return render(request, "error.html", 422, title="Requête invalide", message="; ".join(map(str, problems)))

    # ------------------------------------------------------------------ sign-in and sign-out
    def login_page(request: Request, status: int = 200, error: str | None = None, suite: str = "/"):
        token = secrets.token_urlsafe(32)
        resp = render(request, "login.html", status, csrf=token, error=error, suite=_safe_next(suite))
        set_cookie(resp, login_cookie, signer.dumps(token), 3600)
        return resp

    @app.get("/connexion", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_form(request: Request, suite: str = "/"):
        if users.session(request.cookies.get(session_cookie)) is not None:
            return RedirectResponse(_safe_next(suite, request), status_code=303)
        return login_page(request, suite=suite)

    @app.post("/connexion", include_in_schema=False)
    async def sign_in(request: Request):
        async with request.form(max_files=0, max_fields=8) as form:
            token = _field_text(form, "csrf", 100) or ""
            name = _field_text(form, "nom", 64) or ""
            password = form.get("mot_de_passe")
            password = password if isinstance(password, str) else ""
            suite = _field_text(form, "suite", 500) or "/"
        try:
            expected = signer.loads(request.cookies.get(login_cookie, ""), max_age=3600)
        except BadSignature:
            expected = None
        if not expected or not hmac.compare_digest(str(expected).encode(), token.encode()):
            raise CsrfFailed()
        address = request.client.host if request.client else "?"
        wait = await run_in_threadpool(throttle.admit, name, address)
        if wait:
            await run_in_threadpool(record_refusal, request.scope, 429)
            return login_page(request, 429, wait, suite)
        try:
            user = await throttle.hashing(users.authenticate, name, password[:1024])
            if user is None:
                await run_in_threadpool(throttle.failed, name, address)
            else:
                await run_in_threadpool(throttle.succeeded, name)
        except Busy:
            return login_page(request, 503, "Serveur occupé : trop de connexions en cours, réessayez dans un instant.",
                              suite)
        finally:
            throttle.release(name, address)
        if user is None:
            return login_page(request, 401, "Nom d'utilisateur ou mot de passe incorrect.", suite)
        sid, _ = users.open_session(user, settings.session_hours)
        resp = RedirectResponse(_safe_next(suite, request), status_code=303)
        set_cookie(resp, session_cookie, sid, int(settings.session_hours * 3600))
        delete_cookie(resp, login_cookie)
        return resp

    @app.post("/deconnexion", include_in_schema=False)
    async def sign_out(request: Request, viewer: Viewer = Depends(page_viewer)):
        async with request.form(max_files=0, max_fields=4) as form:
            require_csrf(viewer.session, form)
        users.close_session(request.cookies.get(session_cookie))
        resp = RedirectResponse(request.scope.get("root_path", "") + "/connexion", status_code=303)
        delete_cookie(resp, session_cookie)
        return resp

    # ------------------------------------------------------------------ upload and verdict
    def upload_page(request: Request, viewer: Viewer, status: int = 200, **context):
        return render(request, "upload.html", status, recent=store.recent(20, user=viewer.owner_filter),
                      max_upload=uploads.size_fr(settings.max_upload_bytes), **context)

    @app.get("/", include_in_schema=False)
    def home(request: Request, viewer: Viewer = Depends(page_viewer)):
        return upload_page(request, viewer)

    @app.get("/controle", include_in_schema=False)
    def upload_form(request: Request, viewer: Viewer = Depends(page_viewer)):
        return upload_page(request, viewer)

    @app.post("/controle", include_in_schema=False)
    async def upload(request: Request, viewer: Viewer = Depends(page_viewer)):
        async with request.form(**FORM_LIMITS) as form:
            require_csrf(viewer.session, form)
            date_text, sheet = _field_text(form, "date", 40), _field_text(form, "feuille")
            try:
                analysis_id, _ = await run_in_threadpool(
                    run_check, viewer.name, _form_file(form, "fichier"), _form_file(form, "ordres"),
                    date_text, sheet, "web", _form_files(form, "transparence"))
            except PageError as err:
                return upload_page(request, viewer, err.status, problems=err.problems, dropped=err.dropped,
                                   date=date_text or "", feuille=sheet or "")
        return RedirectResponse(f"{request.scope.get('root_path', '')}/analyses/{analysis_id}", status_code=303)

    @app.get("/analyses/{analysis_id}", include_in_schema=False)
    def analysis_page(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        a = analysis_or_404(analysis_id, viewer)
        try:
            pf, verdict, orders_verdict = recheck(a)
        except InputError as err:
            return render(request, "error.html", 422, title="Fichier illisible",
                          message="; ".join(str(p) for p in err.problems))
        if services.is_r139(pf):
            return render(request, "verdict139.html", analysis=a, pf=pf, view=views.verdict139_view(verdict, pf),
                          orders=views.orders_view(orders_verdict) if orders_verdict is not None else None)
        return render(request, "verdict.html", analysis=a, pf=pf,
                      view=views.verdict_view(verdict, pf),
                      orders=views.orders_view(orders_verdict) if orders_verdict is not None else None,
                      proposals=store.proposals_of(a.id))

    async def download_form(request: Request, viewer: Viewer) -> None:
        """A download is a POST with the session's CSRF token: it writes an audit record, so that no cross-site
        link may make one in a user's name (a GET has no side effect)."""
        async with request.form(max_files=0, max_fields=4) as form:
            require_csrf(viewer.session, form)

    @app.post("/analyses/{analysis_id}/verdict.json", include_in_schema=False)
    async def analysis_json(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        await download_form(request, viewer)
        return await run_in_threadpool(verdict_json, analysis_id, viewer)

    def verdict_json(analysis_id: int, viewer: Viewer):
        a = analysis_or_404(analysis_id, viewer)
        pf, verdict, orders_verdict = recheck(a)
        pf_file, orders_file = stored_of(a)
        if orders_verdict is None:
            doc = verdict.to_dict()
            doc["exit_code"] = verdict.exit_code
        else:
            doc = orders_verdict.to_dict()
            doc["exit_code"] = orders_verdict.exit_code
            doc.setdefault("orders_check", {})["file"] = services.file_info(orders_file)
        doc["file"] = services.file_info(pf_file, pf)
        body = json.dumps(doc, ensure_ascii=False, indent=2).encode()
        status, payload = entries.report_content(
            verdict.to_dict(), fmt="json", output_name=views.download_name(a.file_name, "verdict", "json"),
            output_sha256=hashlib.sha256(body).hexdigest(), channel="web", analysis=a.id)
        record("report", viewer.name, file_name=a.file_name, sha256=a.sha256, version=verdict.version.id,
               status=status, payload=payload)
        return Response(body, media_type="application/json", headers={
            "Content-Disposition": views.attachment(a.file_name, "verdict", "json")})

    @app.post("/analyses/{analysis_id}/rapport.{fmt}", include_in_schema=False)
    async def analysis_report(request: Request, analysis_id: int, fmt: str, viewer: Viewer = Depends(page_viewer)):
        if fmt not in ("xlsx", "pdf"):
            raise StarletteHTTPException(404)
        await download_form(request, viewer)
        return await run_in_threadpool(report_file, request, analysis_id, fmt, viewer)

    def report_file(request: Request, analysis_id: int, fmt: str, viewer: Viewer):
        a = analysis_or_404(analysis_id, viewer)
        pf, verdict, _ = recheck(a)
        try:
            path = services.write_report(pf, verdict, fmt, settings.outputs_dir, date=a.check_date)
        except InputError as err:
            return render(request, "error.html", 422, title="Rapport impossible",
                          message="; ".join(str(p) for p in err.problems))
        status, payload = entries.report_content(
            verdict.to_dict(), fmt=fmt, output_name=views.download_name(a.file_name, "rapport", fmt),
            output_sha256=entries.sha256_of(path), channel="web", analysis=a.id)
        try:
            record("report", viewer.name, file_name=a.file_name, sha256=a.sha256, version=verdict.version.id,
                   status=status, payload=payload)
        except BaseException:
            _unlink(path)
            raise
        media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "pdf": "application/pdf"}[fmt]
        return FileResponse(path, media_type=media, headers={
            "Content-Disposition": views.attachment(a.file_name, "rapport", fmt)},
            background=BackgroundTask(_unlink, path))

    # ------------------------------------------------------------------ optimizer
    @app.get("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    def optimize_form(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        a = analysis_or_404(analysis_id, viewer)
        return render(request, "optimize.html", analysis=a, objectives=services.objectives(),
                      proposals=store.proposals_of(a.id), form=services.OPTIMIZER_FORM_DEFAULTS)

    @app.post("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    async def optimize(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        async with request.form(max_files=1, max_fields=len(services.OPTIMIZER_FORM_DEFAULTS) + 4) as form:
            require_csrf(viewer.session, form)
            fields = {k: _field_text(form, k, 2000) or "" for k in services.OPTIMIZER_FORM_DEFAULTS}
            a = analysis_or_404(analysis_id, viewer)
            universe_file = None
            try:
                upload = _form_file(form, "univers")
                if upload is not None:
                    universe_file = await run_in_threadpool(
                        uploads.store, upload.file, upload.filename, settings.files_dir, settings.max_upload_bytes,
                        what="l'univers")
                kwargs = services.optimizer_settings(fields)
                proposal_id = await run_in_threadpool(run_optimizer, viewer.name, a, kwargs, universe_file)
            except (InputError, uploads.UploadRefused) as err:
                purge(universe_file)
                return render(request, "optimize.html", getattr(err, "status", 422), analysis=a,
                              objectives=services.objectives(), proposals=store.proposals_of(a.id),
                              form={**services.OPTIMIZER_FORM_DEFAULTS, **fields},
                              error=[str(p) for p in err.problems])
        return RedirectResponse(f"{request.scope.get('root_path', '')}/propositions/{proposal_id}", status_code=303)

    def run_optimizer(user: str, a, kwargs: dict, universe_file=None) -> int:
        pf, verdict, _ = recheck(a)
        if services.is_r139(pf):
            raise InputError.one("réallocation d'un portefeuille R. 139 : pas encore disponible sur la page web "
                                 "(reserves optimize)")
        universe = services.load_universe(universe_file) if universe_file is not None else None
        proposal = services.rebalance(pf, kwargs, a.check_date, universe=universe)
        doc = proposal.to_dict()
        if universe_file is not None:
            doc["settings"]["universe_file"] = {"name": universe_file.name, "sha256": universe_file.sha256}
        xlsx = None
        if proposal.status == "optimal":
            xlsx = os.path.basename(services.write_proposal(proposal, settings.outputs_dir))
        status, payload, trades = entries.proposal_content(doc, channel="web", analysis=a.id)
        try:
            entry = record("proposal", user, file_name=a.file_name, sha256=a.sha256, version=verdict.version.id,
                           status=status, payload=payload, orders=trades)
        except BaseException:
            if xlsx:
                _unlink(os.path.join(settings.outputs_dir, xlsx))
            raise
        return store.add_proposal(analysis_id=a.id, user_name=user, objective=kwargs["objective"],
                                  status=proposal.status, result=doc, xlsx=xlsx, audit_id=_entry_id(entry))

    @app.get("/propositions/{proposal_id}", include_in_schema=False)
    def proposal_page(request: Request, proposal_id: int, viewer: Viewer = Depends(page_viewer)):
        p, a = proposal_or_404(proposal_id, viewer)
        return render(request, "proposal.html", p=p, analysis=a, view=views.proposal_view(p.result))

    @app.post("/propositions/{proposal_id}/proposition.xlsx", include_in_schema=False)
    async def proposal_xlsx(request: Request, proposal_id: int, viewer: Viewer = Depends(page_viewer)):
        await download_form(request, viewer)
        return await run_in_threadpool(proposal_file, proposal_id, viewer)

    def proposal_file(proposal_id: int, viewer: Viewer):
        p, a = proposal_or_404(proposal_id, viewer)
        if not p.xlsx:
            raise StarletteHTTPException(404)
        path = os.path.join(settings.outputs_dir, os.path.basename(p.xlsx))
        if not os.path.isfile(path):
            raise StarletteHTTPException(404)
        after = p.result.get("verdict_after") if isinstance(p.result, dict) else None
        status, payload = entries.report_content(
            None, fmt="xlsx", output_name=views.download_name(a.file_name, "proposition", "xlsx"),
            output_sha256=entries.sha256_of(path), status=p.status, channel="web", document="proposition",
            proposal=p.id, verdict_after=after.get("status") if after else None)
        record("report", viewer.name, file_name=a.file_name, sha256=a.sha256,
               version=((after or {}).get("version") or {}).get("id"), status=status, payload=payload)
        return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": views.attachment(a.file_name, "proposition", "xlsx")})

    # ------------------------------------------------------------------ audit trail
    @app.get("/journal", include_in_schema=False)
    def audit_list(request: Request, viewer: Viewer = Depends(page_viewer)):
        return render(request, "audit_list.html", auditor=viewer.sees_all,
                      entries=[views.entry_view(e) for e in audit.list(limit=200, user=viewer.owner_filter)])

    @app.get("/journal/verification", include_in_schema=False)
    def audit_verify(request: Request, viewer: Viewer = Depends(auditor)):
        return render(request, "audit_verify.html", result=views.verify_view(audit.verify()))

    @app.get("/journal/{entry_id}", include_in_schema=False)
    def audit_entry(request: Request, entry_id: int, viewer: Viewer = Depends(page_viewer)):
        entry = audit.show(entry_id)
        viewer.require(entry, getattr(entry, "user", None))
        return render(request, "audit_entry.html", v=views.audit_entry_view(entry))

    @app.get("/journal/{entry_id}/brut.json", include_in_schema=False)
    def audit_entry_json(request: Request, entry_id: int, viewer: Viewer = Depends(page_viewer)):
        entry = audit.show(entry_id)
        viewer.require(entry, getattr(entry, "user", None))
        body = json.dumps(views.entry_view(entry), ensure_ascii=False, indent=2, default=str).encode()
        return Response(body, media_type="application/json; charset=utf-8")

    # ------------------------------------------------------------------ API
    @app.post(
        "/api/check", tags=["API"], summary="Contrôler un portefeuille (et, en option, des ordres)",
        description=(
            "Même contrat que `reserves check FICHIER --json` : l'objet JSON du verdict (statut, total, base, "
            "une entrée par règle, les constats, manquements d'abord), avec `exit_code` (0 conforme, 1 manquement, "
            "3 à vérifier). Avec un fichier d'ordres, la clé `orders` donne le contrôle avant investissement et "
            "`exit_code` est celui des ordres. HTTP 200 pour tout verdict ; 422 (données invalides), 413 (trop "
            "volumineux, bombe de décompression), 415 (type de fichier refusé) avec "
            "`{\"status\": \"error\", \"errors\": [...]}`. Authentification : `Authorization: Bearer JETON`."),
        responses={200: {"description": "Verdict"}, 401: {"description": "Authentification requise"},
                   413: {"description": "Fichier trop volumineux"}, 415: {"description": "Type de fichier refusé"},
                   422: {"description": "Données invalides"}},
        openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "le portefeuille (.xlsx, .ods, .csv)"},
                "transparence": {"type": "array", "items": {"type": "string", "format": "binary"},
                                 "description": "facultatif, R. 139 : inventaires des fonds au format TPT (répétable)"},
                "orders": {"type": "string", "format": "binary",
                           "description": "facultatif : les ordres envisagés (colonne « montant » signée)"},
                "date": {"type": "string", "description": "facultatif : date du contrôle, AAAA-MM-JJ ou JJ/MM/AAAA"},
                "sheet": {"type": "string", "description": "facultatif : feuille à lire"}}}}}}})
    async def api_check(request: Request, viewer: Viewer = Depends(api_viewer)):
        async with request.form(**FORM_LIMITS) as form:
            try:
                _, doc = await run_in_threadpool(
                    run_check, viewer.name, _form_file(form, "file"), _form_file(form, "orders"),
                    _field_text(form, "date", 40), _field_text(form, "sheet"), "api",
                    _form_files(form, "transparence"))
            except PageError as err:
                return _json_error(err.status, err.problems, err.dropped)
        return JSONResponse(doc)

    # ------------------------------------------------------------------ the pre-trade service (pretrade.py)
    def store_portfolio(user: str, upload: UploadFile, what: str = "le portefeuille"):
        stored = uploads.store(upload.file, upload.filename, settings.files_dir, settings.max_upload_bytes,
                               what=what)
        check_quota(user, stored)
        return stored

    pretrade.install(app, store_file=store_portfolio, load_portfolio=services.load_portfolio, record=record,
                     parse_date=parse_date, form_file=_form_file, field_text=_field_text, form_limits=FORM_LIMITS,
                     refused=uploads.UploadRefused, form_files=_form_files)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request, viewer: Viewer = Depends(any_viewer)):
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request, viewer: Viewer = Depends(page_viewer)):
        return render(request, "api_docs.html", schema=app.openapi())

    def custom_openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                "jeton": {"type": "http", "scheme": "bearer",
                          "description": "jeton donné par « reserves user add NOM --jeton »"}}
            schema["security"] = [{"jeton": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = custom_openapi
    return app


def doc_version(doc: dict) -> str | None:
    """The id of the rulebook version a verdict's JSON names."""
    v = doc.get("version")
    return v.get("id") if isinstance(v, dict) else v


def _unlink(path: str) -> None:
    """Remove a generated file once it has been sent."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _safe_next(target: str | None, request: Request | None = None) -> str:
    """Only a local path: never another site (no open redirect)."""
    target = (target or "/").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target or "\r" in target:
        target = "/"
    base = request.scope.get("root_path", "") if request is not None else ""
    return base + target if base and not target.startswith(base + "/") else target


def _entry_id(entry):
    if entry is None:
        return None
    for attr in ("id", "entry_id"):
        if hasattr(entry, attr):
            return getattr(entry, attr)
    if isinstance(entry, dict):
        return entry.get("id")
    return entry


