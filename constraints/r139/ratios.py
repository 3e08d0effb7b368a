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

from constraints.kind import LinearBlock

from .base import Common, Nature, Strict
from typing import Literal
from constraints.schema import ShareText

from .base import BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, Figures, Group139, Kind, RuleResult, register
from reserves.portfolio.fmt import fr_euros, fr_pct
from .lines import view_mask
from .model import FUNDS, SECURITIES, Ctx, below_cents, cap_cents

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
    if "via_kind" not in ctx.memo:
        ctx.memo["via_kind"] = np.where(ctx.holding, ctx.via_nature, "direct")
    return ctx.memo["via_kind"]


def through(ctx: Ctx, vias) -> np.ndarray:
    """Items held directly (`direct`) or through a fund of one of the natures `vias`."""
    key = ("through", tuple(vias))
    if key not in ctx.memo:
        m = ctx.direct.copy() if "direct" in vias else np.zeros(ctx.n, dtype=bool)
        funds = tuple(v for v in vias if v != "direct")
        if funds:
            m |= ctx.holding & ctx.isin_via(funds)
        ctx.memo[key] = m
    return ctx.memo[key]


def clause_tri(ctx: Ctx, clause: dict) -> np.ndarray:
    """Tri-state of each item for one clause of a numerator (TRUE in, UNKNOWN maybe, FALSE out)."""
    key = ("clause", repr(sorted(clause.items(), key=str)))
    if key in ctx.memo:
        return ctx.memo[key]
    tri = np.full(ctx.n, TRUE, dtype=np.int8)
    if "natures" in clause:
        tri = np.minimum(tri, np.where(ctx.nat(clause["natures"]), TRUE, FALSE))
    if clause.get("non_euro"):
        non_euro = ~ctx.eq("currency", "EUR") | (ctx.a["realisable_euro"] == FALSE)
        tri = np.minimum(tri, np.where(non_euro & ~ctx.contract(), TRUE, FALSE))
    if clause.get("equity"):
        tri = np.minimum(tri, ctx.equity_tri())
    if "via" in clause:
        tri = np.minimum(tri, np.where(through(ctx, clause["via"]), TRUE, FALSE))
    if clause.get("oecd_only"):
        li = ctx.doc["listing"]
        t = np.where(ctx.known("listing"), FALSE, UNKNOWN).astype(np.int8)
        t[ctx.eq("listing", "ocde")] = TRUE
        tcn = ctx.nat(["tcn"])
        none = ctx.eq("listing", "aucune")
        unlisted = ~ctx.known("listing") | none
        if tcn.any():
            ii = ctx.assimilated_tri("assimilated_ii")
            iii = ctx.assimilated_tri("assimilated_iii")
            # an unlisted TCN assimilated by III but not by II is OECD-only; assimilated by II it is not
            t = np.where(tcn & unlisted & (ii == TRUE), FALSE, t)
            t = np.where(tcn & none & (ii != TRUE), np.minimum(iii, 2 - ii), t)
        t[ctx.isin("listing", tuple(li["eea"]))] = FALSE
        tri = np.minimum(tri, np.where(ctx.nat(SECURITIES), t, FALSE))
    if clause.get("tenth"):
        through_fm = ctx.via_is(("fonds_mutualise",))
        listed = ctx.listed_tri()
        t = np.where(ctx.nat(_TENTH), TRUE, FALSE).astype(np.int8)
        t = np.where(ctx.nat(SECURITIES), 2 - listed, t)
        tri = np.minimum(tri, np.where(through_fm, t, FALSE))
    if "issuer_kinds" in clause:
        t = np.where(ctx.known("issuer_kind"), FALSE, UNKNOWN).astype(np.int8)
        t[ctx.isin("issuer_kind", tuple(clause["issuer_kinds"]))] = TRUE
        tri = np.minimum(tri, t)
    tri = tri.astype(np.int8)
    ctx.memo[key] = tri
    return tri


def numerator_tri(ctx: Ctx, clauses: list) -> np.ndarray:
    return np.maximum.reduce([clause_tri(ctx, c) for c in clauses]).astype(np.int8)


