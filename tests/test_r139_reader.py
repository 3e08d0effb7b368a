"""Reading an R. 139 portfolio (SPEC-R139 §1, §2): the columns, the `Transparence` sheet, the rescaling of
R. 139-17's last paragraph, and bad look-through input (exit 2)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import openpyxl
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
