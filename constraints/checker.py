"""The checker: every rule of the version in force, evaluated on a portfolio."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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
    as_of_source: str = rulebook.SOURCE_OPTION  # SPEC §4: where the portfolio's date came from
    as_of_where: str = ""

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
            "as_of_source": self.as_of_source,
            "as_of_where": self.as_of_where,
            "rules": [dict(r.to_dict(self.version), readings=readings_of(r.spec.id)) for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
            "warnings": list(self.warnings),
        }


READINGS_FILE = Path(__file__).resolve().parent / "readings.yaml"


@lru_cache(maxsize=None)
def _readings() -> tuple:
    import yaml

    with open(READINGS_FILE, encoding="utf-8") as fh:
        return tuple(yaml.load(fh, Loader=rulebook.YAML_LOADER)["readings"])


def readings_of(rule_id: str) -> list:
    """The readings of the text (`readings.yaml`) a rule's verdict depends on: each verdict cites them."""
    return list(_readings_of(rule_id))


@lru_cache(maxsize=None)
def _readings_of(rule_id: str) -> tuple:
    return tuple(r["id"] for r in _readings() if r["rules"] == "all" or rule_id in r["rules"])


_BUILT: dict = {}


def _rules(version: rulebook.Version, day: dt.date | None = None) -> list:
    """The rule objects of a version of the rulebook with the parameters in force on `day`, built once (they keep
    nothing of a portfolio)."""
    key = (id(version), version.edition(day))
    hit = _BUILT.get(key)
    if hit is None or hit[0] is not version:
        hit = _BUILT[key] = (version, build(version, day))
    return hit[1]


def _r623(version: rulebook.Version, day: dt.date) -> rulebook.Version:
    """This checker reads the R. 623 versions only: a portfolio dated under another text is never checked against
    the R. 623 rules."""
    if version.engine != "r623":
        raise rulebook.NoVersionInForce(
            f"au {day.strftime('%d/%m/%Y')}, les règles en vigueur sont celles de la version {version.id} "
            f"({version.title}) et non les articles R. 623-3 à R. 623-10-4, abrogés au 31/12/2017 : contrôler ce "
            "portefeuille avec `reserves check` au format de ces règles, ou donner sa date d'arrêté (--date, ou une "
            "cellule « Date d'arrêté » au-dessus de l'en-tête) si elle est antérieure au 01/01/2018")
    return version


def version_of(pf, date: dt.date | None = None) -> tuple[dt.date, rulebook.Version]:
    """(the portfolio's date, the R. 623 version in force that day): `rulebook.date_of`, `rulebook.for_date`."""
    day, _, _ = rulebook.date_of(pf, date)
    return day, _r623(rulebook.for_date(day), day)


def check(pf, *, date: dt.date | None = None, as_of: dt.date | None = None) -> Verdict:
    """Check a portfolio against the version in force on its date (SPEC §4): `date`, else the date the file
    states, else today (`rulebook.date_of`); a date no version covers is bad input (`NoVersionInForce`).

    `as_of` dates the membership of the EEA and the OECD; it defaults to the portfolio's date.
    """
    day, source, where = rulebook.date_of(pf, date)
    version = _r623(rulebook.for_date(day), day)
    as_of = as_of or day
    ctx = Context(pf, version, as_of, keep=True)  # the table's structure, kept from an earlier check if unchanged
    results = [rule.evaluate(ctx) for rule in _rules(version, day)]
    ctx.settle()  # what the next check of this table reads of its structure
    return Verdict(version, as_of, results, total=ctx.total("reserves"), base=ctx.total("reserves_less_excluded"),
                   gestion_total=ctx.total("gestion"), excluded_total=ctx.total("excluded"),
                   n_lines=ctx.n, warnings=list(getattr(pf, "warnings", [])), as_of_source=source,
                   as_of_where=where)
