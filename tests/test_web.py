"""The upload page through FastAPI's test client: access control, CSRF, upload limits, the API contract."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from reserves.app.audit import AuditLog  # noqa: E402
from reserves.app.web import create_app  # noqa: E402
from reserves.app.web.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CONFORME = SAMPLES / "portefeuille_conforme.xlsx"
MANQUEMENTS = SAMPLES / "portefeuille_manquements.xlsx"
PASSWORD = "un-mot-de-passe-solide"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def web(tmp_path):
    settings = Settings(storage=str(tmp_path / "stockage"), db_url=str(tmp_path / "base.sqlite3"),
                        max_upload_bytes=256 * 1024)
    app = create_app(settings)
    app.state.users.add("comptable", PASSWORD)
    app.state.users.add("controle", PASSWORD, role="controleur")
    app.state.token = app.state.users.add("robot", None, token=True)
    app.state.tmp = tmp_path
    return app


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client, name="comptable", password=PASSWORD):
    page = client.get("/connexion")
    r = client.post("/connexion", data={"nom": name, "mot_de_passe": password, "csrf": _csrf(page.text),
                                        "suite": "/"}, follow_redirects=False)
    return r


@pytest.fixture
def client(web):
    c = TestClient(web)
    assert sign_in(c).status_code == 303
    c.csrf = _csrf(c.get("/controle").text)
    return c


def upload(client, path, *, name=None, csrf=None, orders=None, date="", follow=False):
    files = {"fichier": (name or os.path.basename(path), open(path, "rb") if isinstance(path, (str, Path)) else path,
                         "application/octet-stream")}
    if orders is not None:
        files["ordres"] = ("ordres.xlsx", open(orders, "rb"), XLSX)
    return client.post("/controle", data={"csrf": csrf if csrf is not None else client.csrf, "date": date},
                       files=files, follow_redirects=follow)


def api(web, client_or_none=None, *, file=CONFORME, orders=None, token=None, data=None, name=None):
    c = client_or_none or TestClient(web)
    files = {"file": (name or os.path.basename(str(file)),
                      open(file, "rb") if isinstance(file, (str, Path)) else file, "application/octet-stream")}
    if orders is not None:
        files["orders"] = ("ordres.xlsx", open(orders, "rb"), XLSX)
    headers = {} if token is False else {"Authorization": f"Bearer {token or web.state.token}"}
    return c.post("/api/check", files=files, data=data or {}, headers=headers)


def audit_count(web) -> int:
    """Records of work done (checks, reports, proposals), refused requests left aside."""
    return len([r for r in AuditLog(web.state.settings.db_url).list(limit=0) if r.kind != "request"])


def refusals(web) -> list:
    return [r for r in AuditLog(web.state.settings.db_url).list(limit=0) if r.kind == "request"]


def download(client, path, csrf=None):
    """A download: a POST carrying the session's CSRF token."""
    return client.post(path, data={"csrf": client.csrf if csrf is None else csrf}, follow_redirects=False)


def stored_files(web) -> list[str]:
    folder = web.state.settings.files_dir
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


# --------------------------------------------------------------------------- no anonymous access

PAGES = ["/", "/controle", "/analyses/1", "/analyses/1/optimisation", "/propositions/1", "/journal", "/journal/1",
         "/journal/verification", "/api/docs"]
