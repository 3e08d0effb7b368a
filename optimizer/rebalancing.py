"""Line-level rebalancing: which lines to sell, what to buy, how much, at least cost.

The model is generated from the rulebook alone (`constraints.rules.build`):

- every `linear_form` block (share floors and caps, caps per issuer and per
  building, the holding cap) becomes rows over the post-trade holdings
  h = v + b − s, where b and s are the buys and sells (euros, non-negative).
  The share of the base is kept homogeneous in the total: one variable τ per
  base is the change of that base, so a row reads
  Σ a·(b − s) − share·τ ≤ share·B₀ + const − Σ a·v;
- every `line_status` condition (a line that fails must end at 0, a line of
  unknown status may not be bought) becomes bounds;
- each pocket keeps its own cash: Σ (b − s) over a pocket = the cash the user
  brings to it (R. 623-2: percentages are never mixed across pockets).

A safety margin tightens each limit (share − margin for a cap, share + margin
for a floor). A small inner tolerance per row (two cents per line of the row)
absorbs the rounding of the solution to cents; the rounded proposal is then
checked again, exactly, by the checker and by a rulebook whose limits carry
the margins. A proposal that fails either check is a bug: `ProposalError`.

When no compliant portfolio exists, an elastic copy of the model (one slack
per rule row, the line conditions as rows) finds the least total violation;
the slacks say which rules conflict and by how many euros.
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

from constraints.checker import check
from constraints.rules import BREACH, UNKNOWN_S, Context, build
from reserves.portfolio.fmt import POCKET_FR, fr_euros, fr_pct
from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError

from .lp import DEFAULT_PRESOLVE, INF, LP, Solution, iis_rows, solve_direct, solve_pyomo
from .preferences import (BUY_CAP_RULE, BUY_CAP_TITLE, DEFAULT_BUY_CAP, buy_allowed, buy_cap_groups, matured_mask,
                          mix_weights, parse_buy_cap, solve_with_mix)

OBJECTIVES = ("turnover", "cost", "target")
OBJECTIVE_FR = {"turnover": "rotation minimale", "cost": "coût de transaction minimal",
                "target": "écart minimal à l'allocation cible"}
TIE_BREAK = 1e-6  # per euro traded: among equal optima, the one that trades least
CENT = 0.01
QUANTITY_PLACES = Decimal("0.0001")


class ProposalError(RuntimeError):
    """A proposal that the independent checks refuse: a bug, never shown to the user as a result."""


# --------------------------------------------------------------------------- inputs


def category_code(value) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = int(value)
    try:
        return P.parse_category(value)
    except P.BadCell as exc:
        raise InputError.one(f"catégorie inconnue « {value} » : {exc}") from None


def fraction(value, what: str) -> Fraction:
    try:
        x = Fraction(str(value).replace(",", ".").replace("%", "").strip())
    except (ValueError, ZeroDivisionError):
        raise InputError.one(f"{what} : nombre attendu, lu « {value} »") from None
    if isinstance(value, str) and "%" in value:
        x /= 100
    return x


def margin_for(margins, rule_id: str) -> Fraction:
    if margins is None:
        return Fraction(0)
    if isinstance(margins, dict):
        m = margins.get(rule_id, margins.get("*", margins.get("default", 0)))
    else:
        m = margins
    m = fraction(m, f"marge de sécurité ({rule_id})")
    if m < 0 or m >= 1:
        raise InputError.one(f"marge de sécurité ({rule_id}) : attendu entre 0 et 1 (0,01 pour 1 point), lu « {m} »")
    return m


def _locked_mask(locks, rows: np.ndarray, cat: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(rows), dtype=bool)
    if not locks:
        return mask
    if isinstance(locks, dict):
        lock_rows = locks.get("rows", locks.get("lignes", [])) or []
        lock_cats = locks.get("categories", []) or []
    else:
        lock_rows, lock_cats = list(locks), []
    known = set(rows.tolist())
    for r in lock_rows:
        if int(r) not in known:
            raise InputError.one(f"ligne bloquée {r} : aucune ligne du portefeuille à cette ligne du tableur")
    mask |= np.isin(rows, np.asarray([int(r) for r in lock_rows], dtype=np.int64))
    if lock_cats:
        mask |= np.isin(cat, np.asarray([category_code(c) for c in lock_cats], dtype=np.int64))
    return mask


def _per_line(spec, rows: np.ndarray, cat: np.ndarray, held: np.ndarray, what: str) -> np.ndarray:
    """A per-line figure from a number (all lines) or {"rows": {row: x}, "categories": {cat: x}, "default": x}."""
    n = len(rows)
    if spec is None:
        return np.full(n, np.nan)
    if not isinstance(spec, dict):
        return np.full(n, float(fraction(spec, what)))
    out = np.full(n, float(fraction(spec["default"], what)) if "default" in spec else np.nan)
    cats = spec.get("categories")
    if cats is None and not ({"rows", "lignes", "default"} & set(spec)):
        cats = spec  # a flat mapping category -> figure
    for k, x in (cats or {}).items():
        out[cat == category_code(k)] = float(fraction(x, what))
    for r, x in (spec.get("rows") or spec.get("lignes") or {}).items():
        hit = held & (rows == int(r))
        if not hit.any():
            raise InputError.one(f"{what} : aucune ligne du portefeuille à la ligne {r} du tableur")
        out[hit] = float(fraction(x, what))
    return out


# --------------------------------------------------------------------------- portfolio with universe


def _recode(lines: pd.DataFrame) -> pd.DataFrame:
    """Issuer, building and security codes over the held lines and the universe together."""
    from reserves.portfolio.keys import recode

    return recode(lines.copy())


def combine(pf, universe):
    """The held lines followed by the universe's new instruments.

    Returns (portfolio at reference values, v0 cents, held mask, universe-buyable mask, original row, source).
    A universe line with the ISIN of a held line makes that line buyable; the
    others are appended, valued at 0 in the portfolio, their `valeur` in the
    universe giving the price that scales their quantity.
    """
    L = pf.lines
    n = len(L)
    v0 = L["value"].to_numpy(dtype=np.int64)
    if universe is None:
        return pf, v0, np.ones(n, dtype=bool), np.zeros(n, dtype=bool), L["row"].to_numpy(), np.full(n, "portefeuille")
    U = universe.lines
    held_isin = {s: i for i, s in enumerate(L["isin"].to_numpy()) if isinstance(s, str)}
    buyable_held = np.zeros(n, dtype=bool)
    new = []
    for j, s in enumerate(U["isin"].to_numpy()):
        if isinstance(s, str) and s in held_isin:
            buyable_held[held_isin[s]] = True
        else:
            new.append(j)
    Unew = U.iloc[new]
    last = int(L["row"].max()) if n else 1
    urows = Unew["row"].to_numpy()
    both = pd.concat([L, Unew], ignore_index=True)
    both["row"] = np.concatenate([L["row"].to_numpy(), last + 1 + np.arange(len(Unew))]).astype(np.int64)
    both = _recode(both)
    extra = None
    if pf.extra is not None or universe.extra is not None:
        e1 = pf.extra if pf.extra is not None else pd.DataFrame(index=range(n))
        e2 = universe.extra.iloc[new] if universe.extra is not None else pd.DataFrame(index=range(len(Unew)))
        extra = pd.concat([e1.reset_index(drop=True), e2.reset_index(drop=True)], ignore_index=True)
    merged = replace(pf, lines=both, present=frozenset(pf.present | universe.present),
                     headers={**universe.headers, **pf.headers}, extra=extra)
    v_start = np.concatenate([v0, np.zeros(len(Unew), dtype=np.int64)])
    held = np.concatenate([np.ones(n, dtype=bool), np.zeros(len(Unew), dtype=bool)])
    buyable = np.concatenate([buyable_held, np.ones(len(Unew), dtype=bool)])
    orig = np.concatenate([L["row"].to_numpy(), urows]).astype(np.int64)
    source = np.array(["portefeuille"] * n + ["univers"] * len(Unew), dtype=object)
    return merged, v_start, held, buyable, orig, source


# --------------------------------------------------------------------------- the model


@dataclass
class RuleRows:
    """The rows of one rule in the model, for the explanation."""

    rule: str
    article: str
    title: str
    first: int
    count: int
    subjects: list
    sense: str
    euro_scale: np.ndarray  # euros per unit of the row (1 for rows in euros)
    margin: Fraction = Fraction(0)
    slack: bool = False  # soft rows (the kind's `LinearBlock.soft`): one slack each in the elastic model


@dataclass
class Model:
    lp: LP
    n_lines: int
    T: np.ndarray  # tradable line indices
    scale_b: np.ndarray
    scale_s: np.ndarray
    lot: np.ndarray  # bool per tradable line
    rule_rows: list
    line_rule_rows: list
    balance_rows: list  # (pocket, row)
    n_rule_rows: int
    col_slices: dict
    cap_rule_rows: list = field(default_factory=list)  # the purchase caps (preferences, not the rulebook)


def _forms(rules, ctx):
    out = []
    for rule in rules:
        block = rule.linear_form(ctx)
        if block is not None and block.n_rows:
            out.append((rule, block))
    return out


def _line_status(rules, ctx):
    """Per rule: lines that must be sold (status FALSE) and lines that may not be bought (UNKNOWN)."""
    out = []
    for rule in rules:
        st = rule.line_status(ctx)
        if st is None:
            continue
        applies, tri = st
        out.append((rule, applies & (tri == P.FALSE), applies & (tri == P.UNKNOWN)))
    return out


def build_model(*, v0, held, can_sell, can_buy, must_close, pockets, cash_by_pocket, forms, line_rules,
                margins, objective, cost_rate, target, cat, base_for_target, min_trade, lot, elastic=False,
                tolerance=True, buy_caps=None) -> Model:
    """The LP (or MILP) of the rebalancing, in arrays. Values in euros; v0 in cents.

    Columns: buys b and sells s of each tradable line (in lots where lots apply), one τ per base, then the
    columns of the objective and of the minimum sizes; rows: the rules' own rows (`_Builder.rule_rows`), in the
    elastic model the line conditions, the τ definitions, one balance per pocket, then the objective's, the
    minimum sizes' and the purchase caps' rows. Each concern is one method of `_Builder`."""
    b = _Builder(v0, can_sell, can_buy, must_close, lot, elastic)
    b.taus(forms)
    b.rule_rows(forms, margins, tolerance)
    if elastic:
        b.line_condition_rows(line_rules)
    b.tau_rows()
    b.balance_rows(pockets, cash_by_pocket)
    b.trade_columns(objective, cost_rate)
    if objective == "target":
        b.target_rows(target, cat, base_for_target)
    if min_trade is not None:
        b.min_trade_rows(min_trade, cash_by_pocket)
    if buy_caps is not None:
        b.buy_cap_rows(buy_caps, tolerance)
    return b.model()


class _Builder:
    """The rows and columns of the rebalancing's model, added concern by concern (`build_model`)."""

    def __init__(self, v0, can_sell, can_buy, must_close, lot, elastic: bool):
        n = len(v0)
        self.n, self.elastic, self.must_close = n, elastic, must_close
        self.v = v = v0 / 100.0
        self.T = T = np.flatnonzero(can_sell | can_buy | must_close)
        self.nT = nT = len(T)
        self.vT = v[T]
        lotT = np.where(np.isnan(lot[T]), 0.0, lot[T]) if lot is not None else np.zeros(nT)
        self.has_lot = (lotT > 0) & ~must_close[T]
        self.scale = np.where(self.has_lot, lotT, 1.0)
        self.b_lb, self.b_ub, self.s_lb, self.s_ub = self._trade_bounds(can_sell, can_buy)
        self.bases: list = []  # distinct base masks -> tau column
        self.base_key: dict = {}
        # the main rows: Σ F·(b − s) over the tradable lines, τ coefficients, bounds
        self.rows_F, self.rows_tau, self.rhs_lo, self.rhs_hi = [], [], [], []
        self.r0 = 0
        self.rule_rows_, self.line_rule_rows, self.balance_rows_, self.cap_rule_rows = [], [], [], []
        self.n_rule = 0
        # the other rows (dicts column -> coefficient) and the columns added after b, s and τ
        self.extra_rows, self.extra_lo, self.extra_hi = [], [], []
        self.col_lb, self.col_ub, self.c, self.integer = [], [], [], []
        self.ncol = 0

    def _trade_bounds(self, can_sell, can_buy):
        """Bounds of b (buys) and s (sells), in units of the column (lots where lots apply)."""
        T, nT, vT, must_close = self.T, self.nT, self.vT, self.must_close
        b_lb, b_ub = np.zeros(nT), np.where(can_buy[T], INF, 0.0)
        s_lb, s_ub = np.zeros(nT), np.where(can_sell[T], np.maximum(vT, 0.0), 0.0)
        if not self.elastic:  # a line that fails a line condition ends at 0 (callers rule out locked ones first)
            close = must_close[T]
            s_lb = np.where(close & (vT > 0), vT, s_lb)
            s_ub = np.where(close & (vT > 0), vT, np.where(close, 0.0, s_ub))
            b_lb = np.where(close & (vT < 0), -vT, b_lb)
            b_ub = np.where(close & (vT < 0), -vT, np.where(close, 0.0, b_ub))
        s_ub = np.where(self.has_lot, np.floor(s_ub / self.scale + 1e-9), s_ub)
        return b_lb, b_ub, s_lb, s_ub

    # ---- the bases: one τ column each, the change of the base's total

    def tau_of(self, mask) -> int:
        key = mask.tobytes()
        if key not in self.base_key:
            self.base_key[key] = len(self.bases)
            self.bases.append(mask)
        return self.base_key[key]

    def taus(self, forms) -> None:
        for _, block in forms:
            if block.base is not None and block.share != 0:
                self.tau_of(block.base)

    def _add_main(self, F, tau, lo, hi) -> int:
        first = self.r0
        self.rows_F.append(F)
        self.rows_tau.append(tau)
        self.rhs_lo.append(lo)
        self.rhs_hi.append(hi)
        self.r0 += len(lo)
        return first

    def _ones_row(self, idx):
        """One row over the tradable lines: 1 on the lines `idx` (indices among the tradable lines)."""
        return sp.csr_matrix((np.ones(len(idx)), (np.zeros(len(idx), dtype=np.int64), idx)), shape=(1, self.nT))

    # ---- the rules

    def rule_rows(self, forms, margins, tolerance: bool) -> None:
        """Each rule's rows, tightened by its safety margin (`LinearBlock.tighten`), soft in the elastic model
        (`LinearBlock.soft`), with an inner tolerance for the rounding to cents."""
        for rule, block in forms:
            m = margin_for(margins, rule.id)
            tight = block.tighten(m)  # the rule's own rows with the safety margin
            if self.elastic:
                tight = tight.soft()  # and, to explain an infeasible problem, one slack per row
            FT, lo, hi, tau = self._rule_block(block, tight, tolerance)
            first = self._add_main(FT, tau, lo, hi)
            self.rule_rows_.append(RuleRows(rule.id, rule.spec.article, rule.spec.title, first, block.n_rows,
                                            list(tight.subjects), tight.sense, tight.euro_scale(), m, tight.slack))
        self.n_rule = self.r0

    def _rule_block(self, block, tight, tolerance: bool):
        n, v, T = self.n, self.v, self.T
        k = block.n_rows
        F = sp.csr_matrix((block.coefs.astype(float), (block.rows, block.cols)), shape=(k, n))
        const = np.asarray(tight.const, dtype=float)
        share_f = float(tight.share)
        B0 = float(v[block.base].sum()) if block.base is not None else 0.0
        rhs = share_f * B0 + const - F @ v
        FT = F[:, T]
        # rounding to cents moves each free line by at most two cents; lines forced to 0 are exact
        FTf = FT[:, np.flatnonzero(~self.must_close[T])].tocsr()
        nnz = np.diff(FTf.indptr)
        absrow = np.asarray(abs(FTf).sum(axis=1)).ravel()
        tol = 2 * CENT * absrow + np.where(share_f > 0, CENT, 0.0) + 1e-9 * np.abs(rhs + F @ v)
        if block.share == 0:  # quantities are rounded up to QUANTITY_PLACES
            tol = tol + float(QUANTITY_PLACES) * (nnz + (nnz > 0))
        if not tolerance:
            tol = 0.0 * tol
        if block.sense == "<=":
            lo, hi = np.full(k, -INF), rhs - tol
        else:
            lo, hi = rhs + tol, np.full(k, INF)
        tau_coef = np.zeros((k, len(self.bases)))
        if block.base is not None and share_f != 0:
            tau_coef[:, self.tau_of(block.base)] = -share_f
        return FT, lo, hi, sp.csr_matrix(tau_coef)

    def line_condition_rows(self, line_rules) -> None:
        """Elastic model: the line conditions as rows Σ_bad h ≤ 0."""
        n, T = self.n, self.T
        for rule, bad, _ in line_rules:
            idx = np.flatnonzero(bad)
            if len(idx) == 0:
                continue
            F = sp.csr_matrix((np.ones(len(idx)), (np.zeros(len(idx), dtype=np.int64), idx)), shape=(1, n))
            first = self._add_main(F[:, T], sp.csr_matrix((1, len(self.bases))), np.array([-INF]),
                                   np.array([-float(self.v[idx].sum())]))
            self.line_rule_rows.append(RuleRows(rule.id, rule.spec.article, rule.spec.title, first, 1,
                                                [int(i) for i in idx], "<=", np.ones(1)))

    def tau_rows(self) -> None:
        """τ definitions: Σ_{base ∩ T} (b − s) − τ = 0."""
        for mask in self.bases:
            tc = np.zeros((1, len(self.bases)))
            tc[0, self.base_key[mask.tobytes()]] = -1.0
            self._add_main(self._ones_row(np.flatnonzero(mask[self.T])), sp.csr_matrix(tc), np.zeros(1), np.zeros(1))

    def balance_rows(self, pockets, cash_by_pocket) -> None:
        """One balance per pocket: Σ (b − s) over the pocket = the cash brought to it (R. 623-2)."""
        for pocket in P.POCKETS:
            idx = np.flatnonzero(pockets[self.T] == pocket)
            cash = cash_by_pocket.get(pocket, 0.0)
            if len(idx) == 0 and cash == 0:
                continue
            r = self._add_main(self._ones_row(idx), sp.csr_matrix((1, len(self.bases))), np.array([cash]),
                               np.array([cash]))
            self.balance_rows_.append((pocket, r))

    # ---- the columns and the objective

    def trade_columns(self, objective, cost_rate) -> None:
        """The columns b, s (their cost: the transaction cost, and a tie-break per euro traded) and τ."""
        nT, T, scale, k = self.nT, self.T, self.scale, len(self.bases)
        self.col_lb = [self.b_lb, self.s_lb, np.full(k, -INF)]
        self.col_ub = [self.b_ub, self.s_ub, np.full(k, INF)]
        self.integer = [self.has_lot, self.has_lot, np.zeros(k, dtype=bool)]
        trade_cost = scale * (cost_rate[T] if objective == "cost" else np.zeros(nT))
        tie = scale * (1.0 if objective == "turnover" else TIE_BREAK)
        self.c = [trade_cost + tie, trade_cost + tie, np.zeros(k)]
        self.ncol = 2 * nT + k
        self.col_slices = {"b": (0, nT), "s": (nT, 2 * nT), "tau": (2 * nT, 2 * nT + k)}

    def add_cols(self, lb, ub, cost, integ) -> int:
        first = self.ncol
        self.col_lb.append(lb)
        self.col_ub.append(ub)
        self.c.append(cost)
        self.integer.append(integ)
        self.ncol += len(lb)
        return first

    def _extra(self, row: dict, lo: float, hi: float) -> None:
        self.extra_rows.append(row)
        self.extra_lo.append(lo)
        self.extra_hi.append(hi)

    def target_rows(self, target, cat, base_for_target) -> None:
        """Target allocation: per category, share·(B₀ + τ) − (value after) = d⁺ − d⁻, the objective Σ d."""
        nT, T, scale, v = self.nT, self.T, self.scale, self.v
        cats = sorted(target)
        shares = np.array([float(target[k]) for k in cats])
        d0 = self.add_cols(np.zeros(2 * len(cats)), np.full(2 * len(cats), INF), np.ones(2 * len(cats)),
                           np.zeros(2 * len(cats), dtype=bool))
        tau_idx = self.tau_of(base_for_target) if base_for_target.tobytes() in self.base_key else None
        if tau_idx is None:
            raise ProposalError("base of the target allocation is not a base of the rulebook")
        B0 = float(v[base_for_target].sum())
        for i, k in enumerate(cats):
            mk = base_for_target & (cat == k)
            idx = np.flatnonzero(mk[T])
            r = {}
            for j in idx:
                r[j] = scale[j]
                r[nT + j] = -scale[j]
            r[2 * nT + tau_idx] = -shares[i]
            r[d0 + 2 * i] = -1.0
            r[d0 + 2 * i + 1] = 1.0
            val = shares[i] * B0 - float(v[mk].sum())
            self._extra(r, val, val)

    def min_trade_rows(self, min_trade, cash_by_pocket) -> None:
        """Minimum sizes: a line traded trades at least its minimum (one binary per line and direction)."""
        nT, scale = self.nT, self.scale
        mt = min_trade[self.T]
        need = ~np.isnan(mt) & (mt > 0) & ~self.must_close[self.T]
        jb = np.flatnonzero(need & (self.b_ub > 0))
        js = np.flatnonzero(need & (self.s_ub > 0))
        big = float(np.abs(self.v).sum()) + sum(abs(x) for x in cash_by_pocket.values()) + 1.0
        for offset, lines, upper in ((0, jb, lambda j: big), (nT, js, lambda j: self.vT[j] + 1.0)):
            if not len(lines):
                continue
            y0 = self.add_cols(np.zeros(len(lines)), np.ones(len(lines)), np.zeros(len(lines)),
                               np.ones(len(lines), dtype=bool))
            for t, j in enumerate(lines):
                self._extra({offset + j: scale[j], y0 + t: -(mt[j] + 2 * CENT)}, 0.0, INF)
                self._extra({offset + j: scale[j], y0 + t: -upper(j)}, -INF, 0.0)

    def buy_cap_rows(self, buy_caps, tolerance: bool) -> None:
        """Σ over a group of what it buys ≤ its cap (preferences.buy_cap_groups)."""
        group, caps, names = buy_caps
        gT = group[self.T]
        first = self.r0 + len(self.extra_rows)
        used = []
        for g in range(len(caps)):
            idx = np.flatnonzero((gT == g) & (self.b_ub > 0))
            if len(idx) == 0:
                continue
            used.append(g)
            self._extra({int(j): self.scale[j] for j in idx}, -INF,
                        caps[g] - (2 * CENT * len(idx) if tolerance else 0.0))
        if used:
            self.cap_rule_rows.append(RuleRows(BUY_CAP_RULE, None, BUY_CAP_TITLE, first, len(used),
                                               [names[g] for g in used], "<=", np.ones(len(used))))

    # ---- the model

    def model(self) -> Model:
        nT, scale, r0 = self.nT, self.scale, self.r0
        FT_all = sp.vstack(self.rows_F, format="csr") if self.rows_F else sp.csr_matrix((0, nT))
        TAU = sp.vstack(self.rows_tau, format="csr") if self.rows_tau else sp.csr_matrix((0, len(self.bases)))
        A = sp.hstack([FT_all @ sp.diags(scale), -(FT_all @ sp.diags(scale)), TAU], format="csr")
        A = sp.csr_matrix((A.data, A.indices, A.indptr), shape=(A.shape[0], self.ncol))
        blocks = [("regles", 0, r0)]
        row_lb = np.concatenate(self.rhs_lo)
        row_ub = np.concatenate(self.rhs_hi)
        if self.extra_rows:
            ri, ci, vi = [], [], []
            for k, r in enumerate(self.extra_rows):
                for j, a in r.items():
                    ri.append(k)
                    ci.append(j)
                    vi.append(a)
            E = sp.csr_matrix((vi, (ri, ci)), shape=(len(self.extra_rows), self.ncol))
            A = sp.vstack([A, E], format="csr")
            row_lb = np.concatenate([row_lb, self.extra_lo])
            row_ub = np.concatenate([row_ub, self.extra_hi])
            blocks.append(("objectif_et_seuils", r0, r0 + len(self.extra_rows)))
        col_lb, col_ub = np.concatenate(self.col_lb), np.concatenate(self.col_ub)
        c = np.concatenate(self.c)
        integ = np.concatenate(self.integer)
        if self.elastic:  # one slack per soft row and per balance, priced in euros; the objective is their sum only
            A, c, col_lb, col_ub, integ = _elastic(A, col_lb, col_ub, self.ncol, self.col_slices, self.rule_rows_,
                                                   self.line_rule_rows, self.balance_rows_, self.cap_rule_rows)
        lp = LP(c, col_lb, col_ub, A, row_lb, row_ub, integ if integ.any() else None, 0.0, blocks)
        return Model(lp, self.n, self.T, scale, scale, self.has_lot, self.rule_rows_, self.line_rule_rows,
                     self.balance_rows_, self.n_rule, self.col_slices, self.cap_rule_rows)


