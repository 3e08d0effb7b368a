"""The rulebook: versions of the text as data, each with its period of validity.

`versions()` lists every version file in `constraints/versions/`; `for_date`
picks the one in force on a date. A later version of the text is a new YAML
file beside the others, no code. The states' groups (EEA, OECD) are dated too,
in `constraints/data/states.yaml`: membership is read on the date of the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
VERSIONS_DIR = HERE / "versions"
STATES_FILE = HERE / "data" / "states.yaml"

try:  # the C loader is ten times faster; fall back when PyYAML was built without it
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


from reserves.portfolio.errors import InputError, Problem

TEXTS_FILE = HERE / "data" / "texts.yaml"


class NoVersionInForce(InputError):
    """No version of the rulebook covers the requested date: bad input (exit 2), with the reason."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])


@dataclass(frozen=True)
class RuleSpec:
    id: str
    article: str
    title: str
    quote: str
    kind: str
    params: dict
    set_by: str = ""  # the text that set the version (the reference of a parameter that is not dated)

    def limit(self, day: dt.date | None = None) -> Fraction:
        """The limit in force on `day` (without a day: the latest value of the version)."""
        return Fraction(str(self.parameter("limit", day)[0]))

    def parameter(self, name: str, day: dt.date | None = None) -> tuple:
        """(value, reference, date it took effect) of a parameter on `day`: a dated parameter gives the value
        set last on or before that day and the text that set it; a plain one, its value and the version's decree
        (date None)."""
        v = self.params[name]
        if not isinstance(v, dict):
            return v, self.set_by, None
        days = sorted(d for d in v if day is None or d <= day)
        if not days:
            first = min(v)
            raise KeyError(f"{self.id} : « {name} » n'est pas encore fixé au {day:%d/%m/%Y} (fixé à partir du "
                           f"{first:%d/%m/%Y})")
        item = v[days[-1]]
        return str(item["value"]), str(item["reference"]), days[-1]

    def at(self, day: dt.date | None) -> "RuleSpec":
        """The rule with each dated parameter replaced by its value on `day`."""
        dated = {k: self.parameter(k, day)[0] for k, v in self.params.items() if isinstance(v, dict) and
                 all(isinstance(d, dt.date) for d in v)}
        return replace(self, params={**self.params, **dated}) if dated else self

    def with_margin(self, margin) -> "RuleSpec":
        """The rule with its limit tightened by a safety margin (a cap lowered, a floor raised)."""
        m = Fraction(margin)
        if not m or "limit" not in self.params:
            return self
        lim = self.limit()
        new = lim + m if self.params.get("sense") == "min" else lim - m
        return replace(self, params={**self.params, "limit": f"{new.numerator}/{new.denominator}"})


