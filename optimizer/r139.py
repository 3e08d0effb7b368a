"""The R. 139 reallocation: which lines to sell, which to buy, so that every limit of R. 139-1 to R. 139-56 holds.

The model is written by the R. 139 rule kinds themselves (`constraints/r139/`): for each régime (RR 1, split as
the checker splits them: `constraints.r139.checker.regimes`), each kind's `linear_form(ctx)` gives rows
Σ A·x (≤ or ≥) share · actif de placement + const over the *items* of the régime — the lines as held and the
holdings of the funds seen through (R. 139-17) — and `line_status(ctx)` the items that must go (a failed
condition) or may not be bought (an open one). A safety margin is the blocks' `tighten`; the elastic model that
explains an infeasible problem relaxes the blocks' `soft()` rows, one slack each.

The decision is per line of the `Portefeuille` sheet. A holding of a fund line moves with it pro rata
(R. 139-17 last paragraph: the holdings are rescaled to the line's value), so an item's value is linear
in its line's value: x_item = (v_item / v_line) · X_line, and each rule block F becomes F · M over the
lines, with M that look-through matrix. With b and s the euros bought and sold of each line,
X = v + b − s; each régime keeps its own cash (Σ (b − s) = the cash the user adds to it, `--tresorerie`,
zero by default), so its actif de placement after the trades is a constant and every row has a constant
right-hand side.

R. 139-45 I 3° (RR 6) is not linear: an entity above 5 % must be in the 40 % basket (and under
10 %, a row of its own). One binary y per entity that can exceed 5 %: S − M·y ≤ 5 %; z ≥ S − M·(1 − y),
z ≥ 0; Σ z ≤ 40 %. The mixed-integer programme is solved by HiGHS through Pyomo (`optimizer.lp`);
the binaries are then fixed and the linear programme solved again, so that the integrality tolerance
never leaves an entity at 5 % plus a few euros outside the basket.

R. 139-46 (RR 9) divides by the issue of an issuer, which the checker counts from the securities held (valeur /
quantite × quantite_emise of each ISIN) when no `encours_emetteur` is given: a security sold out leaves the
denominator. The kind gives each security's issue (`IssueRows`); for an issuer with two securities or more, one
of which the trades could sell out, one binary h per such security: h = 1 it stays held (at least one unit, or a
euro), h = 0 every line of it is at 0 and its issue is out: Σ x ≤ limit · (issues that stay + Σ h · issue). No
re-solve loop: a sale out is never proposed when the rest of the issuer would then break the cap, and never
refused when it would not.

Objectives (`optimizer.rebalancing.OBJECTIVE_FR`): least turnover (Σ b + s); least cost (Σ cost · (b + s), a
cost in basis points per `nature`); least distance to a target allocation by `nature` of the lines as held
(Σ |share − target| in euros of the actif de placement of each régime, turnover breaking ties).

Financial contracts (R. 139-37 to R. 139-44): a contract line held directly in the actif de placement has one
more decision, d ∈ [0, 1], the share of it closed (it is reduced or closed, never grown): its value, exposure,
notional and quantity are × (1 − d). The kinds give the contracts' terms apart (`ContractRows`: R. 139-40 2°'s
underlying and cash, R. 139-41's positive exposures, R. 139-43's nets per counterparty, R. 139-44's per
currency); a net's |·| is a column of its own bounding it from both sides (no sign fixed in advance); the value
a contract reduced pays in (or out) goes to its régime's balance. A contract failing a line condition is closed
whole, unless it only covers more than the underlying held, which its rows reduce it to. Reduced notionals and
exposures are rounded toward zero.

What is not traded: lines outside the actif de placement (`gestion`, `prestations_3_mois`), funds whose
look-through holds contracts and contracts embedded in a security (their exposures are constants of the rows),
lines locked by the user. What is not bought: real estate, fonds mutualisés and other illiquid natures, lines
of unknown status under a line rule, funds seen without their holdings. A fund seen without its
holdings adds nothing to the rows: the rules it leaves open stay `unknown` and say which inventory to
give; a line without group counts as its own entity, as the checker's lower bound does.

The rounded proposal (cents; accrued interest moved pro rata, quantities with the market value, rounded in
the safe direction of the rule that reads them: `round_quantity`)
is checked again by the R. 139 checker on the portfolio after the trades; its verdict is the answer. Read again as
the checker reads it, a proposal can still break a rule the rows hold: a fund sold in part has its inventory
rescaled to the cent, and a small holding's unit price (R. 139-46's issue) moves with it. Then the rows of that
rule are kept the excess further inside and the programme solved again (`RESOLVES` times at most; a note says so).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy.sparse as sp

from constraints.r139.checker import check, rules_of, split_regimes
from constraints.r139.cure import Cure
from constraints.r139.base import ContractRows
from constraints.r139.entities import BasketBlock, IssueRows
from constraints.r139.inputs import from_portfolio
from constraints.r139.model import FALSE, TRUE, UNKNOWN, Ctx, normalise, round_cents
from constraints.rules import BREACH, OK, UNKNOWN_S
from reserves.portfolio import lookthrough as LT
from reserves.portfolio.columns139 import FUND_NATURES, NATURES
from reserves.portfolio.errors import InputError
from reserves.portfolio.fmt import PROPOSAL_STATUS_FR, fr_euros, fr_pct

from .lp import INF, LP, iis_rows, solve_direct, solve_pyomo
from .preferences import BUY_CAP_RULE
from .rebalancing import OBJECTIVE_FR, TIE_BREAK

CENT = 0.01
# Measured on the generated 10 000-line R. 139 portfolio (benchmarks/bench_optimizer.py): HiGHS presolve more
# than halves the MILP's solve, unlike the R. 623 LP (optimizer.lp.DEFAULT_PRESOLVE).
PRESOLVE = "on"
QUANTITY_PLACES = Decimal("0.0001")
DEFAULT_BUY_CAP = Fraction(2, 100)
# natures never bought by default: real estate, illiquid or unlisted assets, contracts, borrowings
NO_BUY = ("droit_immobilier", "societe_immobiliere", "opci", "fonds_mutualise", "autre", "autre_fm", "certificat",
          "cession_temporaire", "emprunt", "contrat_financier")
OBJECTIVES = ("turnover", "cost", "target")
BUY_CAP_TITLE = "plafond d'achat par ligne (--achat-max)"
BALANCE_RULE = "tresorerie"
EXPLAIN_TIME_LIMIT = 20.0  # seconds for the elastic model (a mixed-integer programme with the basket)
IIS_MAX_ROWS = 20000


_CENTS_KEYS = ("before", "after", "amount", "exposure_before", "exposure_after", "notional_before", "notional_after")


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
    objective: str = "turnover"
    cash: dict = field(default_factory=dict)  # régime name (None: the only one) → cents added (negative: withdrawn)
    explanation: list = field(default_factory=list)  # infeasible: the rules in conflict, by how many euros
    settings: dict = field(default_factory=dict)  # the user's settings, as given
    inventories_before: list = field(default_factory=list)  # the funds' inventories read (sheet and TPT files)

    @property
    def exit_code(self) -> int:
        if self.status == "nothing_to_do":
            return 0 if self.before.status == OK else 3
        if self.status in ("infeasible", "breach"):
            return 1
        return self.after.exit_code

    def to_dict(self) -> dict:
        def rules(v):
            return None if v is None else [{"id": r.spec.id, "title": r.spec.title, "article": r.spec.article,
                                            "status": r.status, "value": r.value, "limit": r.limit} for r in v.results]
        after = self.after
        return {
            "status": self.status, "status_fr": PROPOSAL_STATUS_FR[self.status],
            "version": self.before.version.describe(), "as_of": self.before.as_of.isoformat(),
            "objective": self.objective, "objective_fr": OBJECTIVE_FR[self.objective],
            "before": self.before.status, "after": None if after is None else after.status,
            "cash": [{"regime": k, "amount": c / 100} for k, c in self.cash.items() if c],
            "trades": [{k: (v / 100 if k in _CENTS_KEYS and v is not None else v) for k, v in t.items()}
                       for t in self.trades],
            "sold": sum(t["amount"] for t in self.trades if t["action"] == "sell") / 100,
            "bought": sum(t["amount"] for t in self.trades if t["action"] == "buy") / 100,
            "rules_before": rules(self.before), "rules_after": rules(after),
            "findings_after": [] if after is None else [f.to_dict() for f in after.findings],
            "explanation": list(self.explanation), "settings": dict(self.settings),
            "notes": list(self.notes), "solver": dict(self.solver), "rows": self.n_rows, "binaries": self.n_binaries,
        }


# --------------------------------------------------------------------------- the look-through matrix


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


@dataclass
class _Prep:
    """What the rows are made of: the rule blocks over the lines, and what each line may do."""

    L: object
    v_c: np.ndarray  # line values, cents
    T: np.ndarray  # the lines that can be traded
    forms: list  # (rule, block, G = F·M over the lines, régime index, KL contract terms over the lines, k0 as held)
    close: np.ndarray  # lines that must go (a failed line condition)
    close_why: dict
    can_buy: np.ndarray
    in_base: np.ndarray
    locked: np.ndarray
    regime_of: np.ndarray
    bases: list  # actif de placement of each régime before the trades, euros
    names: list  # régime names (None: the only one, no `regime` column)
    nature: np.ndarray
    stuck: np.ndarray  # lines that must go and cannot be traded
    C: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # contract lines that may be reduced
    constants: dict = field(default_factory=dict)  # line → (how it carries contracts the proposal cannot change, labels)


@dataclass
class _Rows:
    """A model's rows as they are built, with the name of what each says (for the explanation)."""

    nT: int
    blocks: list = field(default_factory=list)  # (GT over b − s or None, triplets over the other columns, lo, hi)
    sections: list = field(default_factory=list)  # (name, first row, last row + 1)
    meta: list = field(default_factory=list)  # per row: (what, rule id or None, subject, sense)
    cols: list = field(default_factory=list)  # other columns: (lb, ub, integer, cost)
    slacks: list = field(default_factory=list)  # (other column, row)
    notes: list = field(default_factory=list)
    signs: dict = field(default_factory=dict)  # balance slack column → +1 (sold beyond the cash) or −1 (bought)
    stuck: set = field(default_factory=set)  # (rule id, subject) of the rows broken that no trade reaches
    n: int = 0

    def col(self, lb, ub, cost=0.0, integer=False) -> int:
        self.cols.append((lb, ub, integer, cost))
        return len(self.cols) - 1

    def add(self, section, GT, lo, hi, meta, other=(), soft=None, slack_cost=1.0):
        """Rows lo ≤ GT·(b − s) + other ≤ hi; `soft` (one coefficient per row, or None): each row gets one
        non-negative slack column of that coefficient, priced `slack_cost` per euro (the elastic model)."""
        k = len(lo)
        if not k:
            return
        other = list(other)
        if soft is not None:
            for i in range(k):
                c = self.col(0.0, INF, slack_cost)
                other.append((i, c, float(soft[i])))
                self.slacks.append((c, self.n + i))
        self.blocks.append((GT, other, np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)))
        if self.sections and self.sections[-1][0] == section and self.sections[-1][2] == self.n:
            self.sections[-1] = (section, self.sections[-1][1], self.n + k)
        else:
            names = {s[0] for s in self.sections}
            name = section if section not in names else f"{section}_{len(self.sections)}"
            self.sections.append((name, self.n, self.n + k))
        self.meta.extend(meta)
        self.n += k

    def lp(self, c_bs: np.ndarray, col_lb, col_ub) -> LP:
        nT, n_other = self.nT, len(self.cols)
        mats = []
        for GT, other, lo, _ in self.blocks:
            k = len(lo)
            if isinstance(GT, _OnlyBuys):
                left, right = GT.m, sp.csr_matrix((k, nT))
            else:
                left = GT if GT is not None else sp.csr_matrix((k, nT))
                right = -left
            if other:
                r, c, v = zip(*other)
                O = sp.csr_matrix((v, (r, c)), shape=(k, n_other))
            else:
                O = sp.csr_matrix((k, n_other))
            mats.append(sp.hstack([left, right, O], format="csr"))
        A = sp.vstack(mats, format="csr") if mats else sp.csr_matrix((0, 2 * nT + n_other))
        row_lb = np.concatenate([b[2] for b in self.blocks]) if self.blocks else np.zeros(0)
        row_ub = np.concatenate([b[3] for b in self.blocks]) if self.blocks else np.zeros(0)
        o = self.cols
        lb = np.concatenate([col_lb, np.array([x[0] for x in o], dtype=float)])
        ub = np.concatenate([col_ub, np.array([x[1] for x in o], dtype=float)])
        integer = np.concatenate([np.zeros(2 * nT, dtype=bool), np.array([x[2] for x in o], dtype=bool)])
        cost = np.concatenate([c_bs, np.array([x[3] for x in o], dtype=float)])
        return LP(cost, lb, ub, A, row_lb, row_ub, integer if integer.any() else None, 0.0, list(self.sections))


