"""`reserves report` on an R. 139 portfolio: the report of `R139-2019-07-08` in xlsx, html or pdf.

The format follows the output file's extension, as for R. 623 (`reports.report`). The PDF is the HTML printed
by Chromium; without `annex` it shows the largest holdings of each fund only, 25 of each or fewer when there
are many funds (all of them are in the workbook and the HTML).
"""

from __future__ import annotations

from pathlib import Path

from reserves.portfolio.errors import InputError
from reserves.portfolio.outputs import atomic_path

from .r139_model import Report139, build_report139
from .report import format_of

PDF_HOLDINGS = 25  # the largest holdings of each fund the PDF shows without --annexe…
PDF_ROWS = 500  # …fewer when there are many funds: about this many rows in all


def write139(data: Report139, path) -> str:
    fmt = format_of(path)
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError.one(f"dossier de sortie introuvable : « {directory} »")
    with atomic_path(path) as tmp:
        if fmt == "xlsx":
            from .r139_xlsx import write_xlsx139

            write_xlsx139(data, tmp)
        elif fmt == "html":
            from .r139_html import render_html139

            Path(tmp).write_text(render_html139(data), encoding="utf-8")
        else:
            from .pdf import html_to_pdf, page_footer
            from .r139_html import render_html139

            html_to_pdf(render_html139(data), tmp, footer=page_footer(data))
    return fmt


def make_report139(pf, verdict, path, *, generated_at=None, annex: bool = False, scenario: dict | None = None,
                   proposal=False, options: dict | None = None, observations=None) -> Report139:
    """Build and write the R. 139 report of `pf` checked as `verdict`.

    `scenario`: the stress shocks (`r139_stress.parse_scenario139`; None: no stress view). `proposal`: True to run
    the R. 139 optimizer and show its proposal, the path of a proposal file (the portfolio after the trades), or a
    `ProposalView139` already made. `options`: the check's
    options (`simplified`, `simplified_since`, `max_age_days`) and `observations` its earlier observations
    (R. 139-48), so that the shocked and the proposed portfolios are checked as `verdict` was. Once the report is
    built, the régimes' contexts the figures were read from are released (the results stay)."""
    options = dict(options or {})
    observations = list(observations if observations is not None else ())
    stress = view = None
    if scenario:
        from .r139_stress import run139

        stress = run139(pf, verdict, scenario, lambda shocked: recheck139(shocked, verdict, options, observations))
    if proposal is True:
        from optimizer.r139 import rebalance139

        from .r139_proposal import from_optimizer139

        p = rebalance139(pf, verdict.version, as_of=verdict.as_of, path=None, observations=observations, **options)
        view = from_optimizer139(p, verdict)
    elif isinstance(proposal, (str, Path)):
        from .r139_proposal import from_file139

        view = from_file139(proposal, pf, verdict, lambda after: recheck139(after, verdict, options, observations))
    elif proposal:
        view = proposal
    data = build_report139(pf, verdict, generated_at=generated_at)
    data.stress, data.proposal = stress, view
    data.annex = bool(annex) or format_of(path) != "pdf"
    seen = sum(1 for p in data.parts for f in p.funds if f.holdings)
    data.holdings_in_pdf = max(5, min(PDF_HOLDINGS, PDF_ROWS // max(1, seen)))  # the PDF stays a few dozen pages
    from .r139_stress import release_contexts

    for v in (verdict, stress.verdict_after if stress else None, view.verdict_after if view else None):
        if v is not None:
            release_contexts(v)
    write139(data, path)
    return data


def recheck139(pf, verdict, options: dict, observations: list):
    """`pf` checked by the R. 139 checker as `verdict` was (same version, date, options, observations)."""
    from constraints.r139.checker import check
    from constraints.r139.inputs import from_portfolio

    inp = from_portfolio(pf, None)
    inp.observations = list(observations)
    v = check(inp, verdict.version, as_of=verdict.as_of, **options)
    v.as_of_source = getattr(verdict, "as_of_source", None)
    return v


__all__ = ["make_report139", "write139", "recheck139"]
