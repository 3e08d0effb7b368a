"""Case book, R. 623-3 to R. 623-10-1 (portfolios of 2002-11-01 to 2017-12-31): exemptions and limits at, under and
over their values, and the same portfolio as csv (French Excel: `;`, decimal comma, Windows-1252) and ods, through
`reserves check --json` in a child process.
"""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest

from helpers import run_cli

DATE = "2016-12-31"
HEAD = ["libelle", "categorie", "valeur", "devise", "emetteur", "conservation", "marche_reconnu", "pays",
        "quantite", "quantite_emise", "opcvm_conforme", "fonds_1_3", "poche", "immeuble", "realisable_euro",
        "exclusion", "duree_jours", "etablissement_agree_eee", "forme_juridique"]


def row(label, cat, value, issuer, **kw):
    r = {"libelle": label, "categorie": cat, "valeur": Decimal(str(value)), "devise": "EUR", "emetteur": issuer,
         "conservation": "oui", "marche_reconnu": "oui", "pays": "FR", "quantite": 1, "quantite_emise": 1_000_000_000}
    r.update(kw)
    return r


def states(rest):
    """Government bonds (1°, exempt from the 5 % issuer cap) making up the rest of 1 000 000 €."""
    return [row("OAT", "1", rest, "République française")]


def write(path, rows, fmt="xlsx"):
    cols = HEAD + [k for r in rows for k in r if k not in HEAD]
    cols = list(dict.fromkeys(cols))
    table = [[r.get(c) for c in cols] for r in rows]
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Portefeuille"
        ws.append(cols)
        for t in table:
            ws.append([float(x) if isinstance(x, Decimal) else x for x in t])
        wb.save(path)
    elif fmt == "csv":
        def cell(x):
            if x is None:
                return ""
            if isinstance(x, Decimal):
                return f"{x:.2f}".replace(".", ",")
            return str(x)
        text = "\r\n".join([";".join(cols)] + [";".join(cell(x) for x in t) for t in table]) + "\r\n"
        path.write_bytes(text.encode("cp1252"))
    else:
        import pandas as pd

        pd.DataFrame([[float(x) if isinstance(x, Decimal) else x for x in t] for t in table], columns=cols) \
            .to_excel(path, sheet_name="Portefeuille", index=False, engine="odf")
    return path


def check(path):
    p = run_cli("check", str(path), "--json", "--date", DATE, dated=False, timeout=180)
    assert "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    assert "R623-2002-11-01" in str(doc["version"])
    assert p.returncode == {"ok": 0, "breach": 1, "unknown": 3}[doc["status"]]
    return {r["id"]: r["status"] for r in doc["rules"]}, doc


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "ods"])
@pytest.mark.parametrize("value, status", [("50000", "ok"), ("50000.01", "breach")])
def test_emetteur_max5_in_every_format(tmp_path, fmt, value, status):
    rows = [row("Obligation Total", "2", value, "TotalEnergies")]
    rows += states(950_000)  # 50 000 € of 1 000 000 € is 5 %; a cent more is above
    rules, doc = check(write(tmp_path / f"p.{fmt}", rows, fmt))
    assert rules["R623-10-1/emetteur-max5"] == status, doc["findings"]


def test_state_bonds_of_1_are_exempt_from_the_issuer_cap(tmp_path):
    rules, doc = check(write(tmp_path / "p.xlsx", states(1_000_000)))
    assert rules["R623-10-1/emetteur-max5"] in ("ok", "not_applicable"), doc["findings"]


def test_fund_units_of_5_and_8_are_exempt_from_the_10_percent_of_an_issue(tmp_path):
    rows = [row("SICAV obligataire", "5", 40_000, "SICAV Oblig", quantite=200, quantite_emise=1_000,
                opcvm_conforme="oui", forme_juridique="SICAV")] + states(960_000)
    rules, doc = check(write(tmp_path / "p.xlsx", rows))
    assert rules["R623-10-1/detention-max10"] in ("ok", "not_applicable"), doc["findings"]


@pytest.mark.parametrize("issued, status", [(1_000, "ok"), (999, "breach")])
def test_at_most_10_percent_of_the_securities_of_one_issuer(tmp_path, issued, status):
    rows = [row("Action PME cotée", "7", 40_000, "PME Cotée SA", quantite=100, quantite_emise=issued)] + states(960_000)
    rules, doc = check(write(tmp_path / "p.xlsx", rows))
    assert rules["R623-10-1/detention-max10"] == status, doc["findings"]


@pytest.mark.parametrize("usd, realisable, status", [("100000", None, "ok"), ("100000.01", None, "breach"),
                                                     ("200000", "oui", "ok")])
def test_euro_90_and_its_realisable_in_euros_exemption(tmp_path, usd, realisable, status):
    rows = [row("Obligation US", "2", usd, "Apple Inc", devise="USD", pays="US", realisable_euro=realisable)]
    rows += states(Decimal(1_000_000) - Decimal(usd))
    rules, doc = check(write(tmp_path / "p.xlsx", rows))
    assert rules["R623-3/euro-90"] == status, doc["findings"]


@pytest.mark.parametrize("limited, status", [("oui", "ok"), ("non", "breach")])
def test_the_gestion_pocket_admits_funds_limited_to_1_to_3_only(tmp_path, limited, status):
    rows = states(1_000_000) + [row("SICAV de trésorerie", "5", 30_000, "SICAV Tréso", poche="gestion",
                                    fonds_1_3=limited, opcvm_conforme="oui", forme_juridique="SICAV")]
    rules, doc = check(write(tmp_path / "p.xlsx", rows))
    assert rules["R623-10/fonds-gestion"] == status, doc["findings"]
