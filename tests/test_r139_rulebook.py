"""The R. 139 rulebook: every rule id of SPEC-R139 §3, in order, its article, its sentence and its limits as data."""

from __future__ import annotations

import datetime as dt
import tokenize
from fractions import Fraction
from pathlib import Path

import pytest

from constraints import rulebook
from constraints.r139.base import KINDS
from constraints.r139.checker import rules_of

ROOT = Path(__file__).resolve().parent.parent
SPEC_IDS = [
    "R139-14/eligibilite", "R139-14/fonds-mutualises-50", "R139-14/organismes-dedies", "R139-15/immobilier-max15",
    "R139-15/fonds-mutualises-max15", "R139-15/devises-max10", "R139-16/opc-admis", "R139-16/opcvm-90",
    "R139-16/organismes-dedies", "R139-17/transparence", "R139-18/eligibilite", "R139-19/cotation",
    "R139-20/qualite", "R139-21/depots", "R139-22/immobilier", "R139-23/conservation", "R139-24/perte-limitee",
    "R139-37/adossement", "R139-37/marches", "R139-38/ventes-options", "R139-39/denouement-3-mois",
    "R139-40/pensions-emprunts", "R139-40/terme-couvert", "R139-40/ventes-decouvert", "R139-40/certificats",
    "R139-41/opcvm-max15", "R139-41/immobilier-max20", "R139-41/actions-max25", "R139-41/actions-max50",
    "R139-41/ocde-max15", "R139-41/autres-fm-max15", "R139-41/financement-max5", "R139-42/depassements-potentiels",
    "R139-43/contrats-max10", "R139-44/change-max15", "R139-45/entite-max5", "R139-45/entite-depots-max10",
    "R139-45/cumul-max40", "R139-45/immeuble-max10", "R139-45/souverain-max50", "R139-45/groupes",
    "R139-46/capital-max5", "R139-46/creances-max5", "R139-48/delai-regularisation", "R139-48/immobilier-achats",
]
LIMITS = {"R139-14/fonds-mutualises-50": "0.50", "R139-15/immobilier-max15": "0.15",
          "R139-15/fonds-mutualises-max15": "0.15", "R139-15/devises-max10": "0.10", "R139-16/opcvm-90": "0.90",
          "R139-41/opcvm-max15": "0.15", "R139-41/immobilier-max20": "0.20", "R139-41/actions-max25": "0.25",
          "R139-41/actions-max50": "0.50", "R139-41/ocde-max15": "0.15", "R139-41/autres-fm-max15": "0.15",
          "R139-41/financement-max5": "0.05", "R139-42/depassements-potentiels": "0.15",
          "R139-43/contrats-max10": "0.10", "R139-44/change-max15": "0.15", "R139-45/entite-max5": "0.05",
          "R139-45/entite-depots-max10": "0.10", "R139-45/cumul-max40": "0.40", "R139-45/immeuble-max10": "0.10",
          "R139-45/souverain-max50": "0.50", "R139-46/capital-max5": "0.05", "R139-46/creances-max5": "0.05"}


def v139():
    return rulebook.for_date(dt.date(2025, 12, 31))


def test_a_portfolio_of_2025_gets_r139_one_of_2016_r623_and_2018_is_not_covered():
    assert v139().id == "R139-2019-07-08" and v139().valid_until is None and v139().engine == "r139"
    assert rulebook.for_date(dt.date(2019, 7, 8)).id == "R139-2019-07-08"
    assert rulebook.for_date(dt.date(2016, 12, 31)).id == "R623-2002-11-01"
    with pytest.raises(rulebook.NoVersionInForce, match="2017-887"):
        rulebook.for_date(dt.date(2018, 6, 30))


def test_every_rule_id_of_the_contract_in_its_order_with_article_sentence_and_kind():
    v = v139()
    assert [r.id for r in v.rules] == SPEC_IDS
    for r in v.rules:
        assert r.article.startswith("R. 139-") and r.title and len(r.quote) > 20, r.id
        assert r.kind in KINDS, r.id
        assert r.params["regime"] and set(r.params["regime"]) <= {"simplifie", "complet"}
    assert len(rules_of(v)) == len(v.rules)


def test_the_limits_are_those_of_the_text_as_decimal_strings():
    v = v139()
    for r in v.rules:
        if r.id in LIMITS:
            assert r.params["limit"] == LIMITS[r.id], r.id
            pct = f"{float(Fraction(r.params['limit'])) * 100:g} %"
            assert pct in r.quote, (r.id, pct)


def test_no_limit_is_written_in_the_code_of_the_kinds():
    numbers = set(LIMITS.values()) | {"92"}
    for module in sorted((ROOT / "constraints" / "r139").glob("*.py")):
        with open(module, "rb") as fh:
            literals = {t.string for t in tokenize.tokenize(fh.readline) if t.type == tokenize.NUMBER}
        for n in numbers:
            forms = {n, str(Fraction(n)), f"{float(n):g}", repr(float(n))}
            assert not forms & literals, (module.name, n)


def test_which_rules_apply_in_which_regime():
    v = v139()
    simplified = {r.id for r in v.rules if "simplifie" in r.params["regime"]}
    # R. 139-10: 37 to 39, 41, 43, 45, 46 do not apply in the régime simplifié
    for art in ("R139-37", "R139-38", "R139-39", "R139-41", "R139-43", "R139-45", "R139-46"):
        assert not any(i.startswith(art + "/") for i in simplified), art
    assert {"R139-14/eligibilite", "R139-15/devises-max10", "R139-21/depots", "R139-44/change-max15",
            "R139-42/depassements-potentiels", "R139-48/delai-regularisation"} <= simplified
