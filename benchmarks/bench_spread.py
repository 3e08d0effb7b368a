"""The spread of the purchases (optimizer.preferences): `rebalance` with and without it, in the same run.

    python benchmarks/bench_spread.py [LIGNES ...]

The reference is the vertex proposal (`spread=False`): the ratio says what the spread costs on top of the
whole proposal (checks before and after included). Ratios only: the seconds depend on the machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_optimizer import generate  # noqa: E402

from optimizer import rebalance  # noqa: E402
from reserves.portfolio.model import from_frame  # noqa: E402

import datetime as _dt  # noqa: E402

R623_DAY = _dt.date(2016, 12, 31)  # R. 623 portfolios are dated within its period


def best(f, repeat=3):
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        r = f()
        dt = time.perf_counter() - t
        out = dt if out is None else min(out, dt)
    return out, r


def main(argv=None):
    sizes = [int(x) for x in (argv or sys.argv[1:])] or [1_000, 10_000]
    for n in sizes:
        pf = from_frame(generate(n), as_of=R623_DAY)
        rebalance(pf)  # imports and first-call costs out of the figures
        ref, vertex = best(lambda: rebalance(pf, spread=False))
        got, spread = best(lambda: rebalance(pf))
        buys = [t["montant"] for t in spread.trades if t["sens"] == "achat"]
        vbuys = [t["montant"] for t in vertex.trades if t["sens"] == "achat"]
        print(f"{n} lignes : sans répartition {ref:.3f} s ({len(vbuys)} achats, le plus gros {max(vbuys or [0]):,.0f} €), "
              f"avec {got:.3f} s ({len(buys)} achats, le plus gros {max(buys or [0]):,.0f} €) : {got / ref:.2f}×")


if __name__ == "__main__":
    main()
