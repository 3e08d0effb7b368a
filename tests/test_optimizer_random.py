"""Random portfolios: every proposal passes the checker, and its optimum (turnover or cost) equals the one
scipy's linprog finds for the same problem, stated here again from the law (R. 623-3 IV, R. 623-7,
R. 623-10-1 and READING 3 to 8) rather than from the optimizer's matrix builder. Only the limits
themselves are read from the rulebook, their single source."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from constraints import rulebook
from optimizer import rebalance
from test_optimizer_helpers import line, portfolio

LAW = rulebook.latest()


def lim(rule_id) -> float:
    return float(LAW.rule(rule_id).limit())


CATS = [1, 1, 2, 2, 2, 3, 5, 6, 7, 7, 7, 9, 9, 10, 11, 13]


@st.composite
def portfolios(draw):
    n = draw(st.integers(5, 40))
    n_issuers = max(2, n // 3)
    n_buildings = max(1, n // 5)
    lines = [line("OAT socle", 1, draw(st.integers(100_000, 5_000_000)), issued=1e12)]
    issues = []  # (shares, issuer, quantity issued) of the issues drawn
    for i in range(n - 1):
        cat = draw(st.sampled_from(CATS))
        value = draw(st.integers(10_000_000, 1_000_000_000)) / 100  # euros, to the cent
        kw = {}
        if cat in (2, 3, 5, 6, 7, 10, 11, 13):
            kw["issuer"] = f"Émetteur {draw(st.integers(0, n_issuers - 1))}"
        if cat in (9, 10):
            kw["building"] = f"IMM-{draw(st.integers(0, n_buildings - 1))}"
        if cat == 7 and draw(st.integers(0, 4)) == 0:
            kw["currency"] = "USD"
        if cat == 10 and draw(st.integers(0, 5)) == 0:
            kw["biens_forestiers"] = "oui"  # R. 623-7: to be sold
        if cat == 5 and draw(st.booleans()):
            kw["forme_juridique"] = "SICAV"  # a fund with legal personality counts against the 5 % cap
        if cat in (1, 2, 3, 6, 7):
            kw["issued"] = (value / 100) * draw(st.sampled_from([5, 8, 12, 40, 1000]))
            twins = [d for d in issues if d[0] == (cat in (6, 7))]
            if twins and draw(st.integers(0, 3)) == 0:  # another line of an issue already drawn (READING 7)
                _, kw["issuer"], kw["issued"] = draw(st.sampled_from(twins))
            if "issuer" in kw:
                issues.append((cat in (6, 7), kw["issuer"], kw["issued"]))
        lines.append(line(f"Ligne {i}", cat, value, **kw))
    if draw(st.booleans()):
        lines.append(line("Disponibilités exclues", 13, draw(st.integers(100_000, 3_000_000)), issuer="Banque",
                          exclusion="echeance_trimestrielle"))
    return lines


def independent_lp(pf, cost=None, gone_rows=()):
    """min Σ w·(b + s) with h = v + b − s, written from the text of the law.

    `gone_rows`: lines of issues sold out, which leave the holding cap's denominator (READING 7: the
    securities held); the same problem as the optimizer's once it knows which issues leave."""
    L = pf.lines
    n = len(L)
    v = L["value"].to_numpy() / 100
    cat = L["category"].to_numpy()
    excluded = L["excluded"].to_numpy(dtype=bool)
    eur = (L["currency"] == "EUR").to_numpy()
    forest = (L["forest_assets"] == 2).to_numpy()
    issuer = L["issuer"].to_numpy()
    form = L["legal_form"].to_numpy()
    building = L["property"].to_numpy()
    q, qi = L["quantity"].to_numpy(dtype=float), L["quantity_issued"].to_numpy(dtype=float)
    gone = np.isin(L["row"].to_numpy(), list(gone_rows))
    base = ~excluded  # R. 623-10-1 base: the reserves less the excluded cash (READING 3)
    B = v[base].sum()
    T = v.sum()  # R. 623-3 IV: the whole reserves pocket
    A_ub, b_ub = [], []

    def cap(mask, share, total):  # Σ_mask h ≤ share·total  ⇔  Σ_mask (b − s) ≤ share·total − Σ_mask v
        row = np.where(mask, 1.0, 0.0)
        A_ub.append(np.concatenate([row, -row]))
        b_ub.append(share * total - v[mask].sum())

    def floor(mask, share, total):
        row = np.where(mask, 1.0, 0.0)
        A_ub.append(np.concatenate([-row, row]))
        b_ub.append(v[mask].sum() - share * total)

    floor(eur, lim("R623-3/euro-90"), T)
    floor(base & eur & np.isin(cat, [1, 2, 3, 4]), lim("R623-10-1/obligations-euro-min34"), B)
    cap(base & (cat == 6), lim("R623-10-1/fcpr-max5"), B)
    cap(base & np.isin(cat, [9, 10]), lim("R623-10-1/immobilier-max20"), B)
    cap(base & np.isin(cat, [11, 12]), lim("R623-10-1/prets-max10"), B)
    # 5 % per legal person: 1° and buildings (9°) exempt, FCP units exempt (READING 5)
    counted = base & ~np.isin(cat, [1, 9]) & ~(np.isin(cat, [5, 6, 8]) & (form == "FCP"))
    for who in set(issuer[counted]):
        cap(counted & (issuer == who), lim("R623-10-1/emetteur-max5"), B)
    for b in set(building[base & np.isin(cat, [9, 10])]):
        cap(base & np.isin(cat, [9, 10]) & (building == b), lim("R623-10-1/immeuble-max5"), B)
    # 10 % of the securities of one issuer, 1° to 4°, 6° and 7° (READING 7), shares (6°, 7°) apart from debt
    # (1° to 4°), each issue once in the denominator: these lines have no ISIN, so lines of one issuer and class
    # with the same quantity issued are one issue
    for cls in ([6, 7], [1, 2, 3, 4]):
        scope = np.isin(cat, cls) & ~excluded
        for who in set(issuer[scope]):
            m = scope & (issuer == who)
            coef = np.where(m, q / v, 0.0)
            A_ub.append(np.concatenate([coef, -coef]))
            b_ub.append(lim("R623-10-1/detention-max10") * np.unique(qi[m & ~gone]).sum() - (coef * v).sum())
    A_eq = [np.concatenate([np.ones(n), -np.ones(n)])]  # no cash in or out
    bounds = []
    for j in range(n):  # buys: any held line but excluded cash; sells: up to the holding
        fixed = excluded[j]
        bounds.append((0, 0) if fixed or forest[j] or gone[j] else (0, None))
    for j in range(n):
        if excluded[j]:
            bounds.append((0, 0))
        elif forest[j] or gone[j]:
            bounds.append((v[j], v[j]))  # R. 623-7: no forests, the line is sold
        else:
            bounds.append((0, v[j]))
    w = np.ones(n) if cost is None else cost
    res = linprog(np.concatenate([w, w]), A_ub=sp.csr_matrix(np.array(A_ub)), b_ub=np.array(b_ub),
                  A_eq=np.array(A_eq), b_eq=[0.0], bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return res.fun, B


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(portfolios(), st.sampled_from(["turnover", "cost"]), st.data())
def test_random_proposals_pass_the_checker_and_match_an_independent_solver(lines, objective, data):
    pf = portfolio(lines)
    costs = None
    rate = None
    if objective == "cost":
        bps = {c: data.draw(st.integers(1, 200)) for c in (1, 2, 3, 5, 6, 7, 9, 10, 11, 13)}
        costs = {str(c): b for c, b in bps.items()}
        rate = np.array([bps[int(c)] / 10_000 for c in pf.lines["category"]])
    # the independent model knows the law alone: no purchase cap, every line may be bought
    p = rebalance(pf, objective=objective, costs_bps=costs, buy_cap=None, restrict_buys=False)  # raises if refused
    assert p.status == "optimal"
    assert p.verdict_after.status == "ok"
    relaxed, _ = independent_lp(pf, rate)  # every security counted as held: a lower bound
    expected, B = independent_lp(pf, rate, p.settings["holding_left_rows"])
    t = {(x["row"]): x["montant"] for x in p.trades}
    rows = pf.lines["row"].to_numpy()
    w = np.ones(len(pf)) if rate is None else rate
    got = sum(w[i] * t.get(int(r), 0.0) for i, r in enumerate(rows))
    slack = 0.05 * len(pf) * (w.max()) + 1e-7 * B
    assert relaxed - 0.02 <= got
    assert expected - 0.02 <= got <= expected + slack + 0.05 * len(pf), (got, expected)
