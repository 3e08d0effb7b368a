"""The report's content, computed once from a portfolio and its verdict.

Every figure the Excel, HTML and PDF reports show comes from here, in integer
cents and exact shares; every limit, title, article and quote comes from the
verdict and its rulebook version; the readings of the law from
`constraints/readings.yaml`. The writers only lay it out.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from constraints.rules import BREACH, NA, OK, UNKNOWN_S, Context, build, category_codes
from reserves.portfolio.fmt import POCKET_FR
from reserves.portfolio.parsing import CAT_IFT, CAT_OTHER, CATEGORY_NAMES

READINGS_FILE = Path(__file__).resolve().parent.parent / "constraints" / "readings.yaml"
TOP_N = 20
STATUS_ORDER = {BREACH: 0, UNKNOWN_S: 1, OK: 2, NA: 3}


# --------------------------------------------------------------------------- helpers


def cat_label(code: int) -> str:
    """1 → « 1° », 14 → « IFT », 15 → « AUTRE »."""
    name = CATEGORY_NAMES[int(code)]
    return f"{name}°" if name.isdigit() else name


def cats_label(codes) -> str:
    """[9, 10] → « 9° et 10° », [1, 2, 3, 4] → « 1° à 4° »."""
    codes = sorted(int(c) for c in codes)
    if not codes:
        return ""
    if len(codes) > 2 and codes == list(range(codes[0], codes[-1] + 1)):
        return f"{cat_label(codes[0])} à {cat_label(codes[-1])}"
    if len(codes) == 1:
        return cat_label(codes[0])
    return ", ".join(cat_label(c) for c in codes[:-1]) + " et " + cat_label(codes[-1])


def text_of(x) -> str:
    """A cell's text: empty for a missing value (None, NaN, pandas' NA), never « nan »."""
    if x is None or x is pd.NA or x is pd.NaT:
        return ""
    if isinstance(x, float) and x != x:
        return ""
    return str(x)


def share(cents: int, base: int) -> float | None:
    return None if base <= 0 else int(cents) / int(base)


def generation_time(now: dt.datetime | None = None) -> dt.datetime:
    """The generation timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now (to the second)."""
    if now is not None:
        return now.replace(microsecond=0, tzinfo=None)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime.now().replace(microsecond=0)


@lru_cache(maxsize=None)
def _reading_texts() -> tuple[dict, ...]:
    """The readings as the file writes them (placeholders for the limits of the rulebook)."""
    from constraints.rulebook import YAML_LOADER

    with open(READINGS_FILE, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=YAML_LOADER)  # the C loader where PyYAML has it
    out = []
    for r in doc["readings"]:
        rules = r.get("rules") or []
        out.append({"id": str(r["id"]), "title": str(r["title"]), "text": " ".join(str(r["text"]).split()),
                    "rules": "all" if rules == "all" else tuple(rules)})
    return tuple(out)


_RESOLVED: dict = {}


def all_readings(version=None, day: dt.date | None = None) -> tuple[dict, ...]:
    """The readings of the law with the limits of `version` in force on `day` (`constraints.limits_text`; without a
    version, the latest R. 623 one): a limit the text names is the rulebook's."""
    if version is None:
        from constraints.rulebook import latest

        version = latest("r623")
    key = (id(version), version.edition(day))
    hit = _RESOLVED.get(key)
    if hit is None or hit[0] is not version:
        from constraints.limits_text import with_limits

        out = []
        for r in _reading_texts():
            try:
                out.append(dict(r, title=with_limits(r["title"], version, day),
                                text=with_limits(r["text"], version, day)))
            except KeyError:  # a reading of a rule this version does not have: not one of its readings
                continue
        hit = _RESOLVED[key] = (version, tuple(out))
    return hit[1]


def readings_markdown() -> str:
    """The readings as the README lists them (between its `lectures` markers), one item each."""
    return "\n".join(f"- **{r['id']} — {r['title']}.** {r['text']}" for r in all_readings()) + "\n"


def readings_for(verdict) -> list[dict]:
    """The readings a verdict depends on: those of every evaluated rule (status other than not applicable), with
    the limits of the verdict's version on its date."""
    evaluated = {r.spec.id for r in verdict.results if r.status != NA}
    return [r for r in all_readings(verdict.version, verdict.as_of)
            if r["rules"] == "all" or evaluated.intersection(r["rules"])]


