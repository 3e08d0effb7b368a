"""The R. 139 report's market shock (`--choc`) moves the financial contracts through their exposures (R. 139-47: the
exposure is the value of the equivalent position in the underlying; the contract gains or loses its change): each
figure of the stress view is held against `reserves check --json` of the shocked portfolio written here by hand.
Real files, the real command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from r139 import DEFAULTS  # noqa: E402
from reports.r139_stress import shocked_portfolio  # noqa: E402
from reports.r139_xlsx import SHEETS139  # noqa: E402
from reports.xlsx import HEADER_ROW  # noqa: E402
from reserves.app.cli import main  # noqa: E402
from reserves.portfolio.fmt import STATUS_FR  # noqa: E402
from reserves.portfolio.model139 import load  # noqa: E402

SHOCKS = ["--choc", "actions=-50", "--choc", "taux=+100", "--choc", "USD=-10", "--choc", "immobilier=0"]
FUND = "OPCVM Couvert"


def _isin(stem: str) -> str:
    from stdnum import isin

    return stem + isin.calc_check_digit(stem)


def _line(label, nature, euros, **cols):
    if "isin" in cols:
        cols["isin"] = _isin(cols["isin"][:11])
    return {**DEFAULTS.get(nature, {}), "libelle": label, "nature": nature, "valeur": euros, "devise": "EUR", **cols}


def _portfolio(shocked: bool):
    """Before, or after by hand: actions −50 %, taux +100 pb (duration 10 from the file, 7 for a titre_etat by
    default, 5 for a rate contract), USD −10 %. Contracts: exposure × the underlying's factor, value + its change."""
    def v(before, after):
        return after if shocked else before

    lines = [
        _line("OAT 2035", "titre_etat", v(40_000_000, 36_000_000), duration=10, isin="FR0000000001"),
        _line("Bund 2034", "titre_etat", v(30_000_000, 27_900_000), emetteur="Allemagne", pays="DE",
              isin="DE0000000002"),
        _line("Actions Air Liquide", "action", v(10_000_000, 5_000_000), isin="FR0000000003"),
        _line("Compte à terme", "depot", 10_000_000),
        # a future on equities: +8 M€ of exposure, −50 % → 4 M€, a loss of 4 M€
        _line("Future CAC 40", "contrat_financier", v(0, -4_000_000), type_sous_jacent="action",
              exposition=v(8_000_000, 4_000_000), notionnel=8_000_000),
        # a forward sale of dollars: −3 M€ of USD exposure, USD −10 % → −2,7 M€, a gain of 0,3 M€
        _line("Vente à terme USD", "contrat_financier", v(0, 300_000), type_contrat="terme",
              type_sous_jacent="change", exposition=v(-3_000_000, -2_700_000), notionnel=3_000_000,
              devise_exposition="USD", contrepartie="BNP"),
        # a rate swap on the OAT held (its ISIN): the OAT's duration, 10: +5 M€ → 4,5 M€, a loss of 0,5 M€
        _line("Swap de taux", "contrat_financier", v(100_000, -400_000), type_contrat="swap", type_sous_jacent="taux",
              sous_jacent=_isin("FR000000000"), exposition=v(5_000_000, 4_500_000), notionnel=5_000_000),
        # credit default swaps (R. 139-47: the equivalent position in a bond of the reference entity). Protection
        # sold on an entity not held: long a 5-year bond, +1 M€ → 0,95 M€, a loss of 50 k€
        _line("CDS vendu", "contrat_financier", v(0, -50_000), type_contrat="swap", type_sous_jacent="credit",
              exposition=v(1_000_000, 950_000), notionnel=1_000_000),
        # protection bought on the OAT held (its ISIN, duration 10): short it, −2 M€ → −1,8 M€, a gain of 0,2 M€
        _line("CDS acheté OAT", "contrat_financier", v(30_000, 230_000), type_contrat="swap",
              type_sous_jacent="credit", sous_jacent=_isin("FR000000000"), exposition=v(-2_000_000, -1_800_000),
              notionnel=2_000_000, contrepartie="JPM"),
        # protection bought in dollars (a 4-year duration of its own): −1 M€, taux +100 pb and USD −10 %:
        # × 0,96 × 0,9 → −864 k€, a gain of 136 k€
        _line("CDS acheté USD", "contrat_financier", v(0, 136_000), type_contrat="swap", type_sous_jacent="credit",
              exposition=v(-1_000_000, -864_000), notionnel=1_000_000, devise_exposition="USD", duration=4,
              contrepartie="JPM"),
        _line(FUND, "opcvm", v(10_000_000, 6_500_000)),
    ]
    holdings = [  # the fund: 6 M€ of shares (−50 %) and a future on shares of +1 M€ (−50 %: a loss of 0,5 M€)
        _line("Actions TotalEnergies", "action", v(6_000_000, 3_000_000), emetteur="TotalEnergies", groupe="TOTAL",
              isin="FR0000000005"),
        _line("Future Euro Stoxx", "contrat_financier", v(0, -500_000), type_sous_jacent="action",
              exposition=v(1_000_000, 500_000), notionnel=1_000_000),
        _line("Compte courant", "depot", 4_000_000),
    ]
    return lines, holdings


