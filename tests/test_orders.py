"""Pre-investment check (READING 13): orders on a portfolio, their effect, the exit codes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from helpers import B, ballast, frame, limit, line, portfolio, run_main
from reserves.portfolio.errors import InputError
from constraints.rules import BREACH
from reserves.pretrade.orders import check_orders, load_orders, orders_from_records

DATE = "2016-12-31"

ISIN_TOTAL = "FR0000120271"
ISIN_AIR_LIQUIDE = "FR0000120073"


def passive_breach_lines():
    """1 000 000,00 €: 21 % of real estate (a passive breach of the 20 % cap), the rest compliant."""
    return [
        ballast(700_000, label="OAT 2030"),
        *[line(9, 42_000, label=f"Immeuble {k}", immeuble=f"IMM-{k}") for k in range(5)],
        line(2, 30_000, label="Obligation Total", emetteur="TotalEnergies SE", isin=ISIN_TOTAL),
        line(2, 30_000, label="Obligation Air Liquide", emetteur="Air Liquide SA", isin=ISIN_AIR_LIQUIDE),
        line(2, 30_000, label="Obligation Orange", emetteur="Orange SA"),
    ]


def compliant_lines():
    return [
        ballast(800_000, label="OAT 2030"),
        line(2, 40_000, label="Obligation Total", emetteur="TotalEnergies SE", isin=ISIN_TOTAL),
        line(2, 40_000, label="Obligation Air Liquide", emetteur="Air Liquide SA", isin=ISIN_AIR_LIQUIDE),
        line(9, 40_000, label="Immeuble Lyon", immeuble="IMM-LYON"),
        line(7, 40_000, label="Actions Orange", emetteur="Orange SA"),
        line(13, 40_000, label="Dépôt Banque Postale"),
    ]


def run(pf, *orders, warning=0.9):
    import datetime as dt

    return check_orders(pf, orders_from_records(list(orders)), date=dt.date(2016, 12, 31), warning=warning)


def write_csv(path, lines):
    frame(*lines).to_csv(path, sep=";", index=False)
    return path


# --------------------------------------------------------------------------- matching


def test_buy_by_isin_changes_the_holding():
    pf = portfolio(*compliant_lines())
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": "1 000,00"})
    o = ov.orders[0]
    assert (o.match, o.label, o.amount) == ("isin", "Obligation Total", 100_000)
    after = ov.portfolio_after.lines
    assert len(after) == len(pf.lines)
    assert int(after.loc[after["isin"] == ISIN_TOTAL, "value"].iloc[0]) == 4_100_000
    assert ov.verdict_after.total == pf.lines["value"].sum() + 100_000
    assert ov.passes and ov.exit_code == 0


def test_sell_by_label_when_the_order_has_no_isin():
    pf = portfolio(*compliant_lines())
    ov = run(pf, {"libelle": "actions orange", "montant": "-10 000,00"})
    assert ov.orders[0].match == "libelle"
    after = ov.portfolio_after.lines
    assert int(after.loc[after["label"] == "Actions Orange", "value"].iloc[0]) == 3_000_000
    assert ov.exit_code == 0


def test_an_unknown_line_is_a_new_line_at_the_end():
    pf = portfolio(*compliant_lines())
    new = line(7, 20_000, label="Actions Danone", emetteur="Danone SA")
    new["montant"] = new.pop("valeur")
    ov = run(pf, new)
    o = ov.orders[0]
    after = ov.portfolio_after.lines
    assert o.match == "nouvelle" and len(after) == len(pf.lines) + 1
    assert after["label"].iloc[-1] == "Actions Danone" and int(after["value"].iloc[-1]) == 2_000_000
    assert o.line_row == int(pf.lines["row"].max()) + 1 == int(after["row"].iloc[-1])
    assert ov.exit_code == 0


def test_selling_a_whole_line_removes_it():
    pf = portfolio(*compliant_lines())
    ov = run(pf, {"libelle": "Immeuble Lyon", "montant": "-40 000"})
    assert "Immeuble Lyon" not in set(ov.portfolio_after.lines["label"])
    assert ov.verdict_after.result("R623-10-1/immeuble-max5").status == "not_applicable"


def test_selling_more_than_is_held_is_bad_input():
    pf = portfolio(*compliant_lines())
    with pytest.raises(InputError) as err:
        run(pf, {"isin": ISIN_TOTAL, "montant": "-40 000,01"})
    p = err.value.problems[0]
    assert p.row == 2 and "montant" in p.column and "supérieure à la valeur détenue" in p.message
    assert "40\u202f000,00\u202f€" in p.message


def test_selling_a_line_not_held_is_bad_input():
    pf = portfolio(*compliant_lines())
    with pytest.raises(InputError) as err:
        run(pf, {"libelle": "Obligation inconnue", "montant": -100})
    assert "absente du portefeuille" in err.value.problems[0].message


def test_a_new_line_needs_its_category():
    pf = portfolio(*compliant_lines())
    with pytest.raises(InputError) as err:
        run(pf, {"libelle": "Actions Danone", "montant": 100})
    assert "categorie" in err.value.problems[0].message


def test_a_zero_amount_and_a_bad_isin_are_reported_with_their_rows():
    with pytest.raises(InputError) as err:
        orders_from_records([{"isin": ISIN_TOTAL, "montant": 0}, {"isin": "FR0000120272", "montant": 5}])
    by_row = {p.row: p.message for p in err.value.problems}
    assert "montant nul" in by_row[2] and "ISIN invalide" in by_row[3]


def test_two_orders_on_one_holding_add_up_and_may_sell_what_the_first_bought():
    pf = portfolio(*compliant_lines())
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": 10_000}, {"isin": ISIN_TOTAL, "montant": -50_000})
    assert ISIN_TOTAL not in set(ov.portfolio_after.lines["isin"].dropna())


# --------------------------------------------------------------------------- effects (READING 13)


def test_a_neutral_order_passes_despite_a_passive_breach():
    pf = portfolio(*passive_breach_lines())
    ov = run(pf, {"libelle": "OAT 2030", "montant": 10_000})
    assert ov.status_before == "breach" and ov.verdict_after.status == "breach"
    assert ov.orders[0].effect == "neutre" and ov.passes and ov.exit_code == 0


def test_an_order_that_shrinks_the_base_worsens_the_passive_breach():
    pf = portfolio(*passive_breach_lines())
    ov = run(pf, {"libelle": "OAT 2030", "montant": -100_000})
    assert ov.effect == "aggrave" and not ov.passes and ov.exit_code == 1
    (c,) = [c for c in ov.overall.changes if c.rule == "R623-10-1/immobilier-max20"]
    assert c.before == c.after == "breach" and c.excess_after > c.excess_before
    assert c.excess_before == 210_000 * 100 - B * limit("R623-10-1/immobilier-max20")


def test_an_order_that_crosses_the_issuer_cap_creates_a_breach():
    pf = portfolio(*passive_breach_lines())
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": 25_000})
    assert ov.effect == "cree" and ov.exit_code == 1
    (c,) = ov.orders[0].changes
    assert (c.rule, c.subject, c.before, c.after) == ("R623-10-1/emetteur-max5", "TotalEnergies SE", "ok", "breach")


def test_an_order_just_below_the_cap_passes_with_a_warning():
    pf = portfolio(*compliant_lines())
    # Total: 40 000 + 10 000 = 50 000 of 1 010 000: 4,95 %, above 90 % of the 5 % cap
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": 10_000})
    assert ov.passes and ov.exit_code == 0 and ov.effect == "neutre"
    (w,) = ov.orders[0].warnings
    assert w.rule == "R623-10-1/emetteur-max5" and w.subject == "TotalEnergies SE"
    assert float(w.level) == pytest.approx(float(limit("R623-10-1/emetteur-max5")) * 0.9)
    # with the warning level at 99 % of the cap, no warning
    assert run(pf, {"isin": ISIN_TOTAL, "montant": 10_000}, warning=0.995).orders[0].warnings == []


def test_the_exact_limit_passes():
    pf = portfolio(*compliant_lines())  # base 1 000 000,00 €
    # Total 40 000 + x ≤ 5 % of (1 000 000 + x): x ≤ 10 526,315… €
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": "10 526,31"})
    assert ov.effect == "neutre", [c.message for c in ov.overall.changes]
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": "10 526,32"})
    assert ov.effect == "cree"


def test_quantities_bought_count_toward_the_holding_cap():
    pf = portfolio(*compliant_lines())  # Total: 1 of 1 000 000 000 issued
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": 100, "quantite": 99_999_999})
    assert ov.effect == "neutre"  # (1 + 99 999 999) / 1 000 000 000: exactly 10 %, inclusive
    assert ov.orders[0].warnings[0].rule == "R623-10-1/detention-max10"
    ov = run(pf, {"isin": ISIN_TOTAL, "montant": 100, "quantite": 100_000_000})
    (c,) = ov.orders[0].changes
    assert (c.rule, c.effect) == ("R623-10-1/detention-max10", "cree")
    with pytest.raises(InputError) as err:
        run(pf, {"isin": ISIN_TOTAL, "montant": -100, "quantite": 2})
    assert "quantité vendue" in err.value.problems[0].message


def test_without_a_quantity_the_holding_grows_pro_rata_rounded_up():
    pf = portfolio(*compliant_lines())
    after = run(pf, {"isin": ISIN_TOTAL, "montant": "20 000"}).portfolio_after.lines
    assert after.loc[after["isin"] == ISIN_TOTAL, "quantity_exact"].iloc[0] == Decimal("1.5")
    # 1 held for 40 000,00 €, 40 000,01 € after: 1,00000025 rounded up to the millionth
    after = run(pf, {"isin": ISIN_TOTAL, "montant": "0,01"}).portfolio_after.lines
    assert after.loc[after["isin"] == ISIN_TOTAL, "quantity_exact"].iloc[0] == Decimal("1.000001")


def test_buying_an_ineligible_asset_creates_a_breach():
    pf = portfolio(*compliant_lines())
    new = line("AUTRE", 1_000, label="Tableau de maître")
    new["montant"] = new.pop("valeur")
    ov = run(pf, new)
    assert ov.effect == "cree"
    assert {c.rule for c in ov.orders[0].changes} == {"R623-3/eligibilite"}


def test_buying_a_line_with_missing_data_is_unknown():
    pf = portfolio(*compliant_lines())
    new = line(7, 1_000, label="Actions Danone", emetteur="Danone SA", conservation=None)
    new["montant"] = new.pop("valeur")
    ov = run(pf, new)
    assert ov.effect == "inconnu" and ov.status == "a_verifier" and ov.exit_code == 3
    assert "R623-3/conservation" in {c.rule for c in ov.overall.changes}


def test_selling_an_ineligible_line_is_neutral_and_resolves_it():
    pf = portfolio(*compliant_lines(), line("AUTRE", 10_000, label="Tableau de maître"))
    ov = run(pf, {"libelle": "Tableau de maître", "montant": -10_000})
    assert ov.status_before == "breach" and ov.verdict_after.status == "ok" and ov.exit_code == 0


def test_the_set_is_judged_as_a_whole():
    """A swap: the sale alone worsens the real-estate breach, the set does not."""
    pf = portfolio(*passive_breach_lines())
    ov = run(pf, {"libelle": "OAT 2030", "montant": -50_000}, {"libelle": "Immeuble 0", "montant": -42_000})
    assert ov.orders[0].effect == "aggrave"
    assert ov.orders[1].effect == "neutre"
    assert ov.effect == "neutre" and ov.exit_code == 0


def test_to_dict_is_the_verdict_after_plus_the_orders():
    pf = portfolio(*passive_breach_lines())
    doc = run(pf, {"isin": ISIN_TOTAL, "montant": 25_000}).to_dict()
    assert doc["status"] == "breach" and len(doc["rules"]) == 19
    assert doc["orders_check"]["status"] == "refuse" and doc["orders_check"]["exit_code"] == 1
    (o,) = doc["orders"]
    assert o["effect"] == "cree" and o["montant"] == 25_000.0 and o["rules"] == ["R623-10-1/emetteur-max5"]
    json.dumps(doc, allow_nan=False)


def test_public_names_are_exported_lazily():
    import reserves

    assert reserves.check_orders is check_orders and reserves.load_orders is load_orders
    from reserves import Engine  # noqa: F401


# --------------------------------------------------------------------------- files and command line


def test_orders_file_with_title_rows_and_french_amounts(tmp_path):
    p = tmp_path / "ordres.csv"
    p.write_text("Ordres du 31/12/2016\n\nlibelle;isin;montant (€)\n;FR0000120271;1 000,50\nOAT 2030;;-2 000\n",
                 encoding="utf-8")
    orders = load_orders(p)
    assert [(o.row, o.isin, o.label, o.amount) for o in orders] == [
        (4, ISIN_TOTAL, None, 100_050), (5, None, "OAT 2030", -200_000)]
    assert len(orders.sha256) == 64


def test_orders_file_without_amount_column_is_bad_input(tmp_path):
    p = tmp_path / "ordres.csv"
    p.write_text("libelle;valeur\nOAT;100\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_orders(p)
    assert "montant" in str(err.value)


def test_cli_exit_codes(tmp_path):
    pf = write_csv(tmp_path / "pf.csv", passive_breach_lines())
    neutral = tmp_path / "neutre.csv"
    neutral.write_text("libelle;montant\nOAT 2030;10 000\n", encoding="utf-8")
    worse = tmp_path / "pire.csv"
    worse.write_text("libelle;montant\nOAT 2030;-100 000\n", encoding="utf-8")
    oversell = tmp_path / "trop.csv"
    oversell.write_text("libelle;montant\nOAT 2030;-700 000,01\n", encoding="utf-8")

    code, out, err = run_main(["check", str(pf), "--date", DATE])
    assert code == 1  # the passive breach
    code, out, err = run_main(["check", str(pf), "--ordres", str(neutral), "--date", DATE, "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"] == "breach" and doc["orders_check"]["status"] == "accepte"
    code, out, err = run_main(["check", str(pf), "--ordres", str(worse), "--date", DATE])
    assert code == 1 and "REFUSÉ" in out
    code, out, err = run_main(["check", str(pf), "--ordres", str(oversell), "--date", DATE])
    assert code == 2
    assert "ligne 2" in err and "montant" in err and "-700 000,01" in err and "Traceback" not in err
    code, out, err = run_main(["check", str(pf), "--ordres", str(neutral), "--alerte", "abc"])
    assert code == 2 and "seuil d'alerte" in err


def test_the_users_files_are_not_modified(tmp_path):
    pf = write_csv(tmp_path / "pf.csv", compliant_lines())
    orders = tmp_path / "ordres.csv"
    orders.write_text("isin;montant\nFR0000120271;5 000\n", encoding="utf-8")
    before = (pf.read_bytes(), orders.read_bytes())
    code, _, err = run_main(["check", str(pf), "--ordres", str(orders), "--date", DATE])
    assert code == 0, err
    assert (pf.read_bytes(), orders.read_bytes()) == before


# --------------------------------------------------------------------------- the portfolio after the orders


def test_a_partial_sale_splits_between_value_and_accrued_interest_pro_rata(tmp_path):
    """Selling 90 % of a bond worth 10 000 € with 2 000 € of accrued interest sells 90 % of each: the portfolio
    after the orders keeps 800 € of market value and 200 € of coupon, never a negative market value."""
    from reserves.portfolio.model import load
    from reserves.portfolio.writer import write_portfolio

    pf = portfolio(*compliant_lines(), line(2, "8 000,00", label="Obligation courue", emetteur="Orange SA",
                                             coupon_couru="2 000,00"))
    ov = run(pf, {"libelle": "Obligation courue", "montant": "-9 000,00"})
    after = ov.portfolio_after.lines
    row = after[after["label"] == "Obligation courue"].iloc[0]
    assert (int(row["value"]), int(row["market_value"]), int(row["accrued_interest"])) == (100_000, 80_000, 20_000)
    path = tmp_path / "apres.xlsx"
    write_portfolio(ov.portfolio_after, path)
    again = load(path).lines  # the portfolio after the orders is valid input
    assert int(again.loc[again["label"] == "Obligation courue", "value"].iloc[0]) == 100_000


def test_one_security_on_two_lines_without_isin_counts_its_issue_once_after_a_sale():
    """READING 7: lines of one issuer and class with one quantity issued are one issue, counted once."""
    lines = compliant_lines() + [
        line(7, "6 000,00", label="Actions Renault (compte A)", emetteur="Renault SA", quantite=60,
             quantite_emise=1000, isin=None),
        line(7, "6 000,00", label="Actions Renault (compte B)", emetteur="Renault SA", quantite=60,
             quantite_emise=1000, isin=None)]
    pf = portfolio(*lines)
    ov = run(pf, {"libelle": "Actions Renault (compte B)", "montant": "-1 000,00"})  # 50 left, pro rata
    res = ov.verdict_after.result("R623-10-1/detention-max10")
    assert res.status == BREACH and res.value == pytest.approx(110 / 1000)  # not 110 / 2000
    ov = run(pf, {"libelle": "Actions Renault (compte B)", "montant": "-6 000,00"})
    assert ov.verdict_after.result("R623-10-1/detention-max10").status == "ok"  # 60 / 1000


def test_a_few_orders_are_read_as_a_long_list_reads_them():
    """Up to `FEW_ORDERS` orders, cells are parsed one by one, not by a pass over each column: the same orders, the
    same bad cells reported in the same order (each bad value once, with its rows), as the column pass gives."""
    from reserves.pretrade.orders import FEW_ORDERS

    few = [{"isin": "FR0000120271", "libelle": "Total", "montant": "1 000,50", "quantite": "10"},
           {"isin": "XX123", "libelle": "Mauvais", "montant": "douze"},
           {"isin": None, "libelle": "  ", "montant": True},
           {"isin": "XX123", "libelle": "Mauvais encore", "montant": "douze", "quantite": -3},
           {"libelle": "Nouvelle", "montant": 2.5, "categorie": "2", "devise": "eur", "poche": "gestion"},
           {"libelle": "Vide", "montant": float("nan")},
           {"isin": "FR0000120271", "montant": -1, "quantite": 1.5}]
    padding = [{"libelle": f"Ligne {k}", "montant": 100 + k} for k in range(FEW_ORDERS)]

    def problems(records):
        with pytest.raises(InputError) as err:
            orders_from_records(records)
        return [p.to_dict() for p in err.value.problems]

    assert len(few) <= FEW_ORDERS < len(few) + len(padding)
    assert problems(few) == problems(few + padding)
    good = [few[0], few[4], few[6]]

    def fields(orders):
        return [(o.row, o.label, o.isin, o.amount, o.quantity, o.pocket, o.category, o.currency, o.amount_text)
                for o in orders.items]
    assert fields(orders_from_records(good)) == fields(orders_from_records(good + padding))[:len(good)]
