"""The proposal section of the R. 139 report: the optimizer's trades by line, the allocation and the caps of
R. 139-41 (with R. 139-15, 42, 43, 44) before and after, and the verdict of the R. 139 checker on the portfolio
after the trades.

The proposal is `optimizer.r139.rebalance139`'s (least turnover, every limit of R. 139-1 to R. 139-56 as rows
written by the rule kinds), run with the check's options; its `after` verdict is the re-check. The caps and
the allocation after the trades are the results and the contexts of that verdict, as the report reads the
portfolio before them (`r139_model`): nothing is recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constraints.rules import BREACH, OK, UNKNOWN_S
from reserves.portfolio.fmt import PROPOSAL_STATUS_FR

from .r139_model import caps_of, natures_of


@dataclass
class TradeRow:
    row: int
    label: str
    nature: str
    regime: str | None
    action: str  # achat | vente
    amount: int  # cents
    before: int
    after: int
    whole: bool  # sold whole: the line leaves the portfolio


@dataclass
class CapChange:
    rule_id: str
    title: str
    article: str
    limit: float | None
    strict: bool
    share_before: float | None
    share_after: float | None
    value_before: int | None  # cents behind the share
    value_after: int | None
    headroom_after: int | None  # cents (negative: the excess)
    status_before: str
    status_after: str


@dataclass
class NatureChange:
    nature: str
    title: str
    before: int  # cents seen through (R. 139-17)
    after: int
    share_before: float | None
    share_after: float | None


@dataclass
class RegimeProposal:
    name: str | None
    base_before: int
    base_after: int
    caps: list
    natures: list

    @property
    def title(self) -> str:
        return "Organisme" if self.name is None else f"Régime « {self.name} »"


@dataclass
class ProposalView139:
    status: str  # nothing_to_do | optimal | unknown | breach | infeasible (optimizer.r139.STATUS_FR)
    status_fr: str
    trades: list
    regimes: list
    verdict_after: object  # Verdict139 or None
    notes: list = field(default_factory=list)
    rows: int = 0
    binaries: int = 0
    source: str = ""  # the optimizer, or the proposal file read
    explanation: list = field(default_factory=list)  # no proposal possible: the optimizer's French messages

    @property
    def sold(self) -> int:
        return sum(t.amount for t in self.trades if t.action == "vente")

    @property
    def bought(self) -> int:
        return sum(t.amount for t in self.trades if t.action == "achat")

    @property
    def breaches_after(self) -> list:
        return [] if self.verdict_after is None else [r for r in self.verdict_after.results if r.status == BREACH]

    @property
    def unknown_after(self) -> list:
        return [] if self.verdict_after is None else [r for r in self.verdict_after.results if r.status == UNKNOWN_S]


def _regime_views(version, before, after) -> list:
    out = []
    after_parts = {name: (ctx, results) for name, ctx, results in (after.parts if after is not None else [])}
    modes = {r["regime"]: r["mode"] for r in before.regimes}
    for name, ctx, results in before.parts:
        mode = modes.get(name, "complet")
        a_ctx, a_results = after_parts.get(name, (None, None))
        caps_b = caps_of(version, results, mode)
        caps_a = {c.rule_id: c for c in caps_of(version, a_results, mode)} if a_results is not None else {}
        caps = []
        for c in caps_b:
            a = caps_a.get(c.rule_id)
            caps.append(CapChange(c.rule_id, c.title, c.article, c.limit, c.strict, c.share,
                                  a.share if a else None, c.value, a.value if a else None,
                                  a.headroom if a else None, c.status, a.status if a else c.status))
        nb = {r.nature: r for r in natures_of(version, ctx)} if ctx is not None else {}
        na = {r.nature: r for r in natures_of(version, a_ctx)} if a_ctx is not None else {}
        natures = []
        for key in list(nb) + [k for k in na if k not in nb]:
            b, a = nb.get(key), na.get(key)
            if not (b.seen if b else 0) and not (a.seen if a else 0):
                continue  # a fund nature seen only through its holdings
            ref = b or a
            natures.append(NatureChange(key, ref.title, b.seen if b else 0, a.seen if a else 0,
                                        b.seen_share if b else None, a.seen_share if a else None))
        out.append(RegimeProposal(name, ctx.base if ctx is not None else 0,
                                  a_ctx.base if a_ctx is not None else (ctx.base if ctx is not None else 0),
                                  caps, natures))
    return out


def from_optimizer139(p, verdict) -> ProposalView139:
    """The view of an `optimizer.r139.Proposal139` made from the portfolio checked as `verdict`."""
    trades = [TradeRow(int(t["row"]), str(t["label"]), str(t["nature"]), t.get("regime"),
                       "achat" if t["action"] == "buy" else "vente", int(t["amount"]), int(t["before"]),
                       int(t["after"]), bool(t.get("whole"))) for t in p.trades]
    after = p.after
    regimes = _regime_views(verdict.version, verdict, after)
    return ProposalView139(p.status, PROPOSAL_STATUS_FR[p.status], trades, regimes, after, notes=list(p.notes),
                           rows=p.n_rows, binaries=p.n_binaries, source="reserves optimize (rotation minimale)",
                           explanation=[str(e.get("message") or e.get("title") or "")
                                        for e in getattr(p, "explanation", None) or [] if isinstance(e, dict)])


def proposal_status_word(view: ProposalView139) -> str:
    if view.verdict_after is None:
        return view.status_fr
    return {OK: "conforme", BREACH: "non conforme", UNKNOWN_S: "à vérifier"}.get(view.verdict_after.status, "")


__all__ = ["ProposalView139", "TradeRow", "CapChange", "NatureChange", "RegimeProposal", "from_optimizer139"]
