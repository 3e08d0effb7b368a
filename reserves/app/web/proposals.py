"""The optimizer's pages: the form, a proposal, its workbook — for R. 623 portfolios (`optimizer.rebalance`) and
R. 139 ones (`optimizer.r139.rebalance139`, its own form and page: natures, régimes, the 40 % basket)."""

from __future__ import annotations

import os
import re

from fastapi import Depends, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from reserves.app.audit import entries
from reserves.portfolio.errors import InputError
from . import services, uploads, views
from .access import Viewer, page_viewer
from .forms import field_text, form_file, unlink, entry_id
from .services import OPTIMIZER_FORM_DEFAULTS

PAIRS = re.compile(r"[\s;]+")


# The R. 139 optimizer's form: the settings of `reserves optimize` that apply to an R. 139 portfolio.
R139_FORM_DEFAULTS = {"objectif": "rotation", "couts": "", "cout_defaut": "", "cibles": "", "marge": "",
                      "tresorerie": "", "tresorerie_regimes": "", "bloquer_lignes": "", "achat_max": "2",
                      "acheter_lignes": "", "regime_simplifie": "", "regime_simplifie_depuis": ""}
# R. 623 settings without object for an R. 139 portfolio: refused when filled in (a crafted form)
R623_ONLY_FIELDS = {"marges_regles": "marges par règle", "tresorerie_gestion": "trésorerie de la poche gestion",
                    "bloquer_categories": "catégories bloquées", "acheter_categories": "catégories achetables",
                    "quotites": "quotités", "montant_minimal": "montant minimal"}
FORM_FIELDS = {**OPTIMIZER_FORM_DEFAULTS, **R139_FORM_DEFAULTS}


def r139_settings(fields: dict) -> dict:
    """The R. 139 form's texts read by the command line's own parser (`optimize_cmd.r139_settings`)."""
    from reserves.app.optimize_cmd import r139_settings as parse

    for k, what in R623_ONLY_FIELDS.items():
        if (fields.get(k) or "").strip():
            raise InputError.one(f"{what} : réglage des articles R. 623-3 à R. 623-10-4, sans objet pour un "
                                 "portefeuille soumis aux articles R. 139-1 à R. 139-56")

    def pairs(name):
        return [x for x in PAIRS.split(fields.get(name) or "") if x]

    objective = fields.get("objectif") or "rotation"
    objective = {"turnover": "rotation", "cost": "cout", "target": "cible"}.get(objective, objective)
    return parse(objectif=objective, cout=pairs("couts"), cout_defaut=fields.get("cout_defaut") or None,
                 cible=pairs("cibles"), tresorerie=fields.get("tresorerie") or "0",
                 tresorerie_regime=pairs("tresorerie_regimes"), marge=fields.get("marge") or None,
                 achat_max=fields.get("achat_max") or "2",
                 bloquer_ligne=services.row_numbers(fields.get("bloquer_lignes"), "lignes bloquées"),
                 acheter_ligne=services.row_numbers(fields.get("acheter_lignes"), "lignes achetables"))


