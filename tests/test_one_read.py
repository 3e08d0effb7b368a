"""A command that learns the date from its file, then reads its lines, reads the file once (`reader.one_read`):
`reserves check` and `reserves report` open each workbook once with calamine; a file changed between two reads is
read again; outside the block nothing is kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import python_calamine

from reserves.app.cli import main
from reserves.portfolio import reader
from reserves.portfolio.model import load
from reserves.portfolio.reader import one_read, read_stated_date, read_table

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture
def opened(monkeypatch):
    """The paths calamine opens (the real calamine reads each of them)."""
    seen = []
    real = python_calamine.CalamineWorkbook

    class Counting:
        @staticmethod
        def from_path(path, *a, **kw):
            seen.append(Path(path).name)
            return real.from_path(path, *a, **kw)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Counting)
    return seen


def test_reads_inside_the_block_share_the_grid_and_outside_they_do_not(tmp_path, opened):
    src = tmp_path / "p.xlsx"
    shutil.copy(SAMPLES / "portefeuille_conforme.xlsx", src)
    with one_read():
        a = read_table(src)
        b = read_table(src)
        assert a.rows[0] is b.rows[0] and a.rows == b.rows
        assert read_stated_date(src) == (a.as_of, a.as_of_where)
        assert len(opened) == 1
    c = read_table(src)
    d = read_table(src)
    assert c.rows[0] is not d.rows[0] and c.rows == a.rows
    assert len(opened) == 3


def test_a_file_changed_between_two_reads_is_read_again(tmp_path, opened):
    src = tmp_path / "p.xlsx"
    shutil.copy(SAMPLES / "portefeuille_conforme.xlsx", src)
    with one_read():
        before = load(src)
        shutil.copy(SAMPLES / "portefeuille_manquements.xlsx", src)
        after = load(src)
    assert len(opened) == 2
    assert before.sha256 != after.sha256
    assert len(after.lines) == len(load(SAMPLES / "portefeuille_manquements.xlsx").lines)
    assert after.lines["value"].sum() != before.lines["value"].sum()


@pytest.mark.parametrize("command", [["check"], ["check", "--json"], ["report", "-o", "{out}"]])
def test_check_and_report_open_their_file_once(tmp_path, opened, capsys, command):
    src = tmp_path / "p.xlsx"
    shutil.copy(SAMPLES / "portefeuille_manquements.xlsx", src)
    args = [a.replace("{out}", str(tmp_path / "rapport.html")) for a in command]
    code = main([args[0], str(src), *args[1:]])
    assert code == 1, capsys.readouterr()
    assert opened == ["p.xlsx"]
    assert reader._KEPT is None  # nothing kept after the command
