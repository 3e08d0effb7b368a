"""The portfolio: one row per holding, parsed, validated, in exact integer cents.

`Portfolio.lines` is a pandas DataFrame with these columns (English names;
the French headers are in `reserves.portfolio.columns`):

- `row` Excel row number, `label`, `category` (1–13, 14 = IFT, 15 = AUTRE),
  `category_text` as written;
- `market_value`, `accrued_interest`, `value` in integer cents
  (`value` = market value + accrued interest, READING 1);
- `currency`, `euro` (denominated in EUR or realisable in euros, READING 8);
- `pocket` (`reserves` or `gestion`), `gestion` (bool), `exclusion`,
  `excluded` (bool: cash outside R. 623-10-1);
- `isin`, `issuer`, `issuer_code` (int, -1 when empty), `legal_form`,
  `property`, `property_code`, `security_code`, `country`;
- `currency_code`, `country_code`, `legal_form_code`: the same texts as
  integers (`reserves.portfolio.parsing.text_code`: -1 when empty), for the checker to
  compare integers; they depend on the text alone, so that the lines of two
  portfolios can be put together, and are to be rewritten with their text;
- yes/no columns as tri-states (0 no, 1 unknown, 2 yes);
- numeric columns as float (NaN when empty); `quantity` and
  `quantity_issued` also as exact decimals in `quantity_exact` and
  `quantity_issued_exact`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from reserves.portfolio import identity
from reserves.portfolio import parsing as P
from reserves.portfolio.columns import BY_FIELD, column_letter
from reserves.portfolio.errors import ProblemList
from reserves.portfolio.keys import grouping_codes
from reserves.portfolio.reader import RawTable, formula_cells, read_table

BOOL_FIELDS = ("realisable_euro", "fund_euro_1_4", "fund_1_3", "recognised_market", "custody", "ucits",
               "liquidity_clause", "issue_price_guarantee", "eea_credit_institution", "property_dealer",
               "forest_assets", "hedge")
NUMBER_FIELDS = ("issue_size", "valuers", "quote_interval_days", "term_days", "notice_days",
                 "mortgage_rank", "quantity", "quantity_issued")
_TOTAL_ROW = re.compile(r"^(sous[\s-]?)?tota(l|ux)\b", re.I)


def prorata_accrued(old_value, old_accrued, new_value) -> np.ndarray:
    """The accrued interest of lines whose value goes from `old_value` to `new_value` (cents): the same share of
    the value as before, to the nearest cent (exact integers); unchanged where the old value is zero."""
    old_value = np.asarray(old_value, dtype=object)
    old_accrued = np.asarray(old_accrued, dtype=object)
    new_value = np.asarray(new_value, dtype=object)
    out = np.array(old_accrued, dtype=np.int64)
    for i in np.flatnonzero((old_accrued != 0) & (old_value != 0) & (new_value != old_value)):
        v0, a0, v1 = int(old_value[i]), int(old_accrued[i]), int(new_value[i])
        num, den = a0 * v1, v0
        if den < 0:
            num, den = -num, -den
        out[i] = (2 * num + den) // (2 * den)  # nearest cent
    return out


@dataclass
class Portfolio:
    lines: pd.DataFrame
    present: frozenset  # fields whose column is in the file
    source: str = ""
    sheet: str = ""
    sha256: str | None = None
    fmt: str = ""
    header_row: int = 1
    headers: dict = field(default_factory=dict)  # field -> header as written
    extra: pd.DataFrame | None = None  # other columns, kept for reports
    warnings: list = field(default_factory=list)
    as_of: object = None  # the date the file states (SPEC §4), a datetime.date, or None
    as_of_where: str = ""  # where the file states it

    def __len__(self) -> int:
        return len(self.lines)

    def with_values(self, value_cents: np.ndarray) -> "Portfolio":
        """The same holdings at other values, each split between market value and accrued interest in the
        proportions of the line (a partial sale sells both pro rata: no negative market value left)."""
        lines = self.lines.copy()
        value = np.asarray(value_cents, dtype=np.int64)
        accrued = prorata_accrued(lines["value"].to_numpy(), lines["accrued_interest"].to_numpy(), value)
        lines["accrued_interest"] = accrued
        lines["market_value"] = value - accrued
        lines["value"] = value
        return replace(self, lines=lines)

    def column_name(self, field_name: str) -> str:
        """The header the user knows the column by (the French one when absent)."""
        return self.headers.get(field_name, BY_FIELD[field_name].header)


def load(path: str | os.PathLike, *, sheet_name: str | None = None, free_columns=()) -> Portfolio:
    """`free_columns`: headers that look like a known column's but are the user's own (`--colonne-libre`)."""
    raw = read_table(path, sheet_name=sheet_name, free_columns=free_columns)
    pf = from_raw(raw)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    pf.sha256 = h.hexdigest()
    return pf


def _cells(raw: RawTable, idx: int | None):
    """The cells of one column (an object array, or a list of None for a column the file lacks); read only."""
    if idx is None:
        return [None] * len(raw.rows)
    # The table is transposed once, column by column, and kept on this RawTable.
    cols = raw.__dict__.get("_columns")
    if cols is None:
        rows = raw.rows
        width = max(map(len, rows), default=0)
        if len(set(map(len, rows))) > 1:  # ragged rows (CSV): pad with empty cells
            rows = [list(r) + [None] * (width - len(r)) for r in rows]
        table = np.empty((len(rows), width), dtype=object)  # the cells as the reader gave them
        if rows and width:
            table[:, :] = rows  # one C-level copy: much faster than zip(*rows) on a large sheet
        cols = [table[:, j] for j in range(width)]
        raw.__dict__["_columns"] = cols
    if idx >= len(cols):
        return [None] * len(raw.rows)
    return cols[idx]


def _text_of(cells: list) -> np.ndarray:
    """Cells as written (parse_text), "" when blank: once per distinct cell."""
    arr = np.empty(len(cells), dtype=object)
    arr[:] = cells
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    texts = np.array([P.parse_text(c) if not P.is_blank(c) else "" for c in uniques] + [""], dtype=object)
    return texts[codes]


def from_raw(raw: RawTable) -> Portfolio:
    problems = ProblemList()
    n = len(raw.rows)
    rownums = np.asarray(raw.row_numbers, dtype=np.int64)
    sheet = raw.sheet
    warnings = list(raw.warnings)

    def report(field_name):
        where = raw.where(field_name)

        def on_error(indices, value, reason):
            for i in indices[:20]:
                problems.add(reason, sheet=sheet, row=int(rownums[i]), column=where, value=value)
            if len(indices) > 20:
                problems.dropped += len(indices) - 20
        return on_error

    def col(field_name, parser, coded=False):
        idx = raw.fields.get(field_name)
        values = _cells(raw, idx)
        if idx is None:
            empty = (np.full(n, None, dtype=object), np.ones(n, dtype=bool))
            return empty + (np.full(n, P.NO_TEXT, dtype=np.int64),) if coded else empty
        parsed = P.parse_column(values, parser, report(field_name), coded=coded, stop_after=P.BAD_VALUES_NAMED,
                                on_stop=problems.stop)
        if problems.full:  # the first hundred problems are enough: stop reading (a huge bad file ends in seconds)
            problems.stop()
            problems.raise_if_any()
        return parsed

    # Rows that are totals (a label starting with "Total" and no category) are left out, said aloud.
    label_raw = _cells(raw, raw.fields["label"])
    cat_raw = _cells(raw, raw.fields["category"])
    keep = np.ones(n, dtype=bool)
    for i, (lab, cat) in enumerate(zip(label_raw, cat_raw)):
        if P.is_blank(cat) and isinstance(lab, str) and _TOTAL_ROW.match(lab.strip()):
            keep[i] = False
            warnings.append(f"Ligne {raw.row_numbers[i]} ignorée : ligne de total (« {lab.strip()} »).")
    if not keep.all():
        raw = replace(raw, rows=[r for r, k in zip(raw.rows, keep) if k],
                      row_numbers=[r for r, k in zip(raw.row_numbers, keep) if k])
        n = len(raw.rows)
        rownums = np.asarray(raw.row_numbers, dtype=np.int64)
    if n == 0:
        problems.add("aucune ligne de portefeuille sous l'en-tête", sheet=sheet, row=raw.header_row)
        problems.raise_if_any()

    def required(field_name, parser, coded=False):
        values, blank, *codes = col(field_name, parser, coded)
        where = raw.where(field_name)
        shown = np.flatnonzero(blank)[:50]
        idx = raw.fields[field_name]
        formulas = formula_cells(raw, [(int(rownums[i]), idx) for i in shown]) if len(shown) else {}
        for i in shown:
            if (int(rownums[i]), idx) in formulas:
                problems.add("formule sans résultat enregistré (classeur jamais recalculé) : ouvrez-le dans Excel "
                             "ou LibreOffice, recalculez et enregistrez-le", sheet=sheet, row=int(rownums[i]),
                             column=where, value=formulas[(int(rownums[i]), idx)])
            else:
                problems.add("case vide dans une colonne obligatoire", sheet=sheet, row=int(rownums[i]),
                             column=where)
        if blank.sum() > 50:
            problems.dropped += int(blank.sum()) - 50
        return (values, blank, *codes)

    label, _ = required("label", P.parse_text)
    category, cat_blank = required("category", P.parse_category)
    market, mv_blank = required("market_value", P.parse_money)
    currency, _, currency_code = required("currency", P.parse_currency, coded=True)

    cat = np.zeros(n, dtype=np.int8)
    ok = np.array([c is not None for c in category])
    cat[ok] = np.asarray(category[ok], dtype=np.int8)
    mv = np.zeros(n, dtype=np.int64)
    okm = np.array([m is not None for m in market])
    mv[okm] = np.asarray(market[okm].tolist(), dtype=np.int64)
    neg = (mv < 0) & (cat != P.CAT_IFT) & ok
    for i in np.flatnonzero(neg)[:50]:
        problems.add("valeur négative : seul un instrument financier à terme (IFT) peut avoir une valeur négative",
                     sheet=sheet, row=int(rownums[i]), column=raw.where("market_value"),
                     value=_cells(raw, raw.fields["market_value"])[i])

    accrued_o, acc_blank = col("accrued_interest", P.parse_money)
    accrued = np.zeros(n, dtype=np.int64)
    has = ~acc_blank & np.array([a is not None for a in accrued_o])
    accrued[has] = np.asarray(accrued_o[has].tolist(), dtype=np.int64)
    _check_accrued(raw, problems, cat, ok, mv, accrued, rownums)

    pocket_o, pocket_blank = col("pocket", P.parse_pocket)
    pocket = np.where(pocket_blank | (pocket_o == None), "reserves", pocket_o).astype(object)  # noqa: E711
    excl_o, excl_blank = col("exclusion", P.parse_exclusion)
    exclusion = np.where(excl_blank, None, excl_o)
    _check_exclusion(raw, problems, cat, ok, exclusion, rownums)

    isin, _ = col("isin", P.parse_isin)
    issuer, _ = col("issuer", P.parse_text)
    lei, _ = col("lei", P.parse_lei)
    _check_issuer_lei(raw, problems, issuer, rownums)
    legal_form, _, legal_form_code = col("legal_form", P.parse_legal_form, coded=True)
    legal_form, legal_form_code = _legal_form_from_names(legal_form, legal_form_code, issuer)
    prop, _ = col("property", P.parse_text)
    country, _, country_code = col("country", P.parse_country, coded=True)

    flags = {}
    for f in BOOL_FIELDS:
        values, blank = col(f, P.parse_bool)
        tri = np.full(n, P.UNKNOWN, dtype=np.int8)
        given = ~blank & np.array([v is not None for v in values])
        tri[given] = np.asarray(values[given], dtype=np.int8)
        if f in raw.fields:
            # A column written with "x" for yes means "no" where empty (SPEC §1: x/empty).
            cells = _cells(raw, raw.fields[f])
            if any(isinstance(c, str) and c.strip().lower() == "x" for c in set(cells)):
                tri[blank] = P.FALSE
        flags[f] = tri

    numbers = {}
    exact = {}
    for f in NUMBER_FIELDS:
        parser = P.parse_exact_nonneg if f in ("quantity", "quantity_issued") else P.parse_nonneg
        values, blank = col(f, parser)
        arr = np.full(n, np.nan)
        given = ~blank & np.array([v is not None for v in values])
        arr[given] = np.asarray([float(v) for v in values[given]], dtype=float)
        numbers[f] = arr
        if f in ("quantity", "quantity_issued"):
            exact[f + "_exact"] = np.where(given, values, None)
    ltv_o, ltv_blank = col("ltv", P.parse_ratio)
    ltv = np.full(n, np.nan)
    given = ~ltv_blank & np.array([v is not None for v in ltv_o])
    ltv[given] = np.asarray(ltv_o[given].tolist(), dtype=float)
    rank = numbers["mortgage_rank"]
    bad_rank = ~np.isnan(rank) & ((rank < 1) | (rank != np.floor(rank)))
    rank_cells = _cells(raw, raw.fields.get("mortgage_rank"))
    for i in np.flatnonzero(bad_rank)[:20]:
        problems.add("rang d'hypothèque : entier 1, 2, 3… attendu", sheet=sheet, row=int(rownums[i]),
                     column=raw.where("mortgage_rank"), value=rank_cells[i])  # the cell as the user wrote it

    problems.raise_if_any()

    value = mv + accrued
    eur = currency == "EUR"
    euro = eur | (flags["realisable_euro"] == P.TRUE)

    grouping = grouping_codes(issuer, prop, isin, label, lei)
    issuer_code, issuer_key, issuer_alike, property_code, security_code = (
        grouping[k] for k in ("issuer_code", "issuer_key", "issuer_alike", "property_code", "security_code"))

    data = {
        "row": rownums,
        "label": label,
        "category": cat,
        "category_text": _text_of(_cells(raw, raw.fields["category"])),
        "market_value": mv,
        "accrued_interest": accrued,
        "value": value,
        "currency": currency,
        "currency_code": currency_code,
        "euro": euro.astype(bool),
        "pocket": pocket,
        "gestion": pocket == "gestion",
        "exclusion": exclusion,
        "excluded": np.array([e is not None for e in exclusion]) & (pocket == "reserves"),
        "isin": isin,
        "issuer": issuer,
        "issuer_code": issuer_code,
        "issuer_key": issuer_key,
        "issuer_alike": issuer_alike,
        "lei": lei,
        "legal_form": legal_form,
        "legal_form_code": legal_form_code,
        "property": prop,
        "property_code": property_code,
        "security_code": security_code,
        "country": country,
        "country_code": country_code,
        "ltv": ltv,
        **flags,
        **numbers,
        **exact,
    }
    lines = pd.DataFrame(data)
    extra = None
    if raw.extra:
        extra = pd.DataFrame({h: [P.parse_text(v) if not P.is_blank(v) else None for v in _cells(raw, c)]
                              for h, c in raw.extra.items()})
    present = frozenset(raw.fields)
    return Portfolio(lines=lines, present=present, source=raw.source, sheet=raw.sheet, fmt=raw.fmt,
                     header_row=raw.header_row, headers=dict(raw.headers), extra=extra, warnings=warnings,
                     as_of=getattr(raw, "as_of", None), as_of_where=getattr(raw, "as_of_where", ""))


CLAIM_CATEGORIES = (1, 2, 3, 4, 11, 12, 13)  # READING 1: accrued interest exists only on claims
DEPOSIT_CATEGORY = 13  # READING 3: only disponibilités (deposits) may be left out of R. 623-10-1


def _check_accrued(raw, problems, cat, known_cat, mv, accrued, rownums) -> None:
    """READING 1: accrued interest only on claims (1° to 4°, 11° to 13°), and a line's value with it not below zero
    outside IFT."""
    if "accrued_interest" not in raw.fields:
        return
    where = raw.where("accrued_interest")
    cells = _cells(raw, raw.fields["accrued_interest"])
    claim = np.isin(cat, CLAIM_CATEGORIES)
    for i in np.flatnonzero((accrued != 0) & known_cat & ~claim)[:50]:
        problems.add(f"coupon couru sur une ligne qui n'est pas une créance (catégorie {P.CATEGORY_NAMES[int(cat[i])]}) : "
                     "seuls les 1° à 4° et 11° à 13° portent des intérêts courus (R. 623-3 IV)",
                     sheet=raw.sheet, row=int(rownums[i]), column=where, value=cells[i])
    for i in np.flatnonzero((mv + accrued < 0) & (mv >= 0) & known_cat & claim)[:50]:
        problems.add("coupon couru négatif qui rend la valeur de la ligne négative : seul un instrument financier à "
                     "terme (IFT) peut valoir moins que zéro", sheet=raw.sheet, row=int(rownums[i]), column=where,
                     value=cells[i])


def _check_exclusion(raw, problems, cat, known_cat, exclusion, rownums) -> None:
    """READING 3: the mark `exclusion` only on a deposit (13°): never a way out of the limits for another line."""
    if "exclusion" not in raw.fields:
        return
    marked = np.array([e is not None for e in exclusion], dtype=bool)
    cells = _cells(raw, raw.fields["exclusion"])
    for i in np.flatnonzero(marked & known_cat & (cat != DEPOSIT_CATEGORY))[:50]:
        problems.add(f"marque d'exclusion sur une ligne qui n'est pas un dépôt (catégorie "
                     f"{P.CATEGORY_NAMES[int(cat[i])]}) : seules les disponibilités (13°) nécessaires à une échéance "
                     "trimestrielle ou à la compensation L. 134-1 sortent de l'article R. 623-10-1",
                     sheet=raw.sheet, row=int(rownums[i]), column=raw.where("exclusion"), value=cells[i])


def _check_issuer_lei(raw, problems, issuer, rownums) -> None:
    """An LEI written in `emetteur` whose check digits are wrong is bad input, not another legal person."""
    if "issuer" not in raw.fields:
        return
    seen: dict = {}
    for i, name in enumerate(issuer):
        if not isinstance(name, str) or len(name) < 20:
            continue
        bad = seen.get(name)
        if bad is None:
            bad = seen[name] = identity.lei_in(name)[1] or ""
        if bad:
            problems.add(f"LEI invalide dans l'émetteur : « {bad} » a une clé de contrôle fausse (ISO 17442)",
                         sheet=raw.sheet, row=int(rownums[i]), column=raw.where("issuer"), value=name)


def _legal_form_from_names(legal_form, codes, issuer):
    """Where `forme_juridique` is empty, the legal form the issuer's name carries (« SNC Les Lilas »,
    « Fonds commun de placement Europe »)."""
    missing = np.flatnonzero(codes == P.NO_TEXT)
    if len(missing) == 0:
        return legal_form, codes
    legal_form = legal_form.copy()
    codes = codes.copy()
    for i in missing:
        name = issuer[i]
        if isinstance(name, str) and name:
            form = identity.legal_form_in_name(name)
            if form:
                legal_form[i] = form
                codes[i] = P.text_code(form)
    return legal_form, codes


def from_frame(df: pd.DataFrame, *, source: str = "données", sheet: str = "Portefeuille",
               as_of=None) -> Portfolio:
    """A portfolio from a table whose columns carry the file's headers (French or English); `as_of`: the date
    the table is stated at (SPEC §4), as a file's « Date d'arrêté » would state it."""
    headers = [str(c) for c in df.columns]
    rows = [headers] + df.astype(object).where(df.notna(), None).values.tolist()
    from reserves.portfolio.reader import _locate

    pf = from_raw(_locate(rows, source, sheet, "frame"))
    if as_of is not None:
        pf.as_of, pf.as_of_where = as_of, "date donnée avec le tableau"
    return pf


__all__ = ["Portfolio", "load", "from_raw", "from_frame", "column_letter"]
