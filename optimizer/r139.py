"""The R. 139 reallocation: which lines to sell, which to buy, so that every limit of R. 139-1 to R. 139-56 holds.

The model is written by the R. 139 rule kinds themselves (`constraints/r139/`): for each régime (RR 1),
each kind's `linear_form(ctx)` gives rows Σ A·x (≤ or ≥) share · actif de placement + const over the
*items* of the régime — the lines as held and the holdings of the funds seen through (R. 139-17) — and
`line_status(ctx)` the items that must go (a failed condition) or may not be bought (an open one).

The decision is per line of the `Portefeuille` sheet. A holding of a fund line moves with it pro rata
(R. 139-17 last paragraph: the holdings are rescaled to the line's value), so an item's value is linear
in its line's value: x_item = (v_item / v_line) · X_line, and each rule block F becomes F · M over the
lines, with M that look-through matrix. With b and s the euros bought and sold of each line,
X = v + b − s; each régime keeps its own cash (Σ (b − s) = 0 over its lines), so its actif de
placement is a constant and every row has a constant right-hand side.

R. 139-45 I 3° (RR 6) is not linear: an entity above 5 % must be in the 40 % basket (and under
10 %, a row of its own). One binary y per entity that can exceed 5 %: S − M·y ≤ 5 %; z ≥ S − M·(1 − y),
z ≥ 0; Σ z ≤ 40 %. The mixed-integer programme is solved by HiGHS through Pyomo (`optimizer.lp`);
the binaries are then fixed and the linear programme solved again, so that the integrality tolerance
never leaves an entity at 5 % plus a few euros outside the basket.

What is not traded: lines outside the actif de placement (`gestion`, `prestations_3_mois`), financial
contracts and funds whose look-through holds some (their exposures are constants of the rows), lines
locked by the user. What is not bought: real estate, fonds mutualisés and other illiquid natures, lines
of unknown status under a line rule, funds seen without their holdings. A fund seen without its
holdings adds nothing to the rows: the rules it leaves open stay `unknown` and say which inventory to
give; a line without group counts as its own entity, as the checker's lower bound does.

The rounded proposal (cents; quantities and accrued interest moved pro rata, quantities rounded up)
is checked again by the R. 139 checker on the portfolio after the trades; its verdict is the answer.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy.sparse as sp

from constraints.kind import LinearBlock
from constraints.r139.checker import check, rules_of
from constraints.r139.cure import Cure
from constraints.r139.entities import BasketBlock
from constraints.r139.inputs import from_portfolio
from constraints.r139.model import FALSE, UNKNOWN, Ctx, clean_value, normalise
from constraints.rules import BREACH, OK, UNKNOWN_S
from reserves.portfolio.fmt import fr_euros
from reserves.portfolio import lookthrough as LT
from reserves.portfolio.errors import InputError

from .lp import INF, LP, solve_pyomo

CENT = 0.01
# Measured on the generated 10 000-line R. 139 portfolio (benchmarks/bench_optimizer.py): HiGHS presolve more
# than halves the MILP's solve, unlike the R. 623 LP (optimizer.lp.DEFAULT_PRESOLVE).
PRESOLVE = "on"
QUANTITY_PLACES = Decimal("0.0001")
DEFAULT_BUY_CAP = Fraction(2, 100)
# natures never bought by default: real estate, illiquid or unlisted assets, contracts, borrowings
NO_BUY = ("droit_immobilier", "societe_immobiliere", "opci", "fonds_mutualise", "autre", "autre_fm", "certificat",
          "cession_temporaire", "emprunt", "contrat_financier")
STATUS_FR = {"nothing_to_do": "rien à faire", "optimal": "proposition conforme", "unknown": "proposition à vérifier",
             "breach": "manquements restants", "infeasible": "aucune proposition possible"}


@dataclass
class Proposal139:
    status: str  # nothing_to_do | optimal (re-checked ok) | unknown (re-checked, open for missing data) | breach | infeasible
    before: object  # Verdict139
    after: object | None
    trades: list = field(default_factory=list)
    portfolio: object = None  # Portfolio139 after the trades
    solver: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    n_rows: int = 0
    n_binaries: int = 0
    source: str = ""
    before_lines: np.ndarray | None = None  # line values before the trades, cents

    @property
    def exit_code(self) -> int:
        if self.status == "nothing_to_do":
            return 0 if self.before.status == OK else 3
        if self.status in ("infeasible", "breach"):
            return 1
        return self.after.exit_code

    def to_dict(self) -> dict:
        def rules(v):
            return None if v is None else [{"id": r.spec.id, "status": r.status, "value": r.value, "limit": r.limit}
                                           for r in v.results]
        after = self.after
        return {
            "status": self.status, "status_fr": STATUS_FR[self.status], "version": self.before.version.describe(),
            "as_of": self.before.as_of.isoformat(), "before": self.before.status,
            "after": None if after is None else after.status,
            "trades": [{k: (v / 100 if k in ("before", "after", "amount") else v) for k, v in t.items()}
                       for t in self.trades],
            "sold": sum(t["amount"] for t in self.trades if t["action"] == "sell") / 100,
            "bought": sum(t["amount"] for t in self.trades if t["action"] == "buy") / 100,
            "rules_before": rules(self.before), "rules_after": rules(after),
            "findings_after": [] if after is None else [f.to_dict() for f in after.findings],
            "notes": list(self.notes), "solver": dict(self.solver), "rows": self.n_rows, "binaries": self.n_binaries,
        }


# --------------------------------------------------------------------------- régimes and the look-through matrix


def regimes(X, simplified) -> list:
    """[(régime name or None, its items, simplified?)], each régime apart as the checker splits them (a holding
    takes its fund line's régime; lines without one are a régime of their own)."""
    holding = X["holding"]
    codes, names_u = X.codes["regime"]
    direct_codes = codes[~holding]
    if not (direct_codes >= 0).any():
        groups, item_code = [(None, None)], None
    else:
        line_code = np.full(int(X["line"].max()) + 2 if len(X) else 1, -1, dtype=np.int64)
        line_code[X["line"][~holding]] = direct_codes
        item_code = line_code[X["line"]]
        groups = [(str(names_u[c]), c) for c in sorted(set(direct_codes[direct_codes >= 0].tolist()),
                                                        key=lambda c: str(names_u[c]))]
        if (direct_codes < 0).any():
            groups.append(("(non renseigné)", -1))
    out = []
    for name, c in groups:
        items = X if c is None else X.take(np.flatnonzero(item_code == c))
        if simplified is True:
            simp = True
        elif not simplified:
            simp = False
        else:
            simp = name is None or clean_value("regime", name) in {clean_value("regime", s) for s in simplified}
        out.append((name, items, simp))
    return out


def lookthrough_matrix(ctx: Ctx, line_value: np.ndarray) -> sp.csr_matrix:
    """M (items × lines): an item's value per euro of its line's value (1 for a line as held, v_item / v_line for
    a holding of a fund line)."""
    a = ctx.a
    line = a["line"].astype(np.int64)
    v = ctx.value.astype(float)
    lv = line_value[line].astype(float)
    w = np.where(ctx.holding, np.divide(v, lv, out=np.zeros(ctx.n), where=lv != 0), 1.0)
    return sp.csr_matrix((w, (np.arange(ctx.n), line)), shape=(ctx.n, len(line_value)))


def blocks_of(form) -> list:
    if form is None:
        return []
    return [b for b in (form if isinstance(form, (list, tuple)) else [form]) if b is not None and b.n_rows]


# --------------------------------------------------------------------------- the model


def rebalance139(pf, version, *, as_of: dt.date, path=None, simplified=False, simplified_since=None,
                 max_age_days=None, observations=(), margin=0, buy_cap=DEFAULT_BUY_CAP, locks=(), buy_rows=(),
                 presolve: str = PRESOLVE, time_limit: float | None = None, progress=None) -> Proposal139:
    """The least-turnover trades after which the R. 139 portfolio `pf` (a `Portfolio139`) keeps every limit,
    re-checked by the R. 139 checker."""
    t_start = time.perf_counter()
    inp = from_portfolio(pf, path)
    inp.observations = list(inp.observations) + list(observations)
    kw = dict(as_of=as_of, simplified=simplified, simplified_since=simplified_since, max_age_days=max_age_days)
    before = check(inp, version, **kw)
    t_check = time.perf_counter() - t_start
    if not any(r.status == BREACH for r in before.results):
        p = Proposal139("nothing_to_do", before, None)
        p.notes.append("aucune limite dépassée : rien à céder ni à acheter")
        if before.status == UNKNOWN_S:
            p.notes.append("des règles restent à vérifier faute de données : voir « reserves check »")
        p.solver = {"check_seconds": round(t_check, 3)}
        p.source = pf.source
        return p
    margin = Fraction(str(margin or 0))
    L = pf.lines
    n = len(L)
    v_c = L["value"].to_numpy(dtype=np.int64)
    v = v_c / 100.0
    rows_known = set(L["row"].astype(int).tolist())
    for r in list(locks) + list(buy_rows):
        if int(r) not in rows_known:
            raise InputError.one(f"ligne {r} : aucune ligne du portefeuille à cette ligne du tableur")
    locked = L["row"].isin([int(r) for r in locks]).to_numpy().copy()
    X = normalise(inp.items)
    rules = [r for r in rules_of(version) if not isinstance(r, Cure)]
    forms = []  # (rule, block, G = F·M over the lines, régime index)
    close = np.zeros(n, dtype=bool)
    close_why: dict = {}
    nobuy = np.zeros(n, dtype=bool)
    in_base = np.zeros(n, dtype=bool)
    regime_of = np.full(n, -1, dtype=np.int64)
    bases = []
    names = []
    for g, (name, items, simp) in enumerate(regimes(X, simplified)):
        ctx = Ctx(inp, items, version, as_of, simplified=simp, regime=name, max_age_days=max_age_days,
                  simplified_since=simplified_since)
        line = ctx.a["line"].astype(np.int64)
        direct_p = np.flatnonzero(ctx.P)
        in_base[line[direct_p]] = True
        regime_of[line[ctx.direct]] = g
        bases.append(ctx.base / 100.0)
        names.append(name)
        M = lookthrough_matrix(ctx, v_c)
        for rule in rules:
            for block in blocks_of(rule.linear_form(ctx)):
                F = sp.csr_matrix((np.asarray(block.coefs, dtype=float), (block.rows, block.cols)),
                                  shape=(block.n_rows, ctx.n))
                forms.append((rule, block, (F @ M).tocsr(), g))
            st = rule.line_status(ctx)
            if st is not None:
                applies, tri = st
                bad = np.unique(line[applies & (tri == FALSE)])
                close[bad] = True
                for i in bad.tolist():
                    close_why.setdefault(i, rule.id)
                nobuy[line[applies & (tri == UNKNOWN)]] = True
        nobuy[line[ctx.T_blind | ctx.D_blind]] = True
        locked[np.unique(line[ctx.contract()])] = True  # contracts, and funds that hold some, are not traded
    nature = L["nature"].astype(object).to_numpy()
    can_sell = in_base & (v_c > 0) & ~locked
    can_buy = can_sell & ~close & ~nobuy & (~np.isin(nature, NO_BUY) | L["row"].isin([int(r) for r in buy_rows]).to_numpy())
    notes = []
    stuck = np.flatnonzero(close & ~can_sell & (v_c != 0))
    T = np.flatnonzero(can_sell)
    nT = len(T)
    vT = v[T]
    cap_T = np.array([float(buy_cap) * bases[regime_of[j]] for j in T]) if buy_cap is not None else np.full(nT, INF)
    b_ub = np.where(can_buy[T], cap_T, 0.0)
    s_lb = np.where(close[T], vT, 0.0)
    s_ub = vT.copy()
    b_ub = np.where(close[T], 0.0, b_ub)

    # ---- rows of the rules
    A_rows, lo_rows, hi_rows, meta = [], [], [], []
    baskets = []
    for rule, block, G, g in forms:
        tight = block.tighten(margin) if (margin and block.limit is not None) else block
        B0 = bases[g] if block.base is not None else 0.0
        rhs = float(tight.share) * B0 + np.asarray(tight.const, dtype=float)
        lhs0 = G @ v
        GT = G[:, T].tocsr()
        absrow = np.asarray(abs(GT).sum(axis=1)).ravel()
        tol = 2 * CENT * absrow + CENT + 1e-9 * np.abs(rhs)
        if isinstance(block, BasketBlock):
            baskets.append((rule, tight, GT, lhs0, rhs, tol, g))
            continue
        up = GT.multiply(GT > 0) @ b_ub - GT.multiply(GT < 0) @ s_ub  # the most the row can grow
        down = GT.multiply(GT > 0) @ s_ub - GT.multiply(GT < 0) @ b_ub
        if block.sense == "<=":
            keep = ~(np.isfinite(up) & (lhs0 + up <= rhs - tol))
            fixed_bad = keep & (np.diff(GT.indptr) == 0) & (lhs0 > rhs)
        else:
            keep = ~(np.isfinite(down) & (lhs0 - down >= rhs + tol))
            fixed_bad = keep & (np.diff(GT.indptr) == 0) & (lhs0 < rhs)
        for k in np.flatnonzero(fixed_bad).tolist():
            notes.append(f"{rule.id} — {block.subjects[k]} : ne dépend d'aucune ligne négociable (contrats, lignes "
                         f"bloquées) : la limite ne peut être rétablie par des ventes ou des achats")
        idx = np.flatnonzero(keep & ~fixed_bad)
        if not len(idx):
            continue
        A_rows.append(GT[idx])
        if block.sense == "<=":
            lo_rows.append(np.full(len(idx), -INF))
            hi_rows.append(rhs[idx] - lhs0[idx] - tol[idx])
        else:
            lo_rows.append(rhs[idx] - lhs0[idx] + tol[idx])
            hi_rows.append(np.full(len(idx), INF))
        meta += [(rule.id, block.subjects[k]) for k in idx.tolist()]
    # ---- columns: b, s, then for each basket entity y (binary) and z
    extra_cols = []  # (lb, ub, integer)
    basket_rows = []  # (dict of extra columns, GT row or None, lo, hi)
    meta_plain, meta_basket = [], []
    n_bin = 0
    for rule, tight, GT, lhs0, rhs, tol, g in baskets:
        five = rhs  # share · B0 per entity row
        up = GT.multiply(GT > 0) @ b_ub
        smax = lhs0 + up
        # an entity that one line's purchase cannot bring above 5 % gets no binary: it keeps to 5 % (a plain row
        # where it could get there at all), which can only be stricter than the basket
        room = float(buy_cap) * bases[g] if buy_cap is not None else INF
        cand = np.flatnonzero((lhs0 + room > five - tol) & (~np.isfinite(smax) | (smax > five - tol)))
        plain = np.setdiff1d(np.flatnonzero(~np.isfinite(smax) | (smax > five - tol)), cand)
        if len(plain):
            A_rows.append(GT[plain])
            lo_rows.append(np.full(len(plain), -INF))
            hi_rows.append(five[plain] - lhs0[plain] - tol[plain])
            meta_plain += [(rule.id, tight.subjects[k]) for k in plain.tolist()]
        if not len(cand):
            continue
        forty = float(tight.basket) * bases[g]
        zs = []
        for k in cand.tolist():
            Mk = float(smax[k]) if np.isfinite(smax[k]) else 2 * bases[g] + float(lhs0[k])
            Mk = max(Mk, float(lhs0[k]), float(five[k])) + 1.0
            y = len(extra_cols)
            extra_cols.append((0.0, 1.0, True))
            z = len(extra_cols)
            extra_cols.append((0.0, INF, False))
            zs.append(z)
            row = GT[k]
            # S − M·y ≤ 5 %: outside the basket an entity keeps to 5 %
            basket_rows.append(({y: -Mk}, row, -INF, float(five[k] - lhs0[k] - tol[k])))
            # S − z + M·y ≤ M: in the basket, z is at least its whole exposure
            basket_rows.append(({z: -1.0, y: Mk}, row, -INF, float(Mk - lhs0[k])))
            meta_basket += [(rule.id, tight.subjects[k]), (rule.id, tight.subjects[k])]
            n_bin += 1
        basket_rows.append(({z: 1.0 for z in zs}, None, -INF, forty - CENT - 1e-9 * forty))
        meta_basket.append((rule.id, "panier des 40 %"))
    meta += meta_plain + meta_basket
    n_plain = sum(len(x) for x in lo_rows)

    # ---- one balance per régime: its actif de placement is unchanged
    bal_rows = []
    for g in range(len(bases)):
        sel = np.flatnonzero(regime_of[T] == g)
        if len(sel):
            bal_rows.append(sel)
            meta.append(("equilibre", f"régime {names[g]}" if names[g] else "actif de placement"))
    n_extra = len(extra_cols)
    ncol = 2 * nT + n_extra
    blocks_A = []
    for GT in A_rows:
        blocks_A.append(sp.hstack([GT, -GT, sp.csr_matrix((GT.shape[0], n_extra))], format="csr"))
    lo_all = list(lo_rows)
    hi_all = list(hi_rows)
    for extra, row, lo, hi in basket_rows:
        e = sp.csr_matrix((list(extra.values()), ([0] * len(extra), list(extra.keys()))), shape=(1, n_extra))
        r = row if row is not None else sp.csr_matrix((1, nT))
        blocks_A.append(sp.hstack([r, -r, e], format="csr"))
        lo_all.append(np.array([lo]))
        hi_all.append(np.array([hi]))
    for sel in bal_rows:
        r = sp.csr_matrix((np.ones(len(sel)), (np.zeros(len(sel), dtype=np.int64), sel)), shape=(1, nT))
        blocks_A.append(sp.hstack([r, -r, sp.csr_matrix((1, n_extra))], format="csr"))
        lo_all.append(np.zeros(1))
        hi_all.append(np.zeros(1))
    A = sp.vstack(blocks_A, format="csr") if blocks_A else sp.csr_matrix((0, ncol))
    row_lb = np.concatenate(lo_all) if lo_all else np.zeros(0)
    row_ub = np.concatenate(hi_all) if hi_all else np.zeros(0)
    col_lb = np.concatenate([np.zeros(nT), s_lb, np.array([c[0] for c in extra_cols])])
    col_ub = np.concatenate([b_ub, s_ub, np.array([c[1] for c in extra_cols])])
    integer = np.concatenate([np.zeros(2 * nT, dtype=bool), np.array([c[2] for c in extra_cols], dtype=bool)])
    cost = np.concatenate([np.ones(2 * nT), np.zeros(n_extra)])
    sections = [("regles", 0, n_plain), ("panier_40", n_plain, n_plain + len(basket_rows)),
                ("equilibre", n_plain + len(basket_rows), A.shape[0])]
    lp = LP(cost, col_lb, col_ub, A, row_lb, row_ub, integer if integer.any() else None, 0.0, sections)
    t0 = time.perf_counter()
    sol = solve_pyomo(lp, presolve=presolve, time_limit=time_limit, progress=progress)
    solver = {"mip": lp.is_mip, "binaries": n_bin, "rows": int(A.shape[0]), "columns": int(ncol),
              "build_seconds": sol.build_seconds, "seconds": sol.seconds, "status": sol.status,
              "highs_status": sol.highs_status, "check_seconds": round(t_check, 3)}
    if sol.x is not None and lp.is_mip:  # the binaries fixed, the linear programme again
        x = sol.x
        y = np.round(x[2 * nT:]).clip(0, 1)
        lb2, ub2 = col_lb.copy(), col_ub.copy()
        ints = np.flatnonzero(integer)
        lb2[ints] = ub2[ints] = y[ints - 2 * nT]
        sol2 = solve_pyomo(replace(lp, col_lb=lb2, col_ub=ub2, integer=None), presolve=presolve,
                           time_limit=time_limit)
        solver["polish_seconds"] = sol2.build_seconds + sol2.seconds
        sol = sol2 if sol2.x is not None else sol
        solver["status"] = sol.status
    solver["solve_seconds"] = round(time.perf_counter() - t0, 3)
    for j in stuck.tolist():
        notes.append(f"ligne {int(L['row'].iat[j])} « {L['label'].iat[j]} » : à céder ({close_why.get(j)}) mais non "
                     f"négociable (bloquée, contrat, ou hors de l'actif de placement)")
    if sol.x is None:
        p = Proposal139("infeasible", before, None, notes=notes, solver=solver, n_rows=int(A.shape[0]),
                        n_binaries=n_bin, source=pf.source, before_lines=v_c)
        p.notes.insert(0, "aucun portefeuille ne tient toutes les limites avec les lignes négociables "
                          "(achats plafonnés à " + ("—" if buy_cap is None else f"{float(buy_cap) * 100:.2f}".replace(".", ",") +
                                                    " % de l'actif de placement par ligne") + ")")
        return p
    x = sol.x
    new_c = v_c.copy()
    trade = x[:nT] - x[nT:2 * nT]
    newT = np.rint((vT + trade) * 100).astype(np.int64)
    newT = np.where(close[T] | (x[nT:2 * nT] >= vT - CENT / 2), 0, newT)
    newT = np.maximum(newT, 0)
    for sel in bal_rows:  # each régime's cash balances to the cent
        diff = int(newT[sel].sum() - v_c[T][sel].sum())
        if diff:
            j = sel[np.argmax(newT[sel] - v_c[T][sel])] if diff > 0 else sel[np.argmax(newT[sel] - v_c[T][sel])]
            newT[j] -= diff
    new_c[T] = newT
    pf_after = with_values(pf, new_c)
    inp2 = from_portfolio(pf_after, path)
    inp2.observations = list(inp.observations)
    after = check(inp2, version, **kw)
    trades = []
    for j in np.flatnonzero(new_c != v_c).tolist():
        d = int(new_c[j] - v_c[j])
        trades.append({"row": int(L["row"].iat[j]), "label": str(L["label"].iat[j]), "nature": str(nature[j]),
                       "regime": None if regime_of[j] < 0 else names[regime_of[j]], "before": int(v_c[j]),
                       "after": int(new_c[j]), "action": "buy" if d > 0 else "sell", "amount": abs(d),
                       "whole": bool(new_c[j] == 0)})
    trades.sort(key=lambda t: (t["action"] != "sell", -t["amount"]))
    if any(r.status == BREACH for r in after.results):
        status = "breach"
        notes.append("le contrôle après opérations trouve encore des manquements : " +
                     ", ".join(r.spec.id for r in after.results if r.status == BREACH))
    else:
        status = "optimal" if after.status == OK else "unknown"
    if after.status == UNKNOWN_S:
        open_ = sorted({f.rule for f in after.findings if f.status == UNKNOWN_S})
        notes.append("règles à vérifier faute de données (inventaire d'un fonds, groupe, quantités…), inchangées par "
                     "les opérations : " + ", ".join(open_))
    solver["seconds_total"] = round(time.perf_counter() - t_start, 3)
    return Proposal139(status, before, after, trades, pf_after, solver, notes, int(A.shape[0]), n_bin, pf.source, v_c)


# --------------------------------------------------------------------------- the portfolio after the trades


def with_values(pf, new_cents: np.ndarray):
    """The portfolio with each line at its new value: accrued interest and quantities moved pro rata (quantities
    rounded up to 1/10 000, which can only overstate a share of an issue), the funds' holdings rescaled; a line
    sold whole is left out."""
    lines = pf.lines.copy()
    old = lines["value"].to_numpy(dtype=np.int64)
    new = np.asarray(new_cents, dtype=np.int64)
    changed = np.flatnonzero(new != old)
    ai = lines["accrued_interest"].to_numpy(dtype=np.int64).copy()
    q = lines["quantity"].to_numpy(dtype=float).copy()
    qx = lines["quantity_exact"].to_numpy(dtype=object).copy() if "quantity_exact" in lines else None
    for j in changed.tolist():
        t = Fraction(int(new[j]), int(old[j])) if old[j] else Fraction(0)
        ai[j] = int(round(Fraction(int(ai[j])) * t))
        if qx is not None and qx[j] is not None and not (isinstance(qx[j], float) and np.isnan(qx[j])):
            nq = (Decimal(str(qx[j])) * Decimal(t.numerator) / Decimal(t.denominator)).quantize(
                QUANTITY_PLACES, rounding=ROUND_CEILING)
            qx[j] = nq
            q[j] = float(nq)
    lines["accrued_interest"] = ai
    lines["value"] = new
    lines["market_value"] = new - ai
    lines["quantity"] = q
    if qx is not None:
        lines["quantity_exact"] = qx
    gone = (new == 0) & (old != 0)  # a line sold whole leaves the portfolio (its conditions no longer apply)
    extra = pf.extra
    if gone.any():
        lines = lines.loc[~gone].reset_index(drop=True)
        if extra is not None and len(extra) == len(gone):
            extra = extra.loc[~gone].reset_index(drop=True)
    lt, inv, cols = LT.build(lines, pf.inventory_list)
    for k, val in cols.items():
        lines[k] = val
    return replace(pf, lines=lines, lookthrough=lt, inventories=inv, extra=extra)


__all__ = ["rebalance139", "Proposal139", "with_values", "regimes", "lookthrough_matrix", "blocks_of", "STATUS_FR", "PRESOLVE"]
