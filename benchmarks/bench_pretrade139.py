"""The R. 139 pre-trade check of one order, incremental, against a full check, measured in the same run.

    python benchmarks/bench_pretrade139.py [--fonds 50] [--repetitions 5]

A portfolio file like `bench_r139.py`'s (a body of 20 bn €, 200 French, German, Italian and Spanish State bonds
held directly and 50 funds — UCITS, fonds mutualisés, dedicated funds — of 2 000 holdings each in its
`Transparence` sheet: 100 000 look-through lines, an issuer for about five holdings, each in a consolidation
group), written once and read by the reader (`model139.load`). For three orders — a purchase of a State bond
held, a partial sale of a UCITS line (its 2 000 holdings rescaled pro rata, as the reader rescales them), a
purchase of a dedicated fund line — it times:

- `Engine139.try_orders(order)`: the engine loaded once, the order judged from the new amounts, each régime's
  structure kept (`Table.with_amounts`);
- the same with `incremental=False`: the portfolio after the order rebuilt from its lines and inventories,
  read by the checker and checked in full, as the engine did before (the reference).

Alternated, best of N; the ratio full / incremental (goal: at least 50×). Not a test: only the ratios mean
something from one machine to another, and nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_r139 import DATE, synthetic  # noqa: E402

GOAL = 50.0
HEAD_LINES = ["libelle", "nature", "valeur", "devise", "emetteur", "pays", "type_emetteur", "cotation",
              "conservation", "fonds_conforme", "part_titres_eligibles", "depassement_potentiel", "quantite",
              "quantite_emise"]
HEAD_HOLDINGS = ["fonds", "date_valorisation", "libelle", "nature", "valeur", "devise", "emetteur", "groupe", "pays",
                 "type_emetteur", "cotation", "conservation", "remboursable", "remuneration", "au_nom_organisme",
                 "quantite", "quantite_emise"]


def write_portfolio(path: Path, n_funds: int) -> Path:
    """The portfolio of `bench_r139.synthetic(n_funds)` as a file: `Portefeuille` and `Transparence` sheets."""
    import xlsxwriter

    inp = synthetic(n_funds)
    it = inp.items
    lines, holds = it[~it["holding"]], it[it["holding"]]
    yes = lambda x: "oui" if x == 2 else ("non" if x == 0 else None)  # noqa: E731
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Portefeuille")
    ws.write_row(0, 0, HEAD_LINES)
    for r, row in enumerate(lines.itertuples(index=False), start=1):
        ws.write_row(r, 0, [row.label, row.nature, row.value / 100, row.currency, row.issuer, row.country,
                            row.issuer_kind, row.listing, yes(row.custody),
                            yes(row.fund_compliant) if row.nature != "titre_etat" else None,
                            row.eligible_share if row.nature == "opcvm" else None,
                            row.potential_excess if row.nature in ("opcvm", "fonds_mutualise") else None,
                            row.quantity, row.quantity_issued])
    ws = wb.add_worksheet("Transparence")
    ws.write_row(0, 0, HEAD_HOLDINGS)
    date = (DATE - dt.timedelta(days=15)).strftime("%d/%m/%Y")
    for r, row in enumerate(holds.itertuples(index=False), start=1):
        dep = row.nature == "depot"
        ws.write_row(r, 0, [row.via, date, row.label, row.nature, row.value / 100, row.currency, row.issuer,
                            row.group, row.country, row.issuer_kind, None if dep else row.listing,
                            None if dep else "oui", "oui" if dep else None, "fixe" if dep else None,
                            "oui" if dep else None, None if dep else row.quantity,
                            None if dep else row.quantity_issued])
    wb.close()
    return path


def best(fn, repeat: int) -> float:
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main(argv=None) -> int:
    from reserves.portfolio.model139 import load
    from reserves.pretrade.r139 import Engine139, as_orders139

    ap = argparse.ArgumentParser()
    ap.add_argument("--fonds", type=int, default=50)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--garder", help="pickle of the portfolio read, made once and read back (runs after the first)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.garder and Path(args.garder).exists():
        with open(args.garder, "rb") as fh:
            pf = pickle.load(fh)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_portfolio(Path(tmp) / "portefeuille.xlsx", args.fonds)
            pf = load(str(path), as_of=DATE)
        if args.garder:
            with open(args.garder, "wb") as fh:
                pickle.dump(pf, fh)
    t_load = time.perf_counter() - t0
    n_lt = len(pf.lookthrough)
    t0 = time.perf_counter()
    inc = Engine139(pf, as_of=DATE)
    t_engine = time.perf_counter() - t0
    full = Engine139(pf, as_of=DATE, incremental=False)
    L = pf.lines
    labels = L["label"].tolist()
    nat = L["nature"].tolist()
    first = {n: labels[nat.index(n)] for n in ("titre_etat", "opcvm", "organisme_dedie") if n in nat}
    cases = [("achat d'un titre d'État détenu", {"libelle": first["titre_etat"], "montant": 1_000_000}),
             ("vente partielle d'une ligne d'OPCVM (2 000 lignes vues au prorata)",
              {"libelle": first["opcvm"], "montant": -50_000_000}),
             ("achat d'un organisme dédié (2 000 lignes vues au prorata)",
              {"libelle": first["organisme_dedie"], "montant": 20_000_000})]
    print(f"portefeuille : {len(L)} lignes, {n_lt:,} lignes vues par transparence (écrit et lu — ou relu — en {t_load:.0f} s ; "
          f"moteur chargé en {t_engine * 1000:,.0f} ms)".replace(",", "\u202f"))
    print("| ordre | contrôle complet après l'ordre | contrôle incrémental | rapport | objectif |")
    print("|---|---:|---:|---:|---|")
    for name, rec in cases:
        orders = as_orders139([rec])
        a = inc.try_orders(orders)
        b = full.try_orders(orders)
        assert a.status_after == b.status_after and [c.to_dict() for c in a.changes] == [c.to_dict() for c in b.changes]
        t_inc, t_full = float("inf"), float("inf")
        for _ in range(args.repetitions):  # alternated: both see the same load
            t_full = min(t_full, best(lambda: full.try_orders(orders), 1))
            t_inc = min(t_inc, best(lambda: inc.try_orders(orders), 3))
        ratio = t_full / t_inc
        print(f"| {name} | {t_full * 1000:,.0f} ms | {t_inc * 1000:,.1f} ms | {ratio:,.0f}× | ≥ {GOAL:.0f}× : "
              f"{'atteint' if ratio >= GOAL else 'manqué'} |".replace(",", "\u202f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