def _prepare(pf, inp, version, *, as_of, simplified, simplified_since, max_age_days, locks, buy_rows) -> _Prep:
    L = pf.lines
    n = len(L)
    v_c = L["value"].to_numpy(dtype=np.int64)
    rows_known = set(L["row"].astype(int).tolist())
    for r in list(locks) + list(buy_rows):
        if int(r) not in rows_known:
            raise InputError.one(f"ligne {r} : aucune ligne du portefeuille à cette ligne du tableur")
    locked = L["row"].isin([int(r) for r in locks]).to_numpy().copy()
    X = normalise(inp.items)
    rules = [r for r in rules_of(version) if not isinstance(r, Cure)]
    forms = []
    close = np.zeros(n, dtype=bool)
    close_why: dict = {}
    nobuy = np.zeros(n, dtype=bool)
    in_base = np.zeros(n, dtype=bool)
    regime_of = np.full(n, -1, dtype=np.int64)
    is_contract = np.zeros(n, dtype=bool)
    bases, names = [], []
    constants: dict = {}  # line → (fund | embedded | other, the labels of a fund's contracts)
    for g, (name, items, simp) in enumerate(split_regimes(X, simplified)):
        ctx = Ctx(inp, items, version, as_of, simplified=simp, regime=name, max_age_days=max_age_days,
                  simplified_since=simplified_since)
        line = ctx.a["line"].astype(np.int64)
        in_base[line[np.flatnonzero(ctx.P)]] = True
        regime_of[line[ctx.direct]] = g
        bases.append(ctx.base / 100.0)
        names.append(name)
        M = lookthrough_matrix(ctx, v_c)
        # a financial contract held directly in the actif de placement is reduced or closed by the share kept of it:
        # its value, exposure and notional move together (R. 139-37 to R. 139-44); one held through a fund, or
        # embedded in a security, is a constant of the rows
        con = ctx.contract()
        traded_con = ctx.direct & ctx.P & ctx.nat(["contrat_financier"]) & (ctx.a["embedded_derivative"] != TRUE)
        tc = np.flatnonzero(traded_con)
        E = sp.csr_matrix((np.ones(len(tc)), (tc, line[tc])), shape=(ctx.n, n))
        is_contract[line[tc]] = True
        for rule in rules:
            for block in blocks_of(rule.linear_form(ctx)):
                F = sp.csr_matrix((np.asarray(block.coefs, dtype=float), (block.rows, block.cols)),
                                  shape=(block.n_rows, ctx.n))
                KL, k0 = None, np.zeros(block.n_rows)
                if isinstance(block, ContractRows) and len(block.k_cols):
                    K = sp.csr_matrix((np.asarray(block.k_coefs, dtype=float), (block.k_rows, block.k_cols)),
                                      shape=(block.n_rows, ctx.n))
                    k0 = np.asarray(K.sum(axis=1)).ravel()
                    KL = (K @ E).tocsr()
                secs = None
                if isinstance(block, IssueRows) and any(block.issues):
                    # per row, each security whose issue is counted: (limit · issue, its items over the lines, euros
                    # per unit, its value held now)
                    secs = []
                    for row in block.issues:
                        out = []
                        for x, items, unit in row:
                            S = sp.csr_matrix((np.ones(len(items)), (np.zeros(len(items), dtype=np.int64), items)),
                                              shape=(1, ctx.n)) @ M
                            out.append((x, sp.csr_matrix(S), unit))
                        secs.append(out)
                forms.append((rule, block, (F @ M).tocsr(), g, KL, k0, secs))
            st = rule.line_status(ctx)
            if st is not None:
                applies, tri = st
                bad = np.unique(line[applies & (tri == FALSE)])
                close[bad] = True
                for i in bad.tolist():
                    close_why.setdefault(i, rule.id)
                nobuy[line[applies & (tri == UNKNOWN)]] = True
        nobuy[line[ctx.T_blind | ctx.D_blind]] = True
        fixed = np.flatnonzero(con & ~traded_con)
        locked[np.unique(line[fixed])] = True  # funds that hold contracts, embedded ones: not traded
        for i in fixed.tolist():  # what the proposal says it cannot change
            j = int(line[i])
            if j not in constants:
                constants[j] = ("fund" if ctx.holding[i] else "embedded" if ctx.a["embedded_derivative"][i] == TRUE
                                else "other", [])
            if ctx.holding[i] and ctx.label(i) not in constants[j][1]:
                constants[j][1].append(ctx.label(i))
    nature = L["nature"].astype(object).to_numpy()
    C = np.flatnonzero(is_contract & in_base & ~locked)
    # a contract is not bought or sold in euros: it is kept in part (its share, a column of its own)
    can_sell = in_base & (v_c > 0) & ~locked & ~is_contract
    allowed = ~np.isin(nature, NO_BUY) | L["row"].isin([int(r) for r in buy_rows]).to_numpy()
    can_buy = can_sell & ~close & ~nobuy & allowed
    tradeable = can_sell.copy()
    tradeable[C] = True
    return _Prep(L, v_c, np.flatnonzero(can_sell), forms, close, close_why, can_buy, in_base, locked, regime_of,
                 bases, names, nature, np.flatnonzero(close & ~tradeable & (v_c != 0)), C, constants)


