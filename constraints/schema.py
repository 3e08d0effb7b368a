"""The typed schema of the rulebook files: what every entry and every kind may say, checked at load.

Each kind declares its keys as a pydantic model (`RuleKind.Params`, built from
the pieces below); `validate_rule` checks one entry of a version file against
the common keys and its kind's model, and `RulebookError` says, in French,
which file, which rule and which key is wrong. An unknown key is refused (a
`share` rule with `{currency_not: EUR}` would otherwise count the whole base),
and so is an unknown kind.

Parameters may be dated, as OpenFisca's are: a limit is either one value
(`limit: "0.20"`, set by the version's decree) or a mapping from the date it
took effect to its value and the text that set it
(`limit: {2002-11-01: {value: "0.20", reference: "Décret n° 2002-1314"}}`),
so that « which limit was in force on this date, and which text set it » is
answered from the data alone (`RuleSpec.parameter`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from reserves.portfolio.parsing import CATEGORY_CODES, POCKETS

CATEGORY_NAMES = tuple(CATEGORY_CODES)  # 1 … 13, IFT, AUTRE: the parser's own table
BASES = ("reserves", "reserves_less_excluded")


class RulebookError(ValueError):
    """A rulebook file that does not follow the schema (the message names the file, the rule and the key)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# --------------------------------------------------------------------------- pieces


def _fraction(v: Any) -> Fraction:
    if isinstance(v, bool):
        raise ValueError("nombre attendu")
    try:
        f = Fraction(Decimal(str(v).strip()))
    except (InvalidOperation, ValueError):
        raise ValueError(f"nombre attendu, lu « {v} »") from None
    return f


def _share(v: Any) -> str:
    f = _fraction(v)
    if not 0 <= f <= 1:
        raise ValueError(f"part entre 0 et 1 attendue, lue « {v} »")
    return str(v)


def _categories(v: Any):
    if v == "all":
        return v
    if not isinstance(v, (list, tuple)) or not v:
        raise ValueError("liste de catégories attendue (1 à 13, IFT, AUTRE) ou « all »")
    bad = [c for c in v if str(c) not in CATEGORY_NAMES]
    if bad:
        raise ValueError(f"catégorie inconnue « {bad[0]} » (attendu 1 à 13, IFT ou AUTRE)")
    return list(v)


def _column(v: Any) -> str:
    from reserves.portfolio.columns import BY_FIELD

    if not isinstance(v, str) or v not in BY_FIELD:
        raise ValueError(f"colonne inconnue « {v} »")
    return v


def _number_text(v: Any) -> str:
    _fraction(v)
    return str(v)


ShareText = Annotated[str, BeforeValidator(_share)]
NumberText = Annotated[str, BeforeValidator(_number_text)]
Categories = Annotated[Union[list, str], BeforeValidator(_categories)]
ColumnName = Annotated[str, BeforeValidator(_column)]


class DatedValue(Strict):
    value: ShareText
    reference: str


def _limit(v: Any):
    """A limit: one share, or {date it took effect: {value, reference}}."""
    if isinstance(v, dict):
        if not v:
            raise ValueError("limite datée vide")
        out = {}
        for day, item in v.items():
            if not isinstance(day, dt.date):
                raise ValueError(f"date de prise d'effet attendue (AAAA-MM-JJ), lue « {day} »")
            out[day] = DatedValue.model_validate(item)
        return out
    return _share(v)


Limit = Annotated[Union[str, dict], BeforeValidator(_limit)]


# --------------------------------------------------------------------------- requirements of line conditions


class _Req(Strict):
    column: ColumnName


class IsReq(_Req):
    is_: bool = Field(alias="is")
    blank_means: bool | None = None


class AtMostReq(_Req):
    at_most: NumberText


class AtLeastReq(_Req):
    at_least: NumberText


class InReq(_Req):
    in_: str | list[str] = Field(alias="in")  # a group of states, or a list of groups and codes (`[EEE, INT]`)

    @field_validator("in_")
    @classmethod
    def _group(cls, v):
        from .rulebook import state_groups

        if isinstance(v, list):
            bad = [x for x in v if not (x in state_groups() or (isinstance(x, str) and x.isupper() and 2 <= len(x) <= 3))]
            if bad or not v:
                raise ValueError(f"groupe d'États ou code pays inconnu « {bad[0] if bad else ''} »")
            return v
        if v not in state_groups():
            raise ValueError(f"groupe d'États inconnu « {v} » (connus : {', '.join(state_groups())})")
        return v


class NotInReq(_Req):
    not_in: list[str]


class AnyOfReq(Strict):
    any_of: list["Requirement"]


_REQ_KEYS = {"is": IsReq, "at_most": AtMostReq, "at_least": AtLeastReq, "in": InReq, "not_in": NotInReq,
             "any_of": AnyOfReq}