@dataclass(frozen=True)
class Version:
    id: str
    title: str
    valid_from: dt.date
    valid_until: dt.date | None
    set_by: str
    ended_by: str | None
    reference: str
    categories: dict
    rules: tuple[RuleSpec, ...]
    exclusions: dict
    path: str
    engine: str = "r623"  # which checker reads it: the R. 623 kinds, or the R. 139 ones (constraints/r139)
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # the version's other data (natures…)

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def edition(self, day: dt.date | None) -> dt.date | None:
        """The last date on or before `day` on which a dated parameter of the version took effect: two days of the
        same edition have the same parameters."""
        days = [d for spec in self.rules for v in spec.params.values() if isinstance(v, dict)
                for d in v if isinstance(d, dt.date) and (day is None or d <= day)]
        return max(days, default=None)

    def rule(self, rule_id: str) -> RuleSpec:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def describe(self) -> dict:
        return {"id": self.id, "title": self.title, "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "set_by": self.set_by, "ended_by": self.ended_by}

    def period_fr(self) -> str:
        if self.valid_until is None:
            return f"depuis le {self.valid_from.strftime('%d/%m/%Y')}"
        return f"du {self.valid_from.strftime('%d/%m/%Y')} au {self.valid_until.strftime('%d/%m/%Y')}"


_VERSION_KEYS = {"version", "title", "valid_from", "valid_until", "set_by", "ended_by", "reference", "categories",
                 "rules", "exclusions", "engine"}


def load_version(path: Path) -> Version:
    """Read and validate one version file (`schema.RulebookError`, in French, naming the file, the rule and the
    key, when it does not follow the schema)."""
    from .schema import validate_rule, validate_version

    with open(path, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=_Loader)
    name = f"constraints/versions/{Path(path).name}" if Path(path).parent == VERSIONS_DIR else str(path)
    head = validate_version(doc, name)
    rules = []
    seen = set()
    for k, r in enumerate(doc["rules"]):
        common, own = validate_rule(r, name, k, head.engine)
        if r["id"] in seen:
            from .schema import RulebookError

            raise RulebookError(f"règlement {name}, règle {r['id']} : identifiant en double (clé « id »)")
        seen.add(r["id"])
        rules.append(RuleSpec(r["id"], r["article"], r["title"], " ".join(str(r["quote"]).split()), r["kind"], own,
                              head.set_by))
    return Version(
        id=head.version, title=head.title, valid_from=head.valid_from, valid_until=head.valid_until,
        set_by=head.set_by, ended_by=head.ended_by, reference=head.reference,
        categories={str(k): v for k, v in head.categories.items()}, rules=tuple(rules),
        exclusions=doc.get("exclusions") or {}, path=str(path), engine=head.engine,
        extra={k: v for k, v in doc.items() if k not in _VERSION_KEYS})


_load_version = load_version


@lru_cache(maxsize=None)
def versions() -> tuple[Version, ...]:
    found = sorted((_load_version(p) for p in VERSIONS_DIR.glob("*.yaml")), key=lambda v: v.valid_from)
    for a, b in zip(found, found[1:]):
        if a.valid_until is None or a.valid_until >= b.valid_from:
            raise ValueError(f"rulebook versions {a.id} and {b.id} overlap")
    return tuple(found)


def latest(engine: str = "r623") -> Version:
    """The latest version read by a checker (`r623`, the one the optimizer, the reports and the pre-trade check
    read; `r139`, constraints/r139)."""
    return [v for v in versions() if v.engine == engine][-1]


@lru_cache(maxsize=None)
def _texts() -> list:
    with open(TEXTS_FILE, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def for_date(day: dt.date | None) -> Version:
    """The version of the rules in force on `day`: the one place that chooses it (SPEC §4). A date that no version
    file covers is bad input, with what the product knows of that period (the gap of 2018-2019, before 2002):
    never another version's rules silently. Without a date, the latest R. 623 version (`reserves check` and
    `checker.check` ask for the portfolio's date themselves, `date_of`)."""
    if day is None:
        return latest()
    if isinstance(day, dt.datetime):
        day = day.date()
    for v in versions():
        if v.in_force(day):
            return v
    for a, b in zip(versions(), versions()[1:]):  # a period between two versions whose text the product lacks
        gap = b.extra.get("gap_before")
        if gap and a.valid_until is not None and a.valid_until < day < b.valid_from:
            raise NoVersionInForce(gap["message"])
    shown = day.strftime("%d/%m/%Y")
    for t in _texts():
        if t["from"] <= day <= t["until"]:
            raise NoVersionInForce(" ".join(str(t["message"]).split()).replace("{date}", shown))
    covered = "; ".join(f"{v.id} {v.period_fr()}" for v in versions())
    raise NoVersionInForce(f"aucune version du règlement n'est en vigueur au {shown} : le produit connaît {covered}")


# Where the date of a check comes from (SPEC §4): the JSON's `as_of_source`.
SOURCE_OPTION, SOURCE_FILE, SOURCE_TODAY = "--date", "date du fichier", "date du jour"


def date_of(pf, date: dt.date | None = None) -> tuple[dt.date, str, str]:
    """(the portfolio's date, its source, where it was read): `--date`, else the date the file states, else today."""
    if date is not None:
        return date, SOURCE_OPTION, "option --date"
    stated = getattr(pf, "as_of", None)
    if stated is not None:
        return stated, SOURCE_FILE, getattr(pf, "as_of_where", "") or "fichier"
    return dt.date.today(), SOURCE_TODAY, "aucune date dans le fichier ni --date : date du jour"


@lru_cache(maxsize=None)
def _states_doc() -> dict:
    with open(STATES_FILE, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


@lru_cache(maxsize=None)
def states_on(group: str, day: dt.date) -> frozenset:
    members = _states_doc()[group]["members"]
    return frozenset(code for code, span in members.items()
                     if span["joined"] <= day and (span.get("left") is None or day <= span["left"]))


def state_groups() -> dict:
    return {k: v["title"] for k, v in _states_doc().items()}
