"""R. 139-48, the cure periods and the purchases during a real-estate overrun: on one situation per rule, the
checker, the pre-trade engine after the orders, the optimizer and the report agree (tests/agreement_r139.py).
Neither rule has an optimizer row: a cure date is a fact of the past (`Constats`), and al. 3 is about orders;
what the optimizer does apply is proved instead — it cures the breach whose delay is over, and it buys no
real-estate asset while a real-estate limit is broken."""

from __future__ import annotations

import datetime as dt

from agreement_r139 import DATE, agree139, line, load, version, with_states, write

WHY = {"R139-48/immobilier-achats": "a rule on orders: the checker of a file has it not applicable, the engine judges it"}


def entity(first):
    """Air Liquide at 5 %, then 10 000 € more bought: over R. 139-45 I 1°, first observed on `first`."""
    constats = [{"regle": "R139-45/entite-max5", "sujet": "Air Liquide", "premier_constat": first}]
    return with_states(line("action", 500_000, "Actions Air Liquide"), constats=constats,
                       orders=[{"libelle": "Actions Air Liquide", "montant": 10_000}])


def test_delai_regularisation_six_months_over_the_day_after_the_deadline(tmp_path):
    a = agree139("R139-48/delai-regularisation", entity(dt.date(2025, 6, 30)), expect="breach", tmp=tmp_path, cli=True,
                 rows=False, also=["R139-45/entite-max5"])
    (f,) = [f for f in a.after.result("R139-45/entite-max5").findings if f.status == "breach"]
    assert (f.first_observed, f.deadline, f.cure_status) == ("2025-06-30", "2025-12-30", "délai dépassé")
    (g,) = a.engine.result("R139-45/entite-max5").findings
    assert (g.first_observed, g.deadline, g.cure_status) == (f.first_observed, f.deadline, f.cure_status)
    assert a.rechecked.result("R139-45/entite-max5").status == "ok"  # the optimizer cured the breach itself


def test_delai_regularisation_within_six_months_on_the_deadline_itself(tmp_path):
    """First observed 2025-07-01: the deadline is 2026-01-01; on 2025-12-31 the breach is « en délai »."""
    a = agree139("R139-48/delai-regularisation", entity(dt.date(2025, 7, 1)), expect="ok", tmp=tmp_path,
                 also=["R139-45/entite-max5"])
    assert a.after.result("R139-45/entite-max5").status == "breach"  # a breach is a breach (RR 15)


def real_estate(orders):
    """21 % in three buildings (7 % each): R. 139-41 2° broken (first observed in March 2025, a change in values:
    five years to cure it)."""
    constats = [{"regle": "R139-41/immobilier-max20", "sujet": "", "premier_constat": dt.date(2025, 3, 1),
                 "cause": "valorisation"}]
    return with_states(*[line("droit_immobilier", 700_000, f"Immeuble {c}", immeuble=f"IMM-{c.upper()}")
                         for c in ("Paris", "Lyon", "Lille")], constats=constats, orders=orders)


IMMO20 = "R139-41/immobilier-max20"
NEW_BUILDING = {"libelle": "Immeuble Nantes", "nature": "droit_immobilier", "montant": 10_000, "devise": "EUR",
                "immeuble": "IMM-NANTES", "pays": "FR", "actes_en_france": "oui", "detention_integrale": "oui"}


def test_immobilier_achats_a_building_bought_during_the_overrun(tmp_path):
    """The checker of a file cannot see a purchase: the rule is the engine's on the orders (`reserves check
    --ordres`); the full check after the orders agrees on every other rule, the real-estate breach included."""
    from reserves.pretrade.r139 import check_orders139, orders_from_records139

    from constraints.r139.inputs import read_constats

    a = agree139("R139-48/immobilier-achats", real_estate([NEW_BUILDING]), expect="not_applicable", tmp=tmp_path,
                 also=[IMMO20])
    assert a.after.result("R139-41/immobilier-max20").status == "breach"
    pf = load(tmp_path / "avant.xlsx")
    ov = check_orders139(pf, orders_from_records139([NEW_BUILDING]), as_of=DATE,
                         observations=read_constats(str(tmp_path / "avant.xlsx")))
    assert ov.verdict_after.result("R139-48/immobilier-achats").status == "breach" and ov.exit_code == 1
    (c,) = [c for c in ov.overall.changes if c.rule == "R139-48/immobilier-achats"]
    assert "Immeuble Nantes" in c.subject or "Immeuble Nantes" in c.message, c


def test_immobilier_achats_a_sale_of_a_building_during_the_overrun(tmp_path):
    from reserves.pretrade.r139 import check_orders139, orders_from_records139

    sale = [{"libelle": "Immeuble Lyon", "montant": -10_000}]
    agree139("R139-48/immobilier-achats", real_estate(sale), expect="not_applicable", tmp=tmp_path, also=[IMMO20])
    ov = check_orders139(load(tmp_path / "avant.xlsx"), orders_from_records139(sale), as_of=DATE)
    assert "R139-48/immobilier-achats" not in {c.rule for c in ov.overall.changes}


def test_the_optimizer_buys_no_building_during_the_overrun(tmp_path):
    from optimizer.r139 import rebalance139

    sit = real_estate([])
    path = write(tmp_path / "p.xlsx", sit.lines, constats=sit.constats)
    p = rebalance139(load(path), version(), as_of=DATE, path=str(path), buy_cap=None, explain=False)
    assert p.status == "optimal" and p.after.result("R139-41/immobilier-max20").status == "ok"
    bought = [t for t in p.trades if t["action"] == "buy"]
    assert bought and not any(t.get("nature") in ("droit_immobilier", "societe_immobiliere", "opci") or
                              str(t["label"]).startswith("Immeuble") for t in bought), bought