def _requirement(v: Any):
    if v == "never":
        return v
    if not isinstance(v, dict):
        raise ValueError("condition attendue : « never » ou une table (column et is, at_most, at_least, in, not_in "
                         "ou any_of)")
    tests = [k for k in v if k in _REQ_KEYS]
    if len(tests) != 1:
        raise ValueError("une condition a un seul test parmi is, at_most, at_least, in, not_in, any_of ; lu : "
                         + (", ".join(map(str, v)) or "rien"))
    return _REQ_KEYS[tests[0]].model_validate(v)


Requirement = Annotated[Any, BeforeValidator(_requirement)]
AnyOfReq.model_rebuild()


class Condition(Strict):
    when: Categories
    require: Requirement
    says: str


# --------------------------------------------------------------------------- the entries


class Entry(Strict):
    """The keys every rule has, whatever its kind."""

    id: str
    article: str
    title: str
    quote: str
    kind: str


def _french(err: ValidationError, at: tuple = ()) -> tuple[str, str]:
    """(key, French reason) of pydantic's errors: unknown keys first (a misspelt key also leaves one missing);
    `at`: where the model that failed sits in the file (its keys are named from there)."""
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    said = [_french_one({**e, "loc": tuple(at) + tuple(e["loc"])}) for e in errors[:3]]
    return said[0][0], " ; ".join(dict.fromkeys(r for _, r in said))


