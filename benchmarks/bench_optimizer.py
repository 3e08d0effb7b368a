"""Benchmark of the rebalancing model: Pyomo build + HiGHS solve, against the same LP handed to highspy as a
sparse matrix (the reference, measured in the same run), and against the same LP written with linopy and
with cvxpy.

    python benchmarks/bench_optimizer.py                 # 1 000, 10 000 and 100 000 lines
    python benchmarks/bench_optimizer.py --lignes 1000 10000 --sans-cvxpy

Generated portfolios have one issuer for five lines; real estate, non-euro assets and some holdings are
above their limits, so that the model has work to do. The LP is the one `reserves optimize` solves
(least turnover), generated from the rulebook's linear forms. Figures are ratios to raw highspy in the same
run (the seconds are printed for information only). The memory peak is the maximum resident size of a
fresh process that generates the portfolio and solves it through Pyomo.

The R. 139 section (`--r139 N`, `--seulement-r139` to run it alone) times `reserves optimize` on the two R. 139
samples (with their TPT file) and on a generated R. 139 workbook of N lines (10 000 by default: state bonds,
corporate bonds and listed shares of about 3 000 issuers, seven banks each with bonds and deposits whose
whole exposures make a 42 % basket, shares at 27 % of the actif de placement), as a ratio to the R. 139 check
of the same portfolio in the same run: the model built by the rule kinds, the MILP of the 5/10/40 basket
solved by HiGHS through Pyomo, the rounding and the check again after the trades; and that MILP's build + solve
through Pyomo as a ratio to the same matrices handed to highspy directly (same presolve, same optimum); and the
MILP (highspy direct) as a ratio to its continuous relaxation (the same matrices without integrality, the binaries
of the basket and of R. 139-46's securities held in [0, 1]), with how far the MILP's optimum lies above it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from constraints import rulebook  # noqa: E402
from constraints.rules import Context, build  # noqa: E402
from optimizer import lp as LPmod  # noqa: E402
from optimizer import rebalancing as R  # noqa: E402
from reserves.portfolio.model import from_frame  # noqa: E402

import datetime as _dt  # noqa: E402

R623_DAY = _dt.date(2016, 12, 31)  # R. 623 portfolios are dated within its period

CATS = np.array([1, 2, 3, 5, 6, 7, 9, 10, 11, 13])
WEIGHTS = np.array([0.28, 0.20, 0.05, 0.08, 0.02, 0.12, 0.14, 0.08, 0.02, 0.01])


def generate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cat = rng.choice(CATS, size=n, p=WEIGHTS / WEIGHTS.sum())
    value = np.round(rng.lognormal(13, 1.0, size=n), 2)
    n_issuers = max(1, n // 5)
    issuer = np.array([f"Émetteur {i}" for i in rng.integers(0, n_issuers, size=n)], dtype=object)
    issuer[cat == 1] = "République française"
    issuer[cat == 9] = None
    building = np.array([f"IMM-{i}" for i in rng.integers(0, max(1, n // 20), size=n)], dtype=object)
    building[~np.isin(cat, [9, 10])] = None
    currency = np.where((cat == 7) & (rng.random(n) < 0.8), "USD", "EUR")
    q = value / 100
    issued = q * rng.choice([8.0, 15.0, 50.0, 400.0], size=n, p=[0.05, 0.15, 0.4, 0.4])
    issued[cat == 1] = q[cat == 1] * 1e6
    scope = np.isin(cat, [1, 2, 3, 4, 6, 7])
    df = pd.DataFrame({
        "libelle": [f"Ligne {i}" for i in range(n)], "categorie": cat, "valeur": value, "devise": currency,
        "emetteur": issuer, "conservation": "oui", "marche_reconnu": "oui", "pays": "FR", "opcvm_conforme": "oui",
        "forme_juridique": np.where(np.isin(cat, [5, 6]), "FCP", "SA"), "duree_jours": 180, "preavis_jours": 30,
        "marchand_de_biens": "non", "etablissement_agree_eee": "oui", "immeuble": building,
        "quantite": np.where(scope, q, np.nan), "quantite_emise": np.where(scope, issued, np.nan),
    })
    return df


def model_for(pf, date=None):
    """The rebalancing LP of `reserves optimize` (least turnover), and the seconds spent generating it."""
    t0 = time.perf_counter()
    version = rulebook.for_date(date)
    as_of = dt.date.today()
    ctx = Context(pf, version, as_of)
    rules = build(version)
    forms = R._forms(rules, ctx)
    line_rules = R._line_status(rules, ctx)
    L = pf.lines
    n = len(L)
    v0 = L["value"].to_numpy(dtype=np.int64)
    must = np.zeros(n, dtype=bool)
    no_buy = np.zeros(n, dtype=bool)
    for _, bad, unk in line_rules:
        must |= bad
        no_buy |= unk
    held = np.ones(n, dtype=bool)
    can_sell = v0 > 0
    can_buy = ~no_buy & ~must
    model = R.build_model(v0=v0, held=held, can_sell=can_sell, can_buy=can_buy, must_close=must & (v0 != 0),
                          pockets=L["pocket"].to_numpy().astype(object), cash_by_pocket={"reserves": 0.0},
                          forms=forms, line_rules=line_rules, margins=None, objective="turnover",
                          cost_rate=np.zeros(n), target=None, cat=L["category"].to_numpy(),
                          base_for_target=ctx.base_masks["reserves_less_excluded"], min_trade=None, lot=None)
    return model.lp, time.perf_counter() - t0


@contextlib.contextmanager
def _quiet():
    """HiGHS prints its banner from C++ when linopy or cvxpy start it: keep the report readable."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def run_linopy(lp, presolve):
    """The same LP in linopy, built the vectorised way (coefficient and variable-label arrays per row,
    rows with many terms apart), handed to HiGHS through linopy's direct interface."""
    import linopy
    import xarray as xr

    t0 = time.perf_counter()
    m = linopy.Model()
    x = m.add_variables(lower=xr.DataArray(lp.col_lb, dims="j"), upper=xr.DataArray(lp.col_ub, dims="j"), name="x")
    labels = x.labels.values
    A = lp.A.tocsr()
    nnz = np.diff(A.indptr)
    eq = lp.row_lb == lp.row_ub
    senses = ((eq, "=", lp.row_ub), (np.isfinite(lp.row_ub) & ~eq, "<=", lp.row_ub),
              (np.isfinite(lp.row_lb) & ~eq, ">=", lp.row_lb))
    k = 0
    for mask, sign, rhs in senses:
        for part in (mask & (nnz <= 64), mask & (nnz > 64)):
            for group in ([np.flatnonzero(part)] if part is senses[0][0] or nnz[part].max(initial=0) <= 64
                          else [[i] for i in np.flatnonzero(part)]):
                idx = np.asarray(group)
                if len(idx) == 0:
                    continue
                sub = A[idx]
                width = int(np.diff(sub.indptr).max())
                pos = np.arange(sub.nnz) - np.repeat(sub.indptr[:-1], np.diff(sub.indptr))
                row = np.repeat(np.arange(len(idx)), np.diff(sub.indptr))
                C = np.zeros((len(idx), width))
                V = np.full((len(idx), width), -1, dtype=np.int64)
                C[row, pos] = sub.data
                V[row, pos] = labels[sub.indices]
                ds = xr.Dataset({"coeffs": (("r", "_term"), C), "vars": (("r", "_term"), V),
                                 "const": (("r",), np.zeros(len(idx)))})
                m.add_constraints(linopy.LinearExpression(ds, m), sign, xr.DataArray(rhs[idx], dims="r"), name=f"c{k}")
                k += 1
    m.add_objective((xr.DataArray(lp.c, dims="j") * x).sum())
    m.solve(solver_name="highs", io_api="direct", presolve=presolve, output_flag=False,
            log_to_console=False)
    sec = time.perf_counter() - t0
    return sec, float(m.objective.value)


