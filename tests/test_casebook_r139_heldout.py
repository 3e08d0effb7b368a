"""A held-out R. 139 case book, written from the law and the contract only (law/R139.md, SPEC-R139, READING-R139,
SPEC §3-§4), not from the product: each limit at, just under and just over its value (in cents of a
10 000 000,00 € actif de placement), reached directly and through look-through with rescaling, the 5/10/40
basket, deposits, groups, sovereigns, currencies, contracts, R. 139-46, the line conditions, the régime
simplifié, cure periods, missing and bad look-through, TPT files and dates.

Cases are data (`Case`), written as real workbooks and run through `reserves check FILE --json` (the command's
entry point, in-process). Each case states the rules it is about and, where the text fixes it, the verdict and
exit code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from heldout_r139 import B, CENT, VALUATION, Case, fill, fund_rows, isin, lei, line, pct, play, sovereign

C = CENT
A25 = "R139-41/actions-max25"
A50 = "R139-41/actions-max50"
IMMO20 = "R139-41/immobilier-max20"
OPCVM15 = "R139-41/opcvm-max15"
OCDE15 = "R139-41/ocde-max15"
AFM15 = "R139-41/autres-fm-max15"
FIN5 = "R139-41/financement-max5"
CTR10 = "R139-43/contrats-max10"
FX15 = "R139-44/change-max15"
E5 = "R139-45/entite-max5"
E10 = "R139-45/entite-depots-max10"
C40 = "R139-45/cumul-max40"
IMM10 = "R139-45/immeuble-max10"
SOV50 = "R139-45/souverain-max50"
GRP = "R139-45/groupes"
CAP5 = "R139-46/capital-max5"
DEBT5 = "R139-46/creances-max5"
LT = "R139-17/transparence"
CURE = "R139-48/delai-regularisation"

OKNA = ("ok", "not_applicable")  # nothing left in scope: the contract says not_applicable, ok is no harm

CASES: list[Case] = []


ROUNDED = "look-through values rounded to the cent before the limits are compared (R. 139-17 rescaling)"


def case(name, lines, expect=None, status=None, **kw):
    CASES.append(Case(name, lines, expect or {}, status, **kw))


def three(name, build, rule, *, at="ok", under="ok", over="breach", verdict=True, **kw):
    """The same case at, one cent under and one cent over its limit: build(delta) gives (lines, extra kw).
    With `verdict`, the overall verdict is the rule's (every other line of the case is compliant)."""
    for tag, delta, want in (("at", Decimal(0), at), ("under", -C, under), ("over", C, over)):
        lines, extra = build(delta)
        st = want if verdict and want in ("ok", "breach") else None
        case(f"{name}-{tag}", lines, {rule: want}, st, **{**kw, **extra})


def equities(total: Decimal, n: int, prefix: str, **cols) -> list[dict]:
    """`total` euros of listed shares of n issuers (each under 5 % for n >= 5 at 25 %), the last one taking
    the cents."""
    part = (total / n).quantize(C)
    out = [line("action", part, f"{prefix} {i}", **cols) for i in range(n - 1)]
    out.append(line("action", total - part * (n - 1), f"{prefix} {n - 1}", **cols))
    return out


# ---------------------------------------------------------------- R. 139-41 caps held directly

three("41-2-immobilier-20",
      lambda d: (fill([line("droit_immobilier", pct("9")), line("droit_immobilier", pct("9")),
                       line("droit_immobilier", pct("2") + d)]), {}),
      IMMO20)
three("41-3-actions-25",
      lambda d: (fill(equities(pct("25") + d, 6, "Société")), {}), A25)
three("41-5-ocde-15",
      lambda d: (fill(equities(pct("15") + d, 4, "Corp US", cotation="ocde", pays="US", devise="EUR")), {}),
      OCDE15)
three("41-7-financement-5",
      lambda d: (fill([line("obligation", pct("3"), "Titrisation A", type_emetteur="organisme_financement"),
                       line("obligation", pct("2") + d, "Titrisation B", type_emetteur="organisme_financement")]),
                 {}),
      FIN5)
# R. 139-41 1°: units of 2° UCITS, 15 %; the fund holds French state bonds only
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    u = isin()
    v = pct("15") + d
    case(f"41-1-opcvm-15-{tag}",
         fill([line("opcvm", v, "OPCVM Souverain", isin=u)]),
         {OPCVM15: want}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, [sovereign(Decimal("1000000.00"), 0), sovereign(Decimal("2000000.00"), 1)]))

# R. 139-41 3° reached through a UCITS whose inventory sums to ten times its line (rescaling, last paragraph)
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C * 10, "breach")):
    u = isin()
    inv = equities(Decimal("15000000.00") + d, 5, "Via OPCVM")  # inventory 15 M€ + d for a 1.5 M€ line
    case(f"41-3-actions-25-via-opcvm-rescaled-{tag}",
         fill(equities(pct("10"), 5, "Direct") + [line("opcvm", pct("15"), "OPCVM Actions", isin=u)]),
         {A25: "ok" if tag != "over" else "ok", OPCVM15: "ok"}, None,
         transparence=fund_rows(u, inv))
# the same with the excess written in the direct lines: 10 % + 1 cent direct, 15 % through the fund
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    u = isin()
    case(f"41-3-actions-25-direct-plus-opcvm-{tag}",
         fill(equities(pct("10") + d, 5, "Direct") + [line("opcvm", pct("15"), "OPCVM Actions", isin=u)]),
         {A25: want}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, equities(Decimal("3000000.00"), 5, "Via OPCVM")))

# R. 139-41 4°: 25 % direct + fonds mutualisé equity, rescaled (inventory at a third of the line)
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    u = isin()
    case(f"41-4-actions-50-via-fm-{tag}",
         fill(equities(pct("25"), 6, "Direct") + [line("fonds_mutualise", pct("25") + d, "FM Actions", isin=u)]),
         {A50: want, A25: "ok"}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, equities(Decimal("833333.33"), 6, "Via FM")))
# R. 139-41 6°: 10° assets (loans) inside a fonds mutualisé that is the whole actif, 15 % of it
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    u = isin()
    loans = [line("autre_fm", pct("3"), f"Prêt PME {i}", pays="FR") for i in range(4)]
    loans.append(line("autre_fm", pct("3") + d, "Prêt PME 4", pays="FR"))
    case(f"41-6-autres-fm-15-{tag}",
         [line("fonds_mutualise", B, "FM Dette privée", isin=u)],
         {AFM15: want}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, fill(loans)))
# R. 139-41 2° reached through a fonds mutualisé holding buildings, plus direct buildings
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    u = isin()
    case(f"41-2-immobilier-20-via-fm-{tag}",
         fill([line("droit_immobilier", pct("9")), line("droit_immobilier", pct("6")),
               line("fonds_mutualise", pct("5") + d, "FM Immo", isin=u)]),
         {IMMO20: want}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, [line("droit_immobilier", Decimal("2500000.00"), pays="DE"),
                                    line("droit_immobilier", Decimal("2500000.00"), pays="FR")]))

# ---------------------------------------------------------------- R. 139-44 currency, strictly under 15 %
three("44-change-15", lambda d: (fill(equities(pct("15") + d, 4, "US Corp", devise="USD", pays="US",
                                                 cotation="ocde")), {}),
      FX15, at="breach", under="ok", over="breach")
case("44-change-two-currencies-sum", fill(equities(pct("10"), 2, "US", devise="USD", cotation="ocde", pays="US")
                                         + equities(pct("5"), 1, "UK", devise="GBP", pays="GB", cotation="ocde")),
     {FX15: "breach"}, "breach", why="RR 13: sum over currencies, 15,00 % breaches")
case("44-change-realisable-euro-removes-nothing",
     fill(equities(pct("15"), 4, "US", devise="USD", cotation="ocde", pays="US", realisable_euro="oui")),
     {FX15: "breach"}, "breach", why="RR 13: realisable_euro = oui removes no currency risk")
case("44-change-under-15-ok",
     fill(equities(pct("14.99"), 4, "US", devise="USD", cotation="ocde", pays="US")), {FX15: "ok"}, "ok")

# ---------------------------------------------------------------- R. 139-45 entities
three("45-1-entite-5", lambda d: (fill([line("obligation", pct("3"), "Orange", isin="FR0000133308"),
                                         line("obligation", pct("2") + d, "Orange")]), {}),
      E5)
three("45-3-entite-depots-10",
      lambda d: (fill([line("obligation", pct("4"), "Banque A", type_emetteur="etablissement_credit"),
                       line("depot", pct("6") + d, "Banque A")]), {}),
      E10)
# RR 6: the 40 % counts whole exposures of entities above 5 %
three("45-3-cumul-40",
      lambda d: (fill([x for i in range(5) for x in (
          line("obligation", pct("5"), f"Banque {i}", type_emetteur="etablissement_credit"),
          line("depot", pct("3") + (d if i == 4 else 0), f"Banque {i}"))]), {}),
      C40)
case("45-3-cumul-40-whole-exposure",
     fill([x for i in range(6) for x in (
         line("obligation", pct("4"), f"Banque W{i}", type_emetteur="etablissement_credit"),
         line("depot", pct("3"), f"Banque W{i}"))]),
     {C40: "breach", E5: "ok", E10: "ok"}, "breach",
     why="RR 6: 6 x 7 % = 42 % > 40 % (only 12 % above 5 %)")
case("45-3-cumul-40-at-5-not-above",
     fill([x for i in range(5) for x in (
         line("obligation", pct("5"), f"Banque X{i}", type_emetteur="etablissement_credit"),
         line("depot", pct("3"), f"Banque X{i}"))]
          + [line("depot", pct("5"), "Banque X5")]),
     {C40: "ok", E10: "ok"}, "ok", why="RR 20: « au-delà de 5 % » is strictly above; 5,00 % is not counted")
case("45-1-deposits-excluded-from-1",
     fill([line("obligation", pct("4"), "Banque D", type_emetteur="etablissement_credit"),
           line("depot", pct("6"), "Banque D")]),
     {E5: "ok", E10: "ok"}, "ok", why="RR 6: 4 % bonds + 6 % deposits passes 1° and uses 3°'s extension")
case("45-1-not-extended-to-10",
     fill([line("obligation", pct("6"), "Banque E", type_emetteur="etablissement_credit")]),
     {E5: "breach"}, "breach", why="RR 6: 1° is never extended")
case("45-3-deposit-only-over-10",
     fill([line("depot", pct("10") + C, "Banque F")]), {E10: "breach"}, "breach")
three("45-2-immeuble-10", lambda d: (fill([line("droit_immobilier", pct("10") + d, immeuble="TOUR-A")]), {}),
      IMM10)
case("45-2-immeuble-split-lines",
     fill([line("droit_immobilier", pct("6"), immeuble="TOUR-B"),
           line("droit_immobilier", pct("4") + C, immeuble="TOUR-B")]), {IMM10: "breach"}, "breach")
