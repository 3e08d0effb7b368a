"""The default proposal is one a manager would sign: purchases capped per issuer, no building, loan or
unlisted line bought unless allowed, never a matured line, the proceeds spread over the current holdings;
an infeasible mixed-integer model always names its cause (the lots, and a lot size that works)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import rebalance
from optimizer.preferences import DEFAULT_BUY_CAP
from reserves.portfolio import load
from reserves.portfolio.model import from_frame
from test_optimizer_helpers import base_lines, line, portfolio
from test_optimizer_random import portfolios as random_portfolios

ROOT = Path(__file__).resolve().parents[1]
BREACHED = ROOT / "samples" / "portefeuille_manquements.xlsx"
M = 1_000_000


@pytest.fixture(scope="module")
def breached():
    return load(BREACHED)


@pytest.fixture(scope="module")
def default_proposal(breached):
    return rebalance(breached)


def _pocket_value(pf, pocket):
    L = pf.lines
    m = (L["pocket"] == pocket) & ~L["excluded"]
    return int(L.loc[m, "value"].sum()) / 100


def test_default_proposal_on_the_breached_sample_is_spread_and_capped(breached, default_proposal):
    p = default_proposal
    assert p.status == "optimal" and p.verdict_after.status in ("ok", "unknown")
    buys = [t for t in p.trades if t["sens"] == "achat"]
    assert len(buys) >= 20  # spread, not one vertex
    cap = float(DEFAULT_BUY_CAP) * _pocket_value(breached, "reserves")
    issuer = dict(zip(breached.lines["row"], breached.lines["issuer"]))
    per_issuer = {}
    for t in buys:
        key = (t["poche"], issuer.get(t["row"]) or t["row"])
        per_issuer[key] = per_issuer.get(key, 0) + t["montant"]
    assert max(t["montant"] for t in buys) < cap
    assert max(per_issuer.values()) < cap
    # no building, real-estate company, loan or unlisted private equity is bought
    assert not {t["categorie"] for t in buys} & {"6", "9", "10", "11", "12"}
    assert not any("Siège" in t["libelle"] and t["sens"] == "achat" for t in p.trades)
    # least turnover is kept: the spread only chooses among the least-turnover proposals
    free = rebalance(breached, spread=False)
    assert sum(t["montant"] for t in p.trades) <= sum(t["montant"] for t in free.trades) + 1.0


def test_the_spread_follows_the_current_holdings(breached, default_proposal):
    """Lines bought grow by the same factor within a pocket (water filling), unless a limit holds them back."""
    buys = [t for t in default_proposal.trades if t["sens"] == "achat" and t["poche"] == "reserves"]
    growth = sorted(t["montant"] / t["avant"] for t in buys if t["avant"] > 0)
    median = growth[len(growth) // 2]
    assert sum(abs(g - median) < 1e-4 for g in growth) >= 0.8 * len(growth)


def test_without_the_preferences_the_old_vertex_comes_back(breached):
    p = rebalance(breached, buy_cap=None, restrict_buys=False, spread=False)
    buys = [t for t in p.trades if t["sens"] == "achat"]
    assert 0 < len(buys) <= 5  # a vertex: a handful of purchases, one of them above the per-issuer cap
    assert max(t["montant"] for t in buys) > float(DEFAULT_BUY_CAP) * _pocket_value(breached, "reserves")


def test_a_building_is_bought_only_when_allowed():
    L = base_lines() + [line("Immeuble 3", 9, 4 * M, building="IMM-3"),
                        line("Action forestière", 7, 2 * M, biens_forestiers="oui")]
    pf = portfolio(L)
    p = rebalance(pf)
    assert p.status == "optimal"
    assert not any(t["categorie"] == "9" and t["sens"] == "achat" for t in p.trades)
    allowed = rebalance(pf, buy_categories=["9"], buy_cap=None, spread=True)
    assert any(t["categorie"] == "9" and t["sens"] == "achat" for t in allowed.trades)
    row = int(pf.lines.set_index("label").loc["Immeuble 3", "row"])
    one = rebalance(pf, buy_rows=[row], buy_cap=None)
    bought9 = {t["row"] for t in one.trades if t["categorie"] == "9" and t["sens"] == "achat"}
    assert bought9 <= {row}


def test_a_universe_line_may_be_a_building():
    pf = portfolio(base_lines() + [line("Action forestière", 7, 2 * M, biens_forestiers="oui")])
    universe = portfolio([line("Immeuble neuf", 9, 100, building="IMM-N")])
    p = rebalance(pf, universe=universe, buy_cap=None)
    assert p.status == "optimal"
    assert any(t["libelle"] == "Immeuble neuf" and t["sens"] == "achat" for t in p.trades)


def test_purchase_cap_holds_and_a_cap_too_tight_is_named():
    pf = portfolio(base_lines() + [line("Action forestière", 7, 6 * M, biens_forestiers="oui")])
    p = rebalance(pf, buy_cap=0.02)
    assert p.status == "optimal"
    base = 118 * M
    buys = [t for t in p.trades if t["sens"] == "achat"]
    assert buys  # a claim over the purchases proves nothing when there are none
    for t in buys:
        assert t["montant"] <= 0.02 * base + 0.01
    tight = rebalance(pf, buy_cap=0.001)
    assert tight.status == "infeasible"
    e = next(x for x in tight.explanation if x["rule"] == "achat-max")
    assert e["euros"] > 0 and "--achat-max" in e["message"]


# --------------------------------------------------------------------------- matured lines


def test_matured_line_is_never_bought_by_the_target_objective():
    as_of = dt.date(2020, 6, 30)
    L = base_lines()
    for x in L:
        if x["libelle"] == "OAT 0":
            x["echeance"] = "2019-12-31"
        elif x["categorie"] in (1, 2):
            x["echeance"] = "2030-01-01"
    pf = portfolio(L)
    p = rebalance(pf, objective="target", target={"1": 0.60, "2": 0.19, "7": 0.10, "9": 0.08, "13": 0.03},
                  as_of=as_of)
    assert p.status == "optimal"
    assert not any(t["libelle"] == "OAT 0" and t["sens"] == "achat" for t in p.trades)
    assert any(t["categorie"] == "1" and t["sens"] == "achat" for t in p.trades)
    assert p.settings["matured_rows"] == [int(pf.lines.set_index("label").loc["OAT 0", "row"])]


def test_matured_line_on_the_breached_sample_is_not_bought(breached):
    # the sample is stated at 31/12/2016: none of its lines had matured then; at a later date some have
    at_its_date = rebalance(breached, objective="target", target={"1": 0.30, "7": 0.15})
    assert at_its_date.status == "optimal" and at_its_date.settings["as_of"] == "2016-12-31"
    assert at_its_date.settings["matured_rows"] == []
    p = rebalance(breached, objective="target", target={"1": 0.30, "7": 0.15}, as_of=dt.date(2021, 1, 1))
    assert p.status == "optimal"
    matured = set(p.settings["matured_rows"])
    assert matured
    assert [t for t in p.trades if t["sens"] == "achat"]
    assert not [t for t in p.trades if t["sens"] == "achat" and t["row"] in matured]


def _dated_2016():
    """A portfolio stated at 31/12/2016 whose one bond of 1° matures in 2020 (alive then, matured today), beside
    a bond of 2° that matured in June 2016 (before the portfolio's date)."""
    L = base_lines()
    for x in L:
        if x["libelle"] == "OAT 0":
            x["echeance"] = "2020-06-30"
        elif x["libelle"] == "Obligation 0":
            x["echeance"] = "2016-06-30"
        elif x["categorie"] in (1, 2):
            x["echeance"] = "2040-01-01"
    return from_frame(pd.DataFrame(L), as_of=dt.date(2016, 12, 31))


def test_maturities_are_judged_on_the_portfolio_date_not_today():
    pf = _dated_2016()
    p = rebalance(pf, objective="target", target={"1": 0.60, "2": 0.19, "7": 0.10, "9": 0.08, "13": 0.03})
    assert p.status == "optimal"
    assert p.settings["as_of"] == "2016-12-31" and p.verdict_before.as_of == dt.date(2016, 12, 31)
    rows = pf.lines.set_index("label")["row"]
    assert p.settings["matured_rows"] == [int(rows["Obligation 0"])]  # « OAT 0 » is alive on 31/12/2016
    bought = {t["libelle"] for t in p.trades if t["sens"] == "achat"}
    assert "OAT 0" in bought  # the target spreads the purchases of 1° over its three bonds, this one included
    assert "Obligation 0" not in bought
    # the same portfolio stated in 2021: « OAT 0 » has matured and is never bought
    later = rebalance(pf, objective="target", target={"1": 0.60, "2": 0.19, "7": 0.10, "9": 0.08, "13": 0.03},
                      as_of=dt.date(2021, 1, 1))
    assert int(rows["OAT 0"]) in later.settings["matured_rows"]
    assert "OAT 0" not in {t["libelle"] for t in later.trades if t["sens"] == "achat"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from([1, 2, 2, 3, 7, 13]), st.integers(1, 20), st.integers(-800, 800)),
                min_size=4, max_size=14),
       st.sampled_from(["turnover", "target", "cost"]), st.integers(-20, 20), st.booleans())
