"""Error pages and JSON errors: sign-in required, API authentication, forged forms, the audit trail down, HTTP
errors and invalid parameters (French pages; JSON under `/api/`)."""

from __future__ import annotations

import urllib.parse

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.app.audit import AuditError
from reserves.portfolio.errors import Problem
from . import views
from .access import ApiAuthRequired, SignInRequired
from .forms import CsrfFailed, json_error


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    audit, render, record_refusal = w.audit, w.render, w.record_refusal

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc):
        target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/connexion?suite={urllib.parse.quote(target, safe='')}", status_code=303)

    @app.exception_handler(ApiAuthRequired)
    async def _api_auth(request: Request, exc):
        return json_error(401, [Problem("authentification requise : en-tête « Authorization: Bearer JETON » "
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
            return json_error(503, [Problem(message)])
        return render(request, "error.html", 503, title="Service indisponible", message=message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = views.HTTP_FR.get(exc.status_code, "Requête refusée.")
        if request.url.path.startswith("/api/"):
            return json_error(exc.status_code, [Problem(message)], headers=getattr(exc, "headers", None))
        return render(request, "error.html", exc.status_code, title=f"Erreur {exc.status_code}", message=message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = [Problem(f"paramètre « {'.'.join(str(x) for x in e.get('loc', ())[1:]) or '?'} » invalide")
                    for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return json_error(422, problems)
        return render(request, "error.html", 422, title="Requête invalide", message="; ".join(map(str, problems)))