# guarantees count against issuer and guarantor (RR 6)
case("45-1-guarantor-counts",
     fill([line("obligation", pct("3"), "Filiale G1", garant="Mère G", type_garant="autre", pays_garant="FR"),
           line("obligation", pct("2") + C, "Mère G")]),
     {E5: "breach"}, "breach", why="R. 139-45 I 1°: « obtenues ou garanties par une même entité »")
case("45-1-guarantor-at-5",
     fill([line("obligation", pct("3"), "Filiale G2", garant="Mère H", type_garant="autre", pays_garant="FR"),
           line("obligation", pct("2"), "Mère H")]),
     {E5: "ok"}, "ok")
# groups (III)
case("45-3-group-consolidated",
     fill([line("obligation", pct("3"), "Filiale K1", groupe="Groupe K"),
           line("action", pct("2") + C, "Filiale K2", groupe="Groupe K")]),
     {E5: "breach"}, "breach", why="R. 139-45 III: a group is one entity")
case("45-3-group-at-5",
     fill([line("obligation", pct("3"), "Filiale L1", groupe="Groupe L"),
           line("action", pct("2"), "Filiale L2", groupe="Groupe L")]),
     {E5: "ok"}, "ok")
# sovereigns (II)
three("45-2-souverain-50", lambda d: (fill([sovereign(pct("30"), 7), sovereign(pct("20") + d, 7)]), {}),
      SOV50)
case("45-2-cades-50", fill([line("obligation", pct("50"), "CADES", type_emetteur="cades", pays="FR")]),
     {SOV50: "ok", E5: OKNA}, "ok", why="R. 139-45 II names CADES")
case("45-2-cades-over-50", fill([line("obligation", pct("50") + C, "CADES", type_emetteur="cades", pays="FR")]),
     {SOV50: "breach"}, "breach")
case("45-2-non-eea-state-stays-under-I",
     fill([line("titre_etat", pct("5") + C, "United States of America", pays="US", cotation="ocde")]),
     {E5: "breach"}, "breach", why="RR 7: non-EEA states stay under I")
case("45-2-eib-stays-under-I",
     fill([line("obligation", pct("5") + C, "Banque européenne d'investissement", type_emetteur="bei",
                pays="LU")]),
     {E5: "breach"}, "breach", why="RR 7: the EIB is listed apart from OPI: under I")
case("45-2-guaranteed-by-state",
     fill([line("obligation", pct("20"), "SNCF Réseau", garant="République française", type_garant="etat",
                pays_garant="FR")]),
     {E5: OKNA, SOV50: "ok"}, "ok", why="R. 139-45 II: « émis ou garantis » by an EU state: up to 50 %")

# ---------------------------------------------------------------- R. 139-46 share of an issuer's equity and debt
# price 1 000 € a share, 10 000 shares issued: the issue is worth 10 000 000 €
for tag, q, want in (("at", 500, "ok"), ("under", 499, "ok"), ("over", 501, "breach")):
    case(f"46-1-capital-5-{tag}",
         fill([line("action", Decimal(q * 1000), "Petite SA", quantite=q, quantite_emise=10000)]),
         {CAP5: want}, "ok" if want == "ok" else "breach")
    case(f"46-2-creances-5-{tag}",
         fill([line("obligation", Decimal(q * 1000), "Petite Dette SA", quantite=q, quantite_emise=10000)]),
         {DEBT5: want}, "ok" if want == "ok" else "breach")
case("46-2-cades-not-exempt",
     fill([line("obligation", Decimal(600000), "CADES", type_emetteur="cades", quantite=600, quantite_emise=10000)]),
     {DEBT5: "breach"}, "breach", why="RR 9: CADES, ACOSS not exempt from R. 139-46")
case("46-2-eu-state-exempt",
     fill([sovereign(Decimal(600000), 3, quantite=600, quantite_emise=10000)]), {DEBT5: ("not_applicable", "ok")}, "ok",
     why="R. 139-46 II 1°")
case("46-1-encours-emetteur",
     fill([line("action", pct("4"), "Encours SA", quantite=None, quantite_emise=None,
                encours_emetteur=Decimal("8000000.00"))]),
     {CAP5: "ok"}, "ok", why="400 000 / 8 000 000 = 5 %: at the limit")
case("46-1-encours-emetteur-over",
     fill([line("action", pct("4"), "Encours SA", quantite=None, quantite_emise=None,
                encours_emetteur=Decimal("7999999.99"))]),
     {CAP5: "breach"}, "breach")
case("46-1-missing-quantities",
     fill([line("action", pct("1"), "Sans Quantité SA", quantite=None, quantite_emise=None)]),
     {CAP5: "unknown"}, "unknown", why="RR 9: missing quantities: unknown")
# the same ISIN held directly and through a UCITS, rescaled: 300 direct + 200 through the fund = 500 of 10 000
for tag, extra, want in (("at", 0, "ok"), ("over", 1, "breach")):
    u, share = isin(), isin()
    case(f"46-1-capital-5-across-fund-{tag}",
         fill([line("action", Decimal(300000), "Moyenne SA", isin=share, quantite=300, quantite_emise=10000),
               line("opcvm", pct("10") + extra * 50, "OPCVM M", isin=u)]),
         {CAP5: want}, "ok" if want == "ok" else "breach",
         transparence=fund_rows(u, [
             line("action", Decimal(2000000), "Moyenne SA", isin=share, quantite=2000, quantite_emise=10000),
             *fill([], Decimal(8000000))]))
case("46-1-fonds-mutualise-excluded",
     fill([line("fonds_mutualise", pct("10"), "FM Capital", isin=(fm := isin()))]),
     {CAP5: OKNA}, "ok",
     transparence=fund_rows(fm, [line("action", Decimal(1000000), "Détenue FM", quantite=1000, quantite_emise=10000),
                                 *fill([], Decimal(9000000))]),
     why="R. 139-46 II 3°: held through a fonds mutualisé")

# ---------------------------------------------------------------- R. 139-43 contracts, R. 139-41 with exposures
FI_BOND = isin("FI")


def hedged_bonds(value=pct("30")) -> dict:
    return sovereign(value, 7, isin=FI_BOND)


def future(exposure, counterparty="LCH SA", notional=None, **cols) -> dict:
    notional = abs(exposure) if notional is None else notional
    return line("contrat_financier", Decimal(0), None, sous_jacent=FI_BOND, type_sous_jacent="taux",
                notionnel=notional, exposition=exposure, devise_exposition="EUR", contrepartie=counterparty,
                **cols)


three("43-contrats-10", lambda d: (fill([hedged_bonds(), future(-(pct("10") + d))]), {}), CTR10, verdict=False)
case("43-netting-same-counterparty",
     fill([hedged_bonds(), future(-pct("8"), "Eurex Clearing"), future(pct("6"), "Eurex Clearing",
                                                                       sous_jacent_detenu="a_detenir")]),
     {CTR10: "ok"}, why="R. 139-43: netted on one counterparty: 2 %")
case("43-no-netting-across-counterparties",
     fill([hedged_bonds(), future(-pct("8"), "Eurex Clearing"), future(pct("6"), "LCH SA",
                                                                       sous_jacent_detenu="a_detenir")]),
     {CTR10: "breach"}, "breach", why="RR 12: no netting across counterparties: 14 %")
case("43-no-netting-without-counterparty",
     fill([hedged_bonds(), future(-pct("8"), None), future(pct("6"), None, sous_jacent_detenu="a_detenir")]),
     {CTR10: "breach"}, "breach", why="RR 12: no netting without contrepartie")
case("43-notional-bound-under",
     fill([hedged_bonds(), future(None, notional=pct("9"))]), {CTR10: "ok"},
     why="RR 12: |notionnel| as an unnetted bound, 9 % <= 10 %")
case("43-neither-exposure-nor-notional",
     fill([hedged_bonds(), line("contrat_financier", Decimal(0), None, sous_jacent=FI_BOND,
                                type_sous_jacent="taux", contrepartie="LCH SA", devise_exposition="EUR")]),
     {CTR10: "unknown"}, why="RR 12: neither: unknown")
# R. 139-47 al. 2: positive exposures add to R. 139-41 ratios; negative never subtract
idx_isin = isin()
for tag, d, want in (("at", 0, "ok"), ("over", C, "breach")):
    case(f"41-3-actions-25-with-long-future-{tag}",
         fill(equities(pct("20"), 5, "Eq F") + [line("contrat_financier", Decimal(0), None, type_contrat="future",
                                                        sous_jacent=idx_isin, type_sous_jacent="action",
                                                        sous_jacent_detenu="a_detenir", notionnel=pct("5") + d,
                                                        exposition=pct("5") + d, devise_exposition="EUR",
                                                        contrepartie="Eurex Clearing")]),
         {A25: want}, why="R. 139-41 ratios add positive contract exposures (SPEC-R139 §3)")
for tag, d, want in (("at", 0, "ok"), ("over", C, "unknown")):
    case(f"41-7-financement-index-future-{tag}",
         fill([line("contrat_financier", Decimal(0), None, type_contrat="future", sous_jacent=idx_isin,
                    type_sous_jacent="action", sous_jacent_detenu="a_detenir", notionnel=pct("5") + d,
                    exposition=pct("5") + d, devise_exposition="EUR", contrepartie="Eurex Clearing")]),
         {FIN5: want}, why="RR 20: an index future's issuers are not known to be organismes de financement, nor "
                           "known not to be: unknown where it would change the verdict, never a breach")
case("41-3-actions-25-short-future-no-offset",
     fill(equities(pct("25") + C, 6, "Eq S") + [line("contrat_financier", Decimal(0), None, type_contrat="future",
                                                       sous_jacent=idx_isin, type_sous_jacent="action",
                                                       notionnel=pct("2"), exposition=-pct("2"),
                                                       devise_exposition="EUR", contrepartie="Eurex Clearing")]),
     {A25: "breach"}, "breach", why="RR 10: short exposures never subtract")

# ---------------------------------------------------------------- R. 139-44 hedges net within a currency (RR 13)
usd = isin("US")


def fx_future(exposure, currency="USD"):
    return line("contrat_financier", Decimal(0), None, type_contrat="future", type_sous_jacent="change",
                sous_jacent=f"EUR{currency}", notionnel=abs(exposure), exposition=exposure,
                devise_exposition=currency, contrepartie="CME Clearing", sous_jacent_detenu="oui")


def usd_equities(total):
    return equities(total, 5, "USD Corp", devise="USD", pays="US", cotation="ocde")


for tag, d, want in (("at", 0, "breach"), ("under", -C, "ok")):
    case(f"44-hedged-within-usd-{tag}", fill(usd_equities(pct("20")) + [fx_future(-(pct("5") - d))]),
         {FX15: want}, why="RR 13: |20 % - 5 %| = 15 %: strictly under fails at 15,00 %")
