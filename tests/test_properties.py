"""Properties of the checker over random portfolios (hypothesis).

- Scaling every value by the same factor changes no verdict: the limits are shares.
- Selling part of a line never worsens a cap that the line counts toward.
- The euros a finding asks to sell (or buy) are exactly enough: moving them brings the rule back
  within its limit, and one cent less does not.
- The order of the lines changes nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.checker import check
from constraints.rules import BREACH, OK, UNKNOWN_S
from reserves.portfolio.parsing import TRUE
from helpers import eur, line, portfolio

DAY = dt.date(2016, 12, 31)
PROFILE = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

SHARE_CAPS = ["R623-10-1/fcpr-max5", "R623-10-1/immobilier-max20", "R623-10-1/prets-max10"]
GROUP_CAPS = ["R623-10-1/emetteur-max5", "R623-10-1/immeuble-max5"]
CATS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "IFT", "AUTRE"]
ISSUERS = ["Alpha SA", "Beta SA", "Gamma SA", "Delta SA", None]
BUILDINGS = ["IMM-A", "IMM-B", "IMM-C", None]
MAYBE = st.sampled_from(["oui", "non", None])


@st.composite
def holdings(draw, min_lines=1, max_lines=14, positive=False):
    """A random portfolio: lines of any category, issuers and buildings shared between lines, some
    answers missing, a few lines in the gestion pocket or excluded, forwards possibly negative."""
    n = draw(st.integers(min_lines, max_lines))
    lines = [line(1, eur(draw(st.integers(1, 10**9))), label="OAT lest")]  # a neutral place for moved euros
    for k in range(n):
        cat = draw(st.sampled_from(CATS + ["6", "6", "9", "12"]))  # the capped categories a little more often
        low = 1 if positive or cat != "IFT" else -(10**8)
        cents = draw(st.integers(low, 10**9))
        columns = {"emetteur": draw(st.sampled_from(ISSUERS)), "devise": draw(st.sampled_from(["EUR", "EUR", "USD"]))}
        if cat in ("9", "10"):
            columns["immeuble"] = draw(st.sampled_from(BUILDINGS))
        if cat in ("5", "6", "8"):
            columns["forme_juridique"] = draw(st.sampled_from(["SICAV", "FCP", "SPPICAV", None]))
        if cat == "5":
            columns["fonds_euro_1_4"] = draw(MAYBE)
        if draw(st.integers(0, 9)) == 0:
            columns["poche"] = "gestion"
        elif cat == "13" and draw(st.booleans()):
            columns["exclusion"] = "echeance_trimestrielle"
        if draw(st.integers(0, 4)) == 0:
            columns["conservation"] = draw(MAYBE)
        if draw(st.integers(0, 4)) == 0:
            columns["quantite"] = draw(st.sampled_from([None, 1, 50, 200]))
        lines.append(line(cat, eur(cents), label=f"ligne {k}", **columns))
    return lines


def statuses(v) -> dict:
    return {r.spec.id: r.status for r in v.results}


@PROFILE
@given(holdings(), st.integers(2, 10**6))
def test_scaling_every_value_changes_no_verdict(lines, k):
    pf = portfolio(*lines)
    before = check(pf, date=DAY)
    scaled = check(pf.with_values(pf.lines["value"].to_numpy() * k), date=DAY)
    assert statuses(scaled) == statuses(before)
    assert scaled.total == before.total * k and scaled.base == before.base * k
    for a, b in zip(before.findings, scaled.findings):
        assert (a.rule, a.status, a.subject, a.rows) == (b.rule, b.status, b.subject, b.rows)
        if a.amount is not None and a.rule in SHARE_CAPS + GROUP_CAPS + ["R623-10-1/obligations-euro-min34"]:
            # amounts scale too, give or take the cent lost in rounding the allowed figure
            assert abs(b.amount - k * a.amount) <= k


_RANK = {None: 0, UNKNOWN_S: 1, BREACH: 2}


def _group_state(v, rule_id, subject):
    """(rank, euros to sell) of the finding of `rule_id` about `subject`; (0, 0) when there is none."""
    for f in v.result(rule_id).findings:
        if rule_id in SHARE_CAPS or f.subject == subject:
            return _RANK[f.status], (f.amount or 0)
    return 0, 0


def _subject(pf, j, rule_id):
    L = pf.lines
    if rule_id == "R623-10-1/emetteur-max5":
        return L["issuer"][j] or L["label"][j]
    if rule_id == "R623-10-1/immeuble-max5":
        return L["property"][j] or L["issuer"][j] or L["label"][j]
    return None


def _counts_toward(v, rule_id, pf, j) -> bool:
    from constraints.rules import Context, build

    ctx = Context(pf, v.version, DAY)
    (rule,) = [r for r in build(v.version) if r.id == rule_id]
    if rule_id in SHARE_CAPS:
        return bool(rule.numerator(ctx)[j])
    idx, _, _, _, counted, loose = rule.groups(ctx)
    # a fund whose legal form is unknown may or may not count: selling it only shrinks the base
    sure = idx[counted == TRUE]
    return j in set(sure.tolist()) | set(np.asarray(loose).tolist())


@PROFILE
@given(holdings(positive=True), st.data())
def test_selling_part_of_a_line_never_worsens_a_cap_it_counts_toward(lines, data):
    """The proceeds leave the reserves (the harder case: the base shrinks too)."""
    pf = portfolio(*lines)
    before = check(pf, date=DAY)
    j = data.draw(st.integers(0, len(pf.lines) - 1))
    value = pf.lines["value"].to_numpy().copy()
    sold = data.draw(st.integers(1, int(value[j])))
    value[j] -= sold
    after = check(pf.with_values(value), date=DAY)
    for rule_id in SHARE_CAPS + GROUP_CAPS:
        if not _counts_toward(before, rule_id, pf, j):
            continue
        subject = _subject(pf, j, rule_id)
        r0, a0 = _group_state(before, rule_id, subject)
        r1, a1 = _group_state(after, rule_id, subject)
        assert r1 <= r0, (rule_id, subject, r0, r1)
        if r0 == r1 == 2:
            assert a1 <= a0, (rule_id, subject, a0, a1)


def _move(value, members, amount, to):
    """Take `amount` cents from the `members` lines (largest first) and put them on line `to`."""
    value = value.copy()
    left = amount
    for i in sorted(members, key=lambda i: -value[i]):
        take = min(left, int(value[i]))
        value[i] -= take
        left -= take
        if left == 0:
            break
    assert left == 0
    value[to] += amount
    return value


@PROFILE
@given(holdings(positive=True, min_lines=3))
def test_the_euros_to_sell_are_exactly_enough(lines):
    pf = portfolio(*lines)
    v = check(pf, date=DAY)
    rows = pf.lines["row"].tolist()
    ballast = 0  # the OAT of category 1: in no cap, in the base, in the 34 % floor
    for rule_id in SHARE_CAPS + GROUP_CAPS:
        for f in v.result(rule_id).findings:
            if f.status != BREACH:
                continue
            members = [rows.index(r) for r in f.rows]
            value = pf.lines["value"].to_numpy()
            moved = check(pf.with_values(_move(value, members, f.amount, ballast)), date=DAY)
            # back within the limit (a group may stay "à vérifier" for the data it lacks, never a breach)
            assert _group_state(moved, rule_id, f.subject)[0] < 2, (rule_id, f.subject, f.amount)
            short = check(pf.with_values(_move(value, members, f.amount - 1, ballast)), date=DAY)
            assert _group_state(short, rule_id, f.subject)[0] == 2, (rule_id, f.subject, f.amount)


@PROFILE
@given(holdings(positive=True, min_lines=2))
def test_the_euros_to_buy_for_the_34_percent_floor_are_exactly_enough(lines):
    rule_id = "R623-10-1/obligations-euro-min34"
    pf = portfolio(*lines)
    v = check(pf, date=DAY)
    L = pf.lines
    # shrink the ballast so that the floor is often broken
    value = L["value"].to_numpy().copy()
    value[0] = 1
    pf = pf.with_values(value)
    v = check(pf, date=DAY)
    res = v.result(rule_id)
    if res.status != BREACH:
        return
    (f,) = res.findings
    from constraints.rules import Context, build

    ctx = Context(pf, v.version, DAY)
    (rule,) = [r for r in build(v.version) if r.id == rule_id]
    outside = np.flatnonzero(ctx.base_masks["reserves_less_excluded"] & ~rule.numerator(ctx))
    moved = check(pf.with_values(_move(value, outside.tolist(), f.amount, 0)), date=DAY)
    assert moved.result(rule_id).status == OK
    short = check(pf.with_values(_move(value, outside.tolist(), f.amount - 1, 0)), date=DAY)
    assert short.result(rule_id).status == BREACH


@PROFILE
@given(holdings(), st.randoms(use_true_random=False))
def test_line_order_changes_no_verdict(lines, rnd):
    before = check(portfolio(*lines), date=DAY)
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    after = check(portfolio(*shuffled), date=DAY)
    assert statuses(after) == statuses(before)
    assert (after.total, after.base) == (before.total, before.base)
    key = lambda f: (f.rule, f.status, f.amount)  # noqa: E731
    assert sorted(map(key, after.findings), key=str) == sorted(map(key, before.findings), key=str)


# --------------------------------------------------------------------------- one legal person, however written

PERSONS = {"Société Générale": "O2RNE8IBXP4R0TD8PU41", "Air Liquide": "969500MHIJSVB68OTX46",
           "TotalEnergies": "529900S21EQ1BO4ESM68", "Crédit Agricole": "969500TJ5KRTCJQWXH05"}


def _folding_variants(name: str) -> list:
    """Spellings of one name that READING 5 folds together: case, accents, punctuation, spaces, legal forms."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return [name, name.upper(), name.lower(), plain, plain.upper(), f"{name} SA", f"{name} S.A.", f"{name} SE",
            f"{name} S.A.S.", f"{plain} société anonyme", name.replace(" ", ""), name.replace(" ", "-"),
            f"  {name}  ", f"{name}, SA", f"{name.upper()} S.A"]


