"""SPEC §1 for R. 139 files: a header close to a known column of the `Portefeuille` or `Transparence` sheet is bad
input naming that column (exit 2), unless declared with --colonne-libre; a misspelled `groupe` silently kept as a
column of the user's own would drop the groups of R. 139-45 III from the check."""

import json
from pathlib import Path

import openpyxl
import pytest

from helpers import run_cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _rename(tmp_path, sheet: str, old: str, new: str) -> Path:
    wb = openpyxl.load_workbook(SAMPLES / "portefeuille_r139_conforme.xlsx")
    ws = wb[sheet]
    hits = [c for row in ws.iter_rows(max_row=30) for c in row if c.value == old]
    assert hits, f"{old} absent de la feuille {sheet}"
    hits[0].value = new
    out = tmp_path / f"faute_{sheet}.xlsx"
    wb.save(out)
    return out


def _check(*args):
    return run_cli("check", *map(str, args), "--json", timeout=300, dated=False)


@pytest.mark.parametrize("sheet,old,new", [("Portefeuille", "groupe", "groupee"),
                                           ("Portefeuille", "emetteur", "emeteur"),
                                           ("Transparence", "emetteur", "emmetteur")])
def test_a_misspelled_header_of_an_r139_file_is_refused_naming_the_column(tmp_path, sheet, old, new):
    path = _rename(tmp_path, sheet, old, new)
    r = _check(path)
    assert r.returncode == 2, r.stdout[-500:] + r.stderr[-500:]
    doc = json.loads(r.stdout)
    message = doc["errors"][0]["message"]
    assert f"« {new} »" in message and f"« {old} »" in message and "--colonne-libre" in message, message
    assert doc["errors"][0]["sheet"] == sheet


def test_a_header_declared_the_users_own_is_kept(tmp_path):
    path = _rename(tmp_path, "Portefeuille", "groupe", "groupee")
    r = _check(path, "--colonne-libre", "groupee")
    assert r.returncode in (0, 1, 3), r.stdout[-500:] + r.stderr[-500:]
    assert json.loads(r.stdout)["status"] != "error"