case("44-hedge-other-currency-does-not-net", fill(usd_equities(pct("12")) + [fx_future(-pct("5"), "GBP")]),
     {FX15: "breach"}, "breach", why="RR 13: never across currencies: 12 % + 5 %")

# ---------------------------------------------------------------- line conditions (R. 139-18 to 24, 37 to 40)
def one(name, ln, rule, want, status=None, why="", **kw):
    case(name, fill([ln]), {rule: want}, status if status else (want if want in ("ok", "breach") else None),
         why=why, **kw)


one("21-depot-locked-to-term", line("depot", pct("1"), "Banque T", remboursable="non"), "R139-21/depots", "breach")
one("21-depot-variable-other-rate", line("depot", pct("1"), "Banque T", remuneration="autre"), "R139-21/depots",
    "breach")
one("21-depot-monetary-rate", line("depot", pct("1"), "Banque T", remuneration="monetaire"), "R139-21/depots", "ok")
one("21-depot-not-in-body-name", line("depot", pct("1"), "Banque T", au_nom_organisme="non"), "R139-21/depots",
    "breach")
one("21-depot-us-bank", line("depot", pct("1"), "Bank of America", pays="US"), "R139-21/depots", "breach")
one("21-depot-swiss-bank", line("depot", pct("1"), "UBS", pays="CH"), "R139-21/depots", "ok")
one("21-depot-withdrawable-unknown", line("depot", pct("1"), "Banque T", remboursable=None), "R139-21/depots",
    "unknown")
one("21-depot-not-a-credit-institution", line("depot", pct("1"), "Société X", type_emetteur="autre"),
    "R139-21/depots", "breach", why="R. 139-21: « auprès d'un établissement de crédit »")
one("22-building-outside-eea", line("droit_immobilier", pct("1"), pays="US"), "R139-22/immobilier", "breach")
one("22-building-switzerland", line("droit_immobilier", pct("1"), pays="CH"), "R139-22/immobilier", "ok")
one("22-snc", line("societe_immobiliere", pct("1"), "SNC Immo", forme_juridique="SNC"), "R139-22/immobilier",
    "breach")
one("22-marchand-de-biens", line("societe_immobiliere", pct("1"), "MdB SAS", marchand_de_biens="oui"),
    "R139-22/immobilier", "breach")
one("22-objet-non-immobilier", line("societe_immobiliere", pct("1"), "Holding SAS", objet_immobilier="non"),
    "R139-22/immobilier", "breach")
one("22-societe-outside-eea", line("societe_immobiliere", pct("1"), "US REIT Inc", pays="US"),
    "R139-22/immobilier", "breach")
one("16-opci-direct-full-regime", line("opci", pct("1"), "OPCI Bureaux", isin=isin(), pays="FR",
                                       conservation="oui"),
    "R139-16/opc-admis", "breach", why="RR 5")
one("24-sci-limited-loss-missing", line("societe_immobiliere", pct("1"), "SCI Lyon", forme_juridique="SCI"),
    "R139-24/perte-limitee", "unknown", why="RR 18")
one("24-sci-limited-loss-non", line("societe_immobiliere", pct("1"), "SCI Lyon", forme_juridique="SCI",
                                    perte_limitee="non"), "R139-24/perte-limitee", "breach")
one("24-sci-limited-loss-oui", line("societe_immobiliere", pct("1"), "SCI Lyon", forme_juridique="SCI",
                                    perte_limitee="oui"), "R139-24/perte-limitee", "ok")
one("24-gie-missing", line("societe_immobiliere", pct("1"), "GIE Immo", forme_juridique="GIE"),
    "R139-24/perte-limitee", "unknown")
one("23-custody-non", line("action", pct("1"), "Sans Dépositaire", conservation="non"), "R139-23/conservation",
    "breach")
one("23-custody-missing", line("action", pct("1"), "Dépositaire Inconnu", conservation=None),
    "R139-23/conservation", "unknown")
one("23-deeds-abroad", line("droit_immobilier", pct("1"), actes_en_france="non"), "R139-23/conservation",
    "breach")
one("19-unlisted-share", line("action", pct("1"), "Non Cotée SAS", cotation="aucune"), "R139-19/cotation",
    "breach")
one("19-swiss-listing", line("action", pct("1"), "Nestlé SA", cotation="eee_ch", pays="CH"), "R139-19/cotation",
    "ok")
one("19-state-tcn-unlisted-assimilated", line("tcn", pct("1"), "Agence France Trésor", type_emetteur="etat",
                                               cotation="aucune"), "R139-19/cotation", "ok", why="R. 139-19 II 1°")
one("19-private-neu-cp", line("tcn", pct("1"), "Entreprise NEU CP", type_emetteur="autre", cotation="aucune"),
    "R139-19/cotation", "breach", why="RR 17")
one("18-tcn-non-oecd-issuer", line("tcn", pct("1"), "China Corp", pays="CN", cotation="aucune",
                                   type_emetteur="autre"), "R139-18/eligibilite", "breach")
one("18-autre-direct", line("autre", pct("1"), "Or physique"), "R139-18/eligibilite", "breach")
one("18-autre-fm-held-directly", line("autre_fm", pct("1"), "Prêt direct"), "R139-18/eligibilite", "breach",
    why="R. 139-18 10°: only assets of R. 139-17 4°")
one("20-listed-price-not-reliable", line("action", pct("1"), "Prix Douteux", prix_fiable="non"),
    "R139-20/qualite", "breach")
one("40-repo", line("cession_temporaire", pct("1"), "Pension livrée"), "R139-40/pensions-emprunts", "breach")
one("40-borrowing", line("emprunt", pct("1"), "Emprunt bancaire"), "R139-40/pensions-emprunts", "breach")
one("40-gold-certificate", line("certificat", pct("1"), "Certificat or"), "R139-40/certificats", "breach")
case("37-otc-swap", fill([hedged_bonds(), future(-pct("2"), "BNP Paribas", type_contrat="swap", cotation="aucune")]),
     {"R139-37/marches": "breach"}, "breach", why="RR 12: an OTC contract breaches R139-37/marches")
case("37-notional-above-holding", fill([hedged_bonds(pct("3")), future(-pct("4"))]),
     {"R139-37/adossement": "breach"}, "breach", why="R. 139-37 1°: held >= notional")
case("37-notional-equal-holding", fill([hedged_bonds(pct("4")), future(-pct("4"))]),
     {"R139-37/adossement": "ok"}, why="R. 139-37 1°: « au moins égal »")
case("37-commodity", fill([line("contrat_financier", Decimal(0), None, type_sous_jacent="marchandise",
                                sous_jacent="Brent", notionnel=pct("1"), exposition=pct("1"),
                                devise_exposition="EUR", contrepartie="ICE Clear", sous_jacent_detenu="non")]),
     {"R139-37/adossement": "breach"}, "breach", why="R. 139-37: « à l'exclusion des contrats … sur des marchandises »")
case("38-written-option-naked", fill([line("contrat_financier", Decimal(0), None, type_contrat="option_vendue",
                                           sous_jacent=isin(), type_sous_jacent="action", notionnel=pct("1"),
                                           exposition=-pct("1"), devise_exposition="EUR",
                                           contrepartie="Eurex Clearing", sous_jacent_detenu="non")]),
     {"R139-38/ventes-options": "breach"}, "breach")

# ---------------------------------------------------------------- funds: admission, dedicated funds (RR 4, 17)
for tag, share, want in (("at", "0.90", "ok"), ("under", "0.8999", "breach")):
    u = isin()
    case(f"16-opcvm-90-{tag}", fill([line("opcvm", pct("5"), "OPCVM E", isin=u, part_titres_eligibles=share)]),
         {"R139-16/opcvm-90": want}, want,
         transparence=fund_rows(u, [sovereign(Decimal(1000000), 1)]))
u_nc = isin()
case("16-opcvm-not-compliant", fill([line("opcvm", pct("5"), "OPCVM NC", isin=u_nc, fonds_conforme="non")]),
     {"R139-16/opc-admis": "breach"}, "breach", transparence=fund_rows(u_nc, [sovereign(Decimal(1000000), 1)]))
u_d1 = isin()
case("16-dedie-holds-ucits", fill([line("organisme_dedie", pct("5"), "Dédié D1", isin=u_d1)]),
     {"R139-16/organismes-dedies": "breach"}, "breach",
     transparence=fund_rows(u_d1, [line("opcvm", Decimal(500000), "OPCVM dans dédié"),
                                   sovereign(Decimal(500000), 1)]), why="RR 4: a fund inside a dedicated fund")
u_d2 = isin()
case("16-dedie-holds-money-market", fill([line("organisme_dedie", pct("5"), "Dédié D2", isin=u_d2)]),
     {"R139-16/organismes-dedies": "ok"}, "ok",
     transparence=fund_rows(u_d2, [line("monetaire", Decimal(200000), "Monétaire dans dédié"),
                                   sovereign(Decimal(800000), 1)]), why="RR 4: unless money-market")
u_d3 = isin()
case("19-dedie-unlisted-share", fill([line("organisme_dedie", pct("5"), "Dédié D3", isin=u_d3)]),
     {"R139-19/cotation": "breach"}, "breach",
     transparence=fund_rows(u_d3, [line("action", Decimal(100000), "Non cotée dans dédié", cotation="aucune"),
                                   sovereign(Decimal(900000), 1)]), why="RR 17: held via a dedicated fund")
u_d4 = isin()
case("16-dedie-holds-real-estate", fill([line("organisme_dedie", pct("5"), "Dédié D4", isin=u_d4)]),
     {"R139-16/organismes-dedies": "ok"}, "ok",
     transparence=fund_rows(u_d4, [line("droit_immobilier", Decimal(100000)), sovereign(Decimal(900000), 1)]),
     why="R. 139-16 5°: 1° is any asset held directly but fund units: a building qualifies")
u_d5 = isin()
case("40-dedie-repo", fill([line("organisme_dedie", pct("5"), "Dédié D5", isin=u_d5)]),
     {"R139-40/pensions-emprunts": "breach"}, "breach",
     transparence=fund_rows(u_d5, [line("cession_temporaire", Decimal(100000), "Pension dans dédié"),
                                   sovereign(Decimal(900000), 1)]), why="R. 139-40 names dedicated funds")
u_u1 = isin()
case("19-ucits-unlisted-holding-not-a-line-breach", fill([line("opcvm", pct("5"), "OPCVM U1", isin=u_u1)]),
     {"R139-19/cotation": OKNA}, None,
     transparence=fund_rows(u_u1, [line("action", Decimal(50000), "Non cotée dans OPCVM", cotation="aucune"),
                                   sovereign(Decimal(950000), 1)]), why="R. 139-19 governs 17 1° and 4° assets")


# ---------------------------------------------------------------- régime simplifié (R. 139-10, 14, 15; RR 19)
S = ("--regime-simplifie",)
EL14 = "R139-14/eligibilite"


