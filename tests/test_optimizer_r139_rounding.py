"""The R. 139 proposal is rounded (values to the cent, quantities to 1/10 000) before the checker sees it again: the
rounding must never move a re-checked figure across a limit the solver brought it to.

R. 139-46 (RR 9) counts an issuer's issue from the securities held, valeur / quantite × quantite_emise: a partial sale
moves the quantity with the value, and a quantity rounded up lowers the unit price, the issue, and so the room under
the 5 % — by far more than the solver's cent tolerance on a small holding (a few units of a large price). Rounded
down, the price can only rise. And each régime's sales pay for its purchases to the cent: the cents the rounding
leaves over are spread a cent at a time over the lines traded, never put whole on one line a cap holds. What the
rounding of the reader itself moves (a fund sold in part: its inventory rescaled to the cent, a small holding's unit
price with it) is caught by the re-check, and the programme solved again with that rule's rows further inside.

Real files, the real solver (HiGHS through Pyomo), the real checker; the property test draws small portfolios
(hypothesis, bounded, derandomized under CI).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from test_optimizer_r139_contracts import rules, solve, states, write  # noqa: E402

from optimizer.r139 import _balance_cents, round_quantity  # noqa: E402

COSTS = {"natures": {"obligation": 100, "tcn": 0}, "default": 100}  # the TCN is free to sell, the bond is not
RULE = "R139-46/creances-max5"


def bond(label, isin, units, issued, nature="obligation", price=1000, issuer="Émetteur X"):
    return dict(libelle=label, nature=nature, valeur=round(units * price, 2), devise="EUR", isin=isin,
                emetteur=issuer, pays="FR", groupe=issuer, conservation="oui", cotation="eee", type_emetteur="autre",
                quantite=units, quantite_emise=issued)


def breaches(v):
    return sorted(r.spec.id for r in v.results if r.status == "breach")


def test_a_partial_sale_of_a_few_units_keeps_the_issuer_under_5_percent(tmp_path):
    # 6 units of a TCN at 1 234 567,89 € of 97 issued, and 1 000 units of a bond at 700 € of 3 000: 8,1 M€ of
    # 121,85 M€ (6,65 %). The TCN is sold down to 4,37 units: its quantity rounded up (4,3681) lowered its unit
    # price, so its issue, by 1,9 k€ and left X 68,56 € over the 5 % the solver brought it to
    lines = [bond("X 2027", "FR00000000B8", 6, 97, nature="tcn", price=1_234_567.89),
             bond("X 2030", "FR00000000A0", 1000, 3000, price=700)]
    path = write(tmp_path / "x.xlsx", [*states(200_000_000 - sum(x["valeur"] for x in lines)), *lines])
    p = solve(path, objective="cost", costs_bps=COSTS)
    assert rules(p.before)[RULE] == "breach"
    assert p.status == "optimal", p.notes
    assert rules(p.after)[RULE] == "ok"
    (t,) = [t for t in p.trades if t["row"] == 6]
    assert not t["whole"]
    L = p.portfolio.lines
    j = int(np.flatnonzero(L["row"].to_numpy() == 6)[0])
    q = Fraction(str(L["quantity_exact"].iat[j]))
    # the quantity is at most the units the value buys at the price as held, within 1/10 000 of them
    exact = Fraction(6) * Fraction(int(L["market_value"].iat[j]), 740_740_734)
    assert exact - Fraction(1, 10_000) < q <= exact
    # and the unit price, hence the issue, did not fall
    assert Fraction(int(L["market_value"].iat[j])) / q >= Fraction(123_456_789)
    # at the cap or just under it (the rounding down can only raise the issue)
    (r,) = [r for r in p.after.results if r.spec.id == RULE]
    assert 0.0499 < r.value <= 0.05


def _with_fund(path, lines, fund, holdings):
    import datetime as dt

    import openpyxl

    from test_optimizer_r139_contracts import HEADERS

    heads = HEADERS + ["fonds_conforme", "part_titres_eligibles", "depassement_potentiel"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(["Date d'arrêté : 31/12/2025"])
    ws.append(heads)
    for x in [*lines, fund]:
        ws.append([x.get(h) for h in heads])
    t = wb.create_sheet("Transparence")
    t.append(["fonds", "date_valorisation", *heads])
    for h in holdings:
        t.append([fund["libelle"], dt.datetime(2025, 12, 31), *[h.get(k) for k in heads]])
    wb.save(path)
    return path


def test_a_fund_sold_in_part_keeps_its_holding_s_issue(tmp_path):
    # X: 9 118 bonds of 1 000 € held directly (9,1 M€ of a 100 M€ issue) and 1/1 000 of a bond of 1 110 € a unit
    # (an issue of 11,1 M€) held through a fund of 31,87 M€ (16 %, over R. 139-41's 15 % for UCITS): the fund is
    # sold down and its inventory of 1 M€ rescaled to the new value. Were the fund's 35 € of X rounded to the cent
    # before their unit price is taken, X's issue would move and leave it 58,91 € over R. 139-46's 5 %; the checker
    # takes the rescaled values exactly, and were a rounded proposal still over a limit its rows hold, that rule's
    # rows would be kept the excess further inside and the programme solved again (a note says so)
    fund = dict(libelle="OPCVM X", nature="opcvm", valeur=31_870_485.92, devise="EUR", emetteur="Gestion A",
                pays="FR", conservation="oui", fonds_conforme="oui", part_titres_eligibles="95 %",
                depassement_potentiel="5 %")
    holdings = [dict(libelle="OAT", nature="titre_etat", valeur=1_000_000 - 1.11, devise="EUR", isin="FR0012993103",
                     emetteur="République française", pays="FR", conservation="oui", cotation="eee",
                     type_emetteur="etat"),
                bond("X 2040", "FR00000000B8", 0.001, 10_000, price=1_110)]
    a = bond("X 2030", "FR00000000A0", 9118, 100_000)
    lines = [*states(200_000_000 - fund["valeur"] - a["valeur"]), a]
    path = _with_fund(tmp_path / "fonds.xlsx", lines, fund, holdings)
    p = solve(path, objective="cost", costs_bps={"natures": {"obligation": 0, "opcvm": 0}, "default": 100})
    assert rules(p.before)[RULE] == "breach" and rules(p.before)["R139-41/opcvm-max15"] == "breach"
    assert p.status == "optimal", (breaches(p.after), p.notes)
    assert rules(p.after)[RULE] == "ok" and rules(p.after)["R139-41/opcvm-max15"] == "ok"
    resolved = [n for n in p.notes if n.startswith("proposition résolue à nouveau")]
    assert len(resolved) == (1 if p.solver.get("resolved") else 0)
    (r,) = [r for r in p.after.results if r.spec.id == RULE]
    assert 0.0499 < r.value <= 0.05


def test_quantities_round_down_for_securities_up_for_fund_units_and_never_to_zero():
    x = Fraction(43_681, 10_000) - Fraction(1, 10**9)
    assert round_quantity(x, up=False) == Decimal("4.3680")
    assert round_quantity(x, up=True) == Decimal("4.3681")
    assert round_quantity(Fraction(5, 2), up=False) == Decimal("2.5")  # exact: unchanged either way
    assert round_quantity(Fraction(5, 2), up=True) == Decimal("2.5")
    tiny = Fraction(1, 300_000)  # a third of 1/100 000 of a unit: six significant digits, not 0
    assert 0 < round_quantity(tiny, up=False) <= tiny <= round_quantity(tiny, up=True)
    assert round_quantity(tiny, up=False) == Decimal("0.00000333333")
    assert round_quantity(tiny, up=True) == Decimal("0.0001")
    assert round_quantity(Fraction(0), up=False) == 0
    # a short position: its size rounded the same way (its unit price, valeur / quantite, as a long's)
    assert round_quantity(-x, up=False) == Decimal("-4.3680")
    assert round_quantity(-x, up=True) == Decimal("-4.3681")


CENTS = st.one_of(st.floats(0, 1e9, allow_nan=False), st.integers(0, 10**9).map(lambda x: x + 0.5))


@given(st.lists(st.tuples(CENTS, st.sampled_from(["held", "traded", "gone"])),
                min_size=1, max_size=30), st.data())
@settings(max_examples=200, deadline=None)
def test_the_cents_left_by_the_rounding_are_spread_a_cent_at_a_time(drawn, data):
    exact = np.array([0.0 if k == "gone" else float(round(x)) if k == "held" else x for x, k in drawn])
    new = np.rint(exact).astype(np.int64)
    held = np.array([k == "held" for _, k in drawn])
    old = np.where(held, new, new + 1_000)  # a line not traded stays as held
    gone = np.array([k == "gone" for _, k in drawn])
    # the solver balances the régime (its values sum to whole cents, to its tolerance): what the rounding adds
    target = int(np.rint(exact.sum() + data.draw(st.floats(-1e-6, 1e-6))))
    diff = int(new.sum()) - target
    out = _balance_cents(new, exact, old, gone, diff)
    assert int(out.sum()) == int(new.sum()) - diff
    assert (np.abs(out - exact) < 1 + 1e-9).all()  # no line more than a cent from the solver's value
    assert (out[held | gone] == new[held | gone]).all()  # lines sold whole and lines not traded are not touched


# --------------------------------------------------------------------------- small portfolios drawn at random


@st.composite
def small_portfolios(draw):
    """Three EEA State bonds and issuer X (two securities, a few units of a large price, its issue a few times what
    is held: often over R. 139-46's 5 %, sometimes over R. 139-45's 5 % of the actif de placement too), maybe
    dollar bonds of four issuers near R. 139-44's 15 %, maybe six to eight companies over 5 % (R. 139-45's
    40 % basket, over it or near it), maybe a fund over R. 139-41's 15 % holding a few euros of a third bond of X
    (the fund is sold in part: its inventory rescaled to the cent moves that bond's unit price)."""
    lines = []
    for label, isin, nature in (("X 2027", "FR00000000B8", "tcn"), ("X 2030", "FR00000000A0", "obligation")):
        units = draw(st.integers(1, 12))
        price = draw(st.integers(5_000_000, 150_000_000)) / 100  # 50 k€ to 1,5 M€ a unit, to the cent
        issued = draw(st.integers(units * 8, units * 40))
        lines.append(bond(label, isin, units, issued, nature=nature, price=price))
    if draw(st.booleans()):
        usd = draw(st.integers(27_000_000, 31_500_000))  # 13,5 % to 15,75 % of 200 M€
        for k in range(4):
            lines.append(dict(bond(f"Dollar {k}", None, 1, None, issuer=f"US Corp {k}"), valeur=usd // 4 + k,
                              devise="USD", pays="US", cotation="ocde", quantite=1000, quantite_emise=100_000))
    if draw(st.booleans()):  # the 5/10/40 basket: six to eight companies over 5 %, two lines each
        for k in range(draw(st.integers(6, 8))):
            euros = draw(st.integers(10_200_000, 15_000_000))
            first = draw(st.integers(1_000_000, euros - 1_000_000))
            for part, price in ((first, 1_037.17), (euros - first, 98.63)):
                lines.append(bond(f"Société {k} {price}", None, round(part / price, 4), 10**9, issuer=f"Société {k}"))
    fund = holdings = None
    if draw(st.booleans()):  # a fund over R. 139-41's 15 % for UCITS, holding a few euros of a third bond of X
        fund = dict(libelle="OPCVM X", nature="opcvm", valeur=draw(st.integers(3_010_000_000, 3_400_000_000)) / 100,
                    devise="EUR", emetteur="Gestion A", pays="FR", conservation="oui", fonds_conforme="oui",
                    part_titres_eligibles="95 %", depassement_potentiel="5 %")
        x = draw(st.integers(100, 300)) / 100
        holdings = [dict(libelle="OAT", nature="titre_etat", valeur=1_000_000 - x, devise="EUR", isin="FR0012993103",
                         emetteur="République française", pays="FR", conservation="oui", cotation="eee",
                         type_emetteur="etat"),
                    bond("X 2040", "FR00000000C6", 0.001, draw(st.integers(5_000, 20_000)), price=x * 1000)]
    held = sum(x["valeur"] for x in lines) + (fund["valeur"] if fund else 0)
    assume(held <= 150_000_000)
    return lines, fund, holdings, draw(st.sampled_from(["turnover", "cost"]))


@given(small_portfolios())
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
def test_every_proposal_re_checks_with_no_breach(tmp_path, drawn):
    lines, fund, holdings, objective = drawn
    rest = 200_000_000 - int(sum(x["valeur"] for x in lines) + (fund["valeur"] if fund else 0))
    if fund is None:
        path = write(tmp_path / "p.xlsx", [*states(rest), *lines])
    else:
        path = _with_fund(tmp_path / "p.xlsx", [*states(rest), *lines], fund, holdings)
    # purchases not capped: the State bonds can always take what is sold (a cap makes some draws infeasible)
    costs = {"natures": {"obligation": 100, "tcn": 0, "opcvm": 0}, "default": 100}
    p = solve(path, objective=objective, costs_bps=costs if objective == "cost" else None, buy_cap=None,
              explain=False)
    assume(p.status != "nothing_to_do")
    assert p.status != "infeasible", p.explanation
    assert p.status == "optimal", (breaches(p.after), p.notes, p.trades)
    assert breaches(p.after) == []


@given(st.integers(1, 300), st.integers(3_010_000_000, 3_400_000_000), st.integers(9_000, 12_000))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
def test_a_fund_sold_in_part_never_leaves_an_issuer_over_5_percent(tmp_path, cents, fund_cents, units):
    """Issuer X held directly over R. 139-46's 5 % and, for a few euros, through a fund over R. 139-41's 15 % for
    UCITS: both are cured at once, whatever the rounding of the fund's inventory rescaled to its new value."""
    fund = dict(libelle="OPCVM X", nature="opcvm", valeur=fund_cents / 100, devise="EUR", emetteur="Gestion A",
                pays="FR", conservation="oui", fonds_conforme="oui", part_titres_eligibles="95 %",
                depassement_potentiel="5 %")
    x = cents / 100
    holdings = [dict(libelle="OAT", nature="titre_etat", valeur=1_000_000 - x, devise="EUR", isin="FR0012993103",
                     emetteur="République française", pays="FR", conservation="oui", cotation="eee",
                     type_emetteur="etat"),
                bond("X 2040", "FR00000000B8", 0.001, 10_000, price=x * 1000)]
    a = bond("X 2030", "FR00000000A0", units, 100_000)
    path = _with_fund(tmp_path / "f.xlsx", [*states(200_000_000 - fund["valeur"] - a["valeur"]), a], fund, holdings)
    p = solve(path, objective="cost", costs_bps={"natures": {"obligation": 0, "opcvm": 0}, "default": 100},
              explain=False)
    assert p.status == "optimal", (breaches(p.after) if p.after else p.status, p.notes)


def test_a_breach_no_trade_reaches_is_not_solved_again(tmp_path):
    # Y and Z each 6 % of 200 M€ (R. 139-45's 5 %), Y locked by the user: its breach stays (said in the notes) and
    # is no reason to solve again — which would keep every entity 2 M€ further inside and sell Z down to 4 %
    lines = [bond("Y 2030", "FR00000000A0", 12_000, 10**7, issuer="Société Y"),
             bond("Z 2030", "FR00000000B8", 12_000, 10**7, issuer="Société Z")]
    path = write(tmp_path / "y.xlsx", [*states(176_000_000), *lines])
    p = solve(path, locks=[6])
    assert p.status == "breach" and breaches(p.after) == ["R139-45/entite-max5"]
    assert any("Société Y : ne dépend d'aucune ligne négociable" in n for n in p.notes)
    assert "resolved" not in p.solver and not [n for n in p.notes if n.startswith("proposition résolue")]
    (z,) = [t for t in p.trades if t["row"] == 7]
    assert 200_000_000 <= z["amount"] <= 200_000_100  # Z to 5 %, not further
