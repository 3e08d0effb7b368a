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
from reserves.portfolio.readings import R623, LineReadings, exclusion_parser, mark_lines
from reserves.portfolio.reader import RawTable, column_arrays, formula_cells, read_table

BOOL_FIELDS = ("realisable_euro", "fund_euro_1_4", "fund_1_3", "recognised_market", "custody", "ucits",
               "liquidity_clause", "issue_price_guarantee", "eea_credit_institution", "property_dealer",
               "forest_assets", "hedge")
NUMBER_FIELDS = ("issue_size", "valuers", "quote_interval_days", "term_days", "notice_days",
                 "mortgage_rank", "quantity", "quantity_issued")
EXACT_FIELDS = ("quantity", "quantity_issued")  # also kept as exact decimals, in `<field>_exact`
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
    readings: LineReadings | None = None  # the rulebook's readings `euro` and `excluded` were marked with

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


def load(path: str | os.PathLike, *, sheet_name: str | None = None, free_columns=(),
         readings: LineReadings = R623) -> Portfolio:
    """`free_columns`: headers that look like a known column's but are the user's own (`--colonne-libre`);
    `readings`: the rulebook's readings the lines are marked with (`Version.line_readings`)."""
    raw = read_table(path, sheet_name=sheet_name, free_columns=free_columns)
    pf = from_raw(raw, readings)
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
    cols = column_arrays(raw)  # the table transposed once, column by column, kept on this RawTable
    if idx >= len(cols):
        return [None] * len(raw.rows)
    return cols[idx]


def _text_of(cells: list) -> np.ndarray:
    """Cells as written (parse_text), "" when blank: once per distinct cell."""
    codes, uniques = P.factorize(cells)
    texts = np.array([P.parse_text(c) if not P.is_blank(c) else "" for c in uniques] + [""], dtype=object)
    return texts[codes]


class _Columns:
    """The columns of a table being read: each parsed once, every bad cell a problem naming sheet, row, column and
    value (the first hundred problems are enough: reading stops there)."""

    def __init__(self, raw: RawTable, problems: ProblemList):
        self.raw = raw
        self.problems = problems
        self.n = len(raw.rows)
        self.rownums = np.asarray(raw.row_numbers, dtype=np.int64)
        self.sheet = raw.sheet
        self.info: dict = {}  # field -> what parse_column said of its column (distinct cells, cells read)

    def cells(self, field_name: str):
        return _cells(self.raw, self.raw.fields.get(field_name))

    def where(self, field_name: str) -> str:
        return self.raw.where(field_name)

    def add(self, message: str, i: int, field_name: str, value=None) -> None:
        """A problem on line i (an index of the table) in the column of `field_name`."""
        self.problems.add(message, sheet=self.sheet, row=int(self.rownums[i]), column=self.where(field_name),
                          value=value)

    def _on_error(self, field_name: str):
        where = self.where(field_name)

        def on_error(indices, value, reason):
            for i in indices[:20]:
                self.problems.add(reason, sheet=self.sheet, row=int(self.rownums[i]), column=where, value=value)
            if len(indices) > 20:
                self.problems.dropped += len(indices) - 20
        return on_error

    def col(self, field_name: str, parser, coded: bool = False):
        """(values, blank[, codes]) of a column; a column the file lacks is all blank."""
        n = self.n
        idx = self.raw.fields.get(field_name)
        if idx is None:
            empty = (np.full(n, None, dtype=object), np.ones(n, dtype=bool))
            return empty + (np.full(n, P.NO_TEXT, dtype=np.int64),) if coded else empty
        info = self.info[field_name] = {}
        parsed = P.parse_column(_cells(self.raw, idx), parser, self._on_error(field_name), coded=coded,
                                stop_after=P.BAD_VALUES_NAMED, on_stop=self.problems.stop, info=info)
        if self.problems.full:  # the first hundred problems are enough: stop reading (a huge bad file ends in seconds)
            self.problems.stop()
            self.problems.raise_if_any()
        return parsed

    def filled(self, field_name: str) -> np.ndarray:
        """The lines whose cell of that column (parsed by `col`) was read as a value: not blank, not bad."""
        info = self.info.get(field_name)
        return np.zeros(self.n, dtype=bool) if info is None else info["filled"]

    def distinct(self, field_name: str) -> list:
        """The distinct cells of that column (parsed by `col`), as pandas finds them (None and NaN left out)."""
        info = self.info.get(field_name)
        return [] if info is None else list(info["uniques"])

    def required(self, field_name: str, parser, coded: bool = False):
        """`col` for a column every line must fill: an empty cell is a problem (a formula never computed, said so)."""
        values, blank, *codes = self.col(field_name, parser, coded)
        rownums = self.rownums
        shown = np.flatnonzero(blank)[:50]
        idx = self.raw.fields[field_name]
        formulas = formula_cells(self.raw, [(int(rownums[i]), idx) for i in shown]) if len(shown) else {}
        for i in shown:
            if (int(rownums[i]), idx) in formulas:
                self.add("formule sans résultat enregistré (classeur jamais recalculé) : ouvrez-le dans Excel "
                         "ou LibreOffice, recalculez et enregistrez-le", i, field_name,
                         formulas[(int(rownums[i]), idx)])
            else:
                self.add("case vide dans une colonne obligatoire", i, field_name)
        if blank.sum() > 50:
            self.problems.dropped += int(blank.sum()) - 50
        return (values, blank, *codes)


