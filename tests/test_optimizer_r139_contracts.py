"""The R. 139 optimizer trades financial contracts: each contract line held directly in the actif de placement has
the share of it kept as a decision (0 to 1: reduced or closed, never grown), its value, exposure and notional moving
with it in the rows of R. 139-40 2°, R. 139-41, R. 139-43 and R. 139-44 (the kinds' `linear_form`, contract terms
apart). A portfolio whose only way to compliance is to reduce a contract becomes compliant, re-checked by the
checker at the cent; the reduction is a trade of that line in the proposal (JSON and workbook, in French).

Real files, the real solver (HiGHS through Pyomo), the real checker.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from constraints import rulebook
from optimizer.r139 import rebalance139
from reserves.portfolio.model139 import load

ROOT = Path(__file__).resolve().parents[1]
DATE = dt.date(2025, 12, 31)
HEADERS = ["libelle", "nature", "valeur", "devise", "isin", "emetteur", "pays", "conservation", "cotation",
           "type_emetteur", "groupe", "quantite", "quantite_emise", "type_contrat", "sous_jacent", "type_sous_jacent",
           "sous_jacent_detenu", "notionnel", "exposition", "devise_exposition", "contrepartie", "couverture",
           "remboursable", "au_nom_organisme", "remuneration"]


def version():
    return rulebook.for_date(DATE)


def write(path, lines):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(HEADERS)
    for line in lines:
        ws.append([line.get(h) for h in HEADERS])
    wb.save(path)
    return path


def state(label, v, issuer, country, isin, devise="EUR"):
    return dict(libelle=label, nature="titre_etat", valeur=v, devise=devise, isin=isin, emetteur=issuer, pays=country,
                conservation="oui", cotation="eee" if country != "US" else "ocde", type_emetteur="etat", groupe=issuer)


def swap(label, exposure, counterparty="LCH", notional=None, **cols):
    """A rate swap cleared on a regulated market, hedging bonds declared held (R. 139-37 met)."""
    return dict(libelle=label, nature="contrat_financier", valeur=cols.pop("valeur", 0), devise="EUR",
                type_contrat="swap", type_sous_jacent="taux", sous_jacent_detenu="oui", cotation="eee",
                notionnel=notional if notional is not None else abs(exposure), exposition=exposure,
                contrepartie=counterparty, couverture="oui", **cols)


OAT = ("République française", "FR", "FR0082183262")
BUND = ("Allemagne", "DE", "DE0009635367")
UST = ("États-Unis", "US", "US912828ZQ64")
DSL = ("Pays-Bas", "NL", "NL0011819040")


def states(total):
    """Three State bonds of the EEA making `total` euros (each under the 50 % of R. 139-45 II)."""
    a = total // 3
    return [state("OAT 2030", a, *OAT), state("Bund 2035", a, *BUND), state("DSL 2033", total - 2 * a, *DSL)]


def rules(v):
    return {r.spec.id: r.status for r in v.results}


def solve(path, **kw):
    pf = load(path, as_of=DATE)
    return rebalance139(pf, version(), as_of=DATE, path=path, **kw)


def test_counterparty_exposure_over_the_cap_is_cured_by_reducing_the_swap(tmp_path):
    # 15 M€ of exposure on one counterparty for a 100 M€ actif: R. 139-43's 10 % broken; no sale of a security
    # changes a contract's exposure (the actif stays 100 M€): only the swap can be reduced, to at most 10 M€
    path = write(tmp_path / "contrepartie.xlsx", [*states(100_000_000), swap("Swap de taux LCH", 15_000_000)])
    p = solve(path)
    assert rules(p.before)["R139-43/contrats-max10"] == "breach"
    assert p.status == "optimal", (p.notes, p.explanation)
    assert rules(p.after)["R139-43/contrats-max10"] == "ok"
    (t,) = [t for t in p.trades if t["action"] == "reduce"]
    assert t["row"] == 6 and not t["whole"]
    assert t["exposure_before"] == 1_500_000_000 and 0 < t["exposure_after"] <= 1_000_000_000
    assert t["notional_after"] == t["exposure_after"]
    assert t["exposure_after"] >= 999_990_000  # reduced, not closed: the least turnover keeps it at the cap
    assert not [t for t in p.trades if t["action"] in ("sell", "buy")]
    # the checker reads the proposed portfolio at the cent: 10 % at most
    L = p.portfolio.lines
    assert int(L.loc[L["nature"] == "contrat_financier", "exposure"].iloc[0]) == t["exposure_after"]


def test_at_the_cap_nothing_to_do_and_a_cent_over_reduces_by_at_least_a_cent(tmp_path):
    lines = states(100_000_000)
    p = solve(write(tmp_path / "a.xlsx", lines + [swap("Swap", 10_000_000)]))
    assert p.status == "nothing_to_do"
    p = solve(write(tmp_path / "b.xlsx", lines + [swap("Swap", 10_000_000.01)]))
    assert p.status == "optimal" and rules(p.after)["R139-43/contrats-max10"] == "ok"
    (t,) = p.trades
    assert t["action"] == "reduce" and t["exposure_after"] <= 1_000_000_000


def test_netting_on_one_counterparty_is_kept(tmp_path):
    # +14 M€ and −2 M€ on LCH net at 12 %: reducing the long leg (or the short one is not worth it) cures it; the
    # net stays on its side of zero
    path = write(tmp_path / "net.xlsx", [*states(100_000_000), swap("Swap long", 14_000_000), swap("Swap court", -2_000_000)])
    p = solve(path)
    assert p.status == "optimal" and rules(p.after)["R139-43/contrats-max10"] == "ok"
    assert all(t["action"] == "reduce" for t in p.trades)


def fx_forward(label, exposure, notional, **cols):
    return dict(libelle=label, nature="contrat_financier", valeur=0, devise="EUR", type_contrat="terme",
                type_sous_jacent="change", sous_jacent="USD", cotation="eee", notionnel=notional, exposition=exposure,
                devise_exposition="USD", contrepartie="LCH", couverture="oui", **cols)


def usd_bond(issuer, v):
    return dict(libelle=f"Obligation {issuer} USD", nature="obligation", valeur=v, devise="USD", emetteur=issuer,
                pays="US", groupe=issuer, conservation="oui", cotation="eee", type_emetteur="autre", quantite=1,
                quantite_emise=1_000_000)


def deposit(bank, v):
    return dict(libelle=f"Compte à terme {bank}", nature="depot", valeur=v, devise="EUR", emetteur=bank, pays="FR",
                groupe=bank, remboursable="oui", au_nom_organisme="oui", remuneration="fixe")


def dollars(held=4_000_000):
    """Three dollar bonds of three issuers (each under 5 %) and three deposits of 4 M€."""
    return ([usd_bond(n, held) for n in ("Apple", "Microsoft", "Johnson")] +
            [deposit(b, 4_000_000) for b in ("Banque A", "Banque B", "Banque C")])


def test_currency_exposure_of_15_percent_only_a_contract_reduction_cures(tmp_path):
    # 12 M€ of dollar bonds plus a forward purchase of dollars (+5 M€ of USD exposure, settled by the 12 M€ of
    # deposits): 17 % ≥ 15 % (R. 139-44, strictly under); the bonds are locked by the user: only the forward can be
    # reduced — to under 3 M€
    path = write(tmp_path / "devise.xlsx", [*states(76_000_000), *dollars(),
                                             fx_forward("Achat à terme USD", 5_000_000, 5_000_000)])
    p = solve(path, locks=[6, 7, 8])
    assert rules(p.before)["R139-44/change-max15"] == "breach"
    assert p.status == "optimal", (p.notes, p.explanation)
    assert rules(p.after)["R139-44/change-max15"] == "ok"
    (t,) = [t for t in p.trades if t["action"] == "reduce"]
    assert 0 < t["exposure_after"] < 300_000_000 and t["exposure_after"] >= 299_990_000
    assert not [t for t in p.trades if t["action"] in ("sell", "buy")]


def test_at_15_percent_the_currency_breaches_and_a_cent_under_holds(tmp_path):
    path = write(tmp_path / "a.xlsx", [*states(76_000_000), *dollars(),
                                        fx_forward("Achat à terme USD", 2_999_999.99, 2_999_999.99)])
    assert solve(path, locks=[6, 7, 8]).status == "nothing_to_do"
    path = write(tmp_path / "b.xlsx", [*states(76_000_000), *dollars(),
                                        fx_forward("Achat à terme USD", 3_000_000, 3_000_000)])
    p = solve(path, locks=[6, 7, 8])
    assert rules(p.before)["R139-44/change-max15"] == "breach"
    assert p.status == "optimal" and rules(p.after)["R139-44/change-max15"] == "ok"
    (t,) = p.trades
    assert 299_999_000 <= t["exposure_after"] < 300_000_000


def test_over_hedged_currency_is_cured_by_reducing_the_hedge(tmp_path):
    # 12 M€ of dollar bonds hedged by a forward sale of 30 M€ of dollars: net −18 %, |−18 %| ≥ 15 %. Selling the
    # bonds makes it worse; R. 139-40 2° (a forward sale covered by the underlying held) wants the sale within the
    # 12 M€ of dollars held: the hedge is reduced to at most 12 M€, the net then within 15 %
    path = write(tmp_path / "surcouverture.xlsx", [*states(76_000_000), *dollars(),
                                                    fx_forward("Vente à terme USD", -30_000_000, 30_000_000)])
    p = solve(path)
    assert rules(p.before)["R139-44/change-max15"] == "breach"
    assert p.status == "optimal", (p.notes, p.explanation)
    assert rules(p.after)["R139-44/change-max15"] == "ok"
    (t,) = [t for t in p.trades if t["action"] == "reduce"]
    assert t["notional_after"] <= 1_200_000_000 and not t["whole"]


def test_the_proposal_writes_the_contract_reduced_in_french_json_and_workbook(tmp_path):
    path = write(tmp_path / "contrepartie.xlsx", [*states(100_000_000), swap("Swap de taux LCH", 15_000_000)])
    out = tmp_path / "proposition.xlsx"
    run = subprocess.run([sys.executable, "-m", "reserves.app.cli", "optimize", str(path), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "réduction du contrat à 66,67 % : exposition" in run.stdout
    assert "Portefeuille proposé conforme" in run.stdout
    wb = openpyxl.load_workbook(out)
    ops = list(wb["Opérations"].iter_rows(values_only=True))
    head, (row,) = ops[0], ops[1:]
    d = dict(zip(head, row))
    assert d["sens"] == "réduction du contrat" and d["exposition_avant"] == 15_000_000
    assert 9_999_900 <= d["exposition_apres"] <= 10_000_000 and d["notionnel_apres"] == d["exposition_apres"]
    assert 0.66 < d["part_conservee"] < 0.67
    sheet = wb["Portefeuille"]
    hdr = [c.value for c in sheet[2]]
    line = [c.value for c in sheet[6]]
    assert line[hdr.index("exposition")] == d["exposition_apres"]  # the contract's line itself, reduced
    back = subprocess.run([sys.executable, "-m", "reserves.app.cli", "check", str(out), "--json"], capture_output=True,
                          text=True, cwd=ROOT)
    doc = json.loads(back.stdout)
    assert back.returncode == 0 and doc["status"] == "ok"
    run = subprocess.run([sys.executable, "-m", "reserves.app.cli", "optimize", str(path), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    (t,) = json.loads(run.stdout)["trades"]
    assert t["action"] == "reduce" and t["exposure_before"] == 15_000_000 and t["exposure_after"] <= 10_000_000


def test_a_contract_locked_by_the_user_is_not_reduced(tmp_path):
    path = write(tmp_path / "bloque.xlsx", [*states(100_000_000), swap("Swap de taux LCH", 15_000_000)])
    p = solve(path, locks=[6])
    assert p.status == "infeasible"
    assert any(e["rule"] == "R139-43/contrats-max10" for e in p.explanation)
