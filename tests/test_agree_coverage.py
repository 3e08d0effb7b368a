"""Every rule of every R. 623 version of the rulebook has its agreement module (tests/agreement.py): a
`test_agree_*` module whose `RULE` is the rule's id and which, on a situation where the rule is broken, has the
checker, the engine after orders, the optimizer's rows at its solution and the report's figures agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from constraints import rulebook

HERE = Path(__file__).resolve().parent


def _modules() -> dict:
    """RULE id -> (module path, the `agree` calls of the module)."""
    out = {}
    for path in sorted(HERE.glob("test_agree_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rule = next((n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "RULE" for t in n.targets)
                     and isinstance(n.value, ast.Constant)), None)
        if rule is None:
            continue
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == "agree"]
        assert rule not in out, f"two agreement modules for {rule}: {out[rule][0].name}, {path.name}"
        out[rule] = (path, calls)
    return out


def _keywords(call) -> dict:
    return {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}


RULES = sorted({spec.id for v in rulebook.versions() if v.engine == "r623" for spec in v.rules})


def test_the_r623_rulebook_has_rules():
    assert len(RULES) >= 19


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_has_an_agreement_module_with_a_breach_through_the_optimizer(rule_id):
    modules = _modules()
    assert rule_id in modules, f"no tests/test_agree_*.py module with RULE = {rule_id!r}"
    path, calls = modules[rule_id]
    assert calls, f"{path.name} never calls agree()"
    broken = [c for c in calls if _keywords(c).get("expect") == "breach" and _keywords(c).get("optimize", True)]
    assert broken, f"{path.name}: no agree(..., expect='breach') that runs the optimizer"


def test_every_agreement_module_is_about_a_rule_of_the_rulebook():
    assert sorted(_modules()) == RULES
