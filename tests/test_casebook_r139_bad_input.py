"""Case book, bad input in an R. 139 workbook (SPEC §1, SPEC-R139 §1): one French message per problem naming the
sheet, the row as Excel shows it, the column and the value, exit code 2, never a traceback; the file untouched.
"""

from __future__ import annotations

import hashlib

import pytest

from casebook_r139 import bad_input, case, company, fill, line, pct


def refused(tmp_path, row: dict, *needles):
    lines = fill([line("depot", pct("0.05"), "Dépôt à vue")])
    lines.insert(1, row)
    path = case(tmp_path, lines)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    msg = bad_input(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert "Portefeuille" in msg, msg
    assert "4" in msg, msg  # a title row, the header, the deposit, then the bad line
    for n in needles:
        assert n in msg, (n, msg)
    return msg


def test_a_value_that_is_not_a_number(tmp_path):
    refused(tmp_path, {**company("action", 1, 1), "valeur": "mille euros"}, "valeur", "mille euros")


def test_an_unknown_nature(tmp_path):
    refused(tmp_path, {**company("action", 1_000, 1), "nature": "cryptoactif"}, "nature", "cryptoactif")


def test_an_unknown_listing(tmp_path):
    refused(tmp_path, company("action", 1_000, 1, cotation="nasdaq"), "cotation", "nasdaq")


def test_an_isin_with_a_wrong_check_digit(tmp_path):
    refused(tmp_path, company("action", 1_000, 1, isin="FR0000120074"), "isin", "FR0000120074")


def test_a_negative_value_outside_a_contract(tmp_path):
    refused(tmp_path, company("action", -1_000, 1), "valeur")


def test_the_three_months_of_benefits_on_a_line_that_is_not_cash(tmp_path):
    refused(tmp_path, company("action", 1_000, 1, exclusion="prestations_3_mois"), "exclusion")


def test_the_r623_compensation_exclusion(tmp_path):
    refused(tmp_path, line("depot", 1_000, "Dépôt L134-1", exclusion="compensation_L134-1"), "exclusion",
            "compensation_L134-1")


def test_accrued_interest_on_a_line_that_is_not_a_claim(tmp_path):
    refused(tmp_path, company("action", 1_000, 1, coupon_couru=10), "coupon_couru")


def test_an_unknown_issuer_kind(tmp_path):
    refused(tmp_path, company("obligation", 1_000, 1, type_emetteur="collectivite"), "type_emetteur", "collectivite")


def test_a_yes_no_column_with_another_word(tmp_path):
    refused(tmp_path, company("action", 1_000, 1, conservation="peut-être"), "conservation", "peut-être")


def test_an_unreadable_maturity(tmp_path):
    refused(tmp_path, line("contrat_financier", 0, "Future", echeance="bientôt", notionnel=1, exposition=1,
                           sous_jacent="Bund"), "echeance", "bientôt")


@pytest.mark.parametrize("header, near", [("emeteur", "emetteur"), ("cotations", "cotation"), ("groupes", "groupe")])
def test_a_header_close_to_a_known_column(tmp_path, header, near):
    row = company("action", 1_000, 1)
    row[header] = row.pop(near)
    lines = fill([line("depot", pct("0.05"), "Dépôt à vue"), row])
    msg = bad_input(case(tmp_path, lines))
    assert header in msg and near in msg, msg


def test_a_missing_required_column(tmp_path):
    lines = [{k: v for k, v in r.items() if k != "devise"} for r in fill([company("action", 1_000, 1)])]
    msg = bad_input(case(tmp_path, lines))
    assert "devise" in msg, msg


def test_a_file_that_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "portefeuille.xlsx"
    path.write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    bad_input(path)
