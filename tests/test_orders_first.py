"""A line's first order, and an order that adds a line, answered on the engine as loaded: every rule's calm interval
of every line is made at once when the engine is built (`RuleKind.calm_all`), and a new line's by each rule
(`RuleKind.calm_new`), so that such an order is told by comparisons. The answer is the one judging every rule gives,
and the statuses those of a full check of the portfolio after the order."""

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
from reserves.pretrade.orders import apply_orders, orders_from_records
from test_orders_calm import compliant_holdings
from test_orders_incremental import CATS, DATE, ISSUERS, holdings

NEW_ISSUERS = ISSUERS[:4] + ["Émetteur nouveau SA", None]


def _rec(label: str, cents: int, quantity=None, **cols) -> dict:
    sign, c = ("-" if cents < 0 else ""), abs(cents)
    rec = {"libelle": label, "montant": f"{sign}{c // 100},{c % 100:02d}", **cols}
    if quantity is not None:
        rec["quantite"] = str(quantity).replace(".", ",")
    return rec


@st.composite
def new_line(draw, k: int) -> dict:
    """An order adding a line of any category (4° and IFT included), compliant or not, with or without quantities."""
    cat = draw(st.sampled_from(CATS))
    cols = {}
    if cat not in ("1", "9", "IFT", "AUTRE"):
        cols["emetteur"] = draw(st.sampled_from(NEW_ISSUERS))
    if cat in ("9", "10"):
        cols["immeuble"] = draw(st.sampled_from(["IMM-1", "IMM-9", None]))
    if cat in ("5", "6", "8"):
        cols["forme_juridique"] = draw(st.sampled_from(["SICAV", "FCP", None]))
    if draw(st.booleans()):
        cols["quantite"] = draw(st.sampled_from([None, 1, 500, 90_000, 150_000]))
        cols["quantite_emise"] = draw(st.sampled_from([None, 1_000_000, 1_000_000_000]))
    if draw(st.integers(0, 6)) == 0:
        cols["poche"] = "gestion"
    if draw(st.integers(0, 6)) == 0:
        cols["devise"] = "USD"
    if draw(st.integers(0, 6)) == 0:
        cols["conservation"] = "non"
    rec = line(cat, 1, label=f"Nouvelle {k}", **cols)
    rec.pop("valeur")
    return rec


def _same(fast: Engine, full: Engine, pf, rec: dict, warning) -> bool:
    """The order tried on an engine as loaded (its line never touched) and on one that judges every rule: the same
    answer or the same refusal, and the statuses of a full check of the portfolio after it; True when the engine
    answered by comparisons alone."""
    order = orders_from_records([rec]).items[0]
    try:
        expected = full.try_order(order)
    except InputError as e:
        with pytest.raises(InputError) as got:
            fast.try_order(orders_from_records([rec]).items[0])
        assert str(got.value) == str(e)
        return False
    order = orders_from_records([rec]).items[0]
    calm = fast._calm_one(order)
    got = fast.try_order(order)
    for out in (calm, got) if calm is not None else (got,):
        assert out.to_dict() == expected.to_dict()
        assert out.rules_after == expected.rules_after
    after = check(apply_orders(pf, [orders_from_records([rec]).items[0]], date=DATE), date=DATE)
    assert got.rules_after == {r.spec.id: r.status for r in after.results}
    assert got.status_after == after.status
    if calm is not None:  # told calm: nothing beyond the warning level after, nothing created nor worsened
        assert got.effect == "neutre" and not got.changes and not got.warnings
    return calm is not None


