"""The pre-trade check of orders on an R. 139 portfolio (`reserves check FICHIER --ordres ORDRES`).

The verdict after the orders must be the R. 139 checker's on the portfolio with the orders applied. The property
test writes that portfolio as a file of its own (lines changed, sold or added; a fund's inventory as it was,
rescaled by the reader to its line's new value) and compares its full check with the engine's answer, over
random order sets on lines held directly and through funds, in two régimes.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r139 import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATE = dt.date(2025, 12, 31)
INVENTORY_DATE = dt.date(2025, 11, 30)


def ln(nature, euros, label, regime, **cols):
    row = {"libelle": label, "nature": nature, "valeur": euros, "devise": "EUR", "regime": regime}
    row.update(DEFAULTS.get(nature, {}))
    row.update(cols)
    return row


# A body of two régimes: lines held directly, a UCITS held in both régimes, a dedicated fund.
LINES = [
    ln("titre_etat", 30_000_000, "OAT 2030", "base"),
    ln("action", 4_000_000, "Actions Alpha", "base", emetteur="Alpha", groupe="ALPHA"),
    ln("action", 3_000_000, "Actions Beta", "base", emetteur="Beta", groupe="BETA"),
    ln("obligation", 4_500_000, "Obligation Gamma", "base", emetteur="Gamma", groupe="GAMMA"),
    ln("opcvm", 8_000_000, "OPCVM Actions Europe", "base"),
    ln("organisme_dedie", 6_000_000, "Dédié Taux", "base"),
    ln("depot", 2_000_000, "Compte à terme", "base"),
    ln("droit_immobilier", 9_000_000, "Immeuble Rivoli", "base"),
    ln("titre_etat", 20_000_000, "OAT 2035", "complementaire"),
    ln("action", 1_000_000, "Actions Alpha", "complementaire", emetteur="Alpha", groupe="ALPHA"),
    ln("opcvm", 3_000_000, "OPCVM Actions Europe", "complementaire"),
]
FUNDS = {
    "OPCVM Actions Europe": [ln("action", 600_000, "Alpha (fonds)", None, emetteur="Alpha", groupe="ALPHA"),
                             ln("action", 300_000, "Delta", None, emetteur="Delta", groupe="DELTA"),
                             ln("obligation", 100_000, "Oblig Epsilon", None, emetteur="Epsilon", groupe="EPS")],
    "Dédié Taux": [ln("titre_etat", 700_000, "Bund", None, emetteur="Allemagne", pays="DE"),
                   ln("action", 300_000, "Zeta", None, emetteur="Zeta", groupe="ZETA")],
}


def write(path: Path, lines: list, funds: dict) -> Path:
    """The portfolio file: `Portefeuille` (every line) and `Transparence` (each fund's inventory as sent)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    heads = list(dict.fromkeys(h for r in lines for h in r))
    ws.append(heads)
    for r in lines:
        ws.append([_cell(r.get(h)) for h in heads])
    held = {r["libelle"] for r in lines}
    rows = [dict(fonds=f, date_valorisation=INVENTORY_DATE.strftime("%d/%m/%Y"), **{k: v for k, v in h.items()
                                                                                   if k != "regime"})
            for f, hs in funds.items() if f in held for h in hs]
    if rows:
        t = wb.create_sheet("Transparence")
        th = list(dict.fromkeys(h for r in rows for h in r))
        t.append(th)
        for r in rows:
            t.append([_cell(r.get(h)) for h in th])
    wb.save(path)
    return path


def _cell(v):
    if isinstance(v, (Fraction, Decimal)):
        return float(v)
    return v


def write_orders(path: Path, orders: list) -> Path:
    heads = list(dict.fromkeys(h for o in orders for h in o))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(";".join(heads) + "\n")
        for o in orders:
            fh.write(";".join("" if o.get(h) is None else str(o[h]).replace(".", ",") for h in heads) + "\n")
    return path


def load(path):
    from reserves.portfolio.model139 import load as load139

    return load139(str(path), as_of=DATE)


def full_check(path):
    from constraints import rulebook
    from constraints.r139.checker import check
    from constraints.r139.inputs import from_portfolio

    pf = load(path)
    return check(from_portfolio(pf, str(path)), rulebook.for_date(DATE), as_of=DATE), pf


def summary(v, pf) -> dict:
    """The verdict, its rows named by their lines (the engine keeps the rows of the file it read; a file written
    after the orders numbers its rows again)."""
    d = v.to_dict()
    name = {int(r): (lab, reg) for r, lab, reg in zip(pf.lines["row"], pf.lines["label"], pf.lines["regime"])}
    orders_only = "R139-48/immobilier-achats"  # a rule on purchases: judged with orders only (tested below)
    rules = {r["id"]: (r["status"], r["value"], r["euros"]) for r in d["rules"] if r["id"] != orders_only}
    finds = sorted((f["rule"], f.get("regime") or "", f["subject"], f["status"], f.get("amount"), f["euros"],
                    tuple(sorted(name[r] for r in f["rows"]))) for f in d["findings"] if f["rule"] != orders_only)
    if any(f["rule"] == orders_only for f in d["findings"]):
        d["status"] = "(achats)"
    return {"status": d["status"], "base": d["base"], "total": d["total"], "rules": rules, "findings": finds,
            "warnings": d["warnings"], "lookthrough": d["lookthrough_lines"]}


def applied(lines: list, orders: list) -> list:
    """The lines once the orders are made, written independently of the engine: value moved by the amount,
    quantity pro rata; a line sold entirely left out; a new line at the end."""
    out = [dict(r) for r in lines]
    for o in orders:
        hit = [r for r in out if r["libelle"] == o["libelle"] and r["regime"] == o["regime"]]
        if hit:
            r = hit[0]
            old = Fraction(str(r["valeur"]))
            new = old + Fraction(str(o["montant"]))
            if "quantite" in r and old:
                r["quantite"] = Fraction(str(r["quantite"])) * new / old
            r["valeur"] = new
            if new == 0:
                out.remove(r)
        else:  # the order's columns, nothing more
            out.append({"libelle": o["libelle"], "nature": o["nature"], "valeur": o["montant"], "devise": o["devise"],
                        "regime": o["regime"], **{k: v for k, v in o.items() if k not in (
                            "libelle", "nature", "montant", "regime", "devise")}})
    for r in out:
        if isinstance(r["valeur"], Fraction):
            assert r["valeur"].denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100)
            r["valeur"] = Decimal(r["valeur"].numerator) / Decimal(r["valeur"].denominator)
    return out


