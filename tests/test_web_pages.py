"""Pages people read: the audit entry as a verdict page (raw JSON behind a link), the API page's words,
French figures, and the status of an upload of the wrong type."""

from __future__ import annotations

import html
import io
import json
import re

import pytest

pytest.importorskip("fastapi")

from test_web import CONFORME, MANQUEMENTS, client, upload, web  # noqa: E402,F401


def _text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


def test_audit_entry_is_a_verdict_page_with_the_raw_record_behind_a_link(client):
    upload(client, MANQUEMENTS)
    page = client.get("/journal/1")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Contrôle : ✘ non conforme" in text
    for fact in ("Par comptable", "Fichier portefeuille_manquements.xlsx", "Empreinte SHA-256 du fichier",
                 "Version du règlement R623-"):
        assert fact in text, fact
    assert "20 % au plus en immobilier (9° et 10°)" in text and "Constats" in text
    # no raw database fields, no escaped JSON on the page
    for raw in ("created_at", "kind", "prev_hash", "payload", "&#34;", '"rules"'):
        assert raw not in page.text.split("<main", 1)[1], raw
    assert len(page.text) < 200_000
    assert 'href="/journal/1/brut.json"' in page.text
    raw = client.get("/journal/1/brut.json")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    doc = raw.json()
    assert doc["kind"] == "check" and doc["status"] == "breach" and doc["payload"]
    assert client.get("/journal/999/brut.json").status_code == 404


def test_api_page_names_the_real_command_and_renders_code(client):
    page = client.get("/api/docs").text
    assert "reserves user token NOM" in page and "user jeton" not in page
    main = page.split("<main", 1)[1]
    assert "`" not in main
    assert "<code>reserves check FICHIER --json</code>" in main


def test_line_count_has_the_thousands_separator(client, tmp_path):
    from reserves.portfolio.writer import write_portfolio
    from test_optimizer_helpers import line, portfolio

    path = tmp_path / "grand.xlsx"
    write_portfolio(portfolio([line(f"OAT {i}", 1, 1000) for i in range(1200)]), path)
    r = upload(client, path, follow=True)
    assert "Lignes 1 200" in _text(r.text)


def test_a_text_file_is_415_not_422(client):
    for name, body in (("notes.txt", "bonjour\nceci n'est pas un portefeuille\n"), ("a.pdf", "%PDF-1.4\n")):
        r = upload(client, io.BytesIO(body.encode()), name=name)
        assert r.status_code == 415, (name, r.status_code)
    r = upload(client, io.BytesIO(b"libelle;categorie;valeur;devise\nA;99;10;EUR\n"), name="p.csv")
    assert r.status_code == 422
