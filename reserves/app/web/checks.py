"""The upload page, a portfolio's verdict (R. 623 or R. 139), its downloads, and `POST /api/check`."""

from __future__ import annotations

import hashlib
import json

from fastapi import Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.app.audit import entries
from reserves.portfolio.errors import InputError
from . import services, uploads, views
from .access import Viewer, api_viewer, page_viewer
from .forms import PageError, json_error, field_text, form_file, form_files, unlink, FORM_LIMITS


SHOCKS_DEFAULT = "actions=-30 immobilier=-15 taux=+100"  # the report's scenario without --choc


def write_report139(pf, verdict, fmt: str, folder: str, *, chocs: str | None = None, sans_choc: bool = False,
                    proposition: bool = False, simplified=False, simplified_since=None) -> str:
    """The R. 139 report as `reserves report` writes it: the stress view (the shocks of the form, separated by
    spaces or semicolons, else the command's default scenario; none with `sans_choc`) and, if asked, the
    optimizer's proposal re-checked. Written into `folder` under a server-chosen name; returns the path.
    `simplified`: the régime simplifié the analysis was checked in (since `simplified_since`), for the shocked and
    the proposed portfolios."""
    import os
    import re
    import tempfile

    from reports.r139_report import make_report139
    from reports.r139_stress import parse_scenario139

    items = [t for t in re.split(r"[\s;]+", chocs or "") if t]
    scenario = None if sans_choc else parse_scenario139(items, verdict.version.extra.get("natures", {}))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="rapport-", suffix="." + fmt, dir=folder)
    os.close(fd)
    try:
        make_report139(pf, verdict, path, scenario=scenario, proposal=bool(proposition),
                       observations=getattr(pf, "observations", []),
                       options={"simplified": simplified, "simplified_since": simplified_since})
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    (settings, store, audit, render, require_csrf, record, stored_of, analysis_or_404, recheck, run_check,
     download_form) = (w.settings, w.store, w.audit, w.render, w.require_csrf, w.record, w.stored_of,
                       w.analysis_or_404, w.recheck, w.run_check, w.download_form)

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
            date_text, sheet = field_text(form, "date", 40), field_text(form, "feuille")
            simplified = field_text(form, "regime_simplifie", 8)
            since = field_text(form, "regime_simplifie_depuis", 40)
            try:
                analysis_id, _ = await run_in_threadpool(
                    run_check, viewer.name, form_file(form, "fichier"), form_file(form, "ordres"),
                    date_text, sheet, "web", form_files(form, "transparence"), simplified, since)
            except PageError as err:
                return upload_page(request, viewer, err.status, problems=err.problems, dropped=err.dropped,
                                   date=date_text or "", feuille=sheet or "", regime_simplifie=bool(simplified),
                                   regime_simplifie_depuis=since or "")
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
                          orders=views.orders_view(orders_verdict) if orders_verdict is not None else None,
                          proposals=store.proposals_of(a.id))
        return render(request, "verdict.html", analysis=a, pf=pf,
                      view=views.verdict_view(verdict, pf),
                      orders=views.orders_view(orders_verdict) if orders_verdict is not None else None,
                      proposals=store.proposals_of(a.id))

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
        # the download form: the CSRF token and, for an R. 139 portfolio, the shocks and the proposal asked for
        async with request.form(max_files=0, max_fields=6) as form:
            require_csrf(viewer.session, form)
            wanted = {"chocs": field_text(form, "chocs", 400), "sans_choc": bool(field_text(form, "sans_choc", 8)),
                      "proposition": bool(field_text(form, "proposition", 8))}
        return await run_in_threadpool(report_file, request, analysis_id, fmt, viewer, wanted)

    def report_file(request: Request, analysis_id: int, fmt: str, viewer: Viewer, wanted: dict | None = None):
        a = analysis_or_404(analysis_id, viewer)
        pf, verdict, _ = recheck(a)
        try:
            if services.is_r139(pf):
                path = write_report139(pf, verdict, fmt, settings.outputs_dir, simplified=a.simplified,
                                       simplified_since=a.simplified_since, **(wanted or {}))
            else:
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
            unlink(path)
            raise
        media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "pdf": "application/pdf"}[fmt]
        return FileResponse(path, media_type=media, headers={
            "Content-Disposition": views.attachment(a.file_name, "rapport", fmt)},
            background=BackgroundTask(unlink, path))


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
                "sheet": {"type": "string", "description": "facultatif : feuille à lire"},
                "regime_simplifie": {"type": "string", "description": (
                    "facultatif, R. 139 : le régime simplifié (R. 139-14, R. 139-15), comme `--regime-simplifie` : "
                    "« oui » pour tout l'organisme, ou les noms des régimes concernés séparés par des virgules")},
                "regime_simplifie_depuis": {"type": "string", "description": (
                    "facultatif, R. 139-11 : date depuis laquelle le régime simplifié s'applique (délais de cession), "
                    "comme `--regime-simplifie-depuis` : AAAA-MM-JJ ou JJ/MM/AAAA")}}}}}}})
    async def api_check(request: Request, viewer: Viewer = Depends(api_viewer)):
        async with request.form(**FORM_LIMITS) as form:
            try:
                _, doc = await run_in_threadpool(
                    run_check, viewer.name, form_file(form, "file"), form_file(form, "orders"),
                    field_text(form, "date", 40), field_text(form, "sheet"), "api",
                    form_files(form, "transparence"), field_text(form, "regime_simplifie", 400),
                    field_text(form, "regime_simplifie_depuis", 40))
            except PageError as err:
                return json_error(err.status, err.problems, err.dropped)
        return JSONResponse(doc)
