"""The rebalancing optimizer: every limit binding in turn, locks, universe, margins, lots, conflicts explained,
and the proposal file read back by the checker."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from constraints import rulebook
from constraints.checker import check
from optimizer import rebalance, write_proposal_xlsx
from reserves.portfolio.model import load
from test_optimizer_helpers import base_lines, line, portfolio

ROOT = Path(__file__).resolve().parents[1]
M = 1_000_000


def limit(rule_id):
    return float(rulebook.latest().rule(rule_id).limit())


def turnover(p):
    return sum(t["montant"] for t in p.trades)


def after_values(p):
    return dict(zip(p.portfolio_after.lines["label"], p.portfolio_after.lines["value"] // 1))


def breach_amount(verdict, rule_id):
    return sum(f.amount for f in verdict.result(rule_id).findings if f.status == "breach") / 100


# --------------------------------------------------------------------------- each limit binding in turn


def _cap_case(rule_id):
    L = base_lines()
    if rule_id == "R623-10-1/immobilier-max20":
        L += [line("Immeuble 3", 9, 4 * M, building="IMM-3"), line("Immeuble 4", 9, 4 * M, building="IMM-4"),
              line("SCI 5", 10, 3 * M, building="SCI-5", forme_juridique="SCI")]
    elif rule_id == "R623-10-1/fcpr-max5":
        L += [line(f"FCPR {i}", 6, 2.5 * M) for i in range(3)]
    elif rule_id == "R623-10-1/prets-max10":
        L += [line(f"Prêt {i}", 11, 4 * M, issuer=f"Commune {i}") for i in range(3)]
    elif rule_id == "R623-10-1/emetteur-max5":
        L += [line("Obligation TotalEnergies", 2, 4 * M, issuer="TotalEnergies SE"),
              line("Action TotalEnergies", 7, 3 * M, issuer="TotalEnergies SE")]
    elif rule_id == "R623-10-1/immeuble-max5":
        L += [line("Immeuble 0 bis", 9, 2.5 * M, building="IMM-0")]
    elif rule_id == "R623-10-1/detention-max10":
        L += [line("Action Petite SA", 7, 2 * M, issuer="Petite SA", quantity=20_000, issued=100_000)]
    elif rule_id == "R623-3/euro-90":
        L += [line(f"Action US {i}", 7, 4 * M, currency="USD") for i in range(4)]
    elif rule_id == "R623-10-1/obligations-euro-min34":
        L = [x for x in L if x["categorie"] != 1] + [line("OAT 0", 1, 10 * M)]
        L += [line(f"Action {i} bis", 7, 2.5 * M) for i in range(8)]
        L += [line(f"OPCVM {i}", 5, 3 * M) for i in range(6)]
    return portfolio(L)


RULES = ["R623-3/euro-90", "R623-10-1/obligations-euro-min34", "R623-10-1/fcpr-max5", "R623-10-1/immobilier-max20",
         "R623-10-1/prets-max10", "R623-10-1/emetteur-max5", "R623-10-1/immeuble-max5", "R623-10-1/detention-max10"]


@pytest.mark.parametrize("rule_id", RULES)
def test_each_limit_binding_in_turn(rule_id):
    pf = _cap_case(rule_id)
    before = check(pf)
    assert before.result(rule_id).status == "breach"
    assert [r.spec.id for r in before.results if r.status == "breach"] == [rule_id]
    p = rebalance(pf)
    assert p.status == "optimal"
    after = p.verdict_after
    assert after.status == "ok"
    res = after.result(rule_id)
    assert res.status == "ok"
    lim = limit(rule_id)
    # binding: the limit is met to within a few euros, not by a wide berth
    assert abs(res.value - lim) < 1e-6, (res.value, lim)
    # least turnover: sell the excess, buy it elsewhere (within the model's inner tolerance of cents per line)
    need = breach_amount(before, rule_id)
    assert need > 0
    assert 2 * need - 1 <= turnover(p) <= 2 * need + 0.05 * len(pf) + 1


def test_no_trade_when_already_compliant():
    pf = portfolio(base_lines())
    p = rebalance(pf)
    assert p.status == "optimal" and p.trades == [] and p.exit_code == 0


# --------------------------------------------------------------------------- user controls


def test_locked_lines_are_never_traded():
    pf = _cap_case("R623-10-1/immobilier-max20")
    rows = pf.lines.set_index("label")["row"]
    locked = [int(rows["Immeuble 0"]), int(rows["Immeuble 1"]), int(rows["SCI 5"])]
    p = rebalance(pf, locks=locked)
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    traded = {t["row"] for t in p.trades}
    assert not traded & set(locked)
    vals = after_values(p)
    for lab in ("Immeuble 0", "Immeuble 1", "SCI 5"):
        assert vals[lab] == int(pf.lines.set_index("label").loc[lab, "value"])
    assert any(t["libelle"].startswith("Immeuble") and t["sens"] == "vente" for t in p.trades)


def test_locked_category_is_never_traded():
    pf = _cap_case("R623-10-1/emetteur-max5")
    p = rebalance(pf, locks={"categories": ["7"]})
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    assert all(t["categorie"] != "7" for t in p.trades)
    assert any(t["libelle"] == "Obligation TotalEnergies" and t["sens"] == "vente" for t in p.trades)


def test_excluded_cash_is_never_traded_even_when_cash_is_raised():
    L = base_lines() + [line("Disponibilités échéance", 13, 5 * M, issuer="Banque X", exclusion="echeance_trimestrielle")]
    pf = portfolio(L)
    p = rebalance(pf, cash=-3 * M)
    assert p.status == "optimal"
    assert p.trades  # a claim over the trades proves nothing when there are none
    assert all(t["libelle"] != "Disponibilités échéance" for t in p.trades)
    assert after_values(p)["Disponibilités échéance"] == 5 * M * 100


def test_cash_in_and_out_is_exact_to_the_cent():
    pf = portfolio(base_lines())
    total = int(pf.lines["value"].sum())
    for cash, cents in ((1_234_567.89, 123_456_789), (-2_500_000.01, -250_000_001)):
        p = rebalance(pf, cash=cash)
        assert p.status == "optimal" and p.verdict_after.status == "ok"
        assert int(p.portfolio_after.lines["value"].sum()) == total + cents


def test_universe_is_respected():
    pf = _cap_case("R623-10-1/immobilier-max20")
    universe = portfolio([line("OAT nouvelle", 1, 100, isin="FR0010070060"),
                          line("Obligation nouvelle", 2, 100, issuer="Nouvel émetteur")])
    p = rebalance(pf, universe=universe)
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    buys = [t for t in p.trades if t["sens"] == "achat"]
    assert buys and all(t["source"] == "univers" for t in buys)
    assert {t["libelle"] for t in buys} <= {"OAT nouvelle", "Obligation nouvelle"}
    # the new lines are in the after-portfolio with their quantity scaled at the universe's price
    after = p.portfolio_after.lines.set_index("label")
    bought = next(t for t in buys)
    assert after.loc[bought["libelle"], "value"] == round(bought["montant"] * 100)


def test_without_universe_only_held_lines_are_bought():
    pf = _cap_case("R623-10-1/fcpr-max5")
    p = rebalance(pf)
    labels = set(pf.lines["label"])
    assert p.trades  # a claim over the trades proves nothing when there are none
    assert all(t["libelle"] in labels and t["source"] == "portefeuille" for t in p.trades)


def test_margins_are_respected():
    pf = _cap_case("R623-10-1/immobilier-max20")
    p = rebalance(pf, margins=0.01)
    assert p.status == "optimal"
    res = p.verdict_after.result("R623-10-1/immobilier-max20")
    lim = limit("R623-10-1/immobilier-max20")
    assert res.value <= lim - 0.01 + 1e-12
    assert abs(res.value - (lim - 0.01)) < 1e-6  # binding at the margin
    for r in p.verdict_after.results:  # every share limit holds with its margin
        if r.spec.kind == "share" and r.value is not None:
            if r.spec.params["sense"] == "max":
                assert r.value <= r.limit - 0.01 + 1e-12
            else:
                assert r.value >= r.limit + 0.01 - 1e-12


def test_margin_per_rule():
    pf = _cap_case("R623-10-1/immobilier-max20")
    p = rebalance(pf, margins={"R623-10-1/immobilier-max20": "2,5 %"})
    assert p.verdict_after.result("R623-10-1/immobilier-max20").value <= 0.175 + 1e-12


def test_milp_respects_lots():
    pf = _cap_case("R623-10-1/immobilier-max20")
    lot = 250_000
    p = rebalance(pf, lots=lot)
    assert p.status == "optimal" and p.solver["mip"] and p.verdict_after.status == "ok"
    assert p.trades
    for t in p.trades:
        assert round(t["montant"] * 100) % (lot * 100) == 0, t
    lp = rebalance(pf)
    assert turnover(p) >= turnover(lp) - 1  # integrality only costs


def test_milp_respects_minimum_trade_size():
    pf = _cap_case("R623-10-1/fcpr-max5")
    p = rebalance(pf, min_trade=1_000_000)
    assert p.status == "optimal" and p.solver["mip"] and p.verdict_after.status == "ok"
    assert p.trades  # a claim over the trades proves nothing when there are none
    assert all(t["montant"] >= 1_000_000 for t in p.trades)


def test_cost_objective_prefers_the_cheap_category():
    pf = _cap_case("R623-10-1/immobilier-max20")
    p = rebalance(pf, objective="cost", costs_bps={"9": 300, "10": 300, "1": 100, "2": 5, "7": 5, "13": 5})
    buys = {t["categorie"] for t in p.trades if t["sens"] == "achat"}
    assert buys and "1" not in buys


def test_target_objective_moves_toward_the_target():
    pf = portfolio(base_lines())
    p = rebalance(pf, objective="target", target={"1": 0.40, "2": 0.29, "7": 0.15, "9": 0.12, "13": 0.04})
    assert p.status == "optimal" and p.verdict_after.status == "ok"
    cats = {c["categorie"]: c["part"] for c in p.allocation_after["categories"]}
    assert abs(cats["1"] - 0.40) < 1e-6 and abs(cats["2"] - 0.29) < 1e-6


def test_ineligible_line_is_sold_and_unknown_line_not_bought():
    L = base_lines() + [line("Groupement forestier", 10, 2 * M, building="GF", biens_forestiers="oui"),
                        line("Action sans conservation", 7, 1 * M, conservation=None)]
    pf = portfolio(L)
    p = rebalance(pf)
    assert p.status == "optimal"
    assert "Groupement forestier" not in set(p.portfolio_after.lines["label"])
    assert not any(t["libelle"] == "Action sans conservation" and t["sens"] == "achat" for t in p.trades)
    assert p.verdict_after.status == "unknown"  # the missing custody data stays unknown, and says so
    assert any("à vérifier" in n for n in p.notes)
    assert p.exit_code == 3


# --------------------------------------------------------------------------- infeasibility explained


def test_infeasible_case_names_the_conflicting_rules():
    L = base_lines() + [line(f"Immeuble {i}", 9, 4 * M, building=f"IMM-{i}") for i in range(3, 6)]
    pf = portfolio(L)
    p = rebalance(pf, locks={"categories": [9]})
    assert p.status == "infeasible" and p.exit_code == 1
    rules = {e["rule"]: e for e in p.explanation}
    e = rules["R623-10-1/immobilier-max20"]
    assert e["article"] == "R. 623-10-1"
    base = 112 * M
    assert abs(e["euros"] - (24 * M - 0.20 * base)) < 10
    assert "blocages" in rules
    assert any(x["rule"] == "iis" and "R623-10-1/immobilier-max20" in x["subjects"] for x in p.explanation)


def test_locked_line_that_must_be_sold_is_a_named_conflict():
    L = base_lines() + [line("Groupement forestier", 10, 2 * M, building="GF", biens_forestiers="oui")]
    pf = portfolio(L)
    row = int(pf.lines.set_index("label").loc["Groupement forestier", "row"])
    p = rebalance(pf, locks=[row])
    assert p.status == "infeasible"
    e = next(x for x in p.explanation if x["rule"] == "R623-7/societes-immobilieres")
    assert e["euros"] == pytest.approx(2 * M, abs=1) and "Groupement forestier" in e["message"]


def test_margin_that_cannot_be_met_is_explained_with_the_margin():
    pf = _cap_case("R623-10-1/immobilier-max20")
    p = rebalance(pf, locks={"categories": [9, 10]}, margins=0.01)
    assert p.status == "infeasible"
    e = next(x for x in p.explanation if x["rule"] == "R623-10-1/immobilier-max20")
    assert "marge" in e["message"]


# --------------------------------------------------------------------------- output


def test_proposal_file_reads_back_with_the_checker(tmp_path):
    pf_path = ROOT / "samples" / "portefeuille_manquements.xlsx"
    digest = hashlib.sha256(pf_path.read_bytes()).hexdigest()
    pf = load(pf_path)
    p = rebalance(pf, margins=0.005)
    out = tmp_path / "proposition.xlsx"
    write_proposal_xlsx(p, out)
    assert hashlib.sha256(pf_path.read_bytes()).hexdigest() == digest
    back = load(out)
    assert back.sheet == "Portefeuille"
    assert (back.lines["value"].to_numpy() == p.portfolio_after.lines["value"].to_numpy()).all()
    v = check(back)
    assert [(r.spec.id, r.status) for r in v.results] == [(r.spec.id, r.status) for r in p.verdict_after.results]
    assert v.status in ("ok", "unknown")
    json.dumps(p.to_dict(), ensure_ascii=False)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_cli_optimize_then_check(tmp_path):
    src = tmp_path / "pf.xlsx"
    from reserves.portfolio.writer import write_portfolio

    write_portfolio(_cap_case("R623-10-1/immobilier-max20"), src)
    out = tmp_path / "proposition.xlsx"
    r = _cli("optimize", str(src), "-o", str(out), "--marge", "1")
    assert r.returncode == 0, r.stderr
    assert "Opérations proposées" in r.stdout and "Traceback" not in r.stderr
    assert _cli("check", str(out)).returncode == 0
    r = _cli("optimize", str(src), "--json", "--bloquer-categorie", "9", "--bloquer-categorie", "10")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["status"] == "infeasible"
    assert any(e["rule"] == "R623-10-1/immobilier-max20" for e in doc["explanation"])
    r = _cli("optimize", str(src), "-o", str(src))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_cli_optimize_bad_input_is_french_and_exit_2(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("libelle;categorie;valeur;devise\nA;99;10;EUR\n", encoding="utf-8")
    r = _cli("optimize", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "ligne 2" in r.stderr.lower()
    r = _cli("optimize", str(ROOT / "samples" / "portefeuille_conforme.xlsx"), "--tresorerie", "beaucoup")
    assert r.returncode == 2 and "trésorerie" in r.stderr


def test_check_stays_free_of_the_optimizer_imports():
    code = ("import sys, reserves.app.cli as c; c.main(['check', 'samples/portefeuille_conforme.xlsx', '--json']); "
            "print([m for m in ('pyomo', 'highspy', 'scipy', 'optimizer.rebalancing') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_writer_round_trips_flags_and_quantities(tmp_path):
    from reserves.portfolio.writer import write_portfolio

    pf = portfolio(base_lines() + [line("Obligation fractionnée", 2, 1234.56, quantity="12,3456", issued=1000,
                                        coupon_couru=1.23, poche="gestion", isin="FR0000120271")])
    path = tmp_path / "p.xlsx"
    write_portfolio(pf, path)
    back = load(path)
    for col in ("value", "accrued_interest", "category", "custody", "quantity", "pocket", "issuer", "isin", "ltv"):
        a, b = pf.lines[col].to_numpy(), back.lines[col].to_numpy()
        assert all((x == y) or (x != x and y != y) for x, y in zip(a, b)), col
    assert list(back.lines["quantity_exact"].astype(str)) == list(pf.lines["quantity_exact"].astype(str))
    np.testing.assert_array_equal(back.lines["row"].to_numpy(), np.arange(2, 2 + len(pf)))


def test_cli_universe_sheet_in_the_same_workbook(tmp_path):
    from openpyxl import Workbook

    from reserves.portfolio.writer import add_portfolio_sheet

    wb = Workbook()
    wb.remove(wb.active)
    add_portfolio_sheet(wb, _cap_case("R623-10-1/immobilier-max20"))
    add_portfolio_sheet(wb, portfolio([line("OAT 2040", 1, 100), line("Obligation verte", 2, 100,
                                                                           issuer="Banque verte")]),
                        title="Univers", index=None)
    src = tmp_path / "pf_univers.xlsx"
    wb.save(src)
    r = _cli("optimize", str(src), "--univers", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    buys = [t for t in doc["trades"] if t["sens"] == "achat"]
    assert buys and {t["libelle"] for t in buys} <= {"OAT 2040", "Obligation verte"}


def test_unknown_rule_in_margins_is_bad_input():
    from reserves.portfolio.errors import InputError

    with pytest.raises(InputError):
        rebalance(portfolio(base_lines()), margins={"R623-10-1/immobilier-max2O": 0.01})


def test_the_elastic_model_relaxes_the_kinds_soft_rows_only():
    """The slacks of the elastic model are those of the rows the kinds made soft (`LinearBlock.soft`), signed by
    the row's sense and priced by its euro scale, plus the pockets' balances both ways."""
    import scipy.sparse as sp

    from optimizer.rebalancing import RuleRows, _elastic

    A = sp.csr_matrix(np.ones((3, 2)))
    soft_cap = RuleRows("cap", "", "", 0, 1, ["x"], "<=", np.full(1, 0.5), slack=True)
    hard_floor = RuleRows("floor", "", "", 1, 1, ["y"], ">=", np.ones(1), slack=False)
    cols = {}
    A2, c, lb, ub, integ = _elastic(A, np.zeros(2), np.full(2, np.inf), 2, cols, [soft_cap, hard_floor], [],
                                    [("reserves", 2)], [])
    assert cols["slack_rows"].tolist() == [0, 2, 2]
    assert A2[0, 2] == -2.0  # a cap gives way downwards, in euros: 1 / euro_scale
    assert A2[1, 2:].nnz == 0  # the hard row has no slack
    assert sorted(A2[2, 3:].toarray().ravel().tolist()) == [-1.0, 1.0]
    assert c.tolist() == [0, 0, 1, 1, 1] and lb.tolist() == [0, 0, 0, 0, 0] and not integ.any()
