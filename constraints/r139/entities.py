"""Entities and issuers (R. 139-45, R. 139-46).

`r139_entity` (one kind, its `measure` chosen by the rulebook):

- `entity`: per entity, the values it issued and the claims it owes or
  guarantees (deposits with it too when `deposits`), against a cap (45 I 1°, 3°);
- `basket`: the whole exposure of every entity above `base_limit`, in total,
  against the cap (45 I 3° second sentence; RR 6: whole exposures, as
  Directive 2009/65/EC art. 52(2));
- `real_estate`: per real-estate asset (45 I 2°);
- `sovereign`: per issuer or guarantor of R. 139-45 II, its securities (RR 7);
- `groups`: the consolidation groups are consistent (45 III, RR 8).

Entities: the `groupe` of a line (RR 8), else its issuer; an issuer under two
groups merges them; states, central banks, CADES, ACOSS are never grouped;
a fund's units are the fund's. Securities of R. 139-45 II leave I. Items
guaranteed count for the issuer and the guarantor; a contract's positive value
is a claim on its counterparty (RR 6). A line whose group is not given (and a
line without issuer) is *uncertain*: the rules conclude only if they hold with
all such lines joined to the largest entity, and with every fund seen without
its holdings in the worst place.

`r139_issuer_share`: R. 139-46, the share of an issuer's equity or debt held
(RR 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from constraints.kind import LinearBlock, tightened

from .base import Common
from typing import Literal
from constraints.schema import ShareText

from .base import (BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, Figures, Group139, Kind, RuleResult, register,
                   status_by_subject, worst)
from reserves.portfolio.fmt import fr_euros, fr_pct
from .lines import blind_of, view_mask
from .model import FUNDS, SECURITIES, SA_FORMS, Ctx, Table, cap_cents, frac, group_index, group_sum, settle
from .ratios import pct

_CLAIMS = (*SECURITIES, "societe_immobiliere", "opci", "autre_fm", "autre", "certificat", *FUNDS)
_REAL_ESTATE = ("droit_immobilier", "societe_immobiliere", "opci")


class _Find:
    """Union-find over entity keys."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        p = self.parent.setdefault(x, x)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


TRASH = 8  # bins for the items a sum leaves out, by position (consecutive additions into one bin wait for each other)


def exposures(ctx: Ctx) -> dict:
    """The R. 139-45 I records of the look-through actif: who each record is on and its entity (made once per
    structure and set of contracts of positive value), with the records' amounts (`amount`, made per check)."""
    if "exposures" in ctx.memo:
        return ctx.memo["exposures"]
    if "T_contracts" not in ctx.smemo:
        ctx.smemo["T_contracts"] = np.flatnonzero(ctx.T & ctx.contract())
    tc = ctx.smemo["T_contracts"]
    positive = tuple(tc[ctx.value[tc] > 0].tolist())  # a contract's positive value is a claim on its counterparty
    key = ("exposures", positive)
    if key not in ctx.smemo:
        ctx.smemo[key] = _exposures(ctx, np.array(positive, dtype=np.int64))
    ex = dict(ctx.smemo[key])
    ex["values"] = ctx.value
    ex["big"] = ctx.vbig
    ex["follow"] = ctx.follow
    ex["vsum"] = ctx.vsum
    ex["fvalue"] = ctx.fvalue
    ex["key"] = positive
    ex["sums"] = {}
    ctx.memo["exposures"] = ex
    return ex