def _balance_cents(new: np.ndarray, exact: np.ndarray, old: np.ndarray, gone: np.ndarray, diff: int) -> np.ndarray:
    """The lines' cents `new` (the solver's values `exact` rounded) with `diff` cents taken out (added back when
    negative) so that the régime's sales pay for its purchases to the cent: a cent at a time from the traded lines
    whose rounding moved them most the same way (largest remainders), so that no line is more than a cent from the
    solver's value — what the rows' tolerances allow (`_build`: two cents per coefficient). Lines sold whole
    and lines not traded are not touched; only a remainder of the solver's own tolerance larger than the traded
    lines goes round them again."""
    out = new.copy()
    step = 1 if diff > 0 else -1
    cand = np.flatnonzero((out != old) & ~gone)
    if not len(cand):  # only contracts or lines sold whole moved: the largest line traded takes the cents
        moved = np.flatnonzero(out != old)
        j = moved[np.argmax(out[moved])] if len(moved) else int(np.argmax(out))
        out[j] = max(int(out[j]) - diff, 0)
        return out
    left = abs(diff)
    while left:
        err = (out[cand] - exact[cand]) * step  # how far each is now on the side the cents are taken from
        ok = cand[(out[cand] - step >= 0)]
        if not len(ok):
            break
        order = ok[np.argsort(-err[np.searchsorted(cand, ok)], kind="stable")]
        take = order[:left]
        out[take] -= step
        left -= len(take)
    if left:  # nothing left to take a cent from: the largest line takes the rest
        j = cand[np.argmax(out[cand])]
        out[j] -= step * left
    return out


CONSTANTS_MAX = 10  # lines named in the note, the rest counted


def constants_note(prep: _Prep) -> str | None:
    """The French note on the contracts the proposal cannot change: held through a fund seen through (R. 139-17) or
    embedded in a security (R. 139-36 III), each a constant of the rows, counted as the checker counts it; the lines
    that carry them are neither sold nor bought."""
    if not prep.constants:
        return None
    L = prep.L
    parts = []
    for j, (how, labels) in sorted(prep.constants.items(), key=lambda kv: int(L["row"].iat[kv[0]])):
        where = f"« {L['label'].iat[j]} » (ligne {int(L['row'].iat[j])}"
        if how == "fund":
            shown = ", ".join(f"« {x} »" for x in labels[:3]) + (f" et {len(labels) - 3} autres" if len(labels) > 3
                                                                   else "")
            parts.append(f"{where}, fonds vu par transparence : {shown})")
        elif how == "embedded":
            parts.append(f"{where}, contrat intégré au titre)")
        else:
            parts.append(f"{where})")
    more = len(parts) - CONSTANTS_MAX
    listed = " ; ".join(parts[:CONSTANTS_MAX]) + (f" ; et {more} autres lignes" if more > 0 else "")
    return ("contrats financiers que la proposition ne peut changer : " + listed + ". Leurs expositions et "
            "notionnels comptent tels que le vérificateur les lit (inventaire ramené à la valeur du fonds, contrat "
            "intégré tel que déclaré) dans R. 139-40 2°, R. 139-41, R. 139-43 et R. 139-44 ; ils ne sont ni réduits "
            "ni dénoués, et les lignes qui les portent ne sont ni vendues ni achetées : seuls les contrats détenus en "
            "direct sont réduits. Les réduire demande d'agir auprès de la société de gestion du fonds, ou de céder "
            "le titre hors de la proposition.")


def _regime_cash(cash, names) -> np.ndarray:
    """The cash added to each régime, euros: `cash` a number (the only régime) or {régime: euros}."""
    out = np.zeros(len(names))
    if cash is None:
        return out
    if not isinstance(cash, dict):
        if Decimal(str(cash)) == 0:
            return out
        if len(names) > 1:
            raise InputError.one("trésorerie : le portefeuille a plusieurs régimes (" + ", ".join(map(str, names)) +
                                 ") ; donner la trésorerie de chacun (--tresorerie-regime REGIME=EUROS)")
        cash = {names[0]: cash}
    from constraints.r139.model import clean_value

    known = {clean_value("regime", n) if n is not None else None: g for g, n in enumerate(names)}
    for name, euros in cash.items():
        key = clean_value("regime", name) if name not in (None, "") else None
        if key not in known and len(names) == 1 and names[0] is None:
            raise InputError.one(f"trésorerie du régime « {name} » : le portefeuille n'a pas de colonne regime ; "
                                 "donner --tresorerie EUROS")
        if key not in known:
            raise InputError.one(f"trésorerie du régime « {name} » : régime inconnu du portefeuille (régimes : " +
                                 ", ".join(str(n) for n in names) + ")")
        out[known[key]] += float(Decimal(str(euros)).quantize(Decimal("0.01")))
    return out


def _line_costs(prep: _Prep, objective, costs_bps) -> np.ndarray:
    """Cost per euro traded of each tradeable line: 1 (turnover) or its basis points by `nature` (cost)."""
    nT = len(prep.T)
    if objective != "cost":
        return np.ones(nT)
    costs_bps = costs_bps or {}
    per = costs_bps.get("natures") or {}
    default = float(costs_bps.get("default") or 0)
    nat = prep.nature[prep.T]
    bps = np.array([float(per.get(x, default)) for x in nat], dtype=float)
    return bps / 10000.0 + TIE_BREAK


