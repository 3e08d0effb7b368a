"""An R. 139 portfolio and its fund's TPT file uploaded in a real headless Chromium: the French verdict page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _server import CHROMIUM_ARGS, chromium_path, running_server

pytest.importorskip("playwright")
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
TIMEOUT_MS = 60_000  # each browser step; the whole test stays bounded


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("e2e-r139")) as srv:
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


def test_an_r139_portfolio_with_a_tpt_file_in_the_browser(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
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
    page.wait_for_load_state()
    assert "/analyses/" in page.url, page.locator("main").inner_text()[:2000]

    title = page.locator("#verdict-titre").inner_text()
    assert "Verdict" in title and ("non conforme" in title or "à vérifier" in title), title
    assert "R139-2019-07-08" in page.locator(".meta").first.inner_text()
    regimes = page.locator("table.regimes tbody tr")
    assert regimes.count() == 2
    assert "complementaire" in regimes.first.inner_text()
    assert page.locator("#transparence-titre").is_visible()
    assert "tpt_fonds_credit_euro.xlsx" in page.locator("table.inventories").inner_text()
    breaches = page.locator('table.findings tr[data-status="breach"]')
    assert breaches.count() >= 1
    assert page.locator('table.rules tr[data-rule="R139-41/actions-max25"]').count() == 1
    assert "Via" in page.locator("table.findings thead").inner_text()
    page.screenshot(path=str(tmp_path / "verdict-r139.png"), full_page=True)
    context.close()


def test_the_regime_simplifie_box_in_the_browser(server, browser, tmp_path):
    """The upload form's box gives the régime simplifié's verdict (R. 139-14, R. 139-15); the header names R. 139."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(server.url + "/")
    if page.get_by_label("Nom d'utilisateur").count():
        page.get_by_label("Nom d'utilisateur").fill(server.user)
        page.get_by_label("Mot de passe").fill(server.password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(server.url + "/")
    assert "R. 139" not in page.locator("header").inner_text()  # no portfolio yet: neither rulebook
    page.get_by_label("Portefeuille (.xlsx, .ods ou .csv)").set_input_files(
        str(SAMPLES / "portefeuille_r139_conforme.xlsx"))
    page.get_by_label("Inventaires des fonds au format TPT (facultatif)").set_input_files(
        [str(SAMPLES / "tpt_fonds_credit_euro.xlsx")])
    page.get_by_label("Régime simplifié (R. 139-14, R. 139-15)").check()
    page.get_by_role("button", name="Contrôler").click()
    page.wait_for_load_state()
    assert "/analyses/" in page.url, page.locator("main").inner_text()[:2000]
    assert "régime simplifié (R. 139-10)" in page.locator("dl.figures").inner_text()
    assert "non conforme" in page.locator("#verdict-titre").inner_text()
    assert page.locator('table.rules tr[data-rule="R139-14/eligibilite"]').count() == 1
    header = page.locator("header").inner_text()
    assert "R. 139-1 à R. 139-56 (version R139-2019-07-08)" in header and "R. 623" not in header
    assert page.title().endswith("— R. 139 — Réserves")
    page.screenshot(path=str(tmp_path / "verdict-r139-simplifie.png"), full_page=False)
    context.close()


def test_the_regime_simplifie_start_date_in_the_browser(server, browser, tmp_path):
    """The upload form's « Régime simplifié depuis » field (R. 139-11, as `--regime-simplifie-depuis`): a bad date is
    refused in French with the field kept; a good one gives the deadlines from that date, named on the page, and
    fills in the optimizer's form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(server.url + "/")
    if page.get_by_label("Nom d'utilisateur").count():
        page.get_by_label("Nom d'utilisateur").fill(server.user)
        page.get_by_label("Mot de passe").fill(server.password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(server.url + "/")

    def upload(since):
        page.get_by_label("Portefeuille (.xlsx, .ods ou .csv)").set_input_files(
            str(SAMPLES / "portefeuille_r139_conforme.xlsx"))
        page.get_by_label("Inventaires des fonds au format TPT (facultatif)").set_input_files(
            [str(SAMPLES / "tpt_fonds_credit_euro.xlsx")])
        page.get_by_label("Régime simplifié (R. 139-14, R. 139-15)").check()
        page.get_by_label("Régime simplifié depuis (facultatif)").fill(since)
        page.get_by_role("button", name="Contrôler").click()
        page.wait_for_load_state()

    upload("31/02/2024")
    assert "date invalide « 31/02/2024 » : attendu AAAA-MM-JJ ou JJ/MM/AAAA" in page.locator("main").inner_text()
    assert page.get_by_label("Régime simplifié depuis (facultatif)").input_value() == "31/02/2024"
    page.screenshot(path=str(tmp_path / "regime-simplifie-depuis-refus.png"), full_page=False)
    upload("01/03/2024")
    assert "/analyses/" in page.url, page.locator("main").inner_text()[:2000]
    figures = page.locator("dl.figures").inner_text()
    assert "régime simplifié (R. 139-10), depuis le 01/03/2024 (R. 139-11)" in figures
    assert "01/03/2026" in page.locator("main").inner_text()  # two years from that date (R. 139-11)
    page.screenshot(path=str(tmp_path / "verdict-r139-simplifie-depuis.png"), full_page=False)
    page.goto(page.url + "/optimisation")
    assert page.get_by_label("Régime simplifié depuis (facultatif)").input_value() == "2024-03-01"
    page.screenshot(path=str(tmp_path / "optimisation-r139-simplifie-depuis.png"), full_page=True)
    context.close()
