"""What a portfolio manager would sign: which lines a proposal may buy, how much per line and per issuer,
and how the proceeds are spread.

An optimum of a linear programme sits on a vertex: left alone, the least-turnover model puts all the
proceeds of the sales into one line. The default proposal therefore

- buys only what a manager buys without a decision of the board: listed securities, funds and
  deposits — never a building (9°), shares of a real-estate company (10°), a loan (11°, 12°), an
  unlisted private-equity fund (6°) or a line marked `marche_reconnu` = non, unless the user's
  universe lists it or the user allows its category (`buy_categories`) or row (`buy_rows`);
- never buys a line past its maturity (`echeance` before the portfolio's date);
- caps the net purchases of each issuer (of each line, when it has no issuer) at a share of its
  pocket's value before the trades (`DEFAULT_BUY_CAP`, `--achat-max`);
- among the proposals of least turnover (or least cost, or closest to the target), takes one closest to
  the current mix: the purchases of the optimal solution are spread over the lines each pocket may buy in
  proportion to their current value (`spread_purchases`, water filling: every line grows by the same
  factor, a new line counting as an average line of its pocket), within groups of equal first objective,
  every row of the programme checked; a line a row holds back keeps the solution's purchase and the rest
  is spread again. With lots (whole numbers), a second programme (`mix_programme`) minimises the largest
  relative purchase tₚ (bᵢ ≤ tₚ·vᵢ), then Σ |bᵢ − wᵢ·Bₚ|, with the first objective held at its optimum.
  A linear programme alone would sit on a vertex; a second linear programme over every line costs, on
  10 000 lines, a hundred times the first (thousands of degenerate pivots), the water filling a few
  sparse products.

These are separate from the rulebook's constraints on purpose: they are preferences, stated by the
user's options, and a conflict they cause is named as such in the explanation.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy.sparse as sp

from reserves.portfolio import parsing as P

DEFAULT_BUY_CAP = Fraction(2, 100)  # of the pocket's value before the trades, per issuer (per line without one)
RESTRICTED_CATEGORIES = {6: "fonds de capital-investissement non cotés (6°)", 9: "immeubles (9°)",
                         10: "parts de sociétés immobilières (10°)", 11: "prêts (11°)",
                         12: "prêts hypothécaires (12°)"}
LISTED_CATEGORIES = (1, 2, 3, 4, 7)  # securities whose `marche_reconnu` = non makes them unlisted
MIX_TOLERANCE = 1e-12  # the first objective may move by this share in the second programme (solver tolerance)
MIX_MIP_MAX_LINES = 2000  # the second programme, mixed-integer, beyond this would cost more than the first
BUY_CAP_RULE = "achat-max"
BUY_CAP_TITLE = "plafond d'achat par émetteur et par ligne (--achat-max)"


# --------------------------------------------------------------------------- what may be bought


def restricted_mask(L: pd.DataFrame) -> np.ndarray:
    """Lines a manager would not buy without a decision: buildings, real-estate companies, loans,
    unlisted private equity, securities marked as not listed."""
    cat = L["category"].to_numpy().astype(np.int64)
    out = np.isin(cat, list(RESTRICTED_CATEGORIES))
    if "recognised_market" in L:
        unlisted = L["recognised_market"].to_numpy() == P.FALSE
        out |= unlisted & np.isin(cat, LISTED_CATEGORIES)
    return out


def maturity_dates(L: pd.DataFrame, extra: pd.DataFrame | None = None) -> np.ndarray | None:
    """The `echeance` of each line as numpy datetime64[D] (NaT when empty, the earliest date when written
    but unreadable: such a line is not bought), or None without the column."""
    col = None
    if "maturity" in L:
        col = L["maturity"]
    elif extra is not None:
        from reserves.portfolio.columns import normalize_header

        for h in extra.columns:
            if normalize_header(h) in ("echeance", "maturity", "dateecheance", "maturitydate"):
                col = extra[h]
                break
    if col is None:
        return None
    values = col.to_numpy(dtype=object) if hasattr(col, "to_numpy") else np.asarray(col, dtype=object)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    for i, v in enumerate(values):
        d = _as_date(v)
        if d is not None:
            out[i] = np.datetime64(d, "D")
        elif not (v is None or (isinstance(v, float) and v != v) or not str(v).strip()):
            out[i] = np.datetime64("0001-01-01", "D")
    return out


def _as_date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).date()
    s = str(v).strip()
    if not s:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    return None


def matured_mask(L: pd.DataFrame, extra, as_of: dt.date) -> np.ndarray:
    """Lines whose maturity is before the portfolio's date: never bought."""
    dates = maturity_dates(L, extra)
    if dates is None:
        return np.zeros(len(L), dtype=bool)
    return ~np.isnat(dates) & (dates < np.datetime64(as_of, "D"))


