"""The rulebook: versions of the text as data, each with its period of validity.

`versions()` lists every version file in `constraints/versions/`; `for_date`
picks the one in force on a date. A later version of the text is a new YAML
file beside the others, no code. The states' groups (EEA, OECD) are dated too,
in `constraints/data/states.yaml`: membership is read on the date of the check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import yaml

HERE = Path(__file__).parent
VERSIONS_DIR = HERE / "versions"
STATES_FILE = HERE / "data" / "states.yaml"

try:  # the C loader is ten times faster; fall back when PyYAML was built without it
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
YAML_LOADER = _Loader  # safe: plain data only


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
        from .kind import tightened  # the margin's one formula, the optimizer's rows' own

        m = Fraction(margin)
        if not m or "limit" not in self.params:
            return self
        new = tightened(self.limit(), self.params.get("sense", "max"), m)
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
    exclusions: dict  # {quote, values}: the marks of the latest `base_exclusions` reading (R. 623-10-1)
    path: str
    engine: str = "r623"  # which checker reads it: the R. 623 kinds, or the R. 139 ones (constraints/r139)
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # the version's other data (natures…)
    readings: object = field(default=None, compare=False, hash=False)  # `schema.Readings` of an R. 623 version, as
    # plain data (`_plain`: the same attributes)

    def reading(self, name: str, day: dt.date | None = None) -> tuple:
        """(values, reference, date it took effect) of a reading of the lines in force on `day` (without a day:
        the latest), as `RuleSpec.parameter` answers for a limit."""
        dated = getattr(self.readings, name).values
        days = sorted(d for d in dated if day is None or d <= day)
        if not days:
            raise KeyError(f"{self.id} : la lecture « {name} » n'est pas encore fixée au {day:%d/%m/%Y}")
        item = dated[days[-1]]
        return item, item.reference, days[-1]

    def line_readings(self, day: dt.date | None = None):
        """The readings the lines are marked with on `day`, as the loader takes them (`LineReadings`)."""
        if day is not None:  # two days of one edition of the readings read the same
            days = [d for reading in vars(self.readings).values() for d in reading.values if d <= day]
            day = max(days, default=day)
        cache = self.__dict__.setdefault("_line_readings", {})
        if day not in cache:
            cache[day] = _line_readings(self, day)
        return cache[day]

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
                 "rules", "readings", "engine"}


def load_version(path: Path) -> Version:
    """Read and validate one version file (`schema.RulebookError`, in French, naming the file, the rule and the
    key, when it does not follow the schema). What was validated is kept on disk (`validated_cache_dir`), keyed by
    the SHA-256 of the file and of the code that validates it: the next process reads it without validating (nor
    loading pydantic); a changed file, or changed code, is validated again."""
    path = Path(path)
    data = path.read_bytes()
    key = _validated_key(data)
    version = _validated_get(key)
    if version is None:
        version = _validate_version(path, data)
        _validated_put(key, version)
    return replace(version, path=str(path))


def _validate_version(path: Path, data: bytes) -> Version:
    from .schema import validate_readings, validate_rule, validate_version

    doc = yaml.load(data.decode("utf-8"), Loader=_Loader)
    name = f"constraints/versions/{path.name}" if path.parent == VERSIONS_DIR else str(path)
    head = validate_version(doc, name)
    readings = _plain(validate_readings(doc.get("readings"), name)) if head.engine == "r623" else None
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
        exclusions=_exclusions(readings), path=str(path), engine=head.engine,
        extra={k: v for k, v in doc.items() if k not in _VERSION_KEYS}, readings=readings)


def _plain(value):
    """A validated pydantic model as plain data with the same attributes (`SimpleNamespace`): what a check reads of
    a version needs no pydantic, and keeps without it."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return SimpleNamespace(**{k: _plain(getattr(value, k)) for k in fields})
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- the versions validated, kept on disk

CACHE_ENV = "RESERVES_CACHE_DIR"  # where validated versions are kept; set empty: nothing is kept
_ROOT = HERE.parent


def validated_cache_dir() -> Path | None:
    """The folder of validated versions: $RESERVES_CACHE_DIR, else the user's cache folder (XDG); None when the
    variable is set empty."""
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return Path(given) if given.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reserves" / "rulebook"


@lru_cache(maxsize=None)
def _code_version() -> bytes:
    """SHA-256 of what validation depends on besides the file: the code and data of `constraints/`, the tables of
    the portfolio's parser and columns it checks against, pydantic's version and Python's."""
    import importlib.util
    import sys

    h = hashlib.sha256(sys.version.encode())
    files = sorted(p for p in HERE.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file())
    files += [_ROOT / "reserves" / "portfolio" / "parsing.py", _ROOT / "reserves" / "portfolio" / "columns.py"]
    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).parent / "version.py")
    for p in files:
        h.update(str(p.relative_to(_ROOT) if p.is_relative_to(_ROOT) else p.name).encode())
        try:
            h.update(hashlib.sha256(p.read_bytes()).digest())
        except OSError:
            h.update(b"-")
    return h.digest()


def _validated_key(data: bytes) -> str:
    return hashlib.sha256(_code_version() + hashlib.sha256(data).digest()).hexdigest()


def _private_dir(d: Path) -> bool:
    """Ours alone: a validated version is read back only from a folder no one else may write to."""
    try:
        st = d.stat()
    except OSError:
        return False
    return d.is_dir() and st.st_uid == os.getuid() and not st.st_mode & 0o022


KEPT_VERSIONS = 64  # validated versions kept at most (each code version keys its own): the oldest go first


