"""`reserves report`: the finished document for the commission financière and the agent comptable.

R. 623-10-4 (the yearly report on the investment policy and the allocation
by category) and R. 623-10-2 (the yearly report to the ministers) are
prepared from it. The format follows the output file's extension: `.xlsx`,
`.html` (self-contained) or `.pdf` (the HTML printed by Chromium). The PDF
leaves out the line-by-line annex unless asked for (`--annexe`).
"""

from __future__ import annotations

from pathlib import Path

from reserves.portfolio.errors import InputError
from reserves.portfolio.outputs import atomic_path

from .model import ReportData, build_report

FORMATS = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def format_of(path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise InputError.one(f"format de rapport inconnu « {Path(path).name} » : extension attendue .xlsx, .html ou .pdf")
    return FORMATS[ext]


def write(data: ReportData, path) -> str:
    """Write the report to `path` (format from the extension), atomically; returns the format."""
    fmt = format_of(path)
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError.one(f"dossier de sortie introuvable : « {directory} »")
    with atomic_path(path) as tmp:  # the report appears complete or not at all (a full disk: a French message)
        if fmt == "xlsx":
            from .xlsx import write_xlsx

            write_xlsx(data, tmp)
        elif fmt == "html":
            from .html import render_html

            Path(tmp).write_text(render_html(data), encoding="utf-8")
        else:
            from .pdf import write_pdf

            write_pdf(data, tmp)
    return fmt


def make_report(pf, verdict, path, *, proposal=None, scenario=None, date=None, generated_at=None,
                annex: bool = False) -> ReportData:
    """Build and write the report of `pf` checked as `verdict`; `scenario`: stress shocks (None: no stress view).

    The line-by-line annex is always in the workbook and the HTML; in the PDF only with `annex` (the board reads
    the summary, the limits, the concentrations and the breaches: 10 000 lines would be 170 pages more)."""
    stress = None
    if scenario:
        from .stress import run

        stress = run(pf, verdict, scenario, date=date)
    data = build_report(pf, verdict, generated_at=generated_at, proposal=proposal, stress=stress)
    data.annex = bool(annex) or format_of(path) != "pdf"
    write(data, path)
    return data


__all__ = ["make_report", "write", "format_of", "FORMATS"]