def _build(prep: _Prep, *, margin, buy_cap, cash, objective, costs, target, elastic=False, extra=None):
    """The model: (LP, rows, column bounds of b and s, number of binaries). `elastic`: every soft row of the kinds,
    each régime's balance and each purchase cap gets a slack, and the objective is their sum in euros. `extra`
    {rule id: euros}: the rows of those rules kept that much further inside their limits (`_extra_tolerance`)."""
    extra = extra or {}
    T, v_c = prep.T, prep.v_c
    nT = len(T)
    v = v_c / 100.0
    vT = v[T]
    close_T = prep.close[T]
    new_bases = [b + c for b, c in zip(prep.bases, cash)]
    reg_T = prep.regime_of[T]
    cap_T = (np.array([float(buy_cap) * prep.bases[g] for g in reg_T]) if buy_cap is not None else np.full(nT, INF))
    b_cap = np.where(prep.can_buy[T] & ~close_T, cap_T, 0.0)
    b_ub = np.where(np.isfinite(b_cap) & (b_cap > 0), INF, b_cap) if elastic else b_cap
    s_lb = np.where(close_T, vT, 0.0)
    s_ub = vT.copy()
    R = _Rows(nT)
    # the contracts: d, the share of each closed (0 as held, 1 closed whole; its value, exposure and notional × 1 − d)
    C = prep.C
    vC = v[C]
    close_C = prep.close[C]
    c_C = _contract_costs(prep, objective, costs) if not elastic else np.zeros(len(C))
    dcol = np.array([R.col(1.0 if close_C[i] else 0.0, 1.0, float(c_C[i])) for i in range(len(C))], dtype=np.int64)
    baskets = []
    n_bin = 0
    for rule, block, G, g, KL, k0, secs in prep.forms:
        tight = block.tighten(margin) if (margin and block.limit is not None) else block
        if elastic:
            tight = tight.soft()
        B = new_bases[g] if block.base is not None else 0.0
        rhs = float(tight.share) * B + np.asarray(tight.const, dtype=float)
        lhs0 = G @ v + k0
        GT = G[:, T].tocsr()
        CD = -(G[:, C] @ sp.diags(vC))  # the row's change per share closed of each contract
        if KL is not None:
            CD = CD - KL[:, C]
        CD = sp.csr_matrix(CD)
        CD.eliminate_zeros()
        if getattr(block, "exact", False):
            # 0 ≤ 0 once every contract goes: no tolerance but the lines' own cents (a contract's notional and
            # exposure reduced are rounded toward zero, never above the row's term)
            tol = 2 * CENT * np.asarray(abs(GT).sum(axis=1)).ravel()
        else:
            absrow = np.asarray(abs(GT).sum(axis=1)).ravel() + np.diff(CD.indptr)
            tol = 2 * CENT * absrow + CENT + 1e-9 * np.abs(rhs)
        tol = tol + extra.get(rule.id, 0.0)
        scale = tight.euro_scale()
        c_up = np.asarray(CD.multiply(CD > 0).sum(axis=1)).ravel()
        c_down = -np.asarray(CD.multiply(CD < 0).sum(axis=1)).ravel()
        if isinstance(block, BasketBlock):
            baskets.append((rule, tight, GT, lhs0, rhs, tol, g, scale, CD, c_up))
            continue
        if getattr(block, "abs_sum", False):
            _abs_rows(R, rule, tight, GT, CD, dcol, lhs0, float(rhs[0]) - float(tol.sum()) + CENT * (len(tol) - 1))
            continue
        up = GT.multiply(GT > 0) @ b_ub - GT.multiply(GT < 0) @ s_ub + c_up  # the most the row can grow
        down = GT.multiply(GT > 0) @ s_ub - GT.multiply(GT < 0) @ b_ub + c_down
        le = block.sense == "<="
        keep = ~(np.isfinite(up) & (lhs0 + up <= rhs - tol)) if le else ~(np.isfinite(down) & (lhs0 - down >= rhs + tol))
        fixed_bad = (keep & (np.diff(GT.indptr) == 0) & (np.diff(CD.indptr) == 0)
                     & ((lhs0 > rhs) if le else (lhs0 < rhs)))
        for k in np.flatnonzero(fixed_bad).tolist():
            R.stuck.add((rule.id, str(block.subjects[k])))
            R.notes.append(f"{rule.id} — {block.subjects[k]} : ne dépend d'aucune ligne négociable (contrats, lignes "
                           f"bloquées) : la limite ne peut être rétablie par des ventes ou des achats")
        idx = np.flatnonzero(keep & ~fixed_bad)
        if secs is not None and not elastic:
            var_rows = [k for k in range(block.n_rows)
                        if len(secs[k]) >= 2 and any(_sold_out_possible(S, T) for _, S, _ in secs[k])]
            factor = np.divide(np.asarray(tight.const, dtype=float), np.asarray(block.const, dtype=float),
                               out=np.ones(block.n_rows), where=np.asarray(block.const, dtype=float) != 0)
            n_bin += _issue_rows(R, rule, tight, GT, lhs0, rhs, tol, up, var_rows, secs, factor, T, b_ub, v,
                                 new_bases[g])
            idx = np.setdiff1d(idx, np.array(var_rows, dtype=np.int64))
        if not len(idx):
            continue
        lo = np.full(len(idx), -INF) if le else rhs[idx] - lhs0[idx] + tol[idx]
        hi = rhs[idx] - lhs0[idx] - tol[idx] if le else np.full(len(idx), INF)
        soft = ((-1.0 if le else 1.0) / scale[idx]) if tight.slack else None
        R.add("regles", GT[idx], lo, hi, [("rule", rule, tight.subjects[k], block.sense) for k in idx.tolist()],
              other=_triplets(CD[idx], dcol), soft=soft)
    for rule, tight, GT, lhs0, rhs, tol, g, scale, CD, c_up in baskets:
        five = rhs  # share · actif de placement, per entity row
        smax = lhs0 + GT.multiply(GT > 0) @ b_ub + c_up
        # an entity that one line's purchase cannot bring above 5 % gets no binary: it keeps to 5 % (a plain row
        # where it could get there at all), which can only be stricter than the basket
        room = float(buy_cap) * prep.bases[g] if (buy_cap is not None and not elastic) else INF
        reach = ~np.isfinite(smax) | (smax > five - tol)
        cand = np.flatnonzero((lhs0 + room > five - tol) & reach)
        plain = np.setdiff1d(np.flatnonzero(reach), cand)
        if len(plain):
            R.add("regles", GT[plain], np.full(len(plain), -INF), five[plain] - lhs0[plain] - tol[plain],
                  [("rule", rule, tight.subjects[k], "<=") for k in plain.tolist()], other=_triplets(CD[plain], dcol),
                  soft=(-1.0 / scale[plain]) if tight.slack else None)
        if not len(cand):
            continue
        forty = float(tight.basket) * new_bases[g]
        zs = []
        for k in cand.tolist():
            Mk = float(smax[k]) if np.isfinite(smax[k]) else 2 * new_bases[g] + abs(float(lhs0[k]))
            Mk = max(Mk, float(lhs0[k]), float(five[k])) + 1.0
            y = R.col(0.0, 1.0, 0.0, True)
            z = R.col(0.0, INF)
            zs.append(z)
            row = GT[k]
            subject = tight.subjects[k]
            # S − M·y ≤ 5 %: outside the basket an entity keeps to 5 %
            cd = _triplets(CD[[k]], dcol)
            R.add("panier_40", row, [-INF], [float(five[k] - lhs0[k] - tol[k])], [("basket", rule, subject, "<=")],
                  other=[(0, y, -Mk)] + cd)
            # S − z + M·y ≤ M: in the basket, z is at least its whole exposure
            R.add("panier_40", row, [-INF], [float(Mk - lhs0[k])], [("basket", rule, subject, "<=")],
                  other=[(0, z, -1.0), (0, y, Mk)] + cd)
            n_bin += 1
        # z ≥ each entity's exposure at the solver's values; rounded to the cent, each entity's can grow by its
        # rows' tolerance for cents: the 40 % keeps the sum of them inside, as an entity's own row keeps its own
        rounding = float(tol[cand].sum()) + extra.get(rule.id, 0.0)
        R.add("panier_40", None, [-INF], [forty - CENT - rounding - 1e-9 * forty],
              [("rule", rule, "panier des 40 %", "<=")],
              other=[(0, z, 1.0) for z in zs], soft=[-1.0] if tight.slack else None)
    # one balance per régime: what it sells pays for what it buys, plus the cash added to it; a contract reduced
    # pays in (or, of a negative value, out) its value × the share closed
    reg_C = prep.regime_of[C]
    for g in range(len(prep.bases)):
        sel = np.flatnonzero(reg_T == g)
        mine = np.flatnonzero(reg_C == g)
        if len(sel) or cash[g] or len(mine):
            r = sp.csr_matrix((np.ones(len(sel)), (np.zeros(len(sel), dtype=np.int64), sel)), shape=(1, nT))
            other = []
            if elastic:  # sold more than the cash allows (+), or bought more (−)
                other = [(0, R.col(0.0, INF, 1.0), 1.0), (0, R.col(0.0, INF, 1.0), -1.0)]
            slacks = list(other)
            other += [(0, int(dcol[i]), -float(vC[i])) for i in mine.tolist() if vC[i]]
            R.add("equilibre", r, [cash[g]], [cash[g]], [("balance", None, prep.names[g], "=")], other=other)
            for _, c, sign in slacks:
                R.slacks.append((c, R.n - 1))
                R.signs[c] = sign
    if elastic:  # the purchase caps, a preference of the user, give way before a limit of the law
        capped = np.flatnonzero(np.isfinite(b_cap) & (b_cap > 0))
        if len(capped):
            E = sp.csr_matrix((np.ones(len(capped)), (np.arange(len(capped)), capped)), shape=(len(capped), nT))
            # b_j − e_j ≤ cap_j: over the purchases alone
            R.add("plafonds_achat", _OnlyBuys(E), np.full(len(capped), -INF), b_cap[capped],
                  [("buy_cap", None, j, "<=") for j in capped.tolist()], soft=-np.ones(len(capped)), slack_cost=0.5)
    # the objective
    c_line = _line_costs(prep, objective, costs)
    if elastic:
        c_bs = np.zeros(2 * nT)
    elif objective == "target":
        c_bs = np.full(2 * nT, TIE_BREAK)
        _target_rows(R, prep, target, new_bases)
    else:
        c_bs = np.concatenate([c_line, c_line])
    return R, c_bs, np.concatenate([np.zeros(nT), s_lb]), np.concatenate([b_ub, s_ub]), n_bin


RESOLVES = 2  # times the programme is solved again with the rows of a rule the rounded proposal breaks further inside


