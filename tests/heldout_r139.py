"""Builders of the held-out R. 139 case book (tests/test_casebook_r139_heldout.py), written from the law and the
contract only (law/R139.md, SPEC-R139, READING-R139 RR 1-20, SPEC §3-§4).

A case is data: the `Portefeuille` lines (dicts of French headers), optional `Transparence`, `Constats` and
`Titres` sheets, optional TPT files, command options, and what the text gives: the status of some rules, the
overall verdict and the exit code. Each case is written as a real xlsx with openpyxl and run through the
command's own entry point (`reserves check FILE --json`, SPEC §3), in-process so that the book stays fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from decimal import Decimal
from itertools import count
from pathlib import Path

import openpyxl

DATE = "2025-12-31"
VALUATION = dt.date(2025, 12, 19)
B = Decimal("10000000.00")  # the actif de placement of every case unless told: 10 000 000,00 €
CENT = Decimal("0.01")
_serial = count(1)


def _isin_check(body: str) -> str:
    digits = "".join(str(int(c, 36)) for c in body)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def isin(country: str = "FR") -> str:
    body = f"{country}{next(_serial) + 100000000:09d}"
    return body + _isin_check(body)


def lei(prefix: str) -> str:
    """A valid ISO 17442 LEI (mod 97 check digits) from an 18-character prefix."""
    body = (prefix.upper() + "0" * 18)[:18]
    n = int("".join(str(int(c, 36)) for c in body + "00"))
    return body + f"{98 - n % 97:02d}"


def pct(share: str, base: Decimal = B) -> Decimal:
    """`share` % of `base`, in cents (exact)."""
    return (Decimal(share) * base / 100).quantize(CENT)


_ISSUE = {"quantite": 1000, "quantite_emise": 10_000_000_000}

DEFAULTS = {
    "action": {"cotation": "eee", "pays": "FR", "type_emetteur": "autre", "conservation": "oui", **_ISSUE},
    "acces_capital": {"cotation": "eee", "pays": "FR", "type_emetteur": "autre", "conservation": "oui", **_ISSUE},
    "obligation": {"cotation": "eee", "pays": "FR", "type_emetteur": "autre", "conservation": "oui", **_ISSUE},
    "tcn": {"cotation": "eee", "pays": "FR", "type_emetteur": "etablissement_credit", "conservation": "oui",
            **_ISSUE},
    "titre_participatif": {"cotation": "eee", "pays": "FR", "type_emetteur": "autre", "conservation": "oui",
                           **_ISSUE},
    "titre_etat": {"cotation": "eee", "type_emetteur": "etat", "conservation": "oui"},
    "depot": {"pays": "FR", "type_emetteur": "etablissement_credit", "remboursable": "oui",
              "remuneration": "fixe", "au_nom_organisme": "oui"},
    "droit_immobilier": {"pays": "FR", "actes_en_france": "oui", "detention_integrale": "oui"},
    "societe_immobiliere": {"pays": "FR", "objet_immobilier": "oui", "marchand_de_biens": "non",
                            "forme_juridique": "SAS", "conservation": "oui", "actes_en_france": "oui",
                            "detention_integrale": "oui", "type_emetteur": "autre", **_ISSUE},
    "opcvm": {"fonds_conforme": "oui", "part_titres_eligibles": "0.95", "depassement_potentiel": "0.05",
              "conservation": "oui", "pays": "FR"},
    "fonds_mutualise": {"fonds_conforme": "oui", "part_titres_eligibles": "0.8", "depassement_potentiel": "0.05",
                        "conservation": "oui", "pays": "FR"},
    "organisme_dedie": {"fonds_conforme": "oui", "conservation": "oui", "pays": "FR"},
    "monetaire": {"fonds_conforme": "oui", "conservation": "oui", "pays": "FR"},
    "contrat_financier": {"type_contrat": "future", "cotation": "eee", "couverture": "oui",
                          "echeance": dt.date(2026, 3, 20)},
}

FUNDS = {"opcvm", "fonds_mutualise", "organisme_dedie", "monetaire"}


def line(nature: str, valeur, emetteur: str | None = None, **cols) -> dict:
    """One line meeting every condition the text sets for its nature, unless `cols` says otherwise."""
    n = next(_serial)
    row = {"libelle": cols.pop("libelle", f"{nature} {emetteur or ''} {n}".strip()), "nature": nature,
           "valeur": valeur, "devise": cols.pop("devise", "EUR")}
    row.update(DEFAULTS.get(nature, {}))
    if emetteur is not None:
        row["emetteur"] = emetteur
        if nature not in ("titre_etat",) and "groupe" not in cols:
            row["groupe"] = emetteur
    if nature in ("action", "acces_capital", "obligation", "tcn", "titre_participatif", "titre_etat",
                  "opcvm", "fonds_mutualise", "organisme_dedie", "monetaire", "societe_immobiliere") \
            and "isin" not in cols:
        row["isin"] = isin(cols.get("pays", row.get("pays", "FR")) if len(cols.get("pays", "FR")) == 2 else "FR")
    if nature == "droit_immobilier" and "immeuble" not in cols:
        row["immeuble"] = f"IMM-{n}"
    if nature == "societe_immobiliere" and "immeuble" not in cols:
        row["immeuble"] = f"SCI-{n}"
    row.update(cols)
    return {k: v for k, v in row.items() if v is not None}


STATES = [("République française", "FR"), ("République fédérale d'Allemagne", "DE"),
          ("Royaume des Pays-Bas", "NL"), ("République d'Autriche", "AT"), ("Royaume de Belgique", "BE"),
          ("Royaume d'Espagne", "ES"), ("République d'Irlande", "IE"), ("République de Finlande", "FI")]


def sovereign(valeur, i: int = 0, **cols) -> dict:
    name, country = STATES[i]
    return line("titre_etat", valeur, name, pays=country, isin=cols.pop("isin", isin(country)), **cols)


def fill(lines: list[dict], base: Decimal = B, regime: str | None = None, nature: str = "titre_etat") -> list[dict]:
    """Add euro government bonds (R. 139-45 II, 30 % of the base each at most) so that the actif de placement
    of the lines (of `regime`, if given) is exactly `base`."""
    def counted(r):
        if r.get("poche", "placement") == "gestion" or r.get("exclusion"):
            return Decimal(0)
        if regime is not None and r.get("regime") != regime:
            return Decimal(0)
        return Decimal(str(r["valeur"])) + Decimal(str(r.get("coupon_couru", 0) or 0))
    rest = base - sum((counted(r) for r in lines), Decimal(0))
    assert rest >= 0, rest
    out = list(lines)
    i = 0
    chunk = (base * Decimal("0.30")).quantize(CENT)
    while rest > 0:
        v = min(rest, chunk)
        extra = {"regime": regime} if regime else {}
        out.append(sovereign(v, i % len(STATES), libelle=f"Fill {STATES[i % len(STATES)][1]} {regime or ''} {i}",
                             **extra))
        rest -= v
        i += 1
    return out


def fund_rows(fund_isin: str, holdings: list[dict], date=VALUATION) -> list[dict]:
    return [{"fonds": fund_isin, "date_valorisation": date, **h} for h in holdings]


def _cell(v):
    if isinstance(v, Decimal):  # a number, as Excel holds it (a fraction of a cent: the nearest double)
        return float(v) if abs(v) < 10**13 else str(v)
    return v


def _sheet(ws, rows: list[dict]):
    headers: list[str] = []
    for r in rows:
        for k in r:
            if k not in headers:
                headers.append(k)
    ws.append(headers)
    for r in rows:
        ws.append([_cell(r.get(h)) for h in headers])


def write(path: Path, lines: list[dict], *, transparence: list[dict] | None = None,
          constats: list[dict] | None = None, titres: list[dict] | None = None, title_date: str | None = None,
          sheets: dict | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    if title_date:
        ws.append(["Cas d'essai"])
        ws.append([f"Date d'arrêté : {title_date}"])
    _sheet(ws, lines)
    for name, rows in (("Transparence", transparence), ("Constats", constats), ("Titres", titres)):
        if rows:
            _sheet(wb.create_sheet(name), rows)
    for name, rows in (sheets or {}).items():
        _sheet(wb.create_sheet(name), rows)
    wb.save(path)
    return path


TPT_HEADERS = ["1_Portfolio identifying data", "2_Type of identification code for the fund share or portfolio",
               "3_Portfolio name", "4_Portfolio currency (B)", "5_Net asset valuation of the portfolio or the share class in portfolio currency",
               "6_Valuation date", "7_Reporting date", "8b_Total number of shares",
               "12_CIC code of the instrument", "14_Identification code of the instrument",
               "15_Type of identification code for the instrument", "17_Instrument name",
               "18_Quantity", "19_Nominal amount", "21_Quotation currency (A)",
               "24_Market valuation in portfolio currency (B)", "25_Clean market valuation in portfolio currency (B)",
               "26_Valuation weight", "28_Market exposure amount in portfolio currency (B)",
               "46_Issuer name", "47_Issuer identification code", "48_Type of issuer identification code",
               "49_Name of the group of the issuer", "50_Identification of the group",
               "52_Issuer country"]


def write_tpt(path: Path, fund_isin: str, nav, holdings: list[dict], date=VALUATION, fmt: str = "xlsx") -> Path:
    """holdings: dicts keyed by the short TPT names: cic, isin, name, qty, nominal, cur, dirty, clean,
    exposure, issuer, lei, group, group_id, country."""
    rows = []
    for h in holdings:
        rows.append([fund_isin, 1, f"Fonds {fund_isin}", "EUR", _cell(nav), date, date, 1000,
                     h.get("cic"), h.get("isin"), 1 if h.get("isin") else None, h.get("name"),
                     h.get("qty"), h.get("nominal"), h.get("cur", "EUR"),
                     _cell(h.get("dirty", h.get("clean"))), _cell(h.get("clean")), None, _cell(h.get("exposure")),
                     h.get("issuer"), h.get("lei"), 1 if h.get("lei") else None, h.get("group"),
                     h.get("group_id"), h.get("country")])
    if fmt == "csv":
        import csv
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=";")
            w.writerow(TPT_HEADERS)
            for r in rows:
                w.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in r])
        return path
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TPT"
    ws.append(TPT_HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


EXIT = {"ok": 0, "breach": 1, "unknown": 3}


def run(path: Path, *args: str, date: str | None = DATE) -> tuple[int, dict | None, str]:
    """`reserves check FILE --json [--date DATE] ARGS`, through the command's own entry point."""
    from reserves.app.cli import main

    argv = ["check", str(path), "--json", *args]
    if date:
        argv += ["--date", date]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    text = out.getvalue()
    data = None
    if text.strip().startswith("{"):
        with contextlib.suppress(ValueError):
            data = json.loads(text)
    return code, data, err.getvalue() + ("" if data is not None or code != 2 else text)


