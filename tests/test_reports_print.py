"""The reports as a commission prints them: the PDF's pages, the workbook's print setup, LibreOffice's rendering.

The breached sample and a 10 000-line portfolio are turned into pages and read back: no « nan », article
references and amounts in one piece, every breach on the summary page, the line annex only on request, a page
count a board can read; the workbook's charts inside its print areas, heights on its wrapped rows, A4 landscape
fitted to the width with the header repeated, portfolio text kept as text. How fast is measured in
benchmarks/bench_report.py, not here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries

from constraints.checker import check
from constraints.rules import BREACH, UNKNOWN_S
from reports.xlsx import HEADER_ROW
from reserves.app.cli import main
from reserves.portfolio import load
from test_reports_sample import breached_frame, sample_frame

ROOT = Path(__file__).resolve().parent.parent
BREACHED = ROOT / "samples" / "portefeuille_manquements.xlsx"
HAVE_PDF = bool(shutil.which("chromium") or shutil.which("chromium-browser")) and bool(shutil.which("pdftotext"))
needs_pdf = pytest.mark.skipif(not HAVE_PDF, reason="chromium and poppler-utils are installed by tests/run")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _pages(pdf: Path, layout: bool = True) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    opts = ["-layout"] if layout else []
    return [subprocess.run(["pdftotext", *opts, "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for p in range(1, n + 1)]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The breached sample and a 10 000-line portfolio, each as PDF, HTML and xlsx reports (fixed timestamp)."""
    d = tmp_path_factory.mktemp("impression")
    big = d / "grand.xlsx"
    breached_frame(10_000).to_excel(big, sheet_name="Portefeuille", index=False, engine="xlsxwriter")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = {"dir": d, "src": {"sample": BREACHED, "big": big}}
    try:
        for name, src in out["src"].items():
            for fmt in ("xlsx", "html") + (("pdf",) if HAVE_PDF else ()):
                path = d / f"{name}.{fmt}"
                assert main(["report", str(src), "-o", str(path)]) == 1
                out[f"{name}.{fmt}"] = path
    finally:
        mp.undo()
    out["verdict"] = {name: check(load(src)) for name, src in out["src"].items()}
    return out


# --------------------------------------------------------------------------- PDF and HTML


def test_no_nan_in_any_report(made):
    for name in ("sample", "big"):
        assert not NAN.search(made[f"{name}.html"].read_text("utf-8")), name
        wb = openpyxl.load_workbook(made[f"{name}.xlsx"], read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    assert not (isinstance(v, str) and NAN.search(v)), (name, ws.title, v)
                    assert not (isinstance(v, float) and v != v), (name, ws.title)
        wb.close()
        if HAVE_PDF:
            assert not NAN.search("\n".join(_pages(made[f"{name}.pdf"]))), name


@needs_pdf
def test_the_summary_page_lists_every_breach(made):
    for name in ("sample", "big"):
        verdict = made["verdict"][name]
        summary = _norm(_pages(made[f"{name}.pdf"])[1])
        assert summary.startswith("Synthèse"), name
        assert "autre(s) manquement" not in summary
        breaches = [f for f in verdict.findings if f.status == BREACH]
        assert f"Manquements ({len(breaches)})" in summary
        titles = {r.spec.id: r.spec.title for r in verdict.results}
        by_rule: dict = {}
        for f in breaches:
            by_rule.setdefault(f.rule, []).append(f)
        for rule, fs in by_rule.items():
            assert _norm(titles[rule]) in summary, (name, rule)
            if len(fs) <= 3:  # each finding itself
                for f in fs:
                    assert _norm(f.subject) in summary, (name, f.subject)
            else:  # the lines of one rule summed up, all of them counted
                assert f"{len(fs)} lignes en manquement" in summary, (name, rule)
        # the points to check are summed up, not listed
        for f in verdict.findings:
            if f.status == UNKNOWN_S and f.subject not in {g.subject for g in breaches}:
                assert _norm(f.message) not in summary


@needs_pdf
def test_references_and_amounts_are_never_cut(made):
    for name in ("sample", "big"):
        raw = _pages(made[f"{name}.pdf"], layout=False)
        lines = [ln.strip() for page in raw for ln in page.splitlines()]
        for ln in lines:
            assert not re.search(r"\bR\.? ?\d{3}(-\d+)*-$", ln), (name, ln)  # « R. 623- » then a line break
            assert not ln.startswith("€"), (name, ln)
            assert not re.match(r"^\d+(-\d+)* [IVX]+ \d+°", ln), (name, ln)  # the tail of a reference alone
        text = _norm("\n".join(raw))
        assert "R. 623-3 I 3°" in text  # the short-term securities' article, whole
        html = made[f"{name}.html"].read_text("utf-8")
        assert re.search(r"\d,\d\d\u202f€", html) and not re.search(r"\d[ \xa0]?€", html), name  # no-break before €


@needs_pdf
def test_a_negative_margin_reads_as_an_excess(made):
    summary = _norm(_pages(made["sample.pdf"])[1])
    assert "Dépassement : 20 % au plus en immobilier" in summary
    assert "60 382 399,41 €" in summary
    assert not re.search(r"Marge la plus faible[^€]*-\d", summary)


@needs_pdf
def test_the_pdf_has_no_annex_unless_asked_and_no_page_of_a_lone_chart(made):
    for name in ("sample", "big"):
        pages = _pages(made[f"{name}.pdf"])
        text = "\n".join(pages)
        assert "Annexe : détail des lignes" not in text
        assert text.count("Parts de la base et limites (trait rouge") == 1  # the summary's, never repeated
        for i, page in enumerate(pages[1:], start=2):
            first = next(ln.strip() for ln in page.splitlines() if ln.strip())
            assert not first.startswith(("Parts de la base", "Allocation par catégorie (%", "Concentration par")), \
                (name, i, first)  # a page never starts with a chart left behind by its table


@needs_pdf
def test_ten_thousand_lines_fit_a_board_s_reading(made):
    pages = _pages(made["big.pdf"])
    assert len(pages) <= 30
    text = _norm("\n".join(pages))
    assert "Contrôle de 10 006 lignes" in text
    assert "au-delà de 25 lignes pour une même règle" in text.lower()
    assert "30 lignes en manquement" in text


# --------------------------------------------------------------------------- the workbook's pages


def _area(ws) -> tuple[int, int, int, int]:
    """The print area as (first col, first row, last col, last row), 1-based."""
    ref = ws.print_area
    ref = ref if isinstance(ref, str) else ref[0]
    return range_boundaries(ref.split("!")[-1].replace("$", ""))


def test_print_areas_hold_the_charts(made):
    wb = openpyxl.load_workbook(made["sample.xlsx"])
    charted = 0
    for ws in wb.worksheets:
        c1, r1, c2, r2 = _area(ws)
        for ch in ws._charts:
            a = ch.anchor
            for point in (a._from, a.to):  # 0-based cells of the chart's corners
                assert c1 <= point.col + 1 <= c2 and r1 <= point.row + 1 <= r2, (ws.title, point.col, point.row)
            charted += 1
    assert charted >= 4


def test_every_sheet_prints_on_a4_fitted_to_the_width_with_its_header_repeated(made):
    wb = openpyxl.load_workbook(made["sample.xlsx"])
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.paperSize in (9, "9"), ws.title
        assert ps.orientation == ("portrait" if ws.title in ("Synthèse", "Devises") else "landscape"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth or 1) == 1 \
            and int(ps.fitToHeight) == 0
        assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}", ws.title
        assert "&P" in ws.oddFooter.center.text