def _extra_tolerance(res, extra: dict) -> dict:
    """{rule id: euros} the rows of each rule are to be kept inside their limits, more than `extra`, for the rules
    the rounded proposal `res` still breaks though the programme has rows for them: each by its largest excess
    (a finding's amount to sell, else the rule's headroom below zero) and a cent. {} when there are none."""
    if res.after is None:
        return {}
    modelled = {m[1].id for m in res.R.meta if m[1] is not None}
    more = dict(extra)
    for r in res.after.results:
        if r.status != BREACH or r.spec.id not in modelled:
            continue
        mine = [f for f in r.findings if f.status == BREACH and (r.spec.id, str(f.subject)) not in res.R.stuck]
        if not mine:  # only rows no trade reaches (said in the notes): solving again cannot change them
            continue
        cents = [f.amount for f in mine if f.amount]
        if not cents and r.headroom is not None and r.headroom < 0:
            cents = [-r.headroom]
        excess = (max(cents) if cents else 100) / 100.0
        more[r.spec.id] = more.get(r.spec.id, 0.0) + excess + CENT
    return more if more != extra else {}


def _excesses(res) -> list:
    """The breaches of a proposal re-checked: (rule id, the amounts of its findings), to see whether solving again
    moved them."""
    return sorted((r.spec.id, tuple(sorted(f.amount or 0 for f in r.findings if f.status == BREACH)))
                  for r in res.after.results if r.status == BREACH)


def _sold_out_possible(S, T) -> bool:
    """Every line of a security (`S`, its items over the lines) can be sold: the optimizer may sell it out."""
    lines = S.indices[S.data != 0]
    return bool(len(lines)) and bool(np.isin(lines, T).all())


def _issue_rows(R: _Rows, rule, block, GT, lhs0, rhs, tol, up, rows, secs, factor, T, b_ub, v, base) -> int:
    """R. 139-46 with the securities held (RR 9, READING 7's count by security). For each row `k` of `rows` (an
    issuer with two securities or more, one of which the trades could sell out), a binary h per security that
    could be sold out: 1 it stays held (at least one unit, or a euro: it stays in the denominator), 0 it is sold
    out (every line of it at 0, and its issue out, as the checker counts it after the trades):
    Σ x ≤ limit · (Σ issues that stay + Σ h · issue). A row that holds even with every such security's issue out
    needs none. Returns the number of binaries."""
    pos = {int(j): i for i, j in enumerate(T.tolist())}
    nT = len(T)
    n = 0
    for k in rows:
        var = [(x * factor[k], S, unit) for x, S, unit in secs[k] if _sold_out_possible(S, T)]
        x_var = sum(x for x, _, _ in var)
        fixed = float(rhs[k]) - x_var  # limit · the issues that cannot be sold out
        if np.isfinite(up[k]) and lhs0[k] + up[k] <= fixed - tol[k]:
            continue  # within the cap even with every issue that may go out of the denominator
        other = []
        for x, S, unit in var:
            cols = np.array([pos[int(j)] for j in S.indices.tolist()], dtype=np.int64)
            w = S.data
            ST = sp.csr_matrix((w, (np.zeros(len(cols), dtype=np.int64), cols)), shape=(1, nT))
            v_now = float((S @ v)[0])
            grow = float(np.sum(np.where(np.isfinite(b_ub[cols]), b_ub[cols], 2 * base) * w))
            big = v_now + grow + 1.0
            # held: at least one unit (or a euro) of a security held directly; one seen through a fund (its items
            # a share of their lines) is often a fraction of a unit, held while its fund keeps a hundredth of it
            eps = max(1.0, float(unit))
            if not np.all(w == 1.0):
                eps = min(eps, max(CENT, 0.01 * v_now))
            h = R.col(0.0, 1.0, 0.0, True)
            n += 1
            subject = block.subjects[k]
            # sold out when h = 0: Σ its lines ≤ M · h;  held when h = 1: at least one unit (or a euro)
            R.add("detention_46", ST, [-INF], [-v_now], [("issue", rule, subject, "<=")], other=[(0, h, -big)])
            R.add("detention_46", -ST, [-INF], [v_now], [("issue", rule, subject, "<=")], other=[(0, h, eps)])
            # with no issue that stays, the tolerance for cents goes with each issue held (all out: 0 ≤ 0)
            other.append((0, h, -(x if fixed > tol[k] else x - float(tol[k]))))
        hi = fixed - float(lhs0[k]) - (float(tol[k]) if fixed > tol[k] else 0.0)
        R.add("regles", GT[[k]], [-INF], [hi], [("rule", rule, block.subjects[k], "<=")], other=other)
    return n


def _abs_rows(R: _Rows, rule, block, GT, CD, dcol, lhs0, cap) -> None:
    """Σ_g |e_g| ≤ cap, e_g = lhs0_g + GT_g·(b − s) + CD_g·d the groups of an `abs_sum` block (a counterparty's net
    exposure, a currency's): one column t_g ≥ |e_g| each (t_g − e_g ≥ 0, t_g + e_g ≥ 0), Σ t_g ≤ cap."""
    k = len(lhs0)
    t = [R.col(0.0, INF) for _ in range(k)]
    mine = [(i, t[i], 1.0) for i in range(k)]
    meta = [("abs", rule, block.subjects[i], ">=") for i in range(k)]
    neg = [(r, c, -v) for r, c, v in _triplets(CD, dcol)]
    R.add("regles", -GT, lhs0, np.full(k, INF), meta, other=mine + neg)
    R.add("regles", GT, -lhs0, np.full(k, INF), meta, other=mine + _triplets(CD, dcol))
    R.add("regles", None, [-INF], [cap], [("rule", rule, block.subjects[0] if k == 1 else rule.spec.title, "<=")],
          other=[(0, c, 1.0) for c in t], soft=[-1.0] if block.slack else None)


def _triplets(CD, dcol) -> list:
    """(row, column, coefficient) of the contracts' shares closed in rows `CD` (rows × contracts)."""
    if CD.nnz == 0:
        return []
    coo = CD.tocoo()
    return list(zip(coo.row.tolist(), dcol[coo.col].tolist(), coo.data.tolist()))


def _contract_size(prep: _Prep) -> np.ndarray:
    """Euros of each contract that may be reduced: |value| + |exposure| (else |notional|), what a share closed
    trades."""
    L = prep.L
    C = prep.C
    e = pd.to_numeric(L["exposure"], errors="coerce").to_numpy(dtype=float)[C] if "exposure" in L else np.full(len(C), np.nan)
    n_ = pd.to_numeric(L["notional"], errors="coerce").to_numpy(dtype=float)[C] if "notional" in L else np.full(len(C), np.nan)
    size = np.where(np.isnan(e), np.nan_to_num(np.abs(n_)), np.abs(e))
    return (np.abs(prep.v_c[C].astype(float)) + size) / 100.0


def _contract_costs(prep: _Prep, objective, costs_bps) -> np.ndarray:
    """The objective's price of closing each contract whole: its size (`_contract_size`) × 1 (turnover), × the
    basis points of `contrat_financier` (cost), × the tie-break (target)."""
    size = _contract_size(prep)
    if objective == "cost":
        per = (costs_bps or {}).get("natures") or {}
        bps = float(per.get("contrat_financier", (costs_bps or {}).get("default") or 0))
        return size * (bps / 10000.0 + TIE_BREAK)
    if objective == "target":
        return size * TIE_BREAK
    return size


class _OnlyBuys:
    """Rows over the purchases b alone (the purchase caps of the elastic model), not over b − s."""

    def __init__(self, m):
        self.m = m


def _target_rows(R: _Rows, prep: _Prep, target: dict, new_bases) -> None:
    """For each régime and each `nature` with a target share t: Σ (b − s) over its tradeable lines − d⁺ + d⁻ =
    t · actif de placement after the trades − what the régime holds of that nature now; Σ d⁺ + d⁻ is minimised."""
    T = prep.T
    nT = len(T)
    v = prep.v_c / 100.0
    for g, B in enumerate(new_bases):
        in_g = prep.in_base & (prep.regime_of == g)
        for nat, t in target.items():
            held = float(v[in_g & (prep.nature == nat)].sum())
            sel = np.flatnonzero((prep.regime_of[T] == g) & (prep.nature[T] == nat))
            r = sp.csr_matrix((np.ones(len(sel)), (np.zeros(len(sel), dtype=np.int64), sel)), shape=(1, nT))
            goal = float(t) * B - held
            dp, dm = R.col(0.0, INF, 1.0), R.col(0.0, INF, 1.0)
            R.add("cible", r, [goal], [goal], [("target", None, (prep.names[g], nat), "=")],
                  other=[(0, dp, -1.0), (0, dm, 1.0)])