def _elastic(A, col_lb, col_ub, ncol: int, col_slices: dict, rule_rows, line_rule_rows, balance_rows,
             cap_rule_rows):
    """The elastic columns: one non-negative slack per soft row of the rules (`LinearBlock.soft`, in euros by the
    block's `euro_scale`), per line condition, per pocket balance (both ways) and per purchase cap; the
    objective is their sum (a purchase cap, the user's preference, gives way before a limit of the law). The
    elastic model is continuous: the lots' own cause is told apart by `optimizer.lots`."""
    soft = [rr for rr in rule_rows if rr.slack]
    rows = (np.concatenate([np.arange(rr.first, rr.first + rr.count) for rr in soft]).astype(np.int64) if soft
            else np.zeros(0, dtype=np.int64))
    signs = (np.concatenate([np.full(rr.count, -1.0 if rr.sense == "<=" else 1.0) for rr in soft]) if soft
             else np.zeros(0))
    scales = np.concatenate([1.0 / rr.euro_scale for rr in soft]) if soft else np.zeros(0)
    line_idx = np.array([rr.first for rr in line_rule_rows], dtype=np.int64)
    bal_idx = np.array([r for _, r in balance_rows], dtype=np.int64)
    cap_idx = np.concatenate([np.arange(rr.first, rr.first + rr.count) for rr in cap_rule_rows]
                             ).astype(np.int64) if cap_rule_rows else np.zeros(0, dtype=np.int64)
    all_rows = np.concatenate([rows, line_idx, bal_idx, bal_idx, cap_idx])
    coefs = np.concatenate([signs * scales, -np.ones(len(line_idx)), np.ones(len(bal_idx)), -np.ones(len(bal_idx)),
                            -np.ones(len(cap_idx))])
    S = sp.csr_matrix((coefs, (all_rows, np.arange(len(all_rows)))), shape=(A.shape[0], len(all_rows)))
    col_slices["slack"] = (ncol, ncol + len(all_rows))
    col_slices["slack_rows"] = all_rows
    c = np.concatenate([np.zeros(ncol), np.ones(len(all_rows) - len(cap_idx)), np.full(len(cap_idx), 0.5)])
    k = len(all_rows)
    return (sp.hstack([A, S], format="csr"), c, np.concatenate([col_lb, np.zeros(k)]),
            np.concatenate([col_ub, np.full(k, INF)]), np.zeros(ncol + k, dtype=bool))


