"""Portfolios built line by line for the rule tests.

`line(cat, euros, **columns)` gives one holding that meets every condition of
its category (R. 623-3 to R. 623-9), so that a test changes only the column
it is about. Columns are given by their French header (`emetteur=...`).
`portfolio(*lines)` builds a `Portfolio` through `reserves.portfolio.model.from_frame`,
`verdict(*lines)` checks it. Money is written as French strings (`"200 000,00"`)
or integers of euros, never as floats, so that every cent is the one meant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd

from constraints import rulebook
from constraints.checker import check
from reserves.portfolio.model import from_frame

ROOT = Path(__file__).resolve().parent.parent
RULE_IDS = [
    "R623-3/eligibilite",
    "R623-3/euro-90",
    "R623-3/conservation",
    "R623-3/marche-reconnu",
    "R623-3/titres-court-terme",
    "R623-4/instruments-financiers-terme",
    "R623-5/bmtn",
    "R623-6/opcvm",
    "R623-7/societes-immobilieres",
    "R623-8/prets-hypothecaires",
    "R623-9/depots",
    "R623-10/fonds-gestion",
    "R623-10-1/obligations-euro-min34",
    "R623-10-1/fcpr-max5",
    "R623-10-1/immobilier-max20",
    "R623-10-1/prets-max10",
    "R623-10-1/emetteur-max5",
    "R623-10-1/immeuble-max5",
    "R623-10-1/detention-max10",
]

# One compliant holding per category: the columns that category's conditions read.
_QTY = {"quantite": 1, "quantite_emise": 1_000_000_000}
DEFAULTS: dict[str, dict] = {
    "1": {"emetteur": "République française", "pays": "FR", "conservation": "oui", **_QTY},
    "2": {"emetteur": "TotalEnergies SE", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui", **_QTY},
    "3": {"emetteur": "BNP Paribas", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui",
          "duree_jours": 90, **_QTY},
    "4": {"emetteur": "Crédit Agricole SA", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui",
          "montant_emission": 50_000_000, "nb_valorisateurs": 2, "cotation_jours": 7, "clause_liquidite": "oui",
          "garantie_prix_emission": "oui", **_QTY},
    "5": {"emetteur": "SICAV Trésorerie Euro", "forme_juridique": "SICAV", "pays": "FR", "opcvm_conforme": "oui",
          "fonds_euro_1_4": "oui", "fonds_1_3": "oui", "conservation": "oui"},
    "6": {"emetteur": "SICAV Capital Risque", "forme_juridique": "SICAV", "pays": "FR", "conservation": "oui", **_QTY},
    "7": {"emetteur": "Air Liquide SA", "pays": "FR", "marche_reconnu": "oui", "conservation": "oui", **_QTY},
    "8": {"emetteur": "FCP Actions Europe", "forme_juridique": "FCP", "pays": "FR", "opcvm_conforme": "oui",
          "conservation": "oui"},
    "9": {"immeuble": "IMM-75008-01", "pays": "FR"},
    "10": {"emetteur": "SCI Bureaux Lyon", "immeuble": "SCI-LYON", "forme_juridique": "SCI", "pays": "FR",
           "marchand_de_biens": "non", "conservation": "oui"},
    "11": {"emetteur": "Ville de Lyon", "pays": "FR"},
    "12": {"emetteur": "SCI Les Tilleuls", "pays": "FR", "rang_hypotheque": 1, "ltv": "0,60"},
    "13": {"emetteur": "Banque Postale", "pays": "FR", "etablissement_agree_eee": "oui", "duree_jours": 90},
    "IFT": {"marche_reconnu": "oui", "couverture": "oui"},
    "AUTRE": {},
}

_counter = iter(range(1, 10**9))


def line(cat, euros, label: str | None = None, **columns) -> dict:
    """One holding of category `cat` worth `euros` (market value), compliant unless `columns` say otherwise.

    A column given as None is left empty. Keyword names are the French headers.
    """
    from reserves.portfolio.parsing import CATEGORY_NAMES, parse_category

    key = str(cat)
    base_key = CATEGORY_NAMES[parse_category(key)]  # "1° a)" → "1", "ift" → "IFT"
    row = {"libelle": label or f"ligne {next(_counter)} ({key})", "categorie": key, "valeur": _money(euros),
           "devise": "EUR"}
    row.update(DEFAULTS[base_key])
    row.update(columns)
    return row


def _money(euros) -> object:
    if isinstance(euros, (int, Decimal)):
        return str(euros)
    return euros


def frame(*lines: dict) -> pd.DataFrame:
    cols: list[str] = []
    for ln in lines:
        for k in ln:
            if k not in cols:
                cols.append(k)
    return pd.DataFrame([{c: ln.get(c) for c in cols} for ln in lines], columns=cols, dtype=object)


def portfolio(*lines: dict):
    return from_frame(frame(*lines))


def verdict(*lines: dict, date: dt.date | None = dt.date(2016, 12, 31)):
    return check(portfolio(*lines), date=date)


def ballast(euros, **columns) -> dict:
    """A French State bond: category 1°, euro, exempt from the 5 % issuer cap."""
    return line(1, euros, label=columns.pop("label", "OAT lest"), **columns)


def status(v, rule_id: str) -> str:
    return v.result(rule_id).status


def findings(v, rule_id: str, status_: str | None = None) -> list:
    return [f for f in v.result(rule_id).findings if status_ is None or f.status == status_]


def cents(text: str) -> int:
    """"200 000,00" → 20000000."""
    return int((Decimal(text.replace(" ", "").replace("\u202f", "").replace(",", ".")) * 100).to_integral_value())


def version():
    return rulebook.for_date(dt.date(2016, 12, 31))


def limit(rule_id: str):
    """A limit as the rulebook holds it (a Fraction): tests never write 5 % twice."""
    return version().rule(rule_id).limit()


# --------------------------------------------------------------------------- command line


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """`reserves.app.cli.main(argv)` in this process, standard output and error captured."""
    from reserves.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


DATED_COMMANDS = ("check", "report", "optimize")


def dated_args(args, dated: bool = True) -> list:
    """The portfolios of these tests are of 31/12/2016 (SPEC §4): `--date 2016-12-31` for the commands that read
    one, unless the test gives its own date or asks for none (`dated=False`: the file's date, or today)."""
    args = list(args)
    if dated and args and args[0] in DATED_COMMANDS and "--date" not in args and "--help" not in args:
        args += ["--date", "2016-12-31"]
    return args


def run_cli(*args: str, timeout: float = 60, env: dict | None = None, dated: bool = True) -> subprocess.CompletedProcess:
    """The real command, in a child process (`python -m reserves.app.cli`)."""
    args = dated_args(args, dated)
    e = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS")}
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("LANG", "C.UTF-8")
    e.setdefault("PYTHONIOENCODING", "utf-8")
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=str(ROOT))