@st.composite
def person_lines(draw):
    lines = [line(1, eur(draw(st.integers(10**8, 10**9))), label="OAT lest")]
    for k in range(draw(st.integers(1, 10))):
        cat = draw(st.sampled_from(["2", "3", "7", "10", "11", "13"]))
        name = draw(st.sampled_from(list(PERSONS)))
        lines.append(line(cat, eur(draw(st.integers(1, 10**8))), label=f"ligne {k}", emetteur=name,
                          quantite=draw(st.sampled_from([1, 50, 200])), quantite_emise=1000, isin=None))
    return lines


@PROFILE
@given(person_lines(), st.data())
def test_renaming_an_issuer_or_adding_its_lei_never_changes_a_verdict(lines, data):
    before = check(portfolio(*lines), date=DAY)
    renamed = []
    for ln in lines:
        ln = dict(ln)
        name = ln.get("emetteur")
        if name in PERSONS:
            ln["emetteur"] = data.draw(st.sampled_from(_folding_variants(name)))
            if data.draw(st.booleans()):
                ln["lei"] = PERSONS[name]
        renamed.append(ln)
    after = check(portfolio(*renamed), date=DAY)
    assert statuses(after) == statuses(before)
    for a, b in zip(before.findings, after.findings):
        assert (a.rule, a.status, a.rows, a.amount) == (b.rule, b.status, b.rows, b.amount)