# --------------------------------------------------------------------------- rounding to cents


def round_trades(model: Model, x: np.ndarray, v0: np.ndarray, can_sell, can_buy, must_close, pockets,
                 cash_cents: dict) -> np.ndarray:
    """Trades in cents per line, summing exactly to each pocket's cash; each within two cents of the model."""
    n, T = model.n_lines, model.T
    nT = len(T)
    b = x[:nT] * model.scale_b
    s = x[nT:2 * nT] * model.scale_s
    t = np.zeros(n, dtype=np.int64)
    vT = v0[T]
    lot = model.lot
    exact = np.zeros(nT, dtype=bool)
    tc = np.zeros(nT, dtype=np.int64)
    # lots: integer numbers of lots, exact in cents
    lot_cents = np.rint(model.scale_b * 100).astype(np.int64)
    nb = np.rint(x[:nT]).astype(np.int64)
    ns = np.rint(x[nT:2 * nT]).astype(np.int64)
    tc[lot] = (nb[lot] - ns[lot]) * lot_cents[lot]
    exact |= lot
    close = must_close[T]
    tc[close] = -vT[close]
    exact |= close
    lo = np.where(can_sell[T], -np.maximum(vT, 0), 0)
    hi = np.where(can_buy[T], np.iinfo(np.int64).max // 4, 0)
    real = (b - s) * 100.0
    real = np.where(np.abs(real) < 1.0, 0.0, real)  # solver noise below a cent is no trade
    free = ~exact
    fl = np.floor(real[free] + 1e-7).astype(np.int64)
    fl = np.clip(fl, lo[free], hi[free])
    frac = real[free] - fl
    tc[free] = fl
    fidx = np.flatnonzero(free)
    for pocket, cash in cash_cents.items():
        in_p = pockets[T] == pocket
        r = int(cash) - int(tc[in_p].sum())
        if r == 0:
            continue
        cand = fidx[in_p[fidx]]
        fr = frac[np.searchsorted(fidx, cand)]
        step = 1 if r > 0 else -1
        # the cents left go first to lines that trade anyway, by their fractional parts
        order = cand[np.lexsort((-fr if r > 0 else fr, real[cand] == 0))]
        guard = 0
        while r != 0:
            moved = False
            for j in order:
                if r == 0:
                    break
                if lo[j] <= tc[j] + step <= hi[j]:
                    tc[j] += step
                    r -= step
                    moved = True
            guard += 1
            if not moved or guard > 1000:
                raise ProposalError(f"cannot balance the {pocket} pocket to the cent ({r} cents left)")
    t[T] = tc
    return t


# --------------------------------------------------------------------------- the proposal


@dataclass
class Proposal:
    status: str  # optimal | infeasible
    objective: str
    trades: list
    portfolio_before: object
    portfolio_after: object | None
    verdict_before: object
    verdict_after: object | None
    allocation_before: dict
    allocation_after: dict | None
    explanation: list
    solver: dict
    notes: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.status != "optimal":
            return 1
        return self.verdict_after.exit_code

    def to_dict(self) -> dict:
        d = {
            "status": self.status,
            "objective": self.objective,
            "objective_fr": OBJECTIVE_FR[self.objective],
            "solver": self.solver,
            "settings": self.settings,
            "trades": self.trades,
            "turnover": round(sum(t["montant"] for t in self.trades), 2),
            "allocation_before": self.allocation_before,
            "allocation_after": self.allocation_after,
            "verdict_before": {"status": self.verdict_before.status, "exit_code": self.verdict_before.exit_code},
            "verdict_after": self.verdict_after.to_dict() if self.verdict_after is not None else None,
            "explanation": self.explanation,
            "notes": self.notes,
        }
        return d


def allocation(verdict, pf, margins=None) -> dict:
    """By category (share of the R. 623-10-1 base) and each limit of the rulebook, with its margin."""
    ctx = Context(pf, verdict.version, verdict.as_of)  # what leaves the base: the rulebook's reading, as checked
    res = ctx.reserves
    base_mask = ctx.base_masks["reserves_less_excluded"]
    cat = ctx.cat
    val = ctx.value
    base = int(val[base_mask].sum())
    cats = []
    for code in sorted(set(cat[res].tolist())):
        m = base_mask & (cat == code)
        cents = int(val[m].sum())
        cats.append({"categorie": P.CATEGORY_NAMES[code], "euros": cents / 100,
                     "part": (cents / base) if base > 0 else None})
    excl = int(val[res & ~base_mask].sum())
    limits = []
    for r in verdict.results:
        if r.spec.kind == "line_conditions":
            continue
        m = margin_for(margins, r.spec.id)
        limits.append({"rule": r.spec.id, "article": r.spec.article, "title": r.spec.title,
                       "sense": "min" if r.spec.params.get("sense") == "min" else "max",
                       "value": r.value, "limit": r.limit, "margin": float(m), "status": r.status,
                       "euros": None if r.figure is None else r.figure / 100})
    return {"base": base / 100, "excluded": excl / 100, "gestion": int(val[~res].sum()) / 100,
            "categories": cats, "limits": limits}


def _scale_quantities(lines: pd.DataFrame, ref_cents: np.ndarray, new_cents: np.ndarray) -> pd.DataFrame:
    """Quantities follow the value at constant price, rounded up (the holding cap is never understated)."""
    q = lines["quantity_exact"].to_numpy()
    out = q.copy()
    qf = lines["quantity"].to_numpy(dtype=float).copy()
    for i in np.flatnonzero(ref_cents != new_cents):
        if q[i] is None or ref_cents[i] <= 0:
            continue
        x = Fraction(Decimal(q[i])) * Fraction(int(new_cents[i]), int(ref_cents[i]))
        d = Decimal(x.numerator) / Decimal(x.denominator)
        if Fraction(d) != x or d != d.quantize(QUANTITY_PLACES, rounding=ROUND_CEILING):
            d = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(QUANTITY_PLACES, rounding=ROUND_CEILING)
            while Fraction(d) < x:
                d += QUANTITY_PLACES
        out[i] = d.normalize() if d != d.to_integral_value() else d.quantize(Decimal(1))
        qf[i] = float(out[i])
    lines = lines.copy()
    lines["quantity_exact"] = out
    lines["quantity"] = qf
    return lines


def _with_margins(version, margins):
    return replace(version, rules=tuple(spec.with_margin(margin_for(margins, spec.id)) for spec in version.rules))


def rebalance(pf, *, objective: str = "turnover", locks=None, universe=None, cash=0, margins=None,
              costs_bps=None, target=None, min_trade=None, lots=None, date: dt.date | None = None,
              as_of: dt.date | None = None, presolve: str = DEFAULT_PRESOLVE, time_limit: float | None = None,
              progress=None, explain: bool = True, buy_cap=DEFAULT_BUY_CAP, buy_categories=None, buy_rows=None,
              restrict_buys: bool = True, spread: bool = True) -> Proposal:
    """The least-turnover (or least-cost, or closest-to-target) trades after which every limit holds.

    `locks`: Excel rows of lines never traded, or {"rows": [...], "categories": [...]}.
    `universe`: a Portfolio of instruments that may be bought (then only they, and held lines of the same
    ISIN, are bought); without one, the candidates are the lines held. `cash`: euros brought to the
    reserves pocket (negative: to raise), or {"reserves": x, "gestion": y}. `margins`: a share kept
    below each cap and above each floor (0.01 = one point), or {rule id: share}. `costs_bps`: basis
    points per category ({"9": 50, ...}) or {"categories": ..., "rows": ..., "default": ...}. `target`:
    {category: share of the base}. `min_trade`, `lots`: euros (all lines) or {"rows": {row: euros}}.

    What a manager would sign (`optimizer.preferences`): `buy_cap` caps the purchases of each issuer
    (of each line without one) at a share of its pocket (None: no cap); buildings, real-estate
    companies, loans and unlisted lines are bought only from the universe or when `buy_categories` /
    `buy_rows` allow them (`restrict_buys=False`: every line); a line past its maturity is never
    bought; `spread` takes, among the optimal proposals, the one whose purchases are closest to the
    current mix of each pocket.
    """
    _check_objective(objective, target)
    from constraints.checker import version_of

    day, version = version_of(pf, date)  # SPEC §4: the date given, else the file's, else today
    as_of = as_of or day  # maturities (and memberships) are judged on the portfolio's date, never on today's
    t_start = time.perf_counter()
    margins = _parse_margins(margins, version)

    verdict_before = check(pf, date=date, as_of=as_of)
    ref, v0, held, in_universe, orig_row, source = combine(pf, universe)
    L = ref.lines
    ref_cents = L["value"].to_numpy(dtype=np.int64)  # held lines at their value, universe lines at their price
    ctx = Context(ref, version, as_of)
    rules = build(version)
    forms = _forms(rules, ctx)
    line_rules = _line_status(rules, ctx)

    tr = _trading(ctx, ref, forms, line_rules, check(ref, date=date, as_of=as_of), v0=v0, held=held,
                  in_universe=in_universe, universe_given=universe is not None, locks=locks,
                  buy_categories=buy_categories, buy_rows=buy_rows, restrict=restrict_buys, as_of=as_of)
    cat, pockets, excluded, locked, fixed, can_sell = tr.cat, tr.pockets, tr.excluded, tr.locked, tr.fixed, tr.can_sell
    buy_cap = parse_buy_cap(buy_cap)
    cash_by_pocket, cash_cents = _cash(cash)

    kw = dict(v0=v0, held=held, can_sell=can_sell, can_buy=tr.can_buy, must_close=tr.must_close, pockets=pockets,
              cash_by_pocket=cash_by_pocket, forms=forms, line_rules=line_rules, margins=margins,
              objective=objective, cat=cat, base_for_target=ctx.base_masks["reserves_less_excluded"],
              **_objective_inputs(objective, target, costs_bps, min_trade, lots, L, cat, held),
              buy_caps=buy_cap_groups(L, v0, tr.can_buy, pockets, excluded, buy_cap) if buy_cap is not None else None)

    def solve(lp):
        return solve_pyomo(lp, presolve=presolve, time_limit=time_limit, progress=progress)

    model, sol, t_cents, dropped, spread_note = _solve_settled(
        kw, forms, ctx, conflict=tr.must_close & fixed, spread=spread, group_of=_spread_groups(objective, cat,
                                                                                             kw["cost_rate"]),
        cash_cents=cash_cents, excluded=excluded, buy_cap=buy_cap, solve=solve)
    must_close_eff, can_buy = kw["must_close"], kw["can_buy"]
    settings = _settings(objective, cash_by_pocket, margins, L, locked, universe, min_trade, lots, dropped & held,
                         buy_cap, buy_categories, buy_rows, restrict_buys, spread, orig_row[tr.matured & (held | in_universe)],
                         version, as_of)
    solver = _solver_info(sol, model, presolve)
    alloc_before = allocation(verdict_before, pf, margins)

    if sol.status != "optimal":
        if sol.status != "infeasible":
            if sol.status == "time_limit":
                raise InputError.one("la résolution a dépassé la limite de temps sans solution réalisable")
            raise ProposalError(f"HiGHS returned {sol.highs_status}")
        t_explain = time.perf_counter()
        explanation = explain_infeasible(kw, model, locked=locked, L=L, presolve=presolve) if explain else []
        solver["explain_seconds"] = round(time.perf_counter() - t_explain, 4)
        solver["seconds_total"] = round(time.perf_counter() - t_start, 4)
        return Proposal("infeasible", objective, [], pf, None, verdict_before, None, alloc_before, None,
                        explanation, solver, _notes(verdict_before, None, margins), settings)

    new = v0 + t_cents
    after = _portfolio_after(pf, ref, L, np.where(held, v0, ref_cents), new)
    verdict_after = check(after, date=date, as_of=as_of)
    _verify(verdict_before, verdict_after, after, version, margins, as_of, t_cents, fixed, can_buy, can_sell,
            must_close_eff, v0)
    trades = _trades(L, t_cents, v0, new, orig_row, source, cat, pockets)
    solver["objective_value"] = sol.objective
    solver["seconds_total"] = round(time.perf_counter() - t_start, 4)
    if sol.mip_gap is not None:
        solver["mip_gap"] = sol.mip_gap
    notes = _notes(verdict_before, verdict_after, margins) + _preference_notes(settings, spread_note)
    return Proposal("optimal", objective, trades, pf, after, verdict_before, verdict_after, alloc_before,
                    allocation(verdict_after, after, margins), [], solver, notes, settings)


@dataclass
class _Trading:
    """What each line of the model may do (`_trading`)."""

    cat: np.ndarray
    pockets: np.ndarray
    excluded: np.ndarray  # out of the base of R. 623-10-1, as the rulebook reads it: never traded
    locked: np.ndarray
    fixed: np.ndarray  # never traded: excluded, locked, hedging instruments
    can_sell: np.ndarray
    can_buy: np.ndarray
    must_close: np.ndarray  # lines held that fail a line condition: they end at 0
    matured: np.ndarray


def _trading(ctx, ref, forms, line_rules, ref_verdict, *, v0, held, in_universe, universe_given, locks,
             buy_categories, buy_rows, restrict, as_of) -> _Trading:
    """Which lines may be sold, which bought, which must end at 0 and which are never traded."""
    L = ref.lines
    cat = L["category"].to_numpy().astype(np.int64)
    pockets = L["pocket"].to_numpy().astype(object)
    excluded = ctx.excluded  # what leaves the base of R. 623-10-1: the rulebook's reading (`base_exclusions`)
    locked = _locked_mask(locks, L["row"].to_numpy(), cat) & held
    must_close, no_buy = _line_verdicts(ctx, forms, line_rules, ref_verdict)
    ift = cat == P.CAT_IFT
    fixed = excluded | locked | (ift & ~must_close)
    can_sell = held & ~fixed & (v0 > 0) & ~ift
    allowed = buy_allowed(L, in_universe=in_universe, universe_given=universe_given, buy_categories=buy_categories,
                          buy_rows=buy_rows, restrict=restrict)
    matured = matured_mask(L, ref.extra, as_of)
    buyable = in_universe if universe_given else held
    can_buy = buyable & ~fixed & ~no_buy & ~must_close & ~ift & allowed & ~matured
    return _Trading(cat, pockets, excluded, locked, fixed, can_sell, can_buy, must_close & (v0 != 0), matured)


def _check_objective(objective: str, target) -> None:
    if objective not in OBJECTIVES:
        raise InputError.one(f"objectif inconnu « {objective} » : attendu {', '.join(OBJECTIVES)}")
    if objective == "target" and not target:
        raise InputError.one("objectif « cible » : donner l'allocation cible par catégorie")


def _parse_margins(margins, version):
    """The safety margins as Fractions: one for every rule, or {rule id: margin} (unknown ids refused)."""
    if isinstance(margins, dict):
        ids = {r.id for r in version.rules}
        unknown = [k for k in margins if k not in ids and k not in ("*", "default")]
        if unknown:
            raise InputError.one(f"marge de sécurité : règle inconnue « {unknown[0]} » (identifiants : "
                                 "reserves rules)")
        return {k: margin_for(margins, k) for k in margins}
    if margins is not None:
        return margin_for(margins, "*")
    return None


def _line_verdicts(ctx, forms, line_rules, ref_verdict) -> tuple[np.ndarray, np.ndarray]:
    """(lines that must end at 0: they fail a line condition, lines that may not be bought)."""
    n = ctx.n
    must_close = np.zeros(n, dtype=bool)
    no_buy = np.zeros(n, dtype=bool)
    for _, bad, unk in line_rules:
        must_close |= bad
        no_buy |= unk
    # lines behind an `unknown` finding (missing data) are not bought: buying would not make them known
    row_index = {int(r): i for i, r in enumerate(ctx.rows)}
    for f in ref_verdict.findings:
        if f.status == UNKNOWN_S:
            for r in f.rows:
                if int(r) in row_index:
                    no_buy[row_index[int(r)]] = True
    # the holding cap's lines that its linear form leaves out (no quantity, no price) are not bought
    for rule, block in _holding_blocks(forms):
        scope = ctx.reserves & np.isin(ctx.cat, [P.CATEGORY_CODES[str(c)] for c in rule.p["categories"]])
        covered = np.zeros(n, dtype=bool)
        covered[block.cols] = True
        no_buy |= scope & ~covered
    return must_close, no_buy


def _cash(cash) -> tuple[dict, dict]:
    """(euros, cents) brought to each pocket (negative: to raise), rounded to the cent."""
    cash_by_pocket = cash if isinstance(cash, dict) else {"reserves": cash}
    cash_by_pocket = {k: float(fraction(x, "trésorerie")) for k, x in cash_by_pocket.items()}
    cash_cents = {k: int(round(x * 100)) for k, x in cash_by_pocket.items()}
    cash_by_pocket = {k: c / 100 for k, c in cash_cents.items()}
    for k in P.POCKETS:
        cash_cents.setdefault(k, 0)
    return cash_by_pocket, cash_cents


def _objective_inputs(objective, target, costs_bps, min_trade, lots, L, cat, held) -> dict:
    """The per-line costs, minimum sizes and lots, and the target allocation, as `build_model` takes them."""
    rows = L["row"].to_numpy()
    cost_rate = _per_line(costs_bps, rows, cat, held, "coût (points de base)")
    cost_rate = np.where(np.isnan(cost_rate), 0.0, cost_rate) / 10000.0
    mt = _per_line(min_trade, rows, cat, held, "montant minimal d'opération") if min_trade else None
    lt = _per_line(lots, rows, cat, held, "quotité") if lots else None
    tgt = None
    if objective == "target":
        tgt = {category_code(k): fraction(x, f"cible de la catégorie {k}") for k, x in target.items()}
        tgt = {k: (x / 100 if x > 1 else x) for k, x in tgt.items()}
    return {"cost_rate": cost_rate, "target": tgt, "min_trade": mt, "lot": lt}


def _solve_settled(kw, forms, ctx, *, conflict, spread, group_of, cash_cents, excluded, buy_cap, solve):
    """Solve until the securities held settle: (model, solution, trades in cents or None, lines dropped, note).

    The holding cap divides by the quantity issued of the securities *held*: an issue sold out (none of its lines
    held; by ISIN, else issuer, class and quantity issued, READING 7) leaves the denominator. Its linear form takes
    every issue as held; when a solution sells one out, its lines are kept at 0, the denominator recounted by the
    rule over the issues still held, and the model solved again (`kw` updated)."""
    v0, pockets = kw["v0"], kw["pockets"]
    dropped = np.zeros(len(v0), dtype=bool)
    spread_note = None
    for _ in range(20):
        model = build_model(**kw)
        if conflict.any():  # a line to be sold that the user locked: no need to solve to know
            return model, Solution("infeasible", None, None, 0.0, 0.0, "Infeasible", model.lp.is_mip), None, \
                dropped, spread_note
        can_buy, must_close = kw["can_buy"], kw["must_close"]
        sol, spread_note = solve_with_mix(model.lp, model, spread=spread, weights=mix_weights(v0, can_buy, pockets),
                                          can_buy=can_buy, pockets=pockets, v0_cents=v0, group_of=group_of,
                                          solve=solve)
        if sol.status != "optimal":
            return model, sol, None, dropped, spread_note
        t_cents = round_trades(model, sol.x, v0, kw["can_sell"], can_buy, must_close, pockets, cash_cents)
        gone = _securities_gone(forms, ctx, v0 + t_cents, dropped)
        if not gone.any():
            return model, sol, t_cents, dropped, spread_note
        dropped |= gone
        _holding_without(forms, ctx, dropped)
        kw.update(must_close=must_close | (dropped & (v0 != 0)), can_buy=can_buy & ~dropped)
        if buy_cap is not None:
            kw["buy_caps"] = buy_cap_groups(ctx.L, v0, kw["can_buy"], pockets, excluded, buy_cap)
    raise ProposalError("holding cap: the set of securities held did not settle")  # pragma: no cover


def _settings(objective, cash_by_pocket, margins, L, locked, universe, min_trade, lots, left, buy_cap,
              buy_categories, buy_rows, restrict_buys, spread, matured_rows, version, as_of) -> dict:
    """The settings of the proposal, as the outputs show them."""
    rows = L["row"].to_numpy()
    return {"objective": objective, "cash": cash_by_pocket,
            "margins": ({k: float(x) for k, x in margins.items()} if isinstance(margins, dict)
                        else None if margins is None else float(margins)),
            "locked_rows": sorted(int(r) for r in rows[locked]),
            "universe": universe is not None,
            "min_trade": _plain(min_trade), "lots": _plain(lots),
            "holding_left_rows": sorted(int(r) for r in rows[left]),
            "buy_cap": None if buy_cap is None else float(buy_cap),
            "buy_categories": [str(c) for c in (buy_categories or [])],
            "buy_rows": sorted(int(r) for r in (buy_rows or [])),
            "restrict_buys": bool(restrict_buys), "spread": bool(spread),
            "matured_rows": sorted(int(r) for r in matured_rows),
            "version": version.id, "as_of": as_of.isoformat()}


def _solver_info(sol, model, presolve) -> dict:
    return {"name": "HiGHS (highspy) via Pyomo", "status": sol.highs_status, "seconds": round(sol.seconds, 4),
            "build_seconds": round(sol.build_seconds, 4), "mip": sol.mip, "presolve": presolve,
            "rows": int(model.lp.A.shape[0]), "columns": int(model.lp.A.shape[1])}


def _portfolio_after(pf, ref, L, ref_cents, new):
    """The portfolio after the trades: quantities follow the values, lines at 0 leave, rows renumbered."""
    lines = _scale_quantities(L, ref_cents, new)
    keep = new != 0
    after_lines = lines.loc[keep].copy()
    after_lines["row"] = np.arange(2, 2 + int(keep.sum()), dtype=np.int64)
    extra = ref.extra.loc[keep].reset_index(drop=True) if ref.extra is not None else None
    return replace(ref, lines=after_lines.reset_index(drop=True), extra=extra, sha256=None,
                   source=f"proposition ({pf.source})", warnings=[]).with_values(new[keep])


def _trades(L, t_cents, v0, new, orig_row, source, cat, pockets) -> list:
    """The trades, sales first, largest first."""
    trades = []
    labels = L["label"].to_numpy()
    for i in np.flatnonzero(t_cents):
        trades.append({"row": int(orig_row[i]), "source": str(source[i]), "libelle": str(labels[i]),
                       "categorie": P.CATEGORY_NAMES[int(cat[i])], "poche": str(pockets[i]),
                       "sens": "achat" if t_cents[i] > 0 else "vente", "montant": abs(int(t_cents[i])) / 100,
                       "avant": int(v0[i]) / 100, "après": int(new[i]) / 100})
    trades.sort(key=lambda d: (d["sens"] != "vente", -d["montant"]))
    return trades

def _spread_groups(objective, cat, cost_rate):
    """Purchases are spread within groups of equal first objective: the pocket for least turnover, lines of
    one cost rate for least cost, one category for the target allocation."""
    if objective == "cost":
        return np.round(cost_rate * 1e8).astype(np.int64)
    if objective == "target":
        return cat
    return None


def _plain(spec):
    """A user setting as JSON can carry it (numbers as floats)."""
    if spec is None:
        return None
    if isinstance(spec, dict):
        return {str(k): _plain(x) for k, x in spec.items()}
    return float(fraction(spec, "réglage"))


def _holding_blocks(forms):
    return [(rule, block) for rule, block in forms if rule.spec.kind == "holding_cap"]


def _securities_gone(forms, ctx, new_cents, dropped) -> np.ndarray:
    """Lines of holding-cap issues that the solution sells out (every line of the issue at 0, READING 7)."""
    out = np.zeros(len(new_cents), dtype=bool)
    for rule, block in _holding_blocks(forms):
        cols = block.cols
        issue = rule.block_issues(ctx, block)
        held_after = np.zeros(int(issue.max()) + 1 if len(issue) else 0, dtype=bool)
        np.logical_or.at(held_after, issue, new_cents[cols] != 0)
        out[cols[~held_after[issue]]] = True
    return out & ~dropped


def _holding_without(forms, ctx, dropped) -> None:
    """Recompute each holding-cap row's right-hand side over the issues still held (the rule's own count)."""
    for rule, block in _holding_blocks(forms):
        block.const = rule.const_held(ctx, block, ~dropped[block.cols])


def _verify(before, after_verdict, after_pf, version, margins, as_of, t_cents, fixed, can_buy, can_sell,
            must_close, v0) -> None:
    """The proposal, checked independently of the model. Any failure is a bug: raise."""
    breaches = [f for f in after_verdict.findings if f.status == BREACH]
    if breaches:
        raise ProposalError("proposal refused by the checker: " + "; ".join(f"{f.rule}: {f.message}" for f in breaches))
    was_unknown = {(f.rule, f.subject) for f in before.findings if f.status == UNKNOWN_S}
    new_unknown = [f for f in after_verdict.findings if f.status == UNKNOWN_S and (f.rule, f.subject) not in was_unknown
                   and f.subject != "base"]
    if new_unknown:
        raise ProposalError("proposal creates unknowns: " + "; ".join(f"{f.rule}: {f.subject}" for f in new_unknown))
    if np.any(t_cents[fixed & ~must_close] != 0):
        raise ProposalError("a locked, excluded or hedging line was traded")
    if np.any((t_cents > 0) & ~can_buy & ~must_close):
        raise ProposalError("a line outside the buy candidates was bought")
    if np.any((t_cents < 0) & ~can_sell & ~must_close):
        raise ProposalError("a line that may not be sold was sold")
    if margins:
        tight = _with_margins(version, margins)
        ctx = Context(after_pf, tight, as_of)
        for rule in build(tight):
            if rule.spec.kind == "line_conditions":
                continue
            res = rule.evaluate(ctx)
            if res.status == BREACH:
                raise ProposalError(f"proposal breaks the safety margin of {rule.id}")


def _preference_notes(settings, spread_note) -> list:
    out = []
    if settings.get("restrict_buys"):
        out.append("Achats limités à ce qu'un gérant achète sans décision du conseil : ni immeuble, ni part de "
                   "société immobilière, ni prêt, ni ligne non cotée, sauf univers ou autorisation "
                   "(--acheter-categorie, --acheter-ligne).")
    if settings.get("buy_cap") is not None:
        out.append(f"Achats nets plafonnés à {fr_pct(settings['buy_cap'])} de la poche par émetteur (par ligne "
                   "sans émetteur) : --achat-max.")
    if settings.get("spread"):
        out.append("À rotation (ou coût, ou écart à la cible) égale, les achats sont répartis au plus près des "
                   "avoirs actuels de chaque poche.")
    if settings.get("matured_rows"):
        rows = settings["matured_rows"]
        out.append("Lignes échues à la date du portefeuille, jamais achetées : lignes "
                   + ", ".join(map(str, rows[:20])) + ("…" if len(rows) > 20 else "") + ".")
    if spread_note:
        out.append(spread_note[0].upper() + spread_note[1:] + ".")
    return out


def _notes(before, after, margins) -> list:
    notes = []
    if after is not None:
        unk = sorted({f.rule for f in after.findings if f.status == UNKNOWN_S})
        if unk:
            titles = {r.spec.id: r.spec.title for r in after.results}
            notes.append("Des règles restent « à vérifier » faute de données dans le fichier (elles l'étaient déjà "
                         "avant les opérations) : " + ", ".join(f"{titles.get(u, u)} ({u})" for u in unk)
                         + ". La proposition ne les tranche pas : compléter les colonnes que le contrôle du "
                         "portefeuille désigne.")
    if margins:
        notes.append("Marges de sécurité appliquées sous chaque plafond et au-dessus de chaque plancher, "
                      "pour qu'un mouvement de marché ne crée pas aussitôt un dépassement passif.")
    notes.append("Chaque proposition est contrôlée à nouveau par le vérificateur, au centime, indépendamment du modèle.")
    return notes


# --------------------------------------------------------------------------- infeasibility


def _pocket_fr(pocket: str) -> str:
    return POCKET_FR.get(pocket, pocket)


def explain_infeasible(kw: dict, hard: Model, *, locked, L, presolve) -> list:
    """Which limits conflict, by rule id and article, and by how many euros (elastic model, then IIS)."""
    model = build_model(**kw, elastic=True)
    lp = model.lp  # with its integers: lots and minimum sizes can be the cause (optimizer.lots)
    sol = solve_pyomo(lp, presolve=presolve, time_limit=20.0 if lp.is_mip else None)
    integer_causes = _integer_causes(kw, hard, presolve)
    if sol.status != "optimal" and sol.x is None:
        return integer_causes or [{"rule": None, "article": None, "euros": None,
                 "message": "aucune solution, même en relâchant chaque règle : vérifier la trésorerie demandée"}]
    by_row = _slack_by_row(model, sol)
    out = (_rule_causes(model, by_row, kw, locked, L) + _buy_cap_causes(model, by_row)
           + _cash_causes(model, by_row, integer_causes))
    out.sort(key=lambda d: -(d["euros"] or 0))
    out = integer_causes + out + _lock_causes(locked, L) + _iis_causes(hard)
    if not any(e["rule"] not in ("blocages", "iis") for e in out):  # never an empty explanation
        out.insert(0, {"rule": "modele", "article": None, "title": "conflit non isolé", "euros": None, "subjects": [],
                       "message": "Aucune règle ne se distingue seule : c'est l'ensemble des réglages (blocages, "
                                  "trésorerie, quotités, montants minimaux, plafond d'achat) qui rend la proposition "
                                  "impossible ; relâcher l'un d'eux."})
    return out


def _integer_causes(kw: dict, hard: Model, presolve) -> list:
    """The causes the lots and minimum sizes give (optimizer.lots), for a mixed-integer model; [] otherwise."""
    if not hard.lp.is_mip:
        return []
    from .lots import diagnose

    return diagnose(kw, hard, build_model=build_model, pocket_fr=_pocket_fr,
                    solve=lambda lp_, limit: solve_direct(lp_, presolve=presolve, time_limit=limit))


def _slack_by_row(model: Model, sol) -> dict:
    """{row of the elastic model: euros of slack it needed}."""
    lo, hi = model.col_slices["slack"]
    by_row = {}
    for r, s in zip(model.col_slices["slack_rows"].tolist(), sol.x[lo:hi].tolist()):
        by_row[r] = by_row.get(r, 0.0) + s
    return by_row


def _row_amounts(rr, by_row: dict) -> tuple[float, list]:
    """(total slack of a rule's rows, the subjects of its rows that needed one, largest first, at most five)."""
    amounts = [(by_row.get(rr.first + k, 0.0), k) for k in range(rr.count)]
    total = sum(a for a, _ in amounts)
    return total, [rr.subjects[k] for a, k in sorted(amounts, reverse=True) if a >= 0.005][:5]


def _rule_causes(model: Model, by_row: dict, kw: dict, locked, L) -> list:
    """Each rule of the rulebook whose rows needed slack: by how many euros, and the subjects in cause."""
    labels = L["label"].to_numpy()
    rows = L["row"].to_numpy()
    out = []
    for rr in model.rule_rows + model.line_rule_rows:
        total, subjects = _row_amounts(rr, by_row)
        if total < 0.005:
            continue
        line_rule = rr in model.line_rule_rows
        if line_rule:  # the lines that fail the rule and could not be sold
            stuck = [i for i in rr.subjects if locked[i] or kw["v0"][i] != 0][:5]
            subjects = [f"{labels[i]} (ligne {rows[i]})" for i in stuck]
        if len(rr.subjects) == 1 and rr.subjects[0] == rr.title:
            subjects = []
        verb = "lignes à céder conservées" if line_rule else ("plafond dépassé" if rr.sense == "<=" else
                                                              "plancher manqué")
        msg = (f"{rr.rule} ({rr.article}) — {rr.title} : {verb} d'au moins {fr_euros(int(round(total * 100)))}"
               + (f" (marge de sécurité de {fr_pct(float(rr.margin))} comprise)" if rr.margin else "")
               + (f" ; en cause : {', '.join(map(str, subjects))}" if subjects else ""))
        out.append({"rule": rr.rule, "article": rr.article, "title": rr.title, "euros": round(total, 2),
                    "subjects": [str(s) for s in subjects], "message": msg})
    return out


def _buy_cap_causes(model: Model, by_row: dict) -> list:
    """The purchase caps whose rows needed slack: a preference of the user, named as such."""
    out = []
    for rr in model.cap_rule_rows:
        total, subjects = _row_amounts(rr, by_row)
        if total < 0.005:
            continue
        out.append({"rule": BUY_CAP_RULE, "article": None, "title": BUY_CAP_TITLE, "euros": round(total, 2),
                    "subjects": subjects,
                    "message": f"{BUY_CAP_TITLE} : il faudrait acheter au moins {fr_euros(int(round(total * 100)))} "
                               f"de plus que le plafond ; en cause : {', '.join(subjects)}. Relever --achat-max, "
                               "autoriser d'autres achats (--acheter-categorie, --univers) ou lever le plafond "
                               "(--achat-max aucun)."})
    return out


def _cash_causes(model: Model, by_row: dict, integer_causes: list) -> list:
    """The pockets whose cash balance needed slack (unless the lots already name that pocket)."""
    out = []
    for pocket, r in model.balance_rows:
        s = by_row.get(r, 0.0)
        if s >= 0.005 and not any(e["subjects"] and _pocket_fr(pocket) in e["subjects"] for e in integer_causes):
            out.append({"rule": "tresorerie", "article": "R. 623-2", "title": f"trésorerie de la poche {_pocket_fr(pocket)}",
                        "euros": round(s, 2), "subjects": [],
                        "message": f"la trésorerie demandée dans la poche {_pocket_fr(pocket)} ne peut être levée ou "
                                   f"placée : écart de {fr_euros(int(round(s * 100)))}"})
    return out


def _lock_causes(locked, L) -> list:
    """The lines the user locked, named (they are often the cause)."""
    if not locked.any():
        return []
    rows = sorted(int(r) for r in L["row"].to_numpy()[locked])
    msg = ("lignes bloquées par l'utilisateur (ni vendues ni achetées) : lignes " + ", ".join(map(str, rows[:20]))
           + ("…" if len(rows) > 20 else ""))
    return [{"rule": "blocages", "article": None, "title": "blocages", "euros": None, "subjects": rows[:20],
             "message": msg}]


def _iis_causes(hard: Model) -> list:
    """HiGHS's irreducible infeasible subset of the hard model, where it names rows; its failure is said, never
    swallowed."""
    try:
        hsol = solve_direct(replace(hard.lp, integer=None), presolve="on", keep=True)
        small = hard.lp.A.shape[0] <= 20000
        rows = iis_rows(hsol.highs) if small and hsol.status == "infeasible" and hsol.highs is not None else None
    except RuntimeError as exc:  # HiGHS could not isolate one: said in the explanation
        return [{"rule": "iis", "article": None, "title": "sous-système irréductible (HiGHS)", "euros": None,
                 "subjects": [], "message": "HiGHS n'a pas pu isoler un ensemble minimal de contraintes "
                                            f"incompatibles ({type(exc).__name__} : {exc})"}]
    names = _iis_names(hard, rows) if rows else []
    if not names:
        return []
    return [{"rule": "iis", "article": None, "title": "sous-système irréductible (HiGHS)", "euros": None,
             "subjects": names,
             "message": "HiGHS isole un ensemble minimal de contraintes incompatibles : " + ", ".join(names)}]


def _iis_names(hard: Model, rows) -> list:
    """The rules, purchase caps and cash balances the rows of an IIS belong to."""
    names = []
    for r in rows:
        for rr in hard.rule_rows:
            if rr.first <= r < rr.first + rr.count and rr.rule not in names:
                names.append(rr.rule)
    for rr in hard.cap_rule_rows:
        if any(rr.first <= r < rr.first + rr.count for r in rows):
            names.append(BUY_CAP_RULE)
    for pocket, r in hard.balance_rows:
        if r in rows:
            names.append(f"trésorerie de la poche {_pocket_fr(pocket)}")
    return names
