"""The web optimizer on an R. 139 portfolio, in a real headless Chromium: the breached sample and its fund's TPT file
uploaded, the R. 139 form filled in (margin, purchase cap), the French proposal page read (trades by régime, rules
before and after, the 40 % basket), its workbook downloaded and read back alone by the checker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from _server import CHROMIUM_ARGS, chromium_path, running_server

pytest.importorskip("playwright")
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
TIMEOUT_MS = 180_000  # each browser step (the MILP of the 20 bn€ sample included); the whole test stays bounded


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("e2e-optim-r139")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium est introuvable (/usr/bin/chromium) : installez le paquet « chromium »"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_an_r139_proposal_in_the_browser(server, browser, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Nom d'utilisateur").fill(server.user)
    page.get_by_label("Mot de passe").fill(server.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(server.url + "/")
    page.get_by_label("Portefeuille (.xlsx, .ods ou .csv)").set_input_files(
        str(SAMPLES / "portefeuille_r139_manquements.xlsx"))
    page.get_by_label("Inventaires des fonds au format TPT (facultatif)").set_input_files(
        [str(SAMPLES / "tpt_fonds_credit_euro.xlsx")])
    page.get_by_role("button", name="Contrôler").click()
    page.wait_for_url("**/analyses/*")
    page.get_by_role("link", name="Proposer une réallocation").click()
    page.wait_for_url("**/optimisation")
    assert "R. 139-1 à R. 139-56" in page.locator("main").inner_text()

    # an R. 139 setting refused in French, the form kept
    page.get_by_label("Allocation cible par nature (objectif cible)").fill("1=30")
    page.get_by_label("Objectif", exact=True).select_option("cible")
    page.get_by_role("button", name="Calculer la proposition").click()
    assert "nature inconnue" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Allocation cible par nature (objectif cible)").input_value() == "1=30"

    page.get_by_label("Allocation cible par nature (objectif cible)").fill("")
    page.get_by_label("Objectif", exact=True).select_option("rotation")
    page.get_by_label("Marge de sécurité (points)").fill("0,1")
    page.get_by_label("Plafond d'achat par ligne (points)").fill("2")
    page.screenshot(path=str(tmp_path / "formulaire-r139.png"), full_page=True)
    page.get_by_role("button", name="Calculer la proposition").click()
    page.wait_for_url("**/propositions/*")
    page.screenshot(path=str(tmp_path / "proposition-r139.png"), full_page=True)

    title = page.locator("#proposition-titre").inner_text()
    assert "Proposition conforme" in title and "rotation minimale" in title, title
    assert "panier des 40 %" in page.locator(".summary .meta").inner_text()
    assert "conforme" in page.locator(".summary dd.after").inner_text()
    trades = page.locator("table.trades tbody tr")
    assert trades.count() >= 2
    body = page.locator("table.trades").inner_text()
    assert "vente" in body and "achat" in body and "complementaire" in body
    settings = page.locator("table.settings").inner_text().replace("\u202f", " ").replace("\xa0", " ")
    assert "Marge de sécurité\t0,10 %" in settings and "Plafond d'achat par ligne\t2,00 %" in settings
    rules = page.locator("table.rules")
    assert rules.locator('tr[data-rule="R139-45/cumul-max40"]').count() == 1
    assert "non conforme" in rules.inner_text()  # the breaches before, each one « conforme » after
    for row in rules.locator("tbody tr").all():
        assert row.locator("td").nth(5).inner_text() != "non conforme", row.inner_text()

    with page.expect_download() as dl:
        page.get_by_role("button", name="Télécharger proposition.xlsx").click()
    out = tmp_path / "proposition.xlsx"
    dl.value.save_as(out)
    assert {"Portefeuille", "Transparence", "Opérations", "Contrôle"} <= set(openpyxl.load_workbook(out).sheetnames)
    back = subprocess.run([sys.executable, "-m", "reserves.app.cli", "check", str(out), "--json"], capture_output=True,
                          text=True, cwd=ROOT)
    assert back.returncode == 0 and json.loads(back.stdout)["status"] == "ok", back.stdout[-2000:] + back.stderr
    context.close()
