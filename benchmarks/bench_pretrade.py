"""The pre-trade service: the HTTP round trip of one order on a portfolio kept loaded, as ratios against
references measured in the same run.

    python benchmarks/bench_pretrade.py [--lignes 10000] [--repetitions 300]

A real `reserves serve` runs on a free loopback port (a subprocess, with a database and a storage folder of
its own). A script loads a generated portfolio once (`POST /api/portefeuilles`, the mix of `bench_check.py`),
then sends `POST /api/portefeuilles/{id}/ordres` with one order (a buy on a holding found by ISIN) over a
kept-alive connection and reads the JSON answer — the answer of `reserves check --ordres --json`. It prints
the median (p50) and the 95th percentile (p95) of the round trip (goal: p95 ≤ 5 ms on loopback), and the
references of the same run:

1. in memory: `reserves.pretrade.orders.check_orders_on(engine, orders).to_dict()`, what the server computes
   for one request;
2. `POST /api/check` with the same portfolio and the same order, which reads the whole file again.

Not a test: only the ratios mean something from one machine to another, and nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_check import synthetic_frame  # noqa: E402
from bench_http import start_server  # noqa: E402

import datetime as _dt  # noqa: E402

R623_DAY = _dt.date(2016, 12, 31)  # R. 623 portfolios are dated within its period

GOAL_P95_MS = 5.0


def percentile(times: list, q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="aller-retour HTTP d'un ordre sur un portefeuille chargé")
    ap.add_argument("--lignes", type=int, default=10_000)
    ap.add_argument("--repetitions", type=int, default=300)
    args = ap.parse_args(argv)

    import httpx

    from reserves.portfolio.model import from_frame
    from reserves.pretrade.engine import Engine
    from reserves.pretrade.orders import check_orders_on, orders_from_records

    frame = synthetic_frame(args.lignes)
    pf = from_frame(frame, as_of=R623_DAY)
    L = pf.lines
    res = L[~L["gestion"] & (L["category"] == 2)]
    held = res.iloc[len(res) // 2]
    order = {"isin": held["isin"], "libelle": held["label"], "montant": 250_000}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "portefeuille.csv"
        frame.to_csv(csv, sep=";", index=False, decimal=",", encoding="utf-8")
        orders_csv = folder / "ordre.csv"
        orders_csv.write_text(f"isin;montant\n{order['isin']};250 000\n", encoding="utf-8")

        engine = Engine(pf)
        records = orders_from_records([order])
        check_orders_on(engine, records)
        mem = []
        for _ in range(args.repetitions):
            t = time.perf_counter()
            check_orders_on(engine, orders_from_records([order])).to_dict()
            mem.append(time.perf_counter() - t)

        proc, url, token = start_server(folder)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
                t = time.perf_counter()
                r = c.post("/api/portefeuilles", files={"file": (csv.name, csv.read_bytes())},
                           data={"date": R623_DAY.isoformat()})
                t_load = time.perf_counter() - t
                r.raise_for_status()
                pid = r.json()["id"]
                body = {"ordres": [order]}
                for _ in range(20):  # warm-up
                    c.post(f"/api/portefeuilles/{pid}/ordres", json=body).raise_for_status()
                http = []
                for _ in range(args.repetitions):
                    t = time.perf_counter()
                    r = c.post(f"/api/portefeuilles/{pid}/ordres", json=body)
                    doc = r.json()
                    http.append(time.perf_counter() - t)
                    assert r.status_code == 200 and "orders_check" in doc, r.text
                reread = []
                files = {"file": (csv.name, csv.read_bytes()), "orders": (orders_csv.name, orders_csv.read_bytes())}
                for _ in range(max(5, args.repetitions // 30)):
                    t = time.perf_counter()
                    c.post("/api/check", files=files, data={"date": R623_DAY.isoformat()}).raise_for_status()
                    reread.append(time.perf_counter() - t)
        finally:
            proc.terminate()
            proc.wait(15)

    ms = lambda s: f"{s * 1000:.2f} ms"  # noqa: E731
    p50, p95 = statistics.median(http), percentile(http, 0.95)
    m50 = statistics.median(mem)
    print(f"Service avant investissement, portefeuille de {len(L)} lignes chargé une fois ({ms(t_load)}), "
          f"1 ordre, {args.repetitions} répétitions")
    print(f"  en mémoire (check_orders_on + JSON)        : p50 {ms(m50)}  (référence)")
    print(f"  POST /api/portefeuilles/{{id}}/ordres        : p50 {ms(p50)} = {p50 / m50:.1f}× la référence ; "
          f"p95 {ms(p95)} (objectif ≤ {GOAL_P95_MS:g} ms : {'atteint' if p95 * 1000 <= GOAL_P95_MS else 'MANQUÉ'})")
    print(f"  POST /api/check (relit tout le fichier)    : p50 {ms(statistics.median(reread))} = "
          f"{statistics.median(reread) / p50:.0f}× le service")
    return 0


if __name__ == "__main__":
    sys.exit(main())
