"""TPT files go through the reader's checked path: an .ods is measured table by table before calamine lays it out,
a workbook measured once is not measured again, and a refusal is exit 2 naming the file."""

from __future__ import annotations

import pandas as pd
import pytest

from reserves.portfolio import bounds
from reserves.portfolio.errors import InputError
from reserves.portfolio.tpt import read_tpt
from tests import hostile
from tests.test_r139_reader import tpt_rows, write_tpt


def _ods(tmp_path):
    xlsx = write_tpt(tmp_path / "tpt.xlsx", tpt_rows())
    frame = pd.read_excel(xlsx, sheet_name=None, header=None, engine="openpyxl")
    path = tmp_path / "tpt.ods"
    with pd.ExcelWriter(path, engine="odf") as w:
        for name, df in frame.items():
            df.to_excel(w, sheet_name=name, header=False, index=False)
    return path


def test_tpt_ods_is_read_like_the_xlsx(tmp_path):
    inv = read_tpt(_ods(tmp_path))
    ref = read_tpt(write_tpt(tmp_path / "ref.xlsx", tpt_rows()))
    assert len(inv) == len(ref) == 1
    assert inv[0].holdings["value"].tolist() == ref[0].holdings["value"].tolist()
    assert inv[0].holdings["row"].tolist() == ref[0].holdings["row"].tolist()


@pytest.mark.parametrize("mutate", [lambda d: hostile.ods_repeated_rows(d, 2_000_000),
                                    lambda d: hostile.ods_far_cell(d)], ids=["repeated-rows", "far-cell"])
def test_tpt_ods_far_beyond_what_it_holds_is_refused_before_calamine(tmp_path, mutate):
    path = _ods(tmp_path)
    path.write_bytes(mutate(path.read_bytes()))
    with pytest.raises(InputError) as err:
        read_tpt(path)
    text = str(err.value)
    assert "cellules" in text and "fichier refusé" in text


def test_a_workbook_is_measured_once_and_a_changed_one_again(tmp_path, monkeypatch):
    path = write_tpt(tmp_path / "tpt.xlsx", tpt_rows())
    bounds.forget_measures()
    calls = []
    scan = bounds.scan_xlsx_sheet
    monkeypatch.setattr(bounds, "scan_xlsx_sheet", lambda *a, **k: calls.append(1) or scan(*a, **k))
    read_tpt(path)
    read_tpt(path)
    assert len(calls) == 1
    write_tpt(path, tpt_rows(date="2025-12-16"))  # other bytes at the same path: measured again
    read_tpt(path)
    assert len(calls) == 2


def test_tpt_sheet_beyond_the_grid_bound_is_refused_naming_it(tmp_path):
    """A TPT workbook is bounded like every workbook: `MAX_GRID` cells, about 35 000 positions of the 141 fields of
    V6; beyond, a French refusal (exit 2) before calamine lays the sheet out. (A TPT of 100 000 positions is not
    accepted as a workbook: read whole, it would take about 0.8 Gio, the reading worker's own limit.)"""
    assert 35_000 * 141 <= bounds.MAX_GRID < 40_000 * 141
    path = write_tpt(tmp_path / "tpt.xlsx", tpt_rows())
    path.write_bytes(hostile.xlsx_far_cell(path.read_bytes(), "EK40000"))  # field 141 of position 40 000
    with pytest.raises(InputError) as err:
        read_tpt(path)
    assert "au-delà de la limite de 5\u202f000\u202f000" in str(err.value)
