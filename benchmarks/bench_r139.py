"""How fast the R. 139 check is, as a ratio against a numpy pass over the same values, in the same run.

    python benchmarks/bench_r139.py [--quick] [--temps-processeur] [--lignes N ...]

`constraints.r139.checker.check` on portfolios whose look-through actif has
100 000 and 1 000 000 lines (50 and 500 funds of 2 000 holdings: UCITS,
fonds mutualisés and dedicated funds, plus 200 lines held directly; an issuer
for about five holdings, each in a consolidation group, every column filled;
an ISIN for most holdings — an issuer's shares and bonds, one or two
securities of each kind, the same security held by several funds under one
ISIN, deposits and 3 % of the holdings without —, so that R. 139-46 counts
each security of an issue once, at its largest figure),
built in memory as the reader gives them (`Portfolio139.items()`), against a
plain numpy pass over the same values: `np.bincount` of the values by issuer,
by group, by nature and by currency, and the total. Goal: at most 3×.

The values as doubles (and their bound, which tells whether a double sum of them is exact) are made once per
table of items, as the reference's doubles are made outside its timing.

The text columns are coded once per input (`R139Input.table()`: every check of
the same portfolio, each régime, date or mode, reads the same codes), as the
reference's codes are made once outside its timing; that coding is timed apart
(« codage »), against `pd.factorize` of the four columns the reference groups by.

What the rules derive from the texts alone — the views, tri-states, masks,
entities, each item's pattern of masks: the *structure* (`model.Structure`) —
is made once per table of items, date and mode and kept for every later check
of them (another check of the same portfolio, or the pre-trade check, whose
orders change amounts only). « contrôle » is such a check: every amount-
dependent sum made again (one exact group sum by pattern, by entity, by
issuer…), every rule judged, its findings built. « premier contrôle » is the
first check of a table, structure included, timed on a table never checked.

« repli des noms »: `model139.one_name_per_person`, which every load of an R. 139 portfolio runs on its items
(issuers, guarantors, counterparties folded to one name per legal person, groups to one name per group), on
the same items, against `pd.factorize` of the columns it folds; « premier » with nothing kept from an earlier table,
« relu » the same names folded again (a portfolio read again: the persons of its distinct names are kept).

Times are the best of several repetitions (`--temps-processeur`: the processor time of the thread,
`time.thread_time`, instead of the elapsed time — on a machine shared by many processes the elapsed time is
mostly waiting for a core, the processor time is not; the pages a check takes new from the system — minor
page faults, zeroed by the kernel on the check's processor time — are printed with each verdict); only the
ratio means something
from one machine to another. This is not a test: it never fails on a slow
machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from constraints import rulebook  # noqa: E402
from constraints.r139.checker import check  # noqa: E402
from constraints.r139.model import R139Input, normalise  # noqa: E402
from reserves.portfolio import identity, model139  # noqa: E402

DATE = dt.date(2025, 12, 31)
NATURES = np.array(["action", "obligation", "tcn", "titre_etat", "depot"], dtype=object)
P_NATURE = np.array([.35, .40, .10, .10, .05])
FUNDS = np.array(["opcvm"] + ["fonds_mutualise", "organisme_dedie"] * 5, dtype=object)  # UCITS ≤ 15 %


def synthetic(n_funds: int, per_fund: int = 2000, n_direct: int = 200, seed: int = 7) -> R139Input:
    rng = np.random.default_rng(seed)
    n_h = n_funds * per_fund
    n_lines = n_direct + n_funds
    base = 20_000_000_000_00  # 20 bn €, cents
    # lines: State bonds held directly (France, Germany, Italy, Spain), then the fund lines
    direct_v = np.full(n_direct, base // 2 // n_direct, dtype=np.int64)
    fund_v = np.full(n_funds, (base - direct_v.sum()) // n_funds, dtype=np.int64)
    states = np.array(["République française", "Allemagne", "Italie", "Espagne"], dtype=object)
    countries = np.array(["FR", "DE", "IT", "ES"], dtype=object)
    k = np.arange(n_direct) % 4
    lines = pd.DataFrame({
        "row": np.arange(n_lines) + 3, "line": np.arange(n_lines), "holding": False,
        "label": np.concatenate([np.array([f"Titre d'État {i}" for i in range(n_direct)], dtype=object),
                                 np.array([f"Fonds {i}" for i in range(n_funds)], dtype=object)]),
        "nature": np.concatenate([np.full(n_direct, "titre_etat", dtype=object), FUNDS[np.arange(n_funds) % len(FUNDS)]]),
        "value": np.concatenate([direct_v, fund_v]), "currency": "EUR",
        "issuer": np.concatenate([states[k], np.array([f"Fonds {i}" for i in range(n_funds)], dtype=object)]),
        "country": np.concatenate([countries[k], np.full(n_funds, "FR", dtype=object)]),
        "issuer_kind": np.concatenate([np.full(n_direct, "etat", dtype=object), np.full(n_funds, "autre", dtype=object)]),
        "listing": "eee", "custody": 2, "fund_compliant": 2, "eligible_share": 0.95, "potential_excess": 0.05,
        "quantity": 1.0, "quantity_issued": 1e12, "sheet": "Portefeuille",
        "isin": np.array([f"{countries[k[i]]}00{i:07d}1" for i in range(n_direct)]
                         + [f"FR00{10 ** 6 + i:07d}2" for i in range(n_funds)], dtype=object),
    })
    # holdings: values summing to each fund line's value exactly (already rescaled, as the reader gives them)
    raw = rng.lognormal(0, 1, size=n_h)
    fund_of = np.repeat(np.arange(n_funds), per_fund)
    share = raw / np.bincount(fund_of, weights=raw)[fund_of]
    hv = np.floor(share * fund_v[fund_of]).astype(np.int64)
    rest = fund_v - np.bincount(fund_of, weights=hv).astype(np.int64)
    first = np.arange(n_funds) * per_fund
    hv[first] += rest
    n_issuers = max(n_h // 5, 1)
    issuer = rng.integers(0, n_issuers, size=n_h)
    nature = NATURES[rng.choice(len(NATURES), size=n_h, p=P_NATURE)]
    names = np.array([f"Émetteur {i}" for i in range(n_issuers)], dtype=object)
    groups = np.array([f"Groupe {i // 3}" for i in range(n_issuers)], dtype=object)
    # the securities: an issuer's shares and its bonds, one or two of each kind (the same security held by
    # several funds shares its ISIN); deposits have none, and a few holdings lack theirs
    kind = np.unique(nature, return_inverse=True)[1]
    isin = np.array([f"XS{i:08d}{c}{s}" for i, c, s in zip(issuer.tolist(), kind.tolist(),
                                                          rng.integers(0, 2, size=n_h).tolist())], dtype=object)
    isin[(nature == "depot") | (rng.random(n_h) < 0.03)] = None
    holdings = pd.DataFrame({
        "row": (np.arange(n_h) % per_fund) + 2, "line": n_direct + fund_of, "holding": True,
        "label": names[issuer], "nature": nature, "value": hv, "currency": "EUR", "issuer": names[issuer],
        "group": groups[issuer], "country": "FR", "issuer_kind": np.where(nature == "depot", "etablissement_credit",
                                                                          "autre"),
        "listing": "eee", "custody": 2, "withdrawable": 2, "rate_type": "fixe", "in_body_name": 2,
        "quantity": 1.0, "quantity_issued": 1e12, "sheet": "Transparence", "isin": isin,
        "via": np.array([f"Fonds {i}" for i in range(n_funds)], dtype=object)[fund_of],
        "via_nature": FUNDS[fund_of % len(FUNDS)],
    })
    items = pd.concat([lines, holdings], ignore_index=True)
    inventories = {n_direct + i: DATE - dt.timedelta(days=15) for i in range(n_funds)}
    return R139Input(items=items, inventories=inventories, source="synthétique")


def numpy_pass(inp: R139Input):
    """The reference: one pass of bincounts over the same values (codes made once, outside the timing)."""
    X = inp._codes
    v = X["value"]
    return (np.bincount(X["issuer"], weights=v), np.bincount(X["group"], weights=v),
            np.bincount(X["nature"], weights=v, minlength=32), np.bincount(X["currency"], weights=v), v.sum())


CLOCK = time.perf_counter


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        best = min(best, CLOCK() - t0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100 000 lines only, fewer repetitions")
    ap.add_argument("--temps-processeur", action="store_true", help="processor time of the thread, not elapsed time")
    ap.add_argument("--lignes", type=int, action="append", metavar="N",
                    help="look-through lines of a portfolio to measure (a multiple of 2 000; repeatable; "
                         "default 100 000 and 1 000 000)")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.thread_time if args.temps_processeur else time.perf_counter
    version = rulebook.for_date(DATE)
    sizes = [max(n // 2000, 1) for n in args.lignes] if args.lignes else [50] if args.quick else [50, 500]
    print(f"horloge : {'temps processeur du fil' if args.temps_processeur else 'temps écoulé'} ; charge moyenne "
          f"(1, 5, 15 min) au départ : {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| lignes vues par transparence | contrôle R. 139 | numpy une passe | rapport | premier contrôle (structure "
          "comprise) | rapport | codage des textes (une fois) | pd.factorize ×4 | rapport |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n_funds in sizes:
        inp = synthetic(n_funds)
        it = inp.items
        inp._codes = {"value": it["value"].to_numpy(dtype=np.float64),
                      **{c: pd.factorize(it[c])[0] + 1 for c in ("issuer", "group", "nature", "currency")}}
        X = inp.table()

        def first_check():  # a table never checked: its structure made again
            X.__dict__.pop("structures", None)
            X.__dict__.pop("regime_takes", None)
            return check(inp, version, as_of=DATE)

        rep = 3 if n_funds >= 500 or args.quick else 5
        t_first = best_of(first_check, 2 if n_funds >= 500 else 3)
        v = check(inp, version, as_of=DATE)
        assert v.status in ("ok", "unknown", "breach")
        check(inp, version, as_of=DATE)  # the structure serves a second check: the masks' patterns are made
        t_check, t_np = float("inf"), float("inf")
        for _ in range(3 * rep):  # alternated, the best of each: on a shared machine the quietest moments
            t_check = min(t_check, best_of(lambda: check(inp, version, as_of=DATE), 1))
            t_np = min(t_np, best_of(lambda: numpy_pass(inp), 3))
        t_code = best_of(lambda: normalise(it), 2)
        t_fac = best_of(lambda: [pd.factorize(it[c]) for c in ("issuer", "group", "nature", "currency")], 3)
        n = int(it["holding"].sum())
        print(f"| {n:,} | {t_check * 1000:,.1f} ms | {t_np * 1000:,.1f} ms | {t_check / t_np:,.1f}× "
              f"| {t_first * 1000:,.0f} ms | {t_first / t_np:,.0f}× "
              f"| {t_code * 1000:,.0f} ms | {t_fac * 1000:,.0f} ms | {t_code / t_fac:,.1f}× |".replace(",", "\u202f"))
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        check(inp, version, as_of=DATE)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        open_rules = ", ".join(f"{r.spec.id} {r.status}" for r in v.results if r.status not in ("ok", "not_applicable"))
        print(f"  verdict : {v.status}{' ; ' + open_rules if open_rules else ''} ; pages neuves par contrôle "
              f"(défauts de page mineurs) : {faults:,}".replace(",", "\u202f"), file=sys.stderr)
        del inp, it, X, v
        gc.collect()  # the next size starts from a process without this one's tables
    print()
    print("| lignes vues par transparence | noms distincts | repli des noms, premier | relu | pd.factorize des noms "
          "| rapport (premier) | rapport (relu) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n_funds in sizes:
        it = synthetic(n_funds).items
        cols = [c for c in (*model139.PERSON_COLUMNS, "group") if c in it.columns]

        def fold_first():  # nothing kept: neither the persons of a table nor the folded words of a name
            model139._PERSON_KEYS.clear()
            identity.clear_name_words()
            return model139.one_name_per_person(it)
        t_first = best_of(fold_first, 3)
        t_again = best_of(lambda: model139.one_name_per_person(it), 3)
        t_fac = best_of(lambda: [pd.factorize(it[c]) for c in cols], 5)
        n_names = sum(len(pd.unique(it[c].dropna())) for c in cols)
        n = int(it["holding"].sum())
        print(f"| {n:,} | {n_names:,} | {t_first * 1000:,.0f} ms | {t_again * 1000:,.0f} ms | {t_fac * 1000:,.0f} ms "
              f"| {t_first / t_fac:,.1f}× | {t_again / t_fac:,.1f}× |".replace(",", "\u202f"))
    print(f"charge moyenne à la fin : {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