# --------------------------------------------------------------------------- rows


@dataclass
class CategoryRow:
    code: int
    label: str  # « 7° »
    name: str  # the rulebook's title of the category
    lines: int
    value: int  # cents, base lines (reserves less excluded)
    share: float | None
    limits: str  # the share rules that count this category


@dataclass
class LimitRow:
    rule_id: str
    title: str
    article: str
    scope: str  # « 9° et 10° »
    sense: str  # max | min
    value: int | None  # cents
    share: float | None
    limit: float | None
    headroom: int | None  # cents: room left under a cap, or above a floor (negative when broken)
    status: str
    base_name: str


@dataclass
class GroupRow:
    subject: str
    rows: list
    value: int  # cents (worst case: lines of unknown status included)
    share: float | None
    limit: float
    headroom: int
    status: str
    holding: float | None = None  # R. 623-10-1 holding share (issuers)
    holding_limit: float | None = None


@dataclass
class CurrencyRow:
    currency: str
    lines: int
    value: int
    share: float | None
    euro: int  # cents of it counted as euro assets (EUR or realisable in euros)


@dataclass
class LineRow:
    row: int
    label: str
    category: str
    pocket: str
    value: int
    market_value: int
    accrued: int
    currency: str
    issuer: str
    isin: str
    excluded: bool
    status: str
    rules: str  # rule ids of the line's findings


@dataclass
class FindingGroup:
    """Findings of one rule shown as one item: one finding, or the line findings of a rule beyond a few."""
    rule: str
    title: str  # the rule's French title
    article: str
    status: str
    findings: list

    @property
    def single(self):
        return self.findings[0] if len(self.findings) == 1 else None

    @property
    def rows(self) -> list[int]:
        return sorted({int(r) for f in self.findings for r in f.rows})

    def _sum(self, attr) -> int | None:
        vals = [getattr(f, attr) for f in self.findings if getattr(f, attr) is not None]
        return sum(int(v) for v in vals) if vals else None

    @property
    def euros(self) -> int | None:
        return self._sum("euros")

    @property
    def amount(self) -> int | None:
        return self._sum("amount")

    @property
    def action(self) -> str | None:
        actions = {f.action for f in self.findings if f.action}
        return actions.pop() if len(actions) == 1 else None

    @property
    def columns(self) -> list[str]:
        out = []
        for f in self.findings:
            out += [c for c in f.columns if c not in out]
        return out


@dataclass
class ReportData:
    pf: object
    verdict: object
    generated_at: dt.datetime
    title: str
    categories: list[CategoryRow]
    limits: list[LimitRow]
    results: list  # RuleResult, breaches first
    findings: list  # Finding, breaches first
    issuers: list[GroupRow]
    buildings: list[GroupRow]
    issuer_limit: float | None
    building_limit: float | None
    holding_limit: float | None
    currencies: list[CurrencyRow]
    lines: list[LineRow]
    readings: list[dict]
    proposal: object = None  # reports.proposal.ProposalData
    stress: object = None  # reports.stress.StressResult
    extra_columns: list = field(default_factory=list)
    annex: bool = True  # the line-by-line annex in the HTML and PDF (always in the workbook)

    @property
    def version(self):
        return self.verdict.version

    @property
    def status(self) -> str:
        return self.verdict.status

    def counts(self) -> dict:
        return {s: sum(r.status == s for r in self.verdict.results) for s in (OK, BREACH, UNKNOWN_S, NA)}

    def rule_title(self, rule_id: str) -> str:
        for r in self.verdict.results:
            if r.spec.id == rule_id:
                return r.spec.title
        return rule_id

    def finding_groups(self, status: str, max_each: int | None = None) -> list[FindingGroup]:
        """The findings of `status`, in the verdict's order; the line findings of a rule are gathered into one
        item when there are more than `max_each` of them (None: never). The findings of a portfolio-wide limit
        (an issuer, a building, a category over its cap) are never gathered: each is shown."""
        by_rule: dict[str, list] = {}
        for f in self.findings:
            if f.status == status:
                by_rule.setdefault(f.rule, []).append(f)
        line_rules = {r.spec.id for r in self.verdict.results if r.spec.kind == "line_conditions"}
        out = []
        for rule, fs in by_rule.items():
            title = self.rule_title(rule)
            if max_each is not None and len(fs) > max_each and (rule in line_rules or status == UNKNOWN_S):
                out.append(FindingGroup(rule, title, fs[0].article, status, fs))
            else:
                out += [FindingGroup(rule, title, f.article, status, [f]) for f in fs]
        return out

    def n_findings(self, status: str) -> int:
        return sum(f.status == status for f in self.findings)

    def key_figures(self) -> list[tuple[str, str, object]]:
        """The three figures that matter: (label, kind, value), kind in euros|share|count."""
        v = self.verdict
        worst_margin = min((r for r in self.limits if r.headroom is not None and r.status != NA),
                           key=lambda r: (r.headroom / v.base) if v.base else 0, default=None)
        figs = [("Base des limites R. 623-10-1", "euros", v.base),
                ("Règles non conformes / à vérifier", "text",
                 f"{self.counts()[BREACH]} / {self.counts()[UNKNOWN_S]}")]
        if worst_margin is not None and worst_margin.headroom < 0:
            figs.append((f"Dépassement : {worst_margin.title}", "euros", -worst_margin.headroom))
        elif worst_margin is not None:
            figs.append((f"Marge la plus faible : {worst_margin.title}", "euros", worst_margin.headroom))
        return figs