def _around(x) -> list:
    return [] if x is None or x is False else [x - 1, x, x + 1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_first_orders_and_new_lines_give_what_a_full_check_of_the_portfolio_after_gives(data):
    """Random portfolios (every category, 4° and IFT included); orders each on a line no order touched before
    (buys, sales, sales to zero, by value or by quantity, at and around the bounds of the line's interval as the
    engine was built with it), and orders adding a line of every category, at and around their bounds."""
    lines = data.draw(st.one_of(holdings(), compliant_holdings(), compliant_holdings()))  # mostly quiet rules
    pf = portfolio(*lines)
    warning = data.draw(st.sampled_from(["0,5", "90 %", "1"]))
    fast, full = Engine(pf, DATE, warning=warning), Engine(pf, DATE, warning=warning, judge_all=True)
    total = max(sum(abs(int(Decimal(str(ln["valeur"])) * 100)) for ln in lines), 100)
    scales = st.sampled_from([Fraction(1, 10_000), Fraction(1, 100), Fraction(1, 20), Fraction(1, 8), Fraction(1, 3),
                              Fraction(1), Fraction(4)])
    told = 0
    ks = data.draw(st.permutations(range(len(lines))))[:data.draw(st.integers(1, len(lines)))]
    for k in ks:
        label = lines[k]["libelle"]
        held = int(Decimal(str(lines[k]["valeur"])) * 100)
        i = fast._resolve(orders_from_records([_rec(label, 100)]).items[0])[1]
        c = fast.calm_interval(i)
        # sold to zero, bought or sold by some share of the portfolio, at and around the interval's bounds
        amounts = [-held] + [int(total * data.draw(scales)) * data.draw(st.sampled_from([1, -1]))
                             + data.draw(st.integers(-100, 100)) for _ in range(3)]
        quantities = [None]
        if c:
            lo, hi, hp, qcap = c
            amounts += _around(lo) + _around(hi) + _around(hp)
            q = fast.q[i]
            if qcap is not None and q is not None:
                room = _dec(Fraction(qcap)) - _dec(Fraction(q))
                quantities += [abs(room), abs(room) + Decimal("0.000000001"), abs(room) - Decimal("0.000000001")]
        for d in amounts:
            if d == 0 or abs(d) >= 10**16:  # no order of 10¹⁴ € or more is read
                continue
            qty = data.draw(st.sampled_from(quantities))
            told += _same(fast, full, pf, _rec(label, d, qty if qty is None or qty > 0 else None), warning)
    for k in range(data.draw(st.integers(1, 4))):
        rec = data.draw(new_line(k))
        d = max(int(total * data.draw(scales)) + data.draw(st.integers(-100, 100)), 1)
        rec = {**rec, "montant": f"{d // 100},{d % 100:02d}"}
        if _same(fast, full, pf, rec, warning):  # told calm: at and around its bounds (the last one asked)
            order = orders_from_records([rec]).items[0]
            assert fast._calm_one(order) is not None
            lo, hi = fast._calm_new[id(order.new_line(fast)[0])][1][:2]
            for d in _around(lo) + _around(hi):
                if 0 < d < 10**16:
                    _same(fast, full, pf, {**rec, "montant": f"{d // 100},{d % 100:02d}"}, warning)
    assert fast.summary() == full.summary()



def _dec(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def test_a_first_order_is_told_by_comparisons_on_the_engine_as_loaded():
    # b = 990 000 €, the issuer 40 000 €: (4 000 000 + d) ≤ 5 % · (99 000 000 + d) for d ≤ 1 000 000 cents
    pf = portfolio(line(1, 950_000, label="OAT"), line(2, 40_000, label="Action T", quantite=1))
    fast, full = Engine(pf, DATE, warning="1"), Engine(pf, DATE, warning="1", judge_all=True)
    assert fast._table is not None
    i = fast._resolve(orders_from_records([_rec("Action T", 100)]).items[0])[1]
    lo, hi, hp, qcap = fast.calm_interval(i)
    assert (lo, hi) == (1 - 4_000_000, 1_000_000)
    assert _same(fast, full, pf, _rec("Action T", hi), "1")
    assert not fast._cares  # no rule was handed a change
    fresh = Engine(pf, DATE, warning="1")
    assert not _same(fresh, full, pf, _rec("Action T", hi + 1), "1")  # beyond: judged (a breach created)


def test_a_new_line_is_told_by_comparisons():
    pf = portfolio(line(1, 950_000, label="OAT"), line(2, 40_000, label="Action T", emetteur="Orange SA"))
    fast, full = Engine(pf, DATE, warning="1"), Engine(pf, DATE, warning="1", judge_all=True)
    new = line(2, 1, label="Action nouvelle", emetteur="Émetteur nouveau SA", quantite=10, quantite_emise=1_000)
    new.pop("valeur")
    # alone in its issuer: 10 / 1 000 of the issue; d ≤ 5 % · (99 000 000 + d) for d ≤ 5 210 526 cents
    assert _same(fast, full, pf, {**new, "montant": "52105,26"}, "1")
    assert not _same(fast, full, pf, {**new, "montant": "52105,27"}, "1")
    joined = {**new, "emetteur": "Orange SA"}  # with Orange's 40 000 €: 4 000 000 + d ≤ 5 % · (99 000 000 + d)
    assert _same(fast, full, pf, {**joined, "montant": "10000,00"}, "1")
    assert not _same(fast, full, pf, {**joined, "montant": "10000,01"}, "1")
    over = {**new, "quantite": 101}  # 101 / 1 000 of the issue: over the 10 % holding cap, judged
    assert not _same(fast, full, pf, {**over, "montant": "100,00"}, "1")
    assert not fast._cares and not fast.new_lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_every_line_s_interval_made_at_once_is_the_one_made_line_by_line(data):
    """The intervals made for every line when the engine is built (`calm_all`) are those each rule's `calm` gives
    once the line's rules are known (its first change handed to them): the same bounds in cents; a quantity cap no
    higher, and below it by at most 10⁻¹⁰ of it (the holding cap's float sums are made again exactly on the line's
    first change); no interval where there is none."""
    lines = data.draw(st.one_of(holdings(), compliant_holdings()))
    pf = portfolio(*lines)
    warning = data.draw(st.sampled_from(["0,5", "90 %", "1"]))
    fast, slow = Engine(pf, DATE, warning=warning), Engine(pf, DATE, warning=warning)
    assert fast._table is not None
    slow._table = None  # line by line, as after an order made
    alike = any(getattr(s, "alike", None) is not None for s in slow.states)
    for k, ln in enumerate(lines):
        order = orders_from_records([_rec(ln["libelle"], 1)]).items[0]
        try:
            for _ in range(2):  # the line's rules found on its first order, its interval made on the next
                slow.try_order(order)
        except InputError:
            continue
        i = slow._resolve(order)[1]
        a, b = fast.calm_interval(i), slow.calm_interval(i)
        if b is None or (alike and not a):
            continue
        assert bool(a) == bool(b), (k, a, b)
        if not a:
            continue
        assert a[:2] == b[:2], (k, a, b)
        (_, _, hpa, qa), (_, _, hpb, qb) = a, b
        if qb is None or qb == float("inf"):
            assert qa is None and hpa == hpb, (k, a, b)
        else:
            assert qa is not None and qa <= qb and qb - qa <= abs(qb) * Fraction(1, 10**10) + Fraction(1, 10**8), (k, a, b)
            assert hpa is False or hpb is not False and hpa <= hpb, (k, a, b)


def test_a_sale_of_an_issuer_s_line_is_bounded_by_the_next_issuer_as_the_base_shrinks():
    # b = 1 000 000 €: a fund of unknown legal form, 48 000 € (4,8 % if it counts), Orange 50 000 € (5 %); selling
    # Orange by d keeps the fund within 5 % at worst while 4 800 000 ≤ 5 % · (100 000 000 + d), d ≥ -4 000 000 cents
    pf = portfolio(line(1, 902_000, label="OAT"),
                   line(5, 48_000, label="Fonds A", emetteur="Fonds Alpha", forme_juridique=None),
                   line(2, 50_000, label="Action O", emetteur="Orange SA"))
    fast, full = Engine(pf, DATE, warning="1"), Engine(pf, DATE, warning="1", judge_all=True)
    i = fast._resolve(orders_from_records([_rec("Action O", 100)]).items[0])[1]
    lo, hi = fast.calm_interval(i)[:2]
    assert (lo, hi) == (-4_000_000, 0)  # and no buy: Orange is at 5 % already
    assert _same(fast, full, pf, _rec("Action O", lo), "1")
    assert not _same(Engine(pf, DATE, warning="1"), full, pf, _rec("Action O", lo - 1), "1")
