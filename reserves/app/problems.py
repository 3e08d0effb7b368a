"""Bad input said to the user of a command: one French line per problem, exit code 2."""

from __future__ import annotations

import json
import sys


def print_problems(err, as_json: bool) -> int:
    """Say every problem of bad input on the error stream (and as JSON with `as_json`); the exit code, 2."""
    for p in err.problems:
        sys.stderr.write(f"Erreur : {p}\n")
    if getattr(err, "truncated", False):
        from reserves.portfolio.errors import STOPPED

        sys.stderr.write(STOPPED + "\n")
    elif err.dropped:
        sys.stderr.write(f"… et {err.dropped} autre(s) problème(s).\n")
    if as_json:
        out = {"status": "error", "errors": [p.to_dict() for p in err.problems], "more_errors": err.dropped}
        if getattr(err, "truncated", False):
            out["truncated"] = True
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 2


__all__ = ["print_problems"]
