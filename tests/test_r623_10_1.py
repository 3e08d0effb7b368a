"""R. 623-10-1: the limits on the reserves as a whole.

« L'ensemble des actifs détenus par chaque organisme au titre des réserves des
risques gérés doit respecter les limites suivantes : 34 % au moins […] ; 5 % au
plus […] 6° ; 20 % au plus […] 9° et 10° ; 10 % au plus […] 11° et 12°. Ne
peuvent représenter plus de 5 % des actifs […] une même personne morale […]
un même immeuble […]. Un même organisme ne peut détenir plus de 10 % des
titres émis par un même émetteur à l'exception des 5° et 8°. »

Every limit is read from the rulebook (`helpers.limit`), never written here.
The base is 1 000 000,00 € unless said otherwise, so that each case sits at,
one cent under or one cent over its limit.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from helpers import B, ballast, eur, findings, limit, line, portfolio, share_of, status, verdict

FLOOR = "R623-10-1/obligations-euro-min34"
FCPR = "R623-10-1/fcpr-max5"
REAL_ESTATE = "R623-10-1/immobilier-max20"
LOANS = "R623-10-1/prets-max10"
ISSUER = "R623-10-1/emetteur-max5"
BUILDING = "R623-10-1/immeuble-max5"
HOLDING = "R623-10-1/detention-max10"


def filler(euros_cents: int, **columns) -> dict:
    """Units of an FCP (8°): neither in the 34 % floor, nor capped per issuer, nor in the holding cap."""
    return line(8, eur(euros_cents), label=columns.pop("label", "FCP Actions Europe"), **columns)


# --------------------------------------------------------------------------- the category caps


def _capped_lines(rule_id: str, cents_: int) -> list[dict]:
    """Lines of the capped set worth `cents_` in all, each group kept under the 5 % caps."""
    per = share_of(ISSUER) // 2  # well inside the per-issuer and per-building caps
    cats = {FCPR: [6], REAL_ESTATE: [9, 10], LOANS: [11, 12]}[rule_id]
    out, left, k = [], cents_, 0
    while left > 0:
        v = min(per, left)
        cat = cats[k % len(cats)]
        name = f"Contrepartie {k}"
        out.append(line(cat, eur(v), label=f"{cat}° n° {k}", emetteur=name, immeuble=f"IMM-{k}"))
        left -= v
        k += 1
    return out


@pytest.mark.parametrize("rule_id", [FCPR, REAL_ESTATE, LOANS])
@pytest.mark.parametrize("delta, expected", [(-1, OK), (0, OK), (1, BREACH)], ids=["under", "at", "over"])
def test_category_cap_at_under_and_over_its_limit(rule_id, delta, expected):
    capped = share_of(rule_id) + delta
    v = verdict(*_capped_lines(rule_id, capped), ballast(eur(B - capped)))
    assert v.base == B
    res = v.result(rule_id)
    assert res.status == expected
    assert res.limit == float(limit(rule_id))
    if expected == BREACH:
        (f,) = res.findings
        assert f.action == "sell" and f.amount == 1  # one cent to sell, exactly
        assert f.euros == capped
        assert len(f.rows) == len(_capped_lines(rule_id, capped))
        assert f.to_dict()["to_sell"] == 0.01
    else:
        assert res.findings == [] and res.headroom == -delta


def test_a_cent_over_the_cap_does_not_print_as_the_cap():
    capped = share_of(REAL_ESTATE) + 1
    v = verdict(*_capped_lines(REAL_ESTATE, capped), ballast(eur(B - capped)))
    (f,) = findings(v, REAL_ESTATE)
    limit_text = f"{float(limit(REAL_ESTATE)) * 100:.2f}".replace(".", ",") + " %"
    assert f.message.startswith(f"{capped / B * 100:.6f} %".replace(".", ","))  # 20,000001 %, not 20,00 %
    assert f"plafond de {limit_text}" in f.message
    assert "céder 0,01\u202f€" in f.message


def test_real_estate_cap_is_exact_when_a_float_sum_drifts():
    """READING 12: 20 % of 1 000 000,00 € is 200 000,00 €. The lines below sum to exactly that,
    although adding their euro amounts as floats gives 200 000,000 000 000 06."""
    amounts = ["49 999,00", "50 000,00", "50 000,00", "50 000,00"] + ["0,10"] * 10
    as_floats = 0.0
    for a in amounts:
        as_floats += float(a.replace(" ", "").replace(",", "."))
    assert as_floats > 200_000  # the drift this test is about
    lines = [line(9, a, immeuble=f"IMM-{k}") for k, a in enumerate(amounts)]
    v = verdict(*lines, ballast("800 000,00"))
    assert v.base == B
    assert status(v, REAL_ESTATE) == OK
    assert v.result(REAL_ESTATE).figure == share_of(REAL_ESTATE)
    assert v.result(REAL_ESTATE).headroom == 0
    # one more cent breaks it, and the finding asks for that cent
    v = verdict(*lines, line(9, "0,01", immeuble="IMM-X"), ballast("799 999,99"))
    (f,) = findings(v, REAL_ESTATE)
    assert f.status == BREACH and f.amount == 1


def test_category_caps_count_the_reserves_pocket_only():
    """READING 2: a building of the gestion pocket is not in the 20 % of the reserves."""
    v = verdict(line(9, "300 000,00", poche="gestion", immeuble="Siège"), line(9, "200 000,00", immeuble="A"),
                ballast("800 000,00"))
    assert v.base == B and v.gestion_total == 30_000_000
    assert status(v, REAL_ESTATE) == OK


def test_fcpr_cap_counts_category_6_only():
    v = verdict(line(6, "50 000,00", emetteur="FCPR A", forme_juridique="FCPR"),
                line(7, "50 000,00", emetteur="Action B"), ballast("900 000,00"))
    assert status(v, FCPR) == OK
    assert v.result(FCPR).figure == 5_000_000


# --------------------------------------------------------------------------- the 34 % floor


@pytest.mark.parametrize("delta, expected", [(-1, BREACH), (0, OK), (1, OK)], ids=["under", "at", "over"])
def test_euro_bond_floor_at_under_and_over_its_limit(delta, expected):
    need = share_of(FLOOR) + delta
    v = verdict(ballast(eur(need)), filler(B - need))
    res = v.result(FLOOR)
    assert res.status == expected
    if expected == BREACH:
        (f,) = res.findings
        assert f.action == "buy" and f.amount == 1
        assert f.to_dict()["to_buy"] == 0.01
    else:
        assert res.headroom == delta


@pytest.mark.parametrize("cat", [1, 2, 3, 4])
def test_floor_counts_euro_denominated_1_to_4(cat):
    need = share_of(FLOOR)
    v = verdict(line(cat, eur(need), emetteur=f"Émetteur {cat}"), filler(B - need))
    # one issuer above 5 % breaks another rule for 2° to 4°, but the floor is met
    assert status(v, FLOOR) == OK


def test_floor_ignores_a_dollar_bond_even_when_realisable_in_euros():
    """« libellés en euros »: being realisable in euros (R. 623-3 IV) is not enough for the floor."""
    need = share_of(FLOOR)
    v = verdict(ballast(eur(need - 1)), ballast("0,01", devise="USD", realisable_euro="oui"),
                filler(B - need))
    assert status(v, FLOOR) == BREACH
    assert findings(v, FLOOR)[0].amount == 1


@pytest.mark.parametrize("mark, counts", [("oui", True), ("non", False), (None, False)],
                         ids=["marked", "marked-no", "unmarked"])
def test_floor_counts_a_5_fund_only_when_marked_fonds_euro_1_4(mark, counts):
    """READING 4: a 5° fund counts toward 34 % only with `fonds_euro_1_4` = oui."""
    need = share_of(FLOOR)
    v = verdict(ballast(eur(need - 100)), line(5, "1,00", fonds_euro_1_4=mark), filler(B - need))
    assert status(v, FLOOR) == (OK if counts else BREACH)


def test_floor_without_the_fonds_euro_1_4_column_does_not_count_funds():
    need = share_of(FLOOR)
    fund = line(5, "1,00")
    del fund["fonds_euro_1_4"]
    v = verdict(ballast(eur(need - 100)), fund, filler(B - need))
    assert status(v, FLOOR) == BREACH
    assert findings(v, FLOOR)[0].amount == 100


def test_excluded_cash_is_out_of_the_floor_base():
    """READING 3: 34 % of the base (total less excluded cash), not of the total."""
    need = share_of(FLOOR)
    cash = line(13, "500 000,00", exclusion="echeance_trimestrielle", emetteur="Banque de France")
    v = verdict(ballast(eur(need)), filler(B - need), cash)
    assert v.total == B + 50_000_000 and v.base == B and v.excluded_total == 50_000_000
    assert status(v, FLOOR) == OK


def test_excluded_deposit_is_out_of_the_floor_base():
    """READING 3: the excluded cash is out of the denominator: the floor is reached on the rest alone."""
    need = share_of(FLOOR)
    v = verdict(ballast(eur(need)), line(13, "50 000,00", exclusion="compensation_L134-1"), filler(B - need))
    assert v.base == B and status(v, FLOOR) == OK
    v = verdict(ballast(eur(need - 1)), line(13, "50 000,00", exclusion="compensation_L134-1"), filler(B - need + 1))
    assert status(v, FLOOR) == BREACH


# --------------------------------------------------------------------------- 5 % per legal person


@pytest.mark.parametrize("delta, expected", [(-1, OK), (0, OK), (1, BREACH)], ids=["under", "at", "over"])
def test_issuer_cap_at_under_and_over_its_limit(delta, expected):
    cap = share_of(ISSUER) + delta
    v = verdict(line(2, eur(cap), label="Obligation SG", emetteur="Société Générale"), ballast(eur(B - cap)))
    res = v.result(ISSUER)
    assert res.status == expected
    if expected == BREACH:
        (f,) = res.findings
        assert f.subject == "Société Générale" and f.amount == 1 and f.action == "sell"
        assert f.value == pytest.approx(cap / B) and f.limit == float(limit(ISSUER))


def test_government_bonds_are_exempt_from_the_issuer_cap():
    """« à l'exception des actifs mentionnés au 1° »: 95 % in one State is fine."""
    v = verdict(ballast("950 000,00", emetteur="République française"), line(2, "50 000,00"))
    assert status(v, ISSUER) == OK