def simple(name, lines, expect, status=None, **kw):
    case(name, lines, expect, status, args=S + tuple(kw.pop("args", ())), **kw)


simple("14-share-not-admitted", fill([line("action", pct("1"), "Action S")]), {EL14: "breach"}, "breach")
simple("14-corporate-bond-not-admitted", fill([line("obligation", pct("1"), "Corporate S")]), {EL14: "breach"},
       "breach", why="R. 139-14 2°: only state, CADES, ACOSS, OPI bonds")
simple("14-state-bond-admitted", fill([]), {EL14: "ok", "R139-41/actions-max25": "not_applicable",
                                            E5: "not_applicable"}, "ok")
simple("14-cades-bond-admitted", fill([line("obligation", pct("5"), "CADES", type_emetteur="cades")]),
       {EL14: "ok"}, "ok")
simple("14-state-bond-oecd-listing-only", fill([line("titre_etat", pct("1"), "République française",
                                                     cotation="ocde")]),
       {EL14: "breach"}, "breach", why="RR 19: 14 2° reads as R. 139-19 I 1°-2°")
simple("14-us-treasury", fill([line("titre_etat", pct("1"), "United States", pays="US", cotation="ocde")]),
       {EL14: "breach"}, "breach")
simple("14-tcn-eea-company", fill([line("tcn", pct("1"), "Entreprise FR", type_emetteur="autre")]),
       {EL14: "ok"}, "ok")
simple("14-tcn-us-company", fill([line("tcn", pct("1"), "US Corp TCN", pays="US", type_emetteur="autre")]),
       {EL14: "breach"}, "breach", why="R. 139-14 1°: EU/EEA/CH seat only")
simple("14-ucits-not-admitted", fill([line("opcvm", pct("1"), "OPCVM S", isin=(us := isin()))]),
       {EL14: "breach"}, "breach", transparence=fund_rows(us, [sovereign(Decimal(1000), 1)]))
simple("14-contract-not-admitted", fill([hedged_bonds(), future(-pct("1"))]), {EL14: "breach"}, "breach",
       why="RR 19: R. 139-14 lists no contract")
simple("14-money-market-admitted", fill([line("monetaire", pct("4"), "Monétaire S")]), {EL14: "ok"}, "ok")
for tag, d, want in (("at", 0, "ok"), ("under", -C, "ok"), ("over", C, "breach")):
    simple(f"15-1-immobilier-15-{tag}",
           fill([line("droit_immobilier", pct("8")), line("droit_immobilier", pct("7") + d)]),
           {"R139-15/immobilier-max15": want}, want)
    fm = isin()
    simple(f"15-2-fonds-mutualises-15-{tag}",
           fill([line("fonds_mutualise", pct("15") + d, "FM S", isin=fm, part_titres_eligibles="0.6")]),
           {"R139-15/fonds-mutualises-max15": want}, want,
           why="R. 139-42: 15 % of the fund's inventory is 15 % of its units however rescaled",
           transparence=fund_rows(fm, [line("obligation", Decimal(850000), "Oblig FM"),
                                       line("autre_fm", Decimal(150000), "Prêt FM")]))
    simple(f"15-3-devises-10-{tag}",
           fill([line("tcn", pct("10") + d, "Entreprise USD", devise="USD", type_emetteur="autre")]),
           {"R139-15/devises-max10": want}, want)
simple("15-3-devises-gross-no-hedge-offset",
       fill([line("tcn", pct("10") + C, "Entreprise USD H", devise="USD", type_emetteur="autre"),
             line("depot", pct("1"), "Banque S", devise="EUR")]),
       {"R139-15/devises-max10": "breach"}, "breach", why="RR 13: R. 139-15 3° is gross")
for tag, share, want in (("at", "0.5", "ok"), ("under", "0.4999", "breach")):
    fm = isin()
    simple(f"14-5-fonds-mutualises-50-{tag}",
           fill([line("fonds_mutualise", pct("5"), "FM 50", isin=fm, part_titres_eligibles=share)]),
           {"R139-14/fonds-mutualises-50": want}, want,
           transparence=fund_rows(fm, [line("obligation", Decimal(1000000) * Decimal(share), "Oblig FM50"),
                                       line("depot", Decimal(1000000) * (1 - Decimal(share)), "Banque FM50")]))
dd = isin()
simple("14-7-dedie-holds-share", fill([line("organisme_dedie", pct("5"), "Dédié S1", isin=dd)]),
       {"R139-14/organismes-dedies": "breach"}, "breach",
       transparence=fund_rows(dd, [line("action", Decimal(100000), "Action dans dédié S"),
                                   sovereign(Decimal(900000), 1)]))
dd2 = isin()
simple("15-3-dedie-substituted", fill([line("organisme_dedie", pct("20"), "Dédié S2", isin=dd2)]),
       {"R139-15/devises-max10": "breach", "R139-14/organismes-dedies": "ok"}, "breach",
       transparence=fund_rows(dd2, [line("tcn", Decimal(510000), "TCN USD dédié", devise="USD",
                                         type_emetteur="autre"), sovereign(Decimal(490000), 1)]),
       why="R. 139-15 last paragraph: 20 % x 51 % = 10,2 % > 10 %")
simple("44-simplified-applies", fill(equities(pct("15"), 4, "US S", devise="USD", pays="US", cotation="ocde")),
       {"R139-44/change-max15": "breach"}, "breach", why="RR 19: R. 139-44 applies in the simplified regime")
case("14-regime-simplifie-one-regime",
     fill([line("action", pct("1"), "Action B", regime="base")], regime="base")
     + fill([], regime="invalidite"),
     {EL14: "ok"}, "ok", args=("--regime-simplifie", "invalidite"),
     why="R. 139-10: « pour les régimes concernés »: the share is in the full-regime régime")
case("14-regime-simplifie-named-regime-breaches",
     fill([], regime="base")
     + fill([line("action", pct("1"), "Action I", regime="invalidite")], regime="invalidite"),
     {EL14: "breach"}, "breach", args=("--regime-simplifie", "invalidite"))

# ---------------------------------------------------------------- régimes checked apart (RR 1)
case("rr1-regime-no-dilution",
     fill(equities(pct("25") + C, 6, "Eq R", regime="base"), regime="base") + fill([], regime="complementaire"),
     {A25: "breach"}, "breach", why="RR 1: one régime cannot dilute another's excess")
case("rr1-regime-each-at-limit",
     fill(equities(pct("25"), 6, "Eq R2", regime="base"), regime="base")
     + fill(equities(pct("25"), 6, "Eq R3", regime="complementaire"), regime="complementaire"),
     {A25: "ok"}, "ok")
case("rr1-regime-entity-split",
     fill([line("obligation", pct("5"), "Orange R", regime="base")], regime="base")
     + fill([line("obligation", pct("5"), "Orange R", regime="complementaire")], regime="complementaire"),
     {E5: "ok"}, "ok", why="RR 1: each régime is its own actif de placement")

# ---------------------------------------------------------------- the base (RR 1, 3)
case("rr1-gestion-pocket-does-not-dilute",
     fill(equities(pct("25") + C, 6, "Eq G")) + [sovereign(Decimal(5000000), 4, poche="gestion")],
     {A25: "breach"}, "breach")
case("rr1-gestion-pocket-out-of-every-rule",
     fill([]) + [line("action", Decimal(5000000), "Action gestion", poche="gestion", cotation="aucune")],
     {A25: "ok", "R139-19/cotation": OKNA}, "ok", why="RR 1: the gestion pocket is outside every rule")
case("rr1-three-months-cash-out-of-base",
     fill(equities(pct("25") + C, 6, "Eq X")) + [line("depot", Decimal(2000000), "Banque Prest",
                                                         exclusion="prestations_3_mois")],
     {A25: "breach"}, "breach", why="RR 1: out of numerator and denominator")
case("rr3-accrued-interest-counts",
     fill([line("obligation", pct("4.9"), "Coupon SA", coupon_couru=pct("0.1") + C)]),
     {E5: "breach"}, "breach", why="RR 3: value = valeur + coupon_couru")
case("rr3-accrued-interest-at",
     fill([line("obligation", pct("4.9"), "Coupon SB", coupon_couru=pct("0.1"))]), {E5: "ok"}, "ok")
case("zero-value-line", fill([line("action", Decimal(0), "Zéro SA", quantite=None, quantite_emise=None,
                               encours_emetteur=Decimal(1000000))]), {A25: "ok", E5: "ok"}, "ok")

# ---------------------------------------------------------------- one entity under two names (RR 8)
BNP_LEI = lei("R0MUWSFPU8MPRO8K5P")
case("45-issuer-under-lei-and-name",
     fill([line("obligation", pct("3"), "BNP Paribas", groupe=BNP_LEI, type_emetteur="etablissement_credit"),
           line("obligation", pct("2") + C, "BNP Paribas", groupe="BNP Paribas",
                type_emetteur="etablissement_credit")]),
     {E5: "breach"}, "breach", why="RR 8: one issuer under two groups: the groups merge")
case("45-group-missing-on-one-line",
     fill([line("obligation", pct("3"), "Filiale Z1", groupe="Groupe Z"),
           line("obligation", pct("2") + C, "Filiale Z2", groupe=None)]),
     {E5: ("unknown", "breach")}, None,
     why="RR 8: a line without groupe: unknown unless it passes joined to the largest group")
case("45-group-missing-passes-joined",
     fill([line("obligation", pct("2"), "Filiale Y1", groupe="Groupe Y"),
           line("obligation", pct("2"), "Filiale Y2", groupe=None)]),
     {E5: "ok"}, "ok", why="RR 8: 4 % joined to the largest group still passes")

# ---------------------------------------------------------------- missing and stale look-through (R. 139-17, RR 3, 4)
def ucits(value, name, u=None, **cols):
    return line("opcvm", value, name, isin=u or isin(), **cols)


case("17-missing-small-fund", fill([ucits(pct("1"), "OPCVM sans inventaire")]),
     {LT: "unknown", A25: "ok", E5: "ok"}, "unknown", why="the verdict holds with the whole fund in the worst place")
case("17-missing-fund-over-5", fill([ucits(pct("6"), "OPCVM 6 sans inventaire")]),
     {LT: "unknown", E5: "unknown"}, "unknown", why="6 % in one entity in the worst place")
case("17-missing-worst-at-25", fill(equities(pct("10"), 5, "Eq M") + [ucits(pct("15"), "OPCVM 15 sans")]),
     {LT: "unknown", A25: "ok"}, "unknown", why="10 % + the whole 15 % = 25 % holds")
case("17-missing-worst-over-25", fill(equities(pct("10") + C, 5, "Eq N") + [ucits(pct("15"), "OPCVM 15 sans b")]),
     {LT: "unknown", A25: "unknown"}, "unknown")
case("17-missing-fm", fill([line("fonds_mutualise", pct("1"), "FM sans inventaire", isin=isin())]),
     {LT: "unknown"}, "unknown")
