"""R. 139-46 in the optimizer: the issue of an issuer is counted, as the checker counts it, from the securities held
(valeur / quantite × quantite_emise of each ISIN, without `encours_emetteur`, RR 9): a security sold out leaves the
denominator. The optimizer states with a binary per security whether it stays held (at least one unit) or is sold
out (its issue out), so it neither proposes a sale that breaks the cap at the re-check, nor refuses one that keeps
it. Real files, the real solver, the real checker."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_optimizer_r139_contracts import rules, solve, states, write  # noqa: E402

COSTS = {"natures": {"obligation": 100, "tcn": 0}, "default": 100}  # the TCN is free to sell, the bond is not


def bond(label, isin, units, issued, nature="obligation", price=1000):
    return dict(libelle=label, nature=nature, valeur=units * price, devise="EUR", isin=isin, emetteur="Émetteur X",
                pays="FR", groupe="Émetteur X", conservation="oui", cotation="eee", type_emetteur="autre",
                quantite=units, quantite_emise=issued)


def issuer_x(tmp_path, name, a_units, a_issued, b_units, b_issued):
    lines = [bond("X 2030", "FR00000000A0", a_units, a_issued), bond("X 2027", "FR00000000B8", b_units, b_issued,
                                                                      nature="tcn")]
    total = sum(x["valeur"] for x in lines)
    return write(tmp_path / name, [*states(200_000_000 - total), *lines])


def test_selling_out_a_security_that_leaves_the_rest_over_5_percent_is_not_proposed(tmp_path):
    # 5 M€ of a 40 M€ issue and 0.3 M€ of a 60 M€ issue: 5,3 % of X's debt. The free sale of the TCN whole would
    # leave 5 M€ of 40 M€ (12,5 %): the TCN stays held (one unit) and the bond is sold down instead
    path = issuer_x(tmp_path, "x.xlsx", 5000, 40_000, 300, 60_000)
    p = solve(path, objective="cost", costs_bps=COSTS)
    assert rules(p.before)["R139-46/creances-max5"] == "breach"
    assert p.status == "optimal", p.notes
    assert rules(p.after)["R139-46/creances-max5"] == "ok"
    by_row = {t["row"]: t for t in p.trades}
    assert not by_row[7]["whole"] and by_row[7]["after"] >= 100_000  # at least one unit of the TCN kept
    assert p.n_binaries >= 1


def test_a_security_kept_in_part_keeps_its_issue(tmp_path):
    # 4,9 M€ of a 100 M€ issue and 0,6 M€ of a 1 M€ issue: 5,45 %. Kept, the TCN's issue stays in the denominator:
    # 0,45 M€ of it sold (free) brings X to 5 % of 101 M€; the bond is not touched
    path = issuer_x(tmp_path, "y.xlsx", 4900, 100_000, 600, 1_000)
    p = solve(path, objective="cost", costs_bps=COSTS)
    assert rules(p.before)["R139-46/creances-max5"] == "breach"
    assert p.status == "optimal" and rules(p.after)["R139-46/creances-max5"] == "ok"
    (t,) = [t for t in p.trades if t["row"] == 7]
    assert not t["whole"] and 14_000_000 <= t["after"] <= 15_000_000
    assert not [t for t in p.trades if t["row"] == 6]


def test_a_security_that_must_go_takes_its_issue_with_it(tmp_path):
    # the TCN is not held in custody (R. 139-23): it is sold whole; its issue leaves the denominator, so the bond
    # (5 M€ of 90 M€, 5,6 %) is sold down to 5 % of its own issue
    lines = [bond("X 2030", "FR00000000A0", 5000, 90_000), dict(bond("X 2027", "FR00000000B8", 100, 60_000,
                                                                     nature="tcn"), conservation="non")]
    path = write(tmp_path / "w.xlsx", [*states(200_000_000 - 5_100_000), *lines])
    p = solve(path)
    assert p.status == "optimal", p.notes
    assert rules(p.after)["R139-46/creances-max5"] == "ok"
    by_row = {t["row"]: t for t in p.trades}
    assert by_row[7]["whole"] and by_row[6]["after"] <= 450_000_000


def test_under_the_cap_with_both_securities_nothing_to_do(tmp_path):
    path = issuer_x(tmp_path, "z.xlsx", 4700, 40_000, 300, 60_000)  # 5 M€ of 100 M€: at 5 %
    assert solve(path, objective="cost", costs_bps=COSTS).status == "nothing_to_do"
