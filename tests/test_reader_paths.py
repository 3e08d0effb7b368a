"""The reader's two ways through a table give one result: a few cells parsed one distinct value at a time, many in a
pass over each column; a small table looked at cell by cell, a large one column by column. Every value, every
blank, every French message (sheet, row, column, value) is the same either way."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from reserves.portfolio import identity, keys
from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError
from reserves.portfolio.model import from_raw
from reserves.portfolio.reader import FEW_CELLS, _non_finite_cells, column_arrays, locate
from helpers import line, table

DAY = dt.date(2016, 12, 31)

# cells as a workbook, a CSV or an order gives them: good, bad, blank, of every kind
CELLS = {
    P.parse_money: [0.005, 1.015, 2.675, 1e15 + 0.005, "1000000000000000,005", "0,005", "1,015", "2,675",
                    "1 234,565", "(3,00)", "-0,005", 1e13 + 0.005, 0.1 + 0.2, 12, 12.0, "12 €", "abc", True, None,
                    math.nan, "  ", dt.date(2020, 1, 1), -7.125, 1e16, "1e3", 123456789.125],
    P.parse_nonneg: [0.0, 1.5, "2,5", -1.0, "-3", 1e19, 3, 3.0, "x", None, False, "1e18", 2.675],
    P.parse_exact_nonneg: [1000, 1000.0, "1000", "1 000,50", 0.1, 1e17, -0.0, -1, "beaucoup", None, 7, 7.0],
    P.parse_isin: ["FR0000120271", "fr0000120271", "FR 0000 1202 71", "FR0000120272", "ZZ0000120271", "FR00001202",
                   "US0378331005", 12345, None, " ", "DE000BAY0017"],
    P.parse_text: ["  Ligne   un ", "Ligne\tdeux", 12.0, 12.5, 7, dt.datetime(2020, 1, 2, 3, 4), dt.date(2020, 1, 2),
                   "", None, "é\u00a0à", True],
    P.parse_category: ["1", "1° a)", "R623-3 2°", 3, 3.0, 3.5, "IFT", "autre", "14", 0, "x", None, True, "13"],
    P.parse_bool: ["oui", "Non", "x", "X", 1, 0, 1.0, True, False, 2, "peut-être", None, "  ", "0.0"],
    P.parse_currency: ["EUR", "eur", "€", "USD", "$", "XYZ", "EURO", 1, None],
    P.parse_country: ["FR", "fr", "FRA", "UK", "INT", "international", "France", "Atlantide", None],
    P.parse_pocket: ["reserves", "Gestion", "action sociale", "report_a_nouveau", "ailleurs", None],
    P.parse_ratio: [0.65, "0,65", "65 %", 65, "-1 %", 1, None, "x"],
    P.parse_lei: ["969500T3MBS4SQAMHJ98", "969500T3MBS4SQAMHJ44", "969500-T3MB-S4SQ-AMHJ98", "court", None],
    P.parse_legal_form: ["SA", "Fonds commun de placement", "S.N.C.", "société civile immobilière", "X Y", None],
}


def _parse(values, parser):
    errors = []
    out = P.parse_column(values, parser, lambda idx, raw, reason: errors.append((list(map(int, idx)), raw, reason)),
                         coded=True)
    return out, errors


def _same_value(a, b) -> bool:
    return type(a) is type(b) and (str(a) == str(b))  # Decimal('1000') and Decimal('1000.0') differ


@pytest.mark.parametrize("parser", list(CELLS), ids=lambda p: p.__name__)
def test_a_few_cells_parse_as_the_same_cells_among_many(parser):
    few = CELLS[parser]
    assert len(few) <= P.FEW_CELLS
    many = few * (P.FEW_CELLS // len(few) + 2)  # past the few: the column pass, with the parser's vector
    (out_f, blank_f, codes_f), err_f = _parse(few, parser)
    (out_m, blank_m, codes_m), err_m = _parse(many, parser)
    n = len(few)
    assert all(_same_value(a, b) for a, b in zip(out_f, out_m[:n])), (list(out_f), list(out_m[:n]))
    assert blank_f.tolist() == blank_m[:n].tolist()
    assert codes_f.tolist() == codes_m[:n].tolist()
    assert [(idx, str(raw), reason) for idx, raw, reason in err_f] == \
        [([i for i in idx if i < n], str(raw), reason) for idx, raw, reason in err_m]


def test_amounts_to_the_nearest_cent_half_up_either_way():
    cells = [0.005, 1.015, 2.675, "0,005", "1,015", "2,675", 1e15 + 0.005, "1000000000000000,005", -2.675, 1e13 + 0.005]
    want = [1, 102, 268, 1, 102, 268, 100_000_000_000_000_000, None, -268, 1_000_000_000_000_001]
    for values in (cells, cells * 5):
        (out, blank, _), errors = _parse(values, P.parse_money)
        assert list(out[:len(cells)]) == want
        assert [(raw, reason) for _, raw, reason in errors] == [
            ("1000000000000000,005", "montant invraisemblable (au-delà de 10^15 €)")]


def test_check_boxes_are_kept_apart_from_equal_numbers_either_way():
    for values in ([1.0, True, 0, False], [1.0, True, 0, False] * 20):
        errors = []
        out, _ = P.parse_column(values, P.parse_category, lambda idx, raw, reason: errors.append(raw))
        assert list(out[:4]) == [1, None, None, None] and errors == ["VRAI", 0, "FAUX"]


def _non_finite_one_by_one(rows):
    return [(i, j) for i, row in enumerate(rows) for j, v in enumerate(row)
            if v.__class__ is float and v - v != 0.0]


def test_cells_that_are_not_finite_found_either_way():
    rng = np.random.default_rng(3)
    n = FEW_CELLS // 4 + 50
    rows = []
    for i in range(n):
        rows.append([f"ligne {i}", float(rng.integers(0, 10**6)) / 100, "EUR" if i % 3 else 12.0,
                     dt.datetime(2020, 1, 1) if i % 2 else None, 10**400 if i == 7 else i, None, True])
    for i, j, v in ((3, 1, math.inf), (3, 2, -math.inf), (10, 3, math.nan), (11, 5, math.nan), (40, 4, math.inf),
                    (n - 1, 6, math.nan), (5, 0, math.nan), (6, 1, math.nan)):
        rows[i][j] = v
    want = _non_finite_one_by_one(rows)
    assert len(want) == 8 and sum(map(len, rows)) > FEW_CELLS

    class Raw:
        pass

    raw = Raw()
    raw.rows = rows
    got = _non_finite_cells(rows, lambda: column_arrays(raw))
    assert got == want
    assert _non_finite_cells(rows[:20], lambda: column_arrays(raw)) == [c for c in want if c[0] < 20]
    with pytest.raises(InputError) as e:
        locate([["libelle", "categorie", "valeur", "devise", "x", "y", "z"]] + rows, "t", "Feuille", "records")
    assert [(p.row, p.column) for p in e.value.problems] == [(i + 2, p) for (i, _), p in zip(want, [
        "B (categorie)", "C (valeur)", "A (libelle)", "B (categorie)", "D (devise)", "F (y)", "E (x)", "G (z)"])]
    assert e.value.problems[0].message.startswith("nombre non fini")


def test_person_keys_once_per_pair_are_the_keys_line_by_line():
    names = ["Société Générale", "SOCIETE GENERALE", "Société Générale SA", None, "BNP Paribas", math.nan,
             "969500T3MBS4SQAMHJ98 Crédit X", "Crédit X", "", "bnp paribas"] * 7
    leis = [None, "969500T3MBS4SQAMHJ98", None, "529900T8BM49AURSDO55", None, None, None, None, None,
            "529900T8BM49AURSDO55"] * 7
    rng = np.random.default_rng(5)
    order = rng.permutation(len(names))
    names = np.array([names[i] for i in order], dtype=object)
    leis = np.array([leis[i] for i in order], dtype=object)
    for lei in (leis, None):
        want = identity.person_keys(names, lei)
        got = keys._person_keys(names, lei)
        assert got.tolist() == want.tolist()


LINES = [line(1, 1_000_000, isin="FR0000120271", emetteur="République française", coupon_couru="1 000,50"),
         line(2, "2,675", emetteur="Société Générale", lei="969500T3MBS4SQAMHJ98", quantite="1000",
              quantite_emise=1e6),
         line(4, 500_000), line(5, 100_000, fonds_euro_1_4="x"), line(7, 20_000, pays="DE", forme_juridique="SA"),
         line(9, 300_000, immeuble="IMM-1"), line(12, 10_000, ltv="65 %", rang_hypotheque=1),
         line(13, 5_000, exclusion=None, poche="gestion"), line("IFT", -1_234.565, couverture="oui"),
         line("AUTRE", 3.0)]


def _one(rows, n_copies):
    """The lines of `rows` (a header and data rows) read as one table in which every data row comes `n_copies`
    times."""
    head, body = rows[0], rows[1:]
    raw = locate([head] + [r for r in body for _ in range(n_copies)], "t.xlsx", "Portefeuille", "xlsx")
    return raw


@pytest.mark.parametrize("k", range(len(LINES)))
def test_one_line_read_alone_is_the_line_read_among_many(k):
    rows = table(LINES[k])
    alone = from_raw(_one(rows, 1))
    many = from_raw(_one(rows, 40))  # 40 cells a column: the column pass
    pd.testing.assert_frame_equal(alone.lines, many.lines.iloc[:1], check_exact=True)
    for col in ("quantity_exact", "quantity_issued_exact"):
        assert [str(v) for v in alone.lines[col]] == [str(v) for v in many.lines[col].iloc[:1]]


@pytest.mark.parametrize("column,cell", [("valeur", "douze"), ("categorie", "14"), ("devise", "XYZ"),
                                         ("isin", "FR0000120272"), ("lei", "969500T3MBS4SQAMHJ44"),
                                         ("ltv", 2), ("rang_hypotheque", 1.5), ("valeur", math.inf),
                                         ("marche_reconnu", "peut-être"), ("quantite", -3)])
def test_a_bad_cell_read_alone_is_said_as_among_many(column, cell):
    rows = table(line(12, 10_000, ltv="65 %", rang_hypotheque=1, isin="FR0000120271", lei=None, quantite=5,
                      marche_reconnu="oui"))
    rows[1][rows[0].index(column)] = cell
    said = []
    for copies in (1, 40):
        with pytest.raises(InputError) as e:
            from_raw(_one(rows, copies))
        said.append(str(e.value.problems[0]))
    assert said[0] == said[1]
    assert "ligne 2," in said[0]


def test_all_lines_read_together_as_a_few_or_among_many():
    rows = table(*LINES)
    alone = from_raw(_one(rows, 1)).lines
    many = from_raw(_one(rows, 4)).lines.iloc[::4].reset_index(drop=True)
    assert len(alone) == len(LINES) <= P.FEW_CELLS < len(LINES) * 4
    pd.testing.assert_frame_equal(alone.drop(columns="row"), many.drop(columns="row"), check_exact=True)


@pytest.mark.parametrize("cells", [
    [1, 1.0, True, "a", 0, False, 0.0, -0.0, None, math.nan, "a"],
    [-0.0, 0.0, 0, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1), "x", 2**70, 2.0**70, dt.time(1), dt.timedelta(1)],
    [1.5, 3, 3.0, "3", " ", "", None], [],
])
def test_a_few_cells_coded_as_pandas_codes_them(cells):
    arr = np.empty(len(cells), dtype=object)
    arr[:] = cells
    want_codes, want_uniques = pd.factorize(arr, use_na_sentinel=True)
    codes, uniques = P.factorize(cells)
    assert codes.tolist() == want_codes.tolist()
    assert [repr(u) for u in uniques] == [repr(u) for u in want_uniques]


def test_total_rows_left_out_of_a_large_table():
    body = [[f"ligne {i}", "2", 100.0, "EUR"] for i in range(60)]
    body[10] = ["Sous-total obligations", None, 1000.0, "EUR"]
    body[30] = ["  Total général", "  ", 5000.0, "EUR"]
    body[40] = ["Total ou presque", "2", 5.0, "EUR"]  # a category: a holding
    raw = locate([["libelle", "categorie", "valeur", "devise"]] + body, "t.xlsx", "Portefeuille", "xlsx")
    pf = from_raw(raw)
    assert len(pf.lines) == 58
    assert pf.warnings == ["Ligne 12 ignorée : ligne de total (« Sous-total obligations »).",
                           "Ligne 32 ignorée : ligne de total (« Total général »)."]


@pytest.mark.parametrize("text", ["0", "12", "-12", "+12", "1234.56", "-0.005", "007", "1.000", "2.675",
                                  "1000000000000000.005", "99999999999999999999.99"])
def test_a_number_written_plainly_reads_as_every_step_reads_it(text):
    got = P.to_decimal(text)
    want = P._text_decimal(text)
    assert str(got) == str(want) and P.parse_money(text) == int((want * 100).quantize(Decimal(1), "ROUND_HALF_UP")) \
        if abs(want) <= P.MAX_EUROS else str(got) == str(want)
