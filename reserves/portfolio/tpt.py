"""Reading a FinDatEx Tripartite Template (TPT, V5 to V7; xlsx or csv) as fund inventories (SPEC-R139 §2).

Fields are found by name: a header « 14_Identification code of the financial instrument » is field 14
whatever follows its number (« 14 - Identification code… », « 8.b_… », « 105. a » are tolerated); a header
without a number is matched by its V6 name. One file may hold several portfolios (field 1): each is one
inventory. The mapping to our columns (SPEC-R139 §2, checked against the published V6 field list):

- the fund: 1_Portfolio identifying data (matched to a line's ISIN, else 3_Portfolio name to its label),
  6_Valuation date, 4_Portfolio currency, 5_Net asset valuation, 8b_Total number of shares;
- `libelle` 17 (else 14), `isin` 14 when 15 says ISIN (code 1) or, 15 empty, when it is a valid ISIN;
  `quantite` 19_Nominal amount for debt, else 18_Quantity; `devise` 21_Quotation currency (A);
- `valeur` 25_Clean market valuation in portfolio currency (B); `coupon_couru` 24 − 25, else 126_Accrued
  Income (Portfolio Denominated Currency), else 0 (so the holding's value is field 24 when given);
- `nature` from 12_CIC code, its third character (`CIC_NATURE`); `cotation` `aucune` for CIC XL or XT
  (not listed, not exchange-tradable), else unknown: a country code also covers MTFs;
- `emetteur` 46, `lei` 47 when 48 is 1 (LEI), `groupe` 50, else 49, `pays` 52; `type_emetteur`
  `etat` for CIC x11 and x15, `banque_centrale` x17, `organisme_financement` x6;
  57_Explicit guarantee (Y/1): the State of 52 as guarantor;
- contracts (CIC A–F): `exposition` 28_Market exposure amount in portfolio currency (B), `devise_exposition`
  71 (else 21), `sous_jacent` 68, `type_sous_jacent` from the CIC, `type_contrat` from the CIC (an option
  with a negative 18 is written), `contrepartie` 47, else 46, `echeance` 39; structured notes (x5) have
  `contrat_integre` = oui and their 28 as `exposition`.
Columns of ours in the file (`nature`, `cotation`, `quantite_emise`…) override what is derived.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from . import parsing as P
from .columns import column_letter
from .columns139 import DEBT_NATURES, LOOKTHROUGH_COLUMNS
from .errors import InputError, ProblemList
from .lookthrough import Inventory
from .rows139 import Cells, parse_cells

HEADER_SEARCH_ROWS = 50
MIN_FIELDS = 4  # a header row names at least this many TPT fields

# V6 names (FinDatEx TPT V6, 2022; V5 and V7 keep the numbers): the fields read, and a few others that help
# recognise a header row.
FIELD_NAMES = {
    "1": "Portfolio identifying data", "2": "Type of identification code for the fund share or portfolio",
    "3": "Portfolio name", "4": "Portfolio currency (B)",
    "5": "Net asset valuation of the portfolio or the share class in portfolio currency",
    "6": "Valuation date", "7": "Reporting date", "8": "Share price", "8b": "Total number of shares",
    "12": "CIC code of the instrument", "13": "Economic zone of the quotation place",
    "14": "Identification code of the financial instrument", "15": "Type of identification code for the instrument",
    "17": "Instrument name", "18": "Quantity", "19": "Nominal amount", "20": "Contract size for derivatives",
    "21": "Quotation currency (A)", "22": "Market valuation in quotation currency (A)",
    "23": "Clean market valuation in quotation currency (A)", "24": "Market valuation in portfolio currency (B)",
    "25": "Clean market valuation in portfolio currency (B)", "26": "Valuation weight",
    "27": "Market exposure amount in quotation currency (A)", "28": "Market exposure amount in portfolio currency (B)",
    "39": "Maturity date", "46": "Issuer name", "47": "Issuer identification code",
    "48": "Type of identification code for issuer", "49": "Name of the group of the issuer",
    "50": "Identification of the group", "52": "Issuer country", "57": "Explicit guarantee by the country of issue",
    "67": "CIC code of the underlying asset", "68": "Identification code of the underlying asset",
    "71": "Quotation currency of the underlying asset (C)",
    "126": "Accrued Income (Portfolio Denominated Currency)", "137": "counterparty_sector",
}
_NAME_KEYS = {re.sub(r"[^a-z0-9]+", "", P.fold(re.sub(r"\([^)]*\)", "", v))): k for k, v in FIELD_NAMES.items()}
_NUMBERED = re.compile(r"^\s*(\d{1,4})\s*[.]?\s*([a-z])?\s*(?:[_\-.:)]|\s|$)", re.I)

# CIC category (third character) → nature; fourth character refines a few.
CIC_NATURE = {"1": "titre_etat", "2": "obligation", "3": "action", "4": "opcvm", "5": "obligation",
              "6": "obligation", "7": "depot", "8": "autre", "9": "droit_immobilier", "0": "autre",
              "A": "contrat_financier", "B": "contrat_financier", "C": "contrat_financier", "D": "contrat_financier",
              "E": "contrat_financier", "F": "contrat_financier"}
CIC_SUB = {"12": "obligation", "13": "obligation", "14": "obligation", "16": "obligation", "17": "obligation",
           "19": "obligation", "23": "tcn", "24": "tcn", "33": "acces_capital", "43": "monetaire", "94": "autre"}
CIC_ISSUER_KIND = {"11": "etat", "15": "etat", "17": "banque_centrale"}
CIC_CONTRACT = {"A": "future", "B": "option", "C": "option", "D": "swap", "E": "terme", "F": "autre"}
# Underlying kind by derivative CIC (category + sub-category).
CIC_UNDERLYING = {"1": "action", "2": "taux", "3": "change", "4": "credit", "5": "marchandise"}
CIC_UNDERLYING_BY_CAT = {"D1": "taux", "D2": "change", "D3": "change", "D4": "autre", "D5": "autre", "E1": "taux",
                         "E2": "change", "B4": "action", "B6": "taux", "F1": "credit", "F2": "credit", "F3": "credit",
                         "F4": "credit"}
_CIC = re.compile(r"^[A-Z0-9]{2}[0-9A-F][0-9A-Z]$")
_YES = {"y", "yes", "1", "oui", "o", "true", "vrai"}


def field_of(header: object) -> str | None:
    """The TPT field number of a header cell (`14`, `8b`, `105a`), or None."""
    if isinstance(header, (int, float)) and not isinstance(header, bool):
        if isinstance(header, float) and (header != header or header != int(header)):
            return None
        return str(int(header))
    if not isinstance(header, str) or not header.strip():
        return None
    m = _NUMBERED.match(header)
    if m:
        num = m.group(1).lstrip("0") or "0"
        key = num + (m.group(2) or "").lower()
        if key == "25" and "quotation" in header.lower():  # a known mislabel of field 23
            return "23"
        return key
    text = header.strip()
    key = re.sub(r"[^a-z0-9]+", "", P.fold(re.sub(r"\([^)]*\)", "", text)))
    if key in ("tptversion",):
        return "1000"
    return _NAME_KEYS.get(key)


def _sheet_rows(path: str, name: str):
    """(sheet name, rows, fmt) of every sheet of the file, after the reader's safety checks."""
    from . import reader as R

    if not os.path.exists(path):
        raise InputError.one(f"fichier TPT introuvable : {name}")
    size = os.path.getsize(path)
    if size == 0:
        raise InputError.one(f"le fichier TPT « {name} » est vide")
    if size > R.MAX_FILE_BYTES:
        raise InputError.one(f"le fichier TPT « {name} » pèse {size / 1048576:.0f} Mio, au-delà de la limite de "
                             f"{R.MAX_FILE_BYTES // 1048576} Mio")
    with open(path, "rb") as fh:
        head = fh.read(8)
    kind = R.sniff_format(path, head)
    if kind == "ole":
        R.refuse_ole(path, name)
    if kind == "zip":
        # the reader's bounded, checked path: the archive, every table of an .ods and each sheet measured before
        # calamine lays it out; its errors and panics are bad input
        wb = R.open_workbook(path)
        for sheet in wb.sheet_names:
            yield sheet, wb.rows(sheet, skip_empty_area=False), wb.fmt
        return
    import csv
    import io

    with open(path, "rb") as fh:
        text = R.decode_text(fh.read(), name)
    sample = "\n".join(ln for ln in text.splitlines()[:HEADER_SEARCH_ROWS] if ln.strip())
    counts = {sep: sample.count(sep) for sep in (";", ",", "\t", "|")}
    sep = max(counts, key=lambda s: (counts[s], s == ";"))
    if counts[sep] == 0:
        raise InputError.one(f"« {name} » n'est ni un classeur ni un fichier CSV lisible")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise InputError.one(f"« {name} » : fichier CSV illisible ({exc})") from None
    yield "CSV", rows, "csv"