def buy_allowed(L: pd.DataFrame, *, in_universe: np.ndarray, universe_given: bool, buy_categories=None,
                buy_rows=None, restrict: bool = True) -> np.ndarray:
    """Lines the proposal may buy by the manager's preferences (the rulebook's conditions come on top).

    A line the user's universe lists is allowed (the user chose it); so are the categories and the
    rows the user allows. Without restriction (`restrict=False`) every line is allowed."""
    n = len(L)
    if not restrict:
        return np.ones(n, dtype=bool)
    allowed = ~restricted_mask(L)
    if universe_given:
        allowed |= in_universe
    cat = L["category"].to_numpy().astype(np.int64)
    if buy_categories:
        from .rebalancing import category_code

        allowed |= np.isin(cat, [category_code(c) for c in buy_categories])
    if buy_rows:
        rows = L["row"].to_numpy()
        known = set(rows.tolist())
        for r in buy_rows:
            if int(r) not in known:
                from reserves.portfolio.errors import InputError

                raise InputError.one(f"ligne autorisée à l'achat {r} : aucune ligne du portefeuille à cette "
                                     "ligne du tableur")
        allowed |= np.isin(rows, np.asarray([int(r) for r in buy_rows], dtype=np.int64))
    return allowed


def parse_buy_cap(value) -> Fraction | None:
    """`--achat-max`: a share of the pocket (0,02 or « 2 % »), None for « aucun »; points on the command line."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in ("aucun", "sans", "non", "none"):
        return None
    from .rebalancing import fraction
    from reserves.portfolio.errors import InputError

    x = fraction(value, "plafond d'achat")
    if x <= 0 or x > 1:
        raise InputError.one(f"plafond d'achat : attendu une part de la poche entre 0 et 1 (0,02 pour 2 %), "
                             f"lu « {value} »")
    return x


# --------------------------------------------------------------------------- purchase caps


def buy_cap_groups(L: pd.DataFrame, v0_cents: np.ndarray, can_buy: np.ndarray, pockets: np.ndarray,
                   excluded: np.ndarray, cap: Fraction | None):
    """Groups of the purchase cap: (group per line, −1 outside; cap in euros per group; label per group).

    A group is an issuer within a pocket (a line alone when it has no issuer); its cap is `cap` times
    the pocket's value before the trades (for the reserves, without the excluded cash)."""
    n = len(L)
    group = np.full(n, -1, dtype=np.int64)
    if cap is None or not can_buy.any():
        return group, np.zeros(0), []
    issuer = L["issuer_code"].to_numpy().astype(np.int64)
    labels = L["label"].to_numpy()
    issuers = L["issuer"].to_numpy()
    pocket_value = {}
    for p in P.POCKETS:
        m = (pockets == p) & ~excluded
        pocket_value[p] = max(int(v0_cents[m].sum()), 0) / 100
    keys, names, caps = {}, [], []
    for i in np.flatnonzero(can_buy):
        p = str(pockets[i])
        k = (p, "e", int(issuer[i])) if issuer[i] >= 0 else (p, "l", int(i))
        if k not in keys:
            keys[k] = len(names)
            names.append(str(issuers[i]) if issuer[i] >= 0 else str(labels[i]))
            caps.append(float(cap) * pocket_value[p])
        group[i] = keys[k]
    return group, np.asarray(caps, dtype=float), names


# --------------------------------------------------------------------------- the spread of the proceeds


def mix_weights(v0_cents: np.ndarray, can_buy: np.ndarray, pockets: np.ndarray) -> np.ndarray:
    """wᵢ: the share of line i in the current holdings, among the lines its pocket may buy."""
    w = np.zeros(len(v0_cents))
    for p in P.POCKETS:
        m = can_buy & (pockets == p)
        v = np.where(m, np.maximum(v0_cents, 0), 0).astype(float)
        tot = v.sum()
        if tot > 0:
            w[m] = v[m] / tot
    return w


