"""What the pages share: the stores, the templates, the audit record, the checks of an upload and of a stored
analysis (`make` builds them once per application)."""

from __future__ import annotations

import hmac
import os

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from reserves.portfolio.errors import InputError
from reserves.app.users import Session
from . import services, uploads
from .access import Viewer
from .store import Store
from .forms import (MAX_TPT_FILES, REFUSALS_PER_ADDRESS, CsrfFailed, PageError, doc_version, entry_id, field_text,
                    parse_date, unlink)

NAMES = ('settings', 'users', 'store', 'audit', 'signer', 'templates', 'throttle', 'session_cookie',
         'login_cookie', 'render', 'set_cookie', 'delete_cookie', 'require_csrf', 'record', 'stored_tpt',
         'stored_of', 'analysis_or_404', 'proposal_or_404', 'record_refusal', 'recheck', 'run_check', 'purge',
         'check_quota', 'download_form')


def make(app, settings, users, store, audit, signer, templates, throttle, session_cookie, login_cookie):
    """The shared helpers, as attributes of one namespace."""
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
        token = field_text(form, "csrf", 100) or ""
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
        verdict = services.check(pf, a.check_date, a.simplified, a.simplified_since)
        orders_verdict = None
        if orders_file is not None:
            orders = services.load_orders(orders_file, services.is_r139(pf))
            orders_verdict = services.check_orders(pf, orders, a.check_date, a.simplified, a.simplified_since)
        return pf, verdict, orders_verdict

    # ------------------------------------------------------------------ the check itself (pages and API)
    def run_check(user: str, pf_upload: UploadFile | None, orders_upload: UploadFile | None,
                  date_text: str | None, sheet: str | None, channel: str, tpt_uploads=(), simplified_text=None,
                  since_text=None):
        """Store, read and check; record in the audit trail. Returns (analysis id, document) or raises.
        `simplified_text`: the régime simplifié asked (`services.simplified_option`); `since_text`: since when
        (`services.simplified_since_option`)."""
        pf_file = orders_file = None
        tpt_files: list = []
        try:
            if pf_upload is None:
                raise uploads.UploadRefused.one(422, "aucun fichier de portefeuille envoyé (champ « fichier »)")
            if len(tpt_uploads) > MAX_TPT_FILES:
                raise uploads.UploadRefused.one(413, f"{len(tpt_uploads)} fichiers de transparence envoyés : au plus "
                                                     f"{MAX_TPT_FILES} par contrôle")
            date = parse_date(date_text)
            simplified = services.simplified_option(simplified_text)
            since = services.simplified_since_option(since_text)
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
            if simplified and not services.is_r139(pf):
                raise InputError.one(services.SIMPLIFIED_R623)
            if since is not None and not services.is_r139(pf):
                raise InputError.one(services.SINCE_R623)
            audit_orders = None
            if orders_file is None:
                verdict = services.check(pf, date, simplified, since)
                doc = verdict.to_dict()
                doc["exit_code"] = verdict.exit_code
                kind, status = "check", verdict.status
            else:
                orders = services.load_orders(orders_file, services.is_r139(pf))
                ov = services.check_orders(pf, orders, date, simplified, since)
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
                                                   "sheet": pf.sheet, "verdict": doc,
                                                   **({"regime_simplifie": sorted(simplified) if
                                                       isinstance(simplified, frozenset) else True}
                                                      if simplified else {}),
                                                   **({"regime_simplifie_depuis": since.isoformat()}
                                                      if since is not None else {})}, orders=audit_orders)
            audit_id = entry_id(entry)
            analysis_id = store.add_analysis(
                user_name=user, sha256=pf_file.sha256, fmt=pf_file.fmt, file_name=pf_file.name, size=pf_file.size,
                sheet=sheet, check_date=date,
                orders_sha256=orders_file.sha256 if orders_file else None,
                orders_fmt=orders_file.fmt if orders_file else None,
                orders_name=orders_file.name if orders_file else None,
                orders_size=orders_file.size if orders_file else None,
                status=status, audit_id=audit_id, files=[("transparence", t) for t in tpt_files],
                simplified=simplified, simplified_since=since)
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

    async def download_form(request: Request, viewer: Viewer) -> None:
        """A download is a POST with the session's CSRF token: it writes an audit record, so that no cross-site
        link may make one in a user's name (a GET has no side effect)."""
        async with request.form(max_files=0, max_fields=4) as form:
            require_csrf(viewer.session, form)

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

    from types import SimpleNamespace

    return SimpleNamespace(**{k: v for k, v in locals().items() if k in NAMES})
