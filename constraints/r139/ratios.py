"""Ratios of the actif de placement (R. 139-15, R. 139-41, R. 139-43, R. 139-44).

- `r139_share`: the share of some items of a view; the numerator's clauses
  (`natures`, `non_euro`, `equity` with `via`, `oecd_only`, `tenth`,
  `issuer_kinds`) are or-ed, the keys of one clause and-ed. With `contracts`,
  positive contract exposures add to the clause of their underlying
  (R. 139-47 al. 2, RR 10); short ones never subtract.
- `r139_contracts`: R. 139-43, exposures netted per counterparty (RR 12).
- `r139_currency`: R. 139-44, realisable in euros, or an exchange exposure
  strictly under the limit, hedges netted within a currency (RR 13).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd


from .base import Common, Nature, Strict
from typing import Literal
from constraints.schema import ShareText

from .base import (BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, ContractRows, Figures, Group139, Kind, RuleResult,
                   register)
from reserves.portfolio.fmt import fr_euros, fr_pct
from .lines import view_mask
from .model import (FUNDS, SECURITIES, Ctx, as_int8, below_cents, cap_cents, group_sum, near_limit, round_cents, select8,
                    settle, settled_to, sure)

_TENTH = ("autre", "autre_fm", "certificat", "cession_temporaire", "emprunt", *FUNDS, "contrat_financier_hors")
_PCT_MORE = 6


def pct(x: float, lim: float | None = None) -> str:
    """A share in French; more decimals where two would print it as the limit."""
    if lim is not None and x != lim:
        for d in range(2, 10):
            if f"{x * 100:.{d}f}" != f"{lim * 100:.{d}f}":
                return f"{x * 100:.{d}f}".replace(".", ",") + " %"
    return fr_pct(x)


def via_kind(ctx: Ctx) -> np.ndarray:
    """'direct' for a line as held, else the nature of the fund it came through."""
    if "via_kind" not in ctx.smemo:
        ctx.smemo["via_kind"] = np.where(ctx.holding, ctx.via_nature, "direct")
    return ctx.smemo["via_kind"]


def through(ctx: Ctx, vias) -> np.ndarray:
    """Items held directly (`direct`) or through a fund of one of the natures `vias`."""
    key = ("through", tuple(vias))
    if key not in ctx.smemo:
        m = ctx.direct.copy() if "direct" in vias else np.zeros(ctx.n, dtype=bool)
        funds = tuple(v for v in vias if v != "direct")
        if funds:
            m |= ctx.holding & ctx.isin_via(funds)
        ctx.smemo[key] = m
    return ctx.smemo[key]


def clause_tri(ctx: Ctx, clause: dict) -> np.ndarray:
    """Tri-state of each item for one clause of a numerator (TRUE in, UNKNOWN maybe, FALSE out). (Masks turned
    into tri-states by arithmetic, `sure` and `select8`: `np.where` over a scattered mask costs several times more.)"""
    key = ("clause", repr(sorted(clause.items(), key=str)))
    if key in ctx.smemo:
        return ctx.smemo[key]
    tri = np.full(ctx.n, TRUE, dtype=np.int8)
    if "natures" in clause:
        tri = np.minimum(tri, sure(ctx.nat(clause["natures"])))
    if clause.get("non_euro"):
        non_euro = ~ctx.eq("currency", "EUR") | (ctx.a["realisable_euro"] == FALSE)
        tri = np.minimum(tri, sure(non_euro & ~ctx.contract()))
    if clause.get("equity"):
        tri = np.minimum(tri, ctx.equity_tri())
    if "via" in clause:
        tri = np.minimum(tri, sure(through(ctx, clause["via"])))
    if clause.get("oecd_only"):
        li = ctx.doc["listing"]
        t = UNKNOWN - as_int8(ctx.known("listing"))
        t[ctx.eq("listing", "ocde")] = TRUE
        tcn = ctx.nat(["tcn"])
        none = ctx.eq("listing", "aucune")
        unlisted = ~ctx.known("listing") | none
        if tcn.any():
            ii = ctx.assimilated_tri("assimilated_ii")
            iii = ctx.assimilated_tri("assimilated_iii")
            # an unlisted TCN assimilated by III but not by II is OECD-only; assimilated by II it is not
            t = select8(tcn & unlisted & (ii == TRUE), FALSE, t)
            t = select8(tcn & none & (ii != TRUE), np.minimum(iii, 2 - ii), t)
        t[ctx.isin("listing", tuple(li["eea"]))] = FALSE
        tri = np.minimum(tri, t * as_int8(ctx.nat(SECURITIES)))  # FALSE outside the securities
    if clause.get("tenth"):
        through_fm = ctx.via_is(("fonds_mutualise",))
        listed = ctx.listed_tri()
        t = sure(ctx.nat(_TENTH))
        t = select8(ctx.nat(SECURITIES), 2 - listed, t)
        tri = np.minimum(tri, t * as_int8(through_fm))  # FALSE but through a fonds mutualisé
    if "issuer_kinds" in clause:
        t = UNKNOWN - as_int8(ctx.known("issuer_kind"))
        t[ctx.isin("issuer_kind", tuple(clause["issuer_kinds"]))] = TRUE
        tri = np.minimum(tri, t)
    tri = tri.astype(np.int8)
    ctx.smemo[key] = tri
    return tri


def numerator_tri(ctx: Ctx, clauses: list) -> np.ndarray:
    key = ("numerator", repr([sorted(c.items(), key=str) for c in clauses]))
    if key not in ctx.smemo:
        ctx.smemo[key] = np.maximum.reduce([clause_tri(ctx, c) for c in clauses]).astype(np.int8)
    return ctx.smemo[key]


def contract_terms(ctx: Ctx, scope: np.ndarray, clauses: list, key=None, exact: bool = False):
    """Positive contract exposures of `scope` counted in the numerator: (lower cents, upper cents or None for no
    bound, positions of the contracts that may count). Sums are exact (`exposure_x`, `notional_x`). With a `key`,
    what depends on texts only (the contracts, the clause of each one's underlying) is made once per structure."""
    hit = ctx.smemo.get(("contract_terms", key)) if key is not None else None
    if hit is None:
        hit = _contract_classes(ctx, scope, clauses)
        if key is not None:
            ctx.smemo[("contract_terms", key)] = hit
    c, tri = hit
    if not len(c):
        return 0, 0, c
    a = ctx.a
    lo, hi, unbounded = 0, 0, False
    for j, p in enumerate(c.tolist()):
        e, n_ = a["exposure_x"][p], a["notional_x"][p]
        if tri[j] == TRUE and e is not None and e > 0:
            lo += e
        if tri[j] >= UNKNOWN:
            if e is not None:
                hi += max(e, 0)
            elif n_ is not None:
                hi += abs(n_)
            else:
                unbounded = True
    if exact:  # the exact sums, not their cents
        return lo, (None if unbounded else hi), c[tri >= UNKNOWN]
    return round_cents(lo), (None if unbounded else round_cents(hi)), c[tri >= UNKNOWN]


def _contract_classes(ctx: Ctx, scope: np.ndarray, clauses: list):
    """(contracts of `scope`, tri-state of each one's underlying for the numerator)."""
    c = np.flatnonzero(scope & ctx.contract())
    if not len(c):
        return c, np.zeros(0, dtype=np.int8)
    a = ctx.a
    # the clause of each contract's underlying: a held item with its ISIN, else the kind of underlying
    base_items = np.flatnonzero(scope & ~ctx.contract() & ctx.known("isin"))
    first = {}
    for p in base_items.tolist():
        first.setdefault(a["isin"][p], p)
    tri_items = numerator_tri(ctx, clauses)
    # a contract on shares not held (an index…): in a clause of equity as such, surely; in one that also asks what
    # is not known of its underlying (its issuer's kind, its listing, a fund it comes through), maybe (RR 20)
    def equity_of(cl) -> bool:
        return bool(cl.get("equity") or "action" in (cl.get("natures") or ()))

    def conditioned(cl) -> bool:
        return any(cl.get(k) for k in ("issuer_kinds", "oecd_only", "tenth", "non_euro"))
    equity_clause = any(equity_of(cl) and not conditioned(cl) for cl in clauses)
    equity_maybe = any(equity_of(cl) and conditioned(cl) for cl in clauses)
    via_ok = np.ones(len(c), dtype=bool)
    for cl in clauses:
        if "via" in cl:
            via_ok = np.isin(via_kind(ctx)[c].astype(str), cl["via"])
    tri = np.full(len(c), UNKNOWN, dtype=np.int8)
    for j, p in enumerate(c.tolist()):
        u = a["underlying"][p]
        if u is not None and str(u).upper() in first:
            tri[j] = tri_items[first[str(u).upper()]]
        elif u is not None and u in first:
            tri[j] = tri_items[first[u]]
        elif a["underlying_kind"][p] is not None:
            if a["underlying_kind"][p] == "action" and via_ok[j] and (equity_clause or equity_maybe):
                tri[j] = TRUE if equity_clause else UNKNOWN
            else:
                tri[j] = FALSE
    return c, tri


class Clause(Strict):
    """One clause of a numerator (its keys and-ed)."""

    natures: list[Nature] | None = None
    non_euro: bool = False
    equity: bool = False
    via: list[Literal["direct", "opcvm", "fonds_mutualise", "organisme_dedie"]] | None = None
    oecd_only: bool = False
    tenth: bool = False
    issuer_kinds: list[str] | None = None


class ShareParams(Common):
    sense: Literal["max"]
    limit: ShareText
    numerator: list[Clause]
    contracts: bool = False


@register
class Share(Kind):
    """A cap on the share of some items of a view in the actif de placement."""

    kind = "r139_share"
    Params = ShareParams

    def _structure(self, ctx: Ctx) -> dict:
        """What the rule reads of the texts: the items surely and maybe in the numerator, the blind funds it
        could reach (made once per structure)."""
        key = ("share", self.id)
        if key in ctx.smemo:
            return ctx.smemo[key]
        scope, blind = view_mask(ctx, self.p["view"])
        clauses = self.p["numerator"]
        tri = numerator_tri(ctx, clauses)
        blind_pos = np.flatnonzero(blind)
        if len(blind_pos) and any("via" in cl for cl in clauses):  # a fund the clause cannot reach adds nothing
            vk = ctx.nature[blind_pos].astype(str)
            reach = np.zeros(len(blind_pos), dtype=bool)
            for cl in clauses:
                reach |= np.isin(vk, cl["via"]) if "via" in cl else True
            blind_pos = blind_pos[reach]
        if len(blind_pos) and all(cl.get("tenth") for cl in clauses):
            blind_pos = blind_pos[ctx.nature[blind_pos] == "fonds_mutualise"]
        sure = scope & (tri == TRUE)
        maybe = scope & (tri == UNKNOWN)
        out = ctx.smemo[key] = {"scope": scope, "empty": not scope.any() and not blind.any(), "sure": sure,
                                "maybe": maybe, "any_maybe": bool(maybe.any()), "blind_pos": blind_pos}
        return out

    def verdict(self, ctx: Ctx) -> RuleResult:
        st = self._structure(ctx)
        if st["empty"]:
            return RuleResult(self.spec, NA, [], limit=self.lim_f, note="aucune ligne dans l'actif de placement")
        b = ctx.base
        if b <= 0:
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        v = ctx.value
        sure, maybe = st["sure"], st["maybe"]
        lo = ctx.total((self.id, "sure"), sure)
        hi = lo + (ctx.total((self.id, "maybe"), maybe) if st["any_maybe"] else 0)
        c_lo = c_hi = 0
        c_lo_x = c_hi_x = 0
        c_maybe = np.zeros(0, dtype=np.int64)
        if self.p.get("contracts"):
            c_lo_x, c_hi_x, c_maybe = contract_terms(ctx, st["scope"], self.p["numerator"], key=self.id, exact=True)
            c_lo, c_hi = round_cents(c_lo_x), (None if c_hi_x is None else round_cents(c_hi_x))
        blind_pos = st["blind_pos"]
        blind_v = int(v[blind_pos].sum())
        lo_t = lo + c_lo
        hi_t = None if c_hi is None else hi + c_hi + blind_v
        # rescaled holdings are rounded to the cent, contract exposures summed exactly: near the limit, the exact
        # sums decide
        if near_limit(ctx, lo_t, self.lim):
            lo_t = settled_to(lo_t, ctx.exact_sum(np.flatnonzero(sure)) + c_lo_x, self.lim, b)
        if hi_t is not None and near_limit(ctx, hi_t, self.lim):
            hpos = np.flatnonzero(sure | maybe) if st["any_maybe"] else np.flatnonzero(sure)
            hi_t = settled_to(hi_t, ctx.exact_sum(hpos) + c_hi_x + blind_v, self.lim, b)
        allowed = cap_cents(b, self.lim)
        share = lo_t / b
        if lo_t > allowed:
            rows_idx = np.flatnonzero(sure)
            amount = lo_t - allowed
            msg = (f"{pct(share, self.lim_f)} de l'actif de placement ({fr_euros(lo_t)}) pour un plafond de "
                   f"{fr_pct(self.lim_f)} : céder {fr_euros(amount)} et les replacer hors de ce poste")
            f = self.finding(ctx, BREACH, self.spec.title, rows_idx, msg, value=share, limit=self.lim_f,
                             amount=amount, action="sell", euros=lo_t)
            return RuleResult(self.spec, BREACH, [f], share, self.lim_f, allowed - lo_t, lo_t)
        if hi_t is not None and hi_t <= allowed:
            return RuleResult(self.spec, OK, [], hi_t / b if hi_t != lo_t else share, self.lim_f, allowed - hi_t, hi_t)
        findings = []
        unsure = np.flatnonzero(maybe)
        if len(unsure) or len(c_maybe):
            pos = np.concatenate([unsure, c_maybe]).astype(np.int64)
            cols = sorted({ctx.colname(c) for c in self._columns()})
            top = "" if hi_t is None else f" (jusqu'à {pct(hi_t / b)})"
            findings.append(self.finding(
                ctx, UNKNOWN_S, self.spec.title, pos,
                f"à vérifier : {pct(share)} de l'actif de placement au moins{top} pour un plafond de "
                f"{fr_pct(self.lim_f)} ; renseigner " + ", ".join(f"« {c} »" for c in cols) +
                " des lignes dont la classification manque", value=share, limit=self.lim_f,
                euros=int(v[pos].sum()), columns=cols))
        if len(blind_pos):
            findings.append(self.blind_finding(ctx, blind_pos.tolist(),
                                               f"avec tout le fonds dans ce poste, {pct((hi + c_hi if c_hi is not None else hi) / b + float(v[blind_pos].sum()) / b)} pour un plafond de {fr_pct(self.lim_f)}"))
        if not findings:  # pragma: no cover - an open bound has a cause
            findings.append(self.finding(ctx, UNKNOWN_S, self.spec.title, None, "à vérifier"))
        return RuleResult(self.spec, UNKNOWN_S, findings, share, self.lim_f, None, lo_t)

    def _columns(self) -> list:
        cols = set()
        for cl in self.p["numerator"]:
            if cl.get("equity"):
                cols |= {"legal_form", "listing"}
            if cl.get("oecd_only") or cl.get("tenth"):
                cols.add("listing")
            if "issuer_kinds" in cl:
                cols.add("issuer_kind")
        if self.p.get("contracts"):
            cols |= {"underlying", "underlying_kind", "exposure"}
        return sorted(cols) or ["nature"]

    def linear_form(self, ctx: Ctx):
        """Optimizer: one row Σ x (items of the view in the numerator, those of unknown class too: the worst case)
        + the contracts' positive exposures (R. 139-47 al. 2: an exposure given, else the notional where the
        underlying's class is not known; × the share of each contract kept) ≤ limit · actif de placement.
        The columns are the items of `ctx` (lines and holdings seen through), x their values in euros."""
        if not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        clauses = self.p["numerator"]
        tri = numerator_tri(ctx, clauses)
        cols = np.flatnonzero(scope & (tri != FALSE))
        k_cols, k_coefs = [], []
        if self.p.get("contracts"):
            c, ctri = _contract_classes(ctx, scope, clauses)
            a = ctx.a
            for j, p in enumerate(c.tolist()):
                if ctri[j] < UNKNOWN:
                    continue
                e, n_ = a["exposure_x"][p], a["notional_x"][p]
                w = max(e, 0) if e is not None else (abs(n_) if n_ is not None else None)
                if w:  # neither given: the rule stays open and says what to fill
                    k_cols.append(p)
                    k_coefs.append(float(w) / 100)
        return ContractRows(self.id, "<=", np.zeros(len(cols), dtype=np.int64), cols, np.ones(len(cols)), self.lim,
                            ctx.P.copy(), np.zeros(1), [self.spec.title], limit=self.lim,
                            k_rows=np.zeros(len(k_cols), dtype=np.int64), k_cols=np.array(k_cols, dtype=np.int64),
                            k_coefs=np.array(k_coefs, dtype=float))


class ContractsParams(Common):
    limit: ShareText


@register
class Contracts(Kind):
    """R. 139-43: Σ over counterparties of |net exposure| within the limit; no netting without a counterparty."""

    kind = "r139_contracts"
    Params = ContractsParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        key = ("contracts", self.id)
        if key not in ctx.smemo:
            scope, blind = view_mask(ctx, self.p["view"])
            ctx.smemo[key] = (np.flatnonzero(scope & ctx.contract()), blind, bool(blind.any()))
        c, blind, any_blind = ctx.smemo[key]
        if not len(c) and not any_blind:
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        a = ctx.a
        # exposures and notionals in exact cents (a double cannot hold every cent of a large actif)
        ex = [a["exposure_x"][p] for p in c.tolist()]
        e = a["exposure"][c]
        cp = a["counterparty"][c]
        has_e = np.array([x is not None for x in ex], dtype=bool)
        has_cp = pd.notna(cp)
        lo = 0
        net: dict = {}
        for j in np.flatnonzero(has_e & has_cp).tolist():
            net[cp[j]] = net.get(cp[j], 0) + ex[j]
        net = {k: net[k] for k in sorted(net)}  # per counterparty, in the order of their names
        if net:
            lo += round_cents(sum(abs(x) for x in net.values()))
        ctx.memo["contracts_net"] = {"net": net, "contracts": c, "counterparty": cp, "exposure": e, "exact": ex,
                                     "missing": ~has_e}
        lo += round_cents(sum((abs(ex[j]) for j in np.flatnonzero(has_e & ~has_cp).tolist()), 0))
        bound = [a["notional_x"][c[j]] for j in np.flatnonzero(~has_e).tolist()]
        hi = None if any(x is None for x in bound) else lo + round_cents(sum((abs(x) for x in bound), 0))
        if b > 0:  # exposures are exact (rescaled ones × k): compared exactly, not by their cents
            lo_x = sum((abs(x) for x in net.values()), 0) + sum((abs(ex[j]) for j in np.flatnonzero(has_e & ~has_cp)
                                                                 .tolist()), 0)
            lo2 = settled_to(lo, Fraction(lo_x), self.lim, b)
            if hi is not None:
                hi = settled_to(hi, Fraction(lo_x) + sum((abs(x) for x in bound), 0), self.lim, b)
            lo = lo2
        missing = c[~has_e]
        if any_blind:
            hi = None  # no bound on the contracts of a fund seen without its holdings
        allowed = cap_cents(b, self.lim) if b > 0 else -1
        share = lo / b if b > 0 else None
        if b <= 0:
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        if lo > allowed:
            amount = lo - allowed
            msg = (f"expositions sur contrats financiers, compensées par contrepartie : {pct(share, self.lim_f)} de "
                   f"l'actif de placement ({fr_euros(lo)}) pour un plafond de {fr_pct(self.lim_f)} : réduire les "
                   f"expositions de {fr_euros(amount)}")
            f = self.finding(ctx, BREACH, self.spec.title, c, msg, value=share, limit=self.lim_f, amount=amount,
                             action="sell", euros=lo)
            return RuleResult(self.spec, BREACH, [f], share, self.lim_f, allowed - lo, lo)
        if hi is not None and hi <= allowed:
            return RuleResult(self.spec, OK, [], hi / b, self.lim_f, allowed - hi, hi)
        findings = []
        if len(missing):
            cols = [ctx.colname("exposure"), ctx.colname("notional")]
            findings.append(self.finding(ctx, UNKNOWN_S, self.spec.title, missing,
                                         "à vérifier : renseigner « exposition » (ou « notionnel ») des contrats",
                                         columns=cols, value=share, limit=self.lim_f))
        if blind.any():
            findings.append(self.blind_finding(ctx, np.flatnonzero(blind).tolist(),
                                               "ses contrats financiers ne peuvent être comptés"))
        return RuleResult(self.spec, UNKNOWN_S, findings, share, self.lim_f, None, lo)

    def linear_form(self, ctx: Ctx):
        """Optimizer: Σ over counterparties of |net exposure| (each contract's × the share of it kept), plus
        |exposure| of a contract without counterparty and |notional| of one without exposure (the checker's bound),
        each a group of its own ≤ limit · actif de placement: one `abs_sum` block, a row per group."""
        if not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        c = np.flatnonzero(scope & ctx.contract())
        if not len(c):
            return None
        a = ctx.a
        cp = a["counterparty"][c]
        group: dict = {}
        k_rows, k_cols, k_coefs, subjects = [], [], [], []
        for j, p in enumerate(c.tolist()):
            e, n_ = a["exposure_x"][p], a["notional_x"][p]
            if e is not None and pd.notna(cp[j]):
                if cp[j] not in group:
                    group[cp[j]] = len(subjects)
                    subjects.append(f"contrepartie {cp[j]}")
                r, w = group[cp[j]], float(e) / 100
            elif e is not None or n_ is not None:
                r, w = len(subjects), abs(float(e if e is not None else n_)) / 100
                subjects.append(ctx.label(p))
            else:
                continue  # neither: the rule stays open
            k_rows.append(r)
            k_cols.append(p)
            k_coefs.append(w)
        if not subjects:
            return None
        none = np.zeros(0, dtype=np.int64)
        return ContractRows(self.id, "<=", none, none, np.zeros(0), self.lim, ctx.P.copy(), np.zeros(len(subjects)),
                            subjects, limit=self.lim, abs_sum=True, k_rows=np.array(k_rows, dtype=np.int64),
                            k_cols=np.array(k_cols, dtype=np.int64), k_coefs=np.array(k_coefs, dtype=float))

    def figures(self, state, result=None, top: int = 20) -> Figures:
        """Per counterparty: the exposures of its contracts netted (`euros`, signed), |net| as a share of the actif
        de placement; contracts without counterparty (not netted) one by one; without exposure, `detail` says so."""
        ctx = state
        result = result if result is not None else self.evaluate(ctx)
        fig = Figures(self.id, "max", result.value, result.limit, result.headroom, result.figure, ctx.base)
        t = ctx.memo.get("contracts_net")
        b = ctx.base
        if t is None or b <= 0:
            return fig
        c, cp, e, ex = t["contracts"], t["counterparty"], t["exposure"], t["exact"]
        out = []
        for name, net in t["net"].items():
            sel = np.flatnonzero((cp == name) & ~t["missing"])
            mine = c[sel]
            w = ctx.where(mine)
            v = round_cents(net)
            out.append(Group139(str(name), w["rows"], v, abs(v) / b, None, OK, via=w["via"],
                                detail={"contracts": len(mine),
                                        "gross": round_cents(sum((abs(ex[j]) for j in sel.tolist()), 0))}))
        for j in np.flatnonzero(pd.isna(cp) | t["missing"]).tolist():
            p = int(c[j])
            w = ctx.where([p])
            v = None if ex[j] is None else round_cents(ex[j])
            who = "sans contrepartie" if pd.isna(cp[j]) else f"contrepartie {cp[j]}"
            out.append(Group139(f"{ctx.label(p)} ({who})", w["rows"], v, None if v is None else abs(v) / b, None,
                                OK if v is not None else UNKNOWN_S, via=w["via"],
                                detail={"contracts": 1, "missing_exposure": v is None}))
        out.sort(key=lambda g: -(abs(g.euros) if g.euros is not None else float("inf")))
        fig.groups = out[:max(top, 50)]
        return fig


class CurrencyParams(Common):
    limit: ShareText
    strict: bool = True


@register
class Currency(Kind):
    """R. 139-44: every item realisable in euros, or an exchange exposure strictly under the limit."""

    kind = "r139_currency"
    Params = CurrencyParams

    def _structure(self, ctx: Ctx) -> dict:
        """The items held in a currency other than the euro (or not realisable in euros) and their currency, the
        contracts of the view and the currency of their exposure: texts only, made once per structure."""
        key = ("currency", self.id)
        if key in ctx.smemo:
            return ctx.smemo[key]
        scope, blind = view_mask(ctx, self.p["view"])
        a = ctx.a
        con = ctx.contract()
        # held in another currency, or in euros but not realisable in euros (from the codes: no text compared)
        other = np.flatnonzero(scope & ~con & (~ctx.eq("currency", "EUR") | (a["realisable_euro"] == FALSE)))
        cur = a["currency"][other]
        keys = np.where(cur == "EUR", "EUR (non réalisable en euros)", cur)
        sel = pd.notna(keys)  # a cell without currency names no exposure
        codes, names = pd.factorize(keys[sel])
        c = np.flatnonzero(scope & con)
        ecur = np.where(pd.notna(a["exposure_currency"][c]), a["exposure_currency"][c], a["currency"][c])
        # an exchange contract without the currency of its exposure may be exposed in any
        fx_unknown = (ctx.a["underlying_kind"][c] == "change") & ~ctx.known("exposure_currency")[c]
        out = ctx.smemo[key] = {
            "empty": not scope.any() and not blind.any(), "blind": blind, "any_blind": bool(blind.any()),
            "any_not_eur": bool(len(other)), "held": other[sel], "codes": codes, "names": list(names),
            "contracts": c, "ecur": ecur, "fx_unknown": fx_unknown, "idx_other": other}
        return out

    def verdict(self, ctx: Ctx) -> RuleResult:
        st = self._structure(ctx)
        if st["empty"]:
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        a = ctx.a
        blind = st["blind"]
        c, ecur, fx_unknown = st["contracts"], st["ecur"], st["fx_unknown"]
        ex = [a["exposure_x"][p] for p in c.tolist()]
        known_e = np.array([x is not None for x in ex], dtype=bool)
        # a contract whose exposure is not given may be exposed in its currency
        noeur_contract = ((ecur != "EUR") & np.array([x != 0 if x is not None else True for x in ex], dtype=bool)) \
            | fx_unknown
        blind_v = int(ctx.value[blind].sum()) if st["any_blind"] else 0
        if not st["any_not_eur"] and not noeur_contract.any() and not st["any_blind"]:
            return RuleResult(self.spec, OK, [], 0.0, self.lim_f, below_cents(b, self.lim) if b > 0 else None, 0,
                              note="actif réalisable en euros (R. 139-44 al. 1)")
        if b <= 0:
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        # per currency other than the euro: holdings + contract exposures, netted within it (RR 13), exact cents
        sums = group_sum(st["codes"], ctx.value[st["held"]], len(st["names"]))
        held_by = dict(zip(st["names"], (int(x) for x in sums)))
        con_by: dict = {}
        ce = (ecur != "EUR") & pd.notna(ecur)
        for j in np.flatnonzero(ce & known_e).tolist():
            con_by[ecur[j]] = con_by.get(ecur[j], 0) + ex[j]
        unbounded = []
        extra_hi = 0
        for j in np.flatnonzero(((ecur != "EUR") & ~known_e) | fx_unknown).tolist():
            n_ = a["notional_x"][c[j]]
            if n_ is None:
                unbounded.append(c[j])
            else:
                extra_hi += abs(n_)
        per = {k: held_by.get(k, 0) + con_by.get(k, 0) for k in sorted(set(held_by) | set(con_by))}
        ctx.memo["currency_exposure"] = {"held": {k: held_by[k] for k in sorted(held_by)}, "per": per,
                                         "contracts": {k: con_by[k] for k in sorted(con_by)} if con_by else None}
        lo = round_cents(sum((abs(x) for x in per.values()), 0))
        if near_limit(ctx, lo, self.lim):  # rescaled holdings rounded to the cent: the exact sums decide
            held_pos = {name: st["held"][st["codes"] == i] for i, name in enumerate(st["names"])}
            E = sum((abs((ctx.exact_sum(held_pos[k]) if k in held_pos else 0) + Fraction(con_by.get(k, 0)))
                     for k in per), Fraction(0))
            lo = settled_to(lo, E, self.lim, b, strict=True)
        hi = None if unbounded else lo + round_cents(extra_hi) + blind_v
        allowed = below_cents(b, self.lim)  # « inférieure à » : strictly below
        share = lo / b
        detail = ", ".join(f"{k} {fr_euros(int(round(x)))}" for k, x in per.items() if round(x) != 0)
        if lo > allowed:
            amount = lo - allowed
            msg = (f"exposition de change {pct(share, self.lim_f)} de l'actif de placement ({fr_euros(lo)} : {detail}) "
                   f"pour une limite strictement inférieure à {fr_pct(self.lim_f)} : réduire l'exposition de "
                   f"{fr_euros(amount)} (couvertures compensées dans une même devise seulement)")
            idx = np.concatenate([st["idx_other"], c[ecur != "EUR"]])
            f = self.finding(ctx, BREACH, self.spec.title, idx, msg, value=share, limit=self.lim_f, amount=amount,
                             action="sell", euros=lo)
            return RuleResult(self.spec, BREACH, [f], share, self.lim_f, allowed - lo, lo)
        if hi is not None and hi <= allowed:
            return RuleResult(self.spec, OK, [], hi / b, self.lim_f, allowed - hi, hi,
                              note="dérogation de l'alinéa 2 : exposition de change " + pct(hi / b))
        findings = []
        if unbounded or extra_hi:
            pos = c[((ecur != "EUR") & ~known_e) | fx_unknown]
            findings.append(self.finding(ctx, UNKNOWN_S, self.spec.title, pos,
                                         "à vérifier : renseigner « exposition » et « devise_exposition » des "
                                         "contrats en devise ou de change",
                                         columns=[ctx.colname("exposure"), ctx.colname("exposure_currency")],
                                         value=share, limit=self.lim_f))
        if blind.any():
            findings.append(self.blind_finding(ctx, np.flatnonzero(blind).tolist(),
                                               f"avec tout le fonds en devise, exposition de change de "
                                               f"{pct((lo + blind_v) / b)}"))
        return RuleResult(self.spec, UNKNOWN_S, findings, share, self.lim_f, None, lo)

    def figures(self, state, result=None, top: int = 20) -> Figures:
        """Per currency other than the euro: the value held in it, the contracts' exposures in it, the net exchange
        exposure (hedges netted within the currency, RR 13) and |net| as a share of the actif de placement."""
        ctx = state
        result = result if result is not None else self.evaluate(ctx)
        fig = Figures(self.id, "max", result.value, result.limit, result.headroom, result.figure, ctx.base)
        t = ctx.memo.get("currency_exposure")
        b = ctx.base
        if t is None or b <= 0:
            return fig
        held, con = t["held"], t["contracts"]
        out = []
        for cur, net in t["per"].items():
            h = round_cents(held.get(cur, 0))
            k = round_cents(con.get(cur, 0)) if con is not None else 0
            v = round_cents(net)
            out.append(Group139(str(cur), [], v, abs(v) / b, None, OK, detail={"held": h, "contracts": k}))
        out.sort(key=lambda g: -abs(g.euros))
        fig.groups = out[:max(top, 50)]
        return fig

    def linear_form(self, ctx: Ctx):
        """Optimizer: Σ over currencies other than the euro of |holdings in c + contract exposures in c| (each
        contract's × the share of it kept; hedges netted within a currency, RR 13) < limit · actif de placement
        (one cent under: « inférieure à »): one `abs_sum` block, a row per currency. A contract in a currency
        without its exposure (or an exchange contract without the currency of its exposure) is a group of its own,
        |notional| × its share kept."""
        if not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        a = ctx.a
        con = ctx.contract()
        held = np.flatnonzero(scope & ~con)
        cur = a["currency"][held]
        keys = np.where((cur == "EUR") & (a["realisable_euro"][held] == FALSE), "EUR (non réalisable en euros)", cur)
        keys = np.where(pd.isna(cur), "(devise non renseignée)", keys).astype(str)
        sel = keys != "EUR"
        held, keys = held[sel], keys[sel]
        c = np.flatnonzero(scope & con)
        e = a["exposure"][c]
        ecur = np.where(pd.notna(a["exposure_currency"][c]), a["exposure_currency"][c], a["currency"][c]).astype(str)
        fx_unknown = (a["underlying_kind"][c] == "change") & ~ctx.known("exposure_currency")[c]
        known_e = ~np.isnan(e)
        signed = known_e & (ecur != "EUR") & ~fx_unknown
        unsigned = ((~known_e & (ecur != "EUR")) | fx_unknown) & ~np.isnan(a["notional"][c])
        names = sorted(set(keys.tolist()) | set(ecur[signed].tolist()))
        if not names and not unsigned.any():
            return None
        code = {k: j for j, k in enumerate(names)}
        kc = np.array([code[k] for k in keys.tolist()], dtype=np.int64)
        subjects = [f"exposition en {k}" for k in names] + [ctx.label(p) for p in c[unsigned].tolist()]
        k_rows = np.concatenate([np.array([code[k] for k in ecur[signed].tolist()], dtype=np.int64),
                                 len(names) + np.arange(int(unsigned.sum()), dtype=np.int64)])
        k_cols = np.concatenate([c[signed], c[unsigned]]).astype(np.int64)
        k_coefs = np.concatenate([e[signed] / 100, np.abs(a["notional"][c][unsigned]) / 100])
        const = np.zeros(len(subjects))
        const[0] = -0.01
        return ContractRows(self.id, "<=", kc, held, np.ones(len(held)), self.lim, ctx.P.copy(), const, subjects,
                            limit=self.lim, abs_sum=True, k_rows=k_rows, k_cols=k_cols, k_coefs=k_coefs)
