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
    action: str  # achat | vente | réduction du contrat… | dénouement total du contrat
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
    sha256: str | None = None  # of the proposal file read

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
    from optimizer.output139 import side_fr

    # a contract reduced or closed says so, with its exposure before and after (its own words say « total »)
    trades = [TradeRow(int(t["row"]), str(t["label"]), str(t["nature"]), t.get("regime"),
                       side_fr(t) if t["action"] == "reduce" else "achat" if t["action"] == "buy" else "vente",
                       int(t["amount"]), int(t["before"]), int(t["after"]),
                       bool(t.get("whole")) and t["action"] != "reduce") for t in p.trades]
    after = p.after
    # nothing to do: the portfolio after is the portfolio as checked; no proposal possible: nothing after it
    regimes = _regime_views(verdict.version, verdict, verdict if p.status == "nothing_to_do" else after)
    return ProposalView139(p.status, PROPOSAL_STATUS_FR[p.status], trades, regimes, after, notes=list(p.notes),
                           rows=p.n_rows, binaries=p.n_binaries, source="reserves optimize (rotation minimale)",
                           explanation=[str(e.get("message") or e.get("title") or "")
                                        for e in getattr(p, "explanation", None) or [] if isinstance(e, dict)])


def _keys(lines) -> list:
    """A key per line to match a line before and after the trades: its ISIN, else its label (case, accents and
    spaces ignored), with its régime, numbered in order of appearance when a key repeats."""
    from reserves.portfolio.parsing import key_of

    out, seen = [], {}
    regimes = lines["regime"].tolist() if "regime" in lines else [None] * len(lines)
    for isin, label, regime in zip(lines["isin"].tolist(), lines["label"].tolist(), regimes):
        k = f"isin:{isin}" if isinstance(isin, str) and isin else f"lib:{key_of(str(label))}"
        k = f"{k}|{regime if isinstance(regime, str) else ''}"
        n = seen.get(k, 0)
        seen[k] = n + 1
        out.append(f"{k}#{n}")
    return out


def match_trades139(before, after) -> list:
    """The trades that turn the portfolio `before` into `after` (`Portfolio139`s), line by line: lines before in
    their order, then the lines only after."""
    B, A = before.lines, after.lines
    kb, ka = _keys(B), _keys(A)
    pos_a = {k: i for i, k in enumerate(ka)}
    used = set()
    trades = []

    def regime(df, i):
        r = df["regime"].iat[i] if "regime" in df else None
        return r if isinstance(r, str) and r else None

    for i, k in enumerate(kb):
        vb = int(B["value"].iat[i])
        j = pos_a.get(k)
        va = int(A["value"].iat[j]) if j is not None else 0
        if j is not None:
            used.add(j)
        if va != vb:
            trades.append(TradeRow(int(B["row"].iat[i]), str(B["label"].iat[i]), str(B["nature"].iat[i]),
                                   regime(B, i), "achat" if va > vb else "vente", abs(va - vb), vb, va, va == 0))
    for j, k in enumerate(ka):
        va = int(A["value"].iat[j])
        if j in used or va == 0:
            continue
        trades.append(TradeRow(int(A["row"].iat[j]), str(A["label"].iat[j]), str(A["nature"].iat[j]), regime(A, j),
                               "achat", va, 0, va, False))
    trades.sort(key=lambda t: (t.action != "vente", -t.amount))
    return trades


def from_file139(path, pf_before, verdict, recheck) -> ProposalView139:
    """A proposal file (the portfolio after the trades, e.g. the workbook of `reserves optimize -o`, which carries
    its funds' inventories) read as an R. 139 portfolio of the same date, checked by `recheck(pf)` as `verdict`
    was, its trades matched line by line."""
    from reserves.portfolio.errors import InputError, Problem
    from reserves.portfolio.model139 import load

    try:
        after_pf = load(path, as_of=verdict.as_of, as_of_source=getattr(verdict, "as_of_source", None))
    except InputError as err:
        head = Problem(f"proposition « {path} » illisible : une feuille « Portefeuille » au format R. 139 (le "
                       "portefeuille après opérations, comme l'écrit « reserves optimize -o ») est attendue")
        raise InputError([head, *err.problems], err.dropped) from None
    after = recheck(after_pf)
    st = OK if after.status == OK else ("breach" if after.status == BREACH else "unknown")
    status = {OK: "optimal", "breach": "breach", "unknown": "unknown"}[st]
    notes = []
    if after.status == BREACH:
        notes.append("le contrôle de la proposition trouve encore des manquements : "
                     + ", ".join(r.spec.id for r in after.results if r.status == BREACH))
    return ProposalView139(status, PROPOSAL_STATUS_FR[status], match_trades139(pf_before, after_pf),
                           _regime_views(verdict.version, verdict, after), after, notes=notes,
                           source=str(getattr(after_pf, "source", path)), sha256=getattr(after_pf, "sha256", None))


def proposal_status_word(view: ProposalView139) -> str:
    if view.verdict_after is None:
        return view.status_fr
    return {OK: "conforme", BREACH: "non conforme", UNKNOWN_S: "à vérifier"}.get(view.verdict_after.status, "")


__all__ = ["ProposalView139", "TradeRow", "CapChange", "NatureChange", "RegimeProposal", "from_optimizer139",
           "from_file139", "match_trades139"]