def statuses(data: dict | None) -> dict[str, str]:
    return {r["id"]: r["status"] for r in (data or {}).get("rules", [])}


from dataclasses import dataclass, field  # noqa: E402


@dataclass
class Case:
    """One case of the book: what is written and what the text gives."""
    name: str
    lines: list[dict]
    expect: dict[str, str] = field(default_factory=dict)  # rule id -> status the text gives
    status: str | None = None  # overall verdict, if the case fixes it
    transparence: list[dict] | None = None
    constats: list[dict] | None = None
    titres: list[dict] | None = None
    tpt: list[tuple] = field(default_factory=list)  # (fund isin, nav, holdings, fmt)
    args: tuple[str, ...] = ()
    date: str | None = DATE
    title_date: str | None = None
    code: int | None = None  # exit code, when it is not the verdict's (2)
    message: tuple[str, ...] = ()  # what a bad-input message names
    why: str = ""  # the text the expectation comes from
    finding: dict[str, dict] = field(default_factory=dict)  # rule id -> keys its first finding carries
    version: str | None = None  # the version id applied
    bug: str = ""  # a known disagreement, the product wrong (strict xfail until fixed)
    orders: str | None = None  # an orders file (CSV text) checked with the portfolio (--ordres)
    sheets: dict | None = None  # other sheets (name -> rows as dicts)

    def expected_code(self) -> int | None:
        if self.code is not None:
            return self.code
        return EXIT.get(self.status) if self.status else None


