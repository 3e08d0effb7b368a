"""No module of the product uses a private name (`_name`) of another of its modules: a name one module shares is
public, and a private one may change without a look at the others."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("reserves", "constraints", "optimizer", "reports")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def uses_of_private_names(module: str, path: Path) -> list[str]:
    """`from other import _name`, and `other._name` where `other` names a module of the product."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found, module_names = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in MODULES:  # `import a.b` binds `a`; `import a.b as m` binds `m` to `a.b`
                    head = a.name.partition(".")[0]
                    module_names[a.asname or head] = a.name if a.asname else head
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path, node)
            if source not in MODULES:
                continue
            for a in node.names:
                if f"{source}.{a.name}" in MODULES:
                    module_names[a.asname or a.name] = f"{source}.{a.name}"
                if _private(a.name) and source != module:
                    found.append(f"{module}:{node.lineno} from {source} import {a.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            target = _dotted(node.value, module_names)
            if target in MODULES and target != module:
                found.append(f"{module}:{node.lineno} {target}.{node.attr}")
    return found


def _dotted(node, module_names: dict) -> str | None:
    """The module an expression names (`R`, `constraints.rulebook`), through the names the imports bound."""
    if isinstance(node, ast.Name):
        return module_names.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value, module_names)
        return f"{head}.{node.attr}" if head else None
    return None


def test_no_module_uses_a_private_name_of_another():
    found = [use for module, path in sorted(MODULES.items()) for use in uses_of_private_names(module, path)]
    assert not found, "noms privés d'un autre module :\n" + "\n".join(found)


def test_the_guard_sees_both_ways_of_reaching_a_private_name(tmp_path):
    """The test above can fail: an import of a private name, and a private attribute of an imported module."""
    src = tmp_path / "sample.py"
    src.write_text("from reserves.portfolio.reader import _fold\nfrom reserves.portfolio import reader as R\n"
                   "from . import keys\nimport constraints.rulebook\n"
                   "R._fold('x')\nkeys._private\nconstraints.rulebook._texts()\nR.read_table\n", encoding="utf-8")
    found = sorted(uses_of_private_names("reserves.portfolio.sample", src))
    assert found == ["reserves.portfolio.sample:1 from reserves.portfolio.reader import _fold",
                     "reserves.portfolio.sample:5 reserves.portfolio.reader._fold",
                     "reserves.portfolio.sample:6 reserves.portfolio.keys._private",
                     "reserves.portfolio.sample:7 constraints.rulebook._texts"], found
