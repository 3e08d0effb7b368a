"""How fast the report is, as ratios against the check alone, measured in the same run.

    python benchmarks/bench_report.py [--repeat N] [--file PORTEFEUILLE]

On `samples/portefeuille_conforme.xlsx` (or the given file): the reference is
reading the file and checking it (`reserves.portfolio.model.load` +
`constraints.checker.check`); each format is that plus building and writing
the report (`.xlsx`, `.html`, `.pdf`), with the default stress scenario
(actions -30 %, immobilier -15 %, taux +100 pb) and without it. Times are the
best of N in-process runs (the PDF includes starting Chromium). The last
line times the whole `reserves report … -o rapport.pdf` command as a new
process. Only the ratios mean something from one machine to another; this
is not a test and never fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from constraints.checker import check  # noqa: E402
from reports.report import make_report  # noqa: E402
from reports.stress import DEFAULT_SCENARIO  # noqa: E402
from reserves.portfolio.model import load  # noqa: E402

SAMPLE = ROOT / "samples" / "portefeuille_conforme.xlsx"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", default=str(SAMPLE))
    args = ap.parse_args()
    src = args.file
    pf = load(src)
    print(f"Portefeuille : {Path(src).name}, {len(pf.lines)} lignes")
    ref = best(lambda: check(load(src)), args.repeat)
    print(f"référence (lecture + contrôle) : {ref * 1000:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        formats = ["xlsx", "html"] + (["pdf"] if shutil.which("chromium") else [])
        for fmt in formats:
            out = os.path.join(tmp, f"rapport.{fmt}")
            for label, scenario in (("sans choc", None), ("avec choc", DEFAULT_SCENARIO)):
                def run():
                    p = load(src)
                    make_report(p, check(p), out, scenario=scenario)
                rep = max(1, args.repeat // 2) if fmt == "pdf" else args.repeat
                t = best(run, rep)
                print(f"rapport {fmt:4s} {label} : {t * 1000:8.1f} ms  = {t / ref:6.1f} × la référence")
        cmd = [sys.executable, "-m", "reserves.app.cli", "report", src, "-o", os.path.join(tmp, "cli.pdf")]
        if shutil.which("chromium"):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True)
            t = time.perf_counter() - t
            print(f"commande « reserves report … -o rapport.pdf » (nouveau processus) : {t:.2f} s "
                  f"= {t / ref:.0f} × la référence")


if __name__ == "__main__":
    main()
