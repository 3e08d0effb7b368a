"""The readings of R. 139-1 to R. 139-56 (RR 1–20), from `constraints/readings_r139.yaml`, with the rules of the
rulebook whose verdict depends on each (the rules that name its number in their `readings`)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml

FILE = Path(__file__).resolve().parent.parent / "readings_r139.yaml"


@lru_cache(maxsize=None)
def all_readings() -> tuple:
    from constraints import rulebook

    version = rulebook.for_date(dt.date(2019, 7, 8))
    with open(FILE, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    out = []
    for r in doc["readings"]:
        n = int(r["id"][2:])
        rules = [s.id for s in version.rules if n in s.params.get("readings", [])]
        out.append({"id": r["id"], "title": r["title"], "text": " ".join(str(r["text"]).split()), "rules": rules})
    return tuple(out)


def readings_markdown() -> str:
    """The readings as the README lists them (between its `lectures-r139` markers), one item each."""
    lines = []
    for r in all_readings():
        rules = f" *Règles : {', '.join(r['rules'])}.*" if r["rules"] else ""
        lines.append(f"- **{r['id']} — {r['title']}.** {r['text']}{rules}")
    return "\n".join(lines) + "\n"


def rules_markdown() -> str:
    """The rules of `R139-2019-07-08` as the README lists them (between its `regles-r139` markers)."""
    from constraints import rulebook

    version = rulebook.for_date(dt.date(2019, 7, 8))
    mode = {("complet",): "complet", ("simplifie",): "simplifié", ("simplifie", "complet"): "les deux"}
    out = ["| règle | article | objet | régime |", "|---|---|---|---|"]
    for s in version.rules:
        out.append(f"| `{s.id}` | {s.article} | {s.title} | {mode[tuple(s.params['regime'])]} |")
    return "\n".join(out) + "\n"