def _header(rows) -> tuple[int, dict[str, int], dict[int, str]] | None:
    """(header row index, field -> column, column -> header text) of the best header row, if any."""
    best = None
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields: dict[str, list[int]] = {}
        for c, cell in enumerate(row):
            f = field_of(cell)
            if f is not None and isinstance(cell, str):
                fields.setdefault(f, []).append(c)
        score = len(fields)
        if score >= MIN_FIELDS and (best is None or score > best[0]):
            best = (score, r, fields)
    if best is None:
        return None
    _, r, fields = best
    return r, fields, {c: str(rows[r][c]).strip() for cs in fields.values() for c in cs}


def read_tpt(path: str | os.PathLike) -> list[Inventory]:
    """The inventories of a TPT file (one per portfolio, field 1)."""
    path = os.fspath(path)
    name = os.path.basename(path)
    for sheet, rows, fmt in _sheet_rows(path, name):
        found = _header(rows)
        if found is None:
            continue
        r, fields, texts = found
        dup = {f: cs for f, cs in fields.items() if len(cs) > 1}
        if dup:
            f, cs = next(iter(dup.items()))
            raise InputError.one("le champ TPT " + f + " apparaît deux fois : " +
                                 " et ".join(f"{column_letter(c)} (« {texts[c]} »)" for c in cs),
                                 sheet=sheet, row=r + 1)
        return _inventories(rows, r, {f: cs[0] for f, cs in fields.items()}, texts, name, sheet)
    raise InputError.one(f"« {name} » n'est pas un fichier TPT : aucune ligne d'en-tête avec les champs numérotés du "
                         "Tripartite Template (« 12_CIC code of the instrument », « 14_Identification code… »)")


