"""Allocation by category (R. 623-10-4): legal limits by category, margins, bands, mean-CVaR, frontier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from constraints import rulebook
from optimizer import allocate

ROOT = Path(__file__).resolve().parents[1]
LAW = rulebook.latest()
RETURNS = {1: 0.025, 2: 0.035, 3: 0.03, 5: 0.04, 6: 0.09, 7: 0.065, 9: 0.05, 10: 0.055, 11: 0.045, 13: 0.02}


def scenarios(k=40, seed=3):
    rng = np.random.default_rng(seed)
    vol = {1: 0.03, 2: 0.05, 3: 0.01, 5: 0.06, 6: 0.25, 7: 0.2, 9: 0.1, 10: 0.12, 11: 0.02, 13: 0.005}
    cats = sorted(RETURNS)
    common = rng.standard_normal(k)  # one market factor and a part of each category's own
    own = rng.standard_normal((k, len(cats)))
    return [{c: float(RETURNS[c] + vol[c] * (0.8 * common[s] + 0.6 * own[s, i])) for i, c in enumerate(cats)}
            for s in range(k)]


def lim(rule_id):
    return float(LAW.rule(rule_id).limit())


def test_without_risk_limit_the_caps_bind():
    a = allocate({"rendements": {**RETURNS, 7: 0.041}})
    assert a.status == "optimal"
    w = a.weights
    assert w[6] == pytest.approx(lim("R623-10-1/fcpr-max5"))
    assert w[10] == pytest.approx(lim("R623-10-1/immobilier-max20")) and w[9] == pytest.approx(0)
    assert w[11] == pytest.approx(lim("R623-10-1/prets-max10"))
    floor = lim("R623-10-1/obligations-euro-min34")
    assert w[2] == pytest.approx(floor)  # the floor binds, with the best of the euro bonds
    assert w[7] == pytest.approx(1 - floor - w[6] - w[10] - w[11])
    assert sum(w.values()) == pytest.approx(1.0)


def test_margins_and_bands_are_respected():
    current = {1: 0.30, 2: 0.20, 3: 0.05, 5: 0.10, 6: 0.02, 7: 0.13, 9: 0.10, 10: 0.05, 11: 0.03, 13: 0.02}
    a = allocate({"rendements": RETURNS, "marges": 0.01, "bandes": 0.05, "allocation_actuelle": current})
    w = a.weights
    assert w[9] + w[10] <= lim("R623-10-1/immobilier-max20") - 0.01 + 1e-9
    assert w[6] <= lim("R623-10-1/fcpr-max5") - 0.01 + 1e-9
    for k, x in current.items():
        assert abs(w[k] - x) <= 0.05 + 1e-9


def _independent(cvar_max, alpha, scen):
    """max μ·w s.t. Σw = 1, the R. 623-10-1 limits by category, CVaR_α(−r·w) ≤ cvar_max (Rockafellar-Uryasev)."""
    cats = sorted(RETURNS)
    K, S = len(cats), len(scen)
    R = np.array([[s[c] for c in cats] for s in scen])
    n = K + 1 + S
    c = np.zeros(n)
    c[:K] = -np.array([RETURNS[k] for k in cats])

    def ind(members):
        row = np.zeros(n)
        row[[i for i, k in enumerate(cats) if k in members]] = 1
        return row

    A, b = [], []
    A.append(-ind([1, 2, 3, 4]))
    b.append(-lim("R623-10-1/obligations-euro-min34"))
    A.append(ind([6]))
    b.append(lim("R623-10-1/fcpr-max5"))
    A.append(ind([9, 10]))
    b.append(lim("R623-10-1/immobilier-max20"))
    A.append(ind([11, 12]))
    b.append(lim("R623-10-1/prets-max10"))
    for s in range(S):  # −r_s·w − ζ − u_s ≤ 0
        row = np.zeros(n)
        row[:K] = -R[s]
        row[K] = -1
        row[K + 1 + s] = -1
        A.append(row)
        b.append(0.0)
    row = np.zeros(n)
    row[K] = 1
    row[K + 1:] = 1 / ((1 - alpha) * S)
    A.append(row)
    b.append(cvar_max)
    eq = np.zeros((1, n))
    eq[0, :K] = 1
    bounds = [(0, 1)] * K + [(None, None)] + [(0, None)] * S
    res = linprog(c, A_ub=np.array(A), b_ub=b, A_eq=eq, b_eq=[1], bounds=bounds, method="highs")
    assert res.status == 0
    return -res.fun


def test_cvar_limit_matches_an_independent_solver_and_holds():
    scen = scenarios()
    a = allocate({"rendements": RETURNS, "scenarios": scen, "niveau_cvar": 0.9, "cvar_max": 0.04})
    assert a.status == "optimal"
    assert a.cvar <= 0.04 + 1e-7
    assert a.expected_return == pytest.approx(_independent(0.04, 0.9, scen), abs=1e-8)


def test_frontier_is_monotone_and_drawn(tmp_path):
    a = allocate({"rendements": RETURNS, "scenarios": scenarios(), "niveau_cvar": 0.95, "cvar_max": 0.05,
                  "points_frontiere": 6})
    xs = [p["cvar"] for p in a.frontier]
    ys = [p["return"] for p in a.frontier]
    assert len(a.frontier) == 6
    assert all(x2 >= x1 - 1e-9 for x1, x2 in zip(xs, xs[1:]))
    assert all(y2 >= y1 - 1e-9 for y1, y2 in zip(ys, ys[1:]))
    png = tmp_path / "frontiere.png"
    a.plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    json.dumps(a.to_dict())


def test_impossible_bands_say_so():
    a = allocate({"rendements": {1: 0.02, 9: 0.05}, "allocation_actuelle": {1: 0.5, 9: 0.5}, "bandes": 0.01})
    assert a.status == "infeasible"


def test_cli_allocate(tmp_path):
    import yaml

    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"rendements": RETURNS, "scenarios": scenarios(20), "niveau_cvar": 0.9,
                                      "cvar_max": 0.05, "marges": 0.01}), encoding="utf-8")
    out, png = tmp_path / "allocation.xlsx", tmp_path / "frontiere.svg"
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "allocate", str(params), "--portefeuille",
                        str(ROOT / "samples" / "portefeuille_conforme.xlsx"), "-o", str(out), "--graphique", str(png)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Frontière efficiente" in r.stdout and out.exists() and png.read_text().lstrip().startswith("<?xml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rendements: {99: 0.1}\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "allocate", str(bad)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "catégorie" in r.stderr


def test_allocation_workbook_and_terminal_speak_french(tmp_path):
    from openpyxl import load_workbook
    from rich.console import Console

    from optimizer.allocation import allocate, read_params, write_allocation_xlsx

    res = allocate(params=read_params(ROOT / "samples" / "parametres_allocation.yaml"))
    out = tmp_path / "allocation.xlsx"
    write_allocation_xlsx(res, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Allocation", "Frontière", "Limites"]
    assert [c.value for c in wb["Allocation"][1]] == ["Catégorie", "Rendement attendu", "Actuelle", "Proposée"]
    assert [c.value for c in wb["Limites"][1]][:4] == ["Règle", "Titre", "Article", "Sens"]
    senses = {r[3] for r in wb["Limites"].iter_rows(min_row=2, values_only=True)}
    assert senses <= {"plancher", "plafond"}
    console = Console(record=True, width=160)
    res.render(console)
    text = console.export_text()
    assert "20 % au plus en immobilier (9° et 10°)" in text