case("17-money-market-kept-as-units", fill([line("monetaire", pct("4"), "Monétaire sans inventaire")]),
     {LT: OKNA}, "ok", why="RR 4: money-market units stay units")
mm = isin()
case("17-money-market-inventory-not-used",
     fill([line("monetaire", pct("6"), "Monétaire M", isin=mm)]), {E5: "breach"}, "breach",
     transparence=fund_rows(mm, [sovereign(Decimal(500000), 1), sovereign(Decimal(500000), 2)]),
     why="RR 4: the units of one entity count for R. 139-45; the inventory is not used")
for tag, days, want in (("92-days", 92, "ok"), ("93-days", 93, "unknown"), ("after-date", -1, "unknown")):
    u = isin()
    case(f"17-inventory-age-{tag}", fill([ucits(pct("2"), f"OPCVM âge {days}", u)]), {LT: want}, want,
         transparence=fund_rows(u, [sovereign(Decimal(1000), 1)], date=dt.date(2025, 12, 31) - dt.timedelta(days)),
         why="RR 3: more than 92 days before --date, or after it, is not used")
u_old = isin()
case("17-inventory-age-option", fill([ucits(pct("2"), "OPCVM âge 120", u_old)]), {LT: "ok"}, "ok",
     transparence=fund_rows(u_old, [sovereign(Decimal(1000), 1)], date=dt.date(2025, 9, 2)),
     args=("--anciennete-transparence", "120"))
# a holding split across two funds: one entity total (issue's rescaled values)
u1, u2 = isin(), isin()
for tag, extra, want in (("at", 0, "ok"), ("over", 1, "breach")):
    u1, u2 = isin(), isin()
    case(f"45-split-across-two-funds-{tag}",
         fill([ucits(pct("10"), "OPCVM S1", u1),
               line("fonds_mutualise", pct("10") + extra * 20, "FM S2", isin=u2)]),
         {E5: want}, want,
         transparence=fund_rows(u1, [line("obligation", Decimal(250), "Split Corp"), sovereign(Decimal(750), 1)])
         + fund_rows(u2, [line("obligation", Decimal(500), "Split Corp"), sovereign(Decimal(1500), 2)]),
         why="2,5 % + 2,5 % (the second fund's line + 20 cents adds 5 cents)")
# fund line value by ISIN or by label (SPEC-R139 §2: `fonds` = ISIN, else libelle)
case("17-fund-named-by-label",
     fill([line("opcvm", pct("10"), "OPCVM Libellé", isin=None, libelle="OPCVM Libellé")]),
     {LT: "ok", E5: "breach"}, "breach",
     transparence=fund_rows("OPCVM Libellé", [line("obligation", Decimal(600), "Label Corp"),
                                             sovereign(Decimal(400), 1)]))

# ---------------------------------------------------------------- cure periods (R. 139-48, SPEC-R139 §4-5)
def orange_breach(constat=None, **kw):
    rows = [dict(regle=E5, sujet="Orange CP", premier_constat=constat)] if constat else None
    return dict(lines=fill([line("obligation", pct("5") + C, "Orange CP")]), constats=rows, **kw)


for tag, first, date, cure in (("in-time", dt.date(2025, 7, 1), None, "ok"),
                               ("past", dt.date(2025, 6, 29), None, "breach"),
                               ("on-deadline", dt.date(2025, 6, 30), "2025-12-30", "ok"),
                               ("month-end-in", dt.date(2025, 8, 31), "2026-02-28", "ok"),
                               ("month-end-past", dt.date(2025, 8, 31), "2026-03-01", "breach")):
    kw = orange_breach(first)
    case(f"48-cure-{tag}", kw["lines"], {E5: "breach", CURE: cure}, "breach", constats=kw["constats"],
         date=date or "2025-12-31",
         finding={E5: {"first_observed": first.isoformat()}})
case("48-cure-deadline-month-end", orange_breach(dt.date(2025, 8, 31))["lines"], {E5: "breach"}, "breach",
     constats=orange_breach(dt.date(2025, 8, 31))["constats"], date="2026-01-15",
     finding={E5: {"deadline": "2026-02-28"}}, why="same day number, else the month's last day")
case("48-no-first-date", orange_breach()["lines"], {E5: "breach", CURE: "unknown"}, "breach",
     why="RR 15: no first date: R139-48/delai-regularisation unknown")
case("48-no-breach-no-cure", fill([]), {CURE: OKNA}, "ok")
imm_lines = fill([line("droit_immobilier", pct("7"), immeuble="IMM-V1"),
                  line("droit_immobilier", pct("7"), immeuble="IMM-V2"),
                  line("droit_immobilier", pct("6") + C, immeuble="IMM-V3")])
for tag, first, cure in (("in", dt.date(2021, 1, 15), "ok"), ("past", dt.date(2020, 12, 30), "breach")):
    case(f"48-real-estate-five-years-{tag}", imm_lines, {IMMO20: "breach", CURE: cure}, "breach",
         constats=[dict(regle=IMMO20, sujet="", premier_constat=first, cause="valorisation")],
         why="R. 139-48 al. 3: five years with cause = valorisation")
case("48-real-estate-no-cause-six-months", imm_lines, {IMMO20: "breach", CURE: "breach"}, "breach",
     constats=[dict(regle=IMMO20, sujet="", premier_constat=dt.date(2021, 1, 15))],
     why="RR 15: no declared cause: six months")

# ---------------------------------------------------------------- rescaling is exact, never rounded to the cent
# 1 000 000,00 € of fund line, an inventory of 1 000 000 000 € of which 500 000 004 € in one issuer: the body
# holds 500 000,004 € of it, 5,00000004 % of the base: over 5 % though it rounds to 500 000,00 €
u_r = isin()
case("17-rescaled-fraction-of-a-cent-over-5",
     fill([line("fonds_mutualise", pct("10"), "FM Arrondi", isin=u_r)]), {E5: "breach"}, "breach",
     transparence=fund_rows(u_r, [line("obligation", Decimal(500000004), "Arrondi Corp"),
                                  sovereign(Decimal(499999996), 1)]),
     why="R. 139-17 last paragraph: values x k exactly; limits compared exactly")
u_r2 = isin()
case("17-rescaled-fraction-of-a-cent-under-5",
     fill([line("fonds_mutualise", pct("10"), "FM Arrondi 2", isin=u_r2)]), {E5: "ok"}, "ok",
     transparence=fund_rows(u_r2, [line("obligation", Decimal(499999996), "Arrondi Corp 2"),
                                   sovereign(Decimal(500000004), 1)]))
u_r3 = isin()
case("41-3-rescaled-fraction-of-a-cent-over-25",
     fill(equities(pct("20"), 5, "Eq Arr") + [line("opcvm", pct("10"), "OPCVM Arrondi", isin=u_r3)]),
     {A25: "breach"}, "breach",
     transparence=fund_rows(u_r3, [*equities(Decimal(500000004), 5, "Arr Via"), sovereign(Decimal(499999996), 1)]))

# ---------------------------------------------------------------- bad look-through input, bad lines (exit 2)
def bad(name, lines, message, **kw):
    case(name, lines, code=2, message=message, **kw)


u_b1 = isin()
bad("bad-lt-value-not-a-number", fill([ucits(pct("2"), "OPCVM B1", u_b1)]),
    ("Transparence", "ligne 3", "valeur", "douze"),
    transparence=fund_rows(u_b1, [sovereign(Decimal(1000), 1), sovereign("douze", 2)]))
u_b2 = isin()
bad("bad-lt-sum-zero", fill([ucits(pct("2"), "OPCVM B2", u_b2)]), ("Transparence", u_b2),
    transparence=fund_rows(u_b2, [sovereign(Decimal(1000), 1), line("contrat_financier", Decimal(-1000), None,
                                                                     exposition=Decimal(-1000))]))
u_b3 = isin()
bad("bad-lt-sum-negative", fill([ucits(pct("2"), "OPCVM B3", u_b3)]), ("Transparence", u_b3),
    transparence=fund_rows(u_b3, [sovereign(Decimal(1000), 1), line("contrat_financier", Decimal(-2000), None,
                                                                     exposition=Decimal(-2000))]))
bad("bad-lt-unknown-fund", fill([ucits(pct("2"), "OPCVM B4")]), ("Transparence", "FR"),
    transparence=fund_rows(isin(), [sovereign(Decimal(1000), 1)]))
u_b5 = isin()
bad("bad-lt-two-inventories", fill([ucits(pct("2"), "OPCVM B5", u_b5)]), ("Transparence", u_b5),
    transparence=fund_rows(u_b5, [sovereign(Decimal(1000), 1)], date=dt.date(2025, 12, 1))
    + fund_rows(u_b5, [sovereign(Decimal(1000), 2)], date=dt.date(2025, 12, 15)))
u_b6 = isin()
bad("bad-lt-isin-check-digit", fill([ucits(pct("2"), "OPCVM B6", u_b6)]), ("Transparence", "isin", "FR0000120173"),
    transparence=fund_rows(u_b6, [sovereign(Decimal(1000), 1, isin="FR0000120173")]))
u_b7 = isin()
bad("bad-lt-nature", fill([ucits(pct("2"), "OPCVM B7", u_b7)]), ("Transparence", "nature", "actionz"),
    transparence=fund_rows(u_b7, [line("actionz", Decimal(1000), "X")]))
bad("bad-lt-fund-names-a-share", fill([line("action", pct("2"), "Pas un fonds", isin=(u_b8 := isin()))]),
    ("Transparence", u_b8), transparence=fund_rows(u_b8, [sovereign(Decimal(1000), 1)]))
bad("bad-negative-share-line", fill([]) + [line("action", Decimal(-1000), "Négative SA")],
    ("Portefeuille", "valeur", "-1"))
bad("bad-nature", fill([]) + [line("actionnn", Decimal(1000), "X SA")], ("Portefeuille", "nature", "actionnn"))
bad("bad-exclusion-on-a-share", fill([]) + [line("action", Decimal(1000), "Exclue SA", exclusion="prestations_3_mois")],
    ("Portefeuille", "exclusion"))
bad("bad-exclusion-l134", fill([]) + [line("depot", Decimal(1000), "Banque L134", exclusion="compensation_L134-1")],
    ("Portefeuille", "exclusion", "compensation_L134-1"))
bad("bad-categorie-under-r139", [{"libelle": "OAT", "categorie": "1", "valeur": 1000, "devise": "EUR"}],
    ("--date",), why="SPEC-R139 §1: categorie but no nature under R. 139: exit 2 citing --date")
bad("bad-constats-date", fill([line("obligation", pct("5") + C, "Orange CB")]), ("Constats", "premier_constat"),
    constats=[dict(regle=E5, sujet="Orange CB", premier_constat="hier")])

