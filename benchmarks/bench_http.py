"""The HTTP round trip of a one-order pre-investment check, as ratios against references measured in the
same run.

    python benchmarks/bench_http.py [--repeat N]

A real `reserves serve` runs on a free loopback port (a subprocess, with a
database and a storage folder of its own). A script sends
`POST /api/check` with the sample portfolio (`samples/portefeuille_conforme.xlsx`)
and an orders file of one order, over a kept-alive connection, and reads the
JSON answer. References, measured in the same run on the same files:

1. in memory: `reserves.portfolio.model.load` + `reserves.pretrade.orders.load_orders` +
   `reserves.pretrade.orders.check_orders`, what the server computes for one request;
2. the command line: `reserves check FICHIER --ordres ORDRES --json` as a new
   process (what a script would run without the server).

Medians over the repetitions; only the ratios mean something from one
machine to another. This is not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "samples" / "portefeuille_conforme.xlsx"


def one_order_file(folder: Path) -> Path:
    import openpyxl

    from reserves.portfolio.model import load

    line = load(SAMPLE).lines.iloc[0]
    path = folder / "ordre.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["libelle", "isin", "montant"])
    ws.append([line["label"], line["isin"] if isinstance(line["isin"], str) else None, 100_000])
    wb.save(path)
    return path


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path):
    import httpx

    from reserves.app.users import UserStore

    db = "sqlite:///" + str(folder / "base.sqlite3")
    token = UserStore(db).add("banc", None, token=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reserves.app.cli", "serve", "--port", str(port), "--base", db,
                             "--stockage", str(folder / "stockage")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("le serveur n'a pas démarré")
        try:
            if httpx.get(url + "/connexion", timeout=2).status_code == 200:
                return proc, url, token
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("le serveur ne répond pas")


def main() -> None:
    ap = argparse.ArgumentParser(description="aller-retour HTTP d'un contrôle avant investissement (un ordre)")
    ap.add_argument("--repeat", type=int, default=30, help="répétitions (30 par défaut)")
    args = ap.parse_args()
    import httpx

    from reserves.pretrade.orders import check_orders, load_orders
    from reserves.portfolio.model import load

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        orders_path = one_order_file(folder)
        pf_bytes, orders_bytes = SAMPLE.read_bytes(), orders_path.read_bytes()

        def in_memory():
            return check_orders(load(SAMPLE), load_orders(orders_path)).exit_code

        in_memory()
        t_mem = median_time(in_memory, args.repeat)

        cli = [sys.executable, "-m", "reserves.app.cli", "check", str(SAMPLE), "--ordres", str(orders_path), "--json"]
        env = {k: v for k, v in os.environ.items() if k != "RESERVES_AUDIT_URL"}
        t_cli = median_time(lambda: subprocess.run(cli, cwd=folder, env=env, capture_output=True, check=False),
                            max(3, args.repeat // 6))

        proc, url, token = start_server(folder)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
                def round_trip():
                    r = c.post("/api/check", files={"file": (SAMPLE.name, pf_bytes),
                                                    "orders": (orders_path.name, orders_bytes)})
                    r.raise_for_status()
                    doc = r.json()
                    assert "orders_check" in doc
                    return doc["exit_code"]

                round_trip()
                t_http = median_time(round_trip, args.repeat)
        finally:
            proc.terminate()
            proc.wait(15)

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(f"Contrôle avant investissement, 1 ordre, {SAMPLE.name} ({args.repeat} répétitions, médianes)")
    print(f"  en mémoire (lecture + contrôle)     : {ms(t_mem)}  (référence)")
    print(f"  aller-retour HTTP POST /api/check   : {ms(t_http)}  = {t_http / t_mem:.2f}× la référence "
          f"(+{ms(t_http - t_mem)} : envoi, stockage, journal d'audit)")
    print(f"  commande « reserves check --ordres » : {ms(t_cli)}  = {t_cli / t_mem:.2f}× la référence ; "
          f"l'API va {t_cli / t_http:.1f}× plus vite qu'un nouveau processus")


if __name__ == "__main__":
    main()
