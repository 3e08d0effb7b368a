"""A reallocation proposal seen by the report: the portfolio after the trades, its verdict, the trade list.

The proposal file is read like any portfolio (its `Portefeuille` sheet is the
after-trade portfolio in the input format); the trades are found by matching
lines between before and after: by ISIN, else by label (case, accents and
spaces ignored), in order of appearance when a key repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

from reserves.portfolio.parsing import key_of

from .model import CategoryRow, cat_label, share, text_of


@dataclass
class Trade:
    label: str
    isin: str
    category: str
    action: str  # achat | vente
    amount: int  # cents, positive
    before: int  # cents
    after: int  # cents
    row_before: int | None
    row_after: int | None


@dataclass
class ProposalData:
    source: str
    pf_after: object
    verdict_after: object
    trades: list[Trade]
    categories_after: list[CategoryRow]

    @property
    def bought(self) -> int:
        return sum(t.amount for t in self.trades if t.action == "achat")

    @property
    def sold(self) -> int:
        return sum(t.amount for t in self.trades if t.action == "vente")


def _keys(lines) -> list[str]:
    out, seen = [], {}
    for isin, label, cat in zip(lines["isin"], lines["label"], lines["category"]):
        k = f"isin:{isin}" if isinstance(isin, str) and isin else f"lib:{key_of(str(label))}"
        n = seen.get(k, 0)
        seen[k] = n + 1
        out.append(f"{k}#{n}")
    return out


def match_trades(before, after) -> list[Trade]:
    """Trades that turn `before` into `after` (portfolios), in the order of the lines before, then new lines."""
    B, A = before.lines, after.lines
    kb, ka = _keys(B), _keys(A)
    pos_a = {k: i for i, k in enumerate(ka)}
    used = set()
    trades = []
    for i, k in enumerate(kb):
        vb = int(B["value"].iat[i])
        j = pos_a.get(k)
        va = int(A["value"].iat[j]) if j is not None else 0
        if j is not None:
            used.add(j)
        if va != vb:
            trades.append(Trade(str(B["label"].iat[i]), text_of(B["isin"].iat[i]), cat_label(B["category"].iat[i]),
                                "achat" if va > vb else "vente", abs(va - vb), vb, va, int(B["row"].iat[i]),
                                int(A["row"].iat[j]) if j is not None else None))
    for j, k in enumerate(ka):
        if j in used:
            continue
        va = int(A["value"].iat[j])
        if va == 0:
            continue
        trades.append(Trade(str(A["label"].iat[j]), text_of(A["isin"].iat[j]), cat_label(A["category"].iat[j]),
                            "achat" if va > 0 else "vente", abs(va), 0, va, None, int(A["row"].iat[j])))
    return trades


def load_proposal(path, pf_before, *, date=None, as_of=None) -> ProposalData:
    """Read a proposal file (the after-trade portfolio), check it and match the trades."""
    from constraints.checker import check
    from reserves.portfolio.errors import InputError, Problem
    from reserves.portfolio.model import load

    try:
        pf_after = load(path, sheet_name=None)
    except InputError as err:
        head = Problem(f"proposition « {path} » illisible : une feuille « Portefeuille » au format du portefeuille "
                       "(le portefeuille après ordres) est attendue ; une proposition sans solution n'en a pas")
        raise InputError([head, *err.problems], err.dropped) from None
    verdict_after = check(pf_after, date=date, as_of=as_of)
    return from_portfolios(pf_before, pf_after, verdict_after, source=str(getattr(pf_after, "source", path)))


def from_portfolios(pf_before, pf_after, verdict_after, *, source: str = "") -> ProposalData:
    from .model import build_report

    after = build_report(pf_after, verdict_after)
    return ProposalData(source, pf_after, verdict_after, match_trades(pf_before, pf_after), after.categories)


def from_optimizer(pf_before, proposal) -> ProposalData:
    """From an in-memory optimizer proposal (`.portfolio_after`, `.verdict_after`)."""
    return from_portfolios(pf_before, proposal.portfolio_after, proposal.verdict_after, source="proposition")


__all__ = ["Trade", "ProposalData", "match_trades", "load_proposal", "from_portfolios", "from_optimizer", "share"]
