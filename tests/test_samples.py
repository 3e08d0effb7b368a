"""The sample portfolios: the compliant caisse passes every rule, the other one breaks
the rules it was built to break, and the generator gives the committed files back."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from constraints import rulebook
from constraints.checker import check
from reserves.app.cli import main
from reserves.portfolio.parsing import CAT_IFT, TRUE
from reserves.portfolio.model import load

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COMPLIANT = ["portefeuille_conforme.xlsx", "portefeuille_conforme.ods", "portefeuille_conforme.csv"]
BREACHED = ["portefeuille_manquements.xlsx", "portefeuille_manquements.ods"]
ORDERS = "ordres_exemple.csv"

ALL_RULES = [r.id for r in rulebook.latest().rules]

# What the breached sample was built to show, rule by rule.
EXPECTED_BREACHED = {
    "R623-3/eligibilite": "ok",
    "R623-3/euro-90": "ok",
    "R623-3/conservation": "ok",
    "R623-3/marche-reconnu": "ok",
    "R623-3/titres-court-terme": "breach",  # an 18-month NEU CP filed as 3°
    "R623-4/instruments-financiers-terme": "ok",
    "R623-5/bmtn": "breach",  # a 20 M€ issue valued by one house, quoted monthly
    "R623-6/opcvm": "unknown",  # opcvm_conforme left empty for one SICAV
    "R623-7/societes-immobilieres": "breach",  # a groupement forestier
    "R623-8/prets-hypothecaires": "unknown",  # ltv left empty for one mortgage loan
    "R623-9/depots": "breach",  # two-year term and six-month notice
    "R623-10/fonds-gestion": "breach",  # shares in the gestion pocket
    "R623-10-1/obligations-euro-min34": "ok",
    "R623-10-1/fcpr-max5": "ok",
    "R623-10-1/immobilier-max20": "breach",
    "R623-10-1/prets-max10": "ok",
    "R623-10-1/emetteur-max5": "breach",  # Société Générale: bond, NEU CP and deposit
    "R623-10-1/immeuble-max5": "breach",  # the Part-Dieu tower
    "R623-10-1/detention-max10": "breach",  # 15 % of a Société Foncière Lyonnaise issue
}

EXPECTED_SUBJECTS = {
    "R623-3/titres-court-terme": ["NEU CP Renault 18 mois 24/06/2018"],
    "R623-5/bmtn": ["NEU MTN Caisse régionale Normandie-Seine 3 ans 10/07/2019"],
    "R623-6/opcvm": ["Comgest Monde (SICAV)"],
    "R623-7/societes-immobilieres": ["Groupement forestier des Landes de Gascogne (parts)"],
    "R623-8/prets-hypothecaires": ["Prêt hypothécaire — SCI Les Tilleuls (Nantes)"],
    "R623-9/depots": ["Compte à terme Banque Populaire Rives de Paris 2 ans (préavis 6 mois)"],
    "R623-10/fonds-gestion": ["Actions Orange (poche gestion)"],
    "R623-10-1/emetteur-max5": ["Société Générale"],
    "R623-10-1/immeuble-max5": ["IMM-69003-PART-DIEU"],
    "R623-10-1/detention-max10": ["Société Foncière Lyonnaise"],
}


R139_SAMPLES = ["portefeuille_r139_conforme.xlsx", "portefeuille_r139_manquements.xlsx", "tpt_fonds_credit_euro.xlsx"]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", COMPLIANT)
def test_compliant_sample_passes_every_rule(name):
    pf = load(SAMPLES / name)
    verdict = check(pf)
    statuses = {r.spec.id: r.status for r in verdict.results}
    assert list(statuses) == ALL_RULES
    assert statuses == {rid: "ok" for rid in ALL_RULES}, [f.message for f in verdict.findings]
    assert verdict.findings == [] and verdict.exit_code == 0
    # the same on the portfolio's own date
    assert check(pf, date=dt.date(2016, 12, 31)).status == "ok"


def test_compliant_sample_is_a_realistic_caisse():
    pf = load(SAMPLES / "portefeuille_conforme.xlsx")
    L = pf.lines
    assert pf.sheet == "Portefeuille" and pf.header_row == 4
    assert len(L) >= 100
    verdict = check(pf)
    assert 3_000_000_000_00 <= verdict.total <= 5_000_000_000_00
    assert verdict.gestion_total > 0 and verdict.excluded_total > 0
    reserves = L[~L["gestion"]]
    assert set(reserves["category"]) >= set(range(1, 14)) | {CAT_IFT}
    ift = L[L["category"] == CAT_IFT]
    assert (ift["hedge"] == TRUE).all() and (ift["value"] < 0).any()
    assert set(L[L["gestion"]]["category"]) <= {1, 2, 3, 5, 9, 10, 11, 12, 13}
    assert L["excluded"].sum() == 2
    bonds = L[L["category"].isin([1, 2, 4])]
    assert (bonds["accrued_interest"] > 0).mean() > 0.9
    securities = L[L["category"].between(1, 8)]
    assert securities["isin"].notna().all() and securities["isin"].is_unique
    assert securities["quantity"].notna().all() and securities["quantity_issued"].notna().all()
    assert {"echeance", "commentaire"} <= set(pf.extra.columns)
    assert set(L["currency"]) >= {"EUR", "USD", "CHF"}
    # every optional column is in the file
    from reserves.portfolio.columns import COLUMNS

    assert pf.present == {c.field for c in COLUMNS}


def test_the_three_formats_give_the_same_portfolio():
    frames = [load(SAMPLES / name).lines for name in COMPLIANT]
    cols = ["row", "label", "category", "value", "accrued_interest", "currency", "pocket", "isin", "issuer",
            "quantity", "quantity_issued", "ltv", "term_days", "hedge", "custody"]
    first = frames[0][cols].reset_index(drop=True)
    for other in frames[1:]:
        other = other[cols].reset_index(drop=True)
        if len(other) == len(first) and (other["row"] != first["row"]).any():
            other["row"] = first["row"]  # the CSV export has one title row fewer
        assert first.drop(columns="row").equals(other.drop(columns="row"))


@pytest.mark.parametrize("name", BREACHED)
def test_breached_sample_breaks_what_it_was_built_to_break(name):
    verdict = check(load(SAMPLES / name))
    statuses = {r.spec.id: r.status for r in verdict.results}
    assert statuses == EXPECTED_BREACHED
    assert verdict.exit_code == 1
    for rule_id, subjects in EXPECTED_SUBJECTS.items():
        assert [f.subject for f in verdict.result(rule_id).findings] == subjects, rule_id
    real_estate = verdict.result("R623-10-1/immobilier-max20")
    assert 0.20 < real_estate.value < 0.25
    unknown = [f for f in verdict.findings if f.status == "unknown"]
    assert sorted(c for f in unknown for c in f.columns) == ["ltv", "opcvm_conforme"]


@pytest.mark.parametrize("name, code", [(COMPLIANT[0], 0), (COMPLIANT[2], 0), (BREACHED[0], 1), (BREACHED[1], 1)])
def test_command_line_exit_codes_and_file_untouched(name, code, capsys):
    path = SAMPLES / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert main(["check", str(path), "--json"]) == code
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == ("ok" if code == 0 else "breach")
    assert [r["id"] for r in doc["rules"]] == ALL_RULES
    assert doc["file"]["sha256"] == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def _cells(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_generator_is_deterministic_and_matches_the_committed_files(generator, tmp_path):
    written = generator.generate(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(COMPLIANT + BREACHED + [ORDERS] + R139_SAMPLES)
    for name in names:
        fresh, committed = tmp_path / name, SAMPLES / name
        if name.endswith(".csv"):
            assert fresh.read_bytes() == committed.read_bytes(), name
        else:
            assert _cells(fresh) == _cells(committed), name
    # fixed dates inside the archives: the same cells give the same bytes
    again = tmp_path / "again"
    generator.generate(again)
    for name in names:
        if not name.endswith(".ods"):  # odfpy declares namespaces it met earlier in the process
            assert (again / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_sample_allocation_parameters_give_an_allocation_within_the_limits_and_margins(capsys):
    """The bundled parameters of `reserves allocate` (the README's example) solve, and the proposed
    allocation keeps each category limit with its margin and the CVaR within its bound."""
    code = main(["allocate", str(SAMPLES / "parametres_allocation.yaml"),
                 "--portefeuille", str(SAMPLES / "portefeuille_conforme.xlsx"), "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "optimal"
    assert abs(sum(a["part"] for a in doc["allocation"]) - 1) < 1e-6
    for lim in doc["limits"]:
        if lim["sense"] == "max":
            assert lim["value"] <= lim["limit"] - lim["margin"] + 1e-9
        else:
            assert lim["value"] >= lim["limit"] + lim["margin"] - 1e-9
    assert doc["cvar"] <= doc["cvar_max"] + 1e-9


def test_sample_orders_pass_two_orders_and_refuse_the_building(capsys):
    """The README's pre-investment example: two neutral orders, then a new building beyond 5 %."""
    code = main(["check", str(SAMPLES / COMPLIANT[0]), "--ordres", str(SAMPLES / ORDERS), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [o["effect"] for o in doc["orders"]] == ["neutre", "neutre", "cree"]
    assert doc["orders_check"]["status_before"] == "ok" and doc["orders_check"]["status"] == "refuse"
    broken = [f for f in doc["findings"] if f["status"] == "breach"]
    assert [(f["rule"], f["subject"]) for f in broken] == [("R623-10-1/immeuble-max5", "IMM-RIVOLI")]
