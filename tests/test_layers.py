"""The packages form layers: portfolio < rules and checker < pre-trade engine, optimizer < reports <
application. The import-linter contract of pyproject.toml says so; this test runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    return str(exe) if exe.exists() else shutil.which("lint-imports")


def test_layer_contract_is_kept():
    exe = _lint_imports()
    assert exe, "import-linter (lint-imports) is a test dependency"
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_contract_names_every_package():
    """Every package of the product sits in a layer, so a new one cannot escape the contract."""
    import tomllib

    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {p.strip() for layer in layers for p in layer.split("|")}
    packages = {"reserves.app", "reserves.portfolio", "reserves.pretrade", "constraints", "optimizer", "reports"}
    assert packages <= named
    on_disk = {p.name for p in (ROOT / "reserves").iterdir() if (p / "__init__.py").exists()}
    assert {f"reserves.{n}" for n in on_disk} <= named
