"""The README stays true: its readings of the law are those of the rulebook's readings file,
and the commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from reports.model import readings_markdown
from reserves.app.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_lists_the_readings_of_the_readings_file():
    section = README.split("<!-- lectures:début -->\n", 1)[1].split("<!-- lectures:fin -->", 1)[0]
    assert section == readings_markdown()


def test_every_command_the_readme_shows_is_a_command_of_the_parser():
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)
    shown = set(re.findall(r"^(?:\S+=\S+ )*reserves ([a-z]+)", README, flags=re.M))
    assert shown and shown <= subcommands, shown - subcommands
    assert {"check", "template", "optimize", "allocate", "report", "audit", "serve", "user"} <= shown


def test_the_python_example_runs_as_written(capsys, monkeypatch):
    block = README.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "refuse 1 ['neutre', 'neutre', 'cree']"
