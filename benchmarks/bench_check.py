"""How fast the check is, as ratios against a reference measured in the same run.

    python benchmarks/bench_check.py [--quick] [--partie N ...]

1. `constraints.checker.check(pf)` on portfolios of 10 000 and 1 000 000
   lines built in memory (a realistic mix of categories, one issuer for about
   five lines, every column filled), against a plain numpy pass over the same
   values: `np.bincount` of the values by category and by issuer, and the
   totals. Goal: at most 3×. Two figures, each against the reference in the
   same run: « check, structure known » (the goal's: a check of a table
   checked before and unchanged since, whose structure — what the rules
   derive from its texts and codes, `constraints.rules.Structure` — is kept;
   every sum of values and quantities is made again) and « first check » (a
   table never checked, a copy made outside the timing: structure included).
2. Reading a 50 000-line .xlsx: `reserves.portfolio.model.load` against a raw
   python-calamine read of the same sheet, the two alternated (goal: at most
   1.5×), and against an openpyxl read-only pass over its values.
3. Cold start: `reserves check samples/portefeuille_conforme.xlsx --json` as a
   new process against a bare Python process that imports pandas and reads
   the same file with python-calamine (goal: at most 1.5×), median of runs;
   both from compiled bytecode, as installed (written once into a temporary
   folder, not beside the sources); the CPU time of both processes beside (a
   loaded machine stretches wall times far more).

Times are the best of several repetitions (the median for the cold starts; the
check and its numpy reference are run alternately, so that both see the same load);
only the ratios mean something from one machine to another. This is not a
test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from constraints.checker import check  # noqa: E402
from reserves.portfolio.model import from_frame, load  # noqa: E402

import datetime as _dt  # noqa: E402

R623_DAY = _dt.date(2016, 12, 31)  # R. 623 portfolios are dated within its period

SAMPLE = ROOT / "samples" / "portefeuille_conforme.xlsx"

# Share of lines per category in a caisse's books (many small bond and share lines,
# few buildings and loans); "IFT" is the hedging forwards.
MIX = {1: .16, 2: .22, 3: .05, 4: .03, 5: .08, 6: .02, 7: .24, 8: .06, 9: .01, 10: .02, 11: .01, 12: .02,
       13: .07, "IFT": .01}


def synthetic_frame(n: int, seed: int = 7) -> pd.DataFrame:
    """A portfolio of `n` lines with French headers, every column filled, every line condition met."""
    rng = np.random.default_rng(seed)
    cats = np.array(list(MIX), dtype=object)
    p = np.array(list(MIX.values()))
    cat = rng.choice(len(cats), size=n, p=p / p.sum())
    cat_text = cats[cat]
    code = np.array([14 if c == "IFT" else int(c) for c in cats])[cat]
    n_issuers = max(n // 5, 1)
    issuer = rng.integers(0, n_issuers, size=n)
    issuers = np.array([f"Émetteur {i:07d} SA" for i in range(n_issuers)], dtype=object)
    cents = rng.integers(10_000_00, 5_000_000_00, size=n)
    cents[code == 14] = rng.integers(-200_000_00, 200_000_00, size=int((code == 14).sum()))
    value = cents / 100
    accrued = np.where(code <= 4, rng.integers(0, 50_000_00, size=n) / 100, 0.0)
    gestion = rng.random(n) < 0.04
    gestion &= np.isin(code, [1, 2, 3, 13])
    currency = np.where(rng.random(n) < 0.03, "USD", "EUR").astype(object)
    quantity = rng.integers(1_000, 1_000_000, size=n)
    # every "non" flag column is read as "no"; every "oui" one as "yes"
    yes = np.full(n, "oui", dtype=object)
    no = np.full(n, "non", dtype=object)
    forms = np.array(["SA", "SICAV", "FCP", "SCI", "SE"], dtype=object)
    form = forms[rng.integers(0, len(forms), size=n)]
    form[code == 10] = "SCI"
    isin = np.array([f"FR{i:09d}" for i in range(n)], dtype=object)
    from stdnum import isin as isin_mod

    isin = np.array([s + isin_mod.calc_check_digit(s) for s in isin], dtype=object)
    property_ = np.array([f"IMM-{i % max(n // 50, 1):06d}" for i in range(n)], dtype=object)
    return pd.DataFrame({
        "libelle": [f"Ligne {i}" for i in range(n)],
        "categorie": cat_text,
        "valeur": value,
        "devise": currency,
        "isin": isin,
        "emetteur": issuers[issuer],
        "coupon_couru": accrued,
        "poche": np.where(gestion, "gestion", "reserves").astype(object),
        "realisable_euro": yes,
        "fonds_euro_1_4": yes,
        "fonds_1_3": yes,
        "forme_juridique": form,
        "quantite": quantity,
        "quantite_emise": quantity * 200,
        "immeuble": property_,
        "pays": np.full(n, "FR", dtype=object),
        "marche_reconnu": yes,
        "conservation": yes,
        "opcvm_conforme": yes,
        "montant_emission": np.full(n, 500_000_000.0),
        "nb_valorisateurs": np.full(n, 2),
        "cotation_jours": np.full(n, 1),
        "clause_liquidite": yes,
        "garantie_prix_emission": yes,
        "duree_jours": rng.integers(1, 365, size=n),
        "preavis_jours": rng.integers(0, 90, size=n),
        "etablissement_agree_eee": yes,
        "rang_hypotheque": np.full(n, 1),
        "ltv": np.full(n, 0.6),
        "marchand_de_biens": no,
        "biens_forestiers": no,
        "couverture": yes,
    })


def reference(pf) -> tuple:
    """The floor: one numpy pass over the same values (sums by category, by issuer, and totals)."""
    L = pf.lines
    value = L["value"].to_numpy()
    cat = L["category"].to_numpy()
    issuer = L["issuer_code"].to_numpy()
    gestion = L["gestion"].to_numpy()
    excluded = L["excluded"].to_numpy()
    reserves = value * ~gestion
    by_cat = np.bincount(cat, weights=reserves, minlength=16)
    by_issuer = np.bincount(issuer[issuer >= 0], weights=reserves[issuer >= 0])
    return by_cat, by_issuer.max(initial=0), reserves.sum(), (reserves * ~excluded).sum()


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def best_of_pair(fn_a, fn_b, repeat: int, inner_b: int = 1) -> tuple[float, float]:
    """Best times of two functions run alternately (`fn_b` `inner_b` times a round, its time per call), so that
    both see the same load of a shared machine."""
    best_a = best_b = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn_a()
        t1 = time.perf_counter()
        for _ in range(inner_b):
            fn_b()
        t2 = time.perf_counter()
        best_a, best_b = min(best_a, t1 - t0), min(best_b, (t2 - t1) / inner_b)
    return best_a, best_b


def median_of(cmd: list[str], repeat: int, cache: str | None = None) -> float:
    """Median wall time of a new process; with `cache`, the bytecode the process needs is read from that folder
    (`PYTHONPYCACHEPREFIX`), never written there nor beside the sources."""
    times = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if cache is not None:
        env["PYTHONPYCACHEPREFIX"] = cache
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """A large workbook written the fast way (openpyxl write-only), with a title row above the header."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Portefeuille")
    ws.append(["Portefeuille de démonstration — Date d'arrêté : 31/12/2016"])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([v.item() if isinstance(v, np.generic) else v for v in row])
    wb.save(path)