def test_no_matured_line_is_ever_bought(spec, objective, cash_m, with_universe):
    """Whatever the objective, the cash and the universe, a line past its maturity is never bought."""
    as_of = dt.date(2021, 3, 31)
    L = [line("OAT socle", 1, 40 * M, echeance="2040-01-01")]
    for i, (cat, value, days) in enumerate(spec):
        when = as_of + dt.timedelta(days=days)
        L.append(line(f"Ligne {i}", cat, value * M, echeance=when.strftime("%d/%m/%Y") if cat != 7 else None))
    pf = portfolio(L)
    universe = None
    if with_universe:
        universe = portfolio([line("OAT échue", 1, 100, echeance="2020-01-01", isin="FR0010070060"),
                              line("OAT vivante", 1, 100, echeance="2031-01-01")])
    kw = {}
    if objective == "target":
        kw["target"] = {"1": 0.70, "2": 0.20, "13": 0.10}
    if objective == "cost":
        kw["costs_bps"] = {"1": 5, "2": 20, "3": 10, "7": 30, "13": 1}
    p = rebalance(pf, objective=objective, cash=cash_m * M, universe=universe, as_of=as_of, **kw)
    if p.status != "optimal":
        assert p.explanation
        return
    matured = {x["libelle"] for x in L if x.get("echeance") and
               dt.datetime.strptime(x["echeance"], "%d/%m/%Y" if "/" in x["echeance"] else "%Y-%m-%d").date() < as_of}
    matured.add("OAT échue")
    bought = {t["libelle"] for t in p.trades if t["sens"] == "achat"}
    assert not bought & matured