@st.composite
def order_sets(draw):
    n = draw(st.integers(1, 4))
    idx = draw(st.lists(st.integers(0, len(LINES) - 1), min_size=n, max_size=n, unique=True))
    orders = []
    for i in idx:
        r = LINES[i]
        v = r["valeur"]
        sell_all = draw(st.booleans()) and draw(st.booleans())
        if sell_all:
            amount = -v
        else:
            pct = draw(st.integers(-99, 80).filter(lambda x: x != 0))
            amount = v * pct // 100
        orders.append({"libelle": r["libelle"], "regime": r["regime"], "montant": amount, "nature": r["nature"],
                       "devise": "EUR"})
    if draw(st.booleans()):
        nature = draw(st.sampled_from(["action", "obligation", "droit_immobilier", "opcvm"]))
        amount = draw(st.integers(1, 60)) * 100_000
        extra = dict(DEFAULTS[nature])
        if nature in ("action", "obligation"):
            extra.update(emetteur="Nouvel émetteur", groupe="NOUVEAU")
        if nature == "droit_immobilier":
            extra.update(immeuble="IMM-NEUF")
        if draw(st.booleans()):  # a line that leaves some conditions to check
            extra.pop("conservation", None)
            extra.pop("cotation", None)
        orders.append({"libelle": f"Nouvelle ligne {nature}", "regime": draw(st.sampled_from(["base", "complementaire"])),
                       "montant": amount, "nature": nature, "devise": "EUR", **extra})
    return orders


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("r139-ordres") / "portefeuille.xlsx", LINES, FUNDS)
    return path, load(path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(orders=order_sets())
def test_the_verdict_after_random_orders_is_a_full_check_of_the_portfolio_with_the_orders(portfolio, orders,
                                                                                         tmp_path_factory):
    from reserves.pretrade.r139 import check_orders139, load_orders139

    path, pf = portfolio
    folder = tmp_path_factory.mktemp("cas")
    ov = check_orders139(pf, load_orders139(write_orders(folder / "ordres.csv", orders)), as_of=DATE)
    expected, pf_expected = full_check(write(folder / "apres.xlsx", applied(LINES, orders), FUNDS))
    got, want = summary(ov.verdict_after, ov.portfolio_after), summary(expected, pf_expected)
    if got["status"] == "(achats)":  # R. 139-48 al. 3 breached by a purchase: the rest is the full check's
        assert any(c.rule == "R139-48/immobilier-achats" for c in ov.overall.changes) and ov.exit_code == 1
        got["status"] = "breach"
        assert want["status"] == "breach"  # a real-estate limit was broken
    assert got == want
    # each order on the portfolio after the ones above it; the last one leaves the portfolio as the set does
    assert ov.orders[-1].status_after == ("breach" if any(c.rule == "R139-48/immobilier-achats"
                                                          for c in ov.orders[-1].changes) else want["status"])
    before = summary(*full_check(path))
    created = {(c.rule, c.subject) for c in ov.overall.changes if c.effect == "cree"}
    for f in want["findings"]:
        if f[3] == "breach" and not any(g[:4] == f[:4] for g in before["findings"]):
            assert (f[0], f[2]) in created, f  # every new breach is said to be created by the orders
    if not ov.passes:
        assert ov.exit_code == 1 and created | {(c.rule, c.subject) for c in ov.overall.changes
                                                if c.effect == "aggrave"}


def test_an_order_on_a_fund_line_moves_its_holdings_pro_rata(portfolio, tmp_path):
    from reserves.pretrade.r139 import check_orders139, load_orders139

    path, pf = portfolio
    orders = [{"libelle": "OPCVM Actions Europe", "regime": "base", "montant": -2_000_000, "nature": "opcvm"}]
    ov = check_orders139(pf, load_orders139(write_orders(tmp_path / "o.csv", orders)), as_of=DATE)
    after = ov.portfolio_after
    line = next(i for i, (lab, reg) in enumerate(zip(after.lines["label"], after.lines["regime"]))
                if lab == "OPCVM Actions Europe" and reg == "base")
    lt = after.lookthrough[after.lookthrough["fund_line"] == line]
    assert int(lt["value"].sum()) == 600_000_000  # 6 000 000,00 € in cents
    assert sorted(lt["value"].tolist()) == [60_000_000, 180_000_000, 360_000_000]  # 10 %, 30 %, 60 % of the line
    other = next(i for i, (lab, reg) in enumerate(zip(after.lines["label"], after.lines["regime"]))
                 if lab == "OPCVM Actions Europe" and reg == "complementaire")
    assert int(after.lookthrough[after.lookthrough["fund_line"] == other]["value"].sum()) == 300_000_000
    # the fund sold entirely: its inventory describes nothing held, and is not an unknown fund
    orders = [{"libelle": "OPCVM Actions Europe", "regime": r, "montant": -v, "nature": "opcvm"}
              for r, v in (("base", 8_000_000), ("complementaire", 3_000_000))]
    ov = check_orders139(pf, load_orders139(write_orders(tmp_path / "o2.csv", orders)), as_of=DATE)
    assert "OPCVM Actions Europe" not in set(ov.portfolio_after.lines["label"])
    assert ov.verdict_after.n_lookthrough == 2  # the dedicated fund's holdings only


def test_a_purchase_that_breaks_a_cap_is_refused_and_names_the_rule(portfolio, tmp_path):
    from reserves.pretrade.r139 import check_orders139, load_orders139

    path, pf = portfolio
    # Alpha: 4 M€ direct + 0,6 × 8 M€ through the UCITS in « base » (66,5 M€): 13,2 %; 5 % is the cap
    orders = [{"libelle": "Actions Delta", "regime": "base", "montant": 3_000_000, "nature": "action",
               "emetteur": "Delta", "devise": "EUR"}]
    ov = check_orders139(pf, load_orders139(write_orders(tmp_path / "o.csv", orders)), as_of=DATE)
    effects = {(c.rule, c.subject): c.effect for c in ov.overall.changes}
    # Delta: 0,3 × 8 M€ = 2,4 M€ through the fund, plus 3 M€: 5,4 M€ of 69,5 M€ = 7,8 % > 5 %
    delta = [c for c in ov.overall.changes if c.rule == "R139-45/entite-max5" and "Delta" in c.subject]
    assert [c.effect for c in delta] == ["cree"], effects
    assert 13 in delta[0].rows  # the new line, after the file's last row (12)
    assert ov.status == "refuse" and ov.exit_code == 1


def test_no_real_estate_purchase_while_a_real_estate_limit_is_broken(tmp_path):
    """R. 139-48 al. 3: « ne peut entreprendre, tant que le dépassement persiste, aucun nouvel achat »."""
    from reserves.pretrade.r139 import check_orders139, load_orders139

    lines = [ln("titre_etat", 45_000_000, "OAT", "base"),
             ln("titre_etat", 25_000_000, "Bund", "base", emetteur="Allemagne", pays="DE"),
             ln("droit_immobilier", 30_000_000, "Immeuble", "base")]
    pf = load(write(tmp_path / "p.xlsx", lines, {}))
    buy = [{"libelle": "Immeuble", "regime": "base", "montant": 1, "nature": "droit_immobilier"}]
    ov = check_orders139(pf, load_orders139(write_orders(tmp_path / "o.csv", buy)), as_of=DATE)
    rules = {c.rule for c in ov.overall.changes}
    assert "R139-48/immobilier-achats" in rules and ov.exit_code == 1
    assert ov.verdict_after.result("R139-48/immobilier-achats").status == "breach"
    sell = [{"libelle": "Immeuble", "regime": "base", "montant": -1_000_000, "nature": "droit_immobilier"}]
    ov = check_orders139(pf, load_orders139(write_orders(tmp_path / "s.csv", sell)), as_of=DATE)
    assert "R139-48/immobilier-achats" not in {c.rule for c in ov.overall.changes}
    assert ov.exit_code == 0  # a sale lessens the breach: it passes (READING 13)


def test_bad_orders_are_french_problems_naming_row_and_column(portfolio, tmp_path):
    from reserves.portfolio.errors import InputError
    from reserves.pretrade.r139 import check_orders139, load_orders139

    path, pf = portfolio
    cases = [
        ([{"libelle": "OAT 2030", "regime": "base", "montant": -40_000_000}], "supérieure à la valeur détenue"),
        ([{"libelle": "Inconnue", "regime": "base", "montant": -1}], "vente d'une ligne absente"),
        ([{"libelle": "Nouvelle", "montant": 5, "nature": "action", "devise": "EUR"}], "renseigner « regime »"),
        ([{"libelle": "Nouvelle", "regime": "base", "montant": 5}], "« nature », « devise »"),
        ([{"libelle": "OPCVM Actions Europe", "montant": 5}], "plusieurs lignes"),
        ([{"libelle": "OAT 2030", "regime": "base", "montant": 5, "nature": "action"}], "nature de l'ordre"),
        ([{"libelle": "OAT 2030", "regime": "base", "montant": "abc"}], "abc"),
    ]
    for k, (orders, words) in enumerate(cases):
        with pytest.raises(InputError) as exc:
            check_orders139(pf, load_orders139(write_orders(tmp_path / f"o{k}.csv", orders)), as_of=DATE)
        p = exc.value.problems[0]
        assert words in str(p) and p.row == 2, (words, str(p))


def test_a_misspelled_header_in_an_orders_file_is_refused(tmp_path):
    from reserves.portfolio.errors import InputError
    from reserves.pretrade.orders import load_orders
    from reserves.pretrade.r139 import load_orders139

    path = tmp_path / "o.csv"
    path.write_text("libelle;montant;emeteur\nOAT;5;Etat\n", encoding="utf-8")
    for reader in (load_orders, load_orders139):
        with pytest.raises(InputError) as exc:
            reader(path)
        msg = str(exc.value.problems[0])
        assert "« emeteur »" in msg and "« emetteur »" in msg and "--colonne-libre" in msg
        assert reader(path, free_columns=["emeteur"]).items[0].amount == 500


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_check_with_orders_on_an_r139_file_checks_the_orders(tmp_path):
    """Before, `--ordres` on an R. 139 file was ignored: the portfolio alone was checked (exit 0)."""
    orders = write_orders(tmp_path / "ordres.csv", [
        {"libelle": "Fonds Crédit Euro IC", "montant": 50_000_000, "nature": "opcvm"},
        {"libelle": "Actions nouvelles", "montant": 2_500_000_000, "nature": "action", "devise": "EUR",
         "regime": "complementaire", "emetteur": "Société nouvelle"}])
    r = _cli("check", SAMPLES / "portefeuille_r139_conforme.xlsx", "--transparence",
             SAMPLES / "tpt_fonds_credit_euro.xlsx", "--ordres", orders, "--json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["version"]["id"] == "R139-2019-07-08" and doc["orders_check"]["status"] == "refuse"
    assert [o["match"] for o in doc["orders"]] == ["libelle", "nouvelle"]
    assert any(c["rule"] == "R139-45/entite-max5" and c["effect"] == "cree" for c in doc["orders_check"]["changes"])
    r = _cli("check", SAMPLES / "portefeuille_r139_conforme.xlsx", "--transparence",
             SAMPLES / "tpt_fonds_credit_euro.xlsx", "--ordres", orders)
    assert r.returncode == 1 and "REFUSÉ" in r.stdout and "Traceback" not in r.stderr
    bad = tmp_path / "mauvais.csv"
    bad.write_text("libelle;montant;natrue\nOAT;5;action\n", encoding="utf-8")
    r = _cli("check", SAMPLES / "portefeuille_r139_conforme.xlsx", "--ordres", bad, "--json")
    assert r.returncode == 2 and "« nature »" in r.stderr


def test_kind_update_derives_the_regimes_context_again(portfolio):
    """`Kind.update(ctx, change)` then `judge` gives what `evaluate` gives on a context built from the changed items."""
    from constraints import rulebook
    from constraints.r139.base import RegimeChange
    from constraints.r139.checker import rules_of
    from constraints.r139.inputs import from_portfolio
    from constraints.r139.model import Ctx, normalise
    from reserves.pretrade.r139 import Book, load_orders139  # noqa: F401

    path, pf = portfolio
    version = rulebook.for_date(DATE)
    one = [i for i, r in enumerate(pf.lines["regime"]) if r == "complementaire"]
    sub = pf.with_values(pf.lines["value"].to_numpy())
    inp = from_portfolio(sub, None)
    X = normalise(inp.items)
    import numpy as np

    keep = np.flatnonzero(np.isin(X["line"], one))
    ctx = Ctx(inp, X.take(keep), version, DATE, simplified=False, regime="complementaire")
    value = pf.lines["value"].to_numpy().copy()
    value[one[-1]] *= 3  # the UCITS line of « complementaire » bought twice over
    after = pf.with_values(value)
    inp2 = from_portfolio(after, None)
    X2 = normalise(inp2.items)
    keep2 = np.flatnonzero(np.isin(X2["line"], one))
    fresh = Ctx(inp2, X2.take(keep2), version, DATE, simplified=False, regime="complementaire")
    change = RegimeChange(X2.take(keep2), inp2)
    for rule in rules_of(version):
        if rule.spec.kind == "r139_cure":
            continue
        state = rule.state(ctx)
        assert rule.update(state, change) is True
        got, want = rule.judge(state), rule.evaluate(fresh)
        assert got.to_dict(version) == want.to_dict(version), rule.id
        assert [f.to_dict() for f in got.findings] == [f.to_dict() for f in want.findings], rule.id
    assert ctx.base == fresh.base != 0


def test_funds_held_above_half_their_net_assets_are_a_warning(tmp_path):
    """R. 139-2: the committee examines the decisions of the managers of funds of which the body holds more than
    50 % of the net assets; the TPT file states the fund's shares (8b) and net assets (5)."""
    from constraints import rulebook
    from constraints.r139.checker import check
    from constraints.r139.inputs import from_portfolio
    from reserves.portfolio.model139 import load as load139

    sample = SAMPLES / "portefeuille_r139_conforme.xlsx"
    tpt = SAMPLES / "tpt_fonds_credit_euro.xlsx"
    pf = load139(str(sample), transparence=[str(tpt)], as_of=DATE)
    inv = pf.inventories[pf.inventories["kind"] == "TPT"].iloc[0]
    line = inv["lines"][0]
    shares = Fraction(str(inv["shares"]))
    held = Fraction(pf.lines["quantity_exact"].iat[line])

    def warnings_with(q):
        lines = pf.lines.copy()
        lines.at[lines.index[line], "quantity_exact"] = Decimal(q.numerator) / Decimal(q.denominator)
        from dataclasses import replace

        v = check(from_portfolio(replace(pf, lines=lines), None), rulebook.for_date(DATE), as_of=DATE)
        return [w for w in v.warnings if w.startswith("R. 139-2 ")]

    assert held < shares / 2 and warnings_with(held) == []
    assert warnings_with(shares / 2) == []  # « plus de 50 % »: exactly half is not more
    got = warnings_with(shares / 2 + Fraction(1, 1000))
    assert len(got) == 1 and "Fonds Crédit Euro IC" in got[0] and "50,0 %" in got[0]
