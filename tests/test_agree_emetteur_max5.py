"""R623-10-1/emetteur-max5: a purchase that takes one legal person over 5 % — the checker, the engine after the order, the optimizer's rows at its solution and
the report's figures agree (tests/agreement.py)."""

from __future__ import annotations

from agreement import agree
from helpers import ballast, line

RULE = "R623-10-1/emetteur-max5"
LINES = [ballast(955_000), line(7, 45_000, isin="FR0000120271", emetteur="TotalEnergies SE")]
ORDERS = [{"isin": "FR0000120271", "montant": 10_000}]


def test_the_order_creates_the_breach_and_the_four_consumers_agree():
    agree(RULE, LINES, ORDERS, expect="breach")


def test_before_the_order_the_rule_is_kept_and_the_four_consumers_agree():
    agree(RULE, LINES, [], expect="ok", optimize=False)


def test_a_line_without_its_issuer_is_in_the_table_as_the_checker_finds_it():
    """A line of a capped category without an issuer is counted alone: the checker's finding, the kind's figures
    and the report's issuer table (« (sans émetteur) ») say the same of it."""
    lines = LINES + [line(7, 60_000, label="Action sans émetteur", emetteur=None)]
    res = agree(RULE, lines, [], expect="breach", optimize=False)
    assert any(f.subject == "Action sans émetteur" for f in res.findings)
