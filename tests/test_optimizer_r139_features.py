"""`reserves optimize` on R. 139 portfolios: cash added or withdrawn, the cost and target objectives, and the
explanation of an infeasible problem from the kinds' soft rows (elastic model) and HiGHS's IIS.

Real files, the real solver (HiGHS through Pyomo), the real checker re-checking every proposal at the cent.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from constraints import rulebook
from optimizer.r139 import rebalance139
from reserves.portfolio.errors import InputError
from reserves.portfolio.model139 import load

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
BREACHED = SAMPLES / "portefeuille_r139_manquements.xlsx"
TPT = SAMPLES / "tpt_fonds_credit_euro.xlsx"
DATE = dt.date(2025, 12, 31)
HEADERS = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "pays", "conservation", "cotation",
           "type_emetteur", "groupe", "remboursable", "au_nom_organisme", "remuneration", "quantite", "quantite_emise"]


def version():
    return rulebook.for_date(DATE)


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def write(path, lines):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(HEADERS)
    for line in lines:
        ws.append([line.get(h) for h in HEADERS])
    wb.save(path)
    return path


def state(label, v, issuer, country, isin):
    return dict(libelle=label, nature="titre_etat", valeur=v, devise="EUR", isin=isin, emetteur=issuer, pays=country,
                conservation="oui", cotation="eee", type_emetteur="etat", groupe=issuer)


def deposit(bank, v):
    return dict(libelle=f"Compte à terme {bank}", nature="depot", valeur=v, devise="EUR", emetteur=bank, pays="FR",
                groupe=bank, remboursable="oui", au_nom_organisme="oui", remuneration="fixe")


def bond(issuer, v):
    return dict(libelle=f"Obligation {issuer}", nature="obligation", valeur=v, devise="EUR", emetteur=issuer,
                pays="FR", groupe=issuer, conservation="oui", cotation="eee", type_emetteur="autre", quantite=1,
                quantite_emise=1_000_000)


OAT = ("République française", "FR", "FR0082183262")
BUND = ("Allemagne", "DE", "DE0009635367")


def one_bank_over(tmp_path, bank=15_000_000, name="banque.xlsx"):
    """A bank at 15 % of a 100 M€ actif (the 10 % cap of R. 139-45 broken), the rest in two State bonds."""
    rest = 100_000_000 - bank
    return write(tmp_path / name, [deposit("Banque A", bank), state("OAT 2030", rest // 2, *OAT),
                                   state("Bund 2035", rest - rest // 2, *BUND)])


def values(p, nature=None):
    L = p.portfolio.lines
    sel = L if nature is None else L[L["nature"] == nature]
    return dict(zip(sel["label"], sel["value"].astype(int)))


# --------------------------------------------------------------------------- cash (--tresorerie)


def test_cash_added_is_placed_and_the_limits_hold_on_the_larger_actif(tmp_path):
    path = one_bank_over(tmp_path)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path, buy_cap=None, cash=3_000_000)
    assert p.status == "optimal" and p.after.status == "ok", p.notes
    assert p.after.base == p.before.base + 3_000_000_00  # to the cent
    d = p.to_dict()
    assert round(d["bought"] - d["sold"], 2) == 3_000_000
    assert values(p)["Compte à terme Banque A"] <= 10_300_000_00  # 10 % of 103 M€
    assert d["cash"] == [{"regime": None, "amount": 3_000_000.0}]


def test_cash_withdrawn_is_raised_and_the_limits_hold_on_the_smaller_actif(tmp_path):
    path = one_bank_over(tmp_path)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path, cash=-2_000_000)
    assert p.status == "optimal" and p.after.status == "ok", p.notes
    assert p.after.base == p.before.base - 2_000_000_00
    d = p.to_dict()
    assert round(d["sold"] - d["bought"], 2) == 2_000_000
    bank = values(p)["Compte à terme Banque A"]
    assert bank <= 9_800_000_00  # 10 % of 98 M€: the cap moves with the actif
    assert bank > 9_700_000_00  # and no more is sold than it takes (least turnover)


def test_cash_on_a_compliant_portfolio_is_a_proposal_not_nothing_to_do(tmp_path):
    path = one_bank_over(tmp_path, bank=5_000_000)
    pf = load(path, as_of=DATE)
    assert rebalance139(pf, version(), as_of=DATE, path=path).status == "nothing_to_do"
    p = rebalance139(pf, version(), as_of=DATE, path=path, cash=1_000_000)
    assert p.status == "optimal" and p.after.base == p.before.base + 1_000_000_00
    d = p.to_dict()
    assert d["sold"] == 0 and d["bought"] == 1_000_000  # least turnover: the cash placed, nothing sold


@pytest.fixture(scope="module")
def sample():
    return load(BREACHED, transparence=[TPT], as_of=DATE)


def test_cash_of_each_regime_of_the_sample(sample):
    names = [r["regime"] for r in rebalance139(sample, version(), as_of=DATE, path=BREACHED).before.regimes]
    assert len(names) == 2
    with pytest.raises(InputError, match="plusieurs régimes"):
        rebalance139(sample, version(), as_of=DATE, path=BREACHED, cash=1_000_000)
    with pytest.raises(InputError, match="régime inconnu"):
        rebalance139(sample, version(), as_of=DATE, path=BREACHED, cash={"Régime imaginaire": 1})
    p = rebalance139(sample, version(), as_of=DATE, path=BREACHED, cash={names[0]: "-25000000"})
    assert p.status == "optimal", p.notes
    before = {r["regime"]: r["base"] for r in p.before.regimes}
    after = {r["regime"]: r["base"] for r in p.after.regimes}
    assert after[names[0]] == before[names[0]] - 25_000_000_00
    assert after[names[1]] == before[names[1]]


def test_cli_cash_options(tmp_path):
    path = one_bank_over(tmp_path)
    run = cli("optimize", path, "--tresorerie", "3 000 000", "--achat-max", "aucun", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)
    assert round(doc["bought"] - doc["sold"], 2) == 3_000_000
    run = cli("optimize", path, "--tresorerie", "-2000000")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Trésorerie à lever : 2" in run.stdout
    run = cli("optimize", BREACHED, "--transparence", TPT, "--tresorerie", "1000")
    assert run.returncode == 2 and "--tresorerie-regime" in run.stderr and "Traceback" not in run.stderr
    run = cli("optimize", path, "--tresorerie-gestion", "1000")
    assert run.returncode == 2 and "gestion administrative" in run.stderr


# --------------------------------------------------------------------------- objectives


def bonds_file(tmp_path):
    """A bank at 15 % to bring to 10 %; room to buy both in State bonds and in four corporate bonds at 3 %."""
    lines = [deposit("Banque A", 15_000_000), state("OAT 2030", 36_500_000, *OAT), state("Bund 2035", 36_500_000, *BUND)]
    lines += [bond(f"Société {c}", 3_000_000) for c in "WXYZ"]
    return write(tmp_path / "obligations.xlsx", lines)


@pytest.mark.parametrize("dear, cheap", [("titre_etat", "obligation"), ("obligation", "titre_etat")])
def test_cost_objective_buys_the_cheaper_nature(tmp_path, dear, cheap):
    path = bonds_file(tmp_path)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path, buy_cap=None, objective="cost",
                     costs_bps={"natures": {dear: 100, cheap: 1}, "default": 5})
    assert p.status == "optimal" and p.after.status == "ok", p.notes
    bought = {t["nature"] for t in p.trades if t["action"] == "buy"}
    assert bought == {cheap}
    assert p.to_dict()["objective_fr"] == "coût de transaction minimal"


def test_target_objective_goes_as_near_the_target_as_the_limits_allow(tmp_path):
    """Five banks at 8 % (the 40 % basket full), the rest in State bonds: a target of 50 % in deposits can only
    reach 45 % (four banks at 10 % in the basket, the fifth at 5 %): the MILP chooses the basket."""
    lines = [deposit(f"Banque {c}", 8_000_000) for c in "ABCDE"] + [state("OAT 2030", 30_000_000, *OAT),
                                                                       state("Bund 2035", 30_000_000, *BUND)]
    path = write(tmp_path / "cible.xlsx", lines)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path, buy_cap=None, objective="target",
                     target={"depot": Fraction_(50), "titre_etat": Fraction_(50)})
    assert p.status == "optimal" and p.after.status == "ok", p.notes
    dep = np.array(sorted(values(p, "depot").values()))
    assert abs(int(dep.sum()) - 45_000_000_00) <= 50  # the rows keep a few cents from each limit
    assert (dep <= 10_000_000_00).all() and int(dep[dep > 5_000_000_00].sum()) <= 40_000_000_00


def Fraction_(pct):
    from fractions import Fraction

    return Fraction(pct, 100)


def test_objective_settings_refused_in_french(tmp_path):
    path = bonds_file(tmp_path)
    run = cli("optimize", path, "--objectif", "cible", "--cible", "1=30")
    assert run.returncode == 2 and "nature inconnue" in run.stderr and "Traceback" not in run.stderr
    run = cli("optimize", path, "--objectif", "cout")
    assert run.returncode == 2 and "donner les coûts par nature" in run.stderr
    run = cli("optimize", path, "--objectif", "cible", "--cible", "depot=70", "--cible", "titre_etat=40")
    assert run.returncode == 2 and "dépasse 100 %" in run.stderr


def test_cli_cost_and_target(tmp_path):
    path = bonds_file(tmp_path)
    run = cli("optimize", path, "--objectif", "cout", "--cout", "titre_etat=100", "--cout", "obligation=1",
              "--achat-max", "aucun", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)
    assert doc["objective"] == "cost" and {t["nature"] for t in doc["trades"] if t["action"] == "buy"} == {"obligation"}
    run = cli("optimize", path, "--objectif", "cible", "--cible", "titre_etat=80", "--achat-max", "aucun")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "objectif : écart minimal à l'allocation cible" in " ".join(run.stdout.split())


# --------------------------------------------------------------------------- infeasible: the rules in conflict


def test_infeasible_names_the_rules_in_conflict_and_by_how_much(tmp_path):
    """Three banks at 15 % each, the State bonds locked: 45 % of deposits cannot fit under 10 % each (30 %)."""
    lines = [deposit(f"Banque {c}", 15_000_000) for c in "ABC"] + [state("OAT 2030", 27_500_000, *OAT),
                                                                      state("Bund 2035", 27_500_000, *BUND)]
    path = write(tmp_path / "conflit.xlsx", lines)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path, buy_cap=None, locks=[6, 7])
    assert p.status == "infeasible" and p.exit_code == 1 and p.after is None
    rules = {e["rule"]: e for e in p.explanation}
    cap = rules["R139-45/entite-depots-max10"]
    assert cap["article"].startswith("R. 139-45") and cap["euros"] >= 5_000_000 - 1
    assert "plafond dépassé d'au moins" in cap["message"] and "Banque" in cap["message"]
    assert sum(e["euros"] for e in p.explanation if e["euros"]) >= 15_000_000 - 1  # 45 % into 30 %
    assert rules["blocages"]["subjects"] == [6, 7]
    assert "R139-45/entite-depots-max10" in rules["iis"]["subjects"]
    run = cli("optimize", path, "--achat-max", "aucun", "--bloquer-ligne", "6", "--bloquer-ligne", "7")
    assert run.returncode == 1, run.stdout + run.stderr
    out = " ".join(run.stdout.split())
    assert "Limites en conflit" in out and "R139-45/entite-depots-max10" in out


def test_infeasible_because_of_the_purchase_cap_names_it(tmp_path):
    """5 M€ to sell from the bank, at most 2 % (2 M€) to buy in each of two State bonds: the cap is the cause."""
    path = one_bank_over(tmp_path)
    pf = load(path, as_of=DATE)
    p = rebalance139(pf, version(), as_of=DATE, path=path)
    assert p.status == "infeasible"
    first = p.explanation[0]
    assert first["rule"] == "achat-max" and abs(first["euros"] - 1_000_000) < 1
    assert "--achat-max" in first["message"]
    d = p.to_dict()
    assert d["explanation"] and d["status_fr"] == "aucun portefeuille conforme possible"
    assert rebalance139(pf, version(), as_of=DATE, path=path, buy_cap=None).status == "optimal"


# --------------------------------------------------------------------------- one place


def test_the_proposal_words_and_the_regime_split_have_one_place_each():
    """The words of a proposal's status are fmt.PROPOSAL_STATUS_FR (the R. 623 and R. 139 optimizers and the report
    read them there); the régimes are split by the checker's public `split_regimes` alone."""
    import ast

    from reserves.portfolio import fmt
    from tests.test_private_names import MODULES

    words, splits = [], []
    for module, path in sorted(MODULES.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(isinstance(v, ast.Constant) and v.value == "proposition à vérifier"
                                                  for v in node.values):
                words.append(module)
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "codes" and isinstance(node.slice, ast.Constant)
                    and node.slice.value == "regime"):
                splits.append(module)
    assert words == ["reserves.portfolio.fmt"], words
    assert splits == ["constraints.r139.checker"], splits
    import optimizer.r139 as r139

    assert not hasattr(r139, "STATUS_FR") and r139.split_regimes.__module__ == "constraints.r139.checker"
    assert set(fmt.PROPOSAL_STATUS_FR) == {"nothing_to_do", "optimal", "unknown", "breach", "infeasible"}
