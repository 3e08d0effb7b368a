"""The rulebook keys of each R. 623 kind (`RuleKind.Params`), as pydantic models, checked when a version file is
validated (`constraints.schema.validate_rule`). Apart from the kinds so that a check of a portfolio whose rulebook
was validated already (`constraints.rulebook`'s cache) never loads pydantic; each kind names its model here
(`Params = deferred("constraints.params", "…")`)."""

from __future__ import annotations

from .schema import Categories, ColumnName, Condition, Limit, Literal, Strict


class LineConditionsParams(Strict):
    pockets: list[Literal["reserves", "gestion"]] = ["reserves", "gestion"]
    covers: Literal["all"] | None = None  # every line of the pockets is spoken of, not only those that fail
    conditions: list[Condition]


class NumeratorClause(Strict):
    """Lines that count: every key given must hold (a clause with none counts every line of the base)."""

    categories: Categories | None = None
    currency: str | None = None
    flag: ColumnName | None = None
    euro: bool | None = None


class ShareParams(Strict):
    sense: Literal["min", "max"]
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    numerator: list[NumeratorClause]
    qualify: list[str] | None = None  # READING 14: rules whose conditions a line must meet to count


class IssuerCapParams(Strict):
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    categories: Categories
    fund_categories: Categories
    no_legal_personality: list[str]


class BuildingCapParams(Strict):
    limit: Limit
    base: Literal["reserves", "reserves_less_excluded"]
    categories: Categories


class HoldingCapParams(Strict):
    limit: Limit
    categories: Categories
    pockets: list[Literal["reserves", "gestion"]] = ["reserves"]  # READING 7: « un même organisme »: both
    classes: dict[str, Categories] | None = None  # READING 7: shares and debt apart
