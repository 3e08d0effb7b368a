"""Grouping keys of the lines: who the issuer is, which building, which security — built here only.

The reader, the orders, the optimizer (a portfolio put together with its
universe), the pre-trade engine and the rules all group lines by these keys,
and all of them get them from this module: `grouping_codes` for a table of
lines (integer codes, in order of first appearance, -1 where there is no key),
`group_key` for one text, `security_key` for one line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reserves.portfolio import identity
from reserves.portfolio import parsing as P


def group_key(text) -> str | None:
    """The key issuers and buildings are grouped by (case, accents and punctuation ignored); None when empty."""
    return P.key_of(text) if isinstance(text, str) and text else None


def security_key(isin, issuer, label) -> str:
    """One security: its ISIN, else its issuer's key and its label."""
    if isinstance(isin, str):
        return isin
    return f"{group_key(issuer) or ''}\x00{label}"


def key_codes(texts) -> np.ndarray:
    """Codes of the keys of some texts (the key once per distinct spelling), in order of first appearance, -1
    without a key."""
    spell, spellings = P.factorize(np.asarray(texts, dtype=object))
    ukeys = np.array([group_key(t) for t in spellings] + [None], dtype=object)
    codes, _ = P.factorize(ukeys[spell])  # spell == -1 picks the trailing None
    return codes.astype(np.int64)


def grouping_codes(issuer, prop, isin, label, lei=None) -> dict:
    """`issuer_key` (one legal person, READING 5: `identity.person_keys`), `issuer_code`, `issuer_alike` (persons
    whose names look alike), `property_code` and `security_code` of the lines whose columns are given (arrays)."""
    issuer = np.asarray(issuer, dtype=object)
    persons = _person_keys(issuer, lei)
    sec = np.array([isin_ if isinstance(isin_, str) else f"{e if isinstance(e, str) else ''}\x00{lab}"
                    for isin_, e, lab in zip(np.asarray(isin, dtype=object), persons,
                                             np.asarray(label, dtype=object))], dtype=object)
    return {"issuer_key": persons, "issuer_code": P.factorize(persons)[0].astype(np.int64),
            "issuer_alike": alike_codes(issuer, persons), "property_code": key_codes(prop),
            "security_code": P.factorize(sec)[0].astype(np.int64)}


def _person_keys(issuer: np.ndarray, lei) -> np.ndarray:
    """`identity.person_keys` of the lines, made once per distinct (issuer, LEI) pair: the lines of one pair are one
    person, and the links between persons do not depend on the order of the pairs (each group's key is its
    least node). Cells that are not texts (None, NaN) name nobody, however they are coded."""
    n = len(issuer)
    if n <= P.FEW_CELLS:  # a few lines: line by line costs less
        return identity.person_keys(issuer, lei)
    codes, _ = pd.factorize(issuer, use_na_sentinel=True)
    if lei is not None:
        lcodes, luniq = pd.factorize(np.asarray(lei, dtype=object), use_na_sentinel=True)
        codes = codes.astype(np.int64) * (len(luniq) + 1) + lcodes + 1
    pcodes, puniq = pd.factorize(codes)
    first = np.full(len(puniq), -1, dtype=np.int64)
    first[pcodes[::-1]] = np.arange(n - 1, -1, -1)  # the first line of each pair
    keys = identity.person_keys(issuer[first], None if lei is None else np.asarray(lei, dtype=object)[first])
    return keys[pcodes]


def alike_codes(issuer, keys) -> np.ndarray:
    """Per line, the group of persons whose names look alike without being shown one (READING 5), -1 if none."""
    out = np.full(len(keys), -1, dtype=np.int64)
    codes, uniq = P.factorize(np.asarray(keys, dtype=object))
    if len(uniq) < 2:
        return out
    first = np.full(len(uniq), -1, dtype=np.int64)
    pos = np.flatnonzero(codes >= 0)
    first[codes[pos[::-1]]] = pos[::-1]
    words = [identity.name_words(issuer[i]) if isinstance(issuer[i], str) else "" for i in first]
    leis = [str(u).startswith("lei:") for u in uniq]
    groups = identity.alike_groups(words, leis)
    if not groups:
        return out
    table = np.full(len(uniq) + 1, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        table[members] = g
    return table[codes]  # -1 (no issuer) picks the trailing -1


def recode(lines: pd.DataFrame) -> pd.DataFrame:
    """Rewrite the grouping codes of a table of lines in place (after lines were added or put together)."""
    lei = lines["lei"].to_numpy() if "lei" in lines.columns else None
    for name, codes in grouping_codes(lines["issuer"].to_numpy(), lines["property"].to_numpy(),
                                      lines["isin"].to_numpy(), lines["label"].to_numpy(), lei).items():
        lines[name] = codes
    return lines


__all__ = ["group_key", "security_key", "key_codes", "grouping_codes", "recode"]
