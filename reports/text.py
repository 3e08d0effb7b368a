"""French wording and number formatting shared by the report writers."""

from __future__ import annotations

import datetime as dt

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from reserves.portfolio.fmt import STATUS_FR, fr_euros, fr_int, fr_pct  # the one wording of money, shares and statuses

VERDICT_FR = {s: STATUS_FR[s].upper() for s in (OK, BREACH, UNKNOWN_S)}  # « NON CONFORME »
ACTION_FR = {"sell": "céder", "buy": "acheter"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def euros(cents) -> str:
    return "" if cents is None else fr_euros(int(cents))


def pct(x) -> str:
    return "" if x is None else fr_pct(float(x))


def date_fr(d: dt.date) -> str:
    """22 novembre 2025."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def datetime_fr(t: dt.datetime) -> str:
    return f"{date_fr(t.date())} à {t.strftime('%H:%M:%S')}"


def rows_text(rows, limit: int = 12) -> str:
    rows = [int(r) for r in rows]
    s = ", ".join(str(r) for r in rows[:limit])
    return s + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def value_text(result) -> str:
    """A rule's figure: a share, or nothing for line conditions."""
    if result.spec.kind == "line_conditions" or result.value is None:
        return ""
    return pct(result.value)


def limit_text(result) -> str:
    if result.spec.kind == "line_conditions" or result.limit is None:
        return ""
    sense = result.spec.params.get("sense", "max")
    return ("≥ " if sense == "min" else "≤ ") + pct(result.limit)
