"""An R. 139 portfolio (R. 139-1 to R. 139-56): the lines as held and the funds' holdings seen through.

`load(path, transparence=[TPT files], as_of=date)` reads the `Portefeuille` sheet with the columns of
SPEC-R139 §1, the `Transparence` sheet of the same workbook if there is one (SPEC-R139 §2) and each
TPT file (`reserves.portfolio.tpt`), fills what a line or holding leaves empty of a security from the
`Titres` sheet and from items with the same ISIN (`reserves.portfolio.securities`), and returns a
`Portfolio139`:

`.lines` — one row per line of the `Portefeuille` sheet (a pandas DataFrame, index 0…n-1):
- `row` (the spreadsheet's row number), `label`, `nature` (Categorical over `columns139.NATURES`);
- `market_value`, `accrued_interest`, `value` (= market value + accrued interest, RR 3): int64 cents;
- `currency`, `currency_code` (int, `parsing.text_code`), `euro` (EUR or realisable in euros);
- `pocket` (Categorical `placement`/`gestion`, default `placement`), `gestion` (bool), `exclusion`
  (Categorical, `prestations_3_mois`), `excluded` (bool: a `placement` line outside the actif de
  placement, RR 1), `regime` (text key such as `base`, `complementaire`, or None);
- texts (None when empty): `isin`, `issuer`, `lei`, `legal_form`, `property`, `country`, `guarantor`,
  `guarantor_country`, `group`, `underlying`, `exposure_currency`, `counterparty`; grouping codes
  `issuer_code`, `property_code`, `group_code`, `counterparty_code`, `guarantor_code` (int, -1 when
  empty; case, accents and punctuation ignored) and `security_code` (ISIN, else issuer + label);
  `*_code` integer codes of `country`, `legal_form`, `guarantor_country`, `exposure_currency`;
- Categoricals (NaN when empty): `listing` (eee, eee_ch, ocde, aucune), `issuer_kind`,
  `guarantor_kind`, `equity_or_debt` (filled by nature when empty, RR 9; `equity_or_debt_given` says
  whether the file gave it), `rate_type`, `contract_type`, `underlying_kind`, `underlying_held`;
- yes/no columns as tri-states int8 (0 no, 1 unknown, 2 yes, `parsing.FALSE/UNKNOWN/TRUE`):
  `realisable_euro`, `property_dealer`, `custody`, `hedge`, `fund_compliant`, `withdrawable`,
  `in_body_name`, `real_estate_only`, `opci_r214_120`, `wholly_owned`, `deeds_in_france`, `limited_loss`,
  `reliable_price`, `information`, `negotiable`, `embedded_derivative`;
- money that may be missing, nullable `Int64` cents: `issuer_outstanding`, `notional`, `exposure`
  (signed, R. 139-47);
- `quantity`, `quantity_issued` (float, NaN when empty) with exact Decimals in `quantity_exact`,
  `quantity_issued_exact`; `eligible_share`, `potential_excess` (float ratios) with exact Decimals in
  `*_exact`; `maturity` (datetime.date or None);
- look-through, per line: `needs_lookthrough` (nature `opcvm`, `fonds_mutualise` or `organisme_dedie`,
  RR 4), `looked_through` (it needs one and an inventory was given), `inventory` (position in
  `.inventories`, -1 if none; also set for a money-market fund whose inventory is accepted but not
  used), `lookthrough_date` (the inventory's valuation date, or None).

`.lookthrough` — one row per holding of each looked-through fund line, already rescaled (R. 139-17
last paragraph: k = V / Σvᵢ; values, accrued interest, quantities, notionals and exposures × k):
- the same holding columns as `.lines` (parsed the same way; `row` is the holding's row in its sheet
  or TPT file, `sheet` that sheet's name, `source` the file's name);
- `value`, `market_value`, `accrued_interest`: int64 cents, summing to the fund line's `value` exactly;
  `raw_value` the holding's value before rescaling (cents of the inventory's currency);
- `quantity_exact` as exact `fractions.Fraction` (× k), `quantity` its float;
- `fund_line` (the fund line's index in `.lines`), `via` (its label), `fund` (the `fonds` as written),
  `inventory`, `k` (Fraction), `k_float`, `valuation_date` (datetime.date);
- `regime`, `pocket`, `gestion`, `exclusion`, `excluded` copied from the fund line.
A fund held on two lines (two régimes, say) is seen through on each, each rescaled to its own value.

`.inventories` — one row per inventory: `inventory`, `fund`, `kind` (`Transparence`/`TPT`), `source`,
`sheet`, `valuation_date`, `holdings`, `raw_total` (Σvᵢ, cents), `nav`, `shares`, `currency` (TPT
portfolio data when given), `lines` (tuple of line indexes), `used` (False for a money-market fund:
units kept, RR 4), `where` (French, for messages).

Staleness (RR 3: an inventory dated after the portfolio's date or more than 92 days before it is not
used) is judged by the rules with `lookthrough.inventory_age(date, as_of, days)`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import parsing as P
from . import lookthrough as LT
from .columns139 import (CATEGORY_COLUMN, COLUMNS, LOOKTHROUGH_COLUMNS)
from .errors import InputError, Problem, ProblemList
from .model import Portfolio
from .reader import RawTable, read_table, refuse_misspelled_headers
from .rows139 import cells_of_raw, parse_cells

VERSION = "R139"
LOOKTHROUGH_SHEET = "Transparence"
CASH_NATURES = ("depot", "monetaire")  # « disponibilités » (R. 139-1)


@dataclass
class Portfolio139(Portfolio):
    """An R. 139 portfolio: `.lines`, `.lookthrough`, `.inventories` (see the module's docstring)."""

    lookthrough: pd.DataFrame | None = None
    inventories: pd.DataFrame | None = None
    inventory_list: list = field(default_factory=list)  # the parsed `lookthrough.Inventory` objects
    present_lookthrough: frozenset = frozenset()  # fields given in at least one inventory
    version: str = VERSION
    as_of: _dt.date | None = None
    as_of_source: str | None = None

    def with_values(self, value_cents: np.ndarray) -> "Portfolio139":
        """The same holdings at other line values; look-through holdings move pro rata with their fund line."""
        lines = self.lines.copy()
        value = np.asarray(value_cents, dtype=np.int64)
        lines["market_value"] = value - lines["accrued_interest"].to_numpy()
        lines["value"] = value
        lt, inv, cols = LT.build(lines, self.inventory_list)
        for k, v in cols.items():
            lines[k] = v
        return replace(self, lines=lines, lookthrough=lt, inventories=inv)

    def items(self) -> pd.DataFrame:
        """Lines and look-through holdings in one table: `holding` (bool), `line` (the line's own index, or the
        fund line's index for a holding), `via` / `via_nature` (the fund's label and nature, None for a line),
        `sheet` and `row` where each item is written."""
        lines = self.lines.assign(holding=False, line=np.arange(len(self.lines), dtype=np.int64), via=None,
                                  via_nature=None, sheet=self.sheet, source=self.source)
        lt = self.lookthrough
        if lt is None or not len(lt):
            return one_name_per_person(lines.reset_index(drop=True))
        nature = self.lines["nature"].astype(object).to_numpy()
        holdings = lt.assign(holding=True, line=lt["fund_line"].to_numpy(dtype=np.int64),
                             via_nature=nature[lt["fund_line"].to_numpy(dtype=np.int64)])
        for f in ("pocket", "exclusion", "nature", "listing", "issuer_kind", "guarantor_kind", "equity_or_debt",
                  "rate_type", "contract_type", "underlying_kind", "underlying_held"):
            if f in lines and f in holdings:
                holdings[f] = holdings[f].astype(object)
                lines[f] = lines[f].astype(object)
        return one_name_per_person(pd.concat([lines, holdings], ignore_index=True, sort=False))

    def inventory_dates(self) -> dict:
        """Fund line index → valuation date of its inventory, for every line that has one (None when undated)."""
        inv = self.lines["inventory"].to_numpy()
        dates = self.lines["lookthrough_date"].to_numpy(dtype=object)
        return {int(i): dates[i] for i in np.flatnonzero(inv >= 0)}

    def column_name(self, field_name: str) -> str:
        from .columns139 import BY_FIELD139

        if field_name in self.headers:
            return self.headers[field_name]
        col = BY_FIELD139.get(field_name)
        return col.header if col else super().column_name(field_name)


PERSON_COLUMNS = ("issuer", "guarantor", "counterparty")
_PERSON_KEYS: dict = {}  # distinct (name, LEI) pairs of a table, in order -> their person keys (`person_keys`)


def one_name_per_person(items: pd.DataFrame) -> pd.DataFrame:
    """The items with one name per legal person in `issuer`, `guarantor` and `counterparty`, and one name per
    group in `group`: names that fold alike (case, accents, punctuation, legal forms: « BNP PARIBAS »,
    « BNP Paribas SA ») or that carry one LEI (`lei`, or an LEI written as the name) are one person
    (`identity.person_keys`), written as the first of its names in the table (the lines before the holdings);
    an issuer known by its LEI alone takes that name. A fund's inventory or a TPT file names issuers as their
    managers write them: without this, one issuer held directly and through a fund would be two entities
    (R. 139-45) and two issuers (R. 139-46).

    The work is done once per distinct (name, LEI) pair and per distinct group (their codes by `pd.factorize`,
    in the order they first appear), each column then rewritten through its codes."""
    from .identity import name_key, names_words, person_keys

    cols = [c for c in PERSON_COLUMNS if c in items.columns]
    if not len(items) or not cols:
        return items
    n = len(items)
    if "lei" in items.columns:
        lei_codes, lei_u = pd.factorize(items["lei"].to_numpy(dtype=object), use_na_sentinel=True)
    else:
        lei_codes, lei_u = np.full(n, -1, dtype=np.int64), np.zeros(0, dtype=object)
    lei_u = np.asarray(lei_u, dtype=object)
    # per column: the code of each item's (name, LEI) pair (-1: neither), and those pairs in order of appearance
    per_col = {}
    records: dict = {}  # (name, lei) -> position, in order of appearance (columns in order)
    for c in cols:
        name_codes, name_u = pd.factorize(items[c].to_numpy(dtype=object), use_na_sentinel=True)
        name_u = np.asarray(name_u, dtype=object)
        if c == "issuer" and len(lei_u):
            span = len(lei_u) + 1
            pair_codes, pair_u = pd.factorize(name_codes.astype(np.int64) * span + lei_codes + 1 + span)
            pair_u = np.asarray(pair_u, dtype=np.int64)
            nm_k, lei_k = pair_u // span - 1, pair_u % span - 1
            pairs = [(None if a < 0 else name_u[a], None if b < 0 else lei_u[b])
                     for a, b in zip(nm_k.tolist(), lei_k.tolist())]
        else:
            pair_codes, pairs = name_codes, [(x, None) for x in name_u.tolist()]
        per_col[c] = (np.asarray(pair_codes, dtype=np.int64), pairs)
        for pair in pairs:
            if pair != (None, None):
                records.setdefault(pair, len(records))
    if not records:
        return items
    rec = tuple(records)
    keys = _PERSON_KEYS.get(rec)
    if keys is None:
        keys = person_keys([r[0] for r in rec], [r[1] for r in rec])
        while len(_PERSON_KEYS) >= 4:  # the last few tables' persons: a portfolio read again names the same ones
            _PERSON_KEYS.pop(next(iter(_PERSON_KEYS)))
        _PERSON_KEYS[rec] = keys
    first: dict = {}
    for (name, code), k in zip(rec, keys):
        if k is not None and isinstance(name, str) and name.strip():
            first.setdefault(k, name)
    canon = {}
    for (name, code), k in zip(rec, keys):
        if k is not None:
            canon[(name, code)] = first.get(k, code)
    new_cols = {}
    for c in cols:
        pair_codes, pairs = per_col[c]
        table = np.empty(len(pairs) + 1, dtype=object)  # the last: an item that names nobody
        table[:-1] = [canon.get(p, p[0]) if p != (None, None) else None for p in pairs]
        table[-1] = None
        new_cols[c] = table[pair_codes]
    if "group" in items.columns:
        g_codes, g_u = pd.factorize(items["group"].to_numpy(dtype=object), use_na_sentinel=True)
        gfirst: dict = {}
        g_u = g_u.tolist()
        names_words([g for g in g_u if isinstance(g, str) and g.strip()])  # the groups' names folded together
        table = np.empty(len(g_u) + 1, dtype=object)
        for j, g in enumerate(g_u):
            table[j] = gfirst.setdefault(name_key(g) or g, g) if isinstance(g, str) and g.strip() else g
        table[-1] = None
        new_cols["group"] = table[g_codes]
    out = items.copy(deep=False)
    for c, v in new_cols.items():
        out[c] = v
    return out


def _header_columns():
    """The columns matched on the `Portefeuille` sheet: R. 139's, `nature` not required (checked after, to name
    the R. 623 `categorie` when it stands alone), and `categorie` to recognise a file written for R. 623-3."""
    return tuple(replace(c, required=False) if c.field == "nature" else c for c in COLUMNS) + (
        replace(CATEGORY_COLUMN, required=False),)


def _date_fr(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "aujourd'hui"


def read_raw(path, sheet_name=None) -> RawTable:
    """The `Portefeuille` sheet as read with R. 139's columns (its stated date in `as_of`), for `load(raw=...)`:
    a command that learns the date from the file reads it once."""
    return read_table(path, sheet_name=sheet_name, columns=_header_columns())


def read_lines(path, *, sheet_name=None, as_of=None, as_of_source=None, free_columns=(),
               raw: RawTable | None = None) -> tuple[RawTable, pd.DataFrame, list]:
    raw = raw if raw is not None else read_raw(path, sheet_name)
    refuse_misspelled_headers(raw, _header_columns(), free_columns)
    if "nature" not in raw.fields:
        if "category" in raw.fields:
            src = f" ({as_of_source})" if as_of_source else ""
            raise InputError.one(
                f"portefeuille daté du {_date_fr(as_of)}{src}, où s'appliquent les articles R. 139-1 à R. 139-56 : "
                f"la colonne « {raw.headers['category']} » (catégories de l'article R. 623-3) ne suffit pas, il faut "
                "une colonne « nature » (R. 139-16, R. 139-18). Pour un portefeuille de 2002 à 2017, donnez sa "
                "date : --date AAAA-MM-JJ", sheet=raw.sheet, row=raw.header_row, column=raw.where("category"))
        raise InputError.one("colonne obligatoire « nature » (ou « asset_type ») introuvable dans la ligne d'en-tête",
                             sheet=raw.sheet, row=raw.header_row)
    problems = ProblemList()
    cells = cells_of_raw(raw, COLUMNS)
    lines = parse_cells(cells, COLUMNS, problems)
    if not len(lines):
        problems.add("aucune ligne de portefeuille sous l'en-tête", sheet=raw.sheet, row=raw.header_row)
    problems.raise_if_any()
    _line_columns(lines, raw, problems)
    problems.raise_if_any()
    return raw, lines, list(raw.warnings)


def line_columns(lines: pd.DataFrame, raw: RawTable, problems: ProblemList) -> None:
    """The columns a line gets from its pocket and exclusion (`pocket`, `gestion`, `excluded`); the problems of an
    exclusion mark on a line that is not cash. Also for a line an order adds (`reserves.pretrade.r139`)."""
    _line_columns(lines, raw, problems)


def _line_columns(lines: pd.DataFrame, raw: RawTable, problems: ProblemList) -> None:
    pocket = lines["pocket"].astype(object).where(lines["pocket"].notna(), "placement")
    lines["pocket"] = pd.Categorical(pocket, categories=["placement", "gestion"])
    lines["gestion"] = (lines["pocket"] == "gestion").to_numpy()
    excl = lines["exclusion"].notna().to_numpy()
    lines["excluded"] = excl & ~lines["gestion"].to_numpy()
    bad = excl & ~lines["nature"].isin(CASH_NATURES).to_numpy()
    for i in np.flatnonzero(bad)[:50]:
        problems.add("exclusion prestations_3_mois sur une ligne qui n'est pas une disponibilité (nature depot ou "
                     f"monetaire) : nature {lines['nature'].iat[i]}", sheet=raw.sheet, row=int(lines['row'].iat[i]),
                     column=raw.where("exclusion"), value=lines["exclusion"].iat[i])


def read_lookthrough_sheet(path, fmt: str, free_columns=()) -> list[LT.Inventory]:
    """The inventories of the workbook's `Transparence` sheet (none if it has no such sheet)."""
    if fmt not in ("xlsx", "ods"):
        return []
    name = find_sheet(path, LOOKTHROUGH_SHEET)
    if name is None:
        return []
    raw = read_table(path, sheet_name=name, columns=LOOKTHROUGH_COLUMNS)
    refuse_misspelled_headers(raw, LOOKTHROUGH_COLUMNS, free_columns)
    return inventories_of_raw(raw, kind="Transparence")


def find_sheet(path, wanted: str) -> str | None:
    from .reader import open_workbook  # the reader's checks (archive, bounds of an .ods) before calamine

    try:
        names = open_workbook(path).sheet_names
    except InputError:
        return None  # not a workbook: no such sheet (the file itself is read, and refused, by read_table)
    for n in names:
        if P.fold(n) == P.fold(wanted):
            return n
    return None


def inventories_of_raw(raw: RawTable, *, kind: str) -> list[LT.Inventory]:
    """Split a table of holdings (a `fonds` column) into one inventory per fund."""
    problems = ProblemList()
    cells = cells_of_raw(raw, LOOKTHROUGH_COLUMNS)
    h = parse_cells(cells, LOOKTHROUGH_COLUMNS, problems, holdings=True)
    problems.raise_if_any()
    h.attrs["present"] = frozenset(raw.fields) - {"fund", "valuation_date"}
    return split_inventories(h, source=raw.source, sheet=raw.sheet, kind=kind,
                             fund_where=raw.where("fund"), date_where=raw.where("valuation_date"))


def split_inventories(h: pd.DataFrame, *, source, sheet, kind, fund_where, date_where) -> list[LT.Inventory]:
    problems = ProblemList()
    keys = np.array([_fund_key(f) for f in h["fund"]], dtype=object)
    out = []
    for key in dict.fromkeys(keys.tolist()):
        sel = np.flatnonzero(keys == key)
        part = h.iloc[sel].reset_index(drop=True)
        dates = [d for d in dict.fromkeys(part["valuation_date"].tolist()) if d is not None]
        if len(dates) > 1:
            rows = [int(part["row"].iat[list(part["valuation_date"]).index(d)]) for d in dates[:2]]
            problems.add(f"deux inventaires du même fonds, aux dates {dates[0]:%d/%m/%Y} (ligne {rows[0]}) et "
                         f"{dates[1]:%d/%m/%Y} (ligne {rows[1]}) : n'en gardez qu'un", sheet=sheet, row=rows[1],
                         column=date_where, value=part["fund"].iat[0])
            continue
        holdings = part.drop(columns=["fund", "valuation_date"])
        holdings.attrs["present"] = h.attrs.get("present", frozenset())
        out.append(LT.Inventory(fund=part["fund"].iat[0], valuation_date=dates[0] if dates else None,
                                holdings=holdings, source=source, sheet=sheet, kind=kind,
                                extra={"fund_cell": (sheet, int(part["row"].iat[0]), fund_where)}))
    problems.raise_if_any()
    return out


def _fund_key(text) -> str:
    s = str(text).strip()
    compact = s.replace(" ", "").upper()
    if len(compact) == 12 and compact[:2].isalpha() and compact.isalnum():
        return compact
    return P.key_of(s)


def load(path: str | os.PathLike, *, sheet_name: str | None = None, transparence=(), as_of: _dt.date | None = None,
         as_of_source: str | None = None, free_columns=(), raw: RawTable | None = None) -> Portfolio139:
    """Read an R. 139 portfolio file, its `Transparence` sheet and the TPT files given (`--transparence`); `raw`:
    its `Portefeuille` sheet already read by `read_raw` (not read again)."""
    raw, lines, warnings = read_lines(path, sheet_name=sheet_name, as_of=as_of, as_of_source=as_of_source,
                                      free_columns=free_columns, raw=raw)
    inventories = read_lookthrough_sheet(path, raw.fmt, free_columns)
    for tpt_path in transparence or ():
        from .tpt import read_tpt

        inventories.extend(read_tpt(tpt_path))
    _check_duplicate_funds(inventories)
    from . import securities

    titres = securities.read_sheet(path, raw.fmt, find_sheet)
    securities.complete(lines, inventories, titres)
    lt, inv_table, cols = LT.build(lines, inventories)
    for k, v in cols.items():
        lines[k] = v
    present_lt = frozenset().union(*(inv.holdings.attrs.get("present", frozenset()) for inv in inventories)) \
        if inventories else frozenset()
    extra = None
    if raw.extra:
        extra = pd.DataFrame({h: [P.parse_text(v) if not P.is_blank(v) else None
                                  for v in (r[c] if c < len(r) else None for r in raw.rows)]
                              for h, c in raw.extra.items()})
    pf = Portfolio139(lines=lines, present=frozenset(raw.fields) - {"category"}, source=raw.source, sheet=raw.sheet,
                      fmt=raw.fmt, header_row=raw.header_row, headers=dict(raw.headers), extra=extra,
                      warnings=warnings, lookthrough=lt, inventories=inv_table, inventory_list=inventories,
                      present_lookthrough=present_lt, as_of=as_of, as_of_source=as_of_source)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    pf.sha256 = h.hexdigest()
    return pf


def _check_duplicate_funds(inventories: list[LT.Inventory]) -> None:
    """Two inventories naming the same `fonds` (the sheet and a TPT file, or two TPT files): exit 2."""
    seen: dict[str, LT.Inventory] = {}
    problems = []
    for inv in inventories:
        key = _fund_key(inv.fund)
        if key in seen:
            prev = seen[key]
            problems.append(f"deux inventaires pour le fonds « {inv.fund} » : {LT.inventory_where(prev)}{LT.inventory_date(prev)} et "
                            f"{LT.inventory_where(inv)}{LT.inventory_date(inv)} ; n'en gardez qu'un")
        else:
            seen[key] = inv
    if problems:
        raise InputError([Problem(p) for p in problems])


__all__ = ["Portfolio139", "load", "read_raw", "read_lines", "line_columns", "VERSION"]
