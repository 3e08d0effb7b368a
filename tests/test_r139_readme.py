"""The README's R. 139 part stays true: its rules and readings are those of the rulebook and of its readings file."""

from __future__ import annotations

from pathlib import Path

from constraints.r139.readings import all_readings, readings_markdown, rules_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _between(tag: str) -> str:
    return README.split(f"<!-- {tag}:début -->\n", 1)[1].split(f"<!-- {tag}:fin -->", 1)[0]


def test_the_readme_lists_the_rules_of_the_rulebook():
    assert _between("regles-r139") == rules_markdown()


def test_the_readme_lists_the_readings_rr1_to_rr20():
    assert _between("lectures-r139") == readings_markdown()
    assert [r["id"] for r in all_readings()] == [f"RR{n}" for n in range(1, 21)]
    assert all(r["rules"] for r in all_readings()), "each reading names the rules that apply it"