def _cash_given(cash) -> bool:
    if cash is None:
        return False
    if isinstance(cash, dict):
        return any(Decimal(str(x)) != 0 for x in cash.values())
    return Decimal(str(cash)) != 0


def _check_preferences(objective, costs_bps, target) -> None:
    if objective not in OBJECTIVES:
        raise InputError.one(f"objectif inconnu « {objective} » : attendu rotation, cout ou cible")
    for what, d in (("coût", (costs_bps or {}).get("natures") or {}), ("cible", target or {})):
        for k in d:
            if k not in NATURES:
                raise InputError.one(f"{what} « {k} » : nature inconnue (attendu l'une de : {', '.join(NATURES)})")
    if objective == "cost" and not costs_bps:
        raise InputError.one("objectif « cout » : donner les coûts par nature (--cout action=30 --cout-defaut 5)")
    if objective == "target":
        if not target:
            raise InputError.one("objectif « cible » : donner l'allocation cible par nature (--cible obligation=60 …)")
        for k, t in target.items():
            if not 0 <= Fraction(str(t)) <= 1:
                raise InputError.one(f"cible « {k} » : attendu entre 0 et 100 %, lu {float(t) * 100:g} %")
        if sum(Fraction(str(t)) for t in target.values()) > 1:
            raise InputError.one("cible : la somme des parts visées dépasse 100 %")
    for k, x in ((costs_bps or {}).get("natures") or {}).items():
        if Decimal(str(x)) < 0:
            raise InputError.one(f"coût « {k} » : attendu un nombre positif de points de base, lu {x}")


def rebalance139(pf, version, *, as_of: dt.date, path=None, simplified=False, simplified_since=None,
                 max_age_days=None, observations=(), margin=0, buy_cap=DEFAULT_BUY_CAP, locks=(), buy_rows=(),
                 cash=None, objective: str = "turnover", costs_bps: dict | None = None, target: dict | None = None,
                 presolve: str = PRESOLVE, time_limit: float | None = None, progress=None,
                 explain: bool = True) -> Proposal139:
    """The trades after which the R. 139 portfolio `pf` (a `Portfolio139`) keeps every limit, re-checked by the
    R. 139 checker: least turnover, least cost (`costs_bps` {"natures": {nature: bps}, "default": bps}) or nearest
    to a `target` {nature: share}; `cash` euros added to the actif de placement (negative: withdrawn), a number
    for the only régime or {régime: euros}. An infeasible problem is explained (`explain`): the rules in conflict,
    from the elastic model of the kinds' soft rows, and HiGHS's irreducible infeasible subset."""
    t_start = time.perf_counter()
    _check_preferences(objective, costs_bps, target)
    settings = {"objective": objective, "margin": str(margin or 0), "buy_cap": None if buy_cap is None else str(buy_cap),
                "locks": [int(r) for r in locks], "buy_rows": [int(r) for r in buy_rows],
                "costs_bps": costs_bps, "target": {k: str(t) for k, t in (target or {}).items()} or None}
    inp = from_portfolio(pf, path)
    inp.observations = list(inp.observations) + list(observations)
    kw = dict(as_of=as_of, simplified=simplified, simplified_since=simplified_since, max_age_days=max_age_days)
    before = check(inp, version, **kw)
    t_check = time.perf_counter() - t_start
    breach = any(r.status == BREACH for r in before.results)
    if not breach and not _cash_given(cash) and objective != "target":
        p = Proposal139("nothing_to_do", before, None, objective=objective, settings=settings)
        p.notes.append("aucune limite dépassée : rien à céder ni à acheter")
        if before.status == UNKNOWN_S:
            p.notes.append("des règles restent à vérifier faute de données : voir « reserves check »")
        p.solver = {"check_seconds": round(t_check, 3)}
        p.source = pf.source
        return p
    margin = Fraction(str(margin or 0))
    prep = _prepare(pf, inp, version, as_of=as_of, simplified=simplified, simplified_since=simplified_since,
                    max_age_days=max_age_days, locks=locks, buy_rows=buy_rows)
    cash_e = _regime_cash(cash, prep.names)
    cash_c = np.rint(cash_e * 100).astype(np.int64)
    cash_doc = {prep.names[g]: int(c) for g, c in enumerate(cash_c.tolist())}
    settings["cash"] = {("actif de placement" if k is None else str(k)): c / 100 for k, c in cash_doc.items() if c}
    build_kw = dict(margin=margin, buy_cap=buy_cap, cash=cash_e, objective=objective, costs=costs_bps,
                    target=target)
    T, v_c, L = prep.T, prep.v_c, prep.L
    nT = len(T)
    vT = v_c[T] / 100.0
    fixed_note = constants_note(prep)

    def attempt(extra: dict):
        """Build, solve, round and check again, the rows of each rule in `extra` kept that many euros further inside."""
        R, c_bs, col_lb, col_ub, n_bin = _build(prep, **build_kw, extra=extra)
        lp = R.lp(c_bs, col_lb, col_ub)
        t0 = time.perf_counter()
        sol = solve_pyomo(lp, presolve=presolve, time_limit=time_limit, progress=progress)
        solver = {"mip": lp.is_mip, "binaries": n_bin, "rows": int(lp.A.shape[0]), "columns": int(lp.A.shape[1]),
                  "build_seconds": sol.build_seconds, "seconds": sol.seconds, "status": sol.status,
                  "highs_status": sol.highs_status, "check_seconds": round(t_check, 3)}
        if sol.x is not None and lp.is_mip:  # the binaries fixed, the linear programme again
            y = np.round(sol.x).clip(0, 1)
            lb2, ub2 = lp.col_lb.copy(), lp.col_ub.copy()
            ints = np.flatnonzero(lp.integer)
            lb2[ints] = ub2[ints] = y[ints]
            sol2 = solve_pyomo(replace(lp, col_lb=lb2, col_ub=ub2, integer=None), presolve=presolve,
                               time_limit=time_limit)
            solver["polish_seconds"] = sol2.build_seconds + sol2.seconds
            sol = sol2 if sol2.x is not None else sol
            solver["status"] = sol.status
        solver["solve_seconds"] = round(time.perf_counter() - t0, 3)
        if sol.x is None:
            return SimpleNamespace(R=R, lp=lp, n_bin=n_bin, sol=sol, solver=solver, after=None)
        x = sol.x
        new_c = v_c.copy()
        trade = x[:nT] - x[nT:2 * nT]
        exact_T = (vT + trade) * 100  # the solver's values, cents
        gone_T = prep.close[T] | (x[nT:2 * nT] >= vT - CENT / 2)
        newT = np.where(gone_T, 0, np.maximum(np.rint(exact_T).astype(np.int64), 0))
        oldT = v_c[T]
        C = prep.C
        kept = _kept_shares(x[2 * nT:2 * nT + len(C)], prep.close[C], _contract_size(prep))
        newC = np.array([round_cents(Fraction(int(v_c[j])) * kept[i]) for i, j in enumerate(C.tolist())], dtype=np.int64)
        for g in range(len(prep.bases)):  # each régime's cash balances to the cent
            sel = np.flatnonzero(prep.regime_of[T] == g)
            if not len(sel):
                continue
            mine = prep.regime_of[C] == g
            diff = int(newT[sel].sum() - oldT[sel].sum() + newC[mine].sum() - v_c[C][mine].sum() - cash_c[g])
            if diff:
                newT[sel] = _balance_cents(newT[sel], exact_T[sel], oldT[sel], gone_T[sel], diff)
        new_c[T] = newT
        new_c[C] = newC
        scaled = {int(j): kept[i] for i, j in enumerate(C.tolist()) if kept[i] != 1}
        pf_after = with_values(pf, new_c, kept=scaled)
        inp2 = from_portfolio(pf_after, path)
        inp2.observations = list(inp.observations)
        after = check(inp2, version, **kw)
        return SimpleNamespace(R=R, lp=lp, n_bin=n_bin, sol=sol, solver=solver, after=after, new_c=new_c,
                               scaled=scaled, pf_after=pf_after)

    res = attempt({})
    # the proposal is rounded (cents, quantities) and read again as the checker reads it (a fund's holdings rescaled
    # to the cent): where that still puts a rule the rows hold over its limit, the rows of that rule are kept the
    # excess further inside and the programme solved again (at most RESOLVES times)
    extra: dict = {}
    for _ in range(RESOLVES):
        more = _extra_tolerance(res, extra)
        if not more:
            break
        again = attempt(more)
        if again.after is None:  # kept further inside, no portfolio holds: the first proposal is the answer
            break
        extra = more
        again.solver["resolved"] = res.solver.get("resolved", 0) + 1
        same = _excesses(again) == _excesses(res)
        res = again
        if same:  # the excess did not move: rows no trade reaches (said in the notes), no use solving again
            break
    R, lp, n_bin, sol, solver = res.R, res.lp, res.n_bin, res.sol, res.solver
    notes = list(R.notes)
    if fixed_note:
        notes.append(fixed_note)
    if extra:
        notes.append("proposition résolue à nouveau, les limites de " + ", ".join(sorted(extra)) + " tenues plus à "
                     "l'intérieur : arrondie au centime et relue comme le vérificateur la lit (inventaires des fonds "
                     "ramenés à leur valeur), la première solution les dépassait encore")
    common = dict(objective=objective, cash=cash_doc, settings=settings, source=pf.source, before_lines=v_c,
                  inventories_before=list(pf.inventory_list),
                  n_rows=int(lp.A.shape[0]), n_binaries=n_bin)
    for j in prep.stuck.tolist():
        notes.append(f"ligne {int(L['row'].iat[j])} « {L['label'].iat[j]} » : à céder ({prep.close_why.get(j)}) "
                     f"mais non négociable (bloquée, contrat d'un fonds ou intégré à un titre, ou hors de l'actif de "
                     f"placement)")
    if res.after is None:
        notes.insert(0, "aucun portefeuille ne tient toutes les limites avec les lignes négociables (" +
                     ("achats non plafonnés" if buy_cap is None else
                      f"achats plafonnés à {fr_pct(float(buy_cap))} de l'actif de placement par ligne") + ")")
        explanation = []
        if explain:
            t1 = time.perf_counter()
            explanation = explain_infeasible(prep, build_kw, lp, R, presolve=presolve)
            solver["explain_seconds"] = round(time.perf_counter() - t1, 3)
        return Proposal139("infeasible", before, None, notes=notes, solver=solver, explanation=explanation, **common)
    new_c, scaled, pf_after, after = res.new_c, res.scaled, res.pf_after, res.after
    trades = []
    names = prep.names
    for j in np.flatnonzero((new_c != v_c) & ~np.isin(np.arange(len(v_c)), list(scaled))).tolist():
        d = int(new_c[j] - v_c[j])
        g = prep.regime_of[j]
        trades.append({"row": int(L["row"].iat[j]), "label": str(L["label"].iat[j]), "nature": str(prep.nature[j]),
                       "regime": None if g < 0 else names[g], "before": int(v_c[j]), "after": int(new_c[j]),
                       "action": "buy" if d > 0 else "sell", "amount": abs(d), "whole": bool(new_c[j] == 0)})
    for j, k in scaled.items():  # a contract reduced (its share kept) or closed whole
        g = prep.regime_of[j]
        t = {"row": int(L["row"].iat[j]), "label": str(L["label"].iat[j]), "nature": str(prep.nature[j]),
             "regime": None if g < 0 else names[g], "before": int(v_c[j]), "after": int(new_c[j]),
             "action": "reduce", "amount": abs(int(new_c[j] - v_c[j])), "whole": k == 0, "kept": float(k)}
        for f in ("exposure", "notional"):
            x0 = L[f].iat[j] if f in L else None
            known = x0 is not None and not pd.isna(x0)
            t[f + "_before"] = int(x0) if known else None
            t[f + "_after"] = _toward_zero(Fraction(int(x0)) * k) if known else None
        trades.append(t)
    trades.sort(key=lambda t: ({"reduce": 0, "sell": 1}.get(t["action"], 2), -t["amount"]))
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
    if objective == "target":
        notes.append("cible : parts des natures des lignes telles que détenues (un fonds compte pour sa nature), "
                     "dans l'actif de placement de chaque régime après les opérations")
    solver["objective"] = sol.objective
    solver["seconds_total"] = round(time.perf_counter() - t_start, 3)
    return Proposal139(status, before, after, trades, pf_after, solver, notes, **common)