def _inventories(rows, r, fields: dict[str, int], texts: dict[int, str], name: str, sheet: str) -> list[Inventory]:
    problems = ProblemList()
    header = rows[r]
    after = rows[r + 1:]
    # the rows that hold something (a row whose first cell is filled is; the others are looked at one by one)
    keep = [i for i, row in enumerate(after) if row and not P.is_blank(row[0]) or any(not P.is_blank(c) for c in row)]
    body = after if len(keep) == len(after) else [after[i] for i in keep]
    numbers = [r + 2 + i for i in keep]
    required = [("1", "1_Portfolio identifying data"), ("6", "6_Valuation date"), ("12", "12_CIC code of the instrument"),
                ("21", "21_Quotation currency (A)")]
    missing = [label for f, label in required if f not in fields]
    if "17" not in fields and "14" not in fields:
        missing.append("17_Instrument name (ou 14_Identification code of the financial instrument)")
    if "24" not in fields and "25" not in fields:
        missing.append("25_Clean market valuation in portfolio currency (B) (ou 24_Market valuation…)")
    if missing:
        raise InputError.one("champ(s) TPT obligatoire(s) introuvable(s) : " + ", ".join(f"« {m} »" for m in missing),
                             sheet=sheet, row=r + 1)
    n = len(body)
    if n == 0:
        raise InputError.one("aucune position sous l'en-tête du fichier TPT", sheet=sheet, row=r + 1)
    width = max(len(header), max(map(len, body)))
    table = np.empty((n, width), dtype=object)
    if min(map(len, body)) == width:
        table[:, :] = body  # one C-level copy
    else:
        table[:, :] = [list(row) + [None] * (width - len(row)) for row in body]
    rownums = np.asarray(numbers, dtype=np.int64)

    def col(f):
        return table[:, fields[f]] if f in fields else np.full(n, None, dtype=object)

    def where(f):
        c = fields[f]
        return f"{column_letter(c)} ({texts[c]})"

    def reporter(f):
        w = where(f) if f in fields else None

        def on_error(indices, value, reason):
            for i in indices[:20]:
                problems.add(reason, sheet=sheet, row=int(rownums[i]), column=w, value=value)
            if len(indices) > 20:
                problems.dropped += len(indices) - 20
        return on_error

    def parse(f, parser):
        values, blank = P.parse_column(col(f), parser, reporter(f))
        return values, blank | np.equal(values, None)  # noqa: E711 (each cell: a value left unread is None)

    cells = Cells(sheet, rownums)

    # The instrument's CIC: nature, listing, issuer kind, contract type.
    cic_raw = col("12")
    cic = per_unique(cic_raw, lambda c: None if P.is_blank(c) else str(c).strip().upper())
    for i in np.flatnonzero(cic == None)[:20]:  # noqa: E711
        problems.add("case vide : le code CIC dit la nature du placement", sheet=sheet, row=int(rownums[i]),
                     column=where("12"))
    bad = per_unique(cic, lambda c: c is not None and not _CIC.match(c), dtype=bool)
    for i in np.flatnonzero(bad)[:20]:
        problems.add("code CIC invalide : 4 caractères attendus (pays ou XL/XT, catégorie, sous-catégorie)",
                     sheet=sheet, row=int(rownums[i]), column=where("12"), value=cic_raw[i])
    codes, ucic = pd.factorize(pd.Series(cic, dtype=object), use_na_sentinel=True)
    derived = [_from_cic(c) for c in ucic] + [_from_cic(None)]
    pick = np.where(codes < 0, len(ucic), codes)

    def from_cic(key):
        return np.array([d[key] for d in derived], dtype=object)[pick]

    nature = from_cic("nature")
    qty18 = col("18")
    contract = from_cic("contract")
    options = contract == "option"
    if options.any():
        q, _ = parse("18", _signed_decimal)
        written = np.array([v is not None and v < 0 for v in q], dtype=bool)
        bought = np.array([v is not None and v > 0 for v in q], dtype=bool)
        contract = contract.copy()
        contract[options & written] = "option_vendue"
        contract[options & bought] = "option_achetee"
        contract[options & ~written & ~bought] = None
    is_contract = np.asarray(pd.Series(nature).isin(["contrat_financier"]), dtype=bool)
    cells.cells["nature"] = nature
    cells.where["nature"] = where("12")
    cells.cells["listing"] = from_cic("listing")
    cells.where["listing"] = where("12")
    kind = from_cic("issuer_kind")
    cells.cells["contract_type"] = contract
    cells.where["contract_type"] = where("12")
    cells.cells["embedded_derivative"] = from_cic("embedded")
    cells.where["embedded_derivative"] = where("12")

    # Identity.
    label = col("17").copy()
    empty = blank(label)
    if "14" in fields:
        label[empty] = col("14")[empty]
    cells.cells["label"] = label
    cells.where["label"] = where("17") if "17" in fields else (where("14") if "14" in fields else None)
    ident = col("14")
    id_type = col("15")
    cells.cells["isin"] = _isin_cells(ident, id_type)
    cells.where["isin"] = where("14") if "14" in fields else None
    debt = np.asarray(pd.Series(nature).isin(DEBT_NATURES), dtype=bool)
    q19 = col("19")
    has19 = ~blank(q19)
    quantity = np.where(debt & has19, q19, qty18)
    quantity = np.where(is_contract, None, quantity)
    cells.cells["quantity"] = quantity
    cells.where["quantity"] = (where("19") + " / " if "19" in fields else "") + (where("18") if "18" in fields else "")
    for ours, f in (("currency", "21"), ("issuer", "46"), ("country", "52"), ("maturity", "39")):
        if f in fields:
            cells.cells[ours] = col(f)
            cells.where[ours] = where(f)
    if "47" in fields:
        lei_type = col("48")
        is_lei = per_unique(lei_type, lambda t: not P.is_blank(t) and P.fold(str(t)).strip() in ("1", "1.0", "lei"),
                            dtype=bool)
        cells.cells["lei"] = np.where(is_lei, col("47"), None)
        cells.where["lei"] = where("47")
    group = col("50").copy()
    g_empty = blank(group)
    group[g_empty] = col("49")[g_empty]
    cells.cells["group"] = group
    cells.where["group"] = where("50") if "50" in fields else (where("49") if "49" in fields else None)
    kind_cells = kind.copy()
    cells.cells["issuer_kind"] = kind_cells
    cells.where["issuer_kind"] = where("12")
    if "57" in fields:
        yes = per_unique(col("57"), lambda v: not P.is_blank(v) and P.fold(str(v)).strip() in _YES, dtype=bool)
        country = col("52")
        cells.cells["guarantor"] = np.where(yes, np.array([f"État {c}" if not P.is_blank(c) else "État d'émission"
                                                           for c in country], dtype=object), None)
        cells.cells["guarantor_kind"] = np.where(yes, "etat", None)
        cells.cells["guarantor_country"] = np.where(yes, country, None)
        for f in ("guarantor", "guarantor_kind", "guarantor_country"):
            cells.where[f] = where("57")

    # Values: clean value in portfolio currency; accrued interest = dirty − clean, else field 126.
    v25, b25 = parse("25", P.parse_money) if "25" in fields else (np.full(n, None, dtype=object), np.ones(n, bool))
    v24, b24 = parse("24", P.parse_money) if "24" in fields else (np.full(n, None, dtype=object), np.ones(n, bool))
    v126, b126 = parse("126", P.parse_money) if "126" in fields else (np.full(n, None, dtype=object), np.ones(n, bool))
    mv = np.where(~b25, v25, v24)
    acc = np.zeros(n, dtype=object)
    both = ~b25 & ~b24
    acc[both] = (v24[both] - v25[both]) if both.any() else acc[both]
    use126 = ~both & ~b25 & ~b126
    acc[use126] = v126[use126]
    acc = np.where(acc == None, 0, acc)  # noqa: E711
    blank_value = b25 & b24
    for i in np.flatnonzero(blank_value)[:20]:
        problems.add("case vide : la valeur de la position (champ 25, ou 24) est obligatoire", sheet=sheet,
                     row=int(rownums[i]), column=where("25") if "25" in fields else where("24"))
    cells.parsed["market_value"] = (np.where(blank_value, None, mv), blank_value)
    cells.parsed["accrued_interest"] = (acc, np.zeros(n, dtype=bool))
    cells.where["market_value"] = where("25") if "25" in fields else where("24")
    cells.where["accrued_interest"] = where("24") if "24" in fields else (where("126") if "126" in fields else None)
    cells.cells["market_value"] = col("25") if "25" in fields else col("24")

    # Contracts and structured notes.
    embedded = from_cic("embedded") == "oui"
    if "28" in fields:
        cells.cells["exposure"] = np.where(is_contract | embedded, col("28"), None)
        cells.where["exposure"] = where("28")
    if "71" in fields or "21" in fields:
        c71 = col("71")
        has71 = ~blank(c71)
        cells.cells["exposure_currency"] = np.where(is_contract & has71, c71, np.where(is_contract, col("21"), None))
        cells.where["exposure_currency"] = where("71") if "71" in fields else where("21")
    if "68" in fields:
        cells.cells["underlying"] = np.where(is_contract, col("68"), None)
        cells.where["underlying"] = where("68")
    cells.cells["underlying_kind"] = np.where(is_contract, from_cic("underlying_kind"), None)
    cells.where["underlying_kind"] = where("12")
    cp = np.where(~blank(col("47")), col("47"), col("46"))
    cells.cells["counterparty"] = np.where(is_contract, cp, None)
    cells.where["counterparty"] = where("47") if "47" in fields else (where("46") if "46" in fields else None)

    # Our own columns, if the file has them, override what the TPT fields say.
    from .columns import normalize_header

    ours = {normalize_header(c.header): c for c in LOOKTHROUGH_COLUMNS}
    ours.update({normalize_header(c.alias): c for c in LOOKTHROUGH_COLUMNS})
    for c_idx, cell in enumerate(header):
        if not isinstance(cell, str) or field_of(cell) is not None:
            continue
        c = ours.get(normalize_header(cell))
        if c is None or c.field in ("fund", "valuation_date"):
            continue
        given = table[:, c_idx]
        filled = ~blank(given)
        w = f"{column_letter(c_idx)} ({str(cell).strip()})"
        if c.field in cells.parsed:
            del cells.parsed[c.field]
            if c.field == "market_value":
                problems.add("la valeur d'une position se lit dans les champs TPT 24/25, pas dans une colonne « valeur »",
                             sheet=sheet, row=r + 1, column=w)
            continue
        base = cells.cells.get(c.field, np.full(n, None, dtype=object))
        cells.cells[c.field] = np.where(filled, given, base)
        cells.where[c.field] = w if c.field not in cells.where else f"{w} / {cells.where[c.field]}"
    problems.raise_if_any()

    columns = tuple(c for c in LOOKTHROUGH_COLUMNS if c.field not in ("fund", "valuation_date"))
    h = parse_cells(cells, columns, problems, holdings=True)
    problems.raise_if_any()
    h.attrs["present"] = frozenset(f for f in cells.cells if f in {c.field for c in columns}) | {
        "market_value", "accrued_interest"}

    # Portfolio data, per portfolio (field 1).
    from .columns139 import parse_date

    fund = col("1")
    for i in np.flatnonzero(blank(fund))[:20]:
        problems.add("case vide : le champ 1 identifie le fonds", sheet=sheet, row=int(rownums[i]), column=where("1"))
    dates, dblank = parse("6", parse_date)
    for i in np.flatnonzero(dblank & blank(col("6")))[:20]:
        problems.add("case vide : date de valorisation (champ 6) obligatoire", sheet=sheet, row=int(rownums[i]),
                     column=where("6"))
    navs, _ = parse("5", P.parse_money) if "5" in fields else (np.full(n, None, dtype=object), None)
    problems.raise_if_any()
    keys = per_unique(fund, _fund_key)
    out = []
    for key in dict.fromkeys(keys.tolist()):
        sel = np.flatnonzero(keys == key)
        ds = list(dict.fromkeys(dates[sel].tolist()))
        if len(ds) > 1:
            i = sel[[dates[j] for j in sel].index(ds[1])]
            problems.add(f"deux inventaires du même fonds, aux dates {ds[0]:%d/%m/%Y} et {ds[1]:%d/%m/%Y} : "
                         "n'en gardez qu'un", sheet=sheet, row=int(rownums[i]), column=where("6"), value=fund[sel[0]])
            continue
        part = h.iloc[sel].reset_index(drop=True)
        part.attrs["present"] = h.attrs["present"]
        first = sel[0]
        out.append(Inventory(
            fund=P.parse_text(fund[first]), valuation_date=ds[0], holdings=part, source=name, sheet=sheet, kind="TPT",
            fund_label=P.parse_text(col("3")[first]) if not P.is_blank(col("3")[first]) else None,
            nav=navs[first] if navs[first] is not None else None,
            shares=None if P.is_blank(col("8b")[first]) else col("8b")[first],
            currency=None if P.is_blank(col("4")[first]) else str(col("4")[first]).strip().upper(),
            extra={"fund_cell": (sheet, int(rownums[first]), where("1"))}))
    problems.raise_if_any()
    return out