# --------------------------------------------------------------------------- building


def _share_scope(spec) -> list[int]:
    cats = []
    for clause in spec.params.get("numerator", []):
        for c in clause.get("categories", []):
            code = int(category_codes([c])[0])
            if code not in cats:
                cats.append(code)
    return cats


def _scope_text(spec, version) -> str:
    clauses = spec.params.get("numerator", [])
    parts = []
    for clause in clauses:
        if clause.get("euro"):
            parts.append("actifs libellés ou réalisables en euros")
            continue
        text = cats_label(category_codes(clause.get("categories", [])))
        if clause.get("currency"):
            text += f" libellés en {clause['currency']}"
        if clause.get("flag"):
            from reserves.portfolio.columns import BY_FIELD

            text += f" marqués « {BY_FIELD[clause['flag']].header} »"
        parts.append(text)
    return " ; ".join(parts)


def build_report(pf, verdict, *, generated_at: dt.datetime | None = None, proposal=None, stress=None,
                 title: str = "Rapport sur les placements des réserves") -> ReportData:
    version = verdict.version
    ctx = Context(pf, version, verdict.as_of)
    L = pf.lines
    base = verdict.base
    in_base = ctx.base_masks["reserves_less_excluded"]
    rules = build(version)
    by_id = {r.spec.id: r for r in verdict.results}

    # Allocation by category (reserves pocket, base lines).
    share_specs = [r.spec for r in rules if r.spec.kind == "share"]
    counting = {}
    for spec in share_specs:
        if spec.params.get("base") != "reserves_less_excluded":
            continue
        word = "≤" if spec.params["sense"] == "max" else "≥"
        for c in _share_scope(spec):
            counting.setdefault(c, []).append(f"{word} {_pct_txt(spec.limit())} ({cats_label(_share_scope(spec))})")
    categories = []
    for code in [*range(1, 14), CAT_IFT, CAT_OTHER]:
        m = in_base & (ctx.cat == code)
        n = int(m.sum())
        if n == 0 and code in (CAT_IFT, CAT_OTHER):
            continue
        v = int(ctx.value[m].sum())
        categories.append(CategoryRow(code, cat_label(code), version.categories.get(CATEGORY_NAMES[code], ""), n, v,
                                      share(v, base), "; ".join(counting.get(code, []))))

    limits = []
    for rule in rules:  # each share rule's figures as its kind gives them (value, share, limit, headroom)
        if rule.spec.kind != "share":
            continue
        spec, res = rule.spec, by_id[rule.spec.id]
        fig = rule.figures(rule.state(ctx), res)
        limits.append(LimitRow(spec.id, spec.title, spec.article, _scope_text(spec, version), fig.sense,
                               fig.euros, fig.value, fig.limit, fig.headroom, res.status, spec.params.get("base", "")))

    results = sorted(verdict.results, key=lambda r: STATUS_ORDER[r.status])

    issuers, issuer_limit, holding_limit = _issuers(ctx, rules, by_id, base)
    buildings, building_limit = _buildings(ctx, rules, by_id, base)

    # Currency exposure (reserves pocket, excluded cash included, as for R. 623-3 IV).
    currencies = []
    res_mask = ctx.reserves
    cur = L["currency"].to_numpy()
    euro = ctx.euro  # the euro assets of the version in force, as the checker reads them
    for c in sorted(set(cur[res_mask].tolist()), key=lambda c: (c != "EUR", c)):
        m = res_mask & (cur == c)
        v = int(ctx.value[m].sum())
        currencies.append(CurrencyRow(c, int(m.sum()), v, share(v, verdict.total), int(ctx.value[m & euro].sum())))
    currencies.sort(key=lambda r: (r.currency != "EUR", -r.value))

    # Line-level annex.
    per_row: dict[int, list] = {}
    for f in verdict.findings:
        for r in f.rows:
            per_row.setdefault(int(r), []).append(f)
    lines = []
    cat_labels = {int(c): cat_label(c) for c in np.unique(L["category"].to_numpy())}
    cols = [L[c].tolist() for c in ("row", "label", "category", "pocket", "value", "market_value",
                                     "accrued_interest", "currency", "issuer", "isin")]
    cols.append(ctx.excluded.tolist())  # out of the base: the rulebook's reading, as the checker reads it
    for row, label, cat, pocket, value, mv, acc, cur, iss, isin, excl in zip(*cols):
        fs = per_row.get(int(row), ())
        st = BREACH if any(f.status == BREACH for f in fs) else UNKNOWN_S if fs else OK
        ids = []
        for f in fs:
            if f.rule not in ids:
                ids.append(f.rule)
        lines.append(LineRow(int(row), text_of(label), cat_labels[int(cat)], POCKET_FR.get(pocket, text_of(pocket)),
                             int(value), int(mv), int(acc), text_of(cur), text_of(iss), text_of(isin), bool(excl), st,
                             ", ".join(ids)))

    extra_columns = list(pf.extra.columns) if getattr(pf, "extra", None) is not None else []
    return ReportData(pf=pf, verdict=verdict, generated_at=generation_time(generated_at), title=title,
                      categories=categories, limits=limits, results=results, findings=verdict.findings,
                      issuers=issuers, buildings=buildings, issuer_limit=issuer_limit, building_limit=building_limit,
                      holding_limit=holding_limit, currencies=currencies, lines=lines,
                      readings=readings_for(verdict), proposal=proposal, stress=stress, extra_columns=extra_columns)


