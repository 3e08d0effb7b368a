"""The PDF report, printed by the system's Chromium: each page rendered to an image and read back."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from constraints.checker import check
from reserves.portfolio.fmt import fr_euros
from reserves.app.cli import main
from reserves.portfolio.model import load
from test_reports_sample import sample_frame

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")) or not shutil.which("pdftoppm"),
    reason="chromium and poppler-utils are installed by tests/run")


def _spaces(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdf")
    src = d / "portefeuille.xlsx"
    sample_frame().to_excel(src, sheet_name="Portefeuille", index=False)
    out = d / "rapport.pdf"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    try:
        code = main(["report", str(src), "-o", str(out), "--annexe"])
    finally:
        mp.undo()
    pages = []
    n = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True,
                                                                 check=True).stdout.splitlines()
                 if line.startswith("Pages:")))
    for p in range(1, n + 1):
        pages.append(subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(out), "-"],
                                    capture_output=True, text=True, check=True).stdout)
    verdict = check(load(src))
    return {"dir": d, "out": out, "code": code, "pages": pages,
            "json": json.loads(json.dumps(verdict.to_dict(), ensure_ascii=False))}


def test_pdf_is_written_with_the_verdicts_exit_code(pdf):
    assert pdf["code"] == 1
    assert pdf["out"].read_bytes()[:5] == b"%PDF-"
    assert len(pdf["pages"]) >= 6


def test_title_page_then_one_page_summary(pdf):
    title, summary = pdf["pages"][0], pdf["pages"][1]
    assert "Rapport sur les placements des réserves" in title
    assert pdf["json"]["version"]["id"] in title and "1er janvier 2026" in title
    assert "Synthèse" in summary and "NON CONFORME" in summary
    base = fr_euros(round(pdf["json"]["base"] * 100))
    assert _spaces(base) in _spaces(summary)
    assert "Totaux par poche" not in summary  # the parts start on the next page
    assert "page 2 / " in summary


def test_parts_findings_readings_and_annex_are_in_the_pdf(pdf):
    text = "\n".join(pdf["pages"])
    for part in ("1. Totaux par poche", "2. Allocation par catégorie", "3. Verdict par règle", "4. Constats",
                 "5. Concentration", "6. Exposition par devise", "Choc de marché", "Lectures du texte appliquées",
                 "Annexe : détail des lignes"):
        assert part in text, part
    for f in pdf["json"]["findings"]:
        assert f["rule"] in text
    assert "L5 — Plafond de 5 % par personne morale" in text


def test_every_page_renders_to_a_non_blank_image(pdf):
    from PIL import Image, ImageStat

    prefix = pdf["dir"] / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf["out"]), str(prefix)], check=True, timeout=120)
    images = sorted(pdf["dir"].glob("page-*.png"))
    assert len(images) == len(pdf["pages"])
    for img in images:
        with Image.open(img) as im:
            gray = im.convert("L")
            assert ImageStat.Stat(gray).stddev[0] > 5, img.name  # not a blank page
            assert gray.getextrema()[0] < 100  # some dark ink
    with Image.open(images[1]) as im:  # the summary's verdict badge is red
        import numpy as np

        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
        assert ((rgb[:, 0] > 150) & (rgb[:, 1] < 60) & (rgb[:, 2] < 60)).any()


def test_missing_chromium_is_a_french_error(tmp_path, monkeypatch, capsys):
    src = tmp_path / "p.xlsx"
    sample_frame().head(8).to_excel(src, sheet_name="Portefeuille", index=False)
    monkeypatch.setenv("RESERVES_CHROMIUM", str(tmp_path / "pas-de-chromium"))
    assert main(["report", str(src), "-o", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert "Chromium est nécessaire" in err and "apt-get install chromium" in err
    assert not (tmp_path / "r.pdf").exists()
