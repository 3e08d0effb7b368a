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


def make_report139(pf, verdict, path, *, generated_at=None, annex: bool = False) -> Report139:
    data = build_report139(pf, verdict, generated_at=generated_at)
    data.annex = bool(annex) or format_of(path) != "pdf"
    seen = sum(1 for p in data.parts for f in p.funds if f.holdings)
    data.holdings_in_pdf = max(5, min(PDF_HOLDINGS, PDF_ROWS // max(1, seen)))  # the PDF stays a few dozen pages
    write139(data, path)
    return data


__all__ = ["make_report139", "write139"]
