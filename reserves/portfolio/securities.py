"""What is known of a security wherever it is held: the `Titres` sheet and lines sharing an ISIN (SPEC-R139 §2).

A TPT file lacks `quantite_emise`, the listing (`cotation`) and the issuer's kind; a fund's inventory in the
`Transparence` sheet may lack them too. They are taken, for a holding or a line that leaves them empty, from:

1. the workbook's `Titres` sheet, one row per ISIN (`isin` and any of `SECURITY_FIELDS`' columns);
2. for `quantite_emise` and `encours_emetteur`, another line or holding with the same ISIN that gives it.

What a line or holding states itself is never overwritten.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import parsing as P
from .columns139 import BY_FIELD139, CHOICES
from .errors import InputError, ProblemList
from .rows139 import cells_of_raw, parse_cells

SHEET = "Titres"
SECURITY_FIELDS = ("issuer", "lei", "country", "group", "listing", "issuer_kind", "guarantor", "guarantor_kind",
                   "guarantor_country", "equity_or_debt", "issuer_outstanding", "quantity_issued", "reliable_price",
                   "information", "negotiable")
SHARED_BY_ISIN = ("quantity_issued", "issuer_outstanding")
ISIN_COLUMN = BY_FIELD139["isin"].__class__(**{**BY_FIELD139["isin"].__dict__, "required": True})
COLUMNS = (ISIN_COLUMN,) + tuple(BY_FIELD139[f] for f in SECURITY_FIELDS)


def read_sheet(path, fmt: str, find_sheet) -> pd.DataFrame | None:
    """The `Titres` sheet, parsed, one row per ISIN (None if the workbook has none). Two rows for one ISIN: exit 2."""
    from .reader import read_table

    if fmt not in ("xlsx", "ods"):
        return None
    name = find_sheet(path, SHEET)
    if name is None:
        return None
    raw = read_table(path, sheet_name=name, columns=COLUMNS)
    problems = ProblemList()
    t = parse_cells(cells_of_raw(raw, COLUMNS), COLUMNS, problems)
    problems.raise_if_any()
    dup = t["isin"].duplicated(keep="first").to_numpy()
    for i in np.flatnonzero(dup)[:20]:
        first = int(t["row"][t["isin"] == t["isin"].iat[i]].iat[0])
        problems.add(f"ISIN déjà décrit ligne {first} : une ligne par titre", sheet=raw.sheet, row=int(t["row"].iat[i]),
                     column=raw.where("isin"), value=t["isin"].iat[i])
    problems.raise_if_any()
    t.attrs["present"] = frozenset(raw.fields)
    t.attrs["sheet"] = raw.sheet
    return t.set_index("isin", drop=False)


def _blank(col: pd.Series, field: str) -> np.ndarray:
    if BY_FIELD139[field].kind == "bool":
        return col.to_numpy() == P.UNKNOWN
    return col.isna().to_numpy()


def fill(table: pd.DataFrame, source: pd.DataFrame, fields=SECURITY_FIELDS) -> None:
    """Fill, in place, the empty `fields` of `table` from `source` (indexed by ISIN)."""
    if source is None or not len(source) or "isin" not in table or not len(table):
        return
    isin = table["isin"].astype(object).to_numpy()
    present = source.attrs.get("present", frozenset(source.columns))
    pos = source.index.get_indexer(pd.Index(isin, dtype=object))
    hit = pos >= 0
    if not hit.any():
        return
    for f in fields:
        if f not in source or f not in table or f not in present:
            continue
        target = table[f]
        empty = _blank(target, f)
        if f == "equity_or_debt" and "equity_or_debt_given" in table:
            empty = ~table["equity_or_debt_given"].to_numpy()
        src = source[f].to_numpy()[np.where(hit, pos, 0)]
        src_blank = _blank(source[f], f)[np.where(hit, pos, 0)]
        take = hit & empty & ~src_blank
        if not take.any():
            continue
        kind = BY_FIELD139[f].kind
        if kind in CHOICES:
            vals = target.astype(object).to_numpy().copy()
            vals[take] = pd.Series(src).astype(object).to_numpy()[take]
            table[f] = pd.Categorical(vals, categories=CHOICES[kind])
            if f == "equity_or_debt" and "equity_or_debt_given" in table:
                table["equity_or_debt_given"] = table["equity_or_debt_given"].to_numpy() | take
        elif kind == "bool":
            vals = target.to_numpy().copy()
            vals[take] = src[take]
            table[f] = vals
        elif f in ("issuer_outstanding",):
            vals = target.copy()
            vals[take] = pd.array(src, dtype="Int64")[take]
            table[f] = vals
        elif f == "quantity_issued":
            vals = target.to_numpy().copy()
            vals[take] = src[take]
            table[f] = vals
            ex = table[f + "_exact"].to_numpy(dtype=object).copy()
            ex[take] = source[f + "_exact"].to_numpy(dtype=object)[np.where(hit, pos, 0)][take]
            table[f + "_exact"] = ex
        else:
            vals = target.astype(object).to_numpy().copy()
            vals[take] = src[take]
            table[f] = vals
        if f in ("issuer", "group", "guarantor"):
            from .rows139 import codes_of

            table[f + "_code"] = codes_of(table[f].to_numpy(dtype=object))
        if f in ("country", "guarantor_country"):
            table[f + "_code"] = P.text_codes(table[f].to_numpy(dtype=object))


def shared_by_isin(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """ISIN → `quantite_emise` / `encours_emetteur` as first given by any of the tables (lines or holdings)."""
    frames = []
    for t in tables:
        if t is None or not len(t) or "isin" not in t:
            continue
        cols = ["isin"] + [c for f in SHARED_BY_ISIN for c in (f, f + "_exact") if c in t]
        frames.append(t[cols])
    if not frames:
        return pd.DataFrame()
    allrows = pd.concat(frames, ignore_index=True)
    allrows = allrows[allrows["isin"].notna()]
    out = {}
    for f in SHARED_BY_ISIN:
        if f not in allrows:
            continue
        given = allrows[allrows[f].notna()]
        out[f] = given.drop_duplicates("isin").set_index("isin")
    isins = pd.Index(sorted(set().union(*(set(v.index) for v in out.values())))) if out else pd.Index([])
    res = pd.DataFrame(index=isins)
    res["isin"] = isins
    for f, v in out.items():
        res[f] = v[f].reindex(isins).to_numpy()
        if f + "_exact" in v:
            res[f + "_exact"] = v[f + "_exact"].reindex(isins).to_numpy(dtype=object)
    if "issuer_outstanding" in res:
        res["issuer_outstanding"] = pd.array(res["issuer_outstanding"], dtype="Int64")
    res.attrs["present"] = frozenset(out)
    return res


def complete(lines: pd.DataFrame, inventories, titres: pd.DataFrame | None) -> None:
    """Fill lines and inventory holdings in place: first from `Titres`, then from other items with the same ISIN."""
    tables = [lines] + [inv.holdings for inv in inventories]
    for t in tables:
        fill(t, titres)
    shared = shared_by_isin(tables)
    for t in tables:
        fill(t, shared, SHARED_BY_ISIN)


__all__ = ["read_sheet", "fill", "complete", "SHEET", "InputError"]
