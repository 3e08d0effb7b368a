"""The empty portfolio template: what `reserves template` writes, and that it reads back."""

from __future__ import annotations

import json

import openpyxl
import pytest

from constraints import rulebook
from constraints.checker import check
from reserves.app.cli import main
from reserves.portfolio.columns import COLUMNS, column_letter
from reserves.portfolio.errors import InputError
from reserves.portfolio.model import load
from reserves.app.template import README_SHEET, PORTFOLIO_SHEET, help_text, write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("modele") / "modele.xlsx"
    write_template(path)
    return path


def _validations(ws) -> dict[str, list]:
    """Column letter → data validations covering it."""
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            letters = "".join(ch for ch in rng.split(":")[0] if ch.isalpha())
            out.setdefault(letters, []).append(dv)
    return out


def _formats(ws) -> dict[str, str]:
    out = {}
    for dim in ws.column_dimensions.values():
        for idx in range(dim.min, dim.max + 1):
            out[column_letter(idx - 1)] = dim.number_format
    return out


def test_sheets_and_header_row(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [README_SHEET, PORTFOLIO_SHEET, "Paramètres"]  # SPEC §4: the date d'arrêté in B1
    ws = wb[PORTFOLIO_SHEET]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1  # nothing below the header
    for j, col in enumerate(COLUMNS):
        letter = column_letter(j)
        assert ws.column_dimensions[letter].width >= 8, col.header
        assert ws.cell(row=1, column=j + 1).comment is not None, col.header


def test_drop_down_lists_cover_the_closed_columns(template):
    ws = openpyxl.load_workbook(template)[PORTFOLIO_SHEET]
    dvs = _validations(ws)

    def listed(field):
        letter = column_letter([c.field for c in COLUMNS].index(field))
        lists = [dv for dv in dvs.get(letter, []) if dv.type == "list"]
        assert len(lists) == 1, field
        dv = lists[0]
        assert str(dv.sqref).startswith(f"{letter}2:"), dv.sqref
        return dv.formula1.strip('"').split(",")

    assert listed("category") == [str(i) for i in range(1, 14)] + ["IFT", "AUTRE"]
    assert listed("pocket") == ["reserves", "gestion"]
    assert listed("exclusion") == list(rulebook.latest().exclusions["values"])
    for col in COLUMNS:
        if col.kind == "bool":
            assert listed(col.field) == ["oui", "non"], col.header
    days = [column_letter(j) for j, c in enumerate(COLUMNS) if c.kind == "days"]
    assert days and all(any(dv.type == "whole" for dv in dvs[d]) for d in days)


def test_number_formats(template):
    ws = openpyxl.load_workbook(template)[PORTFOLIO_SHEET]
    formats = _formats(ws)
    for j, col in enumerate(COLUMNS):
        fmt = formats.get(column_letter(j), "General")
        if col.kind == "money" or col.field == "issue_size":
            assert "€" in fmt and "#,##0.00" in fmt, col.header
        elif col.kind == "ratio":
            assert fmt.endswith("%"), col.header
        elif col.kind == "days":
            assert fmt == "0", col.header
        elif col.kind in ("text", "isin", "category"):
            assert fmt == "General", col.header


def test_read_me_explains_every_column_and_category(template):
    ws = openpyxl.load_workbook(template)[README_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for col in COLUMNS:
        assert col.header in text and help_text(col) in text, col.header
    for code, label in rulebook.latest().categories.items():
        assert label in text, code
    assert "obligatoire" in text.lower()
    assert "à vérifier" in text
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value}
    assert rows["libelle"][2].value == "oui" and rows["isin"][2].value == "non"


def test_empty_template_is_refused_with_a_clear_message(template, capsys):
    with pytest.raises(InputError) as err:
        load(template)
    assert "aucune ligne" in str(err.value)
    assert err.value.problems[0].sheet == PORTFOLIO_SHEET
    assert main(["check", str(template)]) == 2
    assert "aucune ligne" in capsys.readouterr().err


def test_filled_template_gives_a_verdict(template, tmp_path, capsys):
    wb = openpyxl.load_workbook(template)
    ws = wb[PORTFOLIO_SHEET]
    where = {c.field: j + 1 for j, c in enumerate(COLUMNS)}
    rows = [
        dict(label="OAT 0,5 % 25/05/2025", category=1, market_value=900_000.00, currency="EUR",
             isin="FR0011619436", issuer="République française", accrued_interest=1_234.56, pocket="reserves",
             quantity=880_000, quantity_issued=33_000_000_000, custody="oui", country="FR"),
        dict(label="Actions Orange", category=7, market_value=99_999.99, currency="EUR", issuer="Orange",
             quantity=6_930, quantity_issued=2_660_000_000, custody="oui", recognised_market="oui", country="FR"),
        dict(label="Compte courant", category=13, market_value=1_000.00, currency="EUR", pocket="gestion",
             issuer="La Banque Postale", eea_credit_institution="oui", notice_days=0),
    ]
    for i, values in enumerate(rows, start=2):
        for f, v in values.items():
            ws.cell(row=i, column=where[f], value=v)
    path = tmp_path / "rempli.xlsx"
    wb.save(path)

    pf = load(path)
    assert pf.sheet == PORTFOLIO_SHEET and len(pf) == 3
    assert pf.lines["value"].tolist() == [90_123_456, 9_999_999, 100_000]
    verdict = check(pf)
    assert verdict.total == 100_123_455  # reserves pocket only, in cents
    # Orange is 9,99 % of the base: over the 5 % cap per legal person
    issuer = verdict.result("R623-10-1/emetteur-max5")
    assert issuer.status == "breach"
    assert [(f.subject, f.rows) for f in issuer.findings] == [("Orange", [3])]
    assert verdict.exit_code == 1

    assert main(["check", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "breach" and doc["total"] == 1_001_234.55


def test_template_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "modele.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    assert "modele.xlsx" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames == [README_SHEET, PORTFOLIO_SHEET, "Paramètres"]


def test_the_lists_of_the_template_are_the_rulebooks(tmp_path):
    """Another version of the text (other exclusion marks, a category less): the drop-downs, the header notes and
    the read-me follow it, and nothing in the workbook speaks of the marks it no longer has."""
    from reserves.app.template import build_workbook

    text = (rulebook.VERSIONS_DIR / "r623_2002-11-01.yaml").read_text(encoding="utf-8")
    text = text.replace("echeance_trimestrielle", "prestations_du_trimestre")
    text = text.replace('  12: "Prêts hypothécaires (R. 623-8)"\n', "")
    path = tmp_path / "r623_autre.yaml"
    path.write_text(text, encoding="utf-8")
    version = rulebook.load_version(path)
    wb = build_workbook(version)
    ws = wb[PORTFOLIO_SHEET]
    lists = {}
    for dv in ws.data_validations.dataValidation:
        letter = "".join(ch for ch in str(dv.sqref).split(":")[0] if ch.isalpha())
        lists[letter] = dv.formula1.strip('"').split(",")
    fields = [c.field for c in COLUMNS]
    assert lists[column_letter(fields.index("category"))] == [str(i) for i in range(1, 12)] + ["13", "IFT", "AUTRE"]
    assert lists[column_letter(fields.index("exclusion"))] == ["prestations_du_trimestre", "compensation_L134-1"]
    cells = [str(c.value) for w in wb.worksheets for row in w.iter_rows() for c in row if c.value is not None]
    cells += [c.comment.text for row in ws.iter_rows() for c in row if c.comment is not None]
    cells += [dv.prompt or "" for dv in ws.data_validations.dataValidation]
    assert not [t for t in cells if "echeance_trimestrielle" in t]
    assert any("prestations_du_trimestre" in t for t in cells)