def model139(pf, version, *, as_of: dt.date, path=None, simplified=False, simplified_since=None, max_age_days=None,
             margin=0, buy_cap=DEFAULT_BUY_CAP, locks=(), buy_rows=(), cash=None, objective: str = "turnover",
             costs_bps: dict | None = None, target: dict | None = None) -> LP:
    """The programme `rebalance139` solves first (the basket's MILP, before its binaries are fixed), as arrays: for
    the benchmark that times Pyomo + HiGHS against highspy given the same matrices."""
    _check_preferences(objective, costs_bps, target)
    inp = from_portfolio(pf, path)
    prep = _prepare(pf, inp, version, as_of=as_of, simplified=simplified, simplified_since=simplified_since,
                    max_age_days=max_age_days, locks=locks, buy_rows=buy_rows)
    R, c_bs, col_lb, col_ub, _ = _build(prep, margin=Fraction(str(margin or 0)), buy_cap=buy_cap,
                                        cash=_regime_cash(cash, prep.names), objective=objective, costs=costs_bps,
                                        target=target)
    return R.lp(c_bs, col_lb, col_ub)


# --------------------------------------------------------------------------- infeasibility


def _regime_fr(name) -> str:
    return "de l'actif de placement" if name is None else f"du régime {name}"


def explain_infeasible(prep: _Prep, build_kw: dict, hard: LP, hard_rows: _Rows, *, presolve=PRESOLVE) -> list:
    """Which limits conflict, by rule id and article, and by how many euros: the elastic model (one slack per soft
    row of the kinds, per régime balance and per purchase cap, the least total relaxation), then HiGHS's
    irreducible infeasible subset of the hard model's continuous relaxation."""
    R, c_bs, lb, ub, _ = _build(prep, **build_kw, elastic=True)
    lp = R.lp(c_bs, lb, ub)
    sol = solve_pyomo(lp, presolve=presolve, time_limit=EXPLAIN_TIME_LIMIT)
    L = prep.L
    out = []
    if sol.x is None:
        out.append({"rule": None, "article": None, "title": "modèle relâché", "euros": None, "subjects": [],
                    "message": "aucune solution, même en relâchant chaque limite : vérifier la trésorerie demandée"})
    else:
        base = 2 * len(prep.T)
        groups: dict = {}
        for col, row in R.slacks:
            s = float(sol.x[base + col])
            if s < 0.005:
                continue
            what, rule, subject, sense = R.meta[row]
            if what == "buy_cap":
                j = prep.T[subject]
                key, subject = (BUY_CAP_RULE,), f"{L['label'].iat[j]} (ligne {int(L['row'].iat[j])})"
            elif what == "balance":
                key = (BALANCE_RULE, subject, R.signs[col])
            else:
                key = (rule.id, sense)
            e = groups.setdefault(key, {"what": what, "rule": rule, "sense": sense, "euros": 0.0, "subjects": {}})
            e["euros"] += s
            e["subjects"][str(subject)] = e["subjects"].get(str(subject), 0.0) + s
        for key, e in groups.items():
            subjects = [k for k, _ in sorted(e["subjects"].items(), key=lambda kv: -kv[1])][:5]
            euros = fr_euros(int(round(e["euros"] * 100)))
            if e["what"] == "buy_cap":
                out.append({"rule": BUY_CAP_RULE, "article": None, "title": BUY_CAP_TITLE, "euros": round(e["euros"], 2),
                            "subjects": subjects,
                            "message": f"{BUY_CAP_TITLE} : il faudrait acheter au moins {euros} de plus que le plafond ; "
                                       f"en cause : {', '.join(subjects)}. Relever --achat-max ou le lever "
                                       "(--achat-max aucun), ou autoriser d'autres achats (--acheter-ligne)."})
            elif e["what"] == "balance":
                need = ("vendre sans racheter au moins {e} de plus (les achats admis ne suffisent pas à replacer le "
                        "produit des ventes)" if key[2] > 0 else
                        "acheter au moins {e} de plus (les ventes possibles ne suffisent pas à payer les achats)")
                out.append({"rule": BALANCE_RULE, "article": "R. 139-1", "title": f"trésorerie {_regime_fr(key[1])}",
                            "euros": round(e["euros"], 2), "subjects": [],
                            "message": f"trésorerie {_regime_fr(key[1])} (ventes et achats équilibrés, trésorerie "
                                       f"demandée comprise) : il faudrait {need.format(e=euros)}"})
            else:
                rule = e["rule"]
                verb = "plafond dépassé" if e["sense"] == "<=" else "plancher manqué"
                margin = build_kw.get("margin") or 0
                msg = (f"{rule.id} ({rule.spec.article}) — {rule.spec.title} : {verb} d'au moins {euros}"
                       + (f" (marge de sécurité de {fr_pct(float(margin))} comprise)" if margin else "")
                       + (f" ; en cause : {', '.join(subjects)}" if subjects else ""))
                out.append({"rule": rule.id, "article": rule.spec.article, "title": rule.spec.title,
                            "euros": round(e["euros"], 2), "subjects": subjects, "message": msg})
        out.sort(key=lambda d: -(d["euros"] or 0))
    if prep.locked.any():
        rows = sorted(int(r) for r in L["row"].to_numpy()[prep.locked])
        out.append({"rule": "blocages", "article": None, "title": "lignes non négociées", "euros": None,
                    "subjects": rows[:20],
                    "message": "lignes ni vendues ni achetées (bloquées par l'utilisateur, contrats intégrés à un titre, "
                               "fonds qui détiennent des contrats) : lignes " + ", ".join(map(str, rows[:20])) +
                               ("…" if len(rows) > 20 else "")})
    try:  # HiGHS's irreducible infeasible subset, where it names rows
        hsol = solve_direct(replace(hard, integer=None), presolve="on", keep=True)
        rows = (iis_rows(hsol.highs) if hard.A.shape[0] <= IIS_MAX_ROWS and hsol.status == "infeasible"
                and hsol.highs is not None else None)
    except RuntimeError as exc:  # HiGHS could not isolate one: said in the explanation, never swallowed
        rows = None
        out.append({"rule": "iis", "article": None, "title": "sous-système irréductible (HiGHS)", "euros": None,
                    "subjects": [], "message": "HiGHS n'a pas pu isoler un ensemble minimal de contraintes "
                                               f"incompatibles ({type(exc).__name__} : {exc})"})
    if rows:
        names = []
        for r in rows:
            what, rule, subject, _ = hard_rows.meta[r]
            name = (rule.id if rule is not None else f"trésorerie {_regime_fr(subject)}" if what == "balance"
                    else None)
            if name and name not in names:
                names.append(name)
        if names:
            out.append({"rule": "iis", "article": None, "title": "sous-système irréductible (HiGHS)", "euros": None,
                        "subjects": names,
                        "message": "HiGHS isole un ensemble minimal de contraintes incompatibles : " + ", ".join(names)})
    if not any(e["rule"] not in ("blocages", "iis") for e in out):  # never an empty explanation
        out.insert(0, {"rule": "modele", "article": None, "title": "conflit non isolé", "euros": None, "subjects": [],
                       "message": "Aucune limite ne se distingue seule : c'est l'ensemble des réglages (blocages, "
                                  "trésorerie, plafond d'achat, natures non achetées) qui rend la proposition "
                                  "impossible ; relâcher l'un d'eux."})
    return out


