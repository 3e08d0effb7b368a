"""Reading an R. 139 portfolio (SPEC-R139 §1, §2): the columns, the `Transparence` sheet, the rescaling of
R. 139-17's last paragraph, and bad look-through input (exit 2)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import openpyxl
import pandas as pd
import pytest

from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError
from reserves.portfolio.lookthrough import apportion, inventory_age
from reserves.portfolio.model139 import load

HEAD = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "coupon_couru"]
FUND_ISIN = "FR0000292278"
MM_ISIN = "FR0010251744"
D = dt.date(2025, 12, 15)


def book(path, lines, holdings=None, head=HEAD, lt_head=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(head)
    for row in lines:
        ws.append(row)
    if holdings is not None:
        t = wb.create_sheet("Transparence")
        t.append(lt_head or ["fonds", "date_valorisation", "libelle", "nature", "valeur", "devise", "isin", "quantite"])
        for row in holdings:
            t.append(row)
    wb.save(path)
    return path


def base_lines():
    return [
        ["OAT 2030", "titre_etat", "1 000 000,00", "EUR", "FR0010070060", "République française", "1 234,50"],
        ["Fonds actions", "opcvm", "500 000,10", "EUR", FUND_ISIN, "Amundi", None],
        ["Monétaire", "monetaire", 200000, "EUR", MM_ISIN, "Ostrum", None],
    ]


def fund_holdings(values=(300, 700, 1)):
    return [
        [FUND_ISIN, D, "TotalEnergies", "action", values[0], "EUR", "FR0000120271", 10],
        [FUND_ISIN, D, "LVMH", "action", values[1], "EUR", "FR0000121014", 3],
        [FUND_ISIN, D, "Trésorerie", "depot", values[2], "EUR", None, None],
    ]


def test_lines_columns_values_and_defaults(tmp_path):
    pf = load(book(tmp_path / "p.xlsx", base_lines()))
    lines = pf.lines
    assert list(lines["nature"].astype(str)) == ["titre_etat", "opcvm", "monetaire"]
    assert lines["value"].tolist() == [100_123_450, 50_000_010, 20_000_000]  # valeur + coupon couru, cents
    assert lines["equity_or_debt"].astype(object).tolist()[0] == "creance"  # RR 9 default
    assert not lines["equity_or_debt_given"].any()
    assert set(lines["pocket"].astype(str)) == {"placement"}
    assert not lines["needs_lookthrough"].iat[0] and lines["needs_lookthrough"].iat[1]
    assert not lines["looked_through"].any()
    assert len(pf.lookthrough) == 0 and len(pf.inventories) == 0


def test_aliases_and_enumerations(tmp_path):
    head = ["name", "asset_type", "market_value", "currency", "listing", "issuer_kind", "pocket", "scheme"]
    pf = load(book(tmp_path / "p.xlsx", [["A", "Actions", 10, "EUR", "EEE", "Autre", "reserves", "Complémentaire"],
                                         ["B", "OPCVM", 10, "EUR", "non coté", "État", "gestion", "base"]], head=head))
    assert pf.lines["nature"].astype(str).tolist() == ["action", "opcvm"]
    assert pf.lines["listing"].astype(str).tolist() == ["eee", "aucune"]
    assert pf.lines["issuer_kind"].astype(str).tolist() == ["autre", "etat"]
    assert pf.lines["pocket"].astype(str).tolist() == ["placement", "gestion"]
    assert pf.lines["regime"].tolist() == ["complementaire", "base"]
    assert pf.lines["gestion"].tolist() == [False, True]


@pytest.mark.parametrize("column,value,words", [
    ("nature", "actionz", "nature inconnue"),
    ("cotation", "nyse", "cotation inconnue"),
    ("type_emetteur", "mairie", "type d'émetteur inconnu"),
    ("capital_ou_creance", "mixte", "capital, creance ou les_deux"),
    ("part_titres_eligibles", "2", "taux ambigu"),
    ("echeance", "bientôt", "date attendue"),
    ("exposition", "beaucoup", "pas un nombre"),
    ("exclusion", "compensation_L134-1", "R. 139-1"),
    ("poche", "reserve speciale", "poche inconnue"),
])
def test_bad_values_name_sheet_row_column_and_value(tmp_path, column, value, words):
    head = HEAD + ([column] if column != "nature" else [])
    lines = [["Compte", "depot", 10, "EUR", None, "BNP", None, value]]
    if column == "nature":
        lines = [["Compte", value, 10, "EUR", None, "BNP", None]]
    with pytest.raises(InputError) as exc:
        load(book(tmp_path / "p.xlsx", lines, head=head))
    p = exc.value.problems[0]
    assert p.sheet == "Portefeuille" and p.row == 3 and words in p.message
    assert p.column.endswith(f"({column})") or column == "nature"
    assert p.value == value


def test_r623_file_dated_under_r139_is_refused_citing_date(tmp_path):
    head = ["libelle", "categorie", "valeur", "devise"]
    path = book(tmp_path / "p.xlsx", [["OAT", "1", 10, "EUR"]], head=head)
    with pytest.raises(InputError) as exc:
        load(path, as_of=dt.date(2025, 12, 31), as_of_source="cellule « Date d'arrêté »")
    text = str(exc.value)
    assert "--date" in text and "nature" in text and "31/12/2025" in text and "R. 139-1" in text


def test_missing_nature_column_is_exit_2(tmp_path):
    with pytest.raises(InputError, match="nature"):
        load(book(tmp_path / "p.xlsx", [["OAT", 10, "EUR"]], head=["libelle", "valeur", "devise"]))


def test_lookthrough_rescaled_to_the_line_value(tmp_path):
    pf = load(book(tmp_path / "p.xlsx", base_lines(), fund_holdings()))
    lt = pf.lookthrough
    assert len(lt) == 3
    assert int(lt["value"].sum()) == int(pf.lines["value"].iat[1]) == 50_000_010  # sums to V exactly
    k = Fraction(50_000_010, 100_100)
    assert all(x == k for x in lt["k"])
    assert lt["quantity_exact"].iat[0] == Fraction(10) * k
    assert lt["raw_value"].tolist() == [30_000, 70_000, 100]
    assert set(lt["via"]) == {"Fonds actions"} and set(lt["fund_line"]) == {1}
    assert lt["row"].tolist() == [2, 3, 4] and set(lt["sheet"]) == {"Transparence"}
    assert set(lt["valuation_date"]) == {D}
    assert pf.lines["looked_through"].tolist() == [False, True, False]
    assert pf.lines["lookthrough_date"].iat[1] == D


def test_money_market_inventory_is_accepted_and_not_used(tmp_path):
    holdings = fund_holdings() + [[MM_ISIN, D, "NEU CP BNP", "tcn", 100, "EUR", None, None]]
    pf = load(book(tmp_path / "p.xlsx", base_lines(), holdings))
    assert set(pf.lookthrough["fund_line"]) == {1}
    inv = pf.inventories.set_index("fund")
    assert not inv.loc[MM_ISIN, "used"] and inv.loc[FUND_ISIN, "used"]
    assert pf.lines["inventory"].iat[2] >= 0 and not pf.lines["looked_through"].iat[2]


def test_fund_matched_by_label_and_held_on_two_lines(tmp_path):
    lines = base_lines() + [["Fonds actions", "opcvm", "100,00", "EUR", None, "Amundi", None]]
    holdings = [[r[0] if False else "fonds ACTIONS", *r[1:]] for r in fund_holdings()]
    for r in lines:
        if r[0] == "Fonds actions":
            r[4] = None
    pf = load(book(tmp_path / "p.xlsx", lines, holdings))
    lt = pf.lookthrough
    assert sorted(set(lt["fund_line"])) == [1, 3]
    assert int(lt[lt.fund_line == 3]["value"].sum()) == 10_000
    assert int(lt[lt.fund_line == 1]["value"].sum()) == 50_000_010


def test_unknown_fund_is_exit_2(tmp_path):
    holdings = [["LU0000000000", D, "X", "action", 1, "EUR", None, None]]
    with pytest.raises(InputError) as exc:
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))
    p = exc.value.problems[0]
    assert "fonds inconnu" in p.message and p.sheet == "Transparence" and p.row == 2


def test_inventory_of_a_line_that_is_not_a_fund_is_exit_2(tmp_path):
    holdings = [["FR0010070060", D, "X", "action", 1, "EUR", None, None]]
    with pytest.raises(InputError, match="seul un fonds"):
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))


@pytest.mark.parametrize("values", [(0, 0, 0), (100, -50, -50), (-1, 0, 0)])
def test_holdings_summing_to_zero_or_less_are_exit_2(tmp_path, values):
    holdings = [[FUND_ISIN, D, "Swap", "contrat_financier", values[0], "EUR", None, None],
                [FUND_ISIN, D, "Swap 2", "contrat_financier", values[1], "EUR", None, None],
                [FUND_ISIN, D, "Découvert", "depot", values[2], "EUR", None, None]]
    with pytest.raises(InputError, match="doit être positive"):
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))


def test_two_inventories_of_one_fund_are_exit_2(tmp_path):
    holdings = fund_holdings() + [[FUND_ISIN, dt.date(2025, 9, 30), "Airbus", "action", 5, "EUR", None, None]]
    with pytest.raises(InputError, match="deux inventaires"):
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))


def test_negative_holding_only_for_contracts_and_liabilities(tmp_path):
    holdings = fund_holdings((300, 700, -1))  # an overdraft: allowed
    pf = load(book(tmp_path / "p.xlsx", base_lines(), holdings))
    assert int(pf.lookthrough["value"].sum()) == 50_000_010
    bad = fund_holdings((300, -700, 1))  # a share cannot be negative
    with pytest.raises(InputError, match="valeur négative"):
        load(book(tmp_path / "p.xlsx", base_lines(), bad))


def test_required_lookthrough_columns(tmp_path):
    holdings = [[FUND_ISIN, None, "TotalEnergies", "action", 300, "EUR", None, None]]
    with pytest.raises(InputError) as exc:
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))
    p = exc.value.problems[0]
    assert "case vide" in p.message and "date_valorisation" in p.column


@pytest.mark.parametrize("scale", [1, 3, 1000, 10 ** 9])
def test_rescaling_is_independent_of_the_inventory_scale(tmp_path, scale):
    """R. 139-17: holdings scaled by any factor give the same rescaled values."""
    ref = load(book(tmp_path / "a.xlsx", base_lines(), fund_holdings()))
    pf = load(book(tmp_path / "b.xlsx", base_lines(), fund_holdings(tuple(v * scale for v in (300, 700, 1)))))
    assert pf.lookthrough["value"].tolist() == ref.lookthrough["value"].tolist()
    assert pf.lookthrough["quantity_exact"].iat[0] * scale == ref.lookthrough["quantity_exact"].iat[0]


def test_apportion_sums_exactly_with_huge_values():
    import numpy as np

    v = np.array([10 ** 17, 3, 10 ** 17 - 7, 1], dtype=np.int64)
    q, k = apportion(v, 10 ** 17 + 11)
    assert int(sum(q.tolist())) == 10 ** 17 + 11 and k == Fraction(10 ** 17 + 11, 2 * 10 ** 17 - 3)
    q, _ = apportion(np.array([1, 1, 1]), 100)
    assert sorted(q.tolist()) == [33, 33, 34]


def test_inventory_age():
    as_of = dt.date(2025, 12, 31)
    assert inventory_age(None, as_of) == "missing"
    assert inventory_age(dt.date(2026, 1, 1), as_of) == "future"
    assert inventory_age(as_of - dt.timedelta(days=92), as_of) == "ok"
    assert inventory_age(as_of - dt.timedelta(days=93), as_of) == "stale"
    assert inventory_age(as_of - dt.timedelta(days=10), as_of, 5) == "stale"


def test_with_values_moves_holdings_pro_rata(tmp_path):
    pf = load(book(tmp_path / "p.xlsx", base_lines(), fund_holdings()))
    values = pf.lines["value"].to_numpy().copy()
    values[1] = 1_001_000  # 10 010,00 €
    moved = pf.with_values(values)
    assert moved.lookthrough["value"].tolist() == [300_000, 700_000, 1_000]
    assert pf.lookthrough["value"].sum() == 50_000_010  # the original is unchanged


def test_tri_states(tmp_path):
    head = HEAD + ["remboursable", "au_nom_organisme"]
    pf = load(book(tmp_path / "p.xlsx", [["Compte", "depot", 10, "EUR", None, "BNP", None, "oui", None],
                                         ["Compte 2", "depot", 10, "EUR", None, "BNP", None, "non", "x"]], head=head))
    assert pf.lines["withdrawable"].tolist() == [P.TRUE, P.FALSE]
    assert pf.lines["in_body_name"].tolist() == [P.FALSE, P.TRUE]  # a column of "x": empty reads as no


def test_items_put_lines_and_holdings_in_one_table(tmp_path):
    pf = load(book(tmp_path / "p.xlsx", base_lines(), fund_holdings()))
    items = pf.items()
    assert len(items) == 6 and items["holding"].tolist() == [False] * 3 + [True] * 3
    assert items["line"].tolist() == [0, 1, 2, 1, 1, 1]
    assert items["via_nature"].tolist()[3:] == ["opcvm"] * 3
    assert items["sheet"].tolist() == ["Portefeuille"] * 3 + ["Transparence"] * 3
    assert pf.inventory_dates() == {1: D}


# --- TPT files ------------------------------------------------------------------------------------

TPT_HEAD = ["1_Portfolio identifying data", "3_Portfolio name", "4_Portfolio currency (B)",
            "5_Net asset valuation of the portfolio or the share class in portfolio currency", "6_Valuation date",
            "12_CIC code of the instrument", "14_Identification code of the financial instrument",
            "15_Type of identification code for the instrument", "17_Instrument name", "18_Quantity",
            "19_Nominal amount", "21_Quotation currency (A)", "24_Market valuation in portfolio currency  (B)",
            "25_Clean market valuation in portfolio currency (B)",
            "28_Market exposure amount in portfolio currency (B)", "39_Maturity date", "46_Issuer name",
            "47_Issuer identification code", "48_Type of identification code for issuer",
            "50_Identification of the group", "52_Issuer country",
            "71_Quotation currency of the underlying asset ( C )"]


def tpt_rows(fund=FUND_ISIN, date="2025-12-15"):
    return [
        [fund, "Fonds actions", "EUR", 1006, date, "FR31", "FR0000120271", 1, "TotalEnergies", 10, None, "EUR", 300,
         300, 300, None, "TotalEnergies SE", "529900S21EQ1BO4ESM68", 1, "529900S21EQ1BO4ESM68", "FR", None],
        [fund, "Fonds actions", "EUR", 1006, date, "FR11", "FR0010070060", 1, "OAT 2055", None, 500, "EUR", 505, 500,
         505, "2055-04-25", "République française", None, 9, None, "FR", None],
        [fund, "Fonds actions", "EUR", 1006, date, "XT72", None, None, "Cash", None, None, "EUR", 1, 1, None, None,
         "CACEIS", None, None, None, "FR", None],
        [fund, "Fonds actions", "EUR", 1006, date, "XTE2", "FWD1", 99, "Change à terme USD", None, None, "EUR", 200,
         200, -100, "2026-03-20", "BNP Paribas", "R0MUWSFPU8MPRO8K5P83", 1, None, "FR", "USD"],
    ]


def write_tpt(path, rows, head=TPT_HEAD, sep=None):
    if str(path).endswith(".csv"):
        import csv

        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=sep or ";")
            w.writerow(head)
            w.writerows([["" if v is None else v for v in r] for r in rows])
        return path
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TPT V6"
    ws.append(["FinDatEx Tripartite Template V6"])
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("name", ["tpt.xlsx", "tpt.csv"])
def test_tpt_file_mapped_and_rescaled(tmp_path, name):
    tpt = write_tpt(tmp_path / name, tpt_rows())
    pf = load(book(tmp_path / "p.xlsx", base_lines()), transparence=[tpt])
    lt = pf.lookthrough
    assert int(lt["value"].sum()) == 50_000_010
    assert lt["nature"].astype(str).tolist() == ["action", "titre_etat", "depot", "contrat_financier"]
    assert lt["isin"].tolist()[:2] == ["FR0000120271", "FR0010070060"]
    assert pd.isna(lt["isin"].iat[3])  # 15 = 99: not an ISIN
    assert lt["raw_value"].tolist() == [30_000, 50_500, 100, 20_000]  # field 24: clean value + accrued interest
    k = Fraction(50_000_010, 100_600)
    assert lt["k"].iat[0] == k
    assert int(lt["accrued_interest"].iat[1]) == round(500 * k)
    assert lt["issuer_kind"].astype(object).iat[1] == "etat"
    assert lt["listing"].astype(object).tolist()[2:] == ["aucune", "aucune"]  # XT: not exchange-tradable
    assert lt["contract_type"].astype(object).iat[3] == "terme"
    assert lt["exposure_currency"].iat[3] == "USD" and int(lt["exposure"].iat[3]) == round(-10_000 * k)
    assert lt["counterparty"].iat[3] == "R0MUWSFPU8MPRO8K5P83"
    assert lt["lei"].iat[0] == "529900S21EQ1BO4ESM68" and lt["group"].iat[0] == "529900S21EQ1BO4ESM68"
    assert lt["maturity"].iat[1] == dt.date(2055, 4, 25)
    assert lt["quantity"].iat[1] == pytest.approx(500 * float(k))  # 19_Nominal amount for debt
    assert lt["row"].tolist() == ([3, 4, 5, 6] if name.endswith("xlsx") else [2, 3, 4, 5])
    inv = pf.inventories.iloc[0]
    assert inv["kind"] == "TPT" and inv["valuation_date"] == D and inv["nav"] == 100_600


def test_tpt_headers_by_number_prefix_and_variants(tmp_path):
    head = [h.replace("_", " - ", 1) for h in TPT_HEAD]
    head[5] = "12.CIC code"
    tpt = write_tpt(tmp_path / "tpt.xlsx", tpt_rows(), head=head)
    pf = load(book(tmp_path / "p.xlsx", base_lines()), transparence=[tpt])
    assert len(pf.lookthrough) == 4


def test_tpt_our_columns_override(tmp_path):
    head = TPT_HEAD + ["cotation", "quantite_emise"]
    rows = [r + ["eee", 1_000_000] for r in tpt_rows()]
    pf = load(book(tmp_path / "p.xlsx", base_lines()), transparence=[write_tpt(tmp_path / "t.xlsx", rows, head)])
    assert set(pf.lookthrough["listing"].astype(str)) == {"eee"}
    assert pf.lookthrough["quantity_issued"].iat[0] == 1_000_000


def test_tpt_bad_cic_is_exit_2(tmp_path):
    rows = tpt_rows()
    rows[0][5] = "FR3"
    with pytest.raises(InputError) as exc:
        load(book(tmp_path / "p.xlsx", base_lines()), transparence=[write_tpt(tmp_path / "t.xlsx", rows)])
    p = exc.value.problems[0]
    assert "CIC" in p.message and p.sheet == "TPT V6" and p.row == 3 and p.value == "FR3"


def test_tpt_and_sheet_for_one_fund_are_two_inventories(tmp_path):
    tpt = write_tpt(tmp_path / "t.xlsx", tpt_rows())
    with pytest.raises(InputError, match="deux inventaires"):
        load(book(tmp_path / "p.xlsx", base_lines(), fund_holdings()), transparence=[tpt])
    with pytest.raises(InputError, match="deux inventaires"):
        load(book(tmp_path / "p.xlsx", base_lines()), transparence=[tpt, tpt])


def test_tpt_unknown_fund_and_missing_fields(tmp_path):
    with pytest.raises(InputError, match="fonds inconnu"):
        load(book(tmp_path / "p.xlsx", base_lines()),
             transparence=[write_tpt(tmp_path / "t.xlsx", tpt_rows(fund="LU0000000000"))])
    head = [h for h in TPT_HEAD if not h.startswith("6_")]
    rows = [r[:4] + r[5:] for r in tpt_rows()]
    with pytest.raises(InputError, match="6_Valuation date"):
        load(book(tmp_path / "p.xlsx", base_lines()), transparence=[write_tpt(tmp_path / "t2.xlsx", rows, head)])
    (tmp_path / "x.csv").write_text("a;b\n1;2\n")
    with pytest.raises(InputError, match="pas un fichier TPT"):
        load(book(tmp_path / "p.xlsx", base_lines()), transparence=[tmp_path / "x.csv"])


def test_titres_sheet_and_same_isin_fill_what_is_empty(tmp_path):
    path = book(tmp_path / "p.xlsx", base_lines() + [["TotalEnergies", "action", 5000, "EUR", "FR0000120271",
                                                      "TotalEnergies SE", None]], fund_holdings())
    wb = openpyxl.load_workbook(path)
    t = wb.create_sheet("Titres")
    t.append(["isin", "cotation", "type_emetteur", "quantite_emise", "capital_ou_creance"])
    t.append(["FR0000121014", "eee", "autre", 500_000_000, None])
    t.append(["FR0010070060", "eee", None, 10 ** 10, None])
    wb.save(path)
    ws = wb["Portefeuille"]
    ws.cell(row=2, column=8, value="quantite_emise")
    ws.cell(row=6, column=8, value=2_400_000_000)
    wb.save(path)
    pf = load(path)
    lt = pf.lookthrough.set_index("label")
    assert lt.loc["LVMH", "listing"] == "eee" and lt.loc["LVMH", "issuer_kind"] == "autre"
    assert lt.loc["LVMH", "quantity_issued"] == 500_000_000
    assert lt.loc["TotalEnergies", "quantity_issued"] == 2_400_000_000  # from the line with the same ISIN
    assert pd.isna(lt.loc["TotalEnergies", "listing"])
    lines = pf.lines.set_index("label")
    assert lines.loc["OAT 2030", "quantity_issued"] == 10 ** 10 and lines.loc["OAT 2030", "listing"] == "eee"
    assert pd.isna(lines.loc["OAT 2030", "issuer_kind"]) or lines.loc["OAT 2030", "issuer_kind"] != "autre"


def test_titres_sheet_two_rows_for_one_isin_is_exit_2(tmp_path):
    path = book(tmp_path / "p.xlsx", base_lines())
    wb = openpyxl.load_workbook(path)
    t = wb.create_sheet("Titres")
    t.append(["isin", "quantite_emise"])
    t.append(["FR0010070060", 1])
    t.append(["FR0010070060", 2])
    wb.save(path)
    with pytest.raises(InputError) as exc:
        load(path)
    assert exc.value.problems[0].sheet == "Titres" and exc.value.problems[0].row == 3


# --- properties of the rescaling (R. 139-17, last paragraph) ------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10 ** 9, 10 ** 12), min_size=1, max_size=40), st.integers(0, 10 ** 16),
       st.integers(1, 10 ** 4))
def test_rescaled_values_sum_to_the_line_and_ignore_the_inventory_scale(values, total, factor):
    import numpy as np

    if sum(values) <= max(map(abs, values)):  # holdings that nearly cancel out are refused before (see below)
        values = values + [max(map(abs, values)) - sum(values) + 1]
    v = np.array(values, dtype=np.int64)
    q, k = apportion(v, total)
    assert int(sum(q.tolist())) == total  # exactly the line's value
    assert all(abs(Fraction(int(x)) - Fraction(int(y)) * k) < 1 for x, y in zip(q, v))  # each within a cent
    q2, k2 = apportion(v * factor, total)
    assert k2 * factor == k and q2.tolist() == q.tolist()  # the same cents whatever the inventory's scale


def test_holdings_that_nearly_cancel_out_are_exit_2(tmp_path):
    holdings = [[FUND_ISIN, D, "Swap", "contrat_financier", "-1 000 000 000 000", "EUR", None, None],
                [FUND_ISIN, D, "Obligation", "obligation", "1 000 000 000 000,01", "EUR", None, None]]
    with pytest.raises(InputError, match="se compensent presque"):
        load(book(tmp_path / "p.xlsx", base_lines(), holdings))


def test_tpt_without_the_quotation_currency_is_exit_2(tmp_path):
    i = TPT_HEAD.index("21_Quotation currency (A)")
    head = TPT_HEAD[:i] + TPT_HEAD[i + 1:]
    rows = [r[:i] + r[i + 1:] for r in tpt_rows()]
    with pytest.raises(InputError, match="21_Quotation currency"):
        load(book(tmp_path / "p.xlsx", base_lines()), transparence=[write_tpt(tmp_path / "t.xlsx", rows, head)])