def test_debt_and_shares_of_one_legal_person_add_up():
    cap = share_of(ISSUER)
    v = verdict(line(2, eur(cap // 2), label="Obligation", emetteur="Société Générale"),
                line(7, eur(cap - cap // 2 + 1), label="Actions", emetteur="SOCIÉTÉ GÉNÉRALE"),
                ballast(eur(B - cap - 1)))
    (f,) = findings(v, ISSUER)
    assert f.status == BREACH and f.amount == 1 and f.euros == cap + 1
    assert f.subject == "Société Générale" and len(f.rows) == 2


@pytest.mark.parametrize("cat", [11, 12, 13])
def test_loans_and_deposits_count_against_the_borrower_or_bank(cat):
    cap = share_of(ISSUER)
    v = verdict(line(3, eur(cap), label="NEU CP BNP", emetteur="BNP Paribas"),
                line(cat, "0,01", label="créance", emetteur="BNP Paribas"), ballast(eur(B - cap - 1)))
    (f,) = findings(v, ISSUER)
    assert f.status == BREACH and f.subject == "BNP Paribas" and f.amount == 1


def test_a_building_held_directly_has_no_issuer():
    """READING 5: 9° has no issuer; the per-building cap covers it."""
    cap = share_of(ISSUER)
    v = verdict(line(2, eur(cap), emetteur="Foncière X"), line(9, "40 000,00", emetteur="Foncière X", immeuble="A"),
                line(9, "10 000,00", immeuble="B", emetteur=None), ballast(eur(B - cap - 5_000_000)))
    assert status(v, ISSUER) == OK


def test_real_estate_company_shares_count_against_the_company():
    cap = share_of(ISSUER)
    v = verdict(line(10, eur(cap), emetteur="SCI Bureaux Lyon", immeuble="Lyon"),
                line(7, "0,01", emetteur="SCI Bureaux Lyon"), ballast(eur(B - cap - 1)))
    assert status(v, ISSUER) == BREACH


def test_sicav_counts_but_fcp_is_exempt():
    """READING 5: units of an FCP have no legal person behind them; SICAV shares do."""
    big = "100 000,00"
    v = verdict(line(8, big, emetteur="Amundi Actions", forme_juridique="FCP"), ballast("900 000,00"))
    assert not findings(v, ISSUER) and status(v, ISSUER) in (OK, NA)  # nothing left in scope: not applicable
    v = verdict(line(8, big, emetteur="Amundi Actions", forme_juridique="SICAV"), ballast("900 000,00"))
    (f,) = findings(v, ISSUER)
    assert f.status == BREACH and f.amount == 10_000_000 - share_of(ISSUER)


@pytest.mark.parametrize("form", ["SPPICAV", "SICAV"])
def test_funds_with_legal_personality_count_against_the_fund(form):
    cap = share_of(ISSUER)
    v = verdict(line(5, eur(cap + 1), emetteur="Fonds X", forme_juridique=form), ballast(eur(B - cap - 1)))
    assert status(v, ISSUER) == BREACH


def test_fund_without_legal_form_is_unknown_naming_the_column():
    v = verdict(line(8, "100 000,00", emetteur="Fonds Y", forme_juridique=None), ballast("900 000,00"))
    (f,) = findings(v, ISSUER)
    assert f.status == UNKNOWN_S and f.subject == "Fonds Y"
    assert f.columns == ["forme_juridique"] and "forme_juridique" in f.message


def test_fund_without_legal_form_under_the_cap_is_fine():
    v = verdict(line(8, "10 000,00", emetteur="Fonds Y", forme_juridique=None), ballast("990 000,00"))
    assert status(v, ISSUER) == OK


def test_line_without_issuer_is_unknown_naming_the_column():
    v = verdict(line(2, "10 000,00", label="Obligation anonyme", emetteur=None), ballast("990 000,00"))
    (f,) = findings(v, ISSUER)
    assert f.status == UNKNOWN_S and f.subject == "Obligation anonyme"
    assert f.columns == ["emetteur"] and "« emetteur »" in f.message
    assert v.status == UNKNOWN_S and v.exit_code == 3


def test_line_without_issuer_over_the_cap_alone_is_a_breach():
    cap = share_of(ISSUER)
    v = verdict(line(7, eur(cap + 1), label="Actions sans émetteur", emetteur=None), ballast(eur(B - cap - 1)))
    (f,) = findings(v, ISSUER)
    assert f.status == BREACH and f.amount == 1 and f.columns == ["emetteur"]


def test_issuer_column_named_by_its_english_alias_in_messages():
    from reserves.portfolio.model import from_frame
    from constraints.checker import check
    from helpers import frame

    df = frame(line(2, "10 000,00", emetteur=None), ballast("990 000,00")).rename(columns={"emetteur": "Issuer"})
    v = check(from_frame(df), date=dt.date(2016, 12, 31))
    (f,) = findings(v, ISSUER)
    assert f.columns == ["Issuer"] and "« Issuer »" in f.message


def test_excluded_cash_is_outside_the_issuer_cap_base():
    """READING 3: the 5 % are of the total less excluded cash, and the excluded deposit is not a claim counted."""
    cap = share_of(ISSUER)
    cash = line(13, "300 000,00", emetteur="BNP Paribas", exclusion="echeance_trimestrielle")
    v = verdict(line(3, eur(cap), emetteur="BNP Paribas"), ballast(eur(B - cap)), cash)
    assert v.base == B and status(v, ISSUER) == OK
    v = verdict(line(3, eur(cap + 1), emetteur="BNP Paribas"), ballast(eur(B - cap - 1)), cash)
    assert findings(v, ISSUER)[0].amount == 1


def test_forward_instruments_have_no_issuer_for_the_cap():
    """READING 10."""
    v = verdict(line("IFT", "200 000,00", emetteur="Eurex"), ballast("800 000,00"))
    assert not findings(v, ISSUER)


def test_negative_forward_instrument_lowers_the_base():
    """READING 10: an IFT counts at its (negative) market value in the base."""
    cap = share_of(ISSUER)
    hedge = line("IFT", "-50 000,00", label="Swap de taux")
    v = verdict(line(2, eur(cap), emetteur="Orange SA"), ballast(eur(B - cap + 5_000_000)), hedge)
    assert v.base == B
    assert status(v, ISSUER) == OK
    v = verdict(line(2, eur(cap + 1), emetteur="Orange SA"), ballast(eur(B - cap + 5_000_000 - 1)), hedge)
    assert findings(v, ISSUER)[0].amount == 1


# --------------------------------------------------------------------------- 5 % per building


@pytest.mark.parametrize("delta, expected", [(-1, OK), (0, OK), (1, BREACH)], ids=["under", "at", "over"])
def test_building_cap_at_under_and_over_its_limit(delta, expected):
    cap = share_of(BUILDING) + delta
    v = verdict(line(9, eur(cap - 10_000), immeuble="Tour Part-Dieu"),
                line(10, "100,00", immeuble="tour part dieu", emetteur="SCI Part-Dieu"),
                ballast(eur(B - cap)))
    res = v.result(BUILDING)
    assert res.status == expected
    if expected == BREACH:
        (f,) = res.findings
        assert f.subject == "Tour Part-Dieu" and f.amount == 1 and len(f.rows) == 2


def test_real_estate_company_without_building_is_grouped_by_issuer():
    cap = share_of(BUILDING)
    v = verdict(line(10, eur(cap), immeuble=None, emetteur="SCI Alpha"),
                line(10, "0,01", immeuble=None, emetteur="SCI Alpha"), ballast(eur(B - cap - 1)))
    (f,) = findings(v, BUILDING)
    assert f.subject == "SCI Alpha" and f.amount == 1


def test_building_without_any_name_stands_alone():
    cap = share_of(BUILDING)
    v = verdict(line(9, eur(cap), label="Immeuble 1", immeuble=None), line(9, eur(cap), label="Immeuble 2", immeuble=None),
                ballast(eur(B - 2 * cap)))
    assert status(v, BUILDING) == OK
    v = verdict(line(9, eur(cap + 1), label="Immeuble 1", immeuble=None), ballast(eur(B - cap - 1)))
    (f,) = findings(v, BUILDING)
    assert f.subject == "Immeuble 1" and f.amount == 1


def test_building_cap_does_not_apply_to_other_categories():
    v = verdict(line(2, "40 000,00", immeuble="Tour A", emetteur="A"), line(7, "40 000,00", immeuble="Tour A", emetteur="B"),
                ballast("920 000,00"))
    assert status(v, BUILDING) == NA


# --------------------------------------------------------------------------- 10 % of the securities issued


def _held(cat, q, qi, issuer="Renault SA", **kw):
    columns = {"emetteur": issuer, "quantite": q, "quantite_emise": qi} | kw
    return line(cat, columns.pop("euros", "10 000,00"), **columns)


@pytest.mark.parametrize("held, expected", [(99, OK), (100, OK), (101, BREACH)], ids=["under", "at", "over"])
def test_holding_cap_at_under_and_over_its_limit(held, expected):
    lim = limit(HOLDING)
    issued = 1000
    assert lim * issued == 100  # the case sits on the limit of the rulebook
    v = verdict(_held(7, held, issued), ballast("990 000,00"))
    assert status(v, HOLDING) == expected


def test_holding_cap_sums_quantities_over_the_issuers_securities_of_one_class():
    """READING 7: Σ quantite / Σ quantite_emise per issuer and class, debt apart from shares."""
    v = verdict(_held(2, 60, 1000, isin=None, label="Obligation 2030"),
                _held(2, 50, 1000, isin=None, label="Obligation 2032", quantite_emise=1001),
                _held(7, 51, 1000, label="Actions"), ballast("970 000,00"))
    assert status(v, HOLDING) == OK  # debt 110 / 2001, shares 51 / 1000
    v = verdict(_held(2, 150, 1000, label="Obligation 2030"), _held(7, 51, 1000, label="Actions"),
                ballast("980 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.status == BREACH and f.subject == "Renault SA" and len(f.rows) == 1
    assert f.value == pytest.approx(150 / 1000)


def test_shares_are_not_diluted_by_a_large_bond_issue():
    """The review's case: half of the shares held, and a bond issue of a billion of nominal in the file."""
    v = verdict(_held(7, 500, 1000, label="Actions"), _held(2, 1000, 1_000_000_000, label="Obligation"),
                ballast("980 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.status == BREACH and f.value == pytest.approx(0.5) and f.rows == [v.result(HOLDING).findings[0].rows[0]]


def test_one_security_on_two_lines_counts_its_issue_once():
    kw = dict(isin="FR0000131906")
    v = verdict(_held(7, 60, 1000, label="Actions (compte A)", **kw), _held(7, 60, 1000, label="Actions (compte B)", **kw),
                ballast("980 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.value == pytest.approx(0.12)


def test_holding_cap_amount_to_sell():
    v = verdict(_held(7, 150, 1000, euros="150 000,00", label="Actions"), ballast("850 000,00"))
    f = [f for f in findings(v, HOLDING)][0]
    # 50 securities of 150 to sell: a third of the line
    assert f.status == BREACH and f.action == "sell" and f.amount == 5_000_000


def test_holding_cap_is_exact_at_the_limit():
    """0,035 of an issue of 0,35 is exactly 10 %, although 0.035 / 0.35 is 0.100 000 000 000 000 02 in floats."""
    lim = limit(HOLDING)
    assert Fraction("0.035") / Fraction("0.35") == lim and 0.035 / 0.35 > float(lim)  # the drift at stake
    v = verdict(_held(7, "0,035", "0,35"), ballast("990 000,00"))
    assert status(v, HOLDING) == OK
    v = verdict(_held(7, "0,03500001", "0,35"), ballast("990 000,00"))
    assert status(v, HOLDING) == BREACH


def test_government_bonds_are_not_excepted_from_the_holding_cap():
    """READING 7: 1° is in scope (only 5° and 8° are excepted)."""
    v = verdict(_held(1, 200, 1000, issuer="Commune de Trifouilly"), ballast("990 000,00"))
    assert status(v, HOLDING) == BREACH


@pytest.mark.parametrize("cat", [5, 8])
def test_funds_of_5_and_8_are_excepted_from_the_holding_cap(cat):
    v = verdict(_held(cat, 900, 1000, issuer="Petit fonds"), ballast("990 000,00"))
    assert status(v, HOLDING) == OK


@pytest.mark.parametrize("cat", [9, 10, 11, 12, 13, "IFT"])
def test_holding_cap_covers_securities_only(cat):
    v = verdict(_held(cat, 900, 1000, issuer="Contrepartie"), ballast("990 000,00"))
    assert not findings(v, HOLDING)


@pytest.mark.parametrize("missing", ["quantite", "quantite_emise"])
def test_holding_cap_unknown_without_both_quantities(missing):
    v = verdict(_held(7, 10, 1000, **{missing: None}), ballast("990 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.status == UNKNOWN_S and f.columns == ["quantite", "quantite_emise"]
    assert "« quantite »" in f.message and "« quantite_emise »" in f.message


def test_holding_cap_unknown_without_issuer():
    v = verdict(_held(7, 10, 1000, issuer=None, label="Actions orphelines"), ballast("990 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.status == UNKNOWN_S and f.columns == ["emetteur"] and f.subject == "Actions orphelines"


def test_holding_cap_without_quantity_columns_is_unknown_not_ok():
    lines = [line(7, "10 000,00", emetteur="Air Liquide SA"), ballast("990 000,00")]
    for ln in lines:
        ln.pop("quantite"), ln.pop("quantite_emise")
    v = verdict(*lines)
    assert status(v, HOLDING) == UNKNOWN_S
    assert v.status == UNKNOWN_S


# --------------------------------------------------------------------------- scope of the article


def test_limits_are_not_applied_to_the_gestion_pocket():
    """READING 2: percentages are never mixed across pockets."""
    v = verdict(line(11, "900 000,00", emetteur="Ville de Paris", poche="gestion"),
                line(2, "100 000,00", emetteur="Orange SA", poche="gestion"), ballast("1 000 000,00"))
    for rule_id in (LOANS, ISSUER):
        assert not findings(v, rule_id) and status(v, rule_id) in (OK, NA)
    assert v.base == B


def test_rules_report_their_figures_for_the_report():
    v = verdict(line(9, "150 000,00", immeuble="A"), ballast("850 000,00"))
    res = v.result(REAL_ESTATE)
    assert (res.value, res.limit, res.figure, res.headroom) == (0.15, float(limit(REAL_ESTATE)), 15_000_000,
                                                                 share_of(REAL_ESTATE) - 15_000_000)
    d = res.to_dict(v.version)
    assert d["id"] == REAL_ESTATE and d["value"] == 0.15 and d["euros"] == 150_000.0


def test_empty_reserves_pocket_makes_the_category_caps_not_applicable():
    pf = portfolio(line(1, "100,00", poche="gestion"))
    from constraints.checker import check

    v = check(pf, date=dt.date(2016, 12, 31))
    assert status(v, REAL_ESTATE) == NA and status(v, FLOOR) == NA


def test_holding_cap_at_the_limit_with_a_line_lacking_quantities_is_unknown():
    """An issuer exactly at 10 % on the lines that give quantities, and one line that gives none."""
    v = verdict(_held(7, 100, 1000, label="Actions A"), _held(2, None, 1000, label="Obligation B"),
                ballast("980 000,00"))
    (f,) = findings(v, HOLDING)
    assert f.status == UNKNOWN_S and f.rows == [3]


def test_huge_sums_never_wrap_around():
    """A thousand billion euros a line, a hundred lines of one issuer: sums beyond 2^63 cents stay exact
    (an int64 sum would wrap around to a negative share and pass)."""
    giant = [line(2, "1 000 000 000 000 000", label=f"Obligation {i}", emetteur="Géant SA") for i in range(100)]
    v = verdict(*giant, *[ballast("1 000 000 000 000 000", label=f"OAT {i}") for i in range(200)])
    assert v.total == 300 * 10**17 and v.base == 300 * 10**17
    (f,) = findings(v, ISSUER)
    assert f.status == BREACH and f.euros == 100 * 10**17
    assert f.amount == 100 * 10**17 - share_of(ISSUER, v.base)
    assert v.result(ISSUER).value == pytest.approx(1 / 3)


def test_real_estate_cap_exact_through_an_excel_file(tmp_path):
    """The same boundary read from a workbook, where Excel stores 0,10 € as the double nearest to it."""
    from reserves.portfolio.model import load
    from constraints.checker import check
    from helpers import table, write_xlsx

    lines = [line(9, "49 999,00", immeuble="IMM-0")] + [line(9, "50 000,00", immeuble=f"IMM-{k}") for k in (1, 2, 3)]
    lines += [line(9, "0,10", immeuble=f"IMM-P{k}") for k in range(10)] + [ballast("800 000,00")]
    rows = table(*lines)
    col = rows[0].index("valeur")
    for r in rows[1:]:
        r[col] = float(r[col].replace(" ", "").replace(",", "."))  # numbers, as Excel keeps them
    v = check(load(write_xlsx(tmp_path / "bord.xlsx", rows)), date=dt.date(2016, 12, 31))
    assert v.base == B and status(v, REAL_ESTATE) == OK and v.result(REAL_ESTATE).headroom == 0
