"""The verdict in the terminal: a table of rules with ✔/✘/?, then the findings, in French."""

from __future__ import annotations

from constraints.rules import BREACH, NA, OK, UNKNOWN_S, fr_euros, fr_pct

SYMBOL = {OK: ("✔", "green"), BREACH: ("✘", "bold red"), UNKNOWN_S: ("?", "yellow"), NA: ("–", "dim")}
STATUS_FR = {OK: "conforme", BREACH: "non conforme", UNKNOWN_S: "à vérifier", NA: "sans objet"}


def _pct(x):
    return "" if x is None else fr_pct(x)


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


def render(verdict, pf, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if _is_tty() else 140)
    v = verdict.version
    console.print(f"[bold]Contrôle des placements[/bold] — {pf.source} (feuille « {pf.sheet} », {verdict.n_lines} lignes)")
    console.print(f"Règlement appliqué : {v.id} — {v.set_by}, en vigueur {v.period_fr()}")
    console.print(f"Réserves : {fr_euros(verdict.total)}   Base R. 623-10-1 : {fr_euros(verdict.base)}   "
                  f"Hors base (disponibilités exclues) : {fr_euros(verdict.excluded_total)}   "
                  f"Poche gestion : {fr_euros(verdict.gestion_total)}")
    for w in verdict.warnings:
        console.print(f"[yellow]Avertissement :[/yellow] {w}")
    table = Table(show_lines=False, header_style="bold")
    table.add_column("", width=1)
    table.add_column("Règle")
    table.add_column("Article")
    table.add_column("Valeur", justify="right")
    table.add_column("Limite", justify="right")
    table.add_column("Marge", justify="right")
    table.add_column("Constats", justify="right")
    for r in verdict.results:
        sym, style = SYMBOL[r.status]
        n_b = sum(f.status == BREACH for f in r.findings)
        n_u = sum(f.status == UNKNOWN_S for f in r.findings)
        counts = ", ".join(x for x in (f"{n_b} ✘" if n_b else "", f"{n_u} ?" if n_u else "") if x)
        limit = _pct(r.limit) if r.spec.kind != "line_conditions" else ""
        table.add_row(f"[{style}]{sym}[/{style}]", f"{r.spec.title}\n[dim]{r.spec.id}[/dim]", r.spec.article,
                      _pct(r.value) if r.spec.kind != "line_conditions" else "", limit,
                      fr_euros(r.headroom) if r.headroom is not None and r.status == OK else "", counts)
    console.print(table)
    findings = verdict.findings
    if findings:
        console.print("[bold]Constats[/bold] (les manquements d'abord)")
        for f in findings[:200]:
            sym, style = SYMBOL[f.status]
            rows = ", ".join(str(x) for x in f.rows[:12]) + (" …" if len(f.rows) > 12 else "")
            where = f" — ligne{'s' if len(f.rows) > 1 else ''} {rows}" if f.rows else ""
            console.print(f"[{style}]{sym}[/{style}] [bold]{f.rule}[/bold] ({f.article}) — {f.subject}{where}")
            console.print(f"    {f.message}")
        if len(findings) > 200:
            console.print(f"… et {len(findings) - 200} autres constats (voir --json ou le rapport).")
    status = verdict.status
    sym, style = SYMBOL[status]
    console.print(f"[{style}]Verdict : {STATUS_FR[status].upper()}[/{style}]")