# ---------------------------------------------------------------- dates and versions (SPEC §4, SPEC-R139 §0)
R623_LINES = [{"libelle": "OAT 2030", "categorie": "1", "valeur": 1000000, "devise": "EUR", "isin": "FR0011883966",
               "emetteur": "République française", "pays": "FR", "conservation": "oui"}]
bad("date-2018", fill([]), ("2017-887",), date="2018-06-30")
bad("date-2019-07-07", fill([]), ("2017-887",), date="2019-07-07")
case("date-2019-07-08", fill([]), {E5: OKNA}, "ok", date="2019-07-08", version="R139-2019-07-08")
case("date-2025-title", fill([]), {}, "ok", date=None, title_date="31/12/2025", version="R139-2019-07-08")
case("date-2016-title-r623", R623_LINES, {}, None, date=None, title_date="31/12/2016", version="R623-2002-11-01")
case("date-2017-12-31-r623", R623_LINES, {}, None, date="2017-12-31", version="R623-2002-11-01")
bad("date-2018-title", fill([]), ("2017-887",), date=None, title_date="15/03/2018")
case("date-2016-parametres-r623", R623_LINES, {}, None, date=None, version="R623-2002-11-01",
     sheets={"Paramètres": [{"parametre": "date_arrete", "valeur": "31/12/2016"}]})
bad("date-2018-parametres", fill([]), ("2017-887",), date=None,
    sheets={"Paramètres": [{"parametre": "date_arrete", "valeur": "30/06/2018"}]})
case("date-2025-parametres", fill([]), {}, "ok", date=None, version="R139-2019-07-08",
     sheets={"Paramètres": [{"parametre": "date_arrete", "valeur": "31/12/2025"}]})
bad("date-before-2002", R623_LINES, ("2002",), date="2002-10-31")

# ---------------------------------------------------------------- TPT files (--transparence, SPEC-R139 §2)
def tpt_holding(cic, name, clean, **kw):
    return {"cic": cic, "name": name, "clean": clean, **kw}


SOV_TPT = lambda v, i=1: tpt_holding("DE11", f"Bund {i}", v, isin=isin("DE"), issuer="République fédérale d'Allemagne",
                                     country="DE", nominal=v, qty=v)
for tag, extra, want in (("at", 0, "ok"), ("over", 1, "breach")):
    u_t = isin()
    case(f"tpt-entity-5-rescaled-{tag}", fill([line("fonds_mutualise", pct("10"), "FM TPT", isin=u_t)]),
         {E5: want, LT: "ok"}, want,
         tpt=[(u_t, Decimal(2000000), [tpt_holding("FR21", "Oblig TPT Corp", Decimal(1000000) + extra,
                                                   isin=isin(), issuer="TPT Corp", country="FR", nominal=1000000,
                                                   qty=1000000, lei=lei("9695TPTCORP0000000")),
                                       SOV_TPT(Decimal(1000000) - extra)])],
         why="TPT 25: the clean value, rescaled to the line: 5 % + 1/2 cent... ")
u_t2 = isin()
case("tpt-csv", fill([line("fonds_mutualise", pct("10"), "FM TPT CSV", isin=u_t2)]), {E5: "breach", LT: "ok"},
     "breach", tpt=[(u_t2, Decimal(1000), [tpt_holding("FR21", "Oblig CSV Corp", Decimal(600), isin=isin(),
                                                      issuer="CSV Corp", country="FR", nominal=600, qty=600),
                                          SOV_TPT(Decimal(400))], "csv")])
u_t3 = isin()
case("tpt-lei-matches-direct-line",
     fill([line("obligation", pct("3"), "Orange SA", groupe=lei("969500MCOONR8990S7")),
           line("fonds_mutualise", pct("10"), "FM TPT LEI", isin=u_t3)]),
     {E5: "breach"}, "breach",
     tpt=[(u_t3, Decimal(1000), [tpt_holding("FR21", "ORANGE 2030", Decimal(201), isin=isin(), issuer="ORANGE",
                                             lei=lei("969500MCOONR8990S7"), group_id=lei("969500MCOONR8990S7"),
                                             country="FR", nominal=201, qty=201),
                                 SOV_TPT(Decimal(799))])],
     why="RR 8: one entity known by LEI in the TPT file and the direct line's groupe: 3 % + 2,01 %")
u_t4 = isin()
case("tpt-equity-cic-3",
     fill(equities(pct("20"), 5, "Eq TPT") + [line("opcvm", pct("10"), "OPCVM TPT", isin=u_t4)]),
     {A25: "breach"}, "breach",
     tpt=[(u_t4, Decimal(1000), [tpt_holding("FR31", f"Action TPT {i}", Decimal(110), isin=isin(),
                                             issuer=f"TPT Eq {i}", country="FR", qty=1) for i in range(5)]
           + [SOV_TPT(Decimal(450))])],
     why="CIC 3rd character 3: equity; 20 % + 10 % x 55 % = 25,5 %")
u_t5 = isin()
bad("tpt-bad-value", fill([line("fonds_mutualise", pct("10"), "FM TPT bad", isin=u_t5)]),
    ("25_", "abc"), tpt=[(u_t5, Decimal(1000), [tpt_holding("FR21", "Oblig", "abc", isin=isin(), issuer="X",
                                                            country="FR")])])
u_t6 = isin()
bad("tpt-sum-zero", fill([line("fonds_mutualise", pct("10"), "FM TPT zero", isin=u_t6)]), (u_t6,),
    tpt=[(u_t6, Decimal(0), [tpt_holding("FR21", "Oblig", Decimal(0), isin=isin(), issuer="X", country="FR")])])
u_t7 = isin()
bad("tpt-and-sheet-same-fund", fill([line("fonds_mutualise", pct("10"), "FM deux", isin=u_t7)]), (u_t7,),
    transparence=fund_rows(u_t7, [sovereign(Decimal(1000), 1)]),
    tpt=[(u_t7, Decimal(1000), [SOV_TPT(Decimal(1000))])], why="SPEC-R139 §2: two inventories of one fund")

# ---------------------------------------------------------------- classifications missing (RR 20), listings (RR 11)
case("41-7-financement-issuer-kind-missing",
     fill([line("obligation", pct("2"), f"Émetteur NC {i}", type_emetteur=None) for i in range(3)]),
     {FIN5: "unknown"}, "unknown", why="RR 20: an empty type_emetteur may hide an organisme de financement")
case("41-7-financement-issuer-kind-missing-small",
     fill([line("obligation", pct("2"), f"Émetteur NS {i}", type_emetteur=None) for i in range(2)]),
     {FIN5: "ok"}, None, why="RR 20: unknown only where the other classification would change the verdict")
case("45-2-sovereign-kind-missing",
     fill([line("titre_etat", pct("20"), "République italienne", type_emetteur=None, pays="IT")]),
     {E5: ("unknown", "breach")}, None, why="RR 20: an empty type_emetteur grants no exemption")
case("19-3-us-treasury-tcn-unlisted-counts-ocde",
     fill([line("tcn", pct("5"), f"US Treasury {i}", type_emetteur="etat", pays="US", cotation="aucune")
           for i in range(3)] + [line("tcn", C, "US Treasury X", type_emetteur="etat", pays="US",
                                      cotation="aucune")]),
     {OCDE15: "breach", "R139-19/cotation": "ok"}, None,
     why="R. 139-19 III: OECD-state TCN assimilated to I 3°: counted in 41 5° (RR 11)")
case("41-5-best-listing-eee",
     fill(equities(pct("20"), 5, "Dual Listed", cotation="eee", pays="US")),
     {OCDE15: OKNA}, "ok", why="RR 11: listed in New York and Paris is 1°")
case("41-3-listed-real-estate-company-counts-twice",
     fill(equities(pct("20"), 5, "Eq RE") + [line("societe_immobiliere", pct("5") + C, "Foncière Cotée SA",
                                                  forme_juridique="SA", cotation="eee")]),
     {A25: "breach", IMMO20: "ok"}, "breach", why="RR 10: a listed real-estate company counts in 41 3° and 41 2°")
cv = isin()
case("46-convertible-both",
     fill([line("obligation", Decimal(600000), "Convertible SA", isin=cv, capital_ou_creance="les_deux",
                quantite=600, quantite_emise=10000)]),
     {CAP5: "breach", DEBT5: "breach"}, "breach", why="RR 9: les_deux for a convertible")
s1, s2, s3 = isin(), isin(), isin()
case("46-same-isin-two-funds-issue-once",
     fill([line("fonds_mutualise", pct("1"), "FM dummy", isin=s3),
           line("opcvm", pct("5"), "OPCVM I1", isin=s1), line("organisme_dedie", pct("5"), "Dédié I2", isin=s2)]),
     {CAP5: "breach"}, "breach",
     transparence=fund_rows(s1, [line("action", Decimal(300), "Titre Partagé", isin=(tp := isin()), quantite=3,
                                      quantite_emise=10000), sovereign(Decimal(700), 1)])
     + fund_rows(s2, [line("action", Decimal(300), "Titre Partagé", isin=tp, quantite=3, quantite_emise=10000),
                      sovereign(Decimal(700), 2)])
     + fund_rows(s3, [sovereign(Decimal(100), 3)]),
     why="RR 9: each ISIN once across funds: 150 000 + 150 000 of a 10 000 000 € issue... = 3 %? see below")

# ---------------------------------------------------------------- more of the régime simplifié (RR 19, R. 139-11)
dd3 = isin()
simple("14-7-dedie-holds-real-estate", fill([line("organisme_dedie", pct("5"), "Dédié S3", isin=dd3)]),
       {"R139-14/organismes-dedies": "breach"}, "breach",
       transparence=fund_rows(dd3, [line("droit_immobilier", Decimal(100000)), sovereign(Decimal(900000), 1)]),
       why="R. 139-14 7°: only 1° to 3° and 6° of R. 139-14")
simple("24-simplified-sci-unknown", fill([line("societe_immobiliere", pct("1"), "SCI Simple", forme_juridique="SCI")]),
       {"R139-24/perte-limitee": "unknown"}, "unknown", why="RR 19: R. 139-24 applies in the simplified regime")
simple("21-simplified-deposit-locked", fill([line("depot", pct("1"), "Banque Simple", remboursable="non")]),
       {"R139-21/depots": "breach"}, "breach")
simple("45-not-in-simplified", fill([line("depot", pct("20"), "Banque Unique")]),
       {E10: "not_applicable", E5: "not_applicable"}, "ok", why="R. 139-10: R. 139-45 does not apply")
for tag, since, cure in (("in-time", "2024-06-30", "ok"), ("past", "2023-12-30", "breach")):
    simple(f"11-cession-two-years-{tag}", fill([line("action", pct("1"), f"Action Héritée {tag}")]),
           {EL14: "breach", CURE: cure}, "breach", args=("--regime-simplifie-depuis", since),
           why="R. 139-11: two years from the simplified regime's application")