def per_unique(values, fn, dtype=object) -> np.ndarray:
    """`fn` of every cell, computed once per distinct cell (None and NaN included, as None)."""
    arr = np.asarray(values, dtype=object)
    if not len(arr):
        return np.zeros(0, dtype=dtype)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    table = np.array([fn(u) for u in uniques] + [fn(None)], dtype=dtype)
    return table[codes]


def blank(values) -> np.ndarray:
    return per_unique(values, P.is_blank, dtype=bool)


def _fund_key(v) -> str:
    s = P.parse_text(v) if not P.is_blank(v) else ""
    return s.replace(" ", "").upper()


def _signed_decimal(v):
    return P.to_decimal(v)


def _isin_cells(ident, id_type):
    """Field 14 where field 15 says ISIN (code 1: validated later, a bad one is exit 2), or, 15 empty, where it
    is a valid ISIN; None for other kinds of codes."""
    def kind(t):
        if P.is_blank(t):
            return 0
        return 1 if P.fold(str(t)).strip() in ("1", "1.0", "isin") else 2

    def valid(code):
        try:
            P.parse_isin(code)
            return True
        except P.BadCell:
            return False

    ident = np.asarray(ident, dtype=object)
    k = per_unique(id_type, kind, dtype=np.int8)
    has = ~blank(ident)
    out = np.where(has & (k == 1), ident, None)
    maybe = np.flatnonzero(has & (k == 0))
    if len(maybe):
        ok = per_unique(ident[maybe], valid, dtype=bool)
        out[maybe[ok]] = ident[maybe[ok]]
    return out


def _from_cic(cic: str | None) -> dict:
    d = {"nature": None, "listing": None, "issuer_kind": None, "contract": None, "embedded": None,
         "underlying_kind": None}
    if cic is None or not _CIC.match(cic):
        return d
    cat, sub = cic[2], cic[3]
    d["nature"] = CIC_SUB.get(cat + sub, CIC_NATURE.get(cat))
    if cic[:2] in ("XL", "XT"):
        d["listing"] = "aucune"
    if cat == "6":
        d["issuer_kind"] = "organisme_financement"
    d["issuer_kind"] = CIC_ISSUER_KIND.get(cat + sub, d["issuer_kind"])
    if cat == "5":
        d["embedded"] = "oui"
    if cat in CIC_CONTRACT:
        d["contract"] = CIC_CONTRACT[cat]
        d["underlying_kind"] = CIC_UNDERLYING_BY_CAT.get(cat + sub) or (
            CIC_UNDERLYING.get(sub, "autre") if cat in "ABCE" else ("credit" if cat == "F" else "autre"))
    return d