def _write(path, shocked: bool):
    lines, holdings = _portfolio(shocked)
    heads = list(dict.fromkeys(h for x in lines + holdings for h in x))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(heads)
    for x in lines:
        ws.append([x.get(h) for h in heads])
    t = wb.create_sheet("Transparence")
    t.append(["fonds", "date_valorisation", *heads])
    for x in holdings:
        t.append([FUND, dt.datetime(2025, 12, 31), *[x.get(h) for h in heads]])
    wb.save(path)
    return path


def _json(capsys, *argv):
    capsys.readouterr()
    code = main([*map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def stressed(tmp_path_factory):
    d = tmp_path_factory.mktemp("choc139c")
    src, shocked = _write(d / "portefeuille.xlsx", False), _write(d / "choque.xlsx", True)
    out = d / "rapport.xlsx"
    code = main(["report", str(src), *SHOCKS, "-o", str(out)])
    return {"src": src, "shocked": shocked, "out": out, "code": code}


def test_the_shocked_contracts_are_those_written_by_hand(stressed):
    from reports.r139_stress import parse_scenario139
    from reserves.portfolio.columns139 import NATURES

    scenario = parse_scenario139([s for s in SHOCKS if s != "--choc"], NATURES)
    pf = shocked_portfolio(load(stressed["src"]), scenario)
    want = load(stressed["shocked"])
    for col in ("value", "exposure"):
        assert pf.lines[col].tolist() == want.lines[col].tolist(), col
    assert pf.lookthrough["value"].tolist() == want.lookthrough["value"].tolist()
    assert pf.lookthrough["exposure"].tolist() == want.lookthrough["exposure"].tolist()


def test_every_stress_figure_is_the_check_of_the_shocked_portfolio(stressed, capsys):
    assert stressed["out"].exists()
    ws = openpyxl.load_workbook(stressed["out"])[SHEETS139["stress"]]
    raw = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    rows = {r["Règle"]: r for r in (dict(zip(raw[0], x)) for x in raw[1:]) if r.get("Règle")}
    _, after = _json(capsys, "check", stressed["shocked"])
    assert after["base"] == (36_000_000 + 27_900_000 + 5_000_000 + 10_000_000 - 4_000_000 + 300_000 - 400_000
                             - 50_000 + 230_000 + 136_000 + 6_500_000)
    shown = 0
    for r in after["rules"]:
        row = rows.get(r["id"])
        if row is None:
            continue
        shown += 1
        assert row["Statut après le choc"] == STATUS_FR[r["status"]], r["id"]
        assert row["Part après"] == pytest.approx(r["value"], abs=1e-12) if r["value"] is not None else \
            row["Part après"] is None, r["id"]
        assert row["Valeur après (€)"] == r.get("euros"), r["id"]
        assert row["Marge après le choc (€)"] == r.get("headroom"), r["id"]
    assert shown == len(rows)
    # the contracts' figures moved: R. 139-43 nets on LCH 4 + 4,5 + 0,95 (the CDS sold) + 0,5 (through the fund),
    # BNP 2,7, JPM |−1,8 − 0,864| (the CDS bought)
    c43 = rows["R139-43/contrats-max10"]
    assert c43["Valeur après (€)"] == 4_000_000 + 4_500_000 + 950_000 + 500_000 + 2_700_000 + 1_800_000 + 864_000
    # in dollars: the forward sale −2,7 M€ and the CDS bought −0,864 M€ net within the currency (RR 13)
    c44 = next(r for r in after["rules"] if r["id"] == "R139-44/change-max15")
    assert rows["R139-44/change-max15"]["Valeur après (€)"] == c44.get("euros") == 2_700_000 + 864_000