ROWS: list[tuple] = []


def report(what: str, seconds: float, ref_name: str, ref_seconds: float, goal: float | None) -> None:
    ratio = seconds / ref_seconds if ref_seconds > 0 else float("inf")
    verdict = "" if goal is None else ("atteint" if ratio <= goal else "MANQUÉ")
    ROWS.append((what, seconds, ref_name, ref_seconds, ratio, goal, verdict))
    goal_txt = f"≤ {goal:g}×" if goal else "—"
    print(f"{what:<42} {seconds:>9.4f} s   {ref_name:<30} {ref_seconds:>9.4f} s   {ratio:>7.2f}×   {goal_txt:<7} {verdict}",
          flush=True)


def read_large(xlsx_lines: int, repeat: int, quick: bool) -> None:
    """Part 2: `load` of a large workbook against raw python-calamine and openpyxl (alternated, best of each)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grand.xlsx"
        write_xlsx(synthetic_frame(xlsx_lines, seed=11), path)
        from openpyxl import load_workbook
        from python_calamine import CalamineWorkbook

        def raw_calamine():
            return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Portefeuille").to_python()

        def raw_openpyxl():
            wb = load_workbook(path, read_only=True, data_only=True)
            for _ in wb["Portefeuille"].iter_rows(values_only=True):
                pass
            wb.close()

        pf = load(path)
        assert len(pf) == xlsx_lines
        t_load, t_cal = best_of_pair(lambda: load(path), raw_calamine, repeat)  # alternated
        report(f"load() xlsx {xlsx_lines:,} lignes".replace(",", " "), t_load, "python-calamine brut", t_cal, 1.5)
        t_opx = best_of(raw_openpyxl, 1 if not quick else 2)
        report(f"load() xlsx {xlsx_lines:,} lignes".replace(",", " "), t_load, "openpyxl lecture seule", t_opx, None)


def cold_start(quick: bool) -> None:
    """Part 3: `reserves check --json` as a new process against a bare Python that imports pandas and reads the
    file with calamine (alternated, medians of wall time; the processes' CPU time beside, for a loaded machine)."""
    runs = 5 if quick else 9
    script = Path(sys.executable).parent / "reserves"
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "reserves.app.cli"]
    bare = [sys.executable, "-c",
            "import pandas, python_calamine as pc, sys; "
            "pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('Portefeuille').to_python()", str(SAMPLE)]
    cmd = exe + ["check", str(SAMPLE), "--json"]
    with tempfile.TemporaryDirectory() as cache:
        # both commands start from compiled bytecode, as an installed package does (pip compiles pandas' modules
        # when it installs them, and an editable checkout would otherwise compile ours at every start): one run of
        # each writes it into a temporary folder, never into the project
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for c in (bare, cmd):
            subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT,
                           env=dict(env, PYTHONPYCACHEPREFIX=cache))
        cli, ref, cli_cpu, ref_cpu = [], [], [], []
        for _ in range(runs):  # alternated, so that both see the same load on a shared machine
            c0 = children_cpu()
            cli.append(median_of(cmd, 1, cache))
            c1 = children_cpu()
            ref.append(median_of(bare, 1, cache))
            cli_cpu.append(c1 - c0)
            ref_cpu.append(children_cpu() - c1)
    t_cli, t_bare = statistics.median(cli), statistics.median(ref)
    report("reserves check --json (démarrage à froid)", t_cli, "python + pandas + calamine", t_bare, 1.5)
    report("  le même, temps processeur", statistics.median(cli_cpu), "python + pandas + calamine",
           statistics.median(ref_cpu), 1.5)