# --------------------------------------------------------------------------- infeasible mixed-integer models


def test_lots_on_the_breached_sample_name_the_cause_and_a_lot_that_works(breached):
    p = rebalance(breached, lots=100_000)
    assert p.status == "infeasible"
    assert p.explanation, "an infeasible MILP must name a cause"
    e = p.explanation[0]
    assert e["rule"] == "quotite" and "sont la cause" in e["message"]
    # the remedy it names works: a smaller lot, or a line without a lot (the deposits) taking the remainder
    if e["lot_that_works"] is not None:
        assert e["lot_that_works"] < 100_000
        works = rebalance(breached, lots=e["lot_that_works"], spread=False)
    else:
        assert "Aucune des quotités essayées" in e["message"] and "--quotite 13=0" in e["message"]
        works = rebalance(breached, lots={"default": 100_000, "categories": {"13": 0}}, spread=False)
    assert works.status == "optimal"


def test_lots_with_a_free_cash_line_work(breached):
    p = rebalance(breached, lots={"default": 100_000, "categories": {"13": 0}}, spread=False)
    assert p.status == "optimal"
    partial = [t for t in p.trades if t["categorie"] != "13" and t["avant"] != t["montant"]]
    assert partial  # a claim over the partial trades proves nothing when there are none
    for t in partial:  # partial trades are whole lots
        assert round(t["montant"] * 100) % 10_000_000 == 0, t


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from([1, 2, 7, 9, 10, 13]), st.integers(1, 30)), min_size=3, max_size=10),
       st.sampled_from([250_000, 1_000_000, 3_000_000]), st.booleans())
def test_an_infeasible_milp_always_names_a_cause(spec, lot, forest):
    L = base_lines() + [line(f"Ligne {i}", cat, value * 123_457.89, building=f"IMM-X{i}" if cat in (9, 10) else None)
                        for i, (cat, value) in enumerate(spec)]
    if forest:
        L.append(line("Groupement forestier", 10, 1_234_567.89, building="GF", biens_forestiers="oui"))
    p = rebalance(portfolio(L), lots=lot, spread=False)
    if p.status == "infeasible":
        causes = [e for e in p.explanation if e["rule"] not in ("blocages", "iis")]
        assert causes and all(e["message"] for e in causes)


