"""The web optimizer takes the settings of `reserves optimize` and shows what the command line shows:
the settings, the orders, the allocation before and after, the limits, and the cause when none exists."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi")

from reserves.app.audit import AuditLog  # noqa: E402
from reserves.portfolio.writer import write_portfolio  # noqa: E402
from test_optimizer_helpers import line, portfolio  # noqa: E402
from test_web import MANQUEMENTS, client, upload, web  # noqa: E402,F401


def _post(client, loc, files=None, **fields):
    return client.post(loc + "/optimisation", data={"csrf": client.csrf, **fields}, files=files,
                       follow_redirects=False)


def _text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


def test_the_form_offers_every_setting_of_the_command_line(client):
    loc = upload(client, MANQUEMENTS).headers["location"]
    form = client.get(loc + "/optimisation").text
    for name in ("objectif", "couts", "cout_defaut", "cibles", "marge", "marges_regles", "tresorerie",
                 "tresorerie_gestion", "bloquer_lignes", "bloquer_categories", "univers", "achat_max",
                 "acheter_categories", "acheter_lignes", "quotites", "montant_minimal"):
        assert f'name="{name}"' in form, name
    assert 'value="cible"' in form and 'value="cout"' in form and 'value="rotation"' in form


def test_settings_reach_the_optimizer_and_the_page_shows_before_and_after(client, web, tmp_path):
    loc = upload(client, MANQUEMENTS).headers["location"]
    uni = tmp_path / "univers.xlsx"
    write_portfolio(portfolio([line("OAT 2040 nouvelle", 1, 100, echeance="2040-05-25")]), uni)
    r = _post(client, loc, files={"univers": ("univers.xlsx", open(uni, "rb"), "application/octet-stream")},
              objectif="cible", cibles="1=30 7=15", marge="0,5", tresorerie="25000000", bloquer_lignes="5, 6",
              achat_max="3", quotites="", montant_minimal="")
    assert r.status_code == 303, _text(r.text)[:2000]
    page = client.get(r.headers["location"]).text
    text = _text(page)
    assert "écart minimal à l'allocation cible" in text
    assert "Marge de sécurité 0,50 %" in text and "25 000 000,00 €" in text and "Lignes bloquées 5, 6" in text
    assert "Plafond d'achat par émetteur 3,00 %" in text and "univers.xlsx" in text
    assert "Allocation par catégorie avant et après" in text and "Limites (part de la base" in text
    assert "20 % au plus en immobilier (9° et 10°)" in text
    assert "reserves check" not in text
    entry = AuditLog(web.state.settings.db_url).list(limit=1)[0]
    st = entry.payload.get("settings") or {}
    if st:
        assert st["objective"] == "target" and st["locked_rows"] == [5, 6] and st["buy_cap"] == 0.03


def test_bad_settings_are_french_and_422(client):
    loc = upload(client, MANQUEMENTS).headers["location"]
    r = _post(client, loc, objectif="rotation", achat_max="beaucoup")
    assert r.status_code == 422 and "plafond d'achat" in _text(r.text)
    r = _post(client, loc, objectif="cible")
    assert r.status_code == 422 and "allocation cible" in _text(r.text)
    r = _post(client, loc, objectif="rotation", bloquer_lignes="douze")
    assert r.status_code == 422 and "lignes bloquées" in _text(r.text)


def test_lots_that_cannot_work_are_named_on_the_page(client):
    loc = upload(client, MANQUEMENTS).headers["location"]
    r = _post(client, loc, objectif="rotation", quotites="100000")
    assert r.status_code == 303
    text = _text(client.get(r.headers["location"]).text)
    assert "Pourquoi aucune proposition" in text and "quotités de 100 000,00 € sont la cause" in text
