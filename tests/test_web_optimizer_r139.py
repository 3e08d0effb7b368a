"""The web optimizer on R. 139 portfolios: its own form (natures, régimes, the purchase cap per line), the R. 139
optimizer run on the stored file and its TPT inventories, the French proposal page, its workbook (read back alone
by the checker), its audit record, and the rules in conflict when no proposal exists. Real files, the real solver."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("fastapi")

from reserves.app.audit import AuditLog  # noqa: E402
from test_web_r139 import R139_BAD, TPT, _files, client, web  # noqa: E402,F401

ROOT = Path(__file__).resolve().parents[1]


def _text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


def upload(client, file=R139_BAD, tpt=(TPT,)):
    r = client.post("/controle", data={"csrf": client.csrf}, files=_files(
        file, tpt=tpt, names=("fichier", "transparence", "ordres")), follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    return r.headers["location"]


def post(client, loc, **fields):
    return client.post(loc + "/optimisation", data={"csrf": client.csrf, **fields}, follow_redirects=False)


def test_the_r139_verdict_links_to_the_r139_form(client):
    loc = upload(client)
    assert f'href="{loc}/optimisation"' in client.get(loc).text
    form = client.get(loc + "/optimisation").text
    for name in ("objectif", "couts", "cout_defaut", "cibles", "marge", "tresorerie", "tresorerie_regimes",
                 "bloquer_lignes", "achat_max", "acheter_lignes"):
        assert f'name="{name}"' in form, name
    for r623 in ("univers", "quotites", "bloquer_categories", "tresorerie_gestion"):
        assert f'name="{r623}"' not in form, r623
    assert "R. 139-1 à R. 139-56" in _text(form) and "Coûts par nature" in _text(form)


def test_the_breached_sample_gets_a_compliant_proposal_in_french(client, web, tmp_path):
    loc = upload(client)
    r = post(client, loc, objectif="rotation", marge="", achat_max="2")
    assert r.status_code == 303, _text(r.text)[:2000]
    page = client.get(r.headers["location"]).text
    text = _text(page)
    assert "Proposition conforme — objectif : rotation minimale" in text
    assert "PLNE" in text and "panier des 40 %" in text
    assert "Opérations proposées" in text and ("vente" in text and "achat" in text)
    assert "Verdict après réallocation ✔ conforme" in text or "Verdict après réallocation" in text
    assert 'data-rule="R139-41/actions-max25"' in page
    assert "Plafond d'achat par ligne 2,00 % de l'actif de placement de son régime" in text
    assert "reserves check" not in text.replace("« reserves check »", "")
    # the workbook reads back alone (the TPT inventory copied into its Transparence sheet)
    pid = re.search(r"/propositions/(\d+)", r.headers["location"]).group(1)
    x = client.post(f"/propositions/{pid}/proposition.xlsx", data={"csrf": client.csrf})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    out = tmp_path / "proposition.xlsx"
    out.write_bytes(x.content)
    assert {"Portefeuille", "Transparence", "Opérations", "Contrôle"} <= set(openpyxl.load_workbook(out).sheetnames)
    back = subprocess.run([sys.executable, "-m", "reserves.app.cli", "check", str(out), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert back.returncode == 0, back.stdout[-2000:] + back.stderr
    # the audit trail holds the proposal with its orders and its verdict after
    kinds = [e.kind for e in AuditLog(web.state.settings.db_url).list(limit=5)]
    assert "proposal" in kinds
    entry = next(e for e in AuditLog(web.state.settings.db_url).list(limit=5) if e.kind == "proposal")
    assert entry.status == "optimal" and entry.version == "R139-2019-07-08" and entry.orders


def test_settings_reach_the_r139_optimizer(client):
    loc = upload(client)
    r = post(client, loc, objectif="rotation", marge="0,5", tresorerie_regimes="complementaire=-25000000",
             achat_max="3")
    assert r.status_code == 303, _text(r.text)[:2000]
    text = _text(client.get(r.headers["location"]).text)
    assert "Marge de sécurité 0,50 %" in text
    assert "Trésorerie à lever (régime complementaire) 25 000 000,00 €" in text
    assert "Plafond d'achat par ligne 3,00 %" in text


def test_bad_or_r623_settings_are_french_and_422(client):
    loc = upload(client)
    r = post(client, loc, objectif="cible", cibles="1=30")
    assert r.status_code == 422 and "nature inconnue" in _text(r.text)
    r = post(client, loc, objectif="rotation", quotites="100000")
    assert r.status_code == 422 and "sans objet" in _text(r.text)
    r = post(client, loc, objectif="rotation", tresorerie="1000")
    assert r.status_code == 422 and "plusieurs régimes" in _text(r.text)
    assert 'name="tresorerie_regimes"' in r.text  # the R. 139 form again, with the user's texts


def _conflict_file() -> bytes:
    headers = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "pays", "conservation", "cotation",
               "type_emetteur", "groupe", "remboursable", "au_nom_organisme", "remuneration"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(headers)
    for bank in "ABC":
        ws.append([f"Compte à terme Banque {bank}", "depot", 15_000_000, "EUR", None, f"Banque {bank}", "FR", None,
                   None, "etablissement_credit", f"Banque {bank}", "oui", "oui", "fixe"])
    ws.append(["OAT 2030", "titre_etat", 27_500_000, "EUR", "FR0082183262", "République française", "FR", "oui",
               "eee", "etat", "République française"])
    ws.append(["Bund 2035", "titre_etat", 27_500_000, "EUR", "DE0009635367", "Allemagne", "DE", "oui", "eee", "etat",
               "Allemagne"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_infeasible_r139_problem_names_the_rules_in_conflict(client, tmp_path):
    path = tmp_path / "conflit.xlsx"
    path.write_bytes(_conflict_file())
    loc = upload(client, file=path, tpt=())
    r = post(client, loc, objectif="rotation", bloquer_lignes="6, 7", achat_max="aucun")
    assert r.status_code == 303, _text(r.text)[:2000]
    text = _text(client.get(r.headers["location"]).text)
    assert "Aucun portefeuille conforme possible" in text
    assert "Pourquoi aucune proposition n'est possible" in text
    assert "R139-45/entite-depots-max10" in text and "plafond dépassé d'au moins" in text
    assert "Télécharger proposition.xlsx" not in text