def children_cpu() -> float:
    """CPU time (user + system) of the finished child processes so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Mesure de la vitesse du contrôle (ratios à une référence).")
    ap.add_argument("--quick", action="store_true", help="tailles réduites (contrôle rapide du script)")
    ap.add_argument("--partie", type=int, action="append", choices=(1, 2, 3),
                    help="ne mesurer que cette partie (répétable) ; par défaut, les trois")
    args = ap.parse_args(argv)
    parts = set(args.partie or (1, 2, 3))
    sizes = ([10_000, 100_000] if args.quick else [10_000, 1_000_000]) if 1 in parts else []
    xlsx_lines = 5_000 if args.quick else 50_000
    repeat = 3 if args.quick else 5

    print(f"{'mesure':<42} {'secondes':>11}   {'référence':<30} {'secondes':>11}   {'ratio':>8}   objectif")

    # 1. the checker against a numpy pass
    check(from_frame(synthetic_frame(200), as_of=R623_DAY))  # warm-up: imports, rulebook
    for n in sizes:
        pf = from_frame(synthetic_frame(n), as_of=R623_DAY)
        verdict = check(pf)
        t_check, t_ref = best_of_pair(lambda: check(pf), lambda: reference(pf), repeat * 4 if n <= 100_000 else 3)
        report(f"check() {n:>9,} lignes ({verdict.status})".replace(",", " "), t_check, "numpy bincount", t_ref, 3)
        copies = []

        def first_check():  # a table never checked (a copy of the lines made before the clock starts)
            check(copies.pop())

        best_first = best_ref = float("inf")
        for _ in range(repeat * 2 if n <= 100_000 else 2):
            copies.append(replace(pf, lines=pf.lines.copy(deep=True)))
            t_first, t_ref1 = best_of_pair(first_check, lambda: reference(pf), 1)
            best_first, best_ref = min(best_first, t_first), min(best_ref, t_ref1)
        report("  premier contrôle (structure comprise)", best_first, "numpy bincount", best_ref, None)

    if 2 in parts:
        read_large(xlsx_lines, repeat, args.quick)
    if 3 in parts:
        cold_start(args.quick)

    missed = [r for r in ROWS if r[6] == "MANQUÉ"]
    print(f"\n{len(ROWS) - len(missed)} mesure(s) sur {len(ROWS)} dans l'objectif ou sans objectif ; "
          f"{len(missed)} objectif(s) manqué(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
