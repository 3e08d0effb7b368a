"""The optimizer's pages: the form, a proposal, its workbook."""

from __future__ import annotations

import os

from fastapi import Depends, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.app.audit import entries
from reserves.portfolio.errors import InputError
from . import services, uploads, views
from .access import Viewer, page_viewer
from .forms import field_text, form_file, unlink, entry_id


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    (settings, store, render, require_csrf, record, analysis_or_404, proposal_or_404, recheck, purge,
     download_form) = (w.settings, w.store, w.render, w.require_csrf, w.record, w.analysis_or_404,
                       w.proposal_or_404, w.recheck, w.purge, w.download_form)

    @app.get("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    def optimize_form(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        a = analysis_or_404(analysis_id, viewer)
        return render(request, "optimize.html", analysis=a, objectives=services.objectives(),
                      proposals=store.proposals_of(a.id), form=services.OPTIMIZER_FORM_DEFAULTS)

    @app.post("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    async def optimize(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        async with request.form(max_files=1, max_fields=len(services.OPTIMIZER_FORM_DEFAULTS) + 4) as form:
            require_csrf(viewer.session, form)
            fields = {k: field_text(form, k, 2000) or "" for k in services.OPTIMIZER_FORM_DEFAULTS}
            a = analysis_or_404(analysis_id, viewer)
            universe_file = None
            try:
                upload = form_file(form, "univers")
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
                unlink(os.path.join(settings.outputs_dir, xlsx))
            raise
        return store.add_proposal(analysis_id=a.id, user_name=user, objective=kwargs["objective"],
                                  status=proposal.status, result=doc, xlsx=xlsx, audit_id=entry_id(entry))

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