simple("11-debt-five-years-under-par", fill([line("obligation", Decimal(90000), "Oblig sous le pair",
                                                  quantite=100000)]),
       {EL14: "breach", CURE: "ok"}, "breach", args=("--regime-simplifie-depuis", "2023-06-30"),
       why="R. 139-11: five years for a debt security while its nominal exceeds its value")

# ---------------------------------------------------------------- R. 139-40 2°: forwards covered throughout
fw = isin()
case("40-2-forward-sale-underlying-held",
     fill([line("action", pct("2"), "Titre Vendu à Terme", isin=fw),
           line("contrat_financier", Decimal(0), None, type_contrat="terme", sous_jacent=fw,
                type_sous_jacent="action", notionnel=pct("2"), exposition=-pct("2"), devise_exposition="EUR",
                contrepartie="Eurex Clearing", cotation="eee")]),
     {"R139-40/terme-couvert": "ok"}, why="R. 139-40 2°: the underlying held throughout")
case("40-2-forward-sale-not-held",
     fill([line("contrat_financier", Decimal(0), None, type_contrat="terme", sous_jacent=isin(),
                type_sous_jacent="action", notionnel=pct("2"), exposition=-pct("2"), devise_exposition="EUR",
                contrepartie="Eurex Clearing", cotation="eee", sous_jacent_detenu="non")]),
     {"R139-40/terme-couvert": "breach"}, "breach")

# ---------------------------------------------------------------- states and places: EEA, Switzerland, the UK
case("45-2-swiss-confederation", fill([line("titre_etat", pct("20"), "Confédération suisse", pays="CH")]),
     {SOV50: "ok", E5: OKNA}, "ok", why="R. 139-45 II: la Suisse")
case("45-2-norway-eea", fill([line("titre_etat", pct("20"), "Royaume de Norvège", pays="NO")]),
     {SOV50: "ok", E5: OKNA}, "ok", why="R. 139-45 II: an EEA state")
case("45-2-united-kingdom-under-I", fill([line("titre_etat", pct("5") + C, "Royaume-Uni", pays="GB")]),
     {E5: "breach"}, "breach", why="R. 139-45 II: the UK is neither EU, EEA nor Switzerland")
case("45-2-opi", fill([line("obligation", pct("20"), "Banque mondiale (BIRD)", type_emetteur="opi", pays="INT")]),
     {SOV50: "ok", E5: OKNA}, "ok", why="R. 139-45 II: organismes publics internationaux with EU members")
case("46-2-uk-gilt-not-exempt",
     fill([line("titre_etat", Decimal(600000), "Royaume-Uni G", pays="GB", quantite=600, quantite_emise=10000)]),
     {DEBT5: "breach"}, "breach", why="R. 139-46 II 1°: EU/EEA/CH states only")
case("46-2-opi-exempt",
     fill([line("obligation", Decimal(600000), "BIRD", type_emetteur="opi", pays="INT", quantite=600,
                quantite_emise=10000)]), {DEBT5: OKNA}, "ok", why="R. 139-46 II 2°")
one("21-depot-norway", line("depot", pct("1"), "DNB", pays="NO"), "R139-21/depots", "ok")
one("21-depot-uk", line("depot", pct("1"), "Barclays", pays="GB"), "R139-21/depots", "breach")
one("22-building-norway", line("droit_immobilier", pct("1"), pays="NO"), "R139-22/immobilier", "ok")
one("22-building-uk", line("droit_immobilier", pct("1"), pays="GB"), "R139-22/immobilier", "breach")
one("19-ecb-tcn-unlisted", line("tcn", pct("1"), "Banque centrale européenne", type_emetteur="bce", pays="DE",
                                cotation="aucune"), "R139-19/cotation", "ok", why="R. 139-19 II 2°")
one("19-cades-tcn-unlisted", line("tcn", pct("1"), "CADES", type_emetteur="cades", cotation="aucune"),
    "R139-19/cotation", "ok", why="R. 139-19 II 7°")

# ---------------------------------------------------------------- R. 139-41 1° over two UCITS, R. 139-16 2° computed
for tag, d, want in (("at", 0, "ok"), ("over", C, "breach")):
    ua, ub = isin(), isin()
    case(f"41-1-two-ucits-{tag}", fill([ucits(pct("7.5"), "OPCVM A", ua), ucits(pct("7.5") + d, "OPCVM B", ub)]),
         {OPCVM15: want}, want, transparence=fund_rows(ua, [sovereign(Decimal(1000), 1)])
         + fund_rows(ub, [sovereign(Decimal(1000), 2)]))
for tag, eligible, want in (("at", 900, "ok"), ("under", 899, "breach")):
    uc = isin()
    case(f"16-opcvm-90-from-inventory-{tag}",
         fill([ucits(pct("5"), "OPCVM Calc", uc, part_titres_eligibles=None)]),
         {"R139-16/opcvm-90": want}, want,
         transparence=fund_rows(uc, [sovereign(Decimal(eligible), 1),
                                     line("action", Decimal(1000 - eligible), "Non cotée OPCVM", cotation="aucune")]),
         why="R. 139-16 2°: ≥ 90 % read from the inventory when not declared")

# ---------------------------------------------------------------- cure of R. 139-39 (three months), subjects
otc = dict(lines=fill([hedged_bonds(), future(-pct("2"), "BNP Paribas", type_contrat="swap", cotation="aucune")]))
for tag, first, cure in (("in", dt.date(2025, 10, 1), "ok"), ("past", dt.date(2025, 9, 30), "breach")):
    case(f"39-three-months-{tag}", otc["lines"], {"R139-37/marches": "breach", CURE: cure}, "breach",
         constats=[dict(regle="R139-37/marches", sujet="", premier_constat=first),
                   dict(regle="R139-39/denouement-3-mois", sujet="", premier_constat=first)],
         why="R. 139-39: unwound within three months")
case("48-subject-not-matching", orange_breach()["lines"], {E5: "breach", CURE: "unknown"}, "breach",
     constats=[dict(regle=E5, sujet="Une autre entité", premier_constat=dt.date(2025, 10, 1))],
     why="RR 15: no first date for this subject")

# ---------------------------------------------------------------- aliases of the contract (SPEC-R139 §1)
case("poche-reserves-alias", fill(equities(pct("25") + C, 6, "Eq P", poche="reserves")), {A25: "breach"}, "breach")
case("exclusion-alias-echeance-trimestrielle",
     fill(equities(pct("25") + C, 6, "Eq T")) + [line("depot", Decimal(3000000), "Banque Trim",
                                                     exclusion="echeance_trimestrielle")],
     {A25: "breach"}, "breach")
case("english-headers", [{{"libelle": "name", "nature": "asset_type", "valeur": "market_value",
                           "devise": "currency"}.get(k, k): v for k, v in r.items()}
                         for r in fill(equities(pct("25") + C, 6, "Eq EN"))],
     {A25: "breach"}, "breach", why="SPEC §1: the English aliases")

# ---------------------------------------------------------------- funds inside funds through TPT (RR 4)
u_t8 = isin()
case("tpt-fund-in-fm-is-tenth",
     fill([line("fonds_mutualise", pct("20"), "FM TPT fonds", isin=u_t8)]), {AFM15: "breach"}, "breach",
     tpt=[(u_t8, Decimal(1000), [tpt_holding("FR43", "Monétaire dans FM", Decimal(760), isin=isin(),
                                             issuer="Gérant Monétaire", country="FR", qty=1),
                                 SOV_TPT(Decimal(240))])],
     why="RR 4: a fund unit inside a fonds mutualisé is a 10° asset: 20 % x 76 % = 15,2 %")
u_t9 = isin()
case("tpt-unlisted-in-dedicated-fund",
     fill([line("organisme_dedie", pct("5"), "Dédié TPT", isin=u_t9)]), {"R139-19/cotation": "breach"}, "breach",
     tpt=[(u_t9, Decimal(1000), [tpt_holding("XL31", "Action non cotée", Decimal(100), isin=isin(),
                                             issuer="PME SAS", country="FR", qty=1),
                                 SOV_TPT(Decimal(900))])],
     why="SPEC-R139 §2: CIC XL is unlisted; RR 17: held via a dedicated fund, it breaches")

# ---------------------------------------------------------------- more entities (RR 6, RR 8), accrued interest in TPT
case("45-contract-positive-value-claim-on-counterparty",
     fill([hedged_bonds(), future(-pct("1"), "Banque Contrepartie", type_contrat="swap", cotation="eee")
           | {"valeur": pct("5") + C}]),
     {E5: "breach"}, "breach", why="RR 6: a contract's positive value is a claim on its counterparty")
GRP_LEI = lei("5493GROUPEXYZ00000")
u_g = isin()
case("45-group-through-tpt-group-id",
     fill([line("obligation", pct("3"), "Filiale Directe", groupe=GRP_LEI),
           line("fonds_mutualise", pct("10"), "FM Groupe", isin=u_g)]),
     {E5: "breach"}, "breach",
     tpt=[(u_g, Decimal(1000), [tpt_holding("FR21", "Autre filiale 2030", Decimal(201), isin=isin(),
                                            issuer="Autre Filiale SA", group="Groupe XYZ", group_id=GRP_LEI,
                                            country="FR", nominal=201, qty=201), SOV_TPT(Decimal(799))])],
     why="R. 139-45 III: the group of TPT field 50 is the groupe of the direct line: 3 % + 2,01 %")
u_ai = isin()
case("tpt-accrued-interest-counts",
     fill([line("fonds_mutualise", pct("10"), "FM Coupons", isin=u_ai)]), {E5: "breach"}, "breach",
     tpt=[(u_ai, Decimal(1000), [tpt_holding("FR21", "Oblig couru", Decimal(495), dirty=Decimal(505), isin=isin(),
                                             issuer="Couru SA", country="FR", nominal=500, qty=500),
                                 SOV_TPT(Decimal(495))])],
     why="RR 3 and SPEC-R139 §2: 24 − 25 is accrued interest, in the holding and in Σvᵢ: 505 / 1 000 = 5,05 %")
case("44-euro-not-realisable",
     fill(equities(pct("15"), 4, "EUR NR", realisable_euro="non")), {FX15: "breach"}, "breach",
     why="RR 13: none marked realisable_euro = non")

# ---------------------------------------------------------------- a fund inside a UCITS (RR 4), one person by LEI
u_ff = isin()
case("16-ucits-holding-funds-undeclared",
     fill([ucits(pct("5"), "OPCVM de fonds", u_ff, part_titres_eligibles=None)]),
     {"R139-16/opcvm-90": "breach"}, "breach",
     transparence=fund_rows(u_ff, [line("opcvm", Decimal(110), "OPCVM dans OPCVM"), sovereign(Decimal(890), 1)]),
     why="RR 4: a fund unit inside a UCITS is in its non-eligible 10 %: 89 % < 90 %")
