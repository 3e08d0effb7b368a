"""The R. 139 checker: every rule of `R139-2019-07-08`, on each régime apart (RR 1).

`check(inp, version, as_of=..., simplified=...)` evaluates the rulebook on an
`R139Input` and gives a `Verdict139`, whose `to_dict()` is the JSON of
SPEC §3 with SPEC-R139 §4's keys (`version`, `regime`, `base`, `warnings`;
findings with `regime`, `via`, `lookthrough_rows`, `first_observed`,
`deadline`, `cure`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from constraints.rules import BREACH, NA, OK, UNKNOWN_S, RuleResult, euros, worst

from . import contracts, entities, funds, lines, ratios  # noqa: F401  (they register their kinds)
from .base import KINDS
from .cure import Cure, annotate
from .model import Ctx, R139Input, clean_value

EXIT_OK, EXIT_BREACH, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
NO_REGIME = None


@dataclass
class Verdict139:
    version: object
    as_of: dt.date
    results: list  # one RuleResult per rule id (régimes merged)
    total: int
    base: int
    regimes: list  # [{"regime", "mode", "base", "total"}]
    n_lines: int
    n_lookthrough: int
    warnings: list = field(default_factory=list)
    as_of_source: str | None = None
    # each régime as the rules saw it: (name, its Ctx, {rule id: RuleResult}), for the kinds' `figures` (reports)
    parts: list = field(default_factory=list, repr=False, compare=False)

    @property
    def status(self) -> str:
        s = worst(r.status for r in self.results)
        return OK if s == NA else s

    @property
    def exit_code(self) -> int:
        return {OK: EXIT_OK, BREACH: EXIT_BREACH, UNKNOWN_S: EXIT_UNKNOWN}[self.status]

    @property
    def regime(self) -> str:
        modes = {r["mode"] for r in self.regimes}
        if modes == {"simplifie"}:
            return "simplifie"
        if modes == {"complet"} or not modes:
            return "complet"
        return "mixte"

    @property
    def findings(self) -> list:
        out = [f for r in self.results for f in r.findings]
        out.sort(key=lambda f: f.status != BREACH)
        return out

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.spec.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_dict(self) -> dict:
        d = {
            "status": self.status,
            "total": euros(self.total),
            "base": euros(self.base),
            "lines": self.n_lines,
            "lookthrough_lines": self.n_lookthrough,
            "version": self.version.describe(),
            "regime": self.regime,
            "regimes": [{**r, "base": euros(r["base"]), "total": euros(r["total"])} for r in self.regimes],
            "as_of": self.as_of.isoformat(),
            "rules": [r.to_dict(self.version) for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
            "warnings": list(self.warnings),
        }
        if self.as_of_source is not None:
            d["as_of_source"] = self.as_of_source
        return d


_BUILT: dict = {}


def rules_of(version) -> list:
    hit = _BUILT.get(version.id)
    if hit is None or hit[0] is not version:
        hit = _BUILT[version.id] = (version, [KINDS[s.kind](s) for s in version.rules])
    return hit[1]


def split_regimes(X, simplified) -> list:
    """[(régime name or None, its items, simplified?)]: each régime apart, a fund's holdings with its line (RR 1;
    the optimizer splits them the same way)."""
    hit = X.__dict__.get("regime_groups")  # texts only: made once per table (and kept by `Table.with_amounts`)
    if hit is None:
        item_code = None
        holding = X["holding"]
        codes, names_u = X.codes["regime"]
        direct_codes = codes[~holding]
        if not (direct_codes >= 0).any():
            groups = [(NO_REGIME, None)]
        else:
            # a holding takes its fund line's régime; a line without one is a régime of its own
            line_code = np.full(int(X["line"].max()) + 2 if len(X) else 1, -1, dtype=np.int64)
            line_code[X["line"][~holding]] = direct_codes
            item_code = line_code[X["line"]]
            groups = [(str(names_u[c]), c) for c in sorted(set(direct_codes[direct_codes >= 0].tolist()),
                                                            key=lambda c: str(names_u[c]))]
            if (direct_codes < 0).any():
                groups.append(("(non renseigné)", -1))
        hit = X.__dict__["regime_groups"] = (groups, item_code)
    groups, item_code = hit
    out = []
    takes = X.__dict__.setdefault("regime_takes", {})  # each régime's items, taken once per table
    for name, c in groups:
        if c is not None and c not in takes:
            idx = np.flatnonzero(item_code == c)
            takes[c] = X.take(idx)
            takes[c].__dict__["index"] = idx  # its items' positions in the table (for `Table.with_amounts`)
        items = X if c is None else takes[c]
        if simplified is True:
            simp = True
        elif not simplified:
            simp = False
        else:
            simp = name is None or clean_value("regime", name) in {clean_value("regime", s) for s in simplified}
        out.append((name, items, simp))
    return out


def check(inp: R139Input, version, *, as_of: dt.date | None = None, simplified=None,
          simplified_since: dt.date | None = None, max_age_days: int | None = None) -> Verdict139:
    """Check an R. 139 portfolio. `simplified`: False (régime complet), True (the whole body in the régime
    simplifié) or a set of régime names (those régimes only)."""
    as_of = as_of or dt.date.today()
    X = inp.table()
    per_rule: dict = {r.id: [] for r in version.rules}
    regimes = []
    parts = []
    rules = rules_of(version)
    contracts_seen = 0
    for name, items, simp in split_regimes(X, simplified):
        ctx = Ctx(inp, items, version, as_of, simplified=simp, regime=name, max_age_days=max_age_days,
                  simplified_since=simplified_since)
        results = {}
        for rule in rules:
            if isinstance(rule, Cure):
                continue
            results[rule.id] = rule.evaluate(ctx)
        if "contracts_seen" not in ctx.smemo:
            ctx.smemo["contracts_seen"] = int((ctx.T & ctx.contract()).sum())
        contracts_seen += ctx.smemo["contracts_seen"]
        found = [f for r in results.values() for f in r.findings]
        annotate(ctx, found)
        for rule in rules:
            if isinstance(rule, Cure):
                results[rule.id] = rule.judge_with(ctx, found) if rule.applies(ctx) else rule.evaluate(ctx)
        for rid, r in results.items():
            per_rule[rid].append(r)
        parts.append((name, ctx, results))
        total = ctx.total(("view", "lines"), ctx.direct) if ctx.n else 0
        regimes.append({"regime": name, "mode": "simplifie" if simp else "complet", "base": ctx.base,
                        "total": total})
    results = [_merge(spec, per_rule[spec.id], len(regimes) > 1) for spec in version.rules]
    warnings = list(inp.warnings)
    if contracts_seen:
        warnings.append("R. 139-52 : l'actif vu par transparence comprend des contrats financiers "
                        f"({contracts_seen}) : projections mensuelles de la composition du portefeuille à établir "
                        "(échéances d'un mois, trois mois, six mois, un an, puis annuelles)")
    if "n_lines" not in X.__dict__:
        X.__dict__["n_lines"] = int((~X["holding"]).sum())
    n_lines = X.__dict__["n_lines"]
    return Verdict139(version, as_of, results, total=sum(r["total"] for r in regimes),
                      base=sum(r["base"] for r in regimes), regimes=regimes, n_lines=n_lines,
                      n_lookthrough=len(X) - n_lines, warnings=warnings, parts=parts)


def _merge(spec, parts: list, several: bool) -> RuleResult:
    if not parts:
        return RuleResult(spec, NA, [])
    if len(parts) == 1:
        return parts[0]
    status = worst(p.status for p in parts)
    findings = [f for p in parts for f in p.findings]
    lead = max(parts, key=lambda p: ({NA: 0, OK: 1, UNKNOWN_S: 2, BREACH: 3}[p.status], p.value or 0))
    return RuleResult(spec, status, findings, lead.value, lead.limit, lead.headroom, lead.figure, lead.note)