def contract_terms(ctx: Ctx, scope: np.ndarray, clauses: list):
    """Positive contract exposures of `scope` counted in the numerator: (lower cents, upper cents or None for no
    bound, positions of the contracts that may count)."""
    c = np.flatnonzero(scope & ctx.contract())
    if not len(c):
        return 0, 0, c
    a = ctx.a
    e = a["exposure"][c]
    notional = a["notional"][c]
    lo_e = np.where(np.isnan(e), 0, np.maximum(e, 0))
    hi_e = np.where(np.isnan(e), np.abs(notional), np.maximum(e, 0))
    # the clause of each contract's underlying: a held item with its ISIN, else the kind of underlying
    base_items = np.flatnonzero(scope & ~ctx.contract() & ctx.known("isin"))
    first = {}
    for p in base_items.tolist():
        first.setdefault(a["isin"][p], p)
    tri_items = numerator_tri(ctx, clauses)
    equity_clause = any(cl.get("equity") or "action" in cl.get("natures", ()) for cl in clauses)
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
            tri[j] = TRUE if (a["underlying_kind"][p] == "action" and equity_clause and via_ok[j]) else FALSE
    lo = int(np.rint(lo_e[tri == TRUE].sum()))
    maybe = hi_e[tri >= UNKNOWN]
    hi = None if np.isnan(maybe).any() else int(np.rint(maybe.sum()))
    return lo, hi, c[tri >= UNKNOWN]


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

    def verdict(self, ctx: Ctx) -> RuleResult:
        scope, blind = view_mask(ctx, self.p["view"])
        clauses = self.p["numerator"]
        if not scope.any() and not blind.any():
            return RuleResult(self.spec, NA, [], limit=self.lim_f, note="aucune ligne dans l'actif de placement")
        b = ctx.base
        if b <= 0:
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        tri = numerator_tri(ctx, clauses)
        v = ctx.value
        sure = scope & (tri == TRUE)
        maybe = scope & (tri == UNKNOWN)
        lo = int(v[sure].sum())
        hi = lo + int(v[maybe].sum())
        c_lo = c_hi = 0
        c_maybe = np.zeros(0, dtype=np.int64)
        if self.p.get("contracts"):
            c_lo, c_hi, c_maybe = contract_terms(ctx, scope, clauses)
        blind_pos = np.flatnonzero(blind)
        if len(blind_pos) and any("via" in cl for cl in clauses):  # a fund the clause cannot reach adds nothing
            vk = ctx.nature[blind_pos].astype(str)
            reach = np.zeros(len(blind_pos), dtype=bool)
            for cl in clauses:
                reach |= np.isin(vk, cl["via"]) if "via" in cl else True
            blind_pos = blind_pos[reach]
        if len(blind_pos) and all(cl.get("tenth") for cl in clauses):
            blind_pos = blind_pos[ctx.nature[blind_pos] == "fonds_mutualise"]
        lo_t = lo + c_lo
        hi_t = None if c_hi is None else hi + c_hi + int(v[blind_pos].sum())
        allowed = cap_cents(b, self.lim)
        share = lo_t / b
        rows_idx = np.flatnonzero(sure)
        if lo_t > allowed:
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
        + the contracts' positive exposures (a constant: contracts are not traded) ≤ limit · actif de placement.
        The columns are the items of `ctx` (lines and holdings seen through), x their values in euros."""
        if not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        clauses = self.p["numerator"]
        tri = numerator_tri(ctx, clauses)
        cols = np.flatnonzero(scope & (tri != FALSE))
        extra = 0
        if self.p.get("contracts"):
            c_lo, c_hi, _ = contract_terms(ctx, scope, clauses)
            extra = c_lo if c_hi is None else c_hi
        return LinearBlock(self.id, "<=", np.zeros(len(cols), dtype=np.int64), cols, np.ones(len(cols)), self.lim,
                           ctx.P.copy(), np.array([-extra / 100]), [self.spec.title], limit=self.lim)


class ContractsParams(Common):
    limit: ShareText


@register
class Contracts(Kind):
    """R. 139-43: Σ over counterparties of |net exposure| within the limit; no netting without a counterparty."""

    kind = "r139_contracts"
    Params = ContractsParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        scope, blind = view_mask(ctx, self.p["view"])
        c = np.flatnonzero(scope & ctx.contract())
        if not len(c) and not blind.any():
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        a = ctx.a
        e = a["exposure"][c]
        notional = a["notional"][c]
        cp = a["counterparty"][c]
        has_e = ~np.isnan(e)
        has_cp = pd.notna(cp)
        lo = 0
        nettable = has_e & has_cp
        s = pd.Series(dtype=float)
        if nettable.any():
            s = pd.Series(e[nettable]).groupby(cp[nettable]).sum()
            lo += int(np.rint(np.abs(s.to_numpy()).sum()))
        ctx.memo["contracts_net"] = {"net": s, "contracts": c, "counterparty": cp, "exposure": e, "missing": ~has_e}
        lo += int(np.rint(np.abs(e[has_e & ~has_cp]).sum()))
        bound = np.abs(notional[~has_e])
        hi = None if np.isnan(bound).any() else lo + int(np.rint(bound.sum()))
        missing = c[~has_e]
        if blind.any():
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
        """Optimizer: the exposures netted per counterparty, a constant (contracts are not traded): a row without
        columns, 0 ≤ limit · actif de placement − Σ |net| (|notionnel| where the exposure is not given)."""
        if not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        c = np.flatnonzero(scope & ctx.contract())
        if not len(c):
            return None
        a = ctx.a
        e, notional, cp = a["exposure"][c], a["notional"][c], a["counterparty"][c]
        has_e, has_cp = ~np.isnan(e), pd.notna(cp)
        total = 0.0
        if (has_e & has_cp).any():
            total += float(np.abs(pd.Series(e[has_e & has_cp]).groupby(cp[has_e & has_cp]).sum().to_numpy()).sum())
        total += float(np.abs(e[has_e & ~has_cp]).sum()) + float(np.nansum(np.abs(notional[~has_e])))
        none = np.zeros(0, dtype=np.int64)
        return LinearBlock(self.id, "<=", none, none, np.zeros(0), self.lim, ctx.P.copy(), np.array([-total / 100]),
                           [self.spec.title], limit=self.lim)


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
        c, cp, e = t["contracts"], t["counterparty"], t["exposure"]
        out = []
        for name, net in t["net"].items():
            mine = c[(cp == name) & ~np.isnan(e)]
            w = ctx.where(mine)
            v = int(np.rint(net))
            out.append(Group139(str(name), w["rows"], v, abs(v) / b, None, OK, via=w["via"],
                                detail={"contracts": len(mine), "gross": int(np.rint(np.abs(e[(cp == name) & ~np.isnan(e)]).sum()))}))
        for j in np.flatnonzero(pd.isna(cp) | t["missing"]).tolist():
            p = int(c[j])
            w = ctx.where([p])
            v = None if np.isnan(e[j]) else int(np.rint(e[j]))
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

    def verdict(self, ctx: Ctx) -> RuleResult:
        scope, blind = view_mask(ctx, self.p["view"])
        if not scope.any() and not blind.any():
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        b = ctx.base
        a = ctx.a
        con = ctx.contract()
        held = np.flatnonzero(scope & ~con)
        cur = a["currency"][held]
        not_eur = ~ctx.eq("currency", "EUR")[held] | (a["realisable_euro"][held] == FALSE)
        c = np.flatnonzero(scope & con)
        e = a["exposure"][c]
        ecur = np.where(pd.notna(a["exposure_currency"][c]), a["exposure_currency"][c], a["currency"][c])
        # a contract whose exposure is not given may be exposed in its currency; an exchange contract without the
        # currency of its exposure may be exposed in any
        fx_unknown = (ctx.a["underlying_kind"][c] == "change") & ~ctx.known("exposure_currency")[c]
        noeur_contract = ((ecur != "EUR") & ~(e == 0)) | fx_unknown
        blind_v = int(ctx.value[blind].sum())
        if not not_eur.any() and not noeur_contract.any() and not blind.any():
            return RuleResult(self.spec, OK, [], 0.0, self.lim_f, below_cents(b, self.lim) if b > 0 else None, 0,
                              note="actif réalisable en euros (R. 139-44 al. 1)")
        if b <= 0:
            f = self.finding(ctx, UNKNOWN_S, "base", None, "actif de placement nul ou négatif : pourcentage indéterminé")
            return RuleResult(self.spec, UNKNOWN_S, [f], limit=self.lim_f)
        # per currency other than the euro: holdings + contract exposures, netted within it (RR 13)
        keys = np.where((cur == "EUR") & (a["realisable_euro"][held] == FALSE), "EUR (non réalisable en euros)", cur)
        sel = keys != "EUR"
        parts = [pd.Series(ctx.value[held][sel].astype(float), index=keys[sel])]
        unbounded = []
        extra_hi = 0.0
        ce = ecur != "EUR"
        known_e = ~np.isnan(e)
        if (ce & known_e).any():
            parts.append(pd.Series(e[ce & known_e], index=ecur[ce & known_e]))
        for j in np.flatnonzero((ce & ~known_e) | fx_unknown).tolist():
            n_ = a["notional"][c[j]]
            if np.isnan(n_):
                unbounded.append(c[j])
            else:
                extra_hi += abs(n_)
        per = pd.concat(parts).groupby(level=0).sum() if parts else pd.Series(dtype=float)
        ctx.memo["currency_exposure"] = {"held": parts[0].groupby(level=0).sum(), "per": per,
                                         "contracts": parts[1].groupby(level=0).sum() if len(parts) > 1 else None}
        lo = int(np.rint(np.abs(per.to_numpy()).sum()))
        hi = None if unbounded else lo + int(np.rint(extra_hi)) + blind_v
        allowed = below_cents(b, self.lim)  # « inférieure à » : strictly below
        share = lo / b
        detail = ", ".join(f"{k} {fr_euros(int(round(x)))}" for k, x in per.items() if round(x) != 0)
        if lo > allowed:
            amount = lo - allowed
            msg = (f"exposition de change {pct(share, self.lim_f)} de l'actif de placement ({fr_euros(lo)} : {detail}) "
                   f"pour une limite strictement inférieure à {fr_pct(self.lim_f)} : réduire l'exposition de "
                   f"{fr_euros(amount)} (couvertures compensées dans une même devise seulement)")
            idx = np.concatenate([held[sel], c[ce]])
            f = self.finding(ctx, BREACH, self.spec.title, idx, msg, value=share, limit=self.lim_f, amount=amount,
                             action="sell", euros=lo)
            return RuleResult(self.spec, BREACH, [f], share, self.lim_f, allowed - lo, lo)
        if hi is not None and hi <= allowed:
            return RuleResult(self.spec, OK, [], hi / b, self.lim_f, allowed - hi, hi,
                              note="dérogation de l'alinéa 2 : exposition de change " + pct(hi / b))
        findings = []
        if unbounded or extra_hi:
            pos = c[(ce & ~known_e) | fx_unknown]
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
            h = int(np.rint(held.get(cur, 0.0)))
            k = int(np.rint(con.get(cur, 0.0))) if con is not None else 0
            v = int(np.rint(net))
            out.append(Group139(str(cur), [], v, abs(v) / b, None, OK, detail={"held": h, "contracts": k}))
        out.sort(key=lambda g: -abs(g.euros))
        fig.groups = out[:max(top, 50)]
        return fig

    def linear_form(self, ctx: Ctx):
        """Optimizer: Σ over currencies other than the euro of s_c · (holdings in c + contract exposures in c)
        ≤ limit · actif de placement − one cent (« inférieure à »), with s_c the sign of that sum now; and a second
        block keeping each sum on its side of zero, so that the row is the exposure itself (hedges netted within
        a currency, RR 13). Contracts are not traded: their exposures are constants."""
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
        const: dict = {}
        for k, x in zip(ecur[known_e & (ecur != "EUR") & ~fx_unknown], e[known_e & (ecur != "EUR") & ~fx_unknown]):
            const[k] = const.get(k, 0.0) + float(x)
        unsigned = float(np.nansum(np.abs(a["notional"][c][(~known_e & (ecur != "EUR")) | fx_unknown])))
        names = sorted(set(keys.tolist()) | set(const))
        if not names and not unsigned:
            return None
        code = {k: j for j, k in enumerate(names)}
        kc = np.array([code[k] for k in keys.tolist()], dtype=np.int64)
        now = np.bincount(kc, weights=ctx.value[held].astype(float), minlength=len(names)) / 100
        now += np.array([const.get(k, 0.0) / 100 for k in names])
        sign = np.where(now >= 0, 1.0, -1.0)
        fixed = float(sum(sign[code[k]] * const[k] / 100 for k in const))
        main = LinearBlock(self.id, "<=", np.zeros(len(held), dtype=np.int64), held, sign[kc], self.lim, ctx.P.copy(),
                           np.array([-fixed - unsigned / 100 - 0.01]), [self.spec.title], limit=self.lim)
        if not const:  # holdings alone: each sum is a sum of values, already on its side of zero
            return main
        sides = LinearBlock(self.id, ">=", kc, held, sign[kc], Fraction(0), None,
                            np.array([-sign[code[k]] * const.get(k, 0.0) / 100 for k in names]),
                            [f"exposition en {k}" for k in names])
        return [main, sides]
