"""Parsing the rows of an R. 139 table (the `Portefeuille` lines, the `Transparence` holdings, a TPT file's
positions) into the columns of `model139`'s DataFrames. One parser per column kind (`columns139.PARSERS`),
applied once per distinct cell; every bad cell is a French problem naming sheet, row, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import parsing as P
from .columns139 import (CHOICES, NATURES, NEGATIVE_OK_HOLDINGS, NEGATIVE_OK_LINES, PARSERS,
                         default_equity_or_debt)
from .errors import ProblemList

ENUM_KINDS = tuple(CHOICES)
MONEY_KINDS = ("money", "signed_money", "nonneg_money")
# Fields whose empty cell counts as blank even if the column is required (the caller reports them).
OPTIONAL_MONEY = ("issuer_outstanding", "notional", "exposure")
SENTENCE = 20  # bad cells listed per distinct value


@dataclass
class Cells:
    """The cells of one table, column by column, and where each column is (for messages)."""

    sheet: str
    rows: np.ndarray  # int64, the row number as the spreadsheet shows it
    cells: dict = field(default_factory=dict)  # field -> sequence of raw cells
    where: dict = field(default_factory=dict)  # field -> "D (valeur)"
    parsed: dict = field(default_factory=dict)  # field -> (object values, blank mask), already parsed upstream
    x_means_no: set = field(default_factory=set)  # yes/no fields written with "x": empty reads as no

    def __len__(self) -> int:
        return len(self.rows)


def raw_columns(raw) -> list:
    """The cells of a `reader.RawTable`, transposed once: a list of object arrays, one per column."""
    rows = raw.rows
    width = max(map(len, rows), default=0)
    if len(set(map(len, rows))) > 1:
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    table = np.empty((len(rows), width), dtype=object)
    if rows and width:
        table[:, :] = rows
    return [table[:, j] for j in range(width)]


def cells_of_raw(raw, columns) -> Cells:
    """`Cells` of a `RawTable` read with `columns`."""
    cols = raw_columns(raw)
    out = Cells(raw.sheet, np.asarray(raw.row_numbers, dtype=np.int64))
    for c in columns:
        idx = raw.fields.get(c.field)
        if idx is None:
            continue
        out.cells[c.field] = cols[idx] if idx < len(cols) else np.full(len(raw.rows), None, dtype=object)
        out.where[c.field] = raw.where(c.field)
    return out


def parse_cells(cells: Cells, columns, problems: ProblemList, *, holdings: bool = False) -> pd.DataFrame:
    """The parsed table. Required columns must be filled; bad cells are added to `problems` (the caller raises)."""
    n = len(cells)
    rows = cells.rows

    def reporter(field_name):
        where = cells.where.get(field_name)

        def on_error(indices, value, reason):
            for i in indices[:SENTENCE]:
                problems.add(reason, sheet=cells.sheet, row=int(rows[i]), column=where, value=value)
            if len(indices) > SENTENCE:
                problems.dropped += len(indices) - SENTENCE
        return on_error

    parsed: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in columns:
        if c.field in cells.parsed:
            parsed[c.field] = cells.parsed[c.field]
            continue
        if c.field not in cells.cells:
            parsed[c.field] = (np.full(n, None, dtype=object), np.ones(n, dtype=bool))
            continue
        values, blank = P.parse_column(cells.cells[c.field], PARSERS[c.kind], reporter(c.field))
        blank = blank | np.equal(values, None) if n else blank  # a bad cell parses to None (reported)
        parsed[c.field] = (values, blank)
        if c.required and blank.any():
            bad = np.flatnonzero(blank & _really_blank(cells.cells[c.field]))
            for i in bad[:50]:
                problems.add("case vide dans une colonne obligatoire", sheet=cells.sheet, row=int(rows[i]),
                             column=cells.where.get(c.field))
            if len(bad) > 50:
                problems.dropped += len(bad) - 50

    def money(f):
        values, blank = parsed[f]
        out = np.zeros(n, dtype=np.int64)
        ok = ~blank
        if ok.any():
            out[ok] = np.asarray(values[ok].tolist(), dtype=np.int64)
        return out, blank

    data: dict[str, object] = {"row": rows.copy()}
    by = {c.field: c for c in columns}
    for f, c in by.items():
        values, blank = parsed[f]
        if c.kind in ENUM_KINDS:
            data[f] = pd.Categorical(np.where(blank, None, values), categories=CHOICES[c.kind])
        elif c.kind == "bool":
            tri = np.full(n, P.UNKNOWN, dtype=np.int8)
            given = ~blank
            tri[given] = np.asarray(values[given].tolist(), dtype=np.int8)
            if f in cells.x_means_no or (f in cells.cells and _uses_x(cells.cells[f])):
                tri[blank] = P.FALSE
            data[f] = tri
        elif c.kind in MONEY_KINDS:
            cents, mblank = money(f)
            if f in ("market_value", "accrued_interest"):
                data[f] = cents
            else:
                data[f] = pd.array(np.where(mblank, None, cents).tolist() if n else [], dtype="Int64")
        elif c.kind == "number":
            fl = np.full(n, np.nan)
            given = ~blank
            if given.any():
                fl[given] = np.asarray([float(v) for v in values[given]], dtype=float)
            data[f] = fl
            data[f + "_exact"] = np.where(given, values, None)
        elif c.kind == "exact_ratio":
            fl = np.full(n, np.nan)
            given = ~blank
            if given.any():
                fl[given] = np.asarray([float(v) for v in values[given]], dtype=float)
            data[f] = fl
            data[f + "_exact"] = np.where(given, values, None)
        else:  # text, currency, isin, country, legal form, date, regime, lei, fund key
            data[f] = np.where(blank, None, values)

    # Values: valeur + coupon_couru (RR 3), in integer cents.
    mv = data.get("market_value", np.zeros(n, dtype=np.int64))
    acc = data.get("accrued_interest", np.zeros(n, dtype=np.int64))
    data["value"] = mv + acc
    nature = data.get("nature")
    if nature is not None and "market_value" in by:
        allowed = NEGATIVE_OK_HOLDINGS if holdings else NEGATIVE_OK_LINES
        neg = (mv < 0) & ~np.asarray(pd.Series(nature).isin(allowed), dtype=bool) & ~parsed["market_value"][1]
        neg &= ~np.asarray(pd.isna(nature), dtype=bool)
        for i in np.flatnonzero(neg)[:50]:
            problems.add("valeur négative : seuls un contrat financier ou un emprunt" +
                         (", un découvert ou une dette du fonds" if holdings else "") + " peuvent être négatifs",
                         sheet=cells.sheet, row=int(rows[i]), column=cells.where.get("market_value"),
                         value=cells.cells.get("market_value", [None] * n)[i])

    if nature is not None and "accrued_interest" in by and not holdings:
        # SPEC §1: accrued interest on a line that is not a claim (shares, units, buildings, certificates)
        odd = (acc != 0) & np.asarray(pd.Series(nature).isin(NOT_CLAIMS), dtype=bool)
        for i in np.flatnonzero(odd)[:50]:
            problems.add(f"coupon couru sur une ligne qui n'est pas une créance (nature « {nature[i]} ») : le coupon "
                         "couru ne vaut que pour les titres de créance, dépôts et prêts",
                         sheet=cells.sheet, row=int(rows[i]), column=cells.where.get("accrued_interest"),
                         value=cells.cells.get("accrued_interest", [None] * n)[i])

    if "currency" in data:
        cur = data["currency"]
        data["currency_code"] = P.text_codes(cur)
        eur = np.asarray(cur == "EUR", dtype=bool)
        data["euro"] = eur | (data.get("realisable_euro", np.zeros(n)) == P.TRUE)
    for f in ("country", "legal_form", "guarantor_country", "exposure_currency"):
        if f in data:
            data[f + "_code"] = P.text_codes(data[f])
    if "equity_or_debt" in data:
        given = pd.Categorical(data["equity_or_debt"], categories=CHOICES["equity_or_debt"])
        defaults = _defaults(nature, data.get("legal_form"), n)
        filled = np.where(pd.isna(given), defaults, np.asarray(given, dtype=object))
        data["equity_or_debt_given"] = ~np.asarray(pd.isna(given), dtype=bool)
        data["equity_or_debt"] = pd.Categorical(filled, categories=CHOICES["equity_or_debt"])
    for f in ("issuer", "property", "group", "counterparty", "guarantor"):
        if f in data:
            data[f + "_code"] = codes_of(data[f])
    if "label" in data:
        isin = data.get("isin", np.full(n, None, dtype=object))
        issuer = data.get("issuer", np.full(n, None, dtype=object))
        keys = np.array([i if isinstance(i, str) else f"{P.key_of(e) if isinstance(e, str) else ''}\x00{lab}"
                         for i, e, lab in zip(isin, issuer, data["label"])], dtype=object)
        data["security_code"] = pd.factorize(keys)[0].astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


NOT_CLAIMS = ("action", "droit_immobilier", "societe_immobiliere", "opci", "opcvm", "monetaire", "fonds_mutualise",
              "organisme_dedie", "certificat")


def _defaults(nature, legal_form, n):
    if nature is None:
        return np.full(n, None, dtype=object)
    nat = np.asarray(pd.Categorical(nature, categories=NATURES).astype(object))
    lf = legal_form if legal_form is not None else np.full(n, None, dtype=object)
    pairs, uniques = pd.factorize(pd.Series(list(zip(nat, lf)), dtype=object))
    table = np.array([default_equity_or_debt(a if isinstance(a, str) else None, b if isinstance(b, str) else None)
                      for a, b in uniques] + [None], dtype=object)
    return table[pairs]


def codes_of(texts) -> np.ndarray:
    """Grouping codes (int64, -1 when empty): case, accents and punctuation ignored (`parsing.key_of`)."""
    arr = np.asarray(texts, dtype=object)
    if not len(arr):
        return np.zeros(0, dtype=np.int64)
    spell, spellings = pd.factorize(arr, use_na_sentinel=True)
    ukeys = np.array([P.key_of(t) if isinstance(t, str) and t else None for t in spellings] + [None], dtype=object)
    codes, _ = pd.factorize(ukeys[spell], use_na_sentinel=True)
    return codes.astype(np.int64)


def _really_blank(values) -> np.ndarray:
    return np.fromiter((P.is_blank(v) for v in values), dtype=bool, count=len(values))


def _uses_x(values) -> bool:
    return any(isinstance(c, str) and c.strip().lower() == "x" for c in set(values))
