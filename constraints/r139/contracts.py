"""Conditions of each financial contract (R. 139-37 to R. 139-40 2°): kind `r139_contract_lines`.

`check` says which: `hedge` (37 1°: linked to an investment held, or to be
held, of at least the notional; no commodity), `market` (37 al. 3: concluded
on an R. 139-19 I market; an OTC contract breaches, RR 12), `written_option`
(38: the exact underlying held), `r139_37` (39: a contract failing 37, to be
unwound within three months), `forward_covered` (40 2°: the cash or the
underlying held throughout). The body's contracts and its dedicated funds'
(view D), not those of UCITS or fonds mutualisés (RR 12).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from .base import Common, Nature
from typing import Literal

from .base import BREACH, NA, OK, UNKNOWN_S, FALSE, TRUE, UNKNOWN, ContractRows, Kind, RuleResult, register, worst
from reserves.portfolio.fmt import fr_euros
from .lines import blind_of, status_from_result, view_mask
from .model import Ctx, group_sum

_SAYS = {
    "hedge": "contrat non adossé à un placement détenu ou à détenir d'un montant au moins égal au notionnel (R. 139-37 1°)",
    "commodity": "contrat portant sur des marchandises (R. 139-37)",
    "not_hedge": "contrat déclaré sans couverture d'un placement (R. 139-37 3°)",
    "market": "contrat conclu hors des marchés de l'article R. 139-19 I (gré à gré) (R. 139-37 al. 3)",
    "written_option": "option vendue sans détention du sous-jacent exact (R. 139-38)",
    "forward_sale": "vente à terme sans détention du sous-jacent pendant toute l'opération (R. 139-40 2°)",
    "forward_buy": "achat à terme sans les liquidités nécessaires au dénouement (R. 139-40 2°)",
}


def _held_amounts(ctx: Ctx, scope: np.ndarray):
    """ISIN → Σ values held in the view; currency → Σ values held in it (contracts left out): exact cents, the
    groupings made once per structure."""
    key = ("held", id(scope))
    if key in ctx.memo:
        return ctx.memo[key]
    if key not in ctx.smemo:
        a = ctx.a
        base = np.flatnonzero(scope & ~ctx.contract())
        isin = a["isin"][base]
        k = pd.notna(isin)
        ic, iu = pd.factorize(isin[k])
        cur = a["currency"][base]
        c = pd.notna(cur)
        cc, cu = pd.factorize(cur[c])
        ctx.smemo[key] = (base[k], ic, list(iu), base[c], cc, list(cu), scope)  # the scope kept: its id stays its own
    pos_i, ic, iu, pos_c, cc, cu, _ = ctx.smemo[key]
    by_isin = dict(zip(iu, (int(x) for x in group_sum(ic, ctx.value[pos_i], len(iu)))))
    by_cur = dict(zip(cu, (int(x) for x in group_sum(cc, ctx.value[pos_c], len(cu)))))
    ctx.memo[key] = (by_isin, by_cur)
    return by_isin, by_cur


def _underlying_tri(ctx: Ctx, scope, p: int, *, exact: bool) -> tuple[int, list]:
    """Is the contract's underlying held for at least its notional? (tri-state, columns to fill)."""
    a = ctx.a
    by_isin, by_cur = _held_amounts(ctx, scope)
    u = a["underlying"][p]
    notional = a["notional_x"][p]
    need = abs(notional) if notional is not None else None
    amount = None
    if u is not None:
        uu = str(u).strip()
        if uu.upper() in by_isin or uu in by_isin:
            amount = by_isin.get(uu.upper(), by_isin.get(uu))
        elif a["underlying_kind"][p] == "change" and uu.upper() in by_cur:
            amount = by_cur[uu.upper()]
    if amount is not None:
        if need is None:
            return UNKNOWN, ["notional"]
        return (TRUE if amount >= need else FALSE), []
    held = a["underlying_held"][p]
    if held == "oui":
        return TRUE, []
    if held in ("a_detenir", "à_détenir", "a détenir"):
        return (FALSE if exact else TRUE), []
    if held == "non":
        return FALSE, []
    return UNKNOWN, ["underlying", "underlying_held"]


class ContractLinesParams(Common):
    check: Literal["hedge", "market", "written_option", "r139_37", "forward_covered"]
    commodities: list[str] = ["marchandise"]
    contract_types: list[Literal["future", "terme", "option_achetee", "option_vendue", "swap", "autre"]] | None = None
    liquidity: list[Nature] = ["depot", "monetaire"]