def test_wrapped_rows_have_the_height_of_their_text(made):
    wb = openpyxl.load_workbook(made["sample.xlsx"])
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=HEADER_ROW + 1):
            for c in row:
                if not (isinstance(c.value, str) and c.alignment.wrap_text):
                    continue
                width = ws.column_dimensions[c.column_letter].width
                if len(c.value) > 1.5 * width:  # takes two lines at least
                    height = ws.row_dimensions[c.row].height
                    assert height and height >= 2 * 15, (ws.title, c.coordinate, height, len(c.value), width)
                    assert height >= 15 * min(len(c.value) / (1.3 * width), 27), (ws.title, c.coordinate)
                    checked += 1
    assert checked > 20
    rules = wb["Règles"]
    col = next(c.column_letter for c in rules[HEADER_ROW] if c.value == "Texte appliqué")
    assert rules.column_dimensions[col].width >= 60


def test_portfolio_text_stays_text_in_the_workbook(tmp_path):
    df = sample_frame(30)
    df.loc[0, "libelle"] = "=1+1"
    df.loc[1, "emetteur"] = '=HYPERLINK("http://exemple.invalid","x")'
    df.loc[2, "libelle"] = "0123"
    src = tmp_path / "p.csv"
    df.to_csv(src, sep=";", index=False)
    out = tmp_path / "r.xlsx"
    main(["report", str(src), "-o", str(out)])
    with zipfile.ZipFile(out) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheets  # no formula anywhere
    ws = openpyxl.load_workbook(out)["Détail des lignes"]
    values = {c.value for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row}
    assert {"=1+1", "0123", '=HYPERLINK("http://exemple.invalid","x")'} <= values


# --------------------------------------------------------------------------- printed through LibreOffice

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.skipif(not SOFFICE or not shutil.which("pdftoppm"), reason="LibreOffice (libreoffice-calc) absent")
def test_the_workbook_prints_through_libreoffice_with_its_charts(made, tmp_path):
    import numpy as np
    from PIL import Image

    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profil", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(made["sample.xlsx"])], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "sample.pdf"
    pages = _pages(pdf)
    text = _norm("\n".join(pages))
    assert not NAN.search(text)
    wb = openpyxl.load_workbook(made["sample.xlsx"], read_only=True)
    assert len(pages) >= len(wb.sheetnames)
    for title in ("Verdict par règle", "Constats : les manquements d'abord", "Lectures du texte appliquées"):
        assert title in text, title
    verdict = made["verdict"]["sample"]
    quote = _norm(verdict.results[0].spec.quote)
    assert _norm(quote[:50]) in text  # the « Texte appliqué » column is printed
    # the limits page shows its chart: blue bars and the red limit marks, below the table
    i = next(i for i, p in enumerate(pages) if "Limites de l'article R. 623-10-1" in p)
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(i + 1), "-l", str(i + 1), "-png", str(pdf),
                    str(tmp_path / "limites")], check=True)
    img = next(tmp_path.glob("limites*.png"))
    rgb = np.asarray(Image.open(img).convert("RGB")).astype(int)
    blue = (abs(rgb[..., 0] - 0x2F) < 25) & (abs(rgb[..., 1] - 0x55) < 25) & (abs(rgb[..., 2] - 0x97) < 25)
    red = (rgb[..., 0] > 170) & (rgb[..., 1] < 40) & (rgb[..., 2] < 40)
    assert blue.sum() > 200 and red.sum() > 20
    assert np.flatnonzero(blue.any(axis=1)).max() > rgb.shape[0] * 0.25  # bars under the table's rows
