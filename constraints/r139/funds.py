"""Rules on fund units (R. 139-14 5° and 7°, R. 139-16 2° and 5°, R. 139-17, R. 139-42).

- `r139_lookthrough`: each fund to be looked through has a usable inventory (RR 3, 4);
- `r139_fund_share`: a fund's share of some holdings, declared (`eligible_share`,
  `potential_excess`) or, failing that, computed from its inventory;
- `r139_fund_holdings`: a dedicated fund holds only the categories allowed.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .base import Common, Condition, Nature
from typing import Literal
from constraints.schema import ShareText

from .base import BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, Kind, RuleResult, register, worst
from reserves.portfolio.fmt import fr_euros, fr_pct
from .lines import line_findings, status_from_result
from .model import FUNDS, SECURITIES, Ctx, frac

_STATE_FR = {"none": "aucun inventaire", "late": "inventaire trop ancien", "future": "inventaire postérieur à la date",
             "undated": "inventaire sans date de valorisation"}


def holdings_of(ctx: Ctx) -> dict:
    """Fund line position → positions of its holdings (all of them, used or not)."""
    if "holdings_of" not in ctx.smemo:
        h = np.flatnonzero(ctx.holding & (ctx.line_pos >= 0))
        order = np.argsort(ctx.line_pos[h], kind="stable")
        h = h[order]
        keys = ctx.line_pos[h]
        out = {}
        if len(h):
            cut = np.flatnonzero(np.diff(keys)) + 1
            for part in np.split(h, cut):
                out[int(ctx.line_pos[part[0]])] = part
        ctx.smemo["holdings_of"] = out
    return ctx.smemo["holdings_of"]


def fund_lines(ctx: Ctx, natures) -> np.ndarray:
    """Positions of the fund units of `natures` in the actif de placement (once per structure)."""
    key = ("fund_lines", tuple(natures))
    if key not in ctx.smemo:
        ctx.smemo[key] = np.flatnonzero(ctx.U & ctx.nat(natures))
    return ctx.smemo[key]


class LookThroughParams(Common):
    pass


@register
class LookThrough(Kind):
    """R. 139-17: every UCITS, fonds mutualisé and dedicated fund is seen through a recent inventory."""

    kind = "r139_lookthrough"
    Params = LookThroughParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        states = ctx.inventory_state
        if not states:
            return RuleResult(self.spec, NA, [])
        findings = []
        age = ctx.doc["lookthrough"]["max_age_days"]
        key = ("lookthrough", "funds")
        if key not in ctx.smemo:  # the fund lines, and those without a usable inventory, in order
            ctx.smemo[key] = (np.array(sorted(states), dtype=np.int64),
                              [(pos, st) for pos, st in sorted(states.items()) if st != "ok"])
        positions, missing = ctx.smemo[key]
        for pos, st in missing:
            v = int(ctx.value[pos])
            msg = (f"à vérifier : {_STATE_FR[st]} pour le fonds « {ctx.label(pos)} » ({fr_euros(v)}) : les règles de "
                   f"l'actif vu par transparence ne concluent que si leur verdict tient avec tout le fonds au pire "
                   f"endroit ; fournir un inventaire daté de {age} jours au plus (feuille « Transparence » ou "
                   f"--transparence FICHIER)")
            f = self.finding(ctx, UNKNOWN_S, ctx.label(pos), [pos], msg, euros=v)
            f.via = ctx.label(pos)
            findings.append(f)
        return RuleResult(self.spec, UNKNOWN_S if findings else OK, findings,
                          figure=int(ctx.value[positions].sum()))


def _eligible_tri(ctx: Ctx, mode: str) -> np.ndarray:
    """Holdings counting toward a fund's eligible share: securities of R. 139-18 1°–6° meeting R. 139-19 I
    (`listing_i`) or any of its conditions (`any_listing`)."""
    sec = ctx.nat(SECURITIES)
    listed = ctx.listed_tri(assimilated=(mode == "any_listing"))
    return np.where(sec, listed, FALSE).astype(np.int8)


def _not_allowed_directly_tri(ctx: Ctx) -> np.ndarray:
    """Holdings the body could not take directly (R. 139-27 potential excesses seen in the inventory)."""
    bad = ctx.nat(["autre", "autre_fm", "certificat", "cession_temporaire", "emprunt", *FUNDS, "opci"])
    sec = ctx.nat(SECURITIES)
    listed = ctx.listed_tri()
    tri = np.where(bad, TRUE, FALSE).astype(np.int8)
    tri = np.where(sec, 2 - listed, tri).astype(np.int8)  # unlisted securities: TRUE; unknown listing: UNKNOWN
    return tri


def _padded(S: np.ndarray, n: int) -> np.ndarray:
    """Per-fund sums over at least `n` positions (zeros after the last fund with holdings)."""
    return S if len(S) >= n else np.concatenate([S, np.zeros(n - len(S), dtype=S.dtype)])


class FundShareParams(Common):
    funds: list[Nature]
    sense: Literal["min", "max"]
    limit: ShareText
    eligible: Literal["listing_i", "any_listing", "potential_excess"]


@register
class FundShare(Kind):
    """A share of each fund's holdings against a floor or a cap, fund by fund (RR 14)."""

    kind = "r139_fund_share"
    Params = FundShareParams

    def _plan(self, ctx: Ctx, funds: np.ndarray) -> dict:
        """What the verdict of each fund depends on besides amounts (once per structure): its declared share and
        whether it meets the limit, whether its inventory can contradict the declaration, and, for a fund without
        a declaration, whether it is to be computed from its inventory."""
        key = ("fund_share_plan", self.id)
        plan = ctx.smemo.get(key)
        if plan is not None:
            return plan
        mode = self.p["eligible"]
        declared_col = "potential_excess" if mode == "potential_excess" else "eligible_share"
        d = ctx.a[declared_col][funds]
        hold = holdings_of(ctx)
        lim, is_min = self.lim, self.p["sense"] == "min"
        declared = d == d
        shares = {int(f): frac(float(x)) for f, x in zip(funds[declared].tolist(), d[declared].tolist())}
        ok = np.array([(shares[f] >= lim if is_min else shares[f] <= lim) if f in shares else True
                       for f in funds.tolist()], dtype=bool)
        inv = np.array([hold.get(f) is not None and len(hold[f]) > 0 and bool(ctx.has_inventory[f])
                        for f in funds.tolist()], dtype=bool)
        blind = np.array([hold.get(f) is None or (not ctx.has_inventory[f] and mode != "potential_excess")
                          for f in funds.tolist()], dtype=bool)
        worst_declared = None
        if shares:
            worst_declared = (min if is_min else max)(float(x) for x in shares.values())
        plan = ctx.smemo[key] = {
            "declared": declared, "shares": shares, "breach": declared & ~ok, "contradict": declared & ok & inv,
            "blind": ~declared & blind, "computed": ~declared & ~blind, "worst_declared": worst_declared}
        return plan

    def verdict(self, ctx: Ctx) -> RuleResult:
        funds = fund_lines(ctx, self.p["funds"])
        if not len(funds):
            return RuleResult(self.spec, NA, [], limit=self.lim_f)
        mode = self.p["eligible"]
        declared_col = "potential_excess" if mode == "potential_excess" else "eligible_share"
        hold = holdings_of(ctx)
        lim = self.lim
        is_min = self.p["sense"] == "min"
        excess = mode == "potential_excess"
        findings = []
        key = ("fund_share", mode)
        if key not in ctx.smemo:
            tri = _not_allowed_directly_tri(ctx) if mode == "potential_excess" else _eligible_tri(ctx, mode)
            held = ctx.holding & (ctx.line_pos >= 0)
            ctx.smemo[key] = (tri, held, held & (tri == TRUE), held & (tri >= UNKNOWN))
        tri_all, m_all, m_true, m_maybe = ctx.smemo[key]
        plan = self._plan(ctx, funds)
        # per fund line: Σ of its holdings, of those that surely count, of those that may (exact cents)
        # (in the inventory's own cents: a share of a fund is exact and the same however it is rescaled)
        s_all = ctx.raw_by_fund(("fund", "all"), m_all)
        s_true = ctx.raw_by_fund(("fund", mode, "true"), m_true)
        s_maybe = None
        if plan["computed"].any() or (not excess and plan["contradict"].any()):
            s_maybe = ctx.raw_by_fund(("fund", mode, "maybe"), m_maybe)
        need = int(funds.max()) + 1  # (per-fund sums stop at the last fund line with holdings)
        s_all, s_true = _padded(s_all, need), _padded(s_true, need)
        if s_maybe is not None:
            s_maybe = _padded(s_maybe, need)
        # the funds that may have a finding, screened in whole-array operations with a margin (the exact
        # fractions below decide); the others have none
        tot = s_all[funds].astype(np.float64)
        lo_f = s_true[funds].astype(np.float64)
        hi_f = s_maybe[funds].astype(np.float64) if s_maybe is not None else None
        up, down = tot * (self.lim_f * (1 + 1e-9)), tot * (self.lim_f * (1 - 1e-9))
        contradicted, computed = plan["contradict"], plan["computed"]
        if excess:
            contradicted = contradicted & (tot > 0) & (lo_f > down)
        else:
            if contradicted.any():
                contradicted = contradicted & (tot > 0) & (hi_f < up)
            if computed.any():
                computed = computed & ((tot <= 0) | (lo_f < up) | (hi_f < up))  # (a short holding: hi < lo)
        todo = funds[plan["breach"] | contradicted | plan["blind"] | computed]
        worst_share = plan["worst_declared"]
        if not excess:
            calc = plan["computed"] & (tot > 0)
            if calc.any():
                lo_c, tot_c = s_true[funds][calc], s_all[funds][calc]
                if int(tot_c.max()) < 2 ** 53 and int(np.abs(lo_c).max()) < 2 ** 53:
                    ws = float((lo_c.astype(np.float64) / tot_c.astype(np.float64)).min())  # each correctly rounded
                else:
                    ws = min(float(Fraction(int(a), int(b))) for a, b in zip(lo_c.tolist(), tot_c.tolist()))
                worst_share = ws if worst_share is None else min(worst_share, ws)  # (these rules are floors)
        for f in todo.tolist():
            name = ctx.label(f)
            share = plan["shares"].get(f)
            if share is not None:  # declared
                ok = share >= lim if is_min else share <= lim
                if not ok:
                    findings.append(self._breach(ctx, f, share, declared=True))
                    continue
                # a declaration the fund's own usable inventory contradicts is not taken at its word
                idx = hold.get(f)
                if idx is not None and len(idx) and ctx.has_inventory[f]:
                    total = int(s_all[f])
                    if total > 0:
                        if excess:
                            actual = Fraction(int(s_true[f]), total)
                            if actual > lim:
                                tri = tri_all[idx]
                                findings.append(self._breach(ctx, f, actual, declared=False, idx=idx[tri == TRUE]))
                        else:
                            s_hi = Fraction(int(s_maybe[f]), total)
                            if s_hi < lim:
                                tri = tri_all[idx]
                                findings.append(self._breach(ctx, f, s_hi, declared=False, idx=idx[tri < TRUE]))
                continue
            idx = hold.get(f)
            # an inventory, even too old to be used, can still show actual positions beyond the limit
            if idx is None or (not ctx.has_inventory[f] and not excess):
                findings.append(self.finding(
                    ctx, UNKNOWN_S, name, [f],
                    f"à vérifier : renseigner « {ctx.colname(declared_col)} » pour le fonds « {name} » "
                    f"(ou fournir son inventaire)", euros=int(ctx.value[f]), columns=[ctx.colname(declared_col)]))
                continue
            total, lo, hi = int(s_all[f]), int(s_true[f]), int(s_maybe[f])
            if total <= 0:
                findings.append(self.finding(ctx, UNKNOWN_S, name, [f], f"inventaire du fonds « {name} » de valeur nulle"))
                continue
            if excess:
                # actual positions are at most the potential ones: beyond the limit already, a breach
                if Fraction(lo, total) > lim:
                    findings.append(self._breach(ctx, f, Fraction(lo, total), declared=False, idx=idx[tri_all[idx] == TRUE]))
                else:
                    findings.append(self.finding(
                        ctx, UNKNOWN_S, name, [f],
                        f"à vérifier : renseigner « {ctx.colname(declared_col)} » (dépassements potentiels autorisés "
                        f"par la documentation du fonds « {name} »)", euros=int(ctx.value[f]),
                        columns=[ctx.colname(declared_col)]))
                continue
            s_lo, s_hi = Fraction(lo, total), Fraction(hi, total)
            if s_hi < lim:
                findings.append(self._breach(ctx, f, s_hi, declared=False, idx=idx[tri_all[idx] < TRUE]))
            elif s_lo < lim:
                cols = [ctx.colname("listing")]
                findings.append(self.finding(ctx, UNKNOWN_S, name, np.concatenate([[f], idx[tri_all[idx] == UNKNOWN]]),
                                             f"à vérifier : renseigner « {cols[0]} » des titres du fonds « {name} » "
                                             f"({fr_pct(float(s_lo))} à {fr_pct(float(s_hi))} pour un plancher de "
                                             f"{fr_pct(self.lim_f)})", columns=cols, one_fund=True))
        findings.sort(key=lambda x: x.status != BREACH)
        st = worst(x.status for x in findings) if findings else OK
        return RuleResult(self.spec, st, findings, value=worst_share, limit=self.lim_f)

    def _breach(self, ctx: Ctx, f: int, share: Fraction, *, declared: bool, idx=None):
        name = ctx.label(f)
        v = int(ctx.value[f])
        floor = self.p["sense"] == "min"
        src = "déclaré" if declared else "d'après l'inventaire"
        msg = (f"fonds « {name} » : {fr_pct(float(share))} ({src}) pour un "
               f"{'plancher' if floor else 'plafond'} de {fr_pct(self.lim_f)} — parts à céder ({fr_euros(v)})")
        items = [f] if idx is None else np.concatenate([[f], idx])
        out = self.finding(ctx, BREACH, name, items, msg, value=float(share), limit=self.lim_f, amount=max(v, 0),
                           action="sell", euros=v, one_fund=True)
        out.via = name
        return out

    def line_status(self, ctx: Ctx):
        """Optimizer: the lines its breaches name are to be sold whole, those its open findings name not bought."""
        return status_from_result(ctx, self.judge(ctx)) if self.applies(ctx) else None