def mix_programme(lp, model, z_star: float, weights: np.ndarray, can_buy: np.ndarray, pockets: np.ndarray,
                  v0_cents: np.ndarray):
    """The second programme: the first objective held at its optimum, the purchases as close as possible
    to their spread in proportion to the current holdings of each pocket. Returns an LP whose first
    columns are those of `lp` (so that its solution reads the same way), or None when there is nothing to
    spread."""
    from .lp import INF, LP

    T = model.T
    nT = len(T)
    scale = model.scale_b
    buyT = can_buy[T] & (lp.col_ub[:nT] > 0)
    pocket_cols = {}
    for p in P.POCKETS:
        idx = np.flatnonzero(buyT & (pockets[T] == p))
        if len(idx) > 1:
            pocket_cols[p] = idx
    if not pocket_cols:
        return None
    ncol = lp.A.shape[1]
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    extra_cols = 0

    def new_col():
        nonlocal extra_cols
        extra_cols += 1
        return ncol + extra_cols - 1

    d_cols, t_cols, t_cost = [], [], []
    for p, idx in pocket_cols.items():
        v = np.maximum(v0_cents[T[idx]], 0) / 100.0
        held = v > 0
        v = np.where(held, v, v[held].mean() if held.any() else 1.0)  # a new line: an average line
        t = new_col()  # the largest relative purchase of the pocket: scale·b − v·t ≤ 0
        t_cols.append(t)
        t_cost.append(float(v.sum()))
        for j, vj in zip(idx.tolist(), v.tolist()):
            rows += [r, r]
            cols += [j, t]
            vals += [scale[j], -vj]
            lo.append(-INF)
            hi.append(0.0)
            r += 1
        B = new_col()  # what the pocket buys, in euros: B − Σ scale·b = 0
        rows += [r] * (len(idx) + 1)
        cols += idx.tolist() + [B]
        vals += (-scale[idx]).tolist() + [1.0]
        lo.append(0.0)
        hi.append(0.0)
        r += 1
        w = weights[T[idx]]
        for j, wj in zip(idx.tolist(), w.tolist()):
            d = new_col()
            d_cols.append(d)
            # scale·b − w·B − d ≤ 0  and  −scale·b + w·B − d ≤ 0
            rows += [r, r, r, r + 1, r + 1, r + 1]
            cols += [j, B, d, j, B, d]
            vals += [scale[j], -wj, -1.0, -scale[j], wj, -1.0]
            lo += [-INF, -INF]
            hi += [0.0, 0.0]
            r += 2
    # the first objective at its optimum
    cz = np.flatnonzero(lp.c)
    tol = MIX_TOLERANCE * abs(z_star)
    rows += [r] * len(cz)
    cols += cz.tolist()
    vals += lp.c[cz].tolist()
    lo.append(-INF)
    hi.append(z_star - lp.offset + tol)
    r += 1
    total = ncol + extra_cols
    A0 = sp.csr_matrix((lp.A.data, lp.A.indices, lp.A.indptr), shape=(lp.A.shape[0], total))
    E = sp.csr_matrix((vals, (rows, cols)), shape=(r, total))
    A = sp.vstack([A0, E], format="csr")
    c = np.zeros(total)
    c[t_cols] = t_cost  # Σ vᵢ·tₚ: a euro above the even spread costs one
    c[d_cols] = 0.01
    c[:2 * nT] = 1e-9 * np.concatenate([scale, model.scale_s])  # among equal spreads, the least turnover
    col_lb = np.concatenate([lp.col_lb, np.zeros(extra_cols)])
    col_ub = np.concatenate([lp.col_ub, np.full(extra_cols, INF)])
    integer = None
    if lp.integer is not None:
        integer = np.concatenate([lp.integer, np.zeros(extra_cols, dtype=bool)])
    blocks = list(lp.blocks or [("contraintes", 0, lp.A.shape[0])]) + [("repartition", lp.A.shape[0],
                                                                        lp.A.shape[0] + r)]
    return LP(c, col_lb, col_ub, A, np.concatenate([lp.row_lb, lo]), np.concatenate([lp.row_ub, hi]), integer,
              0.0, blocks)


def _water_fill(w: np.ndarray, u: np.ndarray, total: float) -> np.ndarray:
    """bᵢ = min(t·wᵢ, uᵢ) with Σ bᵢ = total (t found on the sorted breakpoints uᵢ/wᵢ); w > 0."""
    if total <= 0 or len(w) == 0:
        return np.zeros(len(w))
    cap = float(np.minimum(u, np.inf).sum())
    if total >= cap:
        return np.minimum(u, total)  # every line at its bound (the solution had it so)
    ratio = u / w
    order = np.argsort(ratio, kind="stable")
    r, ws, us = ratio[order], w[order], u[order]
    filled = np.concatenate([[0.0], np.cumsum(us)])  # lines before k at their bound
    rest = np.concatenate([np.cumsum(ws[::-1])[::-1], [0.0]])  # weights of lines k..
    for k in range(len(r)):
        t = (total - filled[k]) / rest[k]
        if t <= r[k]:
            return np.minimum(t * w, u)
    return np.minimum(u, total)