def run_cvxpy(lp, presolve):
    import cvxpy as cp

    t0 = time.perf_counter()
    ncol = lp.A.shape[1]
    x = cp.Variable(ncol, bounds=[lp.col_lb, lp.col_ub])
    cons = []
    eq = lp.row_lb == lp.row_ub
    hi = np.isfinite(lp.row_ub) & ~eq
    lo = np.isfinite(lp.row_lb) & ~eq
    A = lp.A.tocsr()
    if eq.any():
        cons.append(A[eq] @ x == lp.row_ub[eq])
    if hi.any():
        cons.append(A[hi] @ x <= lp.row_ub[hi])
    if lo.any():
        cons.append(A[lo] @ x >= lp.row_lb[lo])
    prob = cp.Problem(cp.Minimize(lp.c @ x), cons)
    prob.solve(solver=cp.HIGHS, presolve=presolve)
    return time.perf_counter() - t0, float(prob.value)


def measure(n, *, with_linopy=True, with_cvxpy=True, repeat=1):
    warm = from_frame(generate(50), as_of=R623_DAY)
    lpw, _ = model_for(warm)
    LPmod.solve_pyomo(lpw)  # imports and first-call costs out of the figures
    LPmod.solve_direct(lpw)
    with _quiet():
        if with_linopy:
            run_linopy(lpw, LPmod.DEFAULT_PRESOLVE)
        if with_cvxpy:
            run_cvxpy(lpw, LPmod.DEFAULT_PRESOLVE)
    df = generate(n)
    t0 = time.perf_counter()
    pf = from_frame(df, source=f"généré {n}", as_of=R623_DAY)
    t_read = time.perf_counter() - t0
    lp, t_gen = model_for(pf)
    out = {"n": n, "rows": lp.A.shape[0], "cols": lp.A.shape[1], "nnz": lp.A.nnz, "read": t_read, "generate": t_gen}

    def best(f):
        times, val = [], None
        for _ in range(repeat):
            gc.collect()
            t, val = f()
            times.append(t)
        return min(times), val

    for pre in ("off", "on"):
        def raw(pre=pre):
            t = time.perf_counter()
            s = LPmod.solve_direct(lp, presolve=pre)
            return time.perf_counter() - t, s.objective

        def pyo(pre=pre):
            t = time.perf_counter()
            s = LPmod.solve_pyomo(lp, presolve=pre)
            return time.perf_counter() - t, s.objective

        out[f"raw_{pre}"], out[f"obj_raw_{pre}"] = best(raw)
        out[f"pyomo_{pre}"], out[f"obj_pyomo_{pre}"] = best(pyo)
    pre = LPmod.DEFAULT_PRESOLVE
    with _quiet():
        if with_linopy:
            out["linopy"], out["obj_linopy"] = best(lambda: run_linopy(lp, pre))
        if with_cvxpy:
            out["cvxpy"], out["obj_cvxpy"] = best(lambda: run_cvxpy(lp, pre))
    t = time.perf_counter()
    p = R.rebalance(pf)
    out["rebalance"] = time.perf_counter() - t
    out["status"] = p.verdict_after.status
    return out


