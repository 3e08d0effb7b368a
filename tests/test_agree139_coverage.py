"""Every rule of the R. 139 rulebook (`R139-2019-07-08`) has its agreement test (tests/agreement_r139.py): a
`test_agree139_*` module calling `agree139(<rule id>, ..., expect="breach")` with the optimizer, and one with the
rule kept. A rule that cannot be broken in a file, or whose breach the optimizer has no row for, is named in its
module's `WHY` with the one-line reason, and its module proves what does apply."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from constraints import rulebook

HERE = Path(__file__).resolve().parent


def _calls() -> dict:
    """rule id -> [(module, keywords of one agree139 call)]; and the modules' WHY entries."""
    out: dict = {}
    why: dict = {}
    for path in sorted(HERE.glob("test_agree139_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for n in tree.body:
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "WHY" for t in n.targets):
                for k, v in zip(n.value.keys, n.value.values):
                    assert k.value not in why, f"{k.value}: two WHY entries"
                    why[k.value] = (path.name, v.value)
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "agree139":
                assert n.args and isinstance(n.args[0], ast.Constant), f"{path.name}:{n.lineno}: the rule id as text"
                kw = {k.arg: k.value.value for k in n.keywords if isinstance(k.value, ast.Constant)}
                out.setdefault(n.args[0].value, []).append((path.name, kw))
    return out, why


RULES = sorted(spec.id for v in rulebook.versions() if v.id == "R139-2019-07-08" for spec in v.rules)


def test_the_r139_rulebook_has_its_rules():
    assert len(RULES) == 45  # SPEC-R139 §3


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_is_broken_and_kept_in_an_agreement_test(rule_id):
    calls, why = _calls()
    assert rule_id in calls, f"no agree139({rule_id!r}, ...) in tests/test_agree139_*.py"
    kws = [kw for _m, kw in calls[rule_id]]
    modules = {m for m, _kw in calls[rule_id]}
    assert len(modules) == 1, f"{rule_id}: agreement tests in several modules {sorted(modules)}"
    article = rule_id.split("/")[0].removeprefix("R139-")
    (module,) = modules
    parts = module.removeprefix("test_agree139_").removesuffix(".py").split("_")
    lo, hi = int(parts[0]), int(parts[-1])
    assert lo <= int(article) <= hi, f"{rule_id} tested in {module}"
    kept = ("ok", "not_applicable") if rule_id in why else ("ok",)
    assert any(kw.get("expect") in kept for kw in kws), f"{rule_id}: no situation where the rule is kept"
    broken = [kw for kw in kws if kw.get("expect") == "breach" and kw.get("optimize", True)]
    if rule_id in why:
        assert why[rule_id][1].strip() and "\n" not in why[rule_id][1], rule_id
        assert why[rule_id][0] == module
    else:
        assert broken, f"{module}: no agree139({rule_id!r}, ..., expect='breach') through the optimizer"


def test_every_agreement_test_is_about_a_rule_of_the_rulebook():
    calls, why = _calls()
    assert set(calls) <= set(RULES), sorted(set(calls) - set(RULES))
    assert set(why) <= set(RULES), sorted(set(why) - set(RULES))