def is_total_row(label, category) -> bool:
    """A row that is a total (a label starting with « Total », « Sous-total »… and no category), not a holding."""
    return P.is_blank(category) and isinstance(label, str) and bool(_TOTAL_ROW.match(label.strip()))


def _without_totals(raw: RawTable, warnings: list) -> RawTable:
    """The table without its total rows, each said aloud in `warnings`."""
    label_raw = _cells(raw, raw.fields["label"])
    cat_raw = _cells(raw, raw.fields["category"])
    # only a line whose category is blank can be a total: found once per distinct category cell
    codes, uniques = P.factorize(cat_raw)
    blank_u = np.array([P.is_blank(u) for u in uniques] + [True], dtype=bool)  # -1 (None, NaN) picks the last
    keep = np.ones(len(raw.rows), dtype=bool)
    for i in np.flatnonzero(blank_u[codes]).tolist():
        lab, cat = label_raw[i], cat_raw[i]
        if is_total_row(lab, cat):
            keep[i] = False
            warnings.append(f"Ligne {raw.row_numbers[i]} ignorée : ligne de total (« {lab.strip()} »).")
    if keep.all():
        return raw
    return replace(raw, rows=[r for r, k in zip(raw.rows, keep) if k],
                   row_numbers=[r for r, k in zip(raw.row_numbers, keep) if k])


def _values(c: _Columns, readings: LineReadings) -> dict:
    """Label, category and values in integer cents (READING 1: value = market value + accrued interest)."""
    n = c.n
    label, _ = c.required("label", P.parse_text)
    category, _ = c.required("category", P.parse_category)
    market, _ = c.required("market_value", P.parse_money)
    currency, _, currency_code = c.required("currency", P.parse_currency, coded=True)

    cat = np.zeros(n, dtype=np.int8)
    known_cat = np.array([x is not None for x in category], dtype=bool)
    cat[known_cat] = np.asarray(category[known_cat], dtype=np.int8)
    mv = np.zeros(n, dtype=np.int64)
    okm = np.array([m is not None for m in market], dtype=bool)
    mv[okm] = np.asarray(market[okm].tolist(), dtype=np.int64)
    neg = (mv < 0) & (cat != P.CAT_IFT) & known_cat
    cells = c.cells("market_value")
    for i in np.flatnonzero(neg)[:50]:
        c.add("valeur négative : seul un instrument financier à terme (IFT) peut avoir une valeur négative", i,
              "market_value", cells[i])

    accrued_o, acc_blank = c.col("accrued_interest", P.parse_money)
    accrued = np.zeros(n, dtype=np.int64)
    has = c.filled("accrued_interest")
    accrued[has] = np.asarray(accrued_o[has].tolist(), dtype=np.int64)
    _check_accrued(c, cat, known_cat, mv, accrued, readings)
    return {"label": label, "category": cat, "known_category": known_cat,
            "category_text": _text_of(c.cells("category")), "market_value": mv, "accrued_interest": accrued,
            "value": mv + accrued, "currency": currency, "currency_code": currency_code}


def _pockets(c: _Columns, v: dict, readings: LineReadings) -> dict:
    """The pocket of each line (reserves when empty) and its exclusion mark (READING 3)."""
    pocket_o, pocket_blank = c.col("pocket", P.parse_pocket)
    pocket = np.where(pocket_blank | (pocket_o == None), "reserves", pocket_o).astype(object)  # noqa: E711
    excl_o, excl_blank = c.col("exclusion", exclusion_parser(readings))
    exclusion = np.where(excl_blank, None, excl_o)
    _check_exclusion(c, v["category"], v["known_category"], exclusion, readings)
    return {"pocket": pocket, "gestion": pocket == "gestion", "exclusion": exclusion}