DOWNLOADS = ["/analyses/1/verdict.json", "/analyses/1/rapport.xlsx", "/analyses/1/rapport.pdf",
             "/propositions/1/proposition.xlsx"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(web, path):
    r = TestClient(web).get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/connexion?suite=")


@pytest.mark.parametrize("path", DOWNLOADS)
def test_anonymous_download_is_sent_to_sign_in(web, path):
    r = TestClient(web).post(path, data={"csrf": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion?suite=")


def test_anonymous_posts_are_refused_and_nothing_is_stored(web):
    c = TestClient(web)
    before = audit_count(web)
    r = c.post("/controle", files={"fichier": ("p.xlsx", open(CONFORME, "rb"))}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion")
    assert c.post("/analyses/1/optimisation", data={"objectif": "turnover"}, follow_redirects=False).status_code == 303
    r = api(web, token=False)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "authentification requise" in r.json()["errors"][0]["message"]
    assert api(web, token="faux-jeton").status_code == 401
    assert c.get("/openapi.json").status_code == 401
    assert audit_count(web) == before
    assert stored_files(web) == []


def test_only_the_sign_in_page_and_the_style_sheet_are_public(web):
    c = TestClient(web)
    assert c.get("/connexion").status_code == 200
    css = c.get("/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert c.get("/docs").status_code in (303, 404) and c.get("/redoc").status_code in (303, 404)


def test_a_session_cookie_does_not_open_the_api(client, web):
    """The API takes a bearer token only: a browser's cookie cannot be used for a cross-site POST."""
    r = client.post("/api/check", files={"file": ("p.xlsx", open(CONFORME, "rb"))})
    assert r.status_code == 401


def test_wrong_password_gives_no_session_and_repeated_failures_are_throttled(web):
    c = TestClient(web)
    r = sign_in(c, password="mauvais-mot-de-passe")
    assert r.status_code == 401 and "incorrect" in r.text
    assert "reserves_session" not in r.headers.get("set-cookie", "")
    assert sign_in(c, name="personne").status_code == 401
    for _ in range(4):
        sign_in(c, password="encore-mauvais-mdp")
    r = sign_in(c)  # even the right password waits once the name is throttled
    assert r.status_code == 429 and "Trop de tentatives" in r.text


def test_session_cookie_is_httponly_and_lax(web):
    r = sign_in(TestClient(web))
    cookie = r.headers["set-cookie"]
    assert "reserves_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie


def test_https_setting_makes_cookies_secure_host_only(tmp_path):
    app = create_app(Settings(storage=str(tmp_path / "s"), db_url=str(tmp_path / "b.sqlite3"), secure_cookies=True))
    app.state.users.add("comptable", PASSWORD)
    c = TestClient(app, base_url="https://testserver")
    r = sign_in(c)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-reserves_session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "strict-transport-security" in r.headers


def test_sign_out_ends_the_session_on_the_server(client, web):
    cookie = client.cookies.get("reserves_session")
    r = client.post("/deconnexion", data={"csrf": client.csrf}, follow_redirects=False)
    assert r.status_code == 303
    replay = TestClient(web, cookies={"reserves_session": cookie})
    assert replay.get("/controle", follow_redirects=False).status_code == 303


def test_no_open_redirect_after_sign_in(web):
    c = TestClient(web)
    page = c.get("/connexion")
    r = c.post("/connexion", data={"nom": "comptable", "mot_de_passe": PASSWORD, "csrf": _csrf(page.text),
                                   "suite": "//ailleurs.example/piege"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_pages_carry_security_headers(client):
    r = client.get("/controle")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"]  # no script at all
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


# --------------------------------------------------------------------------- CSRF


def test_forged_csrf_token_is_refused(client, web):
    before = audit_count(web)
    r = upload(client, CONFORME, csrf="jeton-forge")
    assert r.status_code == 403 and "CSRF" in r.text
    r = upload(client, CONFORME, csrf="")
    assert r.status_code == 403
    assert audit_count(web) == before and stored_files(web) == []
    refused = refusals(web)  # the refused forms are in the audit trail, in the user's name
    assert [(e.user, e.status, e.payload["http_status"], e.payload["path"]) for e in refused] == [
        ("comptable", "refused", 403, "/controle")] * 2
    assert client.post("/deconnexion", data={}).status_code == 403
    assert client.get("/controle", follow_redirects=False).status_code == 200  # still signed in


def test_another_users_token_does_not_pass(web, tmp_path):
    web.state.users.add("autre", PASSWORD)
    a, b = TestClient(web), TestClient(web)
    sign_in(a)
    sign_in(b, "autre")
    other = _csrf(b.get("/controle").text)
    r = upload(a, CONFORME, csrf=other)
    assert r.status_code == 403


def test_sign_in_form_needs_its_own_token(web):
    c = TestClient(web)
    r = c.post("/connexion", data={"nom": "comptable", "mot_de_passe": PASSWORD, "csrf": "x"}, follow_redirects=False)
    assert r.status_code == 403
    assert "reserves_session" not in r.headers.get("set-cookie", "")


# --------------------------------------------------------------------------- uploads: size, type, bombs


def test_oversized_upload_is_refused_with_413(client, web):
    big = io.BytesIO(b"libelle;categorie;valeur;devise\n" + b"x;1;1;EUR\n" * 40_000)  # ~ 400 Kio > 256 Kio
    r = upload(client, big, name="gros.csv")
    assert r.status_code == 413 and "taille maximale" in r.text
    r = api(web, file=io.BytesIO(big.getvalue()), name="gros.csv")
    assert r.status_code == 413
    assert r.json()["status"] == "error" and "taille maximale" in r.json()["errors"][0]["message"]
    assert stored_files(web) == []


def test_oversized_streamed_upload_without_length_is_cut(web):
    """A chunked body has no Content-Length: the cap is enforced while it streams."""
    c = TestClient(web)
    boundary = "limite"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n").encode()
        for _ in range(100):
            yield b"x;1;1;EUR\n" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    r = c.post("/api/check", content=body(), headers={
        "Authorization": f"Bearer {web.state.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413
    assert "taille maximale" in r.json()["errors"][0]["message"]


def _bomb() -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", b"\0" * (40 * 1024 * 1024))  # 40 Mio of zeros, ~40 Kio packed
    buf.seek(0)
    return buf


def test_decompression_bomb_is_refused(client, web):
    r = upload(client, _bomb(), name="bombe.xlsx")
    assert r.status_code == 413
    assert "bombe de décompression" in r.text and "bombe.xlsx" in r.text
    r = api(web, file=_bomb(), name="bombe.xlsx")
    assert r.status_code == 413 and "bombe de décompression" in r.json()["errors"][0]["message"]
    assert stored_files(web) == []


@pytest.mark.parametrize("name,content,needle", [
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "type de fichier refusé"),
    ("document.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01", "type de fichier refusé"),
    ("ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003"),
])
def test_files_that_are_not_spreadsheets_get_415(client, web, name, content, needle):
    r = upload(client, io.BytesIO(content), name=name)
    assert r.status_code == 415 and needle in r.text
    r = api(web, file=io.BytesIO(content), name=name)
    assert r.status_code == 415 and needle in r.json()["errors"][0]["message"]
    assert stored_files(web) == []


def test_a_zip_that_is_not_a_workbook_gets_415(web):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("programme.sh", "#!/bin/sh\necho bonjour\n")
    r = api(web, file=io.BytesIO(buf.getvalue()), name="archive.xlsx")
    assert r.status_code == 415
    assert "pas un classeur" in r.json()["errors"][0]["message"]


def test_bad_cell_gives_422_naming_sheet_row_column_and_value(client, web, tmp_path):
    path = tmp_path / "faux.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["libelle", "categorie", "valeur", "devise"])
    ws.append(["OAT 2030", "1", 1_000_000, "EUR"])
    ws.append(["Action X", "7", "beaucoup", "EUR"])
    wb.save(path)
    r = api(web, file=path)
    assert r.status_code == 422
    doc = r.json()
    assert doc["status"] == "error" and doc["exit_code"] == 2
    err = doc["errors"][0]
    assert err["sheet"] == "Portefeuille" and err["row"] == 3 and "valeur" in err["column"] and err["value"] == "beaucoup"
    r = upload(client, path)
    assert r.status_code == 422
    assert "ligne 3" in r.text and "beaucoup" in r.text and "Traceback" not in r.text


def test_unknown_date_format_is_bad_input(web):
    r = api(web, data={"date": "demain"})
    assert r.status_code == 422 and "date invalide" in r.json()["errors"][0]["message"]


def test_file_is_stored_by_hash_never_under_the_users_name(client, web):
    r = upload(client, CONFORME, name="../../../etc/passwd.xlsx")
    assert r.status_code == 303
    sha = hashlib.sha256(CONFORME.read_bytes()).hexdigest()
    assert stored_files(web) == [f"{sha}.xlsx"]
    page = client.get(r.headers["location"])
    assert "passwd.xlsx" in page.text and "../" not in page.text
    assert not (web.state.tmp / "etc").exists()
    r = upload(client, CONFORME, name="encore.xlsx")  # same content: one file
    assert stored_files(web) == [f"{sha}.xlsx"]


# --------------------------------------------------------------------------- the verdict page and downloads


def test_upload_shows_the_verdict_breaches_first(client, web):
    r = upload(client, MANQUEMENTS)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "non conforme" in page
    rule_ids = re.findall(r'<tr class="\w+" data-rule="([^"]+)" data-status="\w+">', page)
    from constraints import rulebook

    assert sorted(set(rule_ids)) == sorted(r.id for r in rulebook.latest().rules)
    statuses = re.findall(r'<tr class="\w+" data-finding="[^"]+" data-status="(\w+)">', page)
    assert "breach" in statuses
    assert statuses == sorted(statuses, key=lambda s: s != "breach")  # breaches first
    assert "à vendre" in page
    entry = AuditLog(web.state.settings.db_url).list(limit=1)[0]
    assert (entry.kind, entry.user, entry.status, entry.file_name) == ("check", "comptable", "breach",
                                                                       "portefeuille_manquements.xlsx")


def test_downloads_are_real_files_and_are_audited(client, web):
    loc = upload(client, CONFORME).headers["location"]
    r = download(client, loc + "/rapport.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "attachment" in r.headers["content-disposition"]
    workbook = r.content
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert len(wb.sheetnames) >= 2
    r = download(client, loc + "/verdict.json")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["exit_code"] == 0
    entries = AuditLog(web.state.settings.db_url).list(limit=3)
    assert [e.kind for e in entries] == ["report", "report", "check"]
    json_entry, xlsx_entry = entries[0], entries[1]
    assert json_entry.payload["output"] == {"name": "verdict_portefeuille_conforme.json",
                                            "sha256": hashlib.sha256(r.content).hexdigest()}
    assert xlsx_entry.payload["format"] == "xlsx" and xlsx_entry.payload["output"]["name"] == (
        "rapport_portefeuille_conforme.xlsx")
    assert xlsx_entry.payload["output"]["sha256"] == hashlib.sha256(workbook).hexdigest()
    assert xlsx_entry.status == "ok" and xlsx_entry.payload["verdict"]["status"] == "ok"
    assert xlsx_entry.sha256 == hashlib.sha256(CONFORME.read_bytes()).hexdigest() and xlsx_entry.version
    assert download(client, loc + "/rapport.doc").status_code == 404
    assert os.listdir(web.state.settings.outputs_dir) == []  # generated reports are not kept


def test_a_get_has_no_side_effect_and_a_download_needs_the_csrf_token(client, web):
    """A cross-site link (GET) or form (no token) cannot make an audit record in a user's name."""
    loc = upload(client, CONFORME).headers["location"]
    before = audit_count(web)
    for what in ("/rapport.xlsx", "/rapport.pdf", "/verdict.json"):
        assert client.get(loc + what).status_code == 405
        assert download(client, loc + what, csrf="faux").status_code == 403
    for path in ("/", "/controle", loc, loc + "/optimisation", "/journal", "/journal/1", "/api/docs"):
        assert client.get(path).status_code == 200
    assert audit_count(web) == before
    page = client.get(loc).text
    assert f'<form method="post" action="{loc}/rapport.pdf"' in page and f'value="{client.csrf}"' in page


def test_audit_trail_pages_and_chain_verification(client, web):
    upload(client, CONFORME)
    page = client.get("/journal").text
    assert "contrôle" in page and "portefeuille_conforme.xlsx" in page and "comptable" in page
    assert "Vérifier la chaîne" not in page and client.get("/journal/verification").status_code == 403
    assert client.get("/journal/1").status_code == 200
    assert client.get("/journal/999").status_code == 404
    auditor = TestClient(web)
    sign_in(auditor, "controle")
    assert "Vérifier la chaîne" in auditor.get("/journal").text
    assert "Chaîne intacte" in auditor.get("/journal/verification").text


def test_optimizer_run_proposes_trades_and_a_workbook(client, web):
    loc = upload(client, MANQUEMENTS).headers["location"]
    form = client.get(loc + "/optimisation")
    assert "rotation minimale" in form.text
    r = client.post(loc + "/optimisation", data={"csrf": client.csrf, "objectif": "turnover"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/propositions/")
    page = client.get(r.headers["location"]).text
    entry = AuditLog(web.state.settings.db_url).list(limit=1)[0]
    assert entry.kind == "proposal" and entry.user == "comptable" and entry.payload["objective"] == "turnover"
    assert entry.payload["channel"] == "web" and entry.version
    x = download(client, r.headers["location"] + "/proposition.xlsx")
    if entry.status == "optimal":
        assert "Ordres proposés" in page and "vente" in page
        assert entry.orders and {t["sens"] for t in entry.orders} <= {"achat", "vente"}  # the proposed trades
        assert entry.payload["verdict_after"] in ("ok", "unknown")
        fetched = AuditLog(web.state.settings.db_url).list(limit=1)[0]
        assert fetched.kind == "report" and fetched.payload["document"] == "proposition"
        assert fetched.payload["output"]["sha256"] == hashlib.sha256(x.content).hexdigest()
        assert x.status_code == 200 and x.content[:2] == b"PK"
        openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    else:  # no compliant portfolio: the page says which rules conflict, and there is nothing to download
        assert entry.status == "infeasible"
        assert "Pourquoi aucune proposition" in page and "R623-" in page
        assert x.status_code == 404
    assert [e.kind for e in AuditLog(web.state.settings.db_url).list(limit=0)][-2:] == ["proposal", "check"]
    assert AuditLog(web.state.settings.db_url).verify()[0]
    r = client.post(loc + "/optimisation", data={"csrf": "faux", "objectif": "turnover"})
    assert r.status_code == 403


# --------------------------------------------------------------------------- the API contract


def _cli_json(args, capsys, monkeypatch, tmp_path) -> tuple[dict, int]:
    from reserves.app.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESERVES_AUDIT_URL", raising=False)
    code = main(args)
    return json.loads(capsys.readouterr().out), code


FREE = {"file", "exit_code", "audit_id", "analysis_id"}


@pytest.mark.parametrize("sample,code", [(CONFORME, 0), (MANQUEMENTS, 1)])
def test_api_answers_what_the_command_line_answers(web, sample, code, capsys, monkeypatch, tmp_path):
    cli, cli_code = _cli_json(["check", str(sample), "--json"], capsys, monkeypatch, tmp_path)
    r = api(web, file=sample)
    assert r.status_code == 200
    doc = r.json()
    assert doc["exit_code"] == cli_code == code
    assert {k: v for k, v in doc.items() if k not in FREE} == {k: v for k, v in cli.items() if k not in FREE}
    assert {k: doc["file"][k] for k in ("name", "sheet", "sha256")} == cli["file"]
    assert len(doc["rules"]) == 19
    entry = AuditLog(web.state.settings.db_url).show(doc["audit_id"])
    assert entry.user == "robot" and entry.payload["channel"] == "api"


def _orders_file(tmp_path, amount) -> Path:
    from reserves.portfolio.model import load

    line = load(CONFORME).lines.iloc[0]
    path = tmp_path / "ordres.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["libelle", "isin", "montant"])
    ws.append([line["label"], line["isin"] if isinstance(line["isin"], str) else None, amount])
    wb.save(path)
    return path


def test_api_with_orders_answers_what_the_command_line_answers(web, capsys, monkeypatch, tmp_path):
    orders = _orders_file(tmp_path, 1000)
    cli, cli_code = _cli_json(["check", str(CONFORME), "--ordres", str(orders), "--json"], capsys, monkeypatch, tmp_path)
    r = api(web, file=CONFORME, orders=orders)
    assert r.status_code == 200
    doc = r.json()
    assert doc["exit_code"] == cli_code
    assert "orders_check" in doc and doc["orders_check"]["exit_code"] == cli_code

    def strip(d):
        d = {k: v for k, v in d.items() if k not in FREE}
        d["orders_check"] = {k: v for k, v in d["orders_check"].items() if k != "file"}
        return d

    assert strip(doc) == strip(cli)
    assert AuditLog(web.state.settings.db_url).show(doc["audit_id"]).kind == "orders"


def test_orders_on_the_page(client, tmp_path):
    orders = _orders_file(tmp_path, 1000)
    r = upload(client, CONFORME, orders=orders)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Contrôle avant investissement" in page and "ordres.xlsx" in page
    table = re.search(r'<table class="grid orders">.*?</table>', page, re.S).group(0)
    headers = re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", table)
    assert headers[:5] == ["Ligne", "Libellé", "ISIN", "Sens", "Montant"]
    assert {"Effet", "Règles", "Alertes", "Rapprochement"} <= set(headers)
    assert not {"row", "libelle", "montant", "effect", "rules", "passes", "status_after"} & set(headers)
    from reserves.pretrade.orders import EFFECT_FR

    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert set(EFFECT_FR.values()) & set(cells)  # the effect as the terminal words it
    assert "achat" in cells and not {"cree", "aggrave", "inconnu", "True", "False"} & set(cells)


def test_openapi_schema_documents_the_api_behind_auth(web, client):
    r = TestClient(web).get("/openapi.json", headers={"Authorization": f"Bearer {web.state.token}"})
    assert r.status_code == 200
    schema = r.json()
    op = schema["paths"]["/api/check"]["post"]
    props = op["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"file", "orders", "date", "sheet"} <= set(props)
    assert {"200", "401", "413", "415", "422"} <= set(op["responses"])
    assert schema["components"]["securitySchemes"]["jeton"]["scheme"] == "bearer"
    # pages are not part of the API: only the check and the pre-trade service are
    assert sorted(schema["paths"]) == ["/api/check", "/api/portefeuilles", "/api/portefeuilles/{pid}",
                                       "/api/portefeuilles/{pid}/ordres"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "POST /api/check" in page.text
    assert "POST /api/portefeuilles/{pid}/ordres" in page.text and "DELETE /api/portefeuilles/{pid}" in page.text


# --------------------------------------------------------------------------- the user store and its command


def test_passwords_are_stored_as_argon2_hashes(web):
    import sqlalchemy as sa

    with web.state.users.engine.connect() as conn:
        row = conn.execute(sa.text("select password_hash, token_hash from web_users where name='comptable'")).first()
        bot = conn.execute(sa.text("select token_hash from web_users where name='robot'")).first()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert row.token_hash is None and web.state.token not in bot.token_hash


def test_user_command_adds_lists_and_removes(tmp_path, capsys, monkeypatch):
    from reserves.app.cli import main

    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "base.sqlite3")
    assert main(["user", "add", "claire", "--mot-de-passe", "assez-long-mdp", "--jeton", "--base", db]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    assert "Compte « claire » créé" in out and len(token) >= 40
    assert main(["user", "add", "claire", "--mot-de-passe", "assez-long-mdp", "--base", db]) == 2
    assert "existe déjà" in capsys.readouterr().err
    assert main(["user", "add", "court", "--mot-de-passe", "court", "--base", db]) == 2
    assert "trop court" in capsys.readouterr().err
    assert main(["user", "add", "../x", "--mot-de-passe", "assez-long-mdp", "--base", db]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("lu-sur-entree-standard\n"))
    assert main(["user", "add", "dan", "--mot-de-passe", "-", "--base", db]) == 0
    assert main(["user", "list", "--base", db]) == 0
    listing = capsys.readouterr().out
    assert "claire\tmot de passe, jeton\tutilisateur" in listing and "dan\tmot de passe\tutilisateur" in listing
    assert main(["user", "add", "vera", "--mot-de-passe", "assez-long-mdp", "--role", "contrôleur", "--base", db]) == 0
    assert "rôle controleur" in capsys.readouterr().out
    assert main(["user", "role", "dan", "admin", "--base", db]) == 0
    assert main(["user", "role", "dan", "chef", "--base", db]) == 2
    assert "rôle inconnu « chef »" in capsys.readouterr().err
    from reserves.app.users import UserStore

    store = UserStore("sqlite:///" + db)
    assert store.by_token(token).name == "claire"
    assert store.authenticate("dan", "lu-sur-entree-standard").name == "dan"
    assert store.get("dan").role == "admin" and store.get("dan").sees_all and not store.get("claire").sees_all
    assert main(["user", "token", "claire", "--base", db]) == 0
    assert store.by_token(token) is None
    assert main(["user", "remove", "claire", "--base", db]) == 0
    assert main(["user", "remove", "claire", "--base", db]) == 2
    assert not list(tmp_path.glob("reserves-audit.sqlite3"))  # --base was used, not the default file