def check_json(path) -> tuple[int, dict]:
    p = run_cli("check", str(path), "--json", "--date", "2016-12-31")
    return p.returncode, json.loads(p.stdout)


def eur(c: int) -> str:
    """Cents → a French amount as a user types it: 20000001 → "200 000,01"."""
    sign = "-" if c < 0 else ""
    units, rest = divmod(abs(int(c)), 100)
    return f"{sign}{units:,}".replace(",", " ") + f",{rest:02d}"


B = 100_000_000  # a base of 1 000 000,00 €, in cents


def share_of(rule_id: str, base: int = B) -> int:
    """The limit of `rule_id` applied to `base` cents, exactly (the limits used here give whole cents)."""
    lim = limit(rule_id)
    assert (base * lim.numerator) % lim.denominator == 0
    return base * lim.numerator // lim.denominator


# --------------------------------------------------------------------------- real files


def write_xlsx(path, rows: list[list], *, sheet: str = "Portefeuille", before: dict | None = None,
               after: dict | None = None) -> Path:
    """An Excel workbook written by openpyxl: `rows` on `sheet`, other sheets (name → rows) around it."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data in [*(before or {}).items(), (sheet, rows), *(after or {}).items()]:
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(list(r))
    wb.save(path)
    return Path(path)


def write_ods(path, rows: list[list], *, sheet: str = "Portefeuille", before: dict | None = None) -> Path:
    """A LibreOffice workbook written by pandas with the odf engine (no header row of its own)."""
    with pd.ExcelWriter(path, engine="odf") as xw:
        for name, data in [*(before or {}).items(), (sheet, rows)]:
            width = max((len(r) for r in data), default=0)
            padded = [list(r) + [None] * (width - len(r)) for r in data]
            pd.DataFrame(padded, dtype=object).to_excel(xw, sheet_name=name, header=False, index=False)
    return Path(path)


def write_csv(path, rows: list[list], *, sep: str = ";", encoding: str = "cp1252", newline: str = "\r\n") -> Path:
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep, lineterminator=newline)
        for r in rows:
            w.writerow(["" if c is None else c for c in r])
    return Path(path)


def table(*lines: dict) -> list[list]:
    """Lines → a header row and data rows, as a spreadsheet holds them."""
    df = frame(*lines)
    return [list(df.columns)] + [[None if v is None else v for v in r] for r in df.itertuples(index=False)]


def sha256(path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
