"""The terminal never hides a breach: the portfolio-wide findings first and never cut, the line findings
summarised by rule beyond a screenful (all with --tout), the identity and the verdict again at the end,
and no automatic colouring of digits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rich.console import Console

from constraints.checker import check
from reports.terminal import SCREENFUL, render
from test_optimizer_helpers import base_lines, line, portfolio

ROOT = Path(__file__).resolve().parents[1]
M = 1_000_000


def _big():
    """Group breaches (real estate, one issuer, one building) and many line findings (custody unknown)."""
    L = base_lines()
    L += [line(f"Immeuble X{i}", 9, 4 * M, building=f"IMM-X{i}") for i in range(3)]
    L += [line("Grand immeuble", 9, 9 * M, building="IMM-G")]
    L += [line("Obligation Alpha", 2, 5 * M, issuer="Alpha SA"), line("Action Alpha", 7, 4 * M, issuer="Alpha SA")]
    L += [line(f"Action sans conservation {i}", 7, 10_000, conservation=None) for i in range(3 * SCREENFUL)]
    return portfolio(L)


def _render(pf, **kw):
    console = Console(record=True, width=160, color_system="truecolor", force_terminal=True, highlight=False)
    verdict = check(pf)
    render(verdict, pf, console=console, **kw)
    return verdict, console.export_text(clear=False), console.export_text(styles=True)


def test_group_breaches_come_first_and_are_never_cut():
    verdict, text, _ = _render(_big())
    group = text.index("Limites du portefeuille")
    lines = text.index("Constats ligne à ligne")
    assert group < lines
    block = text[group:lines]
    for rule in ("R623-10-1/immobilier-max20", "R623-10-1/emetteur-max5", "R623-10-1/immeuble-max5"):
        assert verdict.result(rule).status == "breach"
        assert rule in block
    # beyond a screenful, the line findings are summarised by rule
    assert "Résumé par règle" in text and "--tout" in text
    assert text.count("Action sans conservation") < 5


def test_tout_shows_every_line_finding():
    verdict, text, _ = _render(_big(), all_findings=True)
    assert text.count("Action sans conservation") >= 3 * SCREENFUL
    assert "Résumé par règle" not in text


def test_identity_and_verdict_are_printed_again_at_the_end():
    pf = _big()
    verdict, text, _ = _render(pf)
    tail = text.rstrip().splitlines()[-6:]
    assert any("Contrôle des placements" in t for t in tail)
    assert any("Règlement appliqué" in t and verdict.version.id in t for t in tail)
    assert any(t.startswith("Réserves :") for t in tail)
    assert tail[-1].startswith("Verdict : NON CONFORME")


def test_no_automatic_highlighting_of_digits(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # colours on, as in a terminal
    pf = _big()
    render(check(pf), pf)  # the command's own console
    styled = capsys.readouterr().out
    assert "\x1b[" in styled  # colours are on
    # rich's highlighter would wrap the digits of « R623-10-1 » and of « 01/12/2026 » in colour codes
    assert "R623-10-1/immobilier-max20" in styled
    assert "R623-2002-11-01" in styled


def test_cli_check_tout_option():
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "check",
                        str(ROOT / "samples" / "portefeuille_manquements.xlsx"), "--tout"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "Limites du portefeuille" in r.stdout and r.stdout.rstrip().splitlines()[-1].startswith("Verdict :")


def test_french_command_names_beside_the_english_ones():
    from reserves.app.cli import FRENCH_NAMES, build_parser

    sub = build_parser()._subparsers._group_actions[0]
    for english, french in FRENCH_NAMES.items():
        assert sub.choices[french] is sub.choices[english]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for english, french in FRENCH_NAMES.items():  # the README names each pair
        assert f"`{english}` (`{french}`)" in readme, (english, french)
    r = subprocess.run([sys.executable, "-m", "reserves.app.cli", "controler",
                        str(ROOT / "samples" / "portefeuille_conforme.xlsx"), "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0 and '"status": "ok"' in r.stdout