class FundHoldingsParams(Common):
    funds: list[Nature]
    allowed: list[Nature]
    conditions: list[Condition] = []


@register
class FundHoldings(Kind):
    """A dedicated fund holds only what its paragraph allows (R. 139-14 7°, R. 139-16 5°)."""

    kind = "r139_fund_holdings"
    Params = FundHoldingsParams

    def verdict(self, ctx: Ctx) -> RuleResult:
        funds = fund_lines(ctx, self.p["funds"])
        if not len(funds):
            return RuleResult(self.spec, NA, [])
        key = ("fund_holdings", self.id)
        if key not in ctx.smemo:  # each fund's holdings outside the categories allowed: texts only
            hold = holdings_of(ctx)
            allowed = ctx.nat(self.p["allowed"])
            scope = np.zeros(ctx.n, dtype=bool)
            per_fund = []
            for f in funds.tolist():
                idx = hold.get(f)
                if idx is None or not ctx.has_inventory[f]:
                    per_fund.append((f, None))
                    continue
                scope[idx] = True
                per_fund.append((f, idx[~allowed[idx]]))
            ctx.smemo[key] = (per_fund, scope)
        per_fund, scope = ctx.smemo[key]
        findings = []
        for f, bad in per_fund:
            if bad is None:
                findings.append(self.blind_finding(ctx, [f], "sa composition ne peut être contrôlée"))
                continue
            if len(bad):
                v = int(ctx.value[f])
                kinds = sorted({str(ctx.nature[i]) for i in bad})
                msg = (f"organisme dédié « {ctx.label(f)} » : actifs hors des catégories admises "
                       f"({', '.join(kinds)}, {fr_euros(int(ctx.value[bad].sum()))})")
                out = self.finding(ctx, BREACH, ctx.label(f), np.concatenate([[f], bad]), msg,
                                   amount=int(ctx.value[bad].sum()), action="sell", euros=v, one_fund=True)
                out.via = ctx.label(f)
                findings.append(out)
        if self.p.get("conditions"):
            more, _ = line_findings(self, ctx, self.p["conditions"], scope, key=self.id)
            findings += more
        findings.sort(key=lambda x: x.status != BREACH)
        st = worst(x.status for x in findings) if findings else OK
        return RuleResult(self.spec, st, findings)

    def line_status(self, ctx: Ctx):
        """Optimizer: the lines its breaches name are to be sold whole, those its open findings name not bought."""
        return status_from_result(ctx, self.judge(ctx)) if self.applies(ctx) else None