@register
class ContractLines(Kind):
    kind = "r139_contract_lines"
    Params = ContractLinesParams

    def _contracts(self, ctx: Ctx, scope) -> np.ndarray:
        key = ("rule_contracts", self.id)
        if key not in ctx.smemo:
            ctx.smemo[key] = self._contracts_of(ctx, scope)
        return ctx.smemo[key]

    def _contracts_of(self, ctx: Ctx, scope) -> np.ndarray:
        con = ctx.contract() & scope
        if "contract_types" in self.p:
            con &= ctx.isin("contract_type", tuple(self.p["contract_types"]))
        if self.p["check"] == "market":
            con &= ctx.nat(["contrat_financier"])  # an embedded contract is traded with its security
        return np.flatnonzero(con)

    def _one(self, ctx: Ctx, scope, p: int, check: str) -> tuple[int, list, list]:
        """(tri-state, failures, columns to fill) of one contract for one check."""
        a = ctx.a
        if check == "hedge":
            if a["underlying_kind"][p] in self.p.get("commodities", ["marchandise"]):
                return FALSE, [_SAYS["commodity"]], []
            if a["hedge"][p] == FALSE:
                return FALSE, [_SAYS["not_hedge"]], []
            t, cols = _underlying_tri(ctx, scope, p, exact=False)
            return t, [_SAYS["hedge"]] if t == FALSE else [], cols
        if check == "market":
            li = a["listing"][p]
            if li is None:
                return UNKNOWN, [], ["listing"]
            ok = li in ctx.doc["listing"]["admitted"]
            return (TRUE if ok else FALSE), [] if ok else [_SAYS["market"]], []
        if check == "written_option":
            t, cols = _underlying_tri(ctx, scope, p, exact=True)
            return t, [_SAYS["written_option"]] if t == FALSE else [], cols
        if check == "r139_37":
            out_t, out_f, out_c = TRUE, [], []
            for sub in ("hedge", "market"):
                if sub == "market" and ctx.nature[p] != "contrat_financier":
                    continue
                t, f, c = self._one(ctx, scope, p, sub)
                out_t = min(out_t, t)
                out_f += f
                out_c += c
            return out_t, out_f, out_c
        if check == "forward_covered":
            e = a["exposure"][p]
            sign = e if e == e else a["notional"][p]
            if sign != sign:
                return UNKNOWN, [], ["exposure"]
            if sign < 0:  # a sale: the underlying held
                t, cols = _underlying_tri(ctx, scope, p, exact=False)
                return t, [_SAYS["forward_sale"]] if t == FALSE else [], cols
            return TRUE, [], []  # purchases: judged together on the cash held (below)
        raise ValueError(check)

    def verdict(self, ctx: Ctx) -> RuleResult:
        scope, blind = view_mask(ctx, self.p["view"])
        check = self.p["check"]
        cons = self._contracts(ctx, scope)
        findings = []
        for p in cons.tolist():
            t, failed, cols = self._one(ctx, scope, p, check)
            if t == TRUE:
                continue
            v = int(ctx.value[p])
            if t == FALSE:
                msg = "; ".join(dict.fromkeys(failed))
                if check == "r139_37":
                    msg += " — à dénouer dans un délai de trois mois, communiqué sans délai au conseil et aux ministres"
                else:
                    msg += f" — contrat à dénouer ({fr_euros(v)})"
                findings.append(self.finding(ctx, BREACH, ctx.label(p), [p], msg, euros=v, amount=max(abs(v), 0),
                                             action="sell"))
            else:
                names = [ctx.colname(c) for c in dict.fromkeys(cols)]
                findings.append(self.finding(ctx, UNKNOWN_S, ctx.label(p), [p],
                                             "à vérifier : renseigner " + ", ".join(f"« {c} »" for c in names),
                                             euros=v, columns=names))
        if check == "forward_covered":
            findings += self._purchases(ctx, scope, cons)
        blind_pos = blind_of(ctx, self.p["view"])
        if len(blind_pos):
            findings.append(self.blind_finding(ctx, blind_pos.tolist(),
                                               "les contrats de l'organisme dédié ne peuvent être contrôlés"))
        if not len(cons) and not len(blind_pos):
            return RuleResult(self.spec, NA, [])
        findings.sort(key=lambda f: f.status != BREACH)
        st = worst(f.status for f in findings) if findings else OK
        return RuleResult(self.spec, st, findings)

    def _purchases(self, ctx: Ctx, scope, cons) -> list:
        """R. 139-40 2°: forward purchases need the cash to settle them, held throughout."""
        a = ctx.a
        ex, no = a["exposure_x"], a["notional_x"]
        buys = [p for p in cons.tolist()
                if (ex[p] if ex[p] is not None else no[p]) is not None and (ex[p] if ex[p] is not None else no[p]) > 0]
        if not buys:
            return []
        need = 0  # exact cents
        unknown = []
        for p in buys:
            need += abs(no[p]) if no[p] is not None else abs(ex[p])
        cash = int(ctx.value[scope & ctx.nat(self.p.get("liquidity", ["depot", "monetaire"]))].sum())
        if cash >= need:
            return []
        v = int(sum(int(ctx.value[p]) for p in buys))
        msg = (f"{_SAYS['forward_buy']} : {fr_euros(int(round(need)))} à régler pour {fr_euros(cash)} de dépôts et "
               f"d'OPC monétaires")
        del unknown
        return [self.finding(ctx, BREACH, self.spec.title, buys, msg, euros=v, amount=int(round(need)) - cash,
                             action="buy")]

    def line_status(self, ctx: Ctx):
        """Optimizer: the lines its breaches name are to be sold whole (a contract closed), those its open findings
        name not bought. The forward purchases of R. 139-40 2° are left to the rows of `linear_form` (reduced until
        the cash held settles them), not closed whole."""
        if not self.applies(ctx):
            return None
        result = self.judge(ctx)
        check = self.p["check"]
        if check == "forward_covered":
            result = RuleResult(result.spec, result.status, [f for f in result.findings
                                                             if not (f.status == BREACH and f.action == "buy")])
        applies, tri = status_from_result(ctx, result)
        if check in ("hedge", "forward_covered", "r139_37"):
            # a contract over the underlying it covers (an ISIN or currency held, its notional known) is reduced to
            # it by the rows of R. 139-37 1° and R. 139-40 2° (`linear_form`), not closed whole
            scope, _ = view_mask(ctx, self.p["view"])
            for p in np.flatnonzero(applies & (tri == FALSE)).tolist():
                if self._only_short_of_underlying(ctx, scope, p, check):
                    tri[p] = TRUE
        return applies, tri

    def _only_short_of_underlying(self, ctx: Ctx, scope, p: int, check: str) -> bool:
        """The contract fails only for holding less of its (matched) underlying than its notional."""
        if not len(self._underlying_items(ctx, scope, p)) or ctx.a["notional_x"][p] is None:
            return False
        if check == "forward_covered":
            return self._one(ctx, scope, p, check)[1] == [_SAYS["forward_sale"]]
        t, failed, _ = self._one(ctx, scope, p, check)
        return t == FALSE and set(failed) == {_SAYS["hedge"]}

    @staticmethod
    def _underlying_items(ctx: Ctx, scope, p: int) -> np.ndarray:
        """Items of the view (contracts left out) that are the contract's underlying: its ISIN, else, for an
        exchange contract, its currency."""
        a = ctx.a
        u = a["underlying"][p]
        if u is None:
            return np.zeros(0, dtype=np.int64)
        uu = str(u).strip()
        base = scope & ~ctx.contract()
        match = base & ((a["isin"] == uu.upper()) | (a["isin"] == uu))
        if not match.any() and a["underlying_kind"][p] == "change":
            match = base & (a["currency"] == uu.upper())
        return np.flatnonzero(match)

    def linear_form(self, ctx: Ctx):
        """Optimizer, for `hedge` (R. 139-37 1°) and `forward_covered` (R. 139-40 2°): a contract whose underlying
        is an ISIN (or, for an exchange contract, a currency) held keeps |notional| × the share of it kept within
        the value held of that underlying, Σ x ≥ k · |n| — the underlying may not be sold below what the contract
        covers; and the forward purchases together, Σ k · |notional| within the deposits and money-market funds
        of the view. Contracts failing their condition now are closed by `line_status`."""
        check = self.p["check"]
        if check not in ("hedge", "forward_covered") or not self.applies(ctx):
            return None
        scope, _ = view_mask(ctx, self.p["view"])
        cons = self._contracts(ctx, scope)
        if not len(cons):
            return None
        a = ctx.a
        rows, cols, coefs, k_rows, k_cols, k_coefs, subjects = [], [], [], [], [], [], []
        buys = []
        for p in cons.tolist():
            e, n_ = a["exposure_x"][p], a["notional_x"][p]
            need = abs(n_) if n_ is not None else None
            if check == "forward_covered":
                sign = e if e is not None else n_
                if sign is None:
                    continue
                if sign > 0:
                    buys.append((p, abs(n_) if n_ is not None else abs(e)))
                    continue
            elif a["underlying_kind"][p] in self.p.get("commodities", ["marchandise"]) or a["hedge"][p] == FALSE:
                continue
            if need is None:
                continue
            idx = self._underlying_items(ctx, scope, p)
            if not len(idx):
                continue
            uu = str(a["underlying"][p]).strip()
            r = len(subjects)
            rows += [r] * len(idx)
            cols += idx.tolist()
            coefs += [-1.0] * len(idx)
            k_rows.append(r)
            k_cols.append(p)
            k_coefs.append(float(need) / 100)
            subjects.append(f"{ctx.label(p)} : sous-jacent {uu} détenu")
        if buys:
            cash = np.flatnonzero(scope & ctx.nat(self.p.get("liquidity", ["depot", "monetaire"])))
            r = len(subjects)
            rows += [r] * len(cash)
            cols += cash.tolist()
            coefs += [-1.0] * len(cash)
            for p, need in buys:
                k_rows.append(r)
                k_cols.append(p)
                k_coefs.append(float(need) / 100)
            subjects.append("achats à terme : liquidités détenues")
        if not subjects:
            return None
        return ContractRows(self.id, "<=", np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                            np.array(coefs, dtype=float), Fraction(0), None, np.zeros(len(subjects)), subjects,
                            exact=True, k_rows=np.array(k_rows, dtype=np.int64), k_cols=np.array(k_cols, dtype=np.int64),
                            k_coefs=np.array(k_coefs, dtype=float))
