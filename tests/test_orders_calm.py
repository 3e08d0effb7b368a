"""An order within a held line's calm interval (`RuleKind.calm`) is answered by comparing its amount and quantity
with bounds; the answer is exactly the one judging every rule gives, at, just within and just beyond each bound."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.checker import check
from helpers import line, portfolio
from reserves.portfolio.errors import InputError
from reserves.pretrade.engine import Engine
from reserves.pretrade.orders import orders_from_records
from test_orders_incremental import CATS, DATE, assert_same, holdings, order_sets


def _order(label: str, cents: int, quantity=None):
    sign, c = ("-" if cents < 0 else ""), abs(cents)
    rec = {"libelle": label, "montant": f"{sign}{c // 100},{c % 100:02d}"}
    if quantity is not None:
        rec["quantite"] = str(quantity).replace(".", ",")
    return orders_from_records([rec]).items[0]


def _same(fast: Engine, full: Engine, order) -> tuple:
    """The order tried on both engines: the same answer (or the same refusal); (calm answered, outcome)."""
    try:
        expected = full.try_order(order)
    except InputError as e:
        with pytest.raises(InputError) as got:
            fast._calm_one(order) or fast.try_order(order)
        assert str(got.value) == str(e)
        return False, None
    calm = fast._calm_one(order)
    got = fast.try_order(order)
    assert got.to_dict() == expected.to_dict()
    assert got.rules_after == expected.rules_after
    if calm is not None:
        assert calm.to_dict() == expected.to_dict() and calm.rules_after == expected.rules_after
    return calm is not None, expected


def _engines(pf, warning, label):
    fast, full = Engine(pf, DATE, warning=warning), Engine(pf, DATE, warning=warning, judge_all=True)
    seed = _order(label, 100)
    for _ in range(2):  # the line's rules known from its first change: its calm interval is made on the second
        _same(fast, full, seed)
    i = fast._resolve(seed)[1]
    return fast, full, i


def _around(x):
    return [] if x is None or x is False else [x - 1, x, x + 1]


def test_an_issuer_cap_at_just_within_and_just_beyond_through_an_order():
    # b = 990 000 €, the issuer 40 000 €: (4 000 000 + d) ≤ 5 % · (99 000 000 + d) for d ≤ 1 000 000 cents
    pf = portfolio(line(1, 950_000, label="OAT"), line(2, 40_000, label="Action T", quantite=1))
    fast, full, i = _engines(pf, "1", "Action T")
    lo, hi, hp, qcap = fast._calm[i]
    assert (lo, hi) == (1 - 4_000_000, 1_000_000)
    assert _same(fast, full, _order("Action T", hi))[0]  # exactly 5 %: within, calm
    assert _same(fast, full, _order("Action T", hi - 1))[0]
    calm, out = _same(fast, full, _order("Action T", hi + 1))
    assert not calm and out.effect == "cree"
    assert _same(fast, full, _order("Action T", lo))[0]  # all but one cent sold
    calm, out = _same(fast, full, _order("Action T", lo - 1))  # all sold: the line goes, judged
    assert not calm
    assert not _same(fast, full, _order("Action T", lo - 2))[0]  # more than held: refused


def test_an_issuer_cap_s_warning_level_through_an_order():
    # at 90 %: (4 000 000 + d) ≤ 4,5 % · (99 000 000 + d) for d ≤ 455 000 / 0,955 = 476 439,79 cents
    pf = portfolio(line(1, 950_000, label="OAT"), line(2, 40_000, label="Action T", quantite=1))
    fast, full, i = _engines(pf, "90 %", "Action T")
    assert fast._calm[i][1] == 476_439
    assert _same(fast, full, _order("Action T", 476_439))[0]
    calm, out = _same(fast, full, _order("Action T", 476_440))
    assert not calm and out.effect == "neutre" and out.warnings


def test_a_share_floor_through_a_sale_and_through_the_base():
    # 34 % floor: OAT 35 000 000 of 100 000 000 cents; a sale d ≥ -1 000 000 / 0,66, a buy of the fund d ≤ 2 941 176
    pf = portfolio(line(1, 350_000, label="OAT"), line(8, 650_000, label="FCP"))
    fast, full, i = _engines(pf, "1", "OAT")
    lo = fast._calm[i][0]
    assert lo == -1_515_151
    for d in _around(lo):
        calm, out = _same(fast, full, _order("OAT", d))
        assert calm == (d >= lo)
        assert out.effect == ("neutre" if d >= lo else "cree")
    fast, full, j = _engines(pf, "1", "FCP")
    hi = fast._calm[j][1]
    assert hi == 2_941_176
    for d in _around(hi):
        calm, out = _same(fast, full, _order("FCP", d))
        assert calm == (d <= hi) and out.effect == ("neutre" if d <= hi else "cree")


def test_a_share_cap_through_an_order():
    # 20 % of real estate: 10 000 000 + d ≤ 20 % · (100 000 000 + d) for d ≤ 12 500 000 (two buildings of 5 %
    # at most each: the building cap bites first, at d ≤ 263 157)
    pf = portfolio(line(1, 900_000, label="OAT"), line(9, 40_000, label="Imm A", immeuble="A"),
                   line(9, 40_000, label="Imm B", immeuble="B"), line(9, 20_000, label="Imm C", immeuble="C"))
    fast, full, i = _engines(pf, "1", "Imm C")
    hi = fast._calm[i][1]
    assert hi == 3_157_894  # (2 000 000 + d) ≤ 5 % · (100 000 000 + d)
    for d in _around(hi):
        assert _same(fast, full, _order("Imm C", d))[0] == (d <= hi)
    fast, full, j = _engines(pf, "1", "OAT")  # a sale of the State bond: the buildings' share of a smaller base
    lo = fast._calm[j][0]
    for d in _around(lo):
        assert _same(fast, full, _order("OAT", d))[0] == (d >= lo)


def test_a_holding_cap_through_a_quantity_and_pro_rata():
    pf = portfolio(line(1, 950_000, label="OAT"),
                   line(2, 40_000, label="Action T", quantite=90_000, quantite_emise=1_000_000))
    fast, full, i = _engines(pf, "1", "Action T")
    lo, hi, hp, qcap = fast.calm_interval(i)
    q = fast.q[i]
    assert isinstance(qcap, Fraction) and Fraction(99_999) < qcap <= Fraction(100_000)
    room = Decimal(qcap.numerator) / Decimal(qcap.denominator) - Decimal(q)
    assert _same(fast, full, _order("Action T", 100, room))[0]
    assert not _same(fast, full, _order("Action T", 100, room + Decimal("0.000000001")))[0]
    calm, out = _same(fast, full, _order("Action T", 100, Decimal(10_001)))
    assert not calm and out.effect == "cree"
    assert hp is not False and hp < hi
    for d in _around(hp):
        assert _same(fast, full, _order("Action T", d))[0] == (d <= hp)
    assert not _same(fast, full, _order("Action T", -100, Decimal(90_001)))[0]  # more sold than held: refused


def test_an_order_made_forgets_the_calm_intervals():
    pf = portfolio(line(1, 950_000, label="OAT"), line(2, 40_000, label="Action T", quantite=1))
    fast, full, i = _engines(pf, "1", "Action T")
    assert fast._calm
    for e in (fast, full):
        e.apply(_order("OAT", -10_000_000))  # the base shrinks: the issuer's room with it
    assert not fast._calm and fast._table is None  # the table of every line's interval is of the state as loaded
    for _ in range(2):  # the line's rules found on its first order after, its interval made on the next
        _same(fast, full, _order("Action T", 100))
    hi = fast._calm[i][1]
    assert hi == (5 * 89_000_000 - 100 * 4_000_000) // 95  # (4 000 000 + d) ≤ 5 % · (89 000 000 + d)
    for d in _around(hi):
        assert _same(fast, full, _order("Action T", d))[0] == (d <= hi)
    kept = dict(fast._calm)
    with fast.scratch():
        fast.apply(_order("Action T", 1000))
        assert not fast._calm  # the block's state is another one
        _same(fast, Engine(fast.portfolio(), DATE, warning="1", judge_all=True), _order("Action T", 100))
    assert fast._calm == kept  # the orders undone, the intervals of before hold again
    for d in _around(hi):
        assert _same(fast, full, _order("Action T", d))[0] == (d <= hi)
    assert_same(fast, check(fast.portfolio(), date=DATE))


@st.composite
def compliant_holdings(draw):
    """Holdings that mostly meet their categories' conditions (every category, 4° and IFT included), beside a State
    bond: portfolios whose rules are quiet, near their limits, so that orders fall within and beyond calm bounds."""
    lines = []
    issuers = ["TotalEnergies SE", "Air Liquide SA", "Orange SA", "Vinci SA", "Sanofi SA"]
    for k in range(draw(st.integers(1, 10))):
        cat = draw(st.sampled_from(CATS[:-1]))
        euros = draw(st.integers(1, 400_000)) if cat != "IFT" else draw(st.sampled_from([-1, 1])) * draw(
            st.integers(1, 20_000))
        cols = {}
        if cat in ("2", "3", "4", "7", "11", "12", "13"):
            cols["emetteur"] = draw(st.sampled_from(issuers))
        if cat in ("9", "10"):
            cols["immeuble"] = draw(st.sampled_from(["IMM-1", "IMM-2", "IMM-3"]))
        if cat in ("1", "2", "3", "4", "6", "7") and draw(st.booleans()):
            cols["quantite"] = draw(st.sampled_from([1, 500, 90_000, 150_000]))
            cols["quantite_emise"] = draw(st.sampled_from([1_000_000, 1_000_000_000]))
        if draw(st.integers(0, 6)) == 0:
            cols["poche"] = "gestion"
        if cat == "13" and draw(st.integers(0, 3)) == 0:
            cols["exclusion"] = "echeance_trimestrielle"
        if draw(st.integers(0, 8)) == 0:
            cols["devise"] = "USD"
        lines.append(line(cat, euros, label=f"Ligne {k}", **cols))
    lines.append(line(1, draw(st.sampled_from([1_000_000, 3_000_000, 8_000_000, 20_000_000])), label="OAT lest"))
    return lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_orders_at_and_around_the_calm_bounds_give_what_judging_every_rule_gives(data):
    """Random portfolios (every category, 4° and IFT included), a random order set made first or not, then orders
    on one held line at, just within and just beyond each bound of its calm interval (amounts, pro rata and by
    quantity): the engine answers as judging every touched rule does."""
    lines = data.draw(st.one_of(holdings(), compliant_holdings()))
    pf = portfolio(*lines)
    warning = data.draw(st.sampled_from(["0,5", "90 %", "1"]))
    fast, full = Engine(pf, DATE, warning=warning), Engine(pf, DATE, warning=warning, judge_all=True)
    if data.draw(st.booleans()):
        orders = orders_from_records(data.draw(order_sets(lines)))
        try:
            full.apply_all(orders)
        except InputError:
            pass
        else:
            fast.apply_all(orders)
    k = data.draw(st.integers(0, len(lines) - 1))
    label = lines[k]["libelle"]
    seed = _order(label, data.draw(st.integers(1, 50_000_00)))
    for _ in range(2):
        _same(fast, full, seed)
    kind, i, _ = fast._resolve(seed)
    c = fast.calm_interval(i)
    amounts = [data.draw(st.integers(-40_000_000, 40_000_000)) for _ in range(3)]
    quantities = [None]
    if c:
        lo, hi, hp, qcap = c
        amounts += _around(lo) + _around(hi) + _around(hp)
        q = fast.q[i]
        if isinstance(qcap, Fraction) and q is not None:
            room = Decimal(qcap.numerator) / Decimal(qcap.denominator) - Decimal(Fraction(q).numerator) / \
                Decimal(Fraction(q).denominator)
            quantities += [abs(room), abs(room) + Decimal("0.000000001"), abs(room) - Decimal("0.000000001")]
    for d in amounts:
        if d == 0 or abs(d) >= 10**16:  # no order of 10¹⁴ € or more is read
            continue
        for qty in quantities:
            if qty is not None and qty <= 0:
                continue
            _same(fast, full, _order(label, d, qty))
    assert fast.summary() == full.summary()
