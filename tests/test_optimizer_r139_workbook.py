"""The R. 139 proposal workbook reads back alone: the TPT inventories given with `--transparence` are copied into
its `Transparence` sheet, rescaled to the proposed value of their fund; a fund sold whole leaves the sheet with its
inventory. Real files, the real solver, the real checker."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from test_optimizer_r139_features import BUND, OAT, state

ROOT = Path(__file__).resolve().parents[1]
BREACHED = ROOT / "samples" / "portefeuille_r139_manquements.xlsx"
TPT = ROOT / "samples" / "tpt_fonds_credit_euro.xlsx"
TPT_FUND = "FR0078257690"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reserves.app.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def cents(x) -> int:
    return round((x or 0) * 100)


def sheet_rows(ws):
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    out = tmp_path_factory.mktemp("proposition") / "proposition.xlsx"
    run = cli("optimize", BREACHED, "--transparence", TPT, "-o", out, "--json")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    return out, json.loads(run.stdout)


def test_the_tpt_inventory_is_copied_and_the_proposal_checks_alone(proposal):
    out, doc = proposal
    alone = json.loads(cli("check", out, "--json").stdout)
    assert alone["status"] == "ok"
    with_tpt = json.loads(cli("check", BREACHED, "--transparence", TPT, "--json").stdout)
    assert alone["base"] == with_tpt["base"]
    assert any(TPT_FUND in n for n in doc["notes"])
    # without the copy, the fund would be seen blind: its rules open, the verdict not « conforme »
    blind = json.loads(cli("check", BREACHED, "--json").stdout)
    assert blind["status"] != "ok"


def test_the_copied_holdings_sum_to_the_proposed_fund_value(proposal):
    out, _ = proposal
    wb = openpyxl.load_workbook(out)
    rows = [r for r in sheet_rows(wb["Transparence"]) if r["fonds"] == TPT_FUND]
    src = openpyxl.load_workbook(TPT)
    assert len(rows) >= 50
    port = sheet_rows_with_header(wb["Portefeuille"])
    fund_value = sum(cents(r["valeur"]) + cents(r.get("coupon_couru")) for r in port if r.get("isin") == TPT_FUND)
    assert fund_value > 0
    assert sum(cents(r["valeur"]) + cents(r.get("coupon_couru")) for r in rows) == fund_value  # to the cent
    assert all(r["date_valorisation"] is not None and r["nature"] for r in rows)
    assert src.sheetnames  # the TPT file itself is untouched and still readable


def sheet_rows_with_header(ws):
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if "libelle" in row and "valeur" in row:
            header = list(row)
            return [dict(zip(header, r)) for r in ws.iter_rows(min_row=i + 1, values_only=True)
                    if any(v is not None for v in r)]
    raise AssertionError("no header row")


FUND_HEADERS = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "pays", "conservation", "cotation",
                "type_emetteur", "groupe", "fonds_conforme", "part_titres_eligibles", "depassement_potentiel"]
LT_HEADERS = ["fonds", "date_valorisation", "libelle", "nature", "valeur", "devise", "emetteur", "pays", "cotation",
              "type_emetteur", "groupe", "conservation", "quantite", "quantite_emise"]


def fund(label, v, isin, compliant="oui"):
    return dict(libelle=label, nature="opcvm", valeur=v, devise="EUR", isin=isin, emetteur=f"Gestion {label}",
                pays="FR", conservation="oui", fonds_conforme=compliant, part_titres_eligibles="95 %",
                depassement_potentiel="5 %")


def test_a_fund_sold_whole_leaves_the_transparence_sheet(tmp_path):
    """A UCITS line that is not a compliant fund (R. 139-16) must go: sold whole, its inventory leaves the sheet,
    and the proposal reads back « conforme » (an inventory naming a fund no longer held would be refused)."""
    lines = [fund("Fonds Actions Europe", 4_000_000, "FR0000000002", compliant="non"),
             fund("Fonds Taux", 6_000_000, "FR0000000010"), state("OAT 2030", 45_000_000, *OAT),
             state("Bund 2035", 45_000_000, *BUND)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(FUND_HEADERS)
    for line in lines:
        ws.append([line.get(h) for h in FUND_HEADERS])
    t = wb.create_sheet("Transparence")
    t.append(LT_HEADERS)
    day = dt.date(2025, 12, 31)
    for k in range(4):
        t.append(["FR0000000002", day, f"Action {k}", "action", 1_000_000, "EUR", f"Société {k}", "FR", "eee", "autre",
                  f"S{k}", "oui", 1, 1_000_000])
    for k in range(3):
        t.append(["FR0000000010", day, f"Obligation {k}", "obligation", 2_000_000, "EUR", f"Émetteur {k}", "FR", "eee",
                  "autre", f"E{k}", "oui", 1, 1_000_000])
    path = tmp_path / "fonds.xlsx"
    wb.save(path)
    out = tmp_path / "proposition.xlsx"
    run = cli("optimize", path, "-o", out, "--json")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    doc = json.loads(run.stdout)
    assert any(t["label"] == "Fonds Actions Europe" and t["whole"] for t in doc["trades"])
    funds = {r["fonds"] for r in sheet_rows(openpyxl.load_workbook(out)["Transparence"])}
    assert funds == {"FR0000000010"}
    back = cli("check", out, "--json")
    assert back.returncode == 0, back.stdout[-2000:] + back.stderr
    assert json.loads(back.stdout)["status"] == "ok"
