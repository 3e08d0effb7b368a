"""The base of the R. 139 kinds: results, findings with their look-through rows, bounds.

A kind reads its rulebook entry (`spec.params`: limits, natures, views) and
evaluates one régime (`Ctx`). Where data are missing, a kind computes two
bounds of its figure — every uncertain item (a missing classification, a fund
seen without its holdings) out, then in its worst place — and concludes only
when both bounds agree: `ok` if the worst passes, `breach` if the best fails,
else `unknown` naming what to fill (RR 20, SPEC-R139 §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from typing import Literal

import numpy as np

from constraints.kind import Figures, GroupFigure, LinearBlock, RuleKind
from constraints.rules import BREACH, NA, OK, UNKNOWN_S, Finding, RuleResult, euros, worst
from constraints.schema import Strict
from reserves.portfolio.fmt import fr_euros, fr_pct

from .model import FALSE, TRUE, UNKNOWN, Ctx

__all__ = ["Kind", "Finding139", "Group139", "Figures", "RuleResult", "OK", "BREACH", "UNKNOWN_S", "NA", "worst",
           "TRUE", "FALSE", "UNKNOWN", "KINDS", "RegimeChange", "register", "Common", "Condition", "Nature", "Strict",
           "ContractRows"]


@dataclass
class Finding139(Finding):
    regime: str | None = None
    via: object = None  # the fund (a holding), or the funds (a group)
    lookthrough_rows: list = field(default_factory=list)  # [{sheet, row}]
    first_observed: str | None = None
    deadline: str | None = None
    cure: str | None = None  # the article of the cure period
    cure_status: str | None = None  # « en délai » | « délai dépassé »

    def to_dict(self) -> dict:
        d = super().to_dict()
        if self.regime is not None:
            d["regime"] = self.regime
        if self.via:
            d["via"] = self.via
        if self.lookthrough_rows:
            d["lookthrough_rows"] = list(self.lookthrough_rows)
        for k in ("first_observed", "deadline", "cure", "cure_status"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


@dataclass
class Group139(GroupFigure):
    """One group of an R. 139 rule's figures as a report shows it: an entity, an asset, an issuer, a currency, a
    counterparty. `share` divides `euros` by the actif de placement, or by `of` when given (an issuer's issue);
    `headroom` may be None (a share without a cap of its own)."""

    of: int | None = None  # cents the share divides when it is not the actif de placement
    via: list = field(default_factory=list)  # the funds its items came through
    detail: dict = field(default_factory=dict)  # the kind's own parts (deposits, contracts, grouped…)


def status_by_subject(result) -> dict:
    """Subject → worst status of the findings about it (a breach wins)."""
    out: dict = {}
    for f in (result.findings if result is not None else []):
        if out.get(f.subject) != BREACH:
            out[f.subject] = f.status
    return out


@dataclass
class ContractRows(LinearBlock):
    """Linear rows with the financial contracts' terms apart: row `k_rows[i]` has `k_coefs[i]` euros for the
    contract item `k_cols[i]` as held (exposure, notional), × the share of the contract kept (1 as held). The
    optimizer makes that share a decision of a contract line it may reduce or close (R. 139-37 to R. 139-44:
    exposures, notionals and values move with it), a constant for a contract it cannot trade (one held through a
    fund, an embedded one): so `const` leaves the contracts out. With `abs_sum`, the rows are the groups whose
    absolute values add up to the one figure capped (exposures netted within a group, RR 12 and RR 13): the
    optimizer bounds each |group| by a column of its own, exactly (no sign fixed in advance). `exact` rows (a contract within what it covers, the
    sides of a net) are kept without the optimizer's tolerance for cents: contracts are rounded toward zero."""

    k_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    k_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    k_coefs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    exact: bool = False  # rows the optimizer keeps without its rounding tolerance (0 ≤ 0 when every contract goes)
    abs_sum: bool = False  # the rows are groups (a counterparty, a currency): Σ |row| (sense) share · base + const[0]

    def value_at(self, x: np.ndarray, kept: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(left-hand side, right-hand side) at the item values `x` (euros) and the shares `kept` of the contract
        items (1 where None)."""
        lhs, rhs = super().value_at(x)
        k = np.ones(len(x)) if kept is None else np.asarray(kept, dtype=float)
        lhs = lhs + np.bincount(np.asarray(self.k_rows, dtype=np.int64), weights=np.asarray(self.k_coefs, dtype=float)
                                * k[np.asarray(self.k_cols, dtype=np.int64)], minlength=self.n_rows)
        if self.abs_sum:
            return np.array([np.abs(lhs).sum()]), rhs[:1]
        return lhs, rhs


KINDS: dict = {}
_CHANGE = ("pretrade", "change")


@dataclass(eq=False)
class RegimeChange:
    """What orders make of one régime: its items after them (a `model.Table`, as `normalise` gives it), the input
    they come from (its inventories' dates, observations) and the look-through age limit of the check."""

    items: object
    inp: object = None
    max_age_days: int | None = None


def register(cls):
    KINDS[cls.kind] = cls
    return cls


Nature = Literal["action", "acces_capital", "tcn", "obligation", "titre_etat", "titre_participatif", "depot",
                 "droit_immobilier", "societe_immobiliere", "opci", "contrat_financier", "autre_fm", "opcvm",
                 "monetaire", "fonds_mutualise", "organisme_dedie", "cession_temporaire", "emprunt", "certificat",
                 "autre"]


class Condition(Strict):
    """One condition of a line rule: the natures it is about, its requirement, the sentence of a failure."""

    when: Literal["all"] | list[Nature]
    require: Literal["never"] | dict
    says: str
    forms: list[str] | None = None
    direct_only: bool = False


class Common(Strict):
    """The keys every R. 139 entry has besides the common ones: its régimes, its view, the readings it uses."""

    regime: list[Literal["simplifie", "complet"]]
    view: Literal["P", "D", "U", "T"]
    readings: list[int] = []


class Kind(RuleKind):
    """One rule of the R. 139 rulebook, a `constraints.kind.RuleKind`: `evaluate` is `judge(state(ctx))`; the state
    of a régime is its `Ctx` (what the verdict depends on, computed once for every rule), and `judge` gives
    `not_applicable` for a rule of the other régime, else `verdict(ctx)`."""

    kind = ""
    Params = Common

    def applies(self, ctx: Ctx) -> bool:
        return ("simplifie" if ctx.simplified else "complet") in self.p.get("regime", ["simplifie", "complet"])

    def state(self, ctx: Ctx):
        return ctx

    def judge(self, state) -> RuleResult:
        ctx = state
        if not self.applies(ctx):
            return RuleResult(self.spec, NA, [], limit=self.lim_f,
                              note="règle de l'autre régime (R. 139-10)" if ctx.simplified else
                              "règle du régime simplifié (R. 139-14, R. 139-15)")
        return self.verdict(ctx)

    def verdict(self, ctx: Ctx) -> RuleResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, state, change) -> bool:
        """The pre-trade update of a régime: `state` is its `Ctx`, `change` a `RegimeChange` (the régime's items
        once the orders are made: lines changed, added or sold, and the funds' holdings rescaled with their line).
        Items that differ from the state's by their amounts only (`Table.with_amounts` of the state's items) keep
        its structure — texts, tri-states, masks, entities — and only the amounts are summed again; other items
        (a line added or sold entirely) derive the context again. Once per change for all the rules that share
        it: one line moves the base and, through look-through, many figures of every rule. Returns True: the
        rule's result must be judged again."""
        if state.memo.get(_CHANGE) is change:
            return True
        parent = getattr(change.items, "__dict__", {}).get("parent")
        same = parent is not None and parent[0] is state.a and change.max_age_days == state.max_age_days
        state.__init__(change.inp or state.inp, change.items, state.version, state.as_of,
                       simplified=state.simplified, regime=state.regime, max_age_days=change.max_age_days,
                       simplified_since=state.simplified_since, structure=state.s if same else None)
        state.memo[_CHANGE] = change
        return True

    def linear_form(self, ctx):
        return None

    def figures(self, state, result=None, top: int = 20) -> Figures:
        """Value, limit, headroom of the rule on one régime (`state`: its Ctx), and its groups for the kinds that
        have some (entities, issuers, currencies, counterparties): the report's figures, from the rule itself."""
        result = result if result is not None else self.evaluate(state)
        return Figures(self.id, "max" if self.lim is not None else "none", result.value, result.limit,
                       result.headroom, result.figure, state.base)

    # ---- findings

    def finding(self, ctx: Ctx, status: str, subject: str, idx, message: str, **kw) -> Finding139:
        w = ctx.where(idx) if idx is not None else {"rows": [], "via": [], "lookthrough_rows": []}
        via = w["via"]
        if len(via) == 1:  # one fund: its name; several: their names
            via = via[0]
        kw.pop("one_fund", None)
        return Finding139(self.id, status, subject, w["rows"], message, article=self.spec.article,
                          regime=ctx.regime, via=via or None, lookthrough_rows=w["lookthrough_rows"], **kw)

    def blind_finding(self, ctx: Ctx, positions, what: str) -> Finding139:
        """Unknown: funds seen without their holdings, on which the verdict depends."""
        names = [ctx.label(i) for i in positions]
        total = int(ctx.value[list(positions)].sum()) if len(positions) else 0
        msg = (f"à vérifier : transparence manquante ou trop ancienne pour {', '.join('« ' + x + ' »' for x in names)} "
               f"({fr_euros(total)}) — {what} ; fournir l'inventaire (feuille « Transparence » ou fichier TPT, "
               f"--transparence)")
        f = self.finding(ctx, UNKNOWN_S, ", ".join(names), positions, msg, euros=total)
        f.via = names[0] if len(names) == 1 else names
        return f


def share_of(v: int, base: int) -> float | None:
    return None if base <= 0 else v / base


def euros_of(c) -> float | None:
    return euros(c)