def _peak_mib() -> float:
    """The process's resident-size high-water mark (VmHWM), which, unlike ru_maxrss, starts afresh at exec."""
    try:
        with open("/proc/self/status") as fh:
            for text in fh:
                if text.startswith("VmHWM:"):
                    return int(text.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(n) -> None:
    """Run in a fresh process: generate, read, model, solve through Pyomo; print the peak RSS in Mio."""
    pf = from_frame(generate(n), as_of=R623_DAY)
    before = _peak_mib()
    lp, _ = model_for(pf)
    LPmod.solve_pyomo(lp)
    peak = _peak_mib()
    pf2 = from_frame(generate(n), as_of=R623_DAY)
    R.rebalance(pf2)
    print(f"{before:.0f} {peak:.0f} {_peak_mib():.0f}")


# --------------------------------------------------------------------------- R. 139


R139_DAY = _dt.date(2025, 12, 31)
R139_HEADERS = ["libelle", "nature", "valeur", "devise", "emetteur", "pays", "conservation", "cotation", "type_emetteur",
                "groupe", "encours_emetteur", "remboursable", "au_nom_organisme", "remuneration"]


def generate_r139(path, n: int = 10000, seed: int = 3) -> str:
    """An R. 139 workbook of about `n` lines, 20 bn €, with a 42 % basket (seven banks at 6 %) and shares at 27 %."""
    import xlsxwriter

    rng = np.random.default_rng(seed)
    base = 20_000_000_000
    rows = []

    def add(label, nature, euros, issuer, kind="autre", country="FR", group=None, **more):
        rows.append({"libelle": label, "nature": nature, "valeur": round(float(euros), 2), "devise": "EUR",
                     "emetteur": issuer, "pays": country, "conservation": "oui", "cotation": "eee",
                     "type_emetteur": kind, "groupe": group or issuer, "encours_emetteur": 50 * base, **more})

    n_states = 200
    for i in range(n_states):  # 30 % of state bonds
        fr_ = i % 5 < 3
        add(f"{'OAT' if fr_ else 'Bund'} {i}", "titre_etat", 0.30 * base / n_states,
            "République française" if fr_ else "République fédérale d'Allemagne", "etat", "FR" if fr_ else "DE")
    for k in range(7):  # seven banks: 3 % of bonds and 3 % of deposits each, 42 % in the basket
        bank = f"Banque {chr(65 + k)}"
        for j in range(10):
            add(f"{bank} obligation {j}", "obligation", 0.03 * base / 10, bank, "etablissement_credit")
        rows.append({"libelle": f"Compte à terme {bank}", "nature": "depot", "valeur": round(0.03 * base, 2),
                     "devise": "EUR", "emetteur": bank, "pays": "FR", "groupe": bank, "remboursable": "oui",
                     "au_nom_organisme": "oui", "remuneration": "fixe"})
    n_left = max(n - len(rows), 100)
    n_shares = int(n_left * 0.8)
    n_bonds = n_left - n_shares
    w = rng.uniform(0.5, 1.5, n_shares)
    w = 0.27 * base * w / w.sum()
    for i in range(n_shares):  # 27 % of listed shares, 2 400 issuers
        add(f"Actions {i}", "action", w[i], f"Société {i % 2400}", country="DE" if i % 3 else "FR")
    w = rng.uniform(0.5, 1.5, n_bonds)
    w = 0.01 * base * w / w.sum()
    for i in range(n_bonds):  # 1 % of corporate bonds
        add(f"Obligation {i}", "obligation", w[i], f"Émetteur {i % 600}")
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Portefeuille")
    ws.write(0, 0, "Date d'arrêté : 31/12/2025")
    for c, h in enumerate(R139_HEADERS):
        ws.write(1, c, h)
    for r, row in enumerate(rows, start=2):
        for c, h in enumerate(R139_HEADERS):
            if row.get(h) is not None:
                ws.write(r, c, row[h])
    wb.close()
    return str(path)


def measure_r139(path, transparence=(), repeat: int = 3) -> dict:
    """Seconds of the R. 139 check and of `rebalance139` on a workbook (best of `repeat`), and the outcome."""
    from constraints.r139.checker import check as check139
    from constraints.r139.inputs import from_portfolio
    from optimizer.r139 import rebalance139
    from reserves.portfolio.model139 import load as load139

    version = rulebook.for_date(R139_DAY)
    pf = load139(path, transparence=transparence, as_of=R139_DAY)

    def best(f, k):  # the fastest run, and what it returned
        runs = []
        for _ in range(k):
            t0 = time.perf_counter()
            out = f()
            runs.append((time.perf_counter() - t0, out))
        return min(runs, key=lambda r: r[0])

    t_check, verdict = best(lambda: check139(from_portfolio(pf, path), version, as_of=R139_DAY), repeat)
    t_opt, p = best(lambda: rebalance139(pf, version, as_of=R139_DAY, path=path), repeat)  # its own presolve
    out = {"check": t_check, "optimize": t_opt, "lines": verdict.n_lines, "lookthrough": verdict.n_lookthrough,
           "before": verdict.status, "status": p.status, "after": None if p.after is None else p.after.status,
           "rows": p.n_rows, "binaries": p.n_binaries, "trades": len(p.trades),
           "solver": p.solver.get("build_seconds", 0) + p.solver.get("seconds", 0)}
    if p.status != "nothing_to_do":  # the same MILP through Pyomo and handed to highspy as matrices
        from optimizer.r139 import PRESOLVE, model139

        lp = model139(pf, version, as_of=R139_DAY, path=path)
        t_pyo, s_pyo = best(lambda: LPmod.solve_pyomo(lp, presolve=PRESOLVE), repeat)
        t_raw, s_raw = best(lambda: LPmod.solve_direct(lp, presolve=PRESOLVE), repeat)
        gap = abs(s_pyo.objective - s_raw.objective) / max(1.0, abs(s_raw.objective))
        out.update(pyomo=t_pyo, direct=t_raw, gap=gap)
        if lp.is_mip:  # the same matrices without integrality: what the binaries cost
            from dataclasses import replace

            t_rel, s_rel = best(lambda: LPmod.solve_direct(replace(lp, integer=None), presolve=PRESOLVE), repeat)
            out.update(relaxed=t_rel, relaxed_gap=(s_raw.objective - s_rel.objective) / max(1.0, abs(s_raw.objective)))
    return out


def r139_section(n: int, repeat: int) -> None:
    import tempfile

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")
    tpt = os.path.join(here, "tpt_fonds_credit_euro.xlsx")
    import optimizer.lp  # noqa: F401  (Pyomo's import is not the model's time)
    import pyomo.kernel  # noqa: F401

    print("\nR. 139 : reserves optimize (modèle des règles, PLNE du panier 5/10/40 par Pyomo + HiGHS, contrôle "
          "après opérations) en multiple du contrôle R. 139 du même portefeuille (même exécution).")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("échantillon conforme", os.path.join(here, "portefeuille_r139_conforme.xlsx"), [tpt]),
                 ("échantillon à manquements", os.path.join(here, "portefeuille_r139_manquements.xlsx"), [tpt]),
                 (f"portefeuille généré de {n} lignes", generate_r139(os.path.join(tmp, "r139.xlsx"), n), [])]
        for name, path, transparence in cases:
            r = measure_r139(path, transparence, repeat)
            print(f"  {name} ({r['lines']} lignes, {r['lookthrough']} vues par transparence) : contrôle "
                  f"{fr(r['check'], 3)} s ; optimize {fr(r['optimize'] / r['check'])}× le contrôle "
                  f"({fr(r['optimize'], 3)} s, dont modèle Pyomo + HiGHS {fr(r['solver'], 3)} s ; {r['rows']} "
                  f"contraintes, {r['binaries']} binaires, {r['trades']} opérations) — avant « {r['before']} », "
                  f"proposition « {r['status']} », après « {r['after']} »")
            if "direct" in r:
                print(f"    PLNE construction + résolution : Pyomo + HiGHS {fr(r['pyomo'] / r['direct'])}× highspy "
                      f"direct ({fr(r['direct'], 3)} s), même optimum (écart relatif {r['gap']:.1e})")
            if "relaxed" in r:
                print(f"    PLNE (highspy direct) {fr(r['direct'] / r['relaxed'])}× sa relaxation continue (mêmes "
                      f"matrices sans intégrité, {fr(r['relaxed'], 3)} s) ; optimum de la PLNE au-dessus de la "
                      f"relaxation de {r['relaxed_gap'] * 100:.3f} %".replace(".", ","))


