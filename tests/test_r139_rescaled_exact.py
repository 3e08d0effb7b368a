"""R. 139-17, last paragraph: a fund's holdings are its inventory's values × k = V / Σvᵢ, and the limits are compared
exactly. The rescaled holdings are kept in cents, rounded: where that rounding could cross a limit, the exact values
decide. Each rule reading the look-through actif at, under and over its limit by a fraction of a cent:

- over: the holding is a fraction of a cent above the limit, rounded onto it (5 % + 0,4 cent: a breach);
- at: exactly at the limit (ok);
- under: a fraction of a cent under a limit that is not a whole number of cents, rounded above the cents allowed
  (a base of 9 999 999,99 €: 5 % is 499 999,9995 €; a holding of 499 999,9993 € is within it).

Funds of 1 000 000,00 € (a tenth of the base; 2 000 000,00 € for the currency) whose inventories sum to
10 000 000 000 €: a holding of x € of the inventory is x / 10 000 € (x / 5 000 €) of the body's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from heldout_r139 import B, CENT, Case, fill, fund_rows, isin, line, pct, play, sovereign

INV = Decimal(10_000_000_000)  # the inventory's total, euros
LINE = Decimal(1_000_000)  # the fund line, euros: k = 1 / 10 000


def inventory_part(body_euros: Decimal) -> Decimal:
    """The inventory value giving `body_euros` to the body through a 1 000 000,00 € line."""
    return body_euros * INV / LINE


# (tag, base of the case, how far the body's exact holding is from lim · base, status the text gives)
POINTS = [("over", B, Decimal("0.004"), "breach"), ("at", B, Decimal(0), "ok"),
          ("under", B - CENT, Decimal("-0.0002"), "ok")]


def fund_case(name, rule, lim, direct, via_lines, base, offset, want, nature="fonds_mutualise", other=(),
              line_value=LINE):
    """A fund line of 1 000 000,00 € whose holdings `via_lines(inventory euros)` give the body lim · base + offset
    less what it holds directly (`direct` euros, in the lines `other`)."""
    u = isin()
    h = (Decimal(lim) * base + offset - direct) * INV / line_value
    rest = INV - h
    inv = [*via_lines(h), sovereign(rest / 2, 1), sovereign(rest / 2, 2)]
    lines = fill([line(nature, line_value, f"Fonds {name}", isin=u), *other], base=base)
    return Case(name, lines, {rule: want}, want, transparence=fund_rows(u, inv))


CASES = []
for tag, base, off, want in POINTS:
    # R. 139-45 I 1°: one entity, 5 %, all through the fund
    CASES.append(fund_case(f"45-1-{tag}", "R139-45/entite-max5", "0.05", 0,
                           lambda h: [line("obligation", h, "Émetteur Arrondi")], base, off, want))
    # R. 139-45 I 3°: an entity with deposits, 10 %: 6 % of deposits held directly, 4 % of bonds through the fund
    CASES.append(fund_case(f"45-3-{tag}", "R139-45/entite-depots-max10", "0.10", Decimal(600000),
                           lambda h: [line("obligation", h, "Banque Arrondie", type_emetteur="etablissement_credit")],
                           base, off, want, other=[line("depot", Decimal(600000), "Banque Arrondie")]))
    # R. 139-45 I 2°: one building, 10 %: 9 % held directly, the rest through the fund
    CASES.append(fund_case(f"45-2-{tag}", "R139-45/immeuble-max10", "0.10", Decimal(900000),
                           lambda h: [line("droit_immobilier", h, immeuble="TOUR-ARRONDI", pays="FR")], base, off,
                           want, other=[line("droit_immobilier", Decimal(900000), immeuble="TOUR-ARRONDI")]))
    # R. 139-41 3°: equity, 25 %: 20 % direct, the rest through a UCITS
    CASES.append(fund_case(f"41-3-{tag}", "R139-41/actions-max25", "0.25", Decimal(2000000),
                           lambda h: [line("action", h / 5, f"Via Arrondi {i}") for i in range(5)], base, off, want,
                           nature="opcvm",
                           other=[line("action", Decimal(400000), f"Direct Arrondi {i}") for i in range(5)]))
    # R. 139-41 2°: real estate, 20 %: two buildings of 9 % direct, the rest through the fund
    CASES.append(fund_case(f"41-2-{tag}", "R139-41/immobilier-max20", "0.20", Decimal(1800000),
                           lambda h: [line("droit_immobilier", h, pays="FR")], base, off, want,
                           other=[line("droit_immobilier", Decimal(900000)), line("droit_immobilier", Decimal(900000))]))
    # R. 139-45 II: one state, 50 %: 45 % direct, the rest through the fund
    CASES.append(fund_case(f"45-II-{tag}", "R139-45/souverain-max50", "0.50", Decimal(4500000),
                           lambda h: [sovereign(h, 7)], base, off, want,
                           other=[sovereign(Decimal(3000000), 7), sovereign(Decimal(1500000), 7)]))

# R. 139-45 I 3°, last sentence: the 40 % of the entities above 5 %, whole exposures; seven banks at 5,7 % (39,9 %)
# and an eighth entity at 5 % exactly, or a fraction of a cent above it (then in the basket: 44,9 %)
for tag, extra, want in (("at-5", Decimal(0), "ok"), ("over-5", Decimal("0.004"), "breach")):
    u = isin()
    h = inventory_part(Decimal(500000) + extra)
    banks = [x for i in range(7) for x in (line("obligation", Decimal(400000), f"Banque 40-{i}",
                                                 type_emetteur="etablissement_credit"),
                                            line("depot", Decimal(170000), f"Banque 40-{i}"))]
    CASES.append(Case(f"45-40-{tag}", fill([line("fonds_mutualise", LINE, "Fonds 40", isin=u), *banks]),
                      {"R139-45/cumul-max40": want}, want,
                      transparence=fund_rows(u, [line("obligation", h, "Entité 40"),
                                                 sovereign((INV - h) / 2, 1), sovereign((INV - h) / 2, 2)])))

# R. 139-42: potential excesses, 15 % of a fund's units: a share of the inventory, whatever the line's value
for tag, line_value, loans, want in (("at", Decimal("1499999.99"), Decimal(150000), "ok"),
                                     ("over", Decimal("1499999.99"), Decimal("150000.01"), "breach")):
    u = isin()
    CASES.append(Case(f"42-{tag}", fill([line("fonds_mutualise", line_value, "FM 42", isin=u)]),
                      {"R139-42/depassements-potentiels": want}, want,
                      transparence=fund_rows(u, [line("autre_fm", loans, "Prêt 42"),
                                                 sovereign((Decimal(1000000) - loans) / 2, 1),
                                                 sovereign((Decimal(1000000) - loans) / 2, 2)])))


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_rescaled_holdings_compared_exactly(c, tmp_path):
    assert play(c, tmp_path) == []


def test_points_are_a_fraction_of_a_cent_from_the_limit():
    """The cases are what they say: the body's holding is not a whole number of cents where it is meant not to be."""
    assert inventory_part(Decimal("500000.004")) / INV * LINE == Decimal("500000.004")
    assert pct("5", B - CENT) == Decimal("500000.00")  # 499 999,9995 € shown in cents: the rounding at stake
    assert Decimal("499999.9993") < (B - CENT) * Decimal("0.05") < Decimal("500000.00")


