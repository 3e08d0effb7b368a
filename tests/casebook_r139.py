"""The R. 139 case book: real workbooks written with openpyxl from the contract (SPEC-R139 §1-2), run through
`reserves check FILE --json` in a child process, read as SPEC §3 and SPEC-R139 §4 say.

`line(nature, euros, **columns)` is one line of the `Portefeuille` sheet that meets every condition the text
sets for its nature (columns by their French header). `fill(used, base)` adds French, German, Dutch and
Austrian government bonds (R. 139-45 II, at most 40 % each) so that the actif de placement is exactly `base`
euros: the case's own lines then sit at the share they are written for. `case(tmp_path, lines, ...)` writes the
workbook, `check(path, ...)` runs the command and returns a `Verdict`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

import openpyxl

from helpers import run_cli

DATE = "2025-12-31"
VALUATION = dt.date(2025, 12, 15)
B = Decimal("10000000.00")  # the default actif de placement: 10 000 000,00 €
CENT = Decimal("0.01")
_n = count(1)

_ISSUE = {"quantite": 1, "quantite_emise": 1_000_000_000}  # the body holds a billionth of the issue

DEFAULTS = {
    "action": {**_ISSUE, "emetteur": "Air Liquide", "groupe": "AIRLIQUIDE", "cotation": "eee", "pays": "FR",
               "type_emetteur": "autre", "conservation": "oui"},
    "acces_capital": {**_ISSUE, "emetteur": "Schneider Electric", "groupe": "SCHNEIDER", "cotation": "eee",
                      "pays": "FR", "type_emetteur": "autre", "conservation": "oui"},
    "tcn": {**_ISSUE, "emetteur": "Crédit Agricole", "groupe": "CASA", "cotation": "eee", "pays": "FR",
            "type_emetteur": "etablissement_credit", "conservation": "oui"},
    "obligation": {**_ISSUE, "emetteur": "TotalEnergies", "groupe": "TOTAL", "cotation": "eee", "pays": "FR",
                   "type_emetteur": "autre", "conservation": "oui"},
    "titre_etat": {**_ISSUE, "emetteur": "République française", "cotation": "eee", "pays": "FR",
                   "type_emetteur": "etat", "conservation": "oui"},
    "titre_participatif": {**_ISSUE, "emetteur": "Renault", "groupe": "RENAULT", "cotation": "eee", "pays": "FR",
                           "type_emetteur": "autre", "conservation": "oui"},
    "depot": {"emetteur": "La Banque Postale", "groupe": "LBP", "pays": "FR", "type_emetteur": "etablissement_credit",
              "remboursable": "oui", "remuneration": "fixe", "au_nom_organisme": "oui"},
    "droit_immobilier": {"immeuble": "IMM-PARIS-1", "pays": "FR", "actes_en_france": "oui", "detention_integrale": "oui"},
    "societe_immobiliere": {"emetteur": "SAS Bureaux Lyon", "groupe": "SAS Bureaux Lyon", "immeuble": "SAS-LYON",
                            "pays": "FR", "objet_immobilier": "oui", "marchand_de_biens": "non",
                            "forme_juridique": "SAS", "conservation": "oui", "actes_en_france": "oui",
                            "detention_integrale": "oui", "capital_ou_creance": "capital", **_ISSUE},
    "opcvm": {"emetteur": "Amundi OPCVM", "fonds_conforme": "oui", "part_titres_eligibles": "95 %",
              "depassement_potentiel": "5 %", "conservation": "oui"},
    "monetaire": {"emetteur": "Monétaire Euro", "groupe": "MONETAIRE", "fonds_conforme": "oui", "conservation": "oui"},
    "fonds_mutualise": {"emetteur": "FM Dette privée", "fonds_conforme": "oui", "part_titres_eligibles": "60 %",
                        "depassement_potentiel": "5 %", "conservation": "oui"},
    "organisme_dedie": {"emetteur": "Dédié Taux", "fonds_conforme": "oui", "conservation": "oui"},
    "contrat_financier": {"type_contrat": "future", "cotation": "eee", "contrepartie": "LCH SA", "couverture": "oui",
                          "sous_jacent_detenu": "oui", "type_sous_jacent": "taux", "echeance": dt.date(2026, 3, 20)},
    "autre_fm": {"emetteur": "Prêt PME", "groupe": "PME"},
}

STATES = [("République française", "FR"), ("République fédérale d'Allemagne", "DE"), ("Royaume des Pays-Bas", "NL"),
          ("République d'Autriche", "AT")]  # the filler's; holdings of funds use others (Finland, Ireland, Spain)


def money(x) -> Decimal:
    return Decimal(str(x)).quantize(CENT)


def pct(share, base=B) -> Decimal:
    """`share` (a fraction, as text or Decimal) of `base`, to the cent."""
    return (Decimal(str(share)) * Decimal(str(base))).quantize(CENT)


def line(nature: str, euros, libelle: str | None = None, **cols) -> dict:
    row = {"libelle": libelle or f"{nature} {next(_n)}", "nature": nature, "valeur": money(euros), "devise": "EUR"}
    row.update(DEFAULTS.get(nature, {}))
    row.update(cols)
    return row


held = line


def fill(lines: list[dict], base=B, regime: str | None = None) -> list[dict]:
    """`lines` plus government bonds of EEA states (40 % of `base` at most each) bringing the actif de placement
    to `base` (the lines in the pocket `placement`, none excluded, are counted)."""
    used = sum((money(r["valeur"]) + money(r.get("coupon_couru") or 0) for r in lines
                if r.get("poche", "placement") == "placement" and not r.get("exclusion")
                and r["nature"] != "contrat_financier" and (regime is None or r.get("regime") == regime)),
               Decimal(0))
    rest = money(base) - used
    assert rest >= 0, (base, used)
    out = list(lines)
    cap = (Decimal(str(base)) * Decimal("0.4")).quantize(CENT)
    k = 0
    while rest > 0:
        part = min(rest, cap)
        name, country = STATES[k]
        extra = {"regime": regime} if regime else {}
        out.append(line("titre_etat", part, f"Obligation souveraine {country} {k}", emetteur=name, pays=country,
                        **extra))
        rest -= part
        k += 1
    return out


def _cell(v):
    if isinstance(v, Decimal):
        return float(v) if v == v.quantize(CENT) and abs(v) < Decimal("1e13") else str(v)
    return v


def _sheet(ws, rows: list[dict], first: list[str] | None = None):
    cols: list[str] = list(first or [])
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    ws.append(cols)
    for r in rows:
        ws.append([_cell(r.get(c)) for c in cols])


def case(tmp_path, lines: list[dict], *, funds: dict | None = None, constats: list[dict] | None = None,
         titres: list[dict] | None = None, date_cell: str | None = "31/12/2025", name: str = "portefeuille.xlsx",
         transparence_rows: list[dict] | None = None):
    """Writes the workbook: `Portefeuille` (a « Date d'arrêté » title row, then the header), `Transparence` (one
    inventory per fund label in `funds`, valued on 15/12/2025 unless a holding says otherwise), `Constats`,
    `Titres`. Returns its path."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    if date_cell:
        ws.append([f"Date d'arrêté : {date_cell}"])
    _sheet(ws, lines, ["libelle", "nature", "valeur", "devise"])
    trows = list(transparence_rows or [])
    for fund, holdings in (funds or {}).items():
        for h in holdings:
            trows.append({"fonds": fund, "date_valorisation": h.pop("date_valorisation", VALUATION), **h})
    if trows:
        _sheet(wb.create_sheet("Transparence"), trows, ["fonds", "date_valorisation", "libelle", "nature", "valeur",
                                                        "devise"])
    if constats:
        _sheet(wb.create_sheet("Constats"), constats, ["regle", "sujet", "premier_constat", "cause"])
    if titres:
        _sheet(wb.create_sheet("Titres"), titres, ["isin"])
    path = tmp_path / name
    wb.save(path)
    return path