def play(case: Case, tmp: Path) -> list[str]:
    """Run one case; return the disagreements with what the text gives (empty: the product agrees)."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = write(tmp / f"{case.name}.xlsx", case.lines, transparence=case.transparence, constats=case.constats,
                 titres=case.titres, title_date=case.title_date, sheets=case.sheets)
    args = list(case.args)
    for i, t in enumerate(case.tpt):
        fund, nav, holdings, *fmt = t
        fmt = fmt[0] if fmt else "xlsx"
        tp = write_tpt(tmp / f"{case.name}-tpt{i}.{fmt}", fund, nav, holdings, fmt=fmt)
        args += ["--transparence", str(tp)]
    if case.orders is not None:
        op = tmp / f"{case.name}-ordres.csv"
        op.write_text(case.orders, encoding="utf-8")
        args += ["--ordres", str(op)]
    code, data, err = run(path, *args, date=case.date)
    problems = []
    want = case.expected_code()
    if want is not None and code != want:
        problems.append(f"exit code {code}, text gives {want}")
    if case.message:
        for m in case.message:
            if m.lower() not in err.lower():
                problems.append(f"message lacks {m!r}: {err[:300]!r}")
        if "Traceback" in err:
            problems.append("traceback")
    if data is not None:
        got = statuses(data)
        for rule, st in case.expect.items():
            if got.get(rule) not in ((st,) if isinstance(st, str) else st):
                fs = [f"{f.get('subject')}: {f.get('status')} {f.get('value')} {str(f.get('message', ''))[:160]}"
                      for f in data.get("findings", []) if f.get("rule") == rule][:3]
                problems.append(f"{rule}: product {got.get(rule)}, text {st} {fs}")
        for rule, keys in case.finding.items():
            fs = [f for f in data.get("findings", []) if f.get("rule") == rule]
            if not fs:
                problems.append(f"{rule}: no finding, text gives {keys}")
            else:
                for k, v in keys.items():
                    if str(fs[0].get(k)) != str(v):
                        problems.append(f"{rule}: finding {k} = {fs[0].get(k)!r}, text gives {v!r}")
        if case.version and (data.get("version") or {}).get("id") != case.version:
            problems.append(f"version {(data.get('version') or {}).get('id')}, text gives {case.version}")
        if case.status and data.get("status") != case.status:
            bad = {k: v for k, v in got.items() if v not in ("ok", "not_applicable")}
            problems.append(f"verdict {data.get('status')}, text {case.status}; {bad}")
    elif case.expect or case.status:
        problems.append(f"no JSON verdict (exit {code}): {err[:300]!r}")
    return problems
