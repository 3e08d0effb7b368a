"""French money, percent and status wording has one home, `reserves.portfolio.fmt`: every module imports it from
there, and the words of a rule's status are written once."""

from __future__ import annotations

import ast
import importlib

from reserves.portfolio import fmt
from tests.test_private_names import MODULES, _resolve

NAMES = {"fr_euros", "fr_pct", "fr_pct_beside", "STATUS_FR", "POCKET_FR", "SENSE_FR"}


def test_formatting_is_imported_from_its_module():
    found = []
    for module, path in sorted(MODULES.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, path, node)
                bad = sorted(a.name for a in node.names if a.name in NAMES and source != "reserves.portfolio.fmt"
                             and source in MODULES and _passes_on(source, a.name))
                if bad:
                    found.append(f"{module}:{node.lineno} from {source} import {', '.join(bad)}")
    assert not found, "\n".join(found)


def _passes_on(module: str, name: str) -> bool:
    """The module hands on fmt's own object (another table may be called STATUS_FR: a proposal's statuses)."""
    return getattr(importlib.import_module(module), name, None) is getattr(fmt, name)


def test_the_words_of_a_status_are_written_once():
    """A table that says « non conforme » for « breach » is fmt.STATUS_FR; the others are built from it."""
    found = []
    for module, path in sorted(MODULES.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "breach"
                                                  and isinstance(v, ast.Constant) and v.value == "non conforme"
                                                  for k, v in zip(node.keys, node.values)):
                found.append(f"{module}:{node.lineno}")
    line = next(i for i, text in enumerate(open(fmt.__file__, encoding="utf-8"), start=1)
                if text.startswith("STATUS_FR = {"))
    assert found == [f"reserves.portfolio.fmt:{line}"], found
    assert fmt.STATUS_FR == {"ok": "conforme", "breach": "non conforme", "unknown": "à vérifier",
                             "not_applicable": "sans objet"}


def test_the_name_of_a_pocket_is_written_once():
    """A table that says « réserves » for the pocket `reserves` is fmt.POCKET_FR; the others import it."""
    found = []
    for module, path in sorted(MODULES.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "reserves"
                                                  and isinstance(v, ast.Constant) and v.value == "réserves"
                                                  for k, v in zip(node.keys, node.values)):
                found.append(module)
    assert found == ["reserves.portfolio.fmt"], found