def fr(x, d=2):
    return f"{x:.{d}f}".replace(".", ",")


def main(argv=None):
    ap = argparse.ArgumentParser(description="banc d'essai du modèle de réallocation")
    ap.add_argument("--lignes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--sans-linopy", action="store_true")
    ap.add_argument("--sans-cvxpy", action="store_true")
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--memoire", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--r139", type=int, default=10000, metavar="N", help="lignes du portefeuille R. 139 généré")
    ap.add_argument("--seulement-r139", action="store_true", help="la section R. 139 seule")
    ap.add_argument("--sans-r139", action="store_true")
    args = ap.parse_args(argv)
    if args.memoire:
        memory(args.memoire)
        return
    if args.seulement_r139:
        r139_section(args.r139, max(1, args.repetitions))
        return
    print("Modèle de réallocation (rotation minimale) : construction + résolution, en multiple de highspy direct "
          "(même PL, matrice creuse passée à HiGHS, même exécution).")
    for n in args.lignes:
        r = measure(n, with_linopy=not args.sans_linopy, with_cvxpy=not args.sans_cvxpy, repeat=args.repetitions)
        pre = LPmod.DEFAULT_PRESOLVE
        ref = r[f"raw_{pre}"]
        print(f"\n{n} lignes, {n // 5} émetteurs : {r['rows']} contraintes × {r['cols']} variables, {r['nnz']} non-zéros")
        print(f"  référence highspy direct (presolve {pre}) : {fr(ref, 3)} s")
        print(f"  Pyomo (kernel, matrix_constraint) + HiGHS, presolve {pre} : {fr(r[f'pyomo_{pre}'] / ref)}×")
        other = "on" if pre == "off" else "off"
        print(f"  presolve {other} : highspy direct {fr(r[f'raw_{other}'] / ref)}×, "
              f"Pyomo {fr(r[f'pyomo_{other}'] / ref)}×")
        if "linopy" in r:
            print(f"  linopy (même PL) : {fr(r['linopy'] / ref)}×   "
                  f"(Pyomo / linopy = {fr(r[f'pyomo_{pre}'] / r['linopy'])})")
        if "cvxpy" in r:
            print(f"  cvxpy (même PL) : {fr(r['cvxpy'] / ref)}×   "
                  f"(Pyomo / cvxpy = {fr(r[f'pyomo_{pre}'] / r['cvxpy'])})")
        objs = [r[k] for k in r if k.startswith("obj_") and r[k] is not None]
        spread = (max(objs) - min(objs)) / max(1.0, abs(max(objs)))
        print(f"  optimum identique pour tous (écart relatif {spread:.1e})")
        print(f"  génération du modèle depuis le règlement : {fr(r['generate'] / ref)}× ; lecture du tableau : "
              f"{fr(r['read'] / ref)}× ; reserves optimize complet (contrôles compris) : {fr(r['rebalance'] / ref)}× "
              f"— proposition « {r['status']} »")
    big = max(args.lignes)
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--memoire", str(big)], capture_output=True,
                         text=True, check=True)
    before, peak, full = res.stdout.split()
    print(f"\nMémoire à {big} lignes (processus neuf, RSS maximal) : {before} Mio avant le modèle (interpréteur, "
          f"bibliothèques, portefeuille lu) ; {peak} Mio au pic du modèle Pyomo résolu ; {full} Mio pour "
          "reserves optimize complet (contrôles avant/après compris).")
    if not args.sans_r139:
        r139_section(args.r139, max(1, args.repetitions))


if __name__ == "__main__":
    main()
