"""Users see only their own work: every route tried by the owner, by another user (404, or 403 for the auditors'
pages) and by a `controleur` (200); lists narrowed to one's own; one shared access dependency on every route."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

pytest.importorskip("fastapi")
from fastapi.routing import APIRoute  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from reserves.app.audit import AuditLog  # noqa: E402
from reserves.app.web import access  # noqa: E402
from test_web import CONFORME, MANQUEMENTS, PASSWORD, _csrf, api, sign_in, upload, web  # noqa: E402,F401


def signed(app, name: str) -> TestClient:
    c = TestClient(app)
    assert sign_in(c, name).status_code == 303
    c.csrf = _csrf(c.get("/controle").text)
    return c


@dataclass
class Work:
    owner: TestClient
    other: TestClient
    auditor: TestClient
    analysis: int
    proposal: int
    entry: int  # the audit record of the owner's check
    api_analysis: int  # the robot's, through the API


@pytest.fixture
def work(web):
    web.state.users.add("autre", PASSWORD)
    owner, other, auditor = signed(web, "comptable"), signed(web, "autre"), signed(web, "controle")
    loc = upload(owner, CONFORME).headers["location"]
    analysis = int(loc.rsplit("/", 1)[1])
    r = owner.post(loc + "/optimisation", data={"csrf": owner.csrf, "objectif": "turnover"}, follow_redirects=False)
    assert r.status_code == 303
    proposal = int(r.headers["location"].rsplit("/", 1)[1])
    entry = int(web.state.store.analysis(analysis).audit_id)
    doc = api(web, file=MANQUEMENTS).json()
    return Work(owner, other, auditor, analysis, proposal, entry, doc["analysis_id"])


def _routes(w: Work):
    """(method, path, expected status for the owner and the controleur) of every route on one's objects."""
    a, p, e = w.analysis, w.proposal, w.entry
    return [("GET", f"/analyses/{a}", 200), ("POST", f"/analyses/{a}/verdict.json", 200),
            ("POST", f"/analyses/{a}/rapport.xlsx", 200), ("GET", f"/analyses/{a}/optimisation", 200),
            ("POST", f"/analyses/{a}/optimisation", 303), ("GET", f"/propositions/{p}", 200),
            ("POST", f"/propositions/{p}/proposition.xlsx", 200), ("GET", f"/journal/{e}", 200)]


def _call(c: TestClient, method: str, path: str):
    if method == "GET":
        return c.get(path, follow_redirects=False)
    data = {"csrf": c.csrf}
    if path.endswith("/optimisation"):
        data["objectif"] = "turnover"
    return c.post(path, data=data, follow_redirects=False)


def test_another_user_gets_404_on_every_route_of_my_work(work):
    before = len(AuditLog(work.owner.app.state.settings.db_url).list(limit=0))
    for method, path, _ in _routes(work):
        r = _call(work.other, method, path)
        assert r.status_code == 404, (method, path, r.status_code)
        assert "Page introuvable" in r.text
    records = AuditLog(work.owner.app.state.settings.db_url).list(limit=0)
    assert len(records) == before  # nothing made in anyone's name
    for method, path in (("GET", f"/analyses/{work.api_analysis}"), ("POST", f"/analyses/{work.api_analysis}/"
                                                                            "rapport.xlsx")):
        assert _call(work.owner, method, path).status_code == 404  # the robot's analysis is the robot's


def test_the_owner_and_the_controleur_get_200_on_every_route(work):
    for who in (work.owner, work.auditor):
        for method, path, status in _routes(work):
            r = _call(who, method, path)
            if path.endswith("proposition.xlsx") and r.status_code == 404:  # no workbook when infeasible
                assert "aucune solution" in work.owner.get(f"/propositions/{work.proposal}").text
                continue
            assert r.status_code == status, (who, method, path, r.status_code)
        assert _call(who, "GET", f"/journal/{work.entry}").status_code == 200
    r = _call(work.auditor, "GET", f"/analyses/{work.api_analysis}")
    assert r.status_code == 200 and "portefeuille_manquements.xlsx" in r.text
    records = AuditLog(work.owner.app.state.settings.db_url).list(limit=0)
    assert {"controle", "comptable"} <= {r.user for r in records if r.kind == "report"}


def test_lists_show_only_ones_own_work_except_to_the_controleur(work):
    for path in ("/", "/controle"):
        mine = work.owner.get(path).text
        assert "portefeuille_conforme.xlsx" in mine and "portefeuille_manquements.xlsx" not in mine
        theirs = work.other.get(path).text
        assert "portefeuille_conforme.xlsx" not in theirs and "Aucun contrôle" in theirs
        everyone = work.auditor.get(path).text
        assert "portefeuille_conforme.xlsx" in everyone and "portefeuille_manquements.xlsx" in everyone
    own = re.findall(r'href="/journal/(\d+)"', work.owner.get("/journal").text)
    assert str(work.entry) in own
    assert re.findall(r'href="/journal/(\d+)"', work.other.get("/journal").text) == []
    every = re.findall(r'href="/journal/(\d+)"', work.auditor.get("/journal").text)
    assert set(own) < set(every)
    users = {e.user for e in AuditLog(work.owner.app.state.settings.db_url).list(limit=0)
             if str(e.id) in own}
    assert users == {"comptable"}


def test_the_chain_verification_is_for_auditors(work):
    assert work.owner.get("/journal/verification").status_code == 403
    assert work.other.get("/journal/verification").status_code == 403
    r = work.auditor.get("/journal/verification")
    assert r.status_code == 200 and "Chaîne intacte" in r.text


def test_a_role_change_takes_effect_at_once(work, web):
    path = f"/analyses/{work.analysis}"
    assert work.other.get(path).status_code == 404
    web.state.users.set_role("autre", "controleur")
    assert work.other.get(path).status_code == 200
    web.state.users.set_role("autre", "utilisateur")
    assert work.other.get(path).status_code == 404


PUBLIC = {"/connexion"}


def _calls(dependant) -> set:
    found = set()
    for d in dependant.dependencies:
        found.add(d.call)
        found |= _calls(d)
    return found


def test_every_route_goes_through_the_shared_access_dependency(web):
    """A route added later (pre-trade, optimizer pages…) must take its viewer from reserves.app.web.access."""
    shared = {access.page_viewer, access.api_viewer, access.api_viewer_now, access.any_viewer, access.auditor}
    routes = [r for r in web.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 15
    for r in routes:
        if r.path in PUBLIC:
            continue
        assert _calls(r.dependant) & shared, f"{sorted(r.methods)} {r.path} sans contrôle d'accès"
