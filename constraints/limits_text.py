"""Limits named in prose — the readings of the law (`readings.yaml`), the help of a column — written as placeholders
and resolved from the rulebook of the version the text is shown for, so that a limit is written once, in the
rulebook:

- `{limite:RULE}`: the limit of rule RULE as the text writes it (« 5 % », « 7,5 % »: `fr_limit`);
- `{limite2:RULE}`: the same with two decimals (« 20,00 % »);
- `{montant:RULE:N}`: that share of N euros, exactly (« 200 000,00 € » for 20 % of 1 000 000).

The limit is the one in force on the day given (without a day: the latest value of the version)."""

from __future__ import annotations

import re
from fractions import Fraction

PLACEHOLDER = re.compile(r"\{(limite|limite2|montant):([^{}:\s]+)(?::(\d+))?\}")


def _pct2(lim: Fraction) -> str:
    hundredths = round(lim * 10_000)
    return f"{hundredths // 100},{hundredths % 100:02d} %"


def _euros(amount: Fraction) -> str:
    cents = round(amount * 100)
    return f"{cents // 100:,}".replace(",", " ") + f",{cents % 100:02d} €"


def with_limits(text: str, version, day=None) -> str:
    """`text` with each placeholder replaced by the limit of its rule in `version` (a `KeyError` names a rule the
    version does not have)."""
    if "{" not in text:
        return text
    from constraints.rules import fr_limit

    def one(m: re.Match) -> str:
        what, rule_id, base = m.groups()
        lim = version.rule(rule_id).limit(day)
        if what == "limite":
            return fr_limit(lim)
        if what == "limite2":
            return _pct2(lim)
        if base is None:
            raise ValueError(f"{m.group(0)} : montant de référence attendu ({{montant:{rule_id}:1000000}})")
        return _euros(lim * int(base))

    return PLACEHOLDER.sub(one, text)


def placeholders(text: str) -> list[str]:
    """The rule ids the placeholders of a text name."""
    return [m.group(2) for m in PLACEHOLDER.finditer(text)]


__all__ = ["with_limits", "placeholders", "PLACEHOLDER"]
