"""`reserves template --version R139`: the R. 139 template (SPEC-R139 §1, §2) and what it reads back as."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest

from reserves.app.template139 import write_template
from reserves.portfolio.columns139 import COLUMNS, ISSUER_KINDS, LISTINGS, LOOKTHROUGH_COLUMNS, NATURES
from reserves.portfolio.errors import InputError
from reserves.portfolio.model139 import load


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("t") / "modele139.xlsx"
    write_template(path)
    return path


def _list_of(wb, ws, header):
    col = [c.value for c in ws[1]].index(header)
    letter = openpyxl.utils.get_column_letter(col + 1)
    for dv in ws.data_validations.dataValidation:
        if any(str(r).startswith(f"{letter}2") for r in dv.sqref.ranges):
            sheet, ref = dv.formula1.split("!")
            return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]
    return None


def test_sheets_headers_and_hidden_lists(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[:4] == ["Lisez-moi", "Portefeuille", "Transparence", "Titres"]
    assert wb["Listes"].sheet_state == "hidden"
    assert [c.value for c in wb["Portefeuille"][1]] == [c.header for c in COLUMNS]
    assert [c.value for c in wb["Transparence"][1]] == [c.header for c in LOOKTHROUGH_COLUMNS]
    assert [c.value for c in wb["Titres"][1]][0] == "isin"


@pytest.mark.parametrize("sheet", ["Portefeuille", "Transparence"])
def test_drop_downs_for_nature_listing_and_issuer_kind(template, sheet):
    wb = openpyxl.load_workbook(template)
    ws = wb[sheet]
    assert _list_of(wb, ws, "nature") == list(NATURES)
    assert _list_of(wb, ws, "cotation") == list(LISTINGS)
    assert _list_of(wb, ws, "type_emetteur") == list(ISSUER_KINDS)
    assert _list_of(wb, ws, "remboursable") == ["oui", "non"]


def test_read_me_names_every_column_and_nature(template):
    ws = openpyxl.load_workbook(template)["Lisez-moi"]
    text = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    for col in COLUMNS + LOOKTHROUGH_COLUMNS[:2]:
        assert col.header in text
    for code in NATURES:
        assert code in text
    assert any("R. 139-17" in t for t in text) and any("TPT" in t for t in text)


def test_empty_template_is_refused_clearly(template):
    with pytest.raises(InputError, match="aucune ligne"):
        load(template)


def test_filled_template_reads_back(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb["Portefeuille"]
    head = [c.value for c in ws[1]]
    row = {"libelle": "Fonds obligataire", "nature": "opcvm", "valeur": 1_000_000, "devise": "EUR",
           "isin": "FR0000292278", "part_titres_eligibles": 0.95, "fonds_conforme": "oui"}
    ws.append([row.get(h) for h in head])
    lt = wb["Transparence"]
    lhead = [c.value for c in lt[1]]
    for lab, val in (("OAT", 600), ("Bund", 400)):
        h = {"fonds": "FR0000292278", "date_valorisation": dt.date(2025, 12, 31), "libelle": lab,
             "nature": "titre_etat", "valeur": val, "devise": "EUR", "type_emetteur": "etat"}
        lt.append([h.get(x) for x in lhead])
    path = tmp_path / "rempli.xlsx"
    wb.save(path)
    pf = load(path)
    assert pf.lines["eligible_share_exact"].iat[0] == Decimal("0.95")
    assert pf.lookthrough["value"].tolist() == [60_000_000, 40_000_000]


def test_template_command_version(tmp_path):
    out = tmp_path / "m.xlsx"
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "template", "--version", "R139", "-o", str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0 and "No module" in r.stderr:
        r = subprocess.run(["reserves", "template", "--version", "R139", "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Transparence" in openpyxl.load_workbook(out).sheetnames
