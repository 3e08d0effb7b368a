"""Financial contracts the R. 139 optimizer cannot trade — held inside a fund looked through (R. 139-17), or embedded
in a security (R. 139-36 III) — are constants of its rows: their exposures count in R. 139-43 and R. 139-44 as the
checker counts them (a fund's holdings rescaled to the line's value, an embedded contract's exposure as declared),
and the lines that carry them are neither sold nor bought. The proposal says so in French, naming them: what it
can change (the contracts held directly) and what it cannot.

Real files (a `Transparence` sheet), the real solver (HiGHS through Pyomo), the real checker.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).parent))

from test_optimizer_r139_contracts import HEADERS, solve, states, swap  # noqa: E402

from reserves.app.cli import main  # noqa: E402

RULE = "R139-43/contrats-max10"
FUND = "OPCVM Taux Couvert"
EXTRA = ["contrat_integre", "fonds_conforme", "part_titres_eligibles", "depassement_potentiel"]


def _write(path, lines, holdings):
    heads = HEADERS + EXTRA
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(heads)
    for line in lines:
        ws.append([line.get(h) for h in heads])
    t = wb.create_sheet("Transparence")
    t.append(["fonds", "date_valorisation", *heads])
    for h in holdings:
        t.append([FUND, dt.datetime(2025, 12, 31), *[h.get(k) for k in heads]])
    wb.save(path)
    return path


def _portfolio(tmp_path, direct_exposure):
    """100 M€ of State bonds, a swap held directly, a fund of 10 M€ whose inventory (20 M€ as sent: rescaled by
    half) holds a swap of 6 M€ of exposure (3 M€ once rescaled), and a structured note of 2 M€ embedding a
    contract of 1 M€ of exposure: an actif de placement of 112 M€, R. 139-43's cap 11,2 M€."""
    fund = dict(libelle=FUND, nature="opcvm", valeur=10_000_000, devise="EUR", emetteur="Gestion A", pays="FR",
                conservation="oui", fonds_conforme="oui", part_titres_eligibles="95 %", depassement_potentiel="5 %")
    note = dict(libelle="EMTN indexé", nature="obligation", valeur=2_000_000, devise="EUR", isin="FR0013400009",
                emetteur="Banque B", groupe="Banque B", pays="FR", conservation="oui", cotation="eee",
                type_emetteur="etablissement_credit", quantite=2000, quantite_emise=10**7, contrat_integre="oui",
                type_contrat="swap", type_sous_jacent="taux", exposition=1_000_000, notionnel=1_000_000,
                contrepartie="Banque B", sous_jacent_detenu="oui", couverture="oui")
    holdings = [
        dict(libelle="OAT 2032", nature="titre_etat", valeur=14_000_000, devise="EUR", isin="FR0012993103",
             emetteur="République française", pays="FR", conservation="oui", cotation="eee", type_emetteur="etat"),
        dict(libelle="Bund 2031", nature="titre_etat", valeur=6_000_000, devise="EUR", isin="DE0001102531",
             emetteur="Allemagne", pays="DE", conservation="oui", cotation="eee", type_emetteur="etat"),
        swap("Swap du fonds", 6_000_000, counterparty="Banque C"),
    ]
    lines = [*states(100_000_000), swap("Swap de taux LCH", direct_exposure), fund, note]
    return _write(tmp_path / "constantes.xlsx", lines, holdings)


def _figure(v, rule):
    (r,) = [r for r in v.results if r.spec.id == rule]
    return r


def test_the_contracts_of_a_fund_and_of_a_note_count_as_the_checker_counts_them(tmp_path):
    # 8 + 3 + 1 = 12 M€ of exposure for a cap of 11,2 M€: only the swap held directly can be reduced, by 0,8 M€ —
    # exactly, if the fund's swap counts rescaled (3 M€, not the 6 M€ sent) and the note's contract as declared
    path = _portfolio(tmp_path, 8_000_000)
    p = solve(path)
    before = _figure(p.before, RULE)
    assert before.status == "breach" and before.figure == 1_200_000_000
    assert p.status == "optimal", (p.notes, p.explanation)
    (t,) = [t for t in p.trades if t["action"] == "reduce"]
    assert t["exposure_before"] == 800_000_000
    # the cap less the constants, to the euro: not reduced too little (a breach) nor too much
    assert 720_000_000 - 100 <= t["exposure_after"] <= 720_000_000
    after = _figure(p.after, RULE)
    assert after.status == "ok" and 1_120_000_000 - 100 <= after.figure <= 1_120_000_000
    # the fund and the note are not traded
    rows = {t["row"] for t in p.trades}
    assert 7 not in rows and 8 not in rows


def test_the_proposal_says_which_contracts_it_cannot_change(tmp_path, capsys):
    path = _portfolio(tmp_path, 8_000_000)
    p = solve(path)
    (note,) = [n for n in p.notes if n.startswith("contrats financiers que la proposition ne peut changer")]
    assert f"« {FUND} » (ligne 7" in note and "« EMTN indexé » (ligne 8" in note
    assert "R. 139-43" in note and "« Swap du fonds »" in note
    capsys.readouterr()
    assert main(["optimize", str(path), "--json"]) == 0
    assert note in json.loads(capsys.readouterr().out)["notes"]
    assert main(["optimize", str(path)]) == 0
    text = " ".join(capsys.readouterr().out.split())  # the terminal wraps the note
    assert "contrats financiers que la proposition ne peut changer" in text and f"« {FUND} » (ligne 7" in text


def test_without_such_contracts_no_word_of_them(tmp_path):
    from test_optimizer_r139_contracts import write

    p = solve(write(tmp_path / "direct.xlsx", [*states(100_000_000), swap("Swap", 12_000_000)]))
    assert p.status == "optimal"
    assert not [n for n in p.notes if "ne peut changer" in n]