# --------------------------------------------------------------------------- command line


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_reports_the_command_time_and_the_solver_time_apart():
    r = _cli("optimize", str(BREACHED))
    assert r.returncode in (0, 3), r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("Temps de la commande :") and "dont solveur" in last and "HiGHS" in last
    r = _cli("optimize", str(BREACHED), "--json", "--achat-max", "aucun", "--acheter-categorie", "9")
    doc = json.loads(r.stdout)
    t = doc["timing"]
    assert t["command_seconds"] >= t["solver_seconds"] > 0
    assert doc["settings"]["buy_cap"] is None and doc["settings"]["buy_categories"] == ["9"]


def test_cli_lots_infeasible_names_the_lots():
    r = _cli("optimize", str(BREACHED), "--quotite", "100000")
    assert r.returncode == 1
    text = r.stdout.replace("\n", " ").replace("\u202f", " ").replace("\xa0", " ")
    assert "quotités de 100 000,00 € sont la cause" in text
    r = _cli("optimize", str(BREACHED), "--quotite", "100000", "--quotite", "13=0", "--json")
    assert r.returncode in (0, 3), r.stderr
    assert json.loads(r.stdout)["status"] == "optimal"


def test_cli_bad_purchase_cap_is_exit_2():
    r = _cli("optimize", str(BREACHED), "--achat-max", "beaucoup")
    assert r.returncode == 2 and "plafond d'achat" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- the proposal workbook


ENGLISH = {"turnover", "infeasible", "breach", "not_applicable", "ok", "unknown", "cost", "target",
           "reserves", "min", "max", "on", "off"}


def _sheet_words(ws):
    headers = [c.value for c in ws[1]]
    values = {str(c.value).strip() for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    return headers, values


def test_proposal_workbook_speaks_french(tmp_path, default_proposal, breached):
    from openpyxl import load_workbook

    from optimizer import write_proposal_xlsx

    out = tmp_path / "proposition.xlsx"
    write_proposal_xlsx(default_proposal, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Portefeuille", "Paramètres", "Opérations", "Allocation", "Limites", "Résolution"]
    h, vals = _sheet_words(wb["Opérations"])
    assert h == ["Ligne", "Source", "Libellé", "Catégorie", "Poche", "Sens", "Montant", "Avant", "Après"]
    assert "réserves" in vals and not vals & ENGLISH
    h, vals = _sheet_words(wb["Limites"])
    assert h[:4] == ["Règle", "Titre", "Article", "Sens"] and "Statut après" in h
    assert "20 % au plus en immobilier (9° et 10°)" in vals and not vals & ENGLISH
    h, vals = _sheet_words(wb["Résolution"])
    assert h == ["Élément", "Valeur"]
    assert "rotation minimale" in vals and "proposition conforme" in vals and not vals & ENGLISH
    bad = rebalance(breached, lots=100_000)
    out2 = tmp_path / "conflit.xlsx"
    write_proposal_xlsx(bad, out2)
    wb = load_workbook(out2)
    h, vals = _sheet_words(wb["Conflits"])
    assert h == ["Règle", "Titre", "Article", "Euros", "Explication"]
    assert wb["Conflits"].max_row >= 2  # never an empty list of causes
    _, vals = _sheet_words(wb["Résolution"])
    assert "aucun portefeuille conforme possible" in vals and not vals & ENGLISH


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data(), st.sampled_from(["turnover", "cost", "target"]))
def test_the_spread_keeps_the_first_objective_and_every_limit(data, objective):
    """Spreading the purchases never costs turnover (or cost, or distance to the target), and the checker
    accepts the spread proposal (rebalance raises otherwise)."""
    pf = portfolio(data.draw(random_portfolios()))
    kw = {}
    if objective == "cost":
        kw["costs_bps"] = {str(c): data.draw(st.integers(1, 200)) for c in (1, 2, 3, 5, 6, 7, 9, 10, 11, 13)}
    if objective == "target":
        kw["target"] = {"1": 0.5, "2": 0.2, "7": 0.2, "13": 0.1}
    spread = rebalance(pf, objective=objective, **kw)
    vertex = rebalance(pf, objective=objective, spread=False, **kw)
    assert spread.status == vertex.status
    if spread.status == "optimal":
        a, b = spread.solver["objective_value"], vertex.solver["objective_value"]
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)
        turnover = sum(t["montant"] for t in spread.trades)
        assert turnover <= sum(t["montant"] for t in vertex.trades) + 0.02 * len(pf) + 0.01