@dataclass
class Verdict:
    code: int
    doc: dict | None
    out: str
    err: str
    rules: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.doc:
            self.rules = {r["id"]: r["status"] for r in self.doc["rules"]}

    def __getitem__(self, rule_id: str) -> str:
        assert rule_id in self.rules, f"{rule_id} absent des règles : {sorted(self.rules)}"
        return self.rules[rule_id]

    def findings(self, rule_id: str) -> list[dict]:
        return [f for f in self.doc["findings"] if f["rule"] == rule_id]

    def explain(self) -> str:
        if not self.doc:
            return f"code {self.code}\n{self.err}"
        bad = [(f["rule"], f["status"], f.get("subject"), f.get("value"), f.get("limit")) for f in self.doc["findings"]]
        return f"code {self.code} status {self.doc['status']}: {bad}"


EXIT = {"ok": 0, "breach": 1, "unknown": 3}


def check(path, *args, date: str | None = DATE) -> Verdict:
    argv = ["check", str(path), "--json", *args]
    if date:
        argv += ["--date", date]
    p = run_cli(*argv, dated=False, timeout=180)
    assert "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout) if p.stdout.strip() and p.returncode != 2 else None
    v = Verdict(p.returncode, doc, p.stdout, p.stderr)
    if doc is not None:  # SPEC §3: the exit code follows the status; a rule's status is its worst finding
        assert v.code == EXIT[doc["status"]], (v.code, doc["status"])
        statuses = set(v.rules.values())
        worst = "breach" if "breach" in statuses else "unknown" if "unknown" in statuses else "ok"
        assert doc["status"] == worst, (doc["status"], worst)
        for rid, st in v.rules.items():
            fs = {f["status"] for f in v.findings(rid)}
            if st in ("breach", "unknown"):
                assert st in fs, (rid, st, fs)
            if "breach" in fs:
                assert st == "breach", (rid, st, fs)
    return v


