"""The readings of the text a line is marked with when it is read: what is a euro asset, what is left out of the
base, which lines bear accrued interest.

The values are the rulebook's: each version file of `constraints/versions/` states them under `readings:`, dated,
with the text that set them, and `constraints.rulebook.Version.line_readings(day)` returns them as a
`LineReadings`. This module holds their shape and applies them to the lines (it sits below the rulebook, so the
loader can use it); `R623` is the loader's default, the readings of the R. 623 version file, which
tests/test_rulebook_readings.py holds equal to that file. The checker marks the lines again from the version in
force whenever a portfolio was read with other readings (`constraints.rulebook.line_marks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reserves.portfolio import parsing as P


@dataclass(frozen=True)
class LineReadings:
    """What the loader needs of the rulebook's readings (integer categories: 1 to 13, 14 IFT, 15 AUTRE)."""

    euro_currencies: frozenset  # R. 623-3 IV, READING 8: a line in one of these currencies is a euro asset…
    euro_flag: str  # …and so is a line marked yes in this yes/no column (realisable in euros)
    exclusion_marks: tuple  # R. 623-10-1, last paragraph, READING 3: the marks that leave a deposit out of the base
    exclusion_categories: frozenset  # the categories that may carry such a mark (13°, deposits)
    exclusion_pockets: frozenset  # the pockets whose marked lines leave the base (the reserves)
    claim_categories: frozenset  # READING 1: the categories that bear accrued interest (claims)


# The readings of constraints/versions/r623_2002-11-01.yaml (`readings:`), for a file read before its date is known.
R623 = LineReadings(
    euro_currencies=frozenset({"EUR"}),
    euro_flag="realisable_euro",
    exclusion_marks=("echeance_trimestrielle", "compensation_L134-1"),
    exclusion_categories=frozenset({13}),
    exclusion_pockets=frozenset({"reserves"}),
    claim_categories=frozenset({1, 2, 3, 4, 11, 12, 13}),
)


def _folded(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", P.fold(str(text)))


def exclusion_parser(readings: LineReadings):
    """The parser of the `exclusion` column: one of the marks, written in full or by its first word, case, accents
    and separators ignored (« Échéance trimestrielle », « echeance », « compensation L. 134-1 »)."""
    spellings = {}
    for mark in readings.exclusion_marks:
        spellings[_folded(mark)] = mark
        spellings.setdefault(_folded(re.split(r"[\s_]", mark)[0]), mark)
    expected = " ou ".join(readings.exclusion_marks)

    def parse_exclusion(v: object) -> str:
        mark = spellings.get(_folded(v))
        if mark is None:
            raise P.BadCell(f"exclusion inconnue : attendu {expected}")
        return mark

    return parse_exclusion


def mark_lines(readings: LineReadings, *, category, currency, euro_flag, pocket, exclusion) -> dict:
    """`euro` and `excluded` of some lines (arrays of one length): a euro asset is in one of the euro currencies or
    marked yes in the euro flag column (None: the file lacks it); a line is left out of the base when it carries an
    exclusion mark, is of a category that may carry one and sits in a pocket whose marked lines leave the base."""
    euro = _one_of(currency, readings.euro_currencies)
    if euro_flag is not None:
        euro |= np.asarray(euro_flag) == P.TRUE
    excluded = (_one_of(exclusion, readings.exclusion_marks)
                & np.isin(np.asarray(category, dtype=np.int64), sorted(readings.exclusion_categories))
                & _one_of(pocket, readings.exclusion_pockets))
    return {"euro": euro, "excluded": excluded}


def _one_of(texts, members) -> np.ndarray:
    """Lines whose text is one of a few `members` (None and other objects compare unequal)."""
    texts = np.asarray(texts, dtype=object)
    out = np.zeros(len(texts), dtype=bool)
    for m in members:
        out |= texts == m
    return out


__all__ = ["LineReadings", "R623", "exclusion_parser", "mark_lines"]