def _identity(c: _Columns) -> dict:
    """Who issued each line, which building, in which country, under which legal form (READING 5)."""
    isin, _ = c.col("isin", P.parse_isin)
    issuer, _ = c.col("issuer", P.parse_text)
    lei, _ = c.col("lei", P.parse_lei)
    _check_issuer_lei(c, issuer)
    legal_form, _, legal_form_code = c.col("legal_form", P.parse_legal_form, coded=True)
    legal_form, legal_form_code = _legal_form_from_names(legal_form, legal_form_code, issuer)
    prop, _ = c.col("property", P.parse_text)
    country, _, country_code = c.col("country", P.parse_country, coded=True)
    return {"isin": isin, "issuer": issuer, "lei": lei, "legal_form": legal_form, "legal_form_code": legal_form_code,
            "property": prop, "country": country, "country_code": country_code}


def _with_grouping(ident: dict, label) -> dict:
    """The identity columns with the grouping codes (`reserves.portfolio.keys`), in the order of the lines' table."""
    g = grouping_codes(ident["issuer"], ident["property"], ident["isin"], label, ident["lei"])
    order = ("isin", "issuer", "issuer_code", "issuer_key", "issuer_alike", "lei", "legal_form", "legal_form_code",
             "property", "property_code", "security_code", "country", "country_code")
    return {k: ident[k] if k in ident else g[k] for k in order}


def _flags(c: _Columns) -> dict:
    """The yes/no columns as tri-states; a column written with « x » for yes means no where empty (SPEC §1)."""
    flags = {}
    for f in BOOL_FIELDS:
        values, blank = c.col(f, P.parse_bool)
        tri = np.full(c.n, P.UNKNOWN, dtype=np.int8)
        given = c.filled(f)
        tri[given] = np.asarray(values[given], dtype=np.int8)
        # « x » among the distinct cells (check boxes apart: « VRAI »/« FAUX » are not « x »)
        if f in c.raw.fields and any(isinstance(x, str) and x.strip().lower() == "x" for x in c.distinct(f)):
            tri[blank] = P.FALSE
        flags[f] = tri
    return flags


def _numbers(c: _Columns) -> tuple[dict, dict, np.ndarray]:
    """The numeric columns as floats (NaN when empty), the quantities also as exact decimals, and the LTV."""
    out, exact_values = {}, {}
    for f in NUMBER_FIELDS:
        exact = f in EXACT_FIELDS
        values, blank = c.col(f, P.parse_exact_nonneg if exact else P.parse_nonneg)
        arr = np.full(c.n, np.nan)
        given = c.filled(f)
        arr[given] = values[given].astype(float)  # float() of each value
        out[f] = arr
        if exact:
            exact_values[f + "_exact"] = np.where(given, values, None)
    ltv_o, ltv_blank = c.col("ltv", P.parse_ratio)
    ltv = np.full(c.n, np.nan)
    given = c.filled("ltv")
    ltv[given] = np.asarray(ltv_o[given].tolist(), dtype=float)
    rank = out["mortgage_rank"]
    bad_rank = ~np.isnan(rank) & ((rank < 1) | (rank != np.floor(rank)))
    rank_cells = c.cells("mortgage_rank")
    for i in np.flatnonzero(bad_rank)[:20]:  # the cell as the user wrote it
        c.add("rang d'hypothèque : entier 1, 2, 3… attendu", i, "mortgage_rank", rank_cells[i])
    return out, exact_values, ltv


def _extra(raw: RawTable) -> pd.DataFrame | None:
    """The user's other columns, as texts, kept for the reports."""
    if not raw.extra:
        return None
    return pd.DataFrame({h: [P.parse_text(v) if not P.is_blank(v) else None for v in _cells(raw, c)]
                         for h, c in raw.extra.items()})


def from_raw(raw: RawTable, readings: LineReadings = R623) -> Portfolio:
    """The portfolio of a table as read; every bad cell is an `InputError` naming sheet, row, column and value.
    `readings`: the rulebook's readings the lines are marked with (a euro asset, a line left out of the base)."""
    problems = ProblemList()
    warnings = list(raw.warnings)
    raw = _without_totals(raw, warnings)
    if not raw.rows:
        problems.add("aucune ligne de portefeuille sous l'en-tête", sheet=raw.sheet, row=raw.header_row)
        problems.raise_if_any()
    c = _Columns(raw, problems)
    values = _values(c, readings)
    pockets = _pockets(c, values, readings)
    ident = _identity(c)
    flags = _flags(c)
    numbers, exact, ltv = _numbers(c)
    problems.raise_if_any()

    del values["known_category"]
    marks = mark_lines(readings, category=values["category"], currency=values["currency"],
                       euro_flag=flags.get(readings.euro_flag), pocket=pockets["pocket"],
                       exclusion=pockets["exclusion"])
    data = {"row": c.rownums, **values, "euro": marks["euro"], **pockets, "excluded": marks["excluded"],
            **_with_grouping(ident, values["label"]), "ltv": ltv, **flags, **numbers, **exact}
    return Portfolio(lines=pd.DataFrame(data), present=frozenset(raw.fields), source=raw.source, sheet=raw.sheet,
                     fmt=raw.fmt, header_row=raw.header_row, headers=dict(raw.headers), extra=_extra(raw),
                     warnings=warnings, as_of=raw.as_of, as_of_where=raw.as_of_where, readings=readings)


