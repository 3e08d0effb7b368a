"""The upload page as a person uses it: a real server, a real headless Chromium, real downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from _server import CHROMIUM_ARGS, chromium_path, running_server

pytest.importorskip("playwright")
ROOT = Path(__file__).resolve().parents[2]
MANQUEMENTS = ROOT / "samples" / "portefeuille_manquements.xlsx"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("e2e")) as srv:
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


def sign_in(page, server):
    page.goto(server.url + "/")
    assert "/connexion" in page.url
    page.get_by_label("Nom d'utilisateur").fill(server.user)
    page.get_by_label("Mot de passe").fill(server.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(server.url + "/")


def test_accountant_signs_in_uploads_reads_the_verdict_and_downloads_the_reports(server, browser, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, server)
    page.get_by_label("Portefeuille (.xlsx, .ods ou .csv)").set_input_files(str(MANQUEMENTS))
    page.get_by_label("Date du contrôle (facultatif)").fill("2017-12-31")
    page.get_by_role("button", name="Contrôler").click()
    page.wait_for_url("**/analyses/*")

    assert "non conforme" in page.locator("#verdict-titre").inner_text()
    rules = page.locator("table.rules tbody tr")
    assert rules.count() == 19
    breach_rows = page.locator("table.rules tbody tr[data-status=breach]")
    assert breach_rows.count() >= 1
    assert "✘" in breach_rows.first.locator("td.sym").inner_text()
    findings = page.locator("table.findings tbody tr")
    assert findings.count() >= 1
    assert findings.first.get_attribute("data-status") == "breach"  # breaches first
    page.screenshot(path=str(tmp_path / "verdict.png"), full_page=True)

    with page.expect_download() as dl:
        page.get_by_role("button", name="Rapport Excel (.xlsx)").click()
    xlsx = tmp_path / "rapport.xlsx"
    dl.value.save_as(xlsx)
    assert dl.value.suggested_filename == "rapport_portefeuille_manquements.xlsx"
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert len(wb.sheetnames) >= 2

    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Rapport PDF").click()
    pdf = tmp_path / "rapport.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                       check=True, timeout=60)
        assert list(tmp_path.glob("page*.png"))

    page.get_by_role("link", name="Journal d'audit").click()
    rows = page.locator("table.grid tbody tr")
    assert rows.count() >= 3  # the check and the two reports
    assert "comptable" in rows.first.inner_text()
    page.get_by_role("link", name="Vérifier la chaîne").click()
    assert "Chaîne intacte" in page.locator("h2").first.inner_text()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion")
    page.goto(server.url + "/journal")
    assert "/connexion" in page.url
    context.close()


def test_anonymous_browser_sees_only_the_sign_in_page(server, browser):
    context = browser.new_context()
    page = context.new_page()
    for path in ("/", "/controle", "/journal", "/api/docs", "/analyses/1"):
        page.goto(server.url + path)
        assert "/connexion" in page.url
        assert page.get_by_role("heading", name="Connexion").is_visible()
    context.close()


def test_wrong_password_in_the_browser(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/connexion")
    page.get_by_label("Nom d'utilisateur").fill(server.user)
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    assert "incorrect" in page.get_by_role("alert").inner_text()
    context.close()