u_ff2 = isin()
case("16-ucits-declared-contradicted",
     fill([ucits(pct("5"), "OPCVM déclaré", u_ff2, part_titres_eligibles="0.95")]),
     {"R139-16/opcvm-90": "breach"}, "breach",
     transparence=fund_rows(u_ff2, [line("opcvm", Decimal(110), "OPCVM dans OPCVM 2"), sovereign(Decimal(890), 1)]),
     why="a declaration its own inventory contradicts is not taken at its word")
ONE_LEI = lei("R0MUWSFPU8MPRO8K5P")
case("45-one-person-by-lei",
     fill([line("obligation", pct("3"), "BNP Paribas", lei=ONE_LEI, groupe=None),
           line("obligation", pct("2") + C, "BNP PARIBAS SA", lei=ONE_LEI, groupe=None)]),
     {E5: ("breach",)}, "breach", why="SPEC §1: lines with one LEI are one legal person")
u_lei = isin()
case("45-tpt-issuer-lei-matches-line-lei",
     fill([line("obligation", pct("3"), "Orange", lei=lei("969500MCOONR8990S7"), groupe=None),
           line("fonds_mutualise", pct("10"), "FM LEI", isin=u_lei)]),
     {E5: "breach"}, "breach",
     tpt=[(u_lei, Decimal(1000), [tpt_holding("FR21", "ORANGE SA 2031", Decimal(201), isin=isin(), issuer="ORANGE SA",
                                              lei=lei("969500MCOONR8990S7"), country="FR", nominal=201, qty=201),
                                  SOV_TPT(Decimal(799))])],
     why="TPT 47 is the issuer's LEI: one person with the direct line")
u_t10 = isin()
bad("tpt-no-currency", fill([line("fonds_mutualise", pct("10"), "FM TPT sans devise", isin=u_t10)]), ("21_",),
    tpt=[(u_t10, Decimal(1000), [tpt_holding("FR21", "Oblig", Decimal(1000), isin=isin(), issuer="X", country="FR",
                                             cur=None)])],
    why="a TPT line must give its quotation currency")

# ---------------------------------------------------------------- which paragraph of R. 139-17 a holding comes through
u_fm30 = isin()
case("41-3-fm-equity-not-in-25",
     fill([line("fonds_mutualise", pct("30"), "FM Actions 30", isin=u_fm30)]), {A25: OKNA, A50: "ok"}, "ok",
     transparence=fund_rows(u_fm30, equities(Decimal(3000000), 7, "Via FM30")),
     why="R. 139-41 3° names R. 139-17 1° and 2° only: fonds mutualisés' equity counts in 4°")
u_fm51 = isin()
case("41-4-fm-equity-over-50",
     fill([line("fonds_mutualise", pct("50") + C, "FM Actions 50", isin=u_fm51)]), {A50: "breach"}, "breach",
     transparence=fund_rows(u_fm51, equities(Decimal(5000000), 11, "Via FM50")))
u_oc = isin()
case("41-5-ocde-through-ucits",
     fill(equities(pct("10"), 2, "US Direct", cotation="ocde", pays="US")
          + [ucits(pct("10"), "OPCVM US", u_oc)]),
     {OCDE15: "breach"}, "breach",
     transparence=fund_rows(u_oc, [*equities(Decimal(510), 5, "US Via", cotation="ocde", pays="US"),
                                   sovereign(Decimal(490), 1)]),
     why="RR 11: UCITS holdings count: 10 % + 5,1 %")
u_d10 = isin()
case("18-dedie-holds-tenth-asset",
     fill([line("organisme_dedie", pct("5"), "Dédié prêts", isin=u_d10)]), {"R139-18/eligibilite": "breach"},
     "breach", transparence=fund_rows(u_d10, [line("autre_fm", Decimal(100), "Prêt dans dédié"),
                                             sovereign(Decimal(900), 1)]),
     why="RR 4: a dedicated fund's holdings are the body's own; 10° only through a fonds mutualisé")
simple("14-7-dedie-missing-inventory", fill([line("organisme_dedie", pct("5"), "Dédié sans inventaire",
                                                   isin=isin())]),
       {"R139-14/organismes-dedies": "unknown"}, "unknown")
u_sh = isin()
case("17-inventory-with-a-short-position",
     fill([line("fonds_mutualise", pct("10"), "FM découvert", isin=u_sh)]), {E5: "breach"}, "breach",
     transparence=fund_rows(u_sh, [line("obligation", Decimal(600), "Couvert SA"), sovereign(Decimal(500), 1),
                                   line("emprunt", Decimal(-100), "Découvert du fonds")]),
     why="R. 139-17: Σvᵢ = 1 000 > 0; 600 / 1 000 of 10 % = 6 %")

# ---------------------------------------------------------------- R. 139-48 al. 3: no purchase of 8° assets during a kept overrun
KEPT = [dict(regle=IMMO20, sujet="", premier_constat=dt.date(2025, 3, 1), cause="valorisation")]
case("48-3-building-bought-during-overrun", imm_lines, {"R139-48/immobilier-achats": "breach", IMMO20: "breach"},
     "breach", constats=KEPT,
     orders="libelle;nature;montant;devise;immeuble;pays;actes_en_france;detention_integrale\n"
            "Nouvel immeuble;droit_immobilier;100 000,00;EUR;IMM-NEW;FR;oui;oui\n",
     why="R. 139-48 al. 3: « ne peut entreprendre, tant que le dépassement persiste, aucun nouvel achat »")
case("48-3-other-order-during-overrun", imm_lines, {"R139-48/immobilier-achats": OKNA, IMMO20: "breach"},
     "breach", constats=KEPT,
     orders=f"libelle;nature;montant;devise;isin\nVente OAT;titre_etat;-100 000,00;EUR;{imm_lines[-1]['isin']}\n",
     why="a sale is no purchase of 8° assets")

# ---------------------------------------------------------------- deposits held by funds (RR 6, RR 16)
u_dep = isin()
case("45-3-fund-deposit-counts-with-entity",
     fill([line("obligation", pct("4"), "Banque Fonds", type_emetteur="etablissement_credit"),
           line("fonds_mutualise", pct("10"), "FM Trésorerie", isin=u_dep)]),
     {E5: "ok", E10: "breach"}, "breach",
     transparence=fund_rows(u_dep, [line("depot", Decimal(610), "Banque Fonds", au_nom_organisme="non"),
                                    sovereign(Decimal(390), 1)]),
     why="R. 139-45 I 3°: 4 % of bonds + 6,1 % of deposits through the fund > 10 %")
u_dep2 = isin()
case("21-dedicated-fund-deposit-in-its-name",
     fill([line("organisme_dedie", pct("5"), "Dédié Trésorerie", isin=u_dep2)]),
     {"R139-21/depots": "ok"}, "ok",
     transparence=fund_rows(u_dep2, [line("depot", Decimal(300), "Banque Dédiée", au_nom_organisme="non"),
                                     sovereign(Decimal(700), 1)]),
     why="RR 16: a fund's deposit is in the fund's name, deemed the body's")

# ---------------------------------------------------------------- worst place of a fund without inventory, per rule
case("17-blind-fund-contracts-no-bound", fill([ucits(pct("1"), "OPCVM sans inventaire C")]),
     {CTR10: "unknown"}, "unknown", why="SPEC-R139 §2: no bound for R139-43")
case("17-blind-fund-currency-worst-under", fill([ucits(pct("14.99"), "OPCVM sans inventaire FX")]),
     {FX15: "ok"}, "unknown", why="the whole fund in another currency: 14,99 % < 15 %")
case("17-blind-fund-currency-worst-at", fill([ucits(pct("15"), "OPCVM sans inventaire FX15")]),
     {FX15: "unknown"}, "unknown", why="the whole fund in another currency: 15 % is not under 15 %")
case("17-blind-fund-real-estate-worst", fill([line("droit_immobilier", pct("9"), immeuble="IMM-BL"),
                                             line("fonds_mutualise", pct("1") + C, "FM sans inventaire I",
                                                  isin=isin())]),
     {IMM10: "unknown"}, "unknown", why="the whole fund in the same building: 10 % + 1 cent")

# ---------------------------------------------------------------- the TPT CIC mapping (SPEC-R139 §2)
u_c6 = isin()
case("tpt-cic-6-organisme-de-financement",
     fill([line("fonds_mutualise", pct("10"), "FM Titrisation", isin=u_c6)]), {FIN5: "breach"}, "breach",
     tpt=[(u_c6, Decimal(1000), [*[tpt_holding("FR61", f"ABS {i}", Decimal(51), isin=isin(), issuer=f"FCT {i}",
                                              country="FR", nominal=51, qty=51) for i in range(10)],
                                 SOV_TPT(Decimal(490))])],
     why="CIC 6 (collateralised) is an organisme de financement: 10 % x 51 % = 5,1 %")
u_c11 = isin()
case("tpt-cic-11-state", fill([sovereign(pct("30"), 5), line("fonds_mutualise", pct("30"), "FM Souverain", isin=u_c11)]),
     {E5: OKNA, SOV50: "ok"}, "ok",
     tpt=[(u_c11, Decimal(1000), [tpt_holding("DE11", "Bund 2035", Decimal(1000), isin=(bund35 := isin("DE")),
                                              issuer="République fédérale d'Allemagne", country="DE", nominal=1000,
                                              qty=1000)])],
     titres=[{"isin": bund35, "cotation": "eee"}],
     why="CIC 11: a state, R. 139-45 II: 30 % of Germany (its listing from the Titres sheet: a TPT proves none)")
case("tpt-listing-unknown", fill([line("fonds_mutualise", pct("20"), "FM Souverain 2", isin=(u_c12 := isin()))]),
     {OCDE15: "unknown"}, "unknown",
     tpt=[(u_c12, Decimal(1000), [tpt_holding("FI11", "Finlande 2036", Decimal(1000), isin=isin("FI"),
                                              issuer="République de Finlande", country="FI", nominal=1000,
                                              qty=1000)])],
     why="SPEC-R139 §2: a country code proves no listing: 20 % may be OECD-only")
u_c7 = isin()
case("tpt-cic-7-deposit", fill([line("obligation", pct("4"), "Banque TPT", type_emetteur="etablissement_credit"),
                                line("fonds_mutualise", pct("10"), "FM Cash", isin=u_c7)]),
     {E5: "ok", E10: "breach"}, "breach",
     tpt=[(u_c7, Decimal(1000), [tpt_holding("FR71", "Dépôt Banque TPT", Decimal(610), issuer="Banque TPT",
                                             country="FR"), SOV_TPT(Decimal(390))])],
     why="CIC 7: a deposit with the bank: 4 % + 6,1 % > 10 %, bonds alone 4 %")

# ---------------------------------------------------------------- the run
def test_book_is_broad_and_named_once():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 150


@pytest.mark.parametrize("c", [pytest.param(c, marks=pytest.mark.xfail(reason=c.bug, strict=True)) if c.bug else c
                               for c in CASES], ids=lambda c: c.name)
def test_case(c, tmp_path):
    assert play(c, tmp_path) == [], c.why