# --------------------------------------------------------------------------- the portfolio after the trades


def _kept_shares(d: np.ndarray, close: np.ndarray, size: np.ndarray) -> list:
    """The share kept of each contract (an exact Fraction of the solver's double): 1 where what it closes is under
    a tenth of a cent of its size (euros), 0 where what it keeps is, or where it must be closed."""
    out = []
    for di, c, z in zip(np.asarray(d, dtype=float).tolist(), np.asarray(close, dtype=bool).tolist(),
                        np.asarray(size, dtype=float).tolist()):
        k = min(max(1.0 - di, 0.0), 1.0)
        out.append(Fraction(0) if (c or k * z < 1e-3) else Fraction(1) if (1 - k) * z < 1e-3 else Fraction(k))
    return out


def _toward_zero(x: Fraction) -> int:
    """Cents of a contract's notional or exposure reduced: rounded toward zero (a reduced contract never
    overstates what it was reduced to)."""
    return int(x)  # int() of a Fraction truncates toward zero


def round_quantity(x: Fraction, *, up: bool) -> Decimal:
    """A quantity after a trade, to 1/10 000 (`QUANTITY_PLACES`), rounded in the safe direction of what reads it.

    A security's units divide its market value into the unit price that R. 139-46 multiplies by `quantite_emise`
    (RR 9: the issue of its issuer): rounded down (`up` False), the price, the issue and so the room under the 5 %
    can only grow — rounded up, a partial sale of a small holding lowers the issue and can put the issuer over the
    cap it was brought to. A fund's units are the numerator of its share of the fund (R. 139-2, the units held over
    the fund's shares): rounded up (`up` True), that share is never understated. A positive quantity never
    rounds to 0 (a line held without units would read as one whose quantity is missing): rounded down under
    1/10 000, it keeps six significant digits."""
    if x == 0:
        return Decimal(0)
    d = Decimal(x.numerator) / Decimal(x.denominator)
    how = (ROUND_CEILING if up else ROUND_FLOOR) if x > 0 else (ROUND_FLOOR if up else ROUND_CEILING)
    out = d.quantize(QUANTITY_PLACES, rounding=how)
    if out == 0:
        out = d.quantize(Decimal(1).scaleb(d.adjusted() - 5), rounding=how)
    return out


def with_values(pf, new_cents: np.ndarray, kept: dict | None = None):
    """The portfolio with each line at its new value: accrued interest moved pro rata, quantities with the market
    value (its unit price kept) rounded to 1/10 000 in the safe direction (`round_quantity`), the funds' holdings
    rescaled; a line
    sold whole is left out. `kept` {line index: share kept} gives the contracts reduced: their value, accrued
    interest, quantity, notional and exposure × that share (to the cent), a contract at 0 closed (left out)."""
    lines = pf.lines.copy()
    old = lines["value"].to_numpy(dtype=np.int64)
    new = np.asarray(new_cents, dtype=np.int64)
    kept = kept or {}
    changed = np.union1d(np.flatnonzero(new != old), np.array(sorted(kept), dtype=np.int64))
    ai = lines["accrued_interest"].to_numpy(dtype=np.int64).copy()
    q = lines["quantity"].to_numpy(dtype=float).copy()
    qx = lines["quantity_exact"].to_numpy(dtype=object).copy() if "quantity_exact" in lines else None
    for f in ("exposure", "notional"):
        if kept and f in lines:
            col = lines[f].copy()
            for j, k in kept.items():
                x0 = col.iat[j]
                if x0 is not None and not pd.isna(x0):
                    col.iat[j] = _toward_zero(Fraction(int(x0)) * k)
            lines[f] = col
    mv_old = lines["market_value"].to_numpy(dtype=np.int64)
    nature = lines["nature"].astype(object).to_numpy()
    given_eod = (lines["equity_or_debt_given"].to_numpy(dtype=bool) if "equity_or_debt_given" in lines
                 else np.zeros(len(lines), dtype=bool))
    for j in changed.tolist():
        t = kept[j] if j in kept else Fraction(int(new[j]), int(old[j])) if old[j] else Fraction(0)
        ai[j] = int(round(Fraction(int(ai[j])) * t))
        if qx is not None and qx[j] is not None and not (isinstance(qx[j], float) and np.isnan(qx[j])):
            # the units move with the market value (the price stays: the issue R. 139-46 counts is a constant of
            # the rows), then rounded to 1/10 000 in the safe direction of the rule that reads them
            mv_new = int(new[j]) - int(ai[j])
            share = Fraction(mv_new, int(mv_old[j])) if mv_old[j] > 0 and mv_new >= 0 else t
            up = nature[j] in FUND_NATURES and not given_eod[j]
            nq = round_quantity(Fraction(str(qx[j])) * share, up=up)
            qx[j] = nq
            q[j] = float(nq)
    lines["accrued_interest"] = ai
    lines["value"] = new
    lines["market_value"] = new - ai
    lines["quantity"] = q
    if qx is not None:
        lines["quantity_exact"] = qx
    gone = (new == 0) & (old != 0)  # a line sold whole leaves the portfolio (its conditions no longer apply)
    for j, k in kept.items():
        gone[j] = k == 0  # so does a contract closed whole, of any value
    extra = pf.extra
    inventories = list(pf.inventory_list)
    if gone.any():
        # so does the inventory of a fund whose every line was sold: it would name a fund the portfolio no longer has
        inventories = [inv for inv, found in zip(inventories, LT.match_funds(pf.lines, inventories))
                       if not len(found) or not gone[found].all()]
        lines = lines.loc[~gone].reset_index(drop=True)
        if extra is not None and len(extra) == len(gone):
            extra = extra.loc[~gone].reset_index(drop=True)
    lt, inv, cols = LT.build(lines, inventories)
    for k, val in cols.items():
        lines[k] = val
    return replace(pf, lines=lines, lookthrough=lt, inventories=inv, extra=extra, inventory_list=inventories)


__all__ = ["rebalance139", "model139", "Proposal139", "with_values", "lookthrough_matrix", "blocks_of", "explain_infeasible", "PRESOLVE",
           "OBJECTIVES"]