def _prune(d: Path, keep: str) -> None:
    """Leave at most `KEPT_VERSIONS` validated versions in `d`, the least recently written removed first."""
    found = []
    for p in d.glob("*.pickle"):
        with contextlib.suppress(OSError):
            found.append((p.stat().st_mtime_ns, p))
    found.sort(reverse=True)
    for _, p in found[KEPT_VERSIONS:]:
        if p.name != keep:
            with contextlib.suppress(OSError):
                p.unlink()


def _validated_get(key: str) -> Version | None:
    d = validated_cache_dir()
    if d is None or not _private_dir(d):
        return None
    try:
        with open(d / f"{key}.pickle", "rb") as fh:
            found = pickle.load(fh)
    except Exception:  # none yet, or unreadable: validated again (and written again)
        return None
    return found if isinstance(found, Version) else None


def _validated_put(key: str, version: Version) -> None:
    d = validated_cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private_dir(d):
            return
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(version, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, d / f"{key}.pickle")
            _prune(d, keep=f"{key}.pickle")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError):  # a read-only or full disk: the next process validates again
        return


def _exclusions(readings) -> dict:
    """{quote, values} of the latest `base_exclusions` reading (the marks a template lists), {} without readings."""
    if readings is None:
        return {}
    r = readings.base_exclusions
    return {"quote": " ".join(r.quote.split()), "values": list(r.values[max(r.values)].marks)}


_load_version = load_version


def _line_readings(version: Version, day: dt.date | None):
    from reserves.portfolio.parsing import CATEGORY_CODES
    from reserves.portfolio.readings import LineReadings

    def cats(items):
        items = list(CATEGORY_CODES) if items == "all" else items
        return frozenset(CATEGORY_CODES[str(c)] for c in items)

    euro = version.reading("euro_assets", day)[0]
    excl = version.reading("base_exclusions", day)[0]
    accrued = version.reading("accrued_interest", day)[0]
    return LineReadings(euro_currencies=frozenset(euro.currencies), euro_flag=euro.or_flag,
                        exclusion_marks=tuple(excl.marks), exclusion_categories=cats(excl.categories),
                        exclusion_pockets=frozenset(excl.pockets), claim_categories=cats(accrued.categories))


def line_marks(ctx) -> tuple:
    """(`excluded`, `euro`) of the lines of a rules' context, read from the version in force: the loader's own
    columns when it marked them with the same readings (or the lines came without any), else marked again here."""
    pf, version = ctx.pf, ctx.version
    given = getattr(pf, "readings", None)
    if given is None or version.readings is None or given == version.line_readings(ctx.as_of):
        return ctx.column("excluded", bool), ctx.column("euro", bool)
    from reserves.portfolio.readings import mark_lines

    readings = version.line_readings(ctx.as_of)
    L = ctx.L
    flag = L[readings.euro_flag].to_numpy() if readings.euro_flag in L.columns else None
    marks = mark_lines(readings, category=L["category"].to_numpy(), currency=L["currency"].to_numpy(),
                       euro_flag=flag, pocket=L["pocket"].to_numpy(), exclusion=L["exclusion"].to_numpy())
    for a in marks.values():
        a.flags.writeable = False
    return marks["excluded"], marks["euro"]


@lru_cache(maxsize=64)
def _version_file(path: str, stamp: tuple) -> Version:
    """One version file read and validated once while it is unchanged (`stamp`: its modification time and size), the
    same object for `versions()` and `for_date`."""
    return _load_version(Path(path))


def _read_version(path: Path) -> Version:
    st = path.stat()
    return _version_file(str(path), (st.st_mtime_ns, st.st_size))


_HEAD_DATE = re.compile(r"^(valid_from|valid_until):[ \t]*['\"]?(\d{4}-\d{2}-\d{2}|null|~)?['\"]?[ \t]*(?:#.*)?$", re.M)


def _period_of(path: Path) -> tuple | None:
    """(valid_from, valid_until) as a version file's top-level keys state them, read without parsing the file;
    None when they are not written plainly (the file is then read in full). Read once while the file is unchanged
    (its modification time and size), as `_version_file` keeps the version it holds."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _period_in(str(path), (st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=64)
def _period_in(path: str, stamp: tuple) -> tuple | None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    found: dict = {}
    for m in _HEAD_DATE.finditer(text):
        if m.group(1) in found:
            return None
        v = m.group(2)
        found[m.group(1)] = None if v in (None, "null", "~") else dt.date.fromisoformat(v)
    if found.get("valid_from") is None:
        return None
    return found["valid_from"], found.get("valid_until")


def _version_files(folder: Path) -> tuple:
    """The version files of a folder, sorted, listed again only when the folder changed (its modification time)."""
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        return ()
    return _listing(str(folder), stamp)


@lru_cache(maxsize=16)
def _listing(folder: str, stamp: int) -> tuple:
    return tuple(sorted(Path(folder).glob("*.yaml")))


def _only_version_on(day: dt.date) -> Version | None:
    """The version in force on `day` read alone, when the others have not been read yet and the periods the files
    state put exactly one of them over that day (a check reads only the version it needs); None otherwise."""
    if versions.cache_info().currsize:
        return None
    periods = [(p, _period_of(p)) for p in _version_files(VERSIONS_DIR)]
    if not periods or any(per is None for _, per in periods):
        return None
    over = [p for p, (a, b) in periods if a <= day and (b is None or day <= b)]
    if len(over) != 1:
        return None
    v = _read_version(over[0])
    return v if v.in_force(day) else None


@lru_cache(maxsize=None)
def versions() -> tuple[Version, ...]:
    found = sorted((_read_version(p) for p in VERSIONS_DIR.glob("*.yaml")), key=lambda v: v.valid_from)
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
    only = _only_version_on(day)
    if only is not None:
        return only
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
