"""French wording of money, shares and statuses, for every layer (standard library only).

`fr_euros(cents)` « 1 234 567,89 € » (narrow no-break space between thousands), `fr_pct(x)` « 20,00 % »,
`fr_pct_beside(x, limit)` with as many decimals as it takes to tell a share from its limit, `fr_int(n)` « 10 000 »,
`fr_seconds(x)` « 1,234 s »; `STATUS_FR` the words of a rule's status, `POCKET_FR` the name of a pocket,
`SENSE_FR` the name of a limit's sense, `PROPOSAL_STATUS_FR` those of a reallocation proposal (R. 623 and
R. 139 alike).
"""

from __future__ import annotations

STATUS_FR = {"ok": "conforme", "breach": "non conforme", "unknown": "à vérifier", "not_applicable": "sans objet"}
POCKET_FR = {"reserves": "réserves", "gestion": "gestion"}  # a pocket's name in a sentence
PROPOSAL_STATUS_FR = {"nothing_to_do": "rien à faire", "optimal": "proposition conforme",
                      "unknown": "proposition à vérifier", "breach": "manquements restants",
                      "infeasible": "aucun portefeuille conforme possible"}
SENSE_FR = {"max": "plafond", "min": "plancher"}  # a limit's sense


def fr_euros(cents: int) -> str:
    """1 234 567,89 € with narrow no-break spaces (U+202F) between the thousands and before « € »: an amount
    never wraps, and « € » never starts a line on its own."""
    s = f"{abs(int(cents)) / 100:,.2f}".replace(",", "\u202f").replace(".", ",")
    return ("-" if cents < 0 else "") + s + "\u202f€"


def fr_int(n) -> str:
    """10 000: a count with a narrow no-break space (U+202F) between the thousands."""
    return f"{int(n):,}".replace(",", "\u202f")


def fr_seconds(x: float) -> str:
    """1,234 s: a time in seconds, to the millisecond."""
    return f"{x:.3f} s".replace(".", ",")


def fr_pct(x: float) -> str:
    return f"{x * 100:.2f}".replace(".", ",") + " %"


def fr_pct_beside(x: float, lim: float) -> str:
    """`fr_pct(x)`, with more decimals when two would print a share beyond the limit as the limit itself
    (a cent over 20 % of a million reads 20,000001 %, not 20,00 %)."""
    for digits in range(2, 10):
        text = f"{x * 100:.{digits}f}"
        if x == lim or text != f"{lim * 100:.{digits}f}":
            return text.replace(".", ",") + " %"
    return fr_pct(x)


__all__ = ["fr_euros", "fr_pct", "fr_pct_beside", "STATUS_FR", "POCKET_FR", "PROPOSAL_STATUS_FR", "SENSE_FR",
           "fr_int", "fr_seconds"]