def _exposures(ctx: Ctx, positive: np.ndarray) -> dict:
    a = ctx.a
    doc = ctx.doc
    scope = ctx.T
    sov = ctx.sovereign_tri("sovereign_45")
    sec = ctx.nat(SECURITIES)
    leave_i = sec & (sov == TRUE)  # R. 139-45 II securities leave I
    never = set(doc["never_grouped"])
    claims = scope & ctx.nat(_CLAIMS) & ~leave_i & ~ctx.contract()
    deposits = scope & ctx.nat(["depot"])
    contracts = np.zeros(ctx.n, dtype=bool)
    contracts[positive] = True
    pos, who, gkey, amount, dep, loose = [], [], [], [], [], []
    # one code space for the names of issuers, guarantors, counterparties (and funds: their issuer or label)
    fund_all = ctx.nat(FUNDS)
    cols = ("issuer", "guarantor", "counterparty")
    fac = {c: ctx.factorized(c) for c in cols}
    shared = getattr(a, "shared", {})
    uniques = [fac[c][1] for c in cols]
    hit = shared.get(("universe", cols))
    if hit is None or any(x is not y for x, y in zip(hit[0], uniques)):  # the same for every régime: made once
        universe, _ = pd.factorize(np.concatenate([np.asarray(fac[c][1], dtype=object) for c in cols])) \
            if any(len(fac[c][1]) for c in cols) else (np.zeros(0, dtype=np.int64), None)
        uni_names = np.concatenate([np.asarray(fac[c][1], dtype=object) for c in cols])
        n_uni = int(universe.max()) + 1 if len(universe) else 0
        first_name = np.empty(n_uni, dtype=object)
        first_name[universe[::-1]] = uni_names[::-1]
        offs = np.cumsum([0] + [len(fac[c][1]) for c in cols])
        to_uni = {c: np.append(universe[offs[k]:offs[k + 1]], -1).astype(np.int64) for k, c in enumerate(cols)}
        hit = shared[("universe", cols)] = (uniques, n_uni, first_name, to_uni, {})
    _, n_uni, first_name, to_uni, code_of_name = hit
    # per item, the universe code of each column (-1 empty; a column without a name: no pass over the items)
    uni_of = {c: to_uni[c][fac[c][0]] if len(fac[c][1]) else np.broadcast_to(np.int64(-1), (ctx.n,)) for c in cols}
    # a fund without issuer is its label: the labels of the fund units in scope only, coded in the same space (a
    # label written as another name is that name's code; other labels new codes after the names)
    fund_pos = np.flatnonzero(fund_all & scope)
    if len(fund_pos):
        if not code_of_name and len(first_name):
            code_of_name.update((name, k) for k, name in reversed(list(enumerate(first_name.tolist()))))
        extra: dict = {}
        label_code = np.full(ctx.n, -1, dtype=np.int64)
        for p, lab in zip(fund_pos.tolist(), a["label"][fund_pos].tolist()):
            if lab is None or (not isinstance(lab, str) and pd.isna(lab)):
                continue
            k = code_of_name.get(lab)
            if k is None:
                k = extra.setdefault(lab, n_uni + len(extra))
            label_code[p] = k
        if extra:
            n_uni += len(extra)
            first_name = np.concatenate([first_name, np.array(list(extra), dtype=object)])
        uni_of["label"] = label_code
    gcodes, gnames = ctx.factorized("group")
    never_kind = {c: ctx.isin(c, tuple(never)) for c in ("issuer_kind", "guarantor_kind")}

    def add(mask, col, group: bool, kind_col, is_dep):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        nm = uni_of[col][idx]
        fund = fund_all[idx]
        # a fund's units are the fund's (its issuer, else its label); states, central banks, CADES, ACOSS and
        # funds are never grouped (RR 8)
        if "label" in uni_of:
            nm = np.where(fund & (nm < 0), uni_of["label"][idx], nm)
        ng = fund.copy()
        if kind_col is not None:
            ng |= never_kind[kind_col][idx]
        gr = gcodes[idx] if group else np.full(len(idx), -1, dtype=np.int64)
        pos.append(idx)
        who.append(np.where(fund, n_uni + nm, nm))
        gkey.append(np.where(ng, -2, gr))
        dep.append(np.full(len(idx), is_dep))
        loose.append(nm < 0)

    add(claims, "issuer", True, "issuer_kind", False)
    add(deposits, "issuer", True, "issuer_kind", True)
    guaranteed = (claims | deposits) & (uni_of["guarantor"] >= 0) & (uni_of["guarantor"] != uni_of["issuer"])
    add(guaranteed, "guarantor", False, "guarantor_kind", False)
    add(contracts, "counterparty", False, None, False)
    if pos:
        P = np.concatenate(pos)
        W = np.concatenate(who)
        G = np.concatenate(gkey)
        DEP = np.concatenate(dep)
        L = np.concatenate(loose)
    else:
        P = np.zeros(0, dtype=np.int64)
        W = G = np.zeros(0, dtype=np.int64)
        DEP = L = np.zeros(0, dtype=bool)

    def w_name(w) -> str:
        w = int(w)
        return str(first_name[w - n_uni] if w >= n_uni else first_name[w])

    # entities: issuers joined by their groups (an issuer under two groups merges them)
    wcode, uniq_w = pd.factorize(W) if len(W) else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    nw = len(uniq_w)
    valid = ~L
    # the distinct (name, group) pairs, in the order they first appear
    span = int(G.max()) + 3 if len(G) else 3
    everyone = bool(valid.all())  # (no index by a mask when every record names someone)
    pair = pd.unique((wcode if everyone else wcode[valid]).astype(np.int64) * span
                     + ((G if everyone else G[valid]).astype(np.int64) + 2))
    pw, pg = pair // span, pair % span - 2
    never_w = np.zeros(nw, dtype=bool)
    never_w[pw[pg == -2]] = True
    rw, rg = pw[pg >= 0], pg[pg >= 0]
    gcode, uniq_g = pd.factorize(rg) if len(rg) else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    ng = len(uniq_g)
    root = np.arange(ng)
    n_groups_of = np.bincount(rw, minlength=nw) if len(rw) else np.zeros(nw, dtype=np.int64)
    multi = {}
    if (n_groups_of > 1).any():
        uf = _Find()
        for w in np.flatnonzero(n_groups_of > 1).tolist():
            gs = sorted(set(gcode[rw == w].tolist()))
            multi[w_name(uniq_w[w])] = sorted(str(gnames[uniq_g[g]]) for g in gs)
            for g in gs[1:]:
                uf.union(gs[0], g)
        root = np.array([uf.find(g) for g in range(ng)], dtype=np.int64)
    w_group = np.full(nw, -1, dtype=np.int64)
    if len(rw):
        w_group[rw] = root[gcode]
    key = np.where(w_group >= 0, w_group, ng + np.arange(nw))
    ekey, ent_w = np.unique(key, return_inverse=True) if nw else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    n_ent = len(ekey)
    fund_w = uniq_w >= n_uni
    grouped = np.zeros(n_ent, dtype=bool)
    certain = (w_group >= 0) | never_w | fund_w
    if nw:
        grouped[ent_w[certain]] = True
    E = ent_w[wcode] if len(W) else np.zeros(0, dtype=np.int64)
    # loose records (no issuer / counterparty) are uncertain, each its own entity at best
    if L.any():
        E[L] = -1

    def name_of(e: int) -> str:
        k = int(ekey[e])
        members = [w_name(w) for w in uniq_w[ent_w == e]]
        if k < ng:
            name = str(gnames[uniq_g[k]])
            others = [m for m in members if m != name]
            return f"{name} ({', '.join(others)})" if others else name
        return members[0]

    # the records of entities with and without deposits, and the loose ones (their sums are made per check)
    named = E >= 0
    parts = {}
    for dep_in in (False, True):
        sel = np.flatnonzero(named & (DEP == dep_in))
        order = np.argsort(P[sel], kind="stable")  # the records of an item, found by its position
        parts[dep_in] = (E[sel], P[sel], order, P[sel][order])
    # a part whose records are most items, each item at most once: a code per item (its record's entity; the
    # other items in TRASH bins after the entities', by position), so that its sums are one bincount over all
    # the items, without a gather of their values
    full = {}
    for dep_in, (e, p, _, sorted_p) in parts.items():
        if 2 * len(p) > ctx.n and (len(sorted_p) < 2 or bool((sorted_p[1:] != sorted_p[:-1]).all())):
            code = n_ent + np.arange(ctx.n, dtype=np.int64) % TRASH
            code[p] = e
            full[dep_in] = code
    out = {"pos": P, "ent": E, "deposit": DEP, "n": n_ent, "grouped": grouped, "name_of": name_of, "multi": multi,
           "parts": parts, "full": full, "loose": {True: np.flatnonzero(~named), False: np.flatnonzero(~named & ~DEP)},
           "n_records": len(P)}
    return out


