"""The web optimizer as a manager uses it, in a real Chromium: the settings of `reserves optimize` filled in
the form (objective, margins, locks, cash, universe upload, purchase cap), the proposal page read back with
its settings, the allocation before and after and the limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import openpyxl
import pytest

from _server import CHROMIUM_ARGS, chromium_path, running_server

pytest.importorskip("playwright")
ROOT = Path(__file__).resolve().parents[2]
MANQUEMENTS = ROOT / "samples" / "portefeuille_manquements.xlsx"
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("e2e-optim")) as srv:
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


def _universe(tmp_path) -> Path:
    """What the manager may buy: the listed securities and funds held (both pockets)."""
    from dataclasses import replace

    from reserves.portfolio.model import load
    from reserves.portfolio.writer import write_portfolio

    pf = load(MANQUEMENTS)
    L = pf.lines
    keep = L["isin"].notna() & L["category"].isin([1, 2, 3, 5, 7, 8]).to_numpy()
    path = tmp_path / "univers.xlsx"
    write_portfolio(replace(pf, lines=L[keep].reset_index(drop=True), extra=None), path)
    return path


def test_manager_sets_the_optimizer_like_the_command_line(server, browser, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Nom d'utilisateur").fill(server.user)
    page.get_by_label("Mot de passe").fill(server.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(server.url + "/")
    page.get_by_label("Portefeuille (.xlsx, .ods ou .csv)").set_input_files(str(MANQUEMENTS))
    page.get_by_role("button", name="Contrôler").click()
    page.wait_for_url("**/analyses/*")
    page.get_by_role("link", name="Proposer une réallocation").click()
    page.wait_for_url("**/optimisation")

    # a setting the command line would refuse is refused here too, in French, and the form keeps the values
    page.get_by_label("Plafond d'achat par émetteur (points)").fill("beaucoup")
    page.get_by_label("Marge de sécurité (points)").fill("0,5")
    page.get_by_role("button", name="Calculer la proposition").click()
    assert "plafond d'achat" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Marge de sécurité (points)").input_value() == "0,5"

    page.get_by_label("Objectif", exact=True).select_option("rotation")
    page.get_by_label("Plafond d'achat par émetteur (points)").fill("5")
    page.get_by_label("Trésorerie de la poche réserves (€)").fill("25000000")
    page.get_by_label("Lignes bloquées").fill("5")
    page.get_by_label("Univers (facultatif)").set_input_files(str(_universe(tmp_path)))
    page.screenshot(path=str(tmp_path / "formulaire.png"), full_page=True)
    page.get_by_role("button", name="Calculer la proposition").click()
    page.wait_for_url("**/propositions/*", timeout=180_000)
    page.screenshot(path=str(tmp_path / "proposition.png"), full_page=True)

    settings = page.locator("table.settings").inner_text().replace("\u202f", " ").replace("\xa0", " ")
    assert "rotation minimale" in settings
    assert "Marge de sécurité\t0,50 %" in settings
    assert "25 000 000,00 €" in settings and "Lignes bloquées\t5" in settings
    assert "univers.xlsx" in settings and "5,00 %" in settings
    allocation = page.locator("table.allocation tbody tr")
    assert allocation.count() >= 10
    limits = page.locator("table.limits tbody tr")
    assert limits.count() == 8
    assert "20 % au plus en immobilier (9° et 10°)" in page.locator("table.limits").inner_text()
    body = page.locator("main").inner_text()
    assert "reserves check" not in body
    orders = page.locator("table.grid").first.inner_text()
    assert "OAT 3,5 % 25/04/2026" not in orders  # the locked line is not traded
    assert "réserves" in orders

    with page.expect_download() as dl:
        page.get_by_role("button", name="Télécharger proposition.xlsx").click()
    out = tmp_path / "proposition.xlsx"
    dl.value.save_as(out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "Opérations" in wb.sheetnames and "Résolution" in wb.sheetnames
    context.close()