def _check_accrued(c: _Columns, cat, known_cat, mv, accrued, readings: LineReadings) -> None:
    """READING 1: accrued interest only on claims (1° to 4°, 11° to 13°), and a line's value with it not below zero
    outside IFT."""
    if "accrued_interest" not in c.raw.fields:
        return
    cells = c.cells("accrued_interest")
    claim = np.isin(cat, sorted(readings.claim_categories))
    claims = _categories_fr(readings.claim_categories)
    for i in np.flatnonzero((accrued != 0) & known_cat & ~claim)[:50]:
        c.add(f"coupon couru sur une ligne qui n'est pas une créance (catégorie {P.CATEGORY_NAMES[int(cat[i])]}) : "
              f"seules les créances ({claims}) portent des intérêts courus (R. 623-3 IV)", i, "accrued_interest",
              cells[i])
    for i in np.flatnonzero((mv + accrued < 0) & (mv >= 0) & known_cat & claim)[:50]:
        c.add("coupon couru négatif qui rend la valeur de la ligne négative : seul un instrument financier à "
              "terme (IFT) peut valoir moins que zéro", i, "accrued_interest", cells[i])


def _categories_fr(codes) -> str:
    """« 1° à 4° et 11° à 13° »: categories as runs, in French."""
    runs: list = []
    for k in sorted(codes):
        if runs and runs[-1][1] == k - 1:
            runs[-1][1] = k
        else:
            runs.append([k, k])
    name = P.CATEGORY_NAMES
    said = [f"{name[a]}°" if a == b else f"{name[a]}° à {name[b]}°" for a, b in runs]
    return " et ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else said[0]


def _check_exclusion(c: _Columns, cat, known_cat, exclusion, readings: LineReadings) -> None:
    """READING 3: the mark `exclusion` only on a deposit (13°): never a way out of the limits for another line."""
    if "exclusion" not in c.raw.fields:
        return
    marked = np.array([e is not None for e in exclusion], dtype=bool)
    cells = c.cells("exclusion")
    allowed = np.isin(cat, sorted(readings.exclusion_categories))
    for i in np.flatnonzero(marked & known_cat & ~allowed)[:50]:
        c.add(f"marque d'exclusion sur une ligne qui n'est pas un dépôt (catégorie {P.CATEGORY_NAMES[int(cat[i])]}) "
              ": seules les disponibilités (13°) nécessaires à une échéance trimestrielle ou à la compensation "
              "L. 134-1 sortent de l'article R. 623-10-1", i, "exclusion", cells[i])


def _check_issuer_lei(c: _Columns, issuer) -> None:
    """An LEI written in `emetteur` whose check digits are wrong is bad input, not another legal person."""
    if "issuer" not in c.raw.fields:
        return
    codes, names = P.factorize(issuer)  # each distinct name looked at once
    bad = [identity.lei_in(nm)[1] or "" if isinstance(nm, str) and len(nm) >= 20 else "" for nm in names] + [""]
    has = np.array([bool(b) for b in bad], dtype=bool)
    for i in np.flatnonzero(has[codes]).tolist():
        name = issuer[i]
        c.add(f"LEI invalide dans l'émetteur : « {bad[codes[i]]} » a une clé de contrôle fausse (ISO 17442)", i,
              "issuer", name)


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
               as_of=None, readings: LineReadings = R623) -> Portfolio:
    """A portfolio from a table whose columns carry the file's headers (French or English); `as_of`: the date
    the table is stated at (SPEC §4), as a file's « Date d'arrêté » would state it."""
    headers = [str(c) for c in df.columns]
    rows = [headers] + df.astype(object).where(df.notna(), None).values.tolist()
    from reserves.portfolio.reader import locate

    pf = from_raw(locate(rows, source, sheet, "frame"), readings)
    if as_of is not None:
        pf.as_of, pf.as_of_where = as_of, "date donnée avec le tableau"
    return pf


__all__ = ["Portfolio", "load", "from_raw", "from_frame", "column_letter"]
