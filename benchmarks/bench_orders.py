"""Pre-investment check of one order, incremental, against a full check, measured in the same run.

    python benchmarks/bench_orders.py [--lignes 10000] [--repetitions 50]

On a generated portfolio of 10 000 lines (the mix of `bench_check.py`: every
column filled, one issuer for about five lines), for three orders — a buy on a
holding found by ISIN, a sale of part of a holding, a new line — it times:

- `Engine.try_order(order)`: the incremental check of that order on the loaded
  portfolio (only the aggregates the order touches are updated, then undone);
- `constraints.checker.check(after)`: a full check of the portfolio after the
  same order (the portfolio after is built once, outside the timing). The
  checker keeps what it derives from a table's texts (its *structure*) for the
  next check of the same table: this reference is a check again of a table
  already checked, the strictest one;
- the same check of a table never checked (a copy of the portfolio after, made
  outside the timing): what a full check of each new portfolio after an order
  costs.

The two are run alternately (a full check, then ten incremental ones), so that
both see the same load of a shared machine.

It prints the ratio full / incremental (goal: at least 50×), best of N, in
elapsed time and in processor time of the thread (`time.thread_time_ns`: what
the other processes of a shared machine change least). Also the one-off cost
of building the engine, against one full check.

The web application's benchmark times the same check through HTTP:
`sample_engine()` and `sample_orders()` give it the same engine and orders,
`one_order(engine, order)` is the call it wraps.

Not a test: only the ratios mean something from one machine to another, and
nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_check import best_of, synthetic_frame  # noqa: E402

from constraints.checker import check  # noqa: E402
from reserves.pretrade.engine import Engine  # noqa: E402
from reserves.pretrade.orders import apply_orders, orders_from_records  # noqa: E402
from reserves.portfolio.model import from_frame  # noqa: E402

import datetime as _dt  # noqa: E402

R623_DAY = _dt.date(2016, 12, 31)  # R. 623 portfolios are dated within its period

GOAL = 50.0


def best_of_pair_cpu(fn_a, fn_b, repeat: int, inner_b: int = 10) -> tuple:
    """`best_of_pair` in elapsed and in thread processor time: (elapsed a, elapsed b, processor a, processor b),
    seconds, `fn_b`'s per call, each the best of `repeat` rounds run alternately."""
    wa = wb = ca = cb = float("inf")
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    for _ in range(repeat):
        t0, c0 = clock(), cpu()
        fn_a()
        t1, c1 = clock(), cpu()
        for _ in range(inner_b):
            fn_b()
        t2, c2 = clock(), cpu()
        wa, wb = min(wa, t1 - t0), min(wb, (t2 - t1) / inner_b)
        ca, cb = min(ca, c1 - c0), min(cb, (c2 - c1) / inner_b)
    return wa / 1e9, wb / 1e9, ca / 1e9, cb / 1e9


def sample_portfolio(n: int = 10_000):
    return from_frame(synthetic_frame(n), as_of=R623_DAY)