def _sums(ex: dict, with_deposits: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(per-entity sums, amounts of the loose records, their record indexes): exact integer cents, one group sum
    of the records without deposits and one of the deposits per check."""
    memo = ex["sums"]

    def part(dep_in: bool) -> np.ndarray:
        e, p, order, sorted_p = ex["parts"][dep_in]

        def delta(prev, pos, old):  # the records of the changed items: old amounts out, new ones in
            lo, hi = np.searchsorted(sorted_p, pos, "left"), np.searchsorted(sorted_p, pos, "right")
            if not (hi > lo).any():
                return prev
            recs = order[np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist()) if b > a])]
            out = prev.copy()
            np.add.at(out, e[recs], ex["values"][p[recs]] - old[p[recs]])
            return out
        code = ex["full"].get(dep_in)
        fv = ex["fvalue"]
        if code is not None and fv is not None:
            return ex["follow"](("entities", ex["key"], dep_in),
                                lambda: group_sum(code, fv, ex["n"] + TRASH, nonneg=True)[:ex["n"]], delta)
        return ex["follow"](("entities", ex["key"], dep_in),
                            lambda: ex["vsum"](e, p, ex["n"]), delta)

    if with_deposits not in memo:
        if False not in memo:
            memo[False] = part(False)
        S = memo[False]
        if with_deposits:
            S = S + part(True) if len(ex["parts"][True][0]) else S.copy()
        memo[with_deposits] = S
    loose_idx = ex["loose"][with_deposits]
    return memo[with_deposits], ex["values"][ex["pos"][loose_idx]].astype(np.int64), loose_idx


def _settled(ctx: Ctx, S: np.ndarray, lim: Fraction, positions_of) -> np.ndarray:
    """Per-group sums `S` (cents of rescaled holdings, rounded) with the groups near lim·base put on the side of
    it where their exact sums lie (`model.settle`); `positions_of(k)` gives the items of group k."""
    n_h = ctx.n_holdings()
    if not n_h or not len(S):
        return S
    allowed = cap_cents(ctx.base, lim)
    if int(S.max()) < allowed - (n_h + 1):  # every group far below the limit (one reduction)
        return S
    near = np.flatnonzero(np.abs(S.astype(np.int64) - allowed) <= n_h + 1)
    if not len(near):
        return S
    out = np.array(S, dtype=np.int64, copy=True)
    for k in near.tolist():
        out[k] = settle(ctx, int(S[k]), positions_of(k), lim)
    return out


def _entity_positions(ex: dict, e: int, with_deposits: bool) -> np.ndarray:
    """The items of the records of entity `e` (repeats kept, as in its sum), deposits in or out."""
    recs = ex["ent"] == e
    if not with_deposits:
        recs &= ~ex["deposit"]
    return ex["pos"][recs]


def _real_estate_sums(ctx: Ctx):
    """(items, asset code of each, asset keys « B:immeuble » / « I:émetteur » / « L:position », sums) of the
    real-estate assets of the look-through actif (R. 139-45 I 2°); the sums made per check."""
    if "real_estate" not in ctx.smemo:
        idx = np.flatnonzero(ctx.T & ctx.nat(_REAL_ESTATE))
        a = ctx.a
        key = np.where(pd.notna(a["property"][idx]), "B:" + a["property"][idx].astype(str),
                       np.where(pd.notna(a["issuer"][idx]), "I:" + a["issuer"][idx].astype(str),
                                "L:" + idx.astype(str)))
        codes, uniq = pd.factorize(key)
        ctx.smemo["real_estate"] = (idx, codes, uniq)
    if "real_estate_sums" not in ctx.memo:
        idx, codes, uniq = ctx.smemo["real_estate"]
        ctx.memo["real_estate_sums"] = (idx, codes, uniq, group_sum(codes, ctx.value[idx], len(uniq)))
    return ctx.memo["real_estate_sums"]


def _sovereign_sums(ctx: Ctx):
    """(records' items, issuer code of each, issuer names, sums) of the securities issued or guaranteed by an
    issuer of R. 139-45 II (a guaranteed security counts for its guarantor too); the sums made per check."""
    if "sovereign" not in ctx.smemo:
        spec = ctx.doc["sovereign_45"]
        sec = ctx.T & ctx.nat(SECURITIES)
        by_issuer = sec & (ctx.kind_tri(spec, "issuer") == TRUE)
        by_guarantor = sec & (ctx.kind_tri(spec, "guarantor") == TRUE)
        a = ctx.a
        recs_pos = np.concatenate([np.flatnonzero(by_issuer), np.flatnonzero(by_guarantor)])
        names = np.concatenate([a["issuer"][by_issuer], a["guarantor"][by_guarantor]])
        names = np.where(pd.isna(names), "(émetteur non nommé)", names).astype(str)
        codes, uniq = pd.factorize(names)
        ctx.smemo["sovereign"] = (recs_pos, codes, uniq)
    if "sovereign_sums" not in ctx.memo:
        recs_pos, codes, uniq = ctx.smemo["sovereign"]
        ctx.memo["sovereign_sums"] = (recs_pos, codes, uniq, group_sum(codes, ctx.value[recs_pos], len(uniq)))
    return ctx.memo["sovereign_sums"]


@dataclass
class IssueRows(LinearBlock):
    """The rows of R. 139-46 (RR 9): per issuer, Σ x of its securities held ≤ limit · its issue, a constant as held.
    Where the issue is counted from the securities held (valeur / quantite × quantite_emise of each, no
    `encours_emetteur`), `issues[row]` lists them: (limit · the security's issue in euros, its items, euros per unit)
    — a security sold out leaves the denominator, as in the checker; the optimizer states whether each stays held
    with a binary (`optimizer.r139`)."""

    issues: list = field(default_factory=list)

    def tighten(self, margin) -> "IssueRows":
        out = super().tighten(margin)
        m = Fraction(margin)
        if m == 0 or not self.limit:
            return out
        factor = float(tightened(self.limit, self.sense, m) / self.limit)
        return replace(out, issues=[[(x * factor, items, unit) for x, items, unit in row] for row in self.issues])


@dataclass
class BasketBlock(LinearBlock):
    """The rows of R. 139-45 I 3°'s 5 % / 10 % / 40 % (RR 6): one row per entity, Σ x ≤ share · actif de placement
    (5 %) unless the entity is in the basket, and the whole exposures of the entities in the basket at most
    `basket` · actif de placement (40 %). Whether an entity is in the basket is a yes/no choice: the optimizer
    states it with one binary per entity (a mixed-integer programme)."""

    basket: Fraction = Fraction(0)

    def tighten(self, margin) -> "BasketBlock":
        """Both caps (the share per entity and the basket) moved by the margin with the one formula of a margin
        (`tightened`: a cap lowered by it), as `LinearBlock.tighten` moves a share."""
        m = Fraction(margin)
        if m == 0:
            return self
        return replace(self, share=tightened(self.share, self.sense, m), basket=tightened(self.basket, self.sense, m),
                       margin=self.margin + m)


class EntityParams(Common):
    measure: Literal["entity", "basket", "real_estate", "sovereign", "groups"]
    deposits: bool = False
    limit: ShareText | None = None
    base_limit: ShareText | None = None


@register
class Entity(Kind):
    """R. 139-45: caps per entity, the 40 % basket, real-estate assets, the 50 % derogation, groups."""

    kind = "r139_entity"
    Params = EntityParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        m = self.p["measure"]
        if ctx.base <= 0 and m != "groups":
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        return getattr(self, "_" + m)(ctx)

    # ---- the report's figures

    def figures(self, state, result=None, top: int = 20) -> Figures:
        """Per entity (measures `entity`, `basket`), real-estate asset or sovereign issuer: its exposure, share of
        the actif de placement and room under the cap, the `top` largest (every entity of the basket)."""
        ctx = state
        result = result if result is not None else self.evaluate(ctx)
        fig = Figures(self.id, "max" if self.lim is not None else "none", result.value, result.limit,
                      result.headroom, result.figure, ctx.base)
        m = self.p["measure"]
        b = ctx.base
        if b <= 0 or m == "groups" or result.status == NA:
            return fig
        allowed = cap_cents(b, self.lim)
        st = status_by_subject(result)
        out = []
        if m in ("entity", "basket"):
            ex = exposures(ctx)
            S, loose_amt, loose_idx = _sums(ex, self.p.get("deposits", False) or m == "basket")
            five = cap_cents(b, Fraction(str(self.p["base_limit"]))) if m == "basket" else None
            dep = None
            if m == "entity" and not self.p.get("deposits", False):
                dep = _sums(ex, True)[0]
            order = np.argsort(-S, kind="stable")
            chosen = [int(e) for e in order if S[e] != 0][:top] if m == "entity" else \
                [int(e) for e in order if S[e] > five]
            for e in chosen:
                pos = np.unique(ex["pos"][ex["ent"] == e])
                w = ctx.where(pos)
                name = ex["name_of"](e)
                s_ = int(S[e])
                detail = {"grouped": bool(ex["grouped"][e])}
                if dep is not None:
                    detail["with_deposits"] = int(dep[e])
                head = allowed - s_ if m == "entity" else None
                status = st.get(name, BREACH if head is not None and head < 0 else OK)
                if m == "basket":
                    status = result.status if result.status == BREACH else OK
                out.append(Group139(name, w["rows"], s_, s_ / b, head, status, via=w["via"], detail=detail))
            for j, r in enumerate(loose_idx.tolist()):
                v = int(loose_amt[j])
                if (m == "basket" and v <= five) or (m == "entity" and v <= 0):
                    continue
                p = int(ex["pos"][r])
                w = ctx.where([p])
                name = ctx.label(p)
                out.append(Group139(f"{name} (sans émetteur)", w["rows"], v, v / b, allowed - v if m == "entity" else None,
                                    st.get(name, UNKNOWN_S), via=w["via"], detail={"grouped": False}))
        elif m == "real_estate":
            idx, codes, uniq, S = _real_estate_sums(ctx)
            for k in np.argsort(-S, kind="stable")[:top].tolist():
                pos = idx[codes == k]
                name = uniq[k][2:] if not uniq[k].startswith("L:") else ctx.label(int(pos[0]))
                w = ctx.where(pos)
                s_ = int(S[k])
                out.append(Group139(name, w["rows"], s_, s_ / b, allowed - s_, st.get(name, OK), via=w["via"]))
        elif m == "sovereign":
            recs_pos, codes, uniq, S = _sovereign_sums(ctx)
            for k in np.argsort(-S, kind="stable")[:top].tolist():
                w = ctx.where(np.unique(recs_pos[codes == k]))
                s_ = int(S[k])
                out.append(Group139(str(uniq[k]), w["rows"], s_, s_ / b, allowed - s_, st.get(str(uniq[k]), OK),
                                    via=w["via"]))
        out.sort(key=lambda g: -g.euros)
        fig.groups = out
        return fig

    # ---- helpers

    def _uncertain(self, ctx, ex, S, loose_amt, loose_idx):
        """Mass of the uncertain records (ungrouped entities and loose records), their entities and positions."""
        ungrouped = np.flatnonzero(~ex["grouped"] & (S != 0))
        U = int(S[ungrouped].sum()) + int(loose_amt.sum())

        def positions():  # only for a finding
            pos = np.concatenate([ex["pos"][np.isin(ex["ent"], ungrouped)], ex["pos"][loose_idx]]).astype(np.int64)
            return np.unique(pos)
        return U, ungrouped, positions

    def _unknown(self, ctx, S_hi_text, pos, blind, what):
        findings = []
        if len(pos):
            cols = [ctx.colname("group"), ctx.colname("issuer")]
            findings.append(self.finding(
                ctx, UNKNOWN_S, self.spec.title, pos,
                f"à vérifier : {S_hi_text} si les lignes sans « {cols[0]} » (ou sans émetteur) appartenaient au plus "
                f"grand groupe ; renseigner « {cols[0]} » (LEI de la tête de groupe, ou l'émetteur s'il est seul, RR 8)",
                columns=cols, limit=self.lim_f))
        if len(blind):
            findings.append(self.blind_finding(ctx, blind.tolist(), what))
        return findings

    def _entity_finding(self, ctx, ex, e, s, allowed, b):
        recs = ex["ent"] == e
        pos = np.unique(ex["pos"][recs])
        name = ex["name_of"](e)
        amount = int(s - allowed)
        lim = self.lim_f
        what = "dépôts compris" if self.p.get("deposits") else "dépôts exclus"
        msg = (f"entité « {name} » : {pct(s / b, lim)} de l'actif de placement ({fr_euros(int(s))}, {what}) pour un "
               f"plafond de {fr_pct(lim)} : céder {fr_euros(amount)}")
        return self.finding(ctx, BREACH, name, pos, msg, value=s / b, limit=lim, amount=amount, action="sell",
                            euros=int(s))

    # ---- measures

    def _entity(self, ctx: Ctx) -> RuleResult:
        ex = exposures(ctx)
        blind_pos = blind_of(ctx, "T")
        deps = self.p.get("deposits", False)
        S, loose_amt, loose_idx = _sums(ex, deps)
        if not ex["n_records"] and not len(blind_pos):
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        allowed = cap_cents(b, self.lim)
        S = _settled(ctx, S, self.lim, lambda e: _entity_positions(ex, e, deps))
        if len(loose_idx):
            loose_amt = _settled(ctx, loose_amt, self.lim, lambda j: ex["pos"][loose_idx[j:j + 1]])
        lo_all = np.concatenate([S, loose_amt])
        top = int(lo_all.max()) if len(lo_all) else 0
        over = np.flatnonzero(S > allowed)
        findings = [self._entity_finding(ctx, ex, int(e), int(S[e]), allowed, b) for e in over.tolist()]
        for j, r in enumerate(loose_idx.tolist()):
            if loose_amt[j] > allowed:
                p = int(ex["pos"][r])
                findings.append(self.finding(ctx, BREACH, ctx.label(p), [p],
                                             f"ligne sans émetteur au-delà de {fr_pct(self.lim_f)} à elle seule",
                                             value=loose_amt[j] / b, limit=self.lim_f,
                                             amount=int(loose_amt[j] - allowed), action="sell", euros=int(loose_amt[j])))
        if findings:
            findings.sort(key=lambda f: -(f.value or 0))
            return RuleResult(self.spec, BREACH, findings, top / b, self.lim_f, allowed - top, top)
        U, ungrouped, upos = self._uncertain(ctx, ex, S, loose_amt, loose_idx)
        grouped_S = S[ex["grouped"]] if len(S) else S
        largest = int(grouped_S.max()) if len(grouped_S) else 0
        B = int(ctx.value[blind_pos].sum())
        hi = largest + U + B if (U or B) else top
        if hi <= allowed:
            return RuleResult(self.spec, OK, [], top / b, self.lim_f, allowed - hi, top)
        findings = self._unknown(ctx, f"{pct(hi / b)} pour une même entité", upos() if U else np.zeros(0, np.int64),
                                 blind_pos, f"avec tout le fonds sur la plus grande entité, {pct((largest + B) / b)}")
        return RuleResult(self.spec, UNKNOWN_S, findings, top / b, self.lim_f, None, top)

    def _basket(self, ctx: Ctx) -> RuleResult:
        ex = exposures(ctx)
        blind_pos = blind_of(ctx, "T")
        if not ex["n_records"] and not len(blind_pos):
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        five_lim = Fraction(str(self.p["base_limit"]))
        five = cap_cents(b, five_lim)
        allowed = cap_cents(b, self.lim)
        S, loose_amt, loose_idx = _sums(ex, True)
        # an entity is in the basket when its exact sum is above 5 %; the basket's exact sum decides the 40 %
        S_in = _settled(ctx, S, five_lim, lambda e: _entity_positions(ex, e, True))
        loose_in = (_settled(ctx, loose_amt, five_lim, lambda j: ex["pos"][loose_idx[j:j + 1]])
                    if len(loose_idx) else loose_amt)
        in_basket = np.concatenate([S_in, loose_in]) > five
        lo_all = np.concatenate([S, loose_amt])
        lo = int(lo_all[in_basket].sum())
        if ctx.n_holdings() and in_basket.any():
            nS = len(S)
            ents = np.flatnonzero(in_basket[:nS])
            recs = np.flatnonzero(np.isin(ex["ent"], ents))
            bpos = np.concatenate([ex["pos"][recs], ex["pos"][loose_idx[in_basket[nS:]]]]).astype(np.int64)
            lo = settle(ctx, lo, bpos, self.lim)
        if lo > allowed:
            # RR 6: entities nearest to 5 % brought back to 5 % first
            order = np.sort(lo_all[in_basket])
            amount, left = 0, lo
            for s in order.tolist():
                if left <= allowed:
                    break
                left -= s
                amount += s - five
            ents = np.flatnonzero(S > five)
            pos = np.unique(ex["pos"][np.isin(ex["ent"], ents)])
            names = [ex["name_of"](e) for e in ents.tolist()]
            msg = (f"{len(order)} entité(s) au-delà de 5 % ({', '.join(names[:8])}{'…' if len(names) > 8 else ''}) "
                   f"totalisent {pct(lo / b, self.lim_f)} de l'actif de placement ({fr_euros(lo)}) pour un plafond "
                   f"de {fr_pct(self.lim_f)} : ramener à 5 % les plus proches de 5 %, soit céder {fr_euros(amount)}")
            f = self.finding(ctx, BREACH, self.spec.title, pos, msg, value=lo / b, limit=self.lim_f, amount=amount,
                             action="sell", euros=lo)
            return RuleResult(self.spec, BREACH, [f], lo / b, self.lim_f, allowed - lo, lo)
        U, ungrouped, upos = self._uncertain(ctx, ex, S, loose_amt, loose_idx)
        B = int(ctx.value[blind_pos].sum())
        if not U and not B:
            return RuleResult(self.spec, OK, [], lo / b, self.lim_f, allowed - lo, lo)
        # worst case: the uncertain records joined to the largest grouped entity, then each blind fund's value
        # pushing above 5 % every entity it could reach
        S2 = S.copy()
        S2[ungrouped] = 0
        if U:
            g = np.flatnonzero(ex["grouped"])
            if len(g):
                k = g[np.argmax(S2[g])]
                S2[k] += U
            else:
                S2 = np.concatenate([S2, [U]])
        hi = int(S2[S2 > five].sum())
        if B:
            hi += B + int(S2[(S2 <= five) & (S2 + B > five)].sum())
        if hi <= allowed:
            return RuleResult(self.spec, OK, [], lo / b, self.lim_f, allowed - hi, lo)
        findings = self._unknown(ctx, f"{pct(hi / b)} au-delà de 5 % au total", upos() if U else np.zeros(0, np.int64),
                                 blind_pos, "le fonds pourrait porter des entités au-delà de 5 %")
        return RuleResult(self.spec, UNKNOWN_S, findings, lo / b, self.lim_f, None, lo)

    def _real_estate(self, ctx: Ctx) -> RuleResult:
        blind_pos = blind_of(ctx, "T")
        idx, codes, uniq, S = _real_estate_sums(ctx)
        if not len(idx) and not len(blind_pos):
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        allowed = cap_cents(b, self.lim)
        S = _settled(ctx, S, self.lim, lambda k: idx[codes == k])
        top = int(S.max()) if len(S) else 0
        findings = []
        for k in np.flatnonzero(S > allowed).tolist():
            pos = idx[codes == k]
            name = uniq[k][2:] if not uniq[k].startswith("L:") else ctx.label(int(pos[0]))
            amount = int(S[k] - allowed)
            msg = (f"actif immobilier « {name} » : {pct(S[k] / b, self.lim_f)} de l'actif de placement "
                   f"({fr_euros(int(S[k]))}) pour un plafond de {fr_pct(self.lim_f)} : céder {fr_euros(amount)}")
            findings.append(self.finding(ctx, BREACH, name, pos, msg, value=S[k] / b, limit=self.lim_f, amount=amount,
                                         action="sell", euros=int(S[k])))
        if findings:
            return RuleResult(self.spec, BREACH, findings, top / b, self.lim_f, allowed - top, top)
        B = int(ctx.value[blind_pos].sum())
        if top + B <= allowed:
            return RuleResult(self.spec, OK, [], top / b, self.lim_f, allowed - top - B, top)
        return RuleResult(self.spec, UNKNOWN_S, [self.blind_finding(ctx, blind_pos.tolist(),
                                                                    f"avec tout le fonds dans un même immeuble, {pct((top + B) / b)}")],
                          top / b, self.lim_f, None, top)

    def _sovereign(self, ctx: Ctx) -> RuleResult:
        blind_pos = blind_of(ctx, "T")
        recs_pos, codes, uniq, S = _sovereign_sums(ctx)
        b = ctx.base
        allowed = cap_cents(b, self.lim)
        S = _settled(ctx, S, self.lim, lambda k: recs_pos[codes == k])
        B = int(ctx.value[blind_pos].sum())
        if not len(recs_pos):
            if B <= allowed:
                return RuleResult(self.spec, NA, [], limit=self.lim_f)
            return RuleResult(self.spec, UNKNOWN_S, [self.blind_finding(ctx, blind_pos.tolist(), "titres souverains possibles")],
                              limit=self.lim_f)
        top = int(S.max())
        findings = []
        for k in np.flatnonzero(S > allowed).tolist():
            pos = np.unique(recs_pos[codes == k])
            amount = int(S[k] - allowed)
            msg = (f"« {uniq[k]} » : {pct(S[k] / b, self.lim_f)} de l'actif de placement en titres émis ou garantis "
                   f"({fr_euros(int(S[k]))}) pour un plafond de {fr_pct(self.lim_f)} : céder {fr_euros(amount)}")
            findings.append(self.finding(ctx, BREACH, str(uniq[k]), pos, msg, value=S[k] / b, limit=self.lim_f,
                                         amount=amount, action="sell", euros=int(S[k])))
        if findings:
            return RuleResult(self.spec, BREACH, findings, top / b, self.lim_f, allowed - top, top)
        if top + B <= allowed:
            return RuleResult(self.spec, OK, [], top / b, self.lim_f, allowed - top - B, top)
        return RuleResult(self.spec, UNKNOWN_S, [self.blind_finding(ctx, blind_pos.tolist(),
                                                                    f"avec tout le fonds sur le même émetteur, {pct((top + B) / b)}")],
                          top / b, self.lim_f, None, top)

    def _groups(self, ctx: Ctx) -> RuleResult:
        ex = exposures(ctx)
        if not ex["n_records"]:
            return RuleResult(self.spec, NA, [])
        findings = []
        a = ctx.a
        for issuer, groups in sorted(ex["multi"].items()):
            pos = np.flatnonzero(ctx.T & (a["issuer"] == issuer))
            findings.append(self.finding(
                ctx, UNKNOWN_S, issuer, pos,
                f"à vérifier : l'émetteur « {issuer} » figure sous plusieurs groupes ({', '.join(groups)}) : les "
                f"groupes sont réunis en une seule entité pour l'article R. 139-45 ; corriger « "
                f"{ctx.colname('group')} »", columns=[ctx.colname("group")]))
        n_missing = int((~ex["grouped"]).sum())
        note = (f"{n_missing} entité(s) sans « {ctx.colname('group')} » : comptées à part, et jointes au plus grand "
                f"groupe pour conclure") if n_missing else ""
        return RuleResult(self.spec, UNKNOWN_S if findings else OK, findings, note=note)

    def linear_form(self, ctx: Ctx):
        """Optimizer: rows over the items of `ctx` (x their values in euros), per entity Σ x ≤ limit · actif de
        placement (`entity`, deposits as the rule says), per real-estate asset (`real_estate`), per issuer or
        guarantor of R. 139-45 II (`sovereign`); for the basket, a `BasketBlock` (5 % per entity outside it, 40 %
        in total). An entity without group or a record without issuer counts on its own, as the checker's lower
        bound does; funds seen without their holdings add nothing (their verdicts stay open and say so)."""
        m = self.p["measure"]
        if not self.applies(ctx) or ctx.base <= 0 or m == "groups":
            return None
        if m in ("entity", "basket"):
            ex = exposures(ctx)
            keep = np.ones(ex["n_records"], dtype=bool) if m == "basket" or self.p.get("deposits") else ~ex["deposit"]
            ent, pos = ex["ent"][keep], ex["pos"][keep]
            key = np.where(ent >= 0, ent, ex["n"] + np.arange(len(ent)))
            codes, uniq = pd.factorize(key)
            first = np.zeros(len(uniq), dtype=np.int64)
            first[codes[::-1]] = pos[::-1]
            subjects = [ex["name_of"](int(u)) if u < ex["n"] else ctx.label(int(first[j])) for j, u in enumerate(uniq)]
            rows, cols = codes.astype(np.int64), pos.astype(np.int64)
        elif m == "real_estate":
            idx, codes, uniq, _ = _real_estate_sums(ctx)
            subjects = [u[2:] if not u.startswith("L:") else ctx.label(int(u[2:])) for u in uniq]
            rows, cols = codes.astype(np.int64), idx.astype(np.int64)
        else:  # sovereign
            cols, codes, uniq, _ = _sovereign_sums(ctx)
            cols = cols.astype(np.int64)
            subjects = [str(u) for u in uniq]
            rows = codes.astype(np.int64)
        if not len(subjects):
            return None
        k = len(subjects)
        if m == "basket":
            five = Fraction(str(self.p["base_limit"]))
            return BasketBlock(self.id, "<=", rows, cols, np.ones(len(cols)), five, ctx.P.copy(), np.zeros(k),
                               subjects, limit=five, basket=self.lim)
        return LinearBlock(self.id, "<=", rows, cols, np.ones(len(cols)), self.lim, ctx.P.copy(), np.zeros(k),
                           subjects, limit=self.lim)


# --------------------------------------------------------------------------- R. 139-46


def _part_mask(ctx: Ctx, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(items of the part, sure; items that may be of it) — capital or créance (RR 9)."""
    eod = ctx.a["equity_or_debt"]
    given = ctx.known("equity_or_debt")
    if part == "capital":
        default = ctx.nat(["action", "acces_capital"])
        sci = ctx.nat(["societe_immobiliere"])
        sa = ctx.isin("legal_form", SA_FORMS) | ctx.isin("listing", tuple(ctx.doc["listing"]["admitted"]))
        maybe_sci = sci & ~sa & ~ctx.known("legal_form")
        default = default | (sci & sa)
        chosen = ctx.isin("equity_or_debt", ("capital", "les_deux"))
    else:
        default = ctx.nat(["tcn", "obligation", "titre_etat", "titre_participatif"])
        maybe_sci = np.zeros(ctx.n, dtype=bool)
        chosen = ctx.isin("equity_or_debt", ("creance", "les_deux"))
    sure = np.where(given, chosen, default)
    del eod
    return sure, maybe_sci & ~given


def _issue_figures(ctx: Ctx) -> tuple[np.ndarray, bool]:
    """(per item, valeur / quantite × quantite_emise — accrued interest left out: `market_value` —, NaN where the
    quantity or the issue size is not given or not positive; whether any figure is NaN): one pass over the items
    per check, read by both parts of R. 139-46 (capital, créance). Which items have an issue size is the
    structure's."""
    hit = ctx.memo.get("issue_figures")
    if hit is None:
        a = ctx.a
        if "issue_size_ok" not in ctx.smemo:
            qe = np.asarray(a["quantity_issued"], dtype=np.float64)
            with np.errstate(invalid="ignore"):
                ok = qe > 0
            ctx.smemo["issue_size_ok"] = (qe, ok, bool(ok.all()), bool(np.isfinite(qe).all()))
        qe, qe_ok, all_ok, finite = ctx.smemo["issue_size_ok"]
        q = np.asarray(a["quantity"], dtype=np.float64)
        # (the market values as doubles once per table: an int64 array divided by doubles is converted the same
        # way on every check, in numpy's mixed-type loop, several times slower than a division of doubles)
        mv = a.market_doubles() if isinstance(a, Table) else np.asarray(a["market_value"], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            fig = mv / q
            fig *= qe
        # (a NaN quantity makes a NaN minimum: the positions are then found)
        q_ok = bool(len(q) and q.min() > 0)
        if not q_ok:
            with np.errstate(invalid="ignore"):
                bad = q <= 0  # NaN quantities compare False: caught by the figure's own NaN
            if not all_ok:
                bad |= ~qe_ok
            fig[bad] = np.nan
        elif not all_ok:
            fig[~qe_ok] = np.nan
        # integer cents over positive quantities, times positive finite issue sizes: no NaN (0 / 0, inf × 0)
        clean = q_ok and all_ok and finite and a["market_value"].dtype.kind in "iu"
        any_nan = False if clean or not len(fig) else bool(np.isnan(fig.min()))
        hit = ctx.memo["issue_figures"] = (fig, any_nan)
    return hit


def _full_codes(ctx: Ctx) -> dict | None:
    """For both parts of R. 139-46 at once, a code per item (structure): `num`, the issuer of an item held in
    scope (capital: its issuer's code; créance: n + that code; else 2n and after, bins left out); None when an
    item is in both parts (`les_deux`): each part then sums on its own. One bincount over all the items per check
    then serves both parts, instead of a gather and a bincount per part."""
    if "issuer_share_full" in ctx.smemo:
        return ctx.smemo["issuer_share_full"]
    out = None
    sts = {part: ctx.smemo.get(("issuer_share", part)) for part in ("capital", "creance")}
    if any(st is None for st in sts.values()):  # a part not judged yet on this structure: each on its own
        return None
    if all(st is not None and len(st["idx"]) for st in sts.values()):
        n_all = sts["capital"]["n_all"]
        # the items of neither part in TRASH bins after both parts', by position (consecutive additions into one
        # bin wait for each other)
        num = 2 * n_all + np.arange(ctx.n, dtype=np.int64) % TRASH
        ok = True
        for k, part in enumerate(("capital", "creance")):
            st = sts[part]
            if (num[st["idx"]] < 2 * n_all).any():
                ok = False
                break
            num[st["idx"]] = st["icode"] + k * n_all
        if ok:
            out = {"num": num, "n_all": n_all}
    ctx.smemo["issuer_share_full"] = out
    return out


def _security_figures(ctx: Ctx, st: dict, fig: np.ndarray, any_nan: bool) -> np.ndarray:
    """Per security with an ISIN (in `st`'s order), the largest figure of its items, NaN figures left out (NaN
    when all are): its first item's figure raised by the others' (`np.maximum.at`)."""
    xs = fig[st["sec_first"]]
    rest, code = st["sec_rest"], st["sec_rest_code"]
    if not len(rest):
        return xs
    r = fig[rest]
    if not any_nan:
        np.maximum.at(xs, code, r)
        return xs
    xn, rn = np.isnan(xs), np.isnan(r)
    xs[xn] = -np.inf
    np.maximum.at(xs, code, np.where(rn, -np.inf, r))
    # a security whose every figure is NaN stays NaN
    xs[xn & (np.bincount(code[~rn], minlength=len(xs)) == 0)] = np.nan
    return xs


def _issuer_sums(ctx: Ctx, st: dict, part: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(Σ held per issuer code, exact cents; Σ of its issue's figures — NaN figures counted 0 —; per issuer
    whether a figure of its issue is missing, or None when none is) for one part of R. 139-46."""
    idx, icode, n_all = st["idx"], st["icode"], st["n_all"]
    full = _full_codes(ctx) if ctx.fvalue is not None else None
    k = 0 if part == "capital" else 1
    fig, any_nan = _issue_figures(ctx)
    alone = st["alone"]
    if full is not None:
        code = full["num"]

        def delta(prev, pos, old):  # the issuers of the changed items: old amounts out, new ones in
            out = prev.copy()
            np.add.at(out, code[pos], ctx.value[pos] - old[pos])
            return out
        S = ctx.memo.get("issuer_held")
        if S is None:  # (once per check for both parts)
            S = ctx.memo["issuer_held"] = ctx.follow(
                ("issuers", "both"), lambda: group_sum(code, ctx.fvalue, 2 * n_all + TRASH, nonneg=True), delta)
        num = S[k * n_all:(k + 1) * n_all]
        # the items without ISIN, each its own security (in the order of their positions)
        w = fig[alone]
        gap = None
        if any_nan:
            nan = np.isnan(w)
            if nan.any():
                w[nan] = 0.0
                gap = np.bincount(st["emap_alone"][nan], minlength=n_all) > 0
        den = np.bincount(st["emap_alone"], weights=w, minlength=n_all).astype(np.float64, copy=False)
        if st["n_sec"]:  # the securities with an ISIN: each at its largest figure
            xs = _security_figures(ctx, st, fig, any_nan)
            if any_nan:
                nan = np.isnan(xs)
                if nan.any():
                    xs[nan] = 0.0
                    g = np.bincount(st["ii"][st["n_alone"]:][nan], minlength=n_all) > 0
                    gap = g if gap is None else gap | g
            den += np.bincount(st["ii"][st["n_alone"]:], weights=xs, minlength=n_all)
        return num, den, gap

    def delta(prev, pos, old):  # the issuers of the changed items: old amounts out, new ones in
        j = np.minimum(np.searchsorted(idx, pos), len(idx) - 1)
        hit = idx[j] == pos
        if not hit.any():
            return prev
        out = prev.copy()
        np.add.at(out, icode[j[hit]], ctx.value[pos[hit]] - old[pos[hit]])
        return out
    num = ctx.follow(("issuers", part), lambda: ctx.vsum(icode, idx, n_all), delta)
    xs = fig[alone]
    if st["n_sec"]:
        xs = np.concatenate([xs, _security_figures(ctx, st, fig, any_nan)])
    ii = st["ii"]
    gap = None
    if any_nan:
        nan = np.isnan(xs)
        if nan.any():
            xs[nan] = 0.0
            gap = np.bincount(ii[nan], minlength=n_all) > 0
    den = np.bincount(ii, weights=xs, minlength=n_all).astype(np.float64, copy=False)
    return num, den, gap


class IssuerShareParams(Common):
    part: Literal["capital", "creance"]
    limit: ShareText


@register
class IssuerShare(Kind):
    """R. 139-46: at most a share of the equity (or of the debt securities) of one issuer (RR 9)."""

    kind = "r139_issuer_share"
    Params = IssuerShareParams

    def _structure(self, ctx: Ctx) -> dict:
        """The issuers' securities in scope and their issue's parts (each ISIN once per issuer): texts only,
        made once per structure."""
        part = self.p["part"]
        key = ("issuer_share", part)  # (the same for every rule of the part)
        if key in ctx.smemo:
            return ctx.smemo[key]
        part = self.p["part"]
        sure, maybe = _part_mask(ctx, part)
        a = ctx.a
        sov = ctx.sovereign_tri("sovereign_46")
        through_fm = ctx.via_is(("fonds_mutualise",))
        scope = ctx.T & (sure | maybe) & ~through_fm & (sov != TRUE)
        _, blind = view_mask(ctx, "T")
        blind_pos = np.flatnonzero(blind & ~ctx.nat(["fonds_mutualise"]))
        idx = np.flatnonzero(scope)
        all_codes, all_names = ctx.factorized("issuer")
        all_names = np.asarray(all_names, dtype=object)
        n_all = len(all_names)
        named = all_codes[idx] >= 0
        st = {"idx_all": idx, "blind_pos": blind_pos, "unnamed": idx[~named], "idx": idx[named], "names": all_names,
              "n_all": n_all}
        idx = idx[named]
        if len(idx):
            everything = np.flatnonzero((sure | maybe) & ctx.known("issuer") & (ctx.T | ctx.holding))
            icode = all_codes[idx]
            held = np.bincount(icode, minlength=n_all) > 0
            ev = everything[held[all_codes[everything]]]
            emap = all_codes[ev]
            isin_codes = ctx.factorized("isin")[0][ev]
            # a security once per issuer, at its largest figure; a line without ISIN is a security of its own
            with_isin = isin_codes >= 0
            # the items whose figure is an issue's part: those without ISIN (each a security of its own), then the
            # securities with one, in the order they first appear: each at the largest figure of its items (the
            # first item's figure, raised by the others')
            alone = ev[~with_isin]
            ii = emap[~with_isin]
            sec_first = sec_rest = sec_rest_code = np.zeros(0, dtype=np.int64)
            n_sec = 0
            if with_isin.any():
                wi = ev[with_isin]
                sk, su = pd.factorize(emap[with_isin] * (int(isin_codes.max()) + 1) + isin_codes[with_isin])
                n_sec = len(su)
                first_of = np.zeros(n_sec, dtype=np.int64)
                first_of[sk[::-1]] = np.arange(len(sk))[::-1]
                rest = np.ones(len(sk), dtype=bool)
                rest[first_of] = False
                sec_first, sec_rest, sec_rest_code = wi[first_of], wi[rest], sk[rest].astype(np.int64)
                ii = np.concatenate([ii, emap[with_isin][first_of]])
            out = np.full(n_all, np.nan)
            np.fmin.at(out, emap, a["issuer_outstanding"][ev].astype(float))
            st.update(icode=icode, held=held, ev=ev, emap=emap, alone=alone, n_alone=len(alone), n_sec=n_sec,
                      sec_first=sec_first, sec_rest=sec_rest, sec_rest_code=sec_rest_code,
                      emap_alone=emap[~with_isin],
                      outstanding=out, has_out=out > 0, any_out=bool((out > 0).any()), ii=ii)
        ctx.smemo[key] = st
        return st

    def verdict(self, ctx: Ctx) -> RuleResult:
        part = self.p["part"]
        st = self._structure(ctx)
        a = ctx.a
        blind_pos = st["blind_pos"]
        if not len(st["idx_all"]) and not len(blind_pos):
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        lim = self.lim
        findings = []
        all_names, n_all = st["names"], st["n_all"]
        for p in st["unnamed"].tolist():
            findings.append(self.finding(ctx, UNKNOWN_S, ctx.label(p), [p],
                                         f"à vérifier : renseigner « {ctx.colname('issuer')} » (part détenue des titres "
                                         f"d'un même émetteur)", columns=[ctx.colname("issuer")],
                                         euros=int(ctx.value[p])))
        idx = st["idx"]
        # the issue: every ISIN of the issuer once, across lines and funds — valeur / quantite × quantite_emise
        # (accrued interest left out), or the issuer's outstanding (encours_emetteur)
        q = a["quantity"]
        qe = a["quantity_issued"]
        mv = a["market_value"]
        worst_share = 0.0
        if len(idx):
            # per issuer (its code): Σ held (exact cents), the issue (cents, or NaN), whether an ISIN of it lacks
            # its issue size
            icode, held, ev, emap = st["icode"], st["held"], st["ev"], st["emap"]
            num, den, gap = _issuer_sums(ctx, st, part)
            out = st["outstanding"]
            has_out = st["has_out"]
            if st["any_out"]:
                den = np.where(has_out, out, den)
                if gap is not None:
                    gap = np.where(has_out, False, gap)
            known = den > 0
            # whole-array operations, no choice by a scattered mask (`np.where`, an index by a mask, a division with
            # `where=`: each costs several divisions); an issuer not held has no value (0 / its issue)
            # (Σ held as doubles once: what the division converts it to anyway, to the bit, in a slower mixed loop)
            num_f = num.astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = num_f / den
            unknown_held = held > known
            any_unknown = bool(unknown_held.any())
            # (when every issuer held has its issue, the issuers held and known are those held, some at least)
            held_known = known & held if any_unknown else held
            ctx.memo[("issuer_share", part)] = {"names": all_names, "held": num, "issue": den, "known": known,
                                                "present": held, "icode": icode, "idx": idx, "outstanding": has_out}
            # (no value below zero: no sum below zero)
            if not any_unknown and (ctx.vmin >= 0 or num.min() >= 0):  # the largest share is the largest of all (NaN: 0 / 0)
                worst_share = float(np.fmax.reduce(ratio))
            elif held_known.any():
                worst_share = float(np.where(held_known, ratio, -np.inf).max())
            lim_f = float(lim)
            # issuers held over the cap (a margin below it: the exact share decides), or whose issue is not known
            n_h = ctx.n_holdings()  # rescaled holdings are rounded to the cent: the screen allows for it
            if n_h:
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio_hi = (num + (n_h + 1)).astype(np.float64) / den
            else:
                ratio_hi = ratio
            over = ratio_hi > lim_f * (1 - (1e-6 if n_h else 1e-9))
            if any_unknown:
                flagged = np.flatnonzero((over & held_known) | unknown_held)
            else:  # the issuers over the screen, those held among them
                flagged = np.flatnonzero(over)
                flagged = flagged[held[flagged]]
            if len(flagged):
                # in the order the issuers first appear, as they are read
                first = np.full(n_all, len(idx), dtype=np.int64)
                np.minimum.at(first, icode, np.arange(len(idx)))
                flagged = flagged[np.argsort(first[flagged], kind="stable")]
                h_order, h_starts = group_index(icode, n_all)
                e_order, e_starts = group_index(emap, n_all)
            for k in flagged.tolist():
                name = all_names[k]
                pos = idx[h_order[h_starts[k]:h_starts[k + 1]]]
                n_k = int(num[k])
                if not known[k]:
                    findings.append(self.finding(
                        ctx, UNKNOWN_S, str(name), pos,
                        f"à vérifier : renseigner « {ctx.colname('quantity')} » et « {ctx.colname('quantity_issued')} »"
                        f" (ou « {ctx.colname('issuer_outstanding')} ») pour « {name} »",
                        columns=[ctx.colname("quantity"), ctx.colname("quantity_issued"),
                                 ctx.colname("issuer_outstanding")], euros=n_k))
                    continue
                if has_out[k]:
                    d = Fraction(int(round(out[k])))
                else:
                    d = self._exact_issue(a, np.sort(ev[e_order[e_starts[k]:e_starts[k + 1]]]), q, qe, mv)
                # the exact value held: a holding's inventory value × k, not its cents (R. 139-17 last paragraph)
                share = (ctx.exact_sum(pos) if n_h else Fraction(n_k)) / d
                if share <= lim:
                    continue
                if gap is not None and gap[k]:
                    findings.append(self.finding(
                        ctx, UNKNOWN_S, str(name), pos,
                        f"à vérifier : {pct(float(share))} des titres connus de « {name} » ; renseigner « "
                        f"{ctx.colname('quantity_issued')} » de tous ses titres", euros=n_k,
                        columns=[ctx.colname("quantity_issued")]))
                    continue
                allowed = lim * d
                amount = max(int(n_k - (allowed.numerator // allowed.denominator)), 1)
                what = "du capital" if part == "capital" else "des titres de créance"
                findings.append(self.finding(
                    ctx, BREACH, str(name), pos,
                    f"« {name} » : {pct(float(share), self.lim_f)} {what} détenus pour un plafond de "
                    f"{fr_pct(self.lim_f)} : céder {fr_euros(amount)}", value=float(share), limit=self.lim_f,
                    amount=amount, action="sell", euros=n_k))
        if len(blind_pos) and not any(f.status == BREACH for f in findings):
            findings.append(self.blind_finding(ctx, blind_pos.tolist(), "la part détenue des titres de ses émetteurs "
                                                                          "ne peut être calculée"))
        findings.sort(key=lambda f: (f.status != BREACH, -(f.value or 0)))
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings, worst_share, self.lim_f)

    def figures(self, state, result=None, top: int = 20) -> Figures:
        """Per issuer: the value held, the issue it is a share of (Σ valeur / quantite × quantite_emise over its
        securities, or `encours_emetteur`), the share held (`of` = the issue) and the room under the cap; the
        issuers with the largest shares first (`top` of them, and every issuer with a finding)."""
        ctx = state
        result = result if result is not None else self.evaluate(ctx)
        fig = Figures(self.id, "max", result.value, result.limit, result.headroom, result.figure, ctx.base)
        t = ctx.memo.get(("issuer_share", self.p["part"]))
        if t is None:
            return fig
        st = status_by_subject(result)
        held, issue, known, present = t["held"], t["issue"], t["known"], t["present"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(known, held / np.where(known, issue, 1), -1.0)
        ks = np.flatnonzero(present)
        order = ks[np.lexsort((-held[ks], -ratio[ks]))]
        chosen = [int(k) for k in order[:top]]
        chosen += [int(k) for k in ks if str(t["names"][k]) in st and int(k) not in chosen]
        out = []
        for k in chosen:
            name = str(t["names"][k])
            w = ctx.where(t["idx"][t["icode"] == k])
            n_k = int(round(held[k]))
            of = int(round(issue[k])) if known[k] else None
            head = None
            if of is not None:
                allowed = self.lim * of
                head = allowed.numerator // allowed.denominator - n_k
            out.append(Group139(name, w["rows"], n_k, (n_k / of) if of else None, head, st.get(name, OK), of=of,
                                via=w["via"], detail={"outstanding": bool(t["outstanding"][k])}))
        fig.groups = out
        return fig

    @staticmethod
    def _issues(a, ev, q, qe, mv) -> dict:
        """Security (ISIN, else the line) → (its issue, exact cents: the largest valeur / quantite × quantite_emise
        of its items; its items)."""
        best: dict = {}
        for p in ev.tolist():
            if not (q[p] > 0 and qe[p] > 0):
                continue
            sec = a["isin"][p] if a["isin"][p] is not None and a["isin"][p] == a["isin"][p] else f"L{p}"
            price = a["raw_price"][p] if "raw_price" in a and a["holding"][p] else None
            if price is not None and price == price:  # a holding: its inventory's price, not its rounded cents
                x = Fraction(price) * frac(float(qe[p]))
            else:
                x = Fraction(int(mv[p])) / frac(float(q[p])) * frac(float(qe[p]))
            old = best.get(sec)
            best[sec] = (max(x, old[0]) if old else x, (old[1] if old else []) + [p])
        return best

    @staticmethod
    def _exact_issue(a, ev, q, qe, mv) -> Fraction:
        """Σ over the issuer's ISINs (each once, the largest figure) of valeur / quantite × quantite_emise, exactly."""
        best: dict = {}
        for p in ev.tolist():
            if not (q[p] > 0 and qe[p] > 0):
                continue
            sec = a["isin"][p] if a["isin"][p] is not None and a["isin"][p] == a["isin"][p] else f"L{p}"
            price = a["raw_price"][p] if "raw_price" in a and a["holding"][p] else None
            if price is not None and price == price:  # a holding: its inventory's price, not its rounded cents
                x = Fraction(price) * frac(float(qe[p]))
            else:
                x = Fraction(int(mv[p])) / frac(float(q[p])) * frac(float(qe[p]))
            if sec not in best or x > best[sec]:
                best[sec] = x
        return sum(best.values(), Fraction(0))

    def linear_form(self, ctx: Ctx):
        """Optimizer: per issuer whose issue is known, Σ x of its securities held (items of `ctx`, euros) ≤ limit ·
        the issue (a constant: quantities move with values, prices do not). Issuers whose issue is not known get
        no row (their verdict stays open and says what to fill)."""
        if not self.applies(ctx):
            return None
        sure, maybe = _part_mask(ctx, self.p["part"])
        a = ctx.a
        sov = ctx.sovereign_tri("sovereign_46")
        through_fm = ctx.holding & (ctx.via_nature == "fonds_mutualise")
        idx = np.flatnonzero(ctx.T & (sure | maybe) & ~through_fm & (sov != TRUE) & pd.notna(a["issuer"]))
        if not len(idx):
            return None
        everything = np.flatnonzero((sure | maybe) & pd.notna(a["issuer"]) & (ctx.T | ctx.holding))
        q, qe, mv = a["quantity"], a["quantity_issued"], a["market_value"]
        codes = ctx.factorized("issuer")[0]
        icode, held_codes = pd.factorize(codes[idx])
        names = np.asarray(ctx.factorized("issuer")[1], dtype=object)[held_codes]
        rows, cols, const, subjects, issues = [], [], [], [], []
        for k in range(len(held_codes)):
            ev = everything[codes[everything] == held_codes[k]]
            out = a["issuer_outstanding"][ev]
            out = out[out > 0]
            secs = []
            if len(out):
                d = Fraction(int(round(float(out.min()))))
            else:
                ok_q = (q[ev] > 0) & (qe[ev] > 0)
                if not ok_q.all():  # an ISIN without its issue size: the share is not known
                    continue
                by_sec = self._issues(a, ev, q, qe, mv)
                d = sum((x for x, _ in by_sec.values()), Fraction(0))
                # an issue counts while one of its items is held (sold out, it leaves the denominator)
                secs = [(float(self.lim * x) / 100, np.array(items, dtype=np.int64),
                         float(Fraction(int(mv[items[0]])) / frac(float(q[items[0]]))) / 100)
                        for x, items in by_sec.values()]
            if d <= 0:
                continue
            members = idx[icode == k]
            rows.append(np.full(len(members), len(subjects), dtype=np.int64))
            cols.append(members)
            const.append(float(self.lim * d) / 100)
            subjects.append(str(names[k]))
            issues.append(secs)
        if not subjects:
            return None
        cols_a = np.concatenate(cols).astype(np.int64)
        return IssueRows(self.id, "<=", np.concatenate(rows), cols_a, np.ones(len(cols_a)), Fraction(0), None,
                         np.array(const), subjects, limit=self.lim, issues=issues)
