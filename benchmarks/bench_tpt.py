"""How fast a TPT file is read, as a ratio against a raw read of the same file measured in the same run.

    python benchmarks/bench_tpt.py [--lignes 20000] [--repeat 3]

A FinDatEx TPT V6 workbook of 20 000 positions (141 numbered fields, a bond and equity fund, written by
`samples/generate_r139.py`) is read by `reserves.portfolio.tpt.read_tpt` (safety checks of the archive
and of the sheet's real extent, header found by field number, 30-odd fields parsed and mapped to our
columns, CIC decoded) against a raw python-calamine read of the same sheet (`to_python`): goal at most
1.5–2×. Each read is of a file never measured (the measure the reader keeps by content is cleared). The same for the file saved as CSV (`;`), against Python's `csv.reader` over it.

Times are the best of several repetitions; only the ratios mean something from one machine to another.
Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reserves.portfolio import bounds  # noqa: E402
from reserves.portfolio.tpt import read_tpt  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location("samples_generate_r139", ROOT / "samples" / "generate_r139.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lignes", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    gen = _generator()
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "tpt.xlsx"
        rows = gen.synthetic_tpt_rows(args.lignes)
        gen.write_tpt(xlsx, rows)
        path_csv = Path(tmp) / "tpt.csv"
        with open(path_csv, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(gen.TPT_HEADERS)
            w.writerows([["" if v is None else v for v in r] for r in rows])

        from python_calamine import CalamineWorkbook

        def raw_xlsx():
            CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("TPT").to_python(skip_empty_area=False)

        def raw_csv():
            with open(path_csv, encoding="utf-8", newline="") as fh:
                list(csv.reader(fh, delimiter=";"))

        inv = read_tpt(xlsx)
        assert len(inv) == 1 and len(inv[0].holdings) == args.lignes
        print(f"TPT de {args.lignes} positions, {len(gen.TPT_HEADERS)} champs ; meilleur de {args.repeat} essais")
        def fresh(path):  # a file never seen: the reader's measure of a workbook is kept by its content
            bounds.forget_measures()
            return read_tpt(path)

        for label, ours, ref, ref_name in (("xlsx", lambda: fresh(xlsx), raw_xlsx, "python-calamine to_python"),
                                           ("csv", lambda: fresh(path_csv), raw_csv, "csv.reader")):
            t_ref = best_of(ref, args.repeat)
            t_ours = best_of(ours, args.repeat)
            print(f"  {label:4} read_tpt {t_ours:7.3f} s   {ref_name} {t_ref:7.3f} s   rapport {t_ours / t_ref:5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
