"""The date a portfolio file states (SPEC §4): a `Date d'arrêté : 31/12/2016` cell, or a `date_arrete` label and
its value, in the title rows above the header, or on a sheet `Paramètres`.

The date of printing or of edition is never taken for the portfolio's date: only the labels below name it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from reserves.portfolio.columns import column_letter
from reserves.portfolio.errors import InputError, Problem

PARAMETERS_SHEET = "parametres"
# Labels of the portfolio's date, folded (no case, accents or punctuation).
_LABELS = ("date d arrete", "date arrete", "date darrete", "date de l arrete", "arrete au", "arrete le",
           "date d arrete des comptes", "date de valorisation", "date de situation", "situation au",
           "portefeuille au", "as of date", "as of", "valuation date")
_MONTHS = {"janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
           "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12}


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^0-9a-z/.\-]+", " ", s).split())


def _label_and_rest(text: str) -> tuple[bool, str]:
    """(the cell starts with a label of the portfolio's date, the text after it)."""
    s = str(text).strip()
    head, sep, rest = s.partition(":")
    f = _fold(head).replace("_", " ").replace("-", " ")
    f = " ".join(f.split())
    if sep and f in _LABELS:
        return True, rest.strip()
    f_all = " ".join(_fold(s).replace("_", " ").split())
    for label in sorted(_LABELS, key=len, reverse=True):
        if f_all == label:
            return True, ""
        if f_all.startswith(label + " ") and re.match(r"\d", f_all[len(label) + 1:]):
            return True, f_all[len(label) + 1:]
    return False, ""


def parse_date(v) -> dt.date | None:
    """A date cell or text: a date, JJ/MM/AAAA, AAAA-MM-JJ, JJ.MM.AAAA, « 31 décembre 2016 », an Excel serial."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:  # an Excel serial day number (1954 to 2119)
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
        return None
    s = str(v).strip()
    if not s:
        return None
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", s)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        f = _fold(s)
        m = re.fullmatch(r"(\d{1,2})(?:er)? ([a-z]+) (\d{4})", f)
        if m and m.group(2) in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    except ValueError:
        return None
    return None


def find_date(rows: list, sheet: str) -> tuple[dt.date, str] | None:
    """The portfolio's date stated in these rows: (date, where: « feuille X, cellule B2 »), None when no label of it
    is there. A label whose value is not a date is bad input (French message naming the cell)."""
    found = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            is_label, rest = _label_and_rest(cell)
            if not is_label:
                continue
            where_c, value = c, rest
            if not rest:  # the value in the next filled cell of the row
                value = None
                for c2 in range(c + 1, len(row)):
                    if row[c2] is not None and not (isinstance(row[c2], str) and not row[c2].strip()):
                        where_c, value = c2, row[c2]
                        break
                if value is None:  # a label left without its date (an unfilled template): no date stated
                    continue
            day = parse_date(value)
            if day is None:
                raise InputError([Problem("date d'arrêté illisible : attendu JJ/MM/AAAA", sheet=sheet, row=r + 1,
                                          column=column_letter(where_c), value=value)])
            found.append((day, f"feuille « {sheet} », cellule {column_letter(where_c)}{r + 1}"))
    if not found:
        return None
    days = {d for d, _ in found}
    if len(days) > 1:
        shown = " et ".join(f"{d.strftime('%d/%m/%Y')} ({w})" for d, w in found)
        raise InputError([Problem(f"deux dates d'arrêté différentes : {shown}", sheet=sheet)])
    return found[0]


def combine(*stated) -> tuple[dt.date, str] | None:
    """One date from several places (title rows, `Paramètres` sheet): they must agree."""
    got = [s for s in stated if s is not None]
    if not got:
        return None
    if len({d for d, _ in got}) > 1:
        shown = " et ".join(f"{d.strftime('%d/%m/%Y')} ({w})" for d, w in got)
        raise InputError([Problem(f"deux dates d'arrêté différentes : {shown}")])
    return got[0]
