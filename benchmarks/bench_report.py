"""How fast the report is, as ratios against the check itself, measured in the same run.

    python benchmarks/bench_report.py [--repeat N] [--lines N] [--file PORTEFEUILLE]

On a portfolio of 10 000 lines with breaches (`tests/test_reports_sample.breached_frame`: issuer,
building and real-estate caps broken, 30 line breaches, 100 lines to check), or the given file:

1. in-process: the reference is reading the file and checking it (`load` + `check`), what the report
   command does before it writes anything; each format is that plus building and writing the report
   (`.xlsx`, `.html`, `.pdf` by default, `.pdf` with the line annex), with the default stress
   scenario. Shown: the whole time in seconds and as a multiple of the reference, and the report's own
   part (the whole less the reference), also as a multiple of `check` alone on the portfolio in memory. Goals: the PDF of 10 000 lines in at most 5 s and 30 pages,
   the xlsx in at most 2 s.
2. the R. 139 report of the sample with breaches, every fund seen through (its `Transparence` sheet and the
   TPT file of the fund it lacks): the reference is reading it and checking it under `R139-2019-07-08`
   (`model139.load` + `r139.checker.check`), each format that plus building and writing the report.
   Then its stress view (the default scenario, re-checked at each step) and its proposal (the R. 139
   optimizer), and the stress view of a generated R. 139 workbook of 10 000 lines, as multiples of one check
   of the same portfolio in memory.
3. commands as new processes: `reserves report … -o rapport.pdf` and `-o rapport.xlsx` against
   `reserves check` on the same file (median of alternated runs, from compiled bytecode; `--commandes`:
   this part alone).

Times are the best of N runs (the PDF includes starting Chromium); only the ratios mean something from
one machine to another. This is not a test and never fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from constraints.checker import check  # noqa: E402
from reports.report import make_report  # noqa: E402
from reports.stress import DEFAULT_SCENARIO  # noqa: E402
from reserves.portfolio.model import load  # noqa: E402


def best(fn, repeat: int) -> float:
    return best_cpu(fn, repeat)[0]


def best_cpu(fn, repeat: int) -> tuple[float, float]:
    """The best wall time of `repeat` runs, and the best CPU time of this process (a loaded machine stretches the
    first far more than the second; Chromium's own CPU is not counted)."""
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(times), min(cpu)


def pages(pdf: str) -> int:
    if not shutil.which("pdfinfo"):
        return 0
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--file")
    ap.add_argument("--commandes", action="store_true",
                    help="seulement la partie 3 (les commandes en nouveaux processus)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.file
        if not src:
            from test_reports_sample import breached_frame

            src = os.path.join(tmp, "portefeuille.xlsx")
            with pd.ExcelWriter(src, engine="xlsxwriter") as xw:  # dated within R. 623's period (SPEC §4)
                breached_frame(args.lines).to_excel(xw, sheet_name="Portefeuille", index=False, startrow=1)
                xw.sheets["Portefeuille"].write_string(0, 0, "Date d'arrêté : 31/12/2016")
        if args.commandes:
            commands(src, tmp, args.repeat, pdf=bool(shutil.which("chromium") or shutil.which("chromium-browser")))
            return
        pf = load(src)
        print(f"Portefeuille : {Path(src).name}, {len(pf.lines)} lignes, {len(check(pf).findings)} constats")
        ref, ref_cpu = best_cpu(lambda: check(load(src)), args.repeat)
        only = best(lambda: check(pf), max(args.repeat, 5))
        print(f"référence (lecture + contrôle) : {ref:.2f} s (processeur {ref_cpu:.2f} s) ; "
              f"le contrôle seul, en mémoire : {only * 1000:.0f} ms")
        runs = [("xlsx", "xlsx", False), ("html", "html", False)]
        if shutil.which("chromium") or shutil.which("chromium-browser"):
            runs += [("pdf", "pdf", False), ("pdf --annexe", "pdf", True)]
        for label, fmt, annex in runs:
            out = os.path.join(tmp, f"rapport{'-annexe' if annex else ''}.{fmt}")

            def run():
                p = load(src)
                make_report(p, check(p), out, scenario=DEFAULT_SCENARIO, annex=annex)
            t, cpu = best_cpu(run, 1 if annex else args.repeat)  # the annex: 400 pages, once is enough
            extra = f", {pages(out)} pages" if fmt == "pdf" else ""
            print(f"rapport {label:13s}: {t:6.2f} s = {t / ref:5.1f} × la référence ; le rapport seul "
                  f"{t - ref:5.2f} s = {(t - ref) / only:5.0f} × le contrôle seul ; processeur {cpu:5.2f} s = "
                  f"{cpu / ref_cpu:4.1f} ×{extra}")
        bench_r139(args.repeat, tmp)
        commands(src, tmp, args.repeat, pdf=len(runs) > 2)


def commands(src: str, tmp: str, repeat: int, pdf: bool) -> None:
    """Part 3: `reserves report` as a new process against `reserves check` on the same file, alternated (so that
    all see the same load), medians; from compiled bytecode, as installed (written once into a temporary folder)."""
    exe = [sys.executable, "-m", "reserves.app.cli"]
    cmds = {"check": [*exe, "check", src]}
    for fmt in ("xlsx", "pdf") if pdf else ("xlsx",):
        cmds[fmt] = [*exe, "report", src, "-o", os.path.join(tmp, f"cli.{fmt}")]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "bytecode")
    for cmd in cmds.values():  # writes the bytecode once
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    times: dict = {k: [] for k in cmds}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
            times[k].append(time.perf_counter() - t)
    ref_cmd = statistics.median(times.pop("check"))
    print(f"commande « reserves check » (nouveau processus) : {ref_cmd:.2f} s")
    for fmt, ts in times.items():
        t = statistics.median(ts)
        print(f"commande « reserves report … -o rapport.{fmt} » : {t:.2f} s = {t / ref_cmd:.1f} × "
              "« reserves check »")


def bench_r139(repeat: int, tmp: str) -> None:
    """The R. 139 report of the sample with breaches and its look-through, as ratios to its check."""
    import datetime as dt

    from constraints import rulebook
    from constraints.r139.checker import check as check139
    from constraints.r139.inputs import from_portfolio
    from reports.r139_report import make_report139
    from reserves.portfolio.model139 import load as load139

    src = str(ROOT / "samples" / "portefeuille_r139_manquements.xlsx")
    tpt = [str(ROOT / "samples" / "tpt_fonds_credit_euro.xlsx")]
    day = dt.date(2025, 12, 31)
    version = rulebook.for_date(day)

    def checked():
        p = load139(src, transparence=tpt, as_of=day)
        return p, check139(from_portfolio(p, src), version, as_of=day)

    p, v = checked()
    print(f"R. 139 : {Path(src).name} et {Path(tpt[0]).name}, {v.n_lines} lignes, {v.n_lookthrough} lignes vues par "
          f"transparence, {len(v.findings)} constats")
    ref, ref_cpu = best_cpu(checked, max(repeat, 5))
    print(f"référence R. 139 (lecture + transparence + contrôle) : {ref:.2f} s (processeur {ref_cpu:.2f} s)")
    runs = [("xlsx", "xlsx"), ("html", "html")]
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        runs.append(("pdf", "pdf"))
    for label, fmt in runs:
        out = os.path.join(tmp, f"rapport139.{fmt}")

        def run():
            p, v = checked()
            make_report139(p, v, out)
        t, cpu = best_cpu(run, repeat)
        extra = f", {pages(out)} pages" if fmt == "pdf" else ""
        print(f"rapport R. 139 {label:5s}: {t:6.2f} s = {t / ref:5.1f} × la référence ; le rapport seul {t - ref:5.2f} s"
              f" ; processeur {cpu:5.2f} s = {cpu / ref_cpu:4.1f} ×{extra}")
    bench_r139_extras(repeat, tmp, src, tpt, day, version)


def bench_r139_extras(repeat: int, tmp: str, src: str, tpt: list, day, version) -> None:
    """The R. 139 report's stress view (default scenario: a check per step of the scenario, 20 steps and the
    bisections) and its proposal (the R. 139 optimizer), as ratios to one check of the same portfolio in memory;
    then the stress view of a generated R. 139 workbook of 10 000 lines (`bench_optimizer.generate_r139`)."""
    from constraints.r139.checker import check as check139
    from constraints.r139.inputs import from_portfolio
    from reports.r139_report import make_report139, recheck139
    from reports.r139_stress import parse_scenario139, run139
    from reserves.portfolio.model139 import load as load139

    scenario = parse_scenario139([], version.extra["natures"])
    for name, path, funds in (("échantillon", src, tpt), ("10 000 lignes", None, ())):
        if path is None:
            from bench_optimizer import generate_r139

            path = generate_r139(os.path.join(tmp, "r139_10000.xlsx"), 10000)
        p = load139(path, transparence=funds, as_of=day)
        v = check139(from_portfolio(p, None), version, as_of=day)
        one = best(lambda: check139(from_portfolio(p, None), version, as_of=day), max(repeat, 5))
        checks = []

        def stress():
            checks.clear()
            return run139(p, v, scenario, lambda x: checks.append(1) or recheck139(x, v, {}, []))
        t = best(stress, repeat)
        print(f"R. 139 {name} : choc de marché (scénario par défaut) {t:6.2f} s = {t / one:5.1f} × un contrôle en "
              f"mémoire ({one * 1000:.0f} ms), {len(checks)} contrôles du portefeuille choqué")
        if path == src:
            out = os.path.join(tmp, "rapport139-proposition.xlsx")
            t = best(lambda: make_report139(p, check139(from_portfolio(p, None), version, as_of=day), out,
                                            proposal=True), 1)
            print(f"R. 139 {name} : rapport xlsx avec la proposition {t:6.2f} s = {t / one:5.0f} × un contrôle")


if __name__ == "__main__":
    main()
