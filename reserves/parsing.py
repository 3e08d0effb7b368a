"""Cell parsers, one per column kind. Each takes a raw cell and returns the
parsed value or raises `BadCell` with a French reason. `parse_column` applies
one to a whole column, once per distinct value."""

from __future__ import annotations

import datetime as _dt
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
    neg = False
    if s.startswith("(") and s.endswith(")"):
        neg, s = True, s[1:-1]
    s = s.replace("\u2212", "-")
    s = re.sub(r"(€|eur|euros)$", "", s, flags=re.I).strip()
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


def parse_nonneg(v: object) -> float:
    d = to_decimal(v)
    if d < 0:
        raise BadCell("nombre négatif")
    if d > Decimal("1e18"):
        raise BadCell("nombre invraisemblable")
    return float(d)


def parse_exact_nonneg(v: object) -> Decimal:
    d = to_decimal(v)
    if d < 0:
        raise BadCell("nombre négatif")
    if d > Decimal("1e18"):
        raise BadCell("nombre invraisemblable")
    return d


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


def parse_isin(v: object) -> str:
    from stdnum import isin
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

    s = re.sub(r"[\s\-]", "", str(v)).upper()
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


_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def parse_country(v: object) -> str:
    import pycountry

    s = str(v).strip()
    up = _COUNTRY_ALIASES.get(s.upper(), s.upper())
    if len(up) == 2 and pycountry.countries.get(alpha_2=up) is not None:
        return up
    if len(up) == 3 and pycountry.countries.get(alpha_3=up) is not None:
        return pycountry.countries.get(alpha_3=up).alpha_2
    try:
        return pycountry.countries.lookup(s).alpha_2
    except LookupError:
        raise BadCell("code pays ISO 3166 alpha-2 inconnu") from None


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
        raise BadCell("oui ou non attendu")
    s = fold(str(v))
    if s in _TRUE:
        return TRUE
    if s in _FALSE:
        return FALSE
    raise BadCell("oui ou non attendu")


_POCKETS = {
    "reserves": "reserves", "reserve": "reserves", "reserves des risques geres": "reserves",
    "gestion": "gestion", "gestion administrative": "gestion", "action sociale": "gestion",
    "disponibilites": "gestion", "report a nouveau": "gestion", "fonds de gestion": "gestion",
}


def parse_pocket(v: object) -> str:
    s = re.sub(r"[\s_\-]+", " ", fold(str(v)))
    if s in _POCKETS:
        return _POCKETS[s]
    raise BadCell("poche inconnue : attendu reserves ou gestion")


def parse_exclusion(v: object) -> str:
    s = re.sub(r"[\s_\-.]+", "", fold(str(v)))
    if s in ("echeancetrimestrielle", "echeance"):
        return "echeance_trimestrielle"
    if s in ("compensationl1341", "compensation"):
        return "compensation_L134-1"
    raise BadCell("exclusion inconnue : attendu echeance_trimestrielle ou compensation_L134-1")


def parse_text(v: object) -> str:
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return re.sub(r"\s+", " ", str(v)).strip()


def parse_legal_form(v: object) -> str:
    return re.sub(r"[\s.]+", "", fold(parse_text(v))).upper()


def key_of(text: str) -> str:
    """Grouping key for issuers and buildings: case, accents and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


def parse_column(values: list, parser, on_error) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column once per distinct value.

    Returns (parsed object array, blank mask). `on_error(indices, raw, reason)`
    is called once per distinct bad value with the positions that hold it.
    """
    n = len(values)
    arr = np.empty(n, dtype=object)
    if any(type(v) is bool for v in values):
        # True == 1 in Python: keep check-box cells apart from numbers, as Excel shows them
        arr[:] = [("VRAI" if v else "FAUX") if type(v) is bool else v for v in values]
    else:
        arr[:] = values
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    parsed_u = np.empty(len(uniques), dtype=object)
    blank_u = np.zeros(len(uniques), dtype=bool)
    bad = []
    for k, raw in enumerate(uniques):
        if is_blank(raw):
            blank_u[k] = True
            continue
        try:
            parsed_u[k] = parser(raw)
        except BadCell as exc:
            bad.append((k, raw, str(exc)))
    out = np.empty(n, dtype=object)
    blank = codes < 0
    valid = ~blank
    out[valid] = parsed_u[codes[valid]]
    blank[valid] = blank_u[codes[valid]]
    for k, raw, reason in bad:
        on_error(np.flatnonzero(codes == k), raw, reason)
    return out, blank
