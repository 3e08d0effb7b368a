"""The audit trail's pages: the list, one record, its raw JSON, the chain's verification."""

from __future__ import annotations

import json

from fastapi import Depends, Request
from fastapi.responses import Response

from reserves.app.audit import entries
from . import views
from .access import Viewer, auditor, page_viewer
from .forms import entry_id


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    audit, render = w.audit, w.render

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
