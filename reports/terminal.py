"""The verdict in the terminal: a table of rules with ✔/✘/?, then the findings, in French.

Order: the portfolio-wide findings first (the limits of a group: 20 % of real estate, 5 % per issuer
and per building, 10 % of one issuer's securities, 34 %, 90 %…), every one of them, never cut; then
the findings of single lines, one by one when they fit on a screen, else summarised by rule (all of
them with `--tout`); then, since the head scrolls away, the file, its date, the version of the rules,
the totals and the verdict again. Rich's automatic highlighting is off: it would colour the digits
inside « R623-10-1 » and the dates.
"""

from __future__ import annotations

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from reserves.portfolio.fmt import STATUS_FR, fr_euros, fr_int, fr_pct  # the one wording of money, shares and statuses

SYMBOL = {OK: ("✔", "green"), BREACH: ("✘", "bold red"), UNKNOWN_S: ("?", "yellow"), NA: ("–", "dim")}
SCREENFUL = 40  # line findings shown one by one up to this many; beyond, a summary by rule


def _pct(x):
    return "" if x is None else fr_pct(x)


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


_int_fr = fr_int


def _finding(console, f) -> None:
    sym, style = SYMBOL[f.status]
    rows = ", ".join(str(x) for x in f.rows[:12]) + (" …" if len(f.rows) > 12 else "")
    where = f" — ligne{'s' if len(f.rows) > 1 else ''} {rows}" if f.rows else ""
    title = getattr(f, "title", None) or f.rule
    subject = "" if f.subject in (getattr(f, "rule_title", None), "base") else f" — {f.subject}"
    console.print(f"[{style}]{sym}[/{style}] [bold]{title}[/bold] ({f.article}){subject}{where}")
    console.print(f"    {f.message}")


def _date_source(verdict) -> str:
    """Where the portfolio's date came from (SPEC §4): the file (and where in it), --date, or today."""
    src = getattr(verdict, "as_of_source", "")
    where = getattr(verdict, "as_of_where", "")
    return f"{src} : {where}" if src == "date du fichier" and where else src


def _identity(verdict, pf) -> list[str]:
    v = verdict.version
    day = verdict.as_of.strftime("%d/%m/%Y") if getattr(verdict, "as_of", None) else ""
    return [f"[bold]Contrôle des placements[/bold] — {pf.source} (feuille « {pf.sheet} », "
            f"{_int_fr(verdict.n_lines)} lignes)",
            f"Portefeuille au {day} (date : {_date_source(verdict)})",
            f"Règlement appliqué : {v.id} — {v.set_by}, en vigueur {v.period_fr()}",
            f"Réserves : {fr_euros(verdict.total)}   Base R. 623-10-1 : {fr_euros(verdict.base)}   "
            f"Hors base (disponibilités exclues) : {fr_euros(verdict.excluded_total)}   "
            f"Poche gestion : {fr_euros(verdict.gestion_total)}"]


def render(verdict, pf, console=None, *, all_findings: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if _is_tty() else 140, highlight=False)
    for line in _identity(verdict, pf):
        console.print(line)
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
    line_rules = set()
    titles = {}
    for r in verdict.results:
        titles[r.spec.id] = r.spec.title
        if r.spec.kind == "line_conditions":
            line_rules.add(r.spec.id)
        sym, style = SYMBOL[r.status]
        n_b = sum(f.status == BREACH for f in r.findings)
        n_u = sum(f.status == UNKNOWN_S for f in r.findings)
        counts = ", ".join(x for x in (f"{_int_fr(n_b)} ✘" if n_b else "", f"{_int_fr(n_u)} ?" if n_u else "") if x)
        limit = _pct(r.limit) if r.spec.kind != "line_conditions" else ""
        table.add_row(f"[{style}]{sym}[/{style}]", f"{r.spec.title}\n[dim]{r.spec.id}[/dim]", r.spec.article,
                      _pct(r.value) if r.spec.kind != "line_conditions" else "", limit,
                      fr_euros(r.headroom) if r.headroom is not None and r.status == OK else "", counts)
    console.print(table)
    findings = verdict.findings
    group = [f for f in findings if f.rule not in line_rules]
    lines = [f for f in findings if f.rule in line_rules]
    if group:
        console.print(f"[bold]Limites du portefeuille[/bold] ({len(group)} constat{'s' if len(group) > 1 else ''}, "
                      "manquements d'abord, tous affichés)")
        for f in group:
            _finding(console, _titled(f, titles))
    if lines:
        console.print(f"[bold]Constats ligne à ligne[/bold] ({_int_fr(len(lines))}, manquements d'abord)")
        if all_findings or len(lines) <= SCREENFUL:
            for f in lines:
                _finding(console, _titled(f, titles))
        else:
            console.print(_summary_table(lines, titles))
            console.print(f"Résumé par règle : {_int_fr(len(lines))} constats ligne à ligne ; « --tout » les affiche "
                          "tous (ou --json, ou le rapport).")
    console.print("")
    for line in _identity(verdict, pf):
        console.print(line)
    status = verdict.status
    sym, style = SYMBOL[status]
    n_b = sum(f.status == BREACH for f in findings)
    n_u = sum(f.status == UNKNOWN_S for f in findings)
    console.print(f"[{style}]Verdict : {STATUS_FR[status].upper()}[/{style}] — {_int_fr(n_b)} manquement"
                  f"{'s' if n_b > 1 else ''}, {_int_fr(n_u)} à vérifier")


class _Titled:
    """A finding seen with its rule's French title."""

    def __init__(self, f, title, rule_title):
        self._f, self.title, self.rule_title = f, title, rule_title

    def __getattr__(self, name):
        return getattr(self._f, name)


def _titled(f, titles):
    return _Titled(f, f"{titles.get(f.rule, f.rule)} [dim]{f.rule}[/dim]", titles.get(f.rule))


def _summary_table(lines, titles):
    from rich.table import Table

    t = Table(header_style="bold")
    for h, j in (("", "left"), ("Règle", "left"), ("Article", "left"), ("Manquements", "right"),
                 ("À vérifier", "right"), ("Premières lignes du tableur", "left")):
        t.add_column(h, justify=j)
    by_rule = {}
    for f in lines:
        by_rule.setdefault(f.rule, []).append(f)
    for rule, fs in by_rule.items():
        n_b = sum(f.status == BREACH for f in fs)
        n_u = sum(f.status == UNKNOWN_S for f in fs)
        sym, style = SYMBOL[BREACH if n_b else UNKNOWN_S]
        rows = sorted({int(r) for f in fs for r in f.rows})
        t.add_row(f"[{style}]{sym}[/{style}]", f"{titles.get(rule, rule)}\n[dim]{rule}[/dim]", fs[0].article,
                  _int_fr(n_b), _int_fr(n_u), ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else ""))
    return t
