"""The checker: every rule of the version in force, evaluated on a portfolio."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import rulebook
from .rules import BREACH, NA, OK, UNKNOWN_S, Context, RuleResult, build, euros, worst

EXIT_OK, EXIT_BREACH, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3


@dataclass
class Verdict:
    version: rulebook.Version
    as_of: dt.date
    results: list[RuleResult]
    total: int  # reserves pocket, cents, accrued interest included
    base: int  # R. 623-10-1 base, cents
    gestion_total: int
    excluded_total: int
    n_lines: int
    warnings: list = field(default_factory=list)

    @property
    def status(self) -> str:
        s = worst(r.status for r in self.results)
        return OK if s == NA else s

    @property
    def exit_code(self) -> int:
        return {OK: EXIT_OK, BREACH: EXIT_BREACH, UNKNOWN_S: EXIT_UNKNOWN}[self.status]

    @property
    def findings(self) -> list:
        out = [f for r in self.results for f in r.findings]
        out.sort(key=lambda f: f.status != BREACH)  # breaches first, stable within
        return out

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.spec.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "total": euros(self.total),
            "base": euros(self.base),
            "gestion_total": euros(self.gestion_total),
            "excluded": euros(self.excluded_total),
            "lines": self.n_lines,
            "version": self.version.describe(),
            "as_of": self.as_of.isoformat(),
            "rules": [r.to_dict(self.version) for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
            "warnings": list(self.warnings),
        }


_BUILT: dict = {}


def _rules(version: rulebook.Version, day: dt.date | None = None) -> list:
    """The rule objects of a version of the rulebook with the parameters in force on `day`, built once (they keep
    nothing of a portfolio)."""
    key = (id(version), version.edition(day))
    hit = _BUILT.get(key)
    if hit is None or hit[0] is not version:
        hit = _BUILT[key] = (version, build(version, day))
    return hit[1]


def check(pf, *, date: dt.date | None = None, as_of: dt.date | None = None) -> Verdict:
    """Check a portfolio against the version in force on `date` (the latest version without one).

    `as_of` dates the membership of the EEA and the OECD; it defaults to
    `date`, or to today.
    """
    version = rulebook.for_date(date)
    as_of = as_of or date or dt.date.today()
    ctx = Context(pf, version, as_of)
    results = [rule.evaluate(ctx) for rule in _rules(version, date)]
    return Verdict(version, as_of, results, total=ctx.total("reserves"), base=ctx.total("reserves_less_excluded"),
                   gestion_total=ctx.total("gestion"), excluded_total=ctx.total("excluded"),
                   n_lines=ctx.n, warnings=list(getattr(pf, "warnings", [])))