def _pct_txt(x) -> str:
    f = float(x) * 100
    s = f"{f:.2f}".rstrip("0").rstrip(".")
    return s.replace(".", ",") + " %"


def _group_rows(ctx, rule, result, suffix: str = "") -> tuple[list[GroupRow], float]:
    """The rule's largest groups as its kind gives them (`RuleKind.figures`: value, share, headroom, status),
    never summed again here; a line counted alone is named with `suffix`."""
    fig = rule.figures(rule.state(ctx), result, top=TOP_N)
    lim = float(fig.limit) if fig.limit is not None else rule.lim_f
    rows = [GroupRow(g.subject + (suffix if g.loose else ""), list(g.rows), g.euros, g.share, lim, g.headroom,
                     g.status) for g in fig.groups]
    return rows, lim


def _issuers(ctx, rules, by_id, base):
    rule = next((r for r in rules if r.spec.kind == "issuer_cap"), None)
    if rule is None:
        return [], None, None
    rows, lim = _group_rows(ctx, rule, by_id.get(rule.spec.id), " (sans émetteur)")
    hold = next((r for r in rules if r.spec.kind == "holding_cap"), None)
    hold_lim = None
    if hold is not None:
        hold_lim = hold.lim_f
        by_row = hold.ratios_by_row(hold.state(ctx))  # the rule's own figures (READING 7), not computed again here
        for r in rows:
            known = [by_row[x] for x in r.rows if by_row.get(x) is not None]
            r.holding = max(known) if known else None  # the largest share held of the issuer's issues
            r.holding_limit = hold_lim
    return rows, lim, hold_lim


def _buildings(ctx, rules, by_id, base):
    rule = next((r for r in rules if r.spec.kind == "building_cap"), None)
    if rule is None:
        return [], None
    return _group_rows(ctx, rule, by_id.get(rule.spec.id))


__all__ = ["ReportData", "build_report", "readings_for", "all_readings", "cat_label", "cats_label",
           "generation_time"]