def _french_one(e: dict) -> tuple[str, str]:
    loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-"))
    kind = e["type"]
    if kind == "extra_forbidden":
        return loc, f"clé inconnue « {loc} »"
    if kind == "missing":
        return loc, f"clé manquante « {loc} »"
    if kind == "literal_error":
        expected = e.get("ctx", {}).get("expected", "")
        return loc, f"« {loc} » : valeur « {e.get('input')} » non admise (attendu {expected})"
    msg = str(e.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if kind.endswith("_type") or kind.endswith("_parsing"):
        msg = f"type inattendu (lu « {e.get('input')} »)"
    return loc, f"« {loc} » : {msg}"


def kinds_of(engine: str) -> dict:
    """The kinds a checker knows (`r623`: constraints.kinds; `r139`: constraints.r139)."""
    if engine == "r139":
        from .r139 import checker as _registers  # noqa: F401  (imports every R. 139 kind)
        from .r139.base import KINDS
    else:
        from .kinds import KINDS
    return KINDS


def validate_rule(doc: Any, path: str, index: int, engine: str = "r623"):
    """Check one entry of a version file; return (common keys, the kind's own keys as given)."""
    KINDS = kinds_of(engine)

    where = f"règlement {path}"
    if not isinstance(doc, dict):
        raise RulebookError(f"{where}, règle n° {index + 1} : une table est attendue")
    rid = doc.get("id", f"n° {index + 1}")
    common = {k: doc[k] for k in Entry.model_fields if k in doc}
    try:
        Entry.model_validate(common)
    except ValidationError as err:
        key, reason = _french(err)
        raise RulebookError(f"{where}, règle {rid} : {reason}") from None
    cls = KINDS.get(doc["kind"])
    if cls is None:
        raise RulebookError(f"{where}, règle {rid} : type de règle inconnu « {doc['kind']} » (clé « kind » ; types "
                            f"connus : {', '.join(sorted(KINDS))})")
    own = {k: v for k, v in doc.items() if k not in Entry.model_fields}
    if getattr(cls, "Params", None) is not None:
        try:
            cls.Params.model_validate(own)
        except ValidationError as err:
            key, reason = _french(err)
            raise RulebookError(f"{where}, règle {rid} ({doc['kind']}) : {reason}") from None
    return common, own


# --------------------------------------------------------------------------- readings of the lines


def _bool_column(v: Any) -> str:
    from reserves.portfolio.columns import BY_FIELD

    if not isinstance(v, str) or v not in BY_FIELD or BY_FIELD[v].kind != "bool":
        raise ValueError(f"colonne oui/non attendue, lue « {v} »")
    return v


def _currency(v: Any) -> str:
    if not (isinstance(v, str) and len(v) == 3 and v.isalpha() and v.isupper()):
        raise ValueError(f"code de devise ISO 4217 attendu (EUR), lu « {v} »")
    return v


def _pocket(v: Any) -> str:
    if v not in POCKETS:
        raise ValueError(f"poche inconnue « {v} » (attendu {' ou '.join(POCKETS)})")
    return v


class EuroAssets(Strict):
    """R. 623-3 IV: a line in one of `currencies`, or marked yes in `or_flag`, is a euro asset."""

    reference: str
    currencies: Annotated[list[Annotated[str, BeforeValidator(_currency)]], Field(min_length=1)]
    or_flag: Annotated[str, BeforeValidator(_bool_column)]


class BaseExclusions(Strict):
    """R. 623-10-1, last paragraph: a line of `categories` in `pockets` marked with one of `marks` leaves the base."""

    reference: str
    marks: Annotated[list[str], Field(min_length=1)]
    categories: Categories
    pockets: Annotated[list[Annotated[str, BeforeValidator(_pocket)]], Field(min_length=1)]


class AccruedInterest(Strict):
    """R. 623-3 IV: the categories whose lines bear accrued interest."""

    reference: str
    categories: Categories


def _dated(model):
    def check(v: Any):
        if not isinstance(v, dict) or not v:
            raise ValueError("valeurs datées attendues : {AAAA-MM-JJ: {reference, …}}")
        out = {}
        for day, item in v.items():
            if not isinstance(day, dt.date):
                raise ValueError(f"date de prise d'effet attendue (AAAA-MM-JJ), lue « {day} »")
            out[day] = model.model_validate(item)
        return out
    return Annotated[dict, BeforeValidator(check)]


class _Reading(Strict):
    reading: str  # the reading of readings.yaml that explains it (L1…)
    article: str
    quote: str


class EuroAssetsReading(_Reading):
    values: _dated(EuroAssets)


class BaseExclusionsReading(_Reading):
    values: _dated(BaseExclusions)


class AccruedInterestReading(_Reading):
    values: _dated(AccruedInterest)


class Readings(Strict):
    """How an R. 623 version reads the lines, each reading dated, with the text that set it."""

    euro_assets: EuroAssetsReading
    base_exclusions: BaseExclusionsReading
    accrued_interest: AccruedInterestReading


class VersionDoc(BaseModel):
    """A version file's own keys (the rules are checked one by one). A version read by the R. 139 checker carries
    more data of its own (natures, groups of states…), which its checker reads."""

    model_config = ConfigDict(extra="allow")

    version: str
    title: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    set_by: str
    ended_by: str | None = None
    reference: str = ""
    categories: dict
    rules: list
    readings: Any = None  # `Readings` for an R. 623 version (checked below)
    engine: Literal["r623", "r139"] = "r623"


def validate_version(doc: Any, path: str) -> VersionDoc:
    if not isinstance(doc, dict):
        raise RulebookError(f"règlement {path} : une table est attendue")
    try:
        v = VersionDoc.model_validate(doc)
    except ValidationError as err:
        key, reason = _french(err)
        raise RulebookError(f"règlement {path} : {reason}") from None
    if v.engine == "r623":  # the R. 623 checker reads only these keys: any other is a mistake
        extra = sorted(set(doc) - set(VersionDoc.model_fields))
        if extra:
            raise RulebookError(f"règlement {path} : clé inconnue « {extra[0]} »")
    bad = [k for k in v.categories if str(k) not in CATEGORY_NAMES]
    if bad:
        raise RulebookError(f"règlement {path} : « categories » : catégorie inconnue « {bad[0]} »")
    return v


_READING_VALUES = {"euro_assets": EuroAssets, "base_exclusions": BaseExclusions, "accrued_interest": AccruedInterest}


def validate_readings(doc: Any, path: str) -> Readings:
    """The `readings:` of an R. 623 version: every one is required (the loader and the checker mark lines with them)."""
    if not isinstance(doc, dict):
        raise RulebookError(f"règlement {path} : clé manquante « readings » (actifs en euros, exclusions de la base, "
                            "coupon couru)")
    for name, item in doc.items():
        model = Readings.model_fields.get(name)
        if model is None:
            raise RulebookError(f"règlement {path}, lecture « {name} » : clé inconnue « {name} » (lectures connues : "
                                f"{', '.join(Readings.model_fields)})")
        values = item.get("values") if isinstance(item, dict) else None
        for day, value in (values.items() if isinstance(values, dict) else ()):
            if not isinstance(day, dt.date):
                raise RulebookError(f"règlement {path}, lecture « {name} » : « values » : date de prise d'effet "
                                    f"attendue (AAAA-MM-JJ), lue « {day} »")
            try:  # each dated value on its own, so that the message names its date
                _READING_VALUES[name].model_validate(value)
            except ValidationError as err:
                key, reason = _french(err, ("values", day))
                raise RulebookError(f"règlement {path}, lecture « {name} » : {reason}") from None
        try:
            model.annotation.model_validate(item)
        except ValidationError as err:
            key, reason = _french(err)
            raise RulebookError(f"règlement {path}, lecture « {name} » : {reason}") from None
    try:
        return Readings.model_validate(doc)
    except ValidationError as err:  # a reading left out
        key, reason = _french(err)
        raise RulebookError(f"règlement {path}, lectures : {reason}") from None


__all__ = ["RulebookError", "Readings", "Strict", "Limit", "ShareText", "Categories", "ColumnName", "Condition", "Requirement",
           "NumberText", "validate_rule", "validate_version", "validate_readings", "POCKETS", "BASES", "Literal"]