def spread_purchases(lp, model, x: np.ndarray, *, can_buy, pockets, v0_cents, group_of=None,
                     max_rounds: int = 200) -> np.ndarray | None:
    """The purchases of an optimal solution `x` spread over the lines each pocket may buy, in proportion to
    their current value (water filling), the sales and the first objective unchanged.

    Purchases move only within a group of equal cost (`group_of`: per line, e.g. the category for the target
    objective, the cost rate for the cost objective), so the first objective keeps its optimum. Every row
    of the programme is checked; a line of a row the spread would break keeps its purchase of `x`, and the
    rest is spread again, until every row holds (at worst, `x` itself)."""
    T = model.T
    nT = len(T)
    scale = model.scale_b
    b_star = x[:nT] * scale
    ub = np.where(np.isfinite(lp.col_ub[:nT]), lp.col_ub[:nT] * scale, np.inf)
    buyT = can_buy[T] & (lp.col_ub[:nT] > 0)
    if not buyT.any():
        return None
    v = np.maximum(v0_cents[T], 0) / 100.0
    key = np.array([str(p) for p in pockets[T]], dtype=object)
    if group_of is not None:
        key = np.array([f"{k}\x00{g}" for k, g in zip(key, group_of[T])], dtype=object)
    groups = {}
    for j in np.flatnonzero(buyT):
        groups.setdefault(key[j], []).append(j)
    weight = np.zeros(nT)
    for g, idx in groups.items():
        idx = np.asarray(idx)
        held = v[idx] > 0
        weight[idx] = np.where(held, v[idx], v[idx][held].mean() if held.any() else 1.0)
    frozen = ~buyT.copy()
    A = lp.A.tocsr()
    Ab = A[:, :nT].tocsc()
    base_act = A @ x - Ab @ x[:nT]  # the rows without the purchases
    tol = 1e-9 * np.maximum(1.0, np.maximum(np.abs(np.where(np.isfinite(lp.row_lb), lp.row_lb, 0)),
                                            np.abs(np.where(np.isfinite(lp.row_ub), lp.row_ub, 0)))) + 1e-6
    Abr = Ab.tocsr()
    for _ in range(max_rounds):
        b = np.where(frozen, b_star, 0.0)
        for g, idx in groups.items():
            idx = np.asarray(idx)
            free = idx[~frozen[idx]]
            if len(free) == 0:
                continue
            total = float(b_star[idx].sum() - b_star[idx[frozen[idx]]].sum())
            b[free] = _water_fill(weight[free], ub[free], max(total, 0.0))
        xb = b / scale
        act = base_act + Ab @ xb
        bad = np.flatnonzero((act < lp.row_lb - tol) | (act > lp.row_ub + tol))
        if len(bad) == 0:
            out = x.copy()
            out[:nT] = xb
            return out
        moved = np.abs(b - b_star) > 1e-9 * np.maximum(1.0, b_star)
        newly = np.zeros(nT, dtype=bool)
        for r in bad:
            cols = Abr.indices[Abr.indptr[r]:Abr.indptr[r + 1]]
            newly[cols] = True
        newly &= ~frozen & moved
        if not newly.any():
            return None
        frozen |= newly
    return None


def solve_with_mix(lp, model, *, spread: bool, weights, can_buy, pockets, v0_cents, solve, group_of=None):
    """Solve `lp`; when `spread`, spread its purchases over the current holdings: by water filling with every
    row checked (`spread_purchases`) for a linear programme, by the second programme (`mix_programme`) for a
    small mixed-integer one (lots are whole numbers). The solution keeps the first objective's value."""
    from dataclasses import replace

    first = solve(lp)
    if not spread or first.status != "optimal":
        return first, None
    if not lp.is_mip:
        x = spread_purchases(lp, model, first.x, can_buy=can_buy, pockets=pockets, v0_cents=v0_cents,
                             group_of=group_of)
        if x is None:
            return first, "la répartition des achats n'a pas abouti : proposition du premier programme"
        return replace(first, x=x), None
    if len(model.T) > MIX_MIP_MAX_LINES:
        return first, (f"avec des quotités, la répartition des achats n'est calculée que jusqu'à "
                       f"{MIX_MIP_MAX_LINES} lignes négociables : proposition du premier programme")
    second_lp = mix_programme(lp, model, first.objective, weights, can_buy, pockets, v0_cents)
    if second_lp is None:
        return first, None
    second = solve(second_lp)
    times = dict(seconds=first.seconds + second.seconds, build_seconds=first.build_seconds + second.build_seconds)
    if second.x is None:
        return replace(first, **times), "la répartition des achats n'a pas abouti : proposition du premier programme"
    ncol = lp.A.shape[1]
    return replace(first, x=second.x[:ncol], **times), None