def sample_orders(pf) -> dict:
    """Three single orders on `pf`: a buy by ISIN, a partial sale by label, a new line."""
    L = pf.lines
    res = L[~L["gestion"] & (L["category"] == 2)]
    buy = res.iloc[len(res) // 2]
    sell = res.iloc[len(res) // 3]
    return {
        "achat (ISIN)": {"isin": buy["isin"], "montant": 250_000},
        "vente partielle (libellé)": {"libelle": sell["label"], "montant": -int(sell["value"]) // 200},
        "ligne nouvelle": {"libelle": "Obligation nouvelle", "categorie": 2, "devise": "EUR",
                           "emetteur": "Émetteur nouveau SA", "pays": "FR", "marche_reconnu": "oui",
                           "conservation": "oui", "quantite": 1000, "quantite_emise": 1_000_000,
                           "montant": 500_000},
    }


def sample_engine(n: int = 10_000):
    pf = sample_portfolio(n)
    return pf, Engine(pf)


def one_order(engine: Engine, order) -> dict:
    """The pre-investment check of one order, as the web API returns it."""
    return engine.try_order(order).to_dict()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Contrôle avant investissement : un ordre, incrémental contre complet.")
    ap.add_argument("--lignes", type=int, default=10_000)
    ap.add_argument("--repetitions", type=int, default=50)
    args = ap.parse_args(argv)

    pf = sample_portfolio(args.lignes)
    check(pf)  # warm-up
    t_engine = best_of(lambda: Engine(pf), 3)
    t_check = best_of(lambda: check(pf), 10)
    engine = Engine(pf)
    print(f"Portefeuille de {len(pf.lines)} lignes ; verdict {engine.status}")
    print(f"{'construction du moteur (une fois)':<34} {t_engine * 1e3:9.2f} ms   contrôle complet {t_check * 1e3:8.2f} ms"
          f"   {t_engine / t_check:6.2f}×")
    print(f"{'ordre':<26} {'incrémental':>12} {'contrôle complet':>17} {'rapport':>8}  objectif   "
          f"{'table jamais contrôlée':>22} {'rapport':>8}   {'processeur : rapports':>22}")
    worst = worst_cold = worst_cpu = float("inf")
    rounds = max(args.repetitions // 5, 5)
    for name, rec in sample_orders(pf).items():
        order = orders_from_records([rec]).items[0]
        engine.try_order(order)  # warm-up (a new line is parsed once)
        after = apply_orders(pf, [order])
        # alternated: a full check, then ten incremental ones, so that both see the same load
        t_full, t_inc, c_full, c_inc = best_of_pair_cpu(lambda: check(after), lambda: one_order(engine, order),
                                                        rounds, inner_b=10)
        fresh = [replace(after, lines=after.lines.copy()) for _ in range(rounds)]
        t_cold, t_inc2, c_cold, c_inc2 = best_of_pair_cpu(lambda: check(fresh.pop()), lambda: one_order(engine, order),
                                                          rounds, inner_b=10)
        t_inc, c_inc = min(t_inc, t_inc2), min(c_inc, c_inc2)
        ratio, ratio_cold = t_full / t_inc, t_cold / t_inc
        cpu, cpu_cold = c_full / c_inc, c_cold / c_inc
        worst, worst_cold = min(worst, ratio), min(worst_cold, ratio_cold)
        worst_cpu = min(worst_cpu, cpu, cpu_cold)
        ok = "atteint" if ratio >= GOAL else "MANQUÉ"
        print(f"{name:<26} {t_inc * 1e6:9.1f} µs {t_full * 1e3:14.2f} ms {ratio:7.0f}×  ≥ {GOAL:g}× {ok:<8}"
              f"{t_cold * 1e3:19.2f} ms {ratio_cold:7.0f}×   {c_inc * 1e6:6.1f} µs : {cpu:5.0f}× et {cpu_cold:5.0f}×")
    print(f"Rapport le plus faible : {worst:.0f}× (objectif ≥ {GOAL:g}×) ; contre le contrôle d'une table jamais "
          f"contrôlée : {worst_cold:.0f}× ; en temps de processeur : {worst_cpu:.0f}×")

    # what the rows above do not show: each order on a line never tried before (its rules found out, then its calm
    # interval made on the next one), and a new line whose order is read anew each time (its one-line portfolio
    # made each time: above, the same order object keeps it)
    print("Ordres chacun sur une autre ligne (référence : contrôle de nouveau de la même table, alterné) :")
    L = pf.lines
    held = L[~L["gestion"] & (L["category"] == 2)]
    n_each = rounds * 10
    picks = [held.iloc[k] for k in range(0, len(held), max(len(held) // (n_each + 1), 1))][:n_each]
    firsts = [orders_from_records([{"isin": r["isin"], "montant": 1000_00}]).items[0] for r in picks]
    after = apply_orders(pf, [firsts[0]])
    new_rec = sample_orders(pf)["ligne nouvelle"]
    news = [orders_from_records([new_rec]).items[0] for _ in range(n_each)]
    cases = (("1er ordre sur la ligne", firsts), ("2e ordre sur la même ligne", list(firsts)),
             ("ligne nouvelle, ordre relu", news))
    for name, orders in cases:
        it = iter(orders)
        t_full, t_inc, c_full, c_inc = best_of_pair_cpu(lambda: check(after), lambda: one_order(engine, next(it)),
                                                        rounds, inner_b=10)
        print(f"{name:<26} {t_inc * 1e6:9.1f} µs {t_full * 1e3:14.2f} ms {t_full / t_inc:7.1f}×"
              f"{'':>48}{c_inc * 1e6:6.1f} µs : {c_full / c_inc:5.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
