"""R. 139 portfolios built line by line for the rule tests.

`ln(nature, euros, **columns)` is one line of the `Portefeuille` sheet that meets
every condition of its nature (columns by their French header, as in the file);
`held(nature, euros, **columns)` one holding of a fund's inventory;
`verdict(*lines, funds={label: [holdings]})` checks them under
`R139-2019-07-08` on 2025-12-31. Money is in euros (int, or a French string).
A fund's holdings are rescaled to the fund line's value (R. 139-17 last
paragraph), to the cent, as the reader does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pandas as pd

from constraints import rulebook
from constraints.r139.checker import check
from constraints.r139.columns import HEADERS
from constraints.r139.model import FALSE, TRUE, UNKNOWN, R139Input

DATE = dt.date(2025, 12, 31)
FIELD_OF = {h: f for f, h in HEADERS.items() if f != "market_value"}
FIELD_OF["valeur"] = "value"
_n = count(1)

_TRI_FIELDS = {"realisable_euro", "fund_compliant", "withdrawable", "in_body_name", "real_estate_only",
               "opci_r214_120", "wholly_owned", "deeds_in_france", "limited_loss", "reliable_price", "information",
               "negotiable", "embedded_derivative", "custody", "property_dealer", "hedge"}
_CENT_FIELDS = {"value", "notional", "exposure", "accrued_interest", "issuer_outstanding"}

_ISSUE = {"quantite": 1, "quantite_emise": 1_000_000}  # 1 € of a 1 000 000 € issue: far below 5 %
DEFAULTS = {
    "action": {**_ISSUE, "emetteur": "Air Liquide", "groupe": "AIRLIQUIDE", "cotation": "eee", "pays": "FR",
               "type_emetteur": "autre", "conservation": "oui"},
    "acces_capital": {**_ISSUE, "emetteur": "Schneider", "groupe": "SCHNEIDER", "cotation": "eee", "pays": "FR",
                      "type_emetteur": "autre", "conservation": "oui"},
    "tcn": {**_ISSUE, "emetteur": "BNP Paribas", "groupe": "BNP", "cotation": "eee", "pays": "FR",
            "type_emetteur": "etablissement_credit", "conservation": "oui"},
    "obligation": {**_ISSUE, "emetteur": "TotalEnergies", "groupe": "TOTAL", "cotation": "eee", "pays": "FR",
                   "type_emetteur": "autre", "conservation": "oui"},
    "titre_etat": {**_ISSUE, "emetteur": "République française", "cotation": "eee", "pays": "FR", "type_emetteur": "etat",
                   "conservation": "oui"},
    "titre_participatif": {**_ISSUE, "emetteur": "Renault", "groupe": "RENAULT", "cotation": "eee", "pays": "FR",
                           "type_emetteur": "autre", "conservation": "oui"},
    "depot": {"emetteur": "Banque Postale", "groupe": "LBP", "pays": "FR", "type_emetteur": "etablissement_credit",
              "remboursable": "oui", "remuneration": "fixe", "au_nom_organisme": "oui"},
    "droit_immobilier": {"immeuble": "IMM-1", "pays": "FR", "actes_en_france": "oui"},
    "societe_immobiliere": {"emetteur": "SCI Bureaux", "groupe": "SCI Bureaux", "immeuble": "SCI-1", "pays": "FR",
                            "objet_immobilier": "oui", "marchand_de_biens": "non", "forme_juridique": "SAS",
                            "conservation": "oui"},
    "opci": {"emetteur": "OPCI Pierre", "immeuble": "OPCI-1", "pays": "FR", "opci_r214_120": "non",
             "conservation": "oui", "fonds_conforme": "oui"},
    "contrat_financier": {"type_contrat": "future", "cotation": "eee", "contrepartie": "LCH", "couverture": "oui",
                          "sous_jacent_detenu": "oui", "exposition": 0, "notionnel": 0},
    "opcvm": {"emetteur": "OPCVM Actions", "fonds_conforme": "oui", "part_titres_eligibles": "95 %",
              "depassement_potentiel": "5 %", "conservation": "oui"},
    "monetaire": {"emetteur": "Monétaire Euro", "fonds_conforme": "oui", "conservation": "oui"},
    "fonds_mutualise": {"emetteur": "FM Dette privée", "fonds_conforme": "oui", "depassement_potentiel": "5 %",
                        "part_titres_eligibles": "60 %", "conservation": "oui"},
    "organisme_dedie": {"emetteur": "Dédié Taux", "fonds_conforme": "oui", "conservation": "oui"},
    "autre_fm": {"emetteur": "Prêt PME", "groupe": "PME"},
}


def _cents(x) -> int:
    if isinstance(x, str):
        x = Decimal(x.replace(" ", "").replace("\u202f", "").replace(",", "."))
    return int((Decimal(x) * 100).to_integral_value())


def _tri(x) -> int:
    if x is None:
        return UNKNOWN
    s = str(x).strip().lower()
    return TRUE if s in ("oui", "yes", "1", "x", "true", "vrai") else FALSE if s in ("non", "no", "0", "false", "faux") else UNKNOWN


def _ratio(x):
    if x is None:
        return None
    s = str(x).replace(",", ".").strip()
    if s.endswith("%"):
        return float(Decimal(s[:-1].strip()) / 100)
    return float(s)


def ln(nature: str, euros, label: str | None = None, **cols) -> dict:
    row = {"libelle": label or f"{nature} {next(_n)}", "nature": nature, "valeur": euros, "devise": "EUR"}
    row.update(DEFAULTS.get(nature, {}))
    row.update(cols)
    return row


held = ln


def _record(row: dict) -> dict:
    rec = {}
    for h, v in row.items():
        f = FIELD_OF.get(h, h)
        if v is None:
            continue
        if f in _TRI_FIELDS:
            v = _tri(v)
        elif f in _CENT_FIELDS:
            v = _cents(v)
        elif f in ("eligible_share", "potential_excess"):
            v = _ratio(v)
        rec[f] = v
    rec.setdefault("market_value", rec["value"])
    if "accrued_interest" in rec:
        rec["value"] = rec["market_value"] + rec["accrued_interest"]
    return rec


def _rescale(values: list[int], target: int) -> list[int]:
    """Holdings × target / Σ, to the cent, summing to the target (largest remainders)."""
    total = sum(values)
    raw = [(v * target, total) for v in values]
    floors = [a // b for a, b in raw]
    rest = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: -((raw[i][0] % raw[i][1]) / raw[i][1]))
    for i in order[:rest]:
        floors[i] += 1
    return floors


def build(*lines: dict, funds: dict | None = None, dates: dict | None = None, constats: list | None = None) -> R139Input:
    records = []
    for i, row in enumerate(lines):
        r = _record(row)
        r.update(row=i + 2, line=i, holding=False, sheet="Portefeuille")
        records.append(r)
    inventories = {}
    trow = 2
    for label, holdings in (funds or {}).items():
        fund = next(r for r in records if r["label"] == label and not r["holding"])
        recs = [_record(h) for h in holdings]
        V = fund["value"]
        total = sum(r["value"] for r in recs)
        if total != V and total > 0:
            k_new = _rescale([r["value"] for r in recs], V)
            for r, v in zip(recs, k_new):
                k = Decimal(v) / Decimal(r["value"]) if r["value"] else Decimal(0)
                mv = r["market_value"]
                r["market_value"] = int((Decimal(mv) * k).to_integral_value()) if mv != r["value"] else v
                r["value"] = v
                for f in ("quantity", "notional", "exposure"):
                    if f in r and r[f] is not None:
                        r[f] = float(Decimal(str(r[f])) * Decimal(V) / Decimal(total))
        for r in recs:
            r.update(row=trow, line=fund["line"], holding=True, sheet="Transparence", via=label,
                     regime=fund.get("regime"), pocket=fund.get("pocket"))
            trow += 1
            records.append(r)
        inventories[fund["line"]] = (dates or {}).get(label, DATE - dt.timedelta(days=30))
    items = pd.DataFrame(records)
    obs = []
    for o in constats or []:
        o = dict(o)
        if isinstance(o.get("premier_constat"), str):
            o["premier_constat"] = dt.date.fromisoformat(o["premier_constat"])
        obs.append(o)
    return R139Input(items=items, inventories=inventories, observations=obs, source="test")


def version():
    return rulebook.for_date(DATE)


def verdict(*lines, funds=None, dates=None, constats=None, simplified=None, date=DATE, since=None, max_age=None):
    inp = build(*lines, funds=funds, dates=dates, constats=constats)
    return check(inp, version(), as_of=date, simplified=simplified, simplified_since=since, max_age_days=max_age)


def status(v, rule_id):
    return v.result(rule_id).status


def findings(v, rule_id, st=None):
    return [f for f in v.result(rule_id).findings if st is None or f.status == st]


def limit(rule_id):
    from fractions import Fraction

    return Fraction(str(version().rule(rule_id).params["limit"]))


def ballast(euros, **cols) -> dict:
    """French State bonds: R. 139-45 II, exempt from the 5 % entity cap (within 50 %)."""
    return ln("titre_etat", euros, label=cols.pop("label", "OAT lest"), **cols)