def bad_input(path, *args, date: str | None = DATE) -> str:
    """The command refuses the file: exit 2, no traceback, a French message on standard error (or the JSON)."""
    argv = ["check", str(path), "--json", *args]
    if date:
        argv += ["--date", date]
    p = run_cli(*argv, dated=False, timeout=180)
    assert p.returncode == 2, (p.returncode, p.stdout[:2000], p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    return p.stderr + p.stdout


def company(nature: str, euros, i, libelle: str | None = None, **cols) -> dict:
    """A line of company `i` (its own issuer and group)."""
    return line(nature, euros, libelle or f"{nature} Société {i}", **{"emetteur": f"Société {i}",
                                                                       "groupe": f"GRP-{i}", **cols})


def sovereign(euros, country="FI", name=None, **cols) -> dict:
    names = {"FI": "République de Finlande", "IE": "Irlande", "ES": "Royaume d'Espagne", "IT": "République italienne"}
    return line("titre_etat", euros, f"Obligation {country}", emetteur=name or names.get(country, country),
                pays=country, **cols)


TPT_FIELDS = ["1_Portfolio identifying data", "2_Type of identification code for the fund share or portfolio",
              "3_Portfolio name", "4_Portfolio currency (B)",
              "5_Net asset valuation of the portfolio or the share class in portfolio currency", "6_Valuation date",
              "12_CIC code of the instrument", "14_Identification code of the financial instrument",
              "15_Type of identification code for the instrument", "17_Instrument name", "18_Quantity",
              "19_Nominal amount", "21_Quotation currency (A)", "24_Market valuation in portfolio currency (B)",
              "25_Clean market valuation in portfolio currency (B)",
              "28_Market exposure amount in portfolio currency (B)", "39_Maturity date", "46_Issuer name",
              "47_Issuer identification code", "48_Type of identification code for issuer",
              "49_Name of the group of the issuer", "52_Issuer country",
              "57_Explicit guarantee by the country of issue"]


def tpt_row(fund_isin: str, nav, cic: str, name: str, value, *, isin=None, qty=None, nominal=None, currency="EUR",
            issuer=None, country="FR", group=None, accrued=0, exposure=None, valuation="2025-12-15") -> list:
    """One TPT V6 line (fields by name) of the portfolio `fund_isin`: `value` is the clean value (25), 24 adds the
    accrued interest."""
    clean = money(value)
    return [fund_isin, 1, f"Fonds {fund_isin}", "EUR", float(money(nav)), valuation, cic, isin, 1 if isin else None,
            name, qty, nominal, currency, float(clean + money(accrued)), float(clean), exposure, None,
            issuer or name, None, None, group or issuer or name, country, "N"]


def write_tpt(path, rows: list[list], fmt: str = "xlsx", title: bool = True):
    if fmt == "csv":
        import csv

        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(TPT_FIELDS)
            for r in rows:
                w.writerow(["" if c is None else c for c in r])
        return path
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TPT"
    if title:
        ws.append(["FinDatEx Tripartite Template — Solvency II — V6.0"])
    ws.append(TPT_FIELDS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
