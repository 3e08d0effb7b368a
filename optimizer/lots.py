"""When lots or minimum trade sizes make a compliant portfolio impossible: say so, and what would work.

A mixed-integer rebalancing (`--quotite`, `--montant-minimal`) can be infeasible while its continuous
relaxation is not: the rules could all be met, but not in multiples of the lot. The elastic model,
solved with its integers, says which row gives way (often a pocket's balance: lines sold in full leave
a remainder that no multiple of the lot can place); this module checks the relaxation, names the lots
(or the minimum sizes) as the cause, and searches the lot sizes of the 1-2-5 series below the user's
for one with which a compliant proposal exists.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from reserves.portfolio.fmt import fr_euros
from reserves.portfolio.parsing import POCKETS

TRIES = 6  # lot sizes tried at most (each is one mixed-integer solve)
TRY_SECONDS = 5.0  # time limit of each try


def _series_below(cents: int) -> list[int]:
    """Lot sizes of the 1-2-5 series strictly below `cents`, largest first, down to one cent."""
    out = []
    k = 10 ** (len(str(max(cents, 1))))
    while k >= 1:
        for m in (5, 2, 1):
            x = m * k
            if 1 <= x < cents and x not in out:
                out.append(x)
        k //= 10
    return sorted(set(out), reverse=True)


def diagnose(kw: dict, hard, *, build_model, solve, pocket_fr) -> list:
    """Entries of the explanation when the integers are the cause; [] when the relaxation is infeasible too
    (then the rules themselves conflict, and the elastic model says which)."""
    relaxed = solve(replace(hard.lp, integer=None), None)
    if relaxed.status != "optimal":
        return []
    lot = kw.get("lot")
    has_lot = lot is not None and np.any(np.nan_to_num(lot) > 0)
    out = []
    if not has_lot:
        out.append({"rule": "montant-minimal", "article": None, "title": "montants minimaux d'opération",
                    "euros": None, "subjects": [],
                    "message": "Les montants minimaux d'opération (--montant-minimal) sont la cause : sans eux, une "
                               "proposition conforme existe. Abaisser le montant minimal."})
        return out
    lots = np.nan_to_num(lot)
    tradable = kw["can_sell"] | kw["can_buy"] | kw["must_close"]
    free = tradable & ~kw["must_close"]
    user_lot = int(round(float(lots[free & (lots > 0)].max()) * 100)) if np.any(free & (lots > 0)) else 0
    # the remainder each pocket must place in multiples of the lot, when every free line has one
    remainders, g = {}, 0
    v0, pockets = kw["v0"], kw["pockets"]
    for p in POCKETS:
        in_p = pockets == p
        if not np.any(tradable & in_p):
            continue
        cash = int(round(kw["cash_by_pocket"].get(p, 0.0) * 100))
        rem = cash + int(v0[kw["must_close"] & in_p].sum())
        if np.all(lots[free & in_p] > 0):
            remainders[p] = rem
            g = math.gcd(g, abs(rem))
    works = None
    candidates = [c for c in _series_below(user_lot) if not remainders or g == 0 or g % c == 0]
    for c in candidates[:TRIES]:
        scaled = np.where(lots > 0, lots * (c / user_lot), np.nan)
        trial = build_model(**{**kw, "lot": scaled})
        sol = solve(trial.lp, TRY_SECONDS)
        if sol.status == "optimal":
            works = c
            break
    parts = [f"Les quotités de {fr_euros(user_lot)} sont la cause : sans quotité, une proposition conforme existe."]
    stuck = {p: r for p, r in remainders.items() if user_lot and r % user_lot}
    for p, r in stuck.items():
        parts.append(f"Dans la poche {pocket_fr(p)}, les ventes imposées (lignes cédées en entier) et la trésorerie "
                     f"laissent {fr_euros(abs(r))} à {'placer' if r > 0 else 'lever'}, qui n'est pas un multiple de "
                     "la quotité.")
    if works is not None:
        parts.append(f"Une quotité de {fr_euros(works)} permet une proposition conforme.")
    elif candidates:
        parts.append(f"Aucune des quotités essayées, de {fr_euros(candidates[0])} à "
                     f"{fr_euros(candidates[min(TRIES, len(candidates)) - 1])}, ne suffit.")
    if stuck:
        parts.append("Une ligne sans quotité, par exemple les dépôts (--quotite 13=0), recevrait ce reliquat.")
    out.append({"rule": "quotite", "article": None, "title": "quotités", "euros": None,
                "subjects": [pocket_fr(p) for p in stuck], "message": " ".join(parts),
                "lot_that_works": None if works is None else works / 100})
    return out
