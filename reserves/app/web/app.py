"""The upload page: sign in, send a portfolio, read the verdicts, download the reports, run the optimizer,
browse the audit trail; and `POST /api/check` for scripts (the JSON of `reserves check --json`).

Server-rendered pages (Jinja2), plain CSS, no JavaScript. Nothing is served
to an anonymous visitor but the sign-in page and the style sheet. Forms carry
a per-session CSRF token; the sign-in form, before any session, a token
bound to a signed cookie.
"""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer
from starlette.datastructures import UploadFile

from reserves.app.users import UserStore
from . import checks, context, handlers, journal, pretrade, proposals, services, signin, uploads, views
from .access import Viewer, any_viewer, page_viewer
from .guard import Guard
from .settings import Settings
from .store import Store
from .throttle import LoginThrottle
from .forms import FORM_LIMITS, field_text, form_file, form_files, parse_date

HERE = os.path.dirname(os.path.abspath(__file__))
API_VERSION = "1"


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
                     "indépendants (Code de la sécurité sociale, art. R. 623-3 à R. 623-10-4 jusqu'au 31/12/2017, "
                     "art. R. 139-1 à R. 139-56 depuis le 08/07/2019)."),
        openapi_url=None, docs_url=None, redoc_url=None, root_path=settings.root_path)
    app.state.settings, app.state.users, app.state.store, app.state.audit = settings, users, store, audit
    app.state.session_cookie, app.state.throttle = session_cookie, throttle
    app.add_middleware(Guard, max_body=settings.max_upload_bytes + 256 * 1024, shown_limit=settings.max_upload_bytes,
                       hsts=settings.secure_cookies, on_refused=lambda scope, status, exc=None: record_refusal(
                           scope, status, exc))
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")

    # the helpers the pages share, then the routes, by concern
    w = context.make(app, settings, users, store, audit, signer, templates, throttle, session_cookie, login_cookie)
    record_refusal, record, check_quota, render = w.record_refusal, w.record, w.check_quota, w.render
    for part in (handlers, signin, checks, proposals, journal):
        part.install(app, w)

    # ------------------------------------------------------------------ the pre-trade service (pretrade.py)
    def store_portfolio(user: str, upload: UploadFile, what: str = "le portefeuille"):
        stored = uploads.store(upload.file, upload.filename, settings.files_dir, settings.max_upload_bytes,
                               what=what)
        check_quota(user, stored)
        return stored

    pretrade.install(app, store_file=store_portfolio, load_portfolio=services.load_portfolio, record=record,
                     parse_date=parse_date, form_file=form_file, field_text=field_text, form_limits=FORM_LIMITS,
                     refused=uploads.UploadRefused, form_files=form_files)

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
