"""Cell parsers, one per column kind. Each takes a raw cell and returns the
parsed value or raises `BadCell` with a French reason. `parse_column` applies
one to a whole column, once per distinct value."""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

# Tri-state logic for flags and conditions (Kleene): AND is min, OR is max.
FALSE, UNKNOWN, TRUE = 0, 1, 2

CAT_IFT = 14
CAT_OTHER = 15
CATEGORY_CODES = {str(i): i for i in range(1, 14)} | {"IFT": CAT_IFT, "AUTRE": CAT_OTHER}
CATEGORY_NAMES = {v: k for k, v in CATEGORY_CODES.items()}

MAX_EUROS = Decimal("1e15")  # no reserves line is worth a thousand trillion euros


class BadCell(ValueError):
    pass


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower()


def is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _reject_types(v: object) -> None:
    if isinstance(v, bool):
        raise BadCell("une case à cocher (VRAI/FAUX) n'est pas un nombre")
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time, _dt.timedelta)):
        raise BadCell("une date n'est pas un nombre")


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # « 1234.56 », as a CSV writes a number: read as written
_UNIT = re.compile(r"(€|eur|euros)$", re.I)


def to_decimal(v: object) -> Decimal:
    """A number cell, or a string written the French way (`1 234 567,89`, `-12,5`, `(3,00)`)."""
    _reject_types(v)
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise BadCell("nombre non fini")
        return Decimal(repr(v))
    s = str(v).strip()
    if _PLAIN_DECIMAL.fullmatch(s):  # what `_text_decimal` leaves as it is
        return Decimal(s)
    return _text_decimal(s)


def _text_decimal(s: str) -> Decimal:
    """A stripped text written the French way as a Decimal."""
    neg = False
    if s.startswith("(") and s.endswith(")"):
        neg, s = True, s[1:-1]
    s = s.replace("\u2212", "-")
    s = _UNIT.sub("", s).strip()
    s = _SPACES.sub("", s)
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    elif s.count(".") > 1:
        s = s.replace(".", "")
    if not _NUMBER.fullmatch(s):
        raise BadCell("ce n'est pas un nombre")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise BadCell("ce n'est pas un nombre") from None
    if not d.is_finite():
        raise BadCell("nombre non fini")
    return -d if neg else d


