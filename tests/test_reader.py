"""Reading the portfolio file (SPEC §1): formats, sheets, headers, numbers, categories, booleans."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from constraints.checker import check
from reserves.portfolio.parsing import CAT_IFT, CAT_OTHER, FALSE, TRUE, UNKNOWN
from reserves.portfolio.model import load
from helpers import ballast, line, sha256, table, write_csv, write_ods, write_xlsx

HEAD = ["libelle", "categorie", "valeur", "devise", "emetteur", "coupon_couru"]
ROWS = [
    ["OAT 0,5 % 2025", "1° a)", 1234567.89, "EUR", "République française", 1000.5],
    ["Obligation Société Générale", "2", 50000, "EUR", "Société Générale", None],
    ["Swap de taux", "IFT", -2500.25, "EUR", None, None],
]
EXPECTED_VALUES = [123_456_789 + 100_050, 5_000_000, -250_025]


def _lines_ok(pf):
    L = pf.lines
    assert L["value"].tolist() == EXPECTED_VALUES
    assert L["category"].tolist() == [1, 2, CAT_IFT]
    assert L["label"].tolist()[1] == "Obligation Société Générale"
    assert L["issuer"].tolist()[0] == "République française"


def test_xlsx_written_by_openpyxl(tmp_path):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD, *ROWS]))
    _lines_ok(pf)
    assert pf.fmt == "xlsx" and pf.sheet == "Portefeuille" and pf.lines["row"].tolist() == [2, 3, 4]
    assert pf.sha256 == sha256(tmp_path / "p.xlsx")


def test_ods_written_by_pandas(tmp_path):
    pf = load(write_ods(tmp_path / "p.ods", [HEAD, *ROWS]))
    _lines_ok(pf)
    assert pf.fmt == "ods" and pf.lines["row"].tolist() == [2, 3, 4]


def test_csv_semicolon_decimal_comma_windows_1252(tmp_path):
    rows = [HEAD, ["OAT 0,5 % 2025", "1° a)", "1 234 567,89", "EUR", "République française", "1000,50"],
            ["Obligation Société Générale", "2", "50000", "EUR", "Société Générale", ""],
            ["Swap de taux", "IFT", "-2 500,25", "EUR", "", ""]]
    path = write_csv(tmp_path / "p.csv", rows, sep=";", encoding="cp1252")
    assert "é".encode("cp1252") in path.read_bytes() and "é".encode("utf-8") not in path.read_bytes()
    pf = load(path)
    _lines_ok(pf)
    assert pf.fmt == "csv"


def test_csv_comma_utf8_decimal_point(tmp_path):
    rows = [HEAD, ["OAT 0,5 % 2025", "1° a)", "1234567.89", "EUR", "République française", "1000.50"],
            ["Obligation Société Générale", "2", "50000.00", "EUR", "Société Générale", ""],
            ["Swap de taux", "IFT", "-2500.25", "EUR", "", ""]]
    path = write_csv(tmp_path / "p.csv", rows, sep=",", encoding="utf-8", newline="\n")
    _lines_ok(load(path))


def test_csv_utf8_with_byte_order_mark(tmp_path):
    rows = [HEAD, ["OAT", "1", "10,00", "EUR", "État", ""]]
    path = write_csv(tmp_path / "p.csv", rows, sep=";", encoding="utf-8-sig")
    pf = load(path)
    assert pf.lines["issuer"].tolist() == ["État"] and pf.headers["label"] == "libelle"


def test_title_rows_above_the_header(tmp_path):
    rows = [["Caisse de retraite des indépendants"], ["Portefeuille au 31/12/2016"], [], HEAD, *ROWS]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    _lines_ok(pf)
    assert pf.header_row == 4 and pf.lines["row"].tolist() == [5, 6, 7]


def test_title_rows_in_a_csv(tmp_path):
    rows = [["Portefeuille au 31/12/2016", "", ""], HEAD, ["OAT", "1", "10,00", "EUR", "État", ""]]
    pf = load(write_csv(tmp_path / "p.csv", rows))
    assert pf.header_row == 2 and pf.lines["row"].tolist() == [3]


def test_empty_rows_in_the_middle_keep_excel_row_numbers(tmp_path):
    rows = [HEAD, ROWS[0], [], [None, None], ROWS[1], ROWS[2]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["row"].tolist() == [2, 5, 6]


@pytest.mark.parametrize("name", ["Portefeuille", "PORTEFEUILLE", "portefeuille", "Portéfeuille", " Portefeuille "])
def test_portefeuille_sheet_among_others(tmp_path, name):
    notes = [["Notes"], ["rien à lire ici"]]
    other = [HEAD, ["Leurre", "AUTRE", 1, "EUR", None, None]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD, *ROWS], sheet=name, before={"Notes": notes, "Autre": other}))
    _lines_ok(pf)
    assert pf.sheet == name


def test_portefeuille_sheet_among_others_in_ods(tmp_path):
    pf = load(write_ods(tmp_path / "p.ods", [HEAD, *ROWS], sheet="PORTEFEUILLE", before={"Lisez-moi": [["x"]]}))
    _lines_ok(pf)


def test_first_sheet_when_none_is_named_portefeuille(tmp_path):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD, *ROWS], sheet="Positions", after={"Notes": [["x"]]}))
    assert pf.sheet == "Positions"
    _lines_ok(pf)


def test_sheet_chosen_by_name(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, *ROWS], sheet="Positions 2016",
                      before={"Positions 2015": [HEAD, ["Autre", "1", 1, "EUR"]]})
    pf = load(path, sheet_name="positions 2016")
    _lines_ok(pf)


def test_french_headers_with_accents_capitals_and_units(tmp_path):
    head = ["Libellé", "CATÉGORIE", "Valeur (€)", "Devise", "Émetteur", "Coupon couru (EUR)", "Forme-Juridique",
            "Quantité émise", "quantite", "Marché_reconnu", "  Pays  "]
    rows = [head, ["Actions Air Liquide", "7", 1000, "EUR", "Air Liquide", 0, "SA", 1000000, 10, "oui", "FR"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    L = pf.lines
    assert L["value"].tolist() == [100_000] and L["legal_form"].tolist() == ["SA"]
    assert L["quantity_issued"].tolist() == [1_000_000] and L["recognised_market"].tolist() == [TRUE]
    assert L["country"].tolist() == ["FR"]
    assert pf.headers["market_value"] == "Valeur (€)"
    assert {"label", "category", "market_value", "currency", "issuer", "accrued_interest", "legal_form",
            "quantity_issued", "quantity", "recognised_market", "country"} <= pf.present


def test_english_aliases(tmp_path):
    head = ["name", "category", "market_value", "currency", "issuer", "accrued_interest", "pocket",
            "realisable_in_euro", "quantity_issued", "forest_assets"]
    rows = [head, ["US Treasury", "2", "1,000.50", "USD", "Apple", "0.5", "reserves", "yes", 10, "no"]]
    pf = load(write_csv(tmp_path / "p.csv", rows, sep=",", encoding="utf-8"))
    L = pf.lines
    assert L["value"].tolist() == [100_100] and L["currency"].tolist() == ["USD"]
    assert L["euro"].tolist() == [True] and L["forest_assets"].tolist() == [FALSE]


@pytest.mark.parametrize("text, cents", [
    ("1 234 567,89", 123_456_789), ("1\u00a0234\u00a0567,89", 123_456_789), ("1\u202f234\u202f567,89", 123_456_789),
    ("1.234.567,89", 123_456_789), ("1,234,567.89", 123_456_789), ("1234567,89", 123_456_789),
    ("1 234 567,89 €", 123_456_789), ("1234567", 123_456_700), ("0,1", 10), ("12,345", 1_235), ("12,344", 1_234),
])
def test_french_number_strings(tmp_path, text, cents):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD[:4], ["L", "7", text, "EUR"]]))
    assert pf.lines["value"].tolist() == [cents]


@pytest.mark.parametrize("text", ["(2 500,25)", "-2 500,25", "\u22122 500,25"])
def test_negative_forms_for_a_forward(tmp_path, text):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD[:4], ["Swap", "IFT", text, "EUR"]]))
    assert pf.lines["value"].tolist() == [-250_025]


@pytest.mark.parametrize("text, code", [
    ("1", 1), ("1°", 1), ("1° a)", 1), ("1°a)", 1), ("1 c)", 1), ("R623-3 1°", 1), ("R. 623-3 2°", 2),
    ("R623-3 I 3°", 3), ("13", 13), ("13°", 13), ("IFT", CAT_IFT), ("ift", CAT_IFT), ("AUTRE", CAT_OTHER),
    ("autre", CAT_OTHER), (7, 7), (7.0, 7), ("10e", 10),
])
def test_category_spellings(tmp_path, text, code):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD[:4], ["L", text, 1, "EUR"]]))
    assert pf.lines["category"].tolist() == [code]


@pytest.mark.parametrize("text, tri", [
    ("oui", TRUE), ("OUI", TRUE), ("Oui", TRUE), ("non", FALSE), ("yes", TRUE), ("no", FALSE), ("vrai", TRUE),
    ("faux", FALSE), ("true", TRUE), ("false", FALSE), ("1", TRUE), ("0", FALSE), (1, TRUE), (0, FALSE),
    (True, TRUE), (False, FALSE), ("x", TRUE), (None, UNKNOWN),
])
def test_boolean_spellings(tmp_path, text, tri):
    pf = load(write_xlsx(tmp_path / "p.xlsx", [HEAD[:4] + ["conservation"], ["L", "7", 1, "EUR", text]]))
    assert pf.lines["custody"].tolist() == [tri]


def test_x_and_empty_column_reads_empty_as_no(tmp_path):
    rows = [HEAD[:4] + ["conservation"], ["A", "7", 1, "EUR", "x"], ["B", "7", 1, "EUR", None],
            ["C", "7", 1, "EUR", "X "]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["custody"].tolist() == [TRUE, FALSE, TRUE]


def test_excel_check_boxes_are_booleans(tmp_path):
    rows = [HEAD[:4] + ["couverture"], ["Swap", "IFT", 1, "EUR", True], ["Future", "IFT", 1, "EUR", False]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["hedge"].tolist() == [TRUE, FALSE]


def test_other_columns_are_kept_for_reports(tmp_path):
    rows = [HEAD[:4] + ["Commentaire", "Gérant"], ["OAT", "1", 1, "EUR", "à garder", "Amundi"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert list(pf.extra.columns) == ["Commentaire", "Gérant"]
    assert pf.extra.iloc[0].tolist() == ["à garder", "Amundi"]


@pytest.mark.parametrize("label", ["Total", "TOTAL GÉNÉRAL", "Sous-total 1°", "Totaux"])
def test_total_row_is_left_out_with_a_warning(tmp_path, label):
    rows = [HEAD[:4], ["OAT", "1", 100, "EUR"], [label, None, 100, None]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert len(pf.lines) == 1
    assert any("Ligne 3" in w and "total" in w for w in pf.warnings)


def test_a_line_whose_label_starts_like_total_is_not_a_total(tmp_path):
    rows = [HEAD[:4], ["Totalement remboursable", "2", 100, "EUR"]]
    assert len(load(write_xlsx(tmp_path / "p.xlsx", rows)).lines) == 1


def test_isin_is_validated_and_normalised(tmp_path):
    rows = [HEAD[:4] + ["isin"], ["Air Liquide", "7", 1, "EUR", "fr0000120073"], ["B", "7", 1, "EUR", "FR 0000 1200 73"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["isin"].tolist() == ["FR0000120073", "FR0000120073"]


def test_ltv_as_ratio_or_percent(tmp_path):
    rows = [HEAD[:4] + ["ltv"], ["A", "12", 1, "EUR", 0.65], ["B", "12", 1, "EUR", "65 %"], ["C", "12", 1, "EUR", "0,5"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["ltv"].tolist() == [0.65, 0.65, 0.5]


def test_country_codes(tmp_path):
    rows = [HEAD[:4] + ["pays"], ["A", "9", 1, "EUR", "fr"], ["B", "9", 1, "EUR", "DEU"], ["C", "9", 1, "EUR", "UK"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert pf.lines["country"].tolist() == ["FR", "DE", "GB"]


def test_cent_values_in_excel_cells_are_exact(tmp_path):
    """Excel stores 0,1 as the double nearest to it: the reader must still see ten cents."""
    rows = [HEAD[:4]] + [[f"L{i}", "9", 0.1, "EUR"] for i in range(10)] + [["Gros", "9", 199999.0, "EUR"]]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert int(pf.lines["value"].sum()) == 20_000_000


def test_same_verdict_from_xlsx_ods_and_csv(tmp_path):
    lines = [line(9, "200 000,00", immeuble="A"), line(2, "50 000,01", emetteur="Orange SA"), ballast("749 999,99")]
    rows = table(*lines)
    paths = [write_xlsx(tmp_path / "p.xlsx", rows), write_ods(tmp_path / "p.ods", rows),
             write_csv(tmp_path / "p.csv", rows)]
    verdicts = [check(load(p), date=dt.date(2016, 12, 31)) for p in paths]
    docs = [v.to_dict() for v in verdicts]
    for d in docs:
        assert d["status"] == "breach" and d["total"] == 1_000_000.0
        assert [r["status"] for r in d["rules"]] == [r["status"] for r in docs[0]["rules"]]
        assert [(f["rule"], f["rows"], f.get("amount")) for f in d["findings"]] == \
            [(f["rule"], f["rows"], f.get("amount")) for f in docs[0]["findings"]]
    assert any(f["rule"] == "R623-10-1/emetteur-max5" and f["amount"] == 0.01 for f in docs[0]["findings"])


def test_reading_never_writes_the_file(tmp_path):
    paths = [write_xlsx(tmp_path / "p.xlsx", [HEAD, *ROWS]), write_ods(tmp_path / "p.ods", [HEAD, *ROWS])]
    for p in paths:
        before, mtime = sha256(p), p.stat().st_mtime_ns
        load(p)
        assert sha256(p) == before and p.stat().st_mtime_ns == mtime
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.ods", "p.xlsx"]  # no lock or temporary file left


def test_large_file_reads_fast_enough_to_be_a_unit_test(tmp_path):
    """Ten thousand lines through openpyxl and calamine (bounded, not timed)."""
    rows = [HEAD[:4] + ["emetteur"]] + [[f"Ligne {i}", str(1 + i % 13), i + 0.25, "EUR", f"E{i % 50}"]
                                        for i in range(10_000)]
    pf = load(write_xlsx(tmp_path / "p.xlsx", rows))
    assert len(pf.lines) == 10_000
    assert int(pf.lines["value"].sum()) == sum(i * 100 + 25 for i in range(10_000))
    assert np.array_equal(pf.lines["row"].to_numpy(), np.arange(2, 10_002))
