"""A flood of wrong sign-ins against a real `reserves serve`: the API's latency during the flood as a ratio of its
latency measured in the same run without it, and the server's peak memory.

    python benchmarks/bench_login_flood.py [--attempts N] [--repeat N]

A real server runs on a free loopback port (a subprocess with its own base and
storage). Reference: the median round trip of `POST /api/check` with the sample
portfolio, nothing else running. Then N anonymous clients (80 by default), each
from its own connection, post wrong passwords for one name at the same time
while the same API round trip is measured again. Printed: both medians, their
ratio, what the sign-ins were answered (401 incorrect, 429 throttled, 503 hasher
busy), how many argon2 hashes that cost at most, and the server's peak resident
memory (VmHWM) before and after. This is not a test: it never fails on a slow
machine.
"""

from __future__ import annotations

import argparse
import collections
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_http import SAMPLE, start_server  # noqa: E402


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description="connexions erronées en rafale et latence de l'API")
    ap.add_argument("--attempts", type=int, default=80, help="tentatives simultanées (80 par défaut)")
    ap.add_argument("--repeat", type=int, default=15, help="allers-retours d'API mesurés (15 par défaut)")
    args = ap.parse_args()
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        proc, url, token = start_server(Path(tmp))
        try:
            pf = SAMPLE.read_bytes()
            api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

            def round_trip() -> float:
                t = time.perf_counter()
                api.post("/api/check", files={"file": (SAMPLE.name, pf)}).raise_for_status()
                return time.perf_counter() - t

            round_trip()
            quiet = statistics.median(round_trip() for _ in range(args.repeat))
            mem_before = peak_mib(proc.pid)

            clients = []
            for _ in range(args.attempts):
                c = httpx.Client(base_url=url, timeout=120)
                csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/connexion").text).group(1)
                clients.append((c, csrf))
            codes: collections.Counter = collections.Counter()
            lock = threading.Lock()
            barrier = threading.Barrier(args.attempts + 1)

            def guess(c, csrf):
                barrier.wait(60)
                r = c.post("/connexion", data={"nom": "banc", "mot_de_passe": "pas-le-bon-mot-de-passe",
                                               "csrf": csrf, "suite": "/"})
                with lock:
                    codes[r.status_code] += 1

            threads = [threading.Thread(target=guess, args=cl) for cl in clients]
            for t in threads:
                t.start()
            barrier.wait(60)
            t0 = time.perf_counter()
            flood = []
            while any(t.is_alive() for t in threads) or len(flood) < 3:
                flood.append(round_trip())
            for t in threads:
                t.join()
            lasted = time.perf_counter() - t0
            during = statistics.median(flood)
            mem_after = peak_mib(proc.pid)
            for c, _ in clients:
                c.close()
            api.close()
        finally:
            proc.terminate()
            proc.wait(15)

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    answered = ", ".join(f"{n} × {code}" for code, n in sorted(codes.items()))
    print(f"{args.attempts} connexions erronées simultanées sur un même nom ({lasted:.1f} s), API POST /api/check")
    print(f"  API sans rafale (référence)   : {ms(quiet)}")
    print(f"  API pendant la rafale         : {ms(during)} = {during / quiet:.2f}× la référence ({len(flood)} mesures)")
    print(f"  réponses aux connexions       : {answered} (au plus {codes.get(401, 0)} hachages argon2)")
    print(f"  mémoire du serveur (VmHWM)    : {mem_before:.0f} Mio avant, {mem_after:.0f} Mio après")


if __name__ == "__main__":
    main()