def parse_money(v: object) -> int:
    """Euros → integer cents (half-up on the third decimal)."""
    d = to_decimal(v)
    if abs(d) > MAX_EUROS:
        raise BadCell("montant invraisemblable (au-delà de 10^15 €)")
    return int((d * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _of_type(uniques: np.ndarray, cls: type) -> np.ndarray:
    """Mask of the values whose type is exactly `cls` (not a subclass: numpy's floats, bools apart)."""
    types = np.empty(len(uniques), dtype=object)
    types[:] = list(map(type, uniques))
    return types == cls  # type objects compare by identity


def _float_uniques(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the plain floats among distinct cell values, and those floats."""
    idx = np.flatnonzero(_of_type(uniques, float))
    return idx, np.array(uniques[idx].tolist(), dtype=float)


def _money_vector(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_money` for the float cells whose decimal form has at most two decimals, in one pass.

    For |v| ≤ 10^13 euros, rint(100·v)/100 == v holds exactly when repr(v) has at
    most two decimals, and then the cents are rint(100·v): the same integer the
    Decimal path gives. Other cells (text, more decimals, huge) are left to it.
    """
    done = np.zeros(len(uniques), dtype=bool)
    out = np.empty(len(uniques), dtype=object)
    idx, v = _float_uniques(uniques)
    if len(idx):
        with np.errstate(invalid="ignore", over="ignore"):
            c = np.rint(v * 100)
            ok = np.isfinite(v) & (np.abs(v) <= 1e13) & (c / 100 == v)
        sel = idx[ok]
        out[sel] = c[ok].astype(np.int64).tolist()
        done[sel] = True
    return done, out


def _nonneg_floats(uniques: np.ndarray, convert) -> tuple[np.ndarray, np.ndarray]:
    """The plain finite floats in [0, 10^18] among `uniques`, converted at once (`convert` maps a list of
    floats to a list of values); the others are left to the one-by-one parser."""
    done = np.zeros(len(uniques), dtype=bool)
    out = np.empty(len(uniques), dtype=object)
    idx, v = _float_uniques(uniques)
    if len(idx):
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(v) & (v >= 0) & (v <= 1e18)
        sel = idx[ok]
        out[sel] = convert(v[ok].tolist())
        done[sel] = True
    return done, out


def _nonneg_vector(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_nonneg` for plain floats: float(Decimal(repr(v))) is v itself."""
    return _nonneg_floats(uniques, lambda xs: xs)


parse_money.vector = _money_vector


def parse_nonneg(v: object) -> float:
    return float(parse_exact_nonneg(v))


parse_nonneg.vector = _nonneg_vector


def parse_exact_nonneg(v: object) -> Decimal:
    d = to_decimal(v)
    if d < 0:
        raise BadCell("nombre négatif")
    if d > Decimal("1e18"):
        raise BadCell("nombre invraisemblable")
    return d


def _exact_nonneg_vector(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_exact_nonneg` for plain floats: Decimal(repr(v)), the bounds checked at once."""
    return _nonneg_floats(uniques, lambda xs: list(map(Decimal, map(repr, xs))))


parse_exact_nonneg.vector = _exact_nonneg_vector


def parse_ratio(v: object) -> float:
    """0.65, `0,65` or `65 %` → 0.65. A bare number above 1 is ambiguous and refused."""
    if isinstance(v, str) and v.strip().endswith("%"):
        d = to_decimal(v.strip()[:-1]) / 100
    else:
        d = to_decimal(v)
        if d > 1:
            raise BadCell("taux ambigu : écrire 0,65 ou 65 %")
    if d < 0:
        raise BadCell("taux négatif")
    return float(d)


_CATEGORY = re.compile(
    r"^(?:r\.?\s*623-?3\s*(?:[ivx]+\s*)?)?(\d{1,2})\s*(?:°|º|o|eme|e)?\s*(?:[a-c]\s*\)?)?$")


def parse_category(v: object) -> int:
    if isinstance(v, bool):
        raise BadCell("catégorie inconnue")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (not math.isfinite(v) or v != int(v)):
            raise BadCell("catégorie inconnue : attendu 1 à 13, IFT ou AUTRE")
        n = int(v)
    else:
        s = fold(str(v)).replace("\u00b0", "°")
        s = re.sub(r"\s+", " ", s)
        if s in ("ift", "instrument financier a terme"):
            return CAT_IFT
        if s in ("autre", "hors liste"):
            return CAT_OTHER
        m = _CATEGORY.match(s.replace("°", "°"))
        if not m:
            # NFKD folding turns ° into nothing: try again on the raw text
            m = _CATEGORY.match(str(v).strip().lower())
        if not m:
            raise BadCell("catégorie inconnue : attendu 1 à 13 (ou 1°, 1° a), R623-3 1°), IFT ou AUTRE")
        n = int(m.group(1))
    if not 1 <= n <= 13:
        raise BadCell("catégorie inconnue : attendu 1 à 13, IFT ou AUTRE")
    return n


_CURRENCY_ALIASES = {"€": "EUR", "EURO": "EUR", "EUROS": "EUR", "$": "USD", "£": "GBP"}


def parse_currency(v: object) -> str:
    import pycountry

    s = str(v).strip().upper()
    s = _CURRENCY_ALIASES.get(s, s)
    if not re.fullmatch(r"[A-Z]{3}", s) or pycountry.currencies.get(alpha_3=s) is None:
        raise BadCell("code devise ISO 4217 inconnu")
    return s


_ISIN_SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z]{9}[0-9]")
_ISIN_TO_DIGITS = str.maketrans({c: str(i) for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")})
_LUHN_DOUBLE = str.maketrans({str(d): str(sum(divmod(2 * d, 10))) for d in range(10)})  # digit → digit sum of 2·digit
_ISIN_CLEAN = re.compile(r"[\s\-]")


@functools.lru_cache(maxsize=None)
def isin_country_known(cc: str) -> bool:
    """Whether stdnum takes `cc` (two capital letters) as the country prefix of an ISIN, asked through its public
    API: a code of that prefix with the right check digit is valid exactly when the prefix is one it knows."""
    from stdnum import isin

    if len(cc) != 2 or not (cc.isascii() and cc.isalpha() and cc.isupper()):
        return False
    body = cc + "000000000"
    return isin.is_valid(body + isin.calc_check_digit(body))


def _isin_fast_ok(s: str) -> bool:
    """The well-formed case of `stdnum.isin.validate`, without its per-character generators.

    True only when stdnum would accept `s` too (same alphabet, length, country
    list and check digit); anything else goes to stdnum for the exact reason.
    """
    if not _ISIN_SHAPE.fullmatch(s) or not isin_country_known(s[:2]):
        return False
    digits = s[:-1].translate(_ISIN_TO_DIGITS)[::-1]
    total = sum(map(int, digits[0::2].translate(_LUHN_DOUBLE))) + sum(map(int, digits[1::2]))
    return (10 - total) % 10 == int(s[-1])


def _isin_country_mask(first: np.ndarray, second: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Per code (its first two characters as byte values), whether its country prefix is known (only the prefixes
    present are asked, once each)."""
    pair = np.where(shape, (first - 65) * 26 + second - 65, -1)
    known = np.zeros(26 * 26, dtype=bool)
    for p in np.unique(pair[pair >= 0]).tolist():
        known[p] = isin_country_known(chr(65 + p // 26) + chr(65 + p % 26))
    return np.where(pair >= 0, known[np.clip(pair, 0, 26 * 26 - 1)], False)


def _isin_vector(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_isin` for clean 12-character codes, all at once: shape, country and Luhn check digit in numpy.

    Only codes that stdnum accepts as written are marked done; every other cell
    goes through `parse_isin` for its exact reason.
    """
    done = np.zeros(len(uniques), dtype=bool)
    out = np.empty(len(uniques), dtype=object)
    idx = np.flatnonzero(_of_type(uniques, str))
    strs = uniques[idx].tolist()
    idx = idx[np.fromiter(map(len, strs), dtype=np.int64, count=len(strs)) == 12]
    idx = idx[np.fromiter(map(str.isascii, uniques[idx].tolist()), dtype=bool, count=len(idx))]
    if not len(idx):
        return done, out
    joined = "".join(uniques[idx].tolist())
    m = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 12).astype(np.int64)
    is_digit = (m >= 48) & (m <= 57)
    is_upper = (m >= 65) & (m <= 90)
    shape = is_upper[:, :2].all(1) & (is_digit | is_upper)[:, 2:11].all(1) & is_digit[:, 11]
    country = _isin_country_mask(m[:, 0], m[:, 1], shape)
    # Luhn over the digits of the body, letters read as two digits (A = 10 … Z = 35), from the right
    body = m[:, :11][:, ::-1]
    val = np.where(is_digit[:, :11][:, ::-1], body - 48, body - 55)
    width = np.where(val >= 10, 2, 1)
    pos = np.cumsum(width, axis=1) - width  # position of each character's last digit, from the right
    double = np.array([sum(divmod(2 * d, 10)) for d in range(10)])
    units, tens = val % 10, val // 10
    contrib = np.where(pos % 2 == 0, double[units], units)
    contrib += np.where(width == 2, np.where((pos + 1) % 2 == 0, double[tens], tens), 0)
    check = (10 - contrib.sum(1) % 10) % 10
    ok = shape & country & (check == m[:, 11] - 48)
    sel = idx[ok]
    out[sel] = uniques[sel]
    done[sel] = True
    return done, out


def parse_isin(v: object) -> str:
    from stdnum import isin
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

    s = _ISIN_CLEAN.sub("", str(v)).upper()
    if _isin_fast_ok(s):
        return s
    try:
        return isin.validate(s)
    except InvalidChecksum:
        raise BadCell("ISIN invalide : clé de contrôle fausse") from None
    except InvalidLength:
        raise BadCell("ISIN invalide : 12 caractères attendus") from None
    except InvalidComponent:
        raise BadCell("ISIN invalide : code pays inconnu") from None
    except InvalidFormat:
        raise BadCell("ISIN invalide : format attendu 2 lettres, 9 caractères, 1 chiffre de contrôle") from None


parse_isin.vector = _isin_vector


_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


INTERNATIONAL = "INT"  # an international public body (SPEC §1)


def parse_country(v: object) -> str:
    import pycountry

    s = str(v).strip()
    up = _COUNTRY_ALIASES.get(s.upper(), s.upper())
    if up == INTERNATIONAL or fold(s) in ("international", "organisme international"):
        return INTERNATIONAL
    if len(up) == 2 and pycountry.countries.get(alpha_2=up) is not None:
        return up
    if len(up) == 3 and pycountry.countries.get(alpha_3=up) is not None:
        return pycountry.countries.get(alpha_3=up).alpha_2
    try:
        return pycountry.countries.lookup(s).alpha_2
    except LookupError:
        raise BadCell("code pays ISO 3166 alpha-2 inconnu") from None


YES_NO = ("oui", "non")  # the words a template offers for a yes/no column
_TRUE = {"oui", "yes", "vrai", "true", "1", "x", "o", "y", "1.0"}
_FALSE = {"non", "no", "faux", "false", "0", "n", "0.0"}


def parse_bool(v: object) -> int:
    if isinstance(v, bool):
        return TRUE if v else FALSE
    if isinstance(v, (int, float)):
        if v == 1:
            return TRUE
        if v == 0:
            return FALSE
        raise BadCell(f"{YES_NO[0]} ou {YES_NO[1]} attendu")
    s = fold(str(v))
    if s in _TRUE:
        return TRUE
    if s in _FALSE:
        return FALSE
    raise BadCell(f"{YES_NO[0]} ou {YES_NO[1]} attendu")


POCKETS = ("reserves", "gestion")  # the pockets of a line (R. 623-2), the first one by default
_POCKETS = {
    "reserves": "reserves", "reserve": "reserves", "reserves des risques geres": "reserves",
    "gestion": "gestion", "gestion administrative": "gestion", "action sociale": "gestion",
    "disponibilites": "gestion", "report a nouveau": "gestion", "fonds de gestion": "gestion",
}


def parse_pocket(v: object) -> str:
    s = re.sub(r"[\s_\-]+", " ", fold(str(v)))
    if s in _POCKETS:
        return _POCKETS[s]
    raise BadCell(f"poche inconnue : attendu {' ou '.join(POCKETS)}")


def parse_text(v: object) -> str:
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return re.sub(r"\s+", " ", str(v)).strip()


def _text_vector(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_text` for plain strings: whitespace runs made one space, ends stripped (str.split's whitespace is re's \\s)."""
    # blank text is left to parse_column, which marks it blank: a text is blank exactly when its words are none
    out = np.empty(len(uniques), dtype=object)
    done = np.zeros(len(uniques), dtype=bool)
    sel = np.flatnonzero(_of_type(uniques, str))
    joined = np.empty(len(sel), dtype=object)
    joined[:] = list(map(" ".join, map(str.split, uniques[sel].tolist())))
    some = joined != ""
    out[sel[some]] = joined[some]
    done[sel[some]] = True
    return done, out


parse_text.vector = _text_vector


def parse_legal_form(v: object) -> str:
    """A legal form however written (« Fonds commun de placement », « S.N.C. »): its abbreviation (FCP, SNC);
    another text as written, without spaces and dots, in capitals."""
    from reserves.portfolio.identity import legal_form_code

    text = parse_text(v)
    return legal_form_code(text) or re.sub(r"[\s.]+", "", fold(text)).upper()


def parse_lei(v: object) -> str:
    """An LEI (ISO 17442): 20 characters, two check digits (python-stdnum)."""
    from reserves.portfolio.identity import lei_valid

    s = re.sub(r"[\s\-.]+", "", str(v)).upper()
    if not re.fullmatch(r"[0-9A-Z]{18}[0-9]{2}", s):
        raise BadCell("LEI invalide : 20 caractères attendus (18 lettres ou chiffres, puis 2 chiffres de contrôle)")
    if not lei_valid(s):
        raise BadCell("LEI invalide : clé de contrôle fausse (ISO 17442)")
    return s


# Integer codes for short texts (countries, currencies, legal forms), so that the checker compares integers.
# The code depends on the text alone, never on the table it comes from: columns of codes of two tables can be
# put one after the other. Characters 0-9 and A-Z are the digits 1 to 36 of a number in base 37 (0 is no digit,
# so that "A" and "0A" differ), twelve of them at most to stay within int64.
NO_TEXT, NO_CODE = -1, -2  # a missing text; a text outside that alphabet, to be compared as text
_CODE_DIGITS = {c: i + 1 for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
CODE_MAX_CHARS = 12


def text_code(text: object) -> int:
    """The integer code of a text: NO_TEXT when it is missing, NO_CODE when it has no code."""
    if not isinstance(text, str):
        return NO_TEXT if text is None or pd.isna(text) is True else NO_CODE
    if len(text) > CODE_MAX_CHARS:
        return NO_CODE
    code = 0
    for ch in text:
        d = _CODE_DIGITS.get(ch)
        if d is None:
            return NO_CODE
        code = code * 37 + d
    return code


def text_codes(texts) -> np.ndarray:
    """`text_code` of every cell of a column (int64), once per distinct value."""
    codes, uniques = factorize(texts)
    table = np.array([text_code(u) for u in uniques] + [NO_TEXT], dtype=np.int64)
    return table[codes]  # -1 (missing) picks the trailing NO_TEXT


def key_of(text: str) -> str:
    """Grouping key for issuers and buildings: case, accents and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


BAD_VALUES_NAMED = 100  # distinct bad values whose cells are named one by one; the others are only counted


def _report_bad(codes: np.ndarray, bad: list, on_error) -> None:
    """Call `on_error` for each bad distinct value with the positions holding it, in one pass over the column
    (not one per bad value: a column of a million different bad cells is read in seconds, not minutes). Past
    the first BAD_VALUES_NAMED values, the positions are left unfilled (a count): the problem list is full by
    then (each named value adds at least one problem), so that they are only counted."""
    named = bad[:BAD_VALUES_NAMED]
    wanted = np.array([k for k, _, _ in named], dtype=codes.dtype)
    idx = np.flatnonzero(np.isin(codes, wanted))
    order = np.argsort(codes[idx], kind="stable")
    idx = idx[order]
    keys = codes[idx]
    starts = np.searchsorted(keys, wanted, side="left")
    ends = np.searchsorted(keys, wanted, side="right")
    for (k, raw, reason), a, b in zip(named, starts, ends):
        on_error(idx[a:b], raw, reason)
    if len(bad) > BAD_VALUES_NAMED:
        counts = np.bincount(codes[codes >= 0], minlength=max(k for k, _, _ in bad) + 1)
        for k, raw, reason in bad[BAD_VALUES_NAMED:]:
            on_error(np.zeros(int(counts[k]), dtype=np.int64), raw, reason)


FEW_CELLS = 32  # up to this many cells, a column is parsed cell by cell (a pass over the column costs more)
_PLAIN = frozenset({str, int, float, bool, type(None), _dt.date, _dt.datetime, _dt.time, _dt.timedelta})


def factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize` of some cells (codes, object array of the distinct values in order of first appearance; -1
    for None and NaN). A few cells of plain kinds (text, numbers, dates, check boxes) are coded by a dict, which
    finds the same distinct values in the same order (Python's equality and hash, as pandas' table of objects: the
    first of equal values is kept); any other cell, or more cells, go to pandas."""
    n = len(values)
    if n <= FEW_CELLS and set(map(type, values)) <= _PLAIN:
        seen: dict = {}
        codes = np.empty(n, dtype=np.int64)
        for i, v in enumerate(values):
            if v is None or (v.__class__ is float and v != v):
                codes[i] = -1
            else:
                codes[i] = seen.setdefault(v, len(seen))
        uniques = np.empty(len(seen), dtype=object)
        uniques[:] = list(seen)  # a dict keeps its first key of equal ones
        return codes, uniques
    if isinstance(values, np.ndarray) and values.dtype == object:
        arr = values  # factorize does not write to it
    else:
        arr = np.empty(n, dtype=object)
        arr[:] = values
    return pd.factorize(arr, use_na_sentinel=True)


def _factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """`factorize` of a column's cells, check boxes kept apart from numbers as Excel shows them (True == 1 in
    Python)."""
    n = len(values)
    if n <= FEW_CELLS:
        if bool in set(map(type, values)):
            values = [("VRAI" if v else "FAUX") if type(v) is bool else v for v in values]
        return factorize(values)
    codes, uniques = factorize(values)
    # a check box hides behind an equal number (True == 1): only a column with a 0, a 1 or a bool can hold one
    kind = pd.api.types.infer_dtype(uniques, skipna=False)
    if kind == "string":
        maybe = False
    elif kind in ("floating", "integer", "mixed-integer-float"):
        try:
            f = uniques.astype(float)
            maybe = bool(((f == 0) | (f == 1)).any())
        except (OverflowError, TypeError, ValueError):
            maybe = True
    else:
        maybe = any(u.__class__ is bool or (u.__class__ in (int, float) and (u == 0 or u == 1)) for u in uniques)
    if maybe and bool in set(map(type, values)):
        arr = np.empty(n, dtype=object)
        arr[:] = [("VRAI" if v else "FAUX") if type(v) is bool else v for v in values]
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    return codes, uniques


def parse_column(values: list, parser, on_error, *, coded: bool = False, stop_after: int | None = None,
                 on_stop=None, info: dict | None = None) -> tuple:
    """Parse a column once per distinct value.

    Returns (parsed object array, blank mask), and with `coded` the `text_code`
    of each parsed cell too (int64, NO_TEXT where blank or bad).
    `on_error(indices, raw, reason)` is called once per distinct bad value with
    the positions that hold it. With `stop_after`, parsing stops at that many distinct bad values and
    `on_stop()` is called: the column is bad input, the values left unparsed read as None (for a caller
    that refuses the file whenever a value is bad). A few cells (`FEW_CELLS`) are parsed by the same parsers
    one distinct value at a time, without the column pass of a parser's `vector` (which gives the same values).
    `info`, a dict, receives the distinct cells (`uniques`) and the mask of the cells read as a value
    (`filled`: not blank, not bad).
    """
    codes, uniques = _factorize(values)
    k = len(uniques)
    parsed_u = np.empty(k + 1, dtype=object)  # the last one for the missing cells (code -1): None
    blank_u = np.zeros(k + 1, dtype=bool)
    blank_u[k] = True
    bad = []
    todo = range(k)
    vector = getattr(parser, "vector", None)  # a one-pass version for the common cells, if the parser has one
    if vector is not None and k and len(codes) > FEW_CELLS:
        done, fast = vector(uniques)
        parsed_u[:k][done] = fast[done]
        todo = np.flatnonzero(~done).tolist()
    for j in todo:
        raw = uniques[j]
        if isinstance(raw, str) and not raw.strip():  # factorize leaves None and NaN out: only blank text
            blank_u[j] = True
            continue
        try:
            parsed_u[j] = parser(raw)
        except BadCell as exc:
            bad.append((j, raw, str(exc)))
            if stop_after is not None and len(bad) >= stop_after:
                if on_stop is not None:
                    on_stop()
                break
    out = parsed_u[codes]  # -1 (None, NaN) picks the trailing None
    blank = blank_u[codes]
    if info is not None:
        got_u = np.fromiter((p is not None for p in parsed_u), dtype=bool, count=k + 1)
        info["uniques"] = uniques
        info["filled"] = got_u[codes] & ~blank
    if bad:
        _report_bad(codes, bad, on_error)
    if coded:
        table = np.array([NO_TEXT if blank_u[j] else text_code(parsed_u[j]) for j in range(k)] + [NO_TEXT],
                         dtype=np.int64)
        return out, blank, table[codes]  # -1 (None, NaN) picks the trailing NO_TEXT
    return out, blank
