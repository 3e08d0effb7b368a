"""Sign-in and sign-out: a CSRF token bound to a signed cookie before any session, the login throttle, the
session cookie."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from .access import Viewer, page_viewer
from .throttle import Busy
from .forms import CsrfFailed, field_text, safe_next


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    (settings, users, signer, throttle, session_cookie, login_cookie, render, set_cookie, delete_cookie,
     require_csrf, record_refusal) = (
        w.settings, w.users, w.signer, w.throttle, w.session_cookie, w.login_cookie, w.render, w.set_cookie,
        w.delete_cookie, w.require_csrf, w.record_refusal)

    def login_page(request: Request, status: int = 200, error: str | None = None, suite: str = "/"):
        token = secrets.token_urlsafe(32)
        resp = render(request, "login.html", status, csrf=token, error=error, suite=safe_next(suite))
        set_cookie(resp, login_cookie, signer.dumps(token), 3600)
        return resp

    @app.get("/connexion", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_form(request: Request, suite: str = "/"):
        if users.session(request.cookies.get(session_cookie)) is not None:
            return RedirectResponse(safe_next(suite, request), status_code=303)
        return login_page(request, suite=suite)

    @app.post("/connexion", include_in_schema=False)
    async def sign_in(request: Request):
        async with request.form(max_files=0, max_fields=8) as form:
            token = field_text(form, "csrf", 100) or ""
            name = field_text(form, "nom", 64) or ""
            password = form.get("mot_de_passe")
            password = password if isinstance(password, str) else ""
            suite = field_text(form, "suite", 500) or "/"
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
        resp = RedirectResponse(safe_next(suite, request), status_code=303)
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