def install(app, w) -> None:
    """Add these routes to the application; `w` holds what the pages share (`context.make`)."""
    (settings, store, render, require_csrf, record, analysis_or_404, proposal_or_404, recheck, purge,
     download_form, stored_of) = (w.settings, w.store, w.render, w.require_csrf, w.record, w.analysis_or_404,
                                  w.proposal_or_404, w.recheck, w.purge, w.download_form, w.stored_of)

    def version_of(a):
        """The rulebook version the analysis falls under (SPEC §4: its check date, else the date its file states,
        else today), without reading the whole file."""
        import datetime as dt

        from reserves.portfolio.reader import read_stated_date

        day = a.check_date
        if day is None:
            stated = read_stated_date(stored_of(a)[0].path, a.sheet)
            day = stated[0] if stated else dt.date.today()
        return services.version_for(day)

    def form_page(request, a, status=200, form=None, error=None):
        version = version_of(a)
        r139 = version.engine == "r139"
        defaults = R139_FORM_DEFAULTS if r139 else OPTIMIZER_FORM_DEFAULTS
        if r139 and form is None and a.simplified:
            defaults = {**defaults, "regime_simplifie": "oui"}
        if r139 and form is None and a.simplified_since is not None:
            defaults = {**defaults, "regime_simplifie_depuis": a.simplified_since.isoformat()}
        return render(request, "optimize139.html" if r139 else "optimize.html", status, analysis=a,
                      objectives=services.objectives(), proposals=store.proposals_of(a.id),
                      form={**defaults, **(form or {})}, version_id=version.id, **({"error": error} if error else {}))

    @app.get("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    def optimize_form(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        a = analysis_or_404(analysis_id, viewer)
        try:
            return form_page(request, a)
        except InputError as err:
            return render(request, "optimize.html", 422, analysis=a, objectives=services.objectives(),
                          proposals=store.proposals_of(a.id), form=OPTIMIZER_FORM_DEFAULTS,
                          error=[str(p) for p in err.problems])

    @app.post("/analyses/{analysis_id}/optimisation", include_in_schema=False)
    async def optimize(request: Request, analysis_id: int, viewer: Viewer = Depends(page_viewer)):
        async with request.form(max_files=1, max_fields=len(FORM_FIELDS) + 4) as form:
            require_csrf(viewer.session, form)
            fields = {k: field_text(form, k, 2000) or "" for k in FORM_FIELDS}
            a = analysis_or_404(analysis_id, viewer)
            universe_file = None
            try:
                upload = form_file(form, "univers")
                if upload is not None:
                    universe_file = await run_in_threadpool(
                        uploads.store, upload.file, upload.filename, settings.files_dir, settings.max_upload_bytes,
                        what="l'univers")
                proposal_id = await run_in_threadpool(run_optimizer, viewer.name, a, fields, universe_file)
            except (InputError, uploads.UploadRefused) as err:
                purge(universe_file)
                return form_page(request, a, getattr(err, "status", 422), form=fields,
                                 error=[str(p) for p in err.problems])
        return RedirectResponse(f"{request.scope.get('root_path', '')}/propositions/{proposal_id}", status_code=303)

    def run_optimizer(user: str, a, fields: dict, universe_file=None) -> int:
        pf, verdict, _ = recheck(a)
        if fields.get("regime_simplifie") and not services.is_r139(pf):
            raise InputError.one(services.SIMPLIFIED_R623)
        if (fields.get("regime_simplifie_depuis") or "").strip() and not services.is_r139(pf):
            raise InputError.one(services.SINCE_R623)
        if services.is_r139(pf):
            if universe_file is not None:
                raise InputError.one("univers : réglage des articles R. 623-3 à R. 623-10-4, sans objet pour un "
                                     "portefeuille soumis aux articles R. 139-1 à R. 139-56")
            return run_optimizer139(user, a, pf, verdict, r139_settings(fields), fields)
        kwargs = services.optimizer_settings(fields)
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

    def run_optimizer139(user: str, a, pf, verdict, kwargs: dict, fields: dict) -> int:
        """The R. 139 optimizer on the stored portfolio, as the check saw it (same date, same inventories and
        observations); the proposal re-checked by the R. 139 checker, its workbook written when it has no breach."""
        from optimizer.output139 import write_xlsx
        from optimizer.r139 import rebalance139

        pf_file, _ = stored_of(a)
        simplified = services.simplified_option(fields.get("regime_simplifie"))
        since = services.simplified_since_option(fields.get("regime_simplifie_depuis"))
        proposal = rebalance139(pf, verdict.version, as_of=pf.as_of, observations=getattr(pf, "observations", ()),
                                simplified=simplified, simplified_since=since, **kwargs)
        doc = proposal.to_dict()
        doc["engine"] = "r139"
        if simplified:  # as the audit record of the check: the régime simplifié asked
            doc.setdefault("settings", {})["regime_simplifie"] = (sorted(simplified)
                                                                 if isinstance(simplified, frozenset) else True)
        if since is not None:
            doc.setdefault("settings", {})["regime_simplifie_depuis"] = since.isoformat()
        if proposal.after is not None:
            doc["verdict_after"] = proposal.after.to_dict()
        xlsx = None
        if proposal.status in ("optimal", "unknown"):
            xlsx = os.path.basename(write_proposal139(write_xlsx, proposal, pf_file.path))
            doc["notes"] = list(proposal.notes)  # the workbook adds the inventories it copied
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

    def write_proposal139(write_xlsx, proposal, src_path) -> str:
        import tempfile

        os.makedirs(settings.outputs_dir, mode=0o700, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="proposition-", suffix=".xlsx", dir=settings.outputs_dir)
        os.close(fd)
        try:
            write_xlsx(proposal, src_path, path)
        except BaseException:
            os.unlink(path)
            raise
        return path

    @app.get("/propositions/{proposal_id}", include_in_schema=False)
    def proposal_page(request: Request, proposal_id: int, viewer: Viewer = Depends(page_viewer)):
        p, a = proposal_or_404(proposal_id, viewer)
        if isinstance(p.result, dict) and p.result.get("engine") == "r139":
            return render(request, "proposal139.html", p=p, analysis=a, view=proposal139_view(p.result))
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


# --------------------------------------------------------------------------- the R. 139 proposal page





def _pct(x) -> str:
    from reserves.portfolio.fmt import fr_pct

    return "" if not isinstance(x, (int, float)) else fr_pct(float(x))


def _date(text):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def proposal139_view(doc: dict) -> dict:
    """An R. 139 proposal in French: its status, the trades, each rule before and after, the cash, the settings,
    the rules in conflict when none exists, and the notes."""
    from fractions import Fraction

    from optimizer.output139 import side_fr
    from reserves.portfolio.fmt import PROPOSAL_STATUS_FR, STATUS_FR, fr_euros

    def euros(x) -> str:
        return fr_euros(round(x * 100)) if isinstance(x, (int, float)) else ""

    trades = [{"row": t.get("row"), "label": t.get("label"), "nature": t.get("nature"), "regime": t.get("regime") or "",
               "side": side_fr(t, cents=False),
               "amount": euros(t.get("amount")), "before": euros(t.get("before")), "after": euros(t.get("after"))}
              for t in doc.get("trades") or []]
    after = {r["id"]: r for r in doc.get("rules_after") or []}
    rules = []
    for r in doc.get("rules_before") or []:
        a = after.get(r["id"])
        if r.get("status") == "not_applicable" and (a is None or a.get("status") == "not_applicable"):
            continue
        rules.append({"id": r["id"], "title": r.get("title") or r["id"], "article": r.get("article") or "",
                      "limit": _pct(r.get("limit")), "before": _pct(r.get("value")),
                      "status_before": r.get("status"), "status_before_fr": STATUS_FR.get(r.get("status"), ""),
                      "after": _pct(a.get("value")) if a else "", "status_after": a.get("status") if a else None,
                      "status_after_fr": STATUS_FR.get(a.get("status"), "") if a else ""})
    st = doc.get("settings") or {}
    rows = [("Objectif", doc.get("objective_fr") or "")]
    if st.get("regime_simplifie"):
        simp = st["regime_simplifie"]
        rows.append(("Régime simplifié (R. 139-14, R. 139-15)", "tout l'organisme" if simp is True else
                     "régimes " + ", ".join(map(str, simp))))
    if st.get("regime_simplifie_depuis"):
        import datetime as _dt

        d = _dt.date.fromisoformat(st["regime_simplifie_depuis"])
        rows.append(("Régime simplifié depuis (R. 139-11)", d.strftime("%d/%m/%Y")))
    if st.get("margin") not in (None, "0"):
        rows.append(("Marge de sécurité", _pct(float(Fraction(st["margin"])))))
    rows.append(("Plafond d'achat par ligne", "aucun" if st.get("buy_cap") is None else
                 _pct(float(Fraction(st["buy_cap"]))) + " de l'actif de placement de son régime"))
    for c in doc.get("cash") or []:
        where = f" (régime {c['regime']})" if c.get("regime") else ""
        rows.append((f"Trésorerie {'à placer' if c['amount'] > 0 else 'à lever'}{where}", euros(abs(c["amount"]))))
    if st.get("locks"):
        rows.append(("Lignes bloquées", ", ".join(map(str, st["locks"]))))
    if st.get("buy_rows"):
        rows.append(("Lignes achetables en plus", ", ".join(map(str, st["buy_rows"]))))
    costs = st.get("costs_bps") or {}
    if costs:
        text = ", ".join(f"{k} : {v:g} pb" for k, v in (costs.get("natures") or {}).items())
        if costs.get("default") is not None:
            text += (", " if text else "") + f"autres natures : {costs['default']:g} pb"
        rows.append(("Coûts de transaction", text))
    if st.get("target"):
        rows.append(("Allocation cible", ", ".join(f"{k} : {_pct(float(Fraction(v)))}" for k, v in st["target"].items())))
    solver = doc.get("solver") or {}
    open_findings = [f for f in doc.get("findings_after") or [] if f.get("status") != "ok"]
    return {"status": doc.get("status"), "status_fr": PROPOSAL_STATUS_FR.get(doc.get("status"), doc.get("status")),
            "objective": doc.get("objective_fr") or "", "version": (doc.get("version") or {}).get("id", ""),
            "as_of": _date(doc.get("as_of")), "before": doc.get("before"), "before_fr": STATUS_FR.get(doc.get("before"), ""),
            "after": doc.get("after"), "after_fr": STATUS_FR.get(doc.get("after"), "") if doc.get("after") else "",
            "sold": euros(doc.get("sold")), "bought": euros(doc.get("bought")),
            "turnover": euros((doc.get("sold") or 0) + (doc.get("bought") or 0)), "trades": trades, "rules": rules,
            "settings": rows, "explanation": [e.get("message") if isinstance(e, dict) else str(e)
                                              for e in doc.get("explanation") or []],
            "notes": doc.get("notes") or [], "findings": open_findings[:50],
            "more_findings": max(0, len(open_findings) - 50),
            "solver": {"mip": solver.get("mip"), "binaries": solver.get("binaries"), "rows": solver.get("rows"),
                       "columns": solver.get("columns"), "build": solver.get("build_seconds") or 0,
                       "seconds": solver.get("seconds") or 0}}