# R. 139-44: currency exposure strictly under 15 %, all in US dollars through a fund (a base of 9 999 999,99 €:
# 15 % is 1 499 999,9985 €)
FX_POINTS = [("over", B, Decimal("0.004"), "breach"),  # 1 500 000,004 €
             ("at", B - CENT, Decimal(0), "breach"),  # 1 499 999,9985 € exactly: « inférieure à » fails
             ("under", B - CENT, Decimal("-0.0003"), "ok"),  # 1 499 999,9982 €, rounded to 1 500 000,00 €
             ("under-by-a-fraction", B, Decimal("-0.004"), "ok")]  # 1 499 999,996 €, rounded to 1 500 000,00 €
for tag, base, off, want in FX_POINTS:
    CASES.append(fund_case(f"44-{tag}", "R139-44/change-max15", "0.15", 0,
                           lambda h: [line("action", h / 5, f"US Arrondi {i}", devise="USD", pays="US",
                                           cotation="ocde") for i in range(5)], base, off, want,
                           line_value=Decimal(2000000)))


# R. 139-46 I 1°: 5 % of an issuer's equity; the issue is 10 000 shares at 1 000 € (10 000 000 €, from a line held
# directly: valeur / quantite × quantite_emise), 300 shares held directly and the rest through a UCITS
for tag, off, want in (("over", Decimal("0.004"), "breach"), ("at", Decimal(0), "ok"),
                       ("under", Decimal("-0.004"), "ok")):
    share_isin = isin()
    CASES.append(fund_case(f"46-1-{tag}", "R139-46/capital-max5", "0.05", Decimal(300000),
                           lambda h, s=share_isin: [line("action", h, "Émetteur 46", isin=s, quantite=None,
                                                         quantite_emise=None)],
                           B, off, want, nature="opcvm",
                           other=[line("action", Decimal(300000), "Émetteur 46", isin=share_isin, quantite=300,
                                       quantite_emise=10000)]))


# R. 139-43: contracts of a dedicated fund, exposures × k exactly (R. 139-17: « corrigées proportionnellement »):
# a short future of 10 % + 0,4 cent of the base once rescaled is over 10 %
for tag, off, want in (("over", Decimal("0.004"), "breach"), ("at", Decimal(0), "ok"),
                       ("under", Decimal("-0.004"), "ok")):
    u = isin()
    bund = isin("DE")
    expo = (B * Decimal("0.10") + off) * INV / LINE
    inv = [sovereign(INV / 2, 1, isin=bund), sovereign(INV / 2, 2),
           line("contrat_financier", Decimal(0), None, sous_jacent=bund, type_sous_jacent="taux", notionnel=-expo,
                exposition=-expo, devise_exposition="EUR", contrepartie="Eurex Clearing")]
    CASES.append(Case(f"43-{tag}", fill([line("organisme_dedie", LINE, "Dédié 43", isin=u)]),
                      {"R139-43/contrats-max10": want}, transparence=fund_rows(u, inv)))


# R. 139-46 with the issue valued from the holding itself: 0,05 of a one-share issue held through the fund is 5 %
# exactly, whatever the rounding of its value (500 000 004 € of the inventory: 50 000,0004 € for the body)
for tag, q, want in (("at", Decimal("500"), "ok"), ("over", Decimal("500.01"), "breach")):
    u = isin()
    h = Decimal(500000004)
    CASES.append(Case(f"46-issue-from-holding-{tag}", fill([line("opcvm", LINE, "OPCVM 46b", isin=u)]),
                      {"R139-46/capital-max5": want}, want,
                      transparence=fund_rows(u, [line("action", h, "Émetteur 46b", quantite=q,
                                                      quantite_emise=1),
                                                 sovereign((INV - h) / 2, 1), sovereign((INV - h) / 2, 2)])))
