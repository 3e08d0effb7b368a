"""The PDF report: the HTML report printed by the system's Chromium (headless, through Playwright).

No network: every request the page might make is refused, and the HTML has
no external reference anyway. Chromium is found as `RESERVES_CHROMIUM`, else
`chromium`, `chromium-browser` or `google-chrome` on the PATH.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from html import escape

from reserves.portfolio.errors import InputError

from .html import render_html
from .model import ReportData

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]
INSTALL_HINT = ("Chromium est nécessaire pour produire un rapport PDF. Installez-le (Debian/Ubuntu : "
                "« apt-get install chromium ») ou indiquez son chemin dans la variable RESERVES_CHROMIUM ; "
                "les rapports .xlsx et .html n'en ont pas besoin.")


def find_chromium() -> str:
    given = os.environ.get("RESERVES_CHROMIUM")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise InputError.one(f"RESERVES_CHROMIUM désigne « {given} », qui n'est pas un exécutable. {INSTALL_HINT}")
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise InputError.one(INSTALL_HINT)


def page_footer(data: ReportData) -> str:
    text = escape(f"{data.title} — {data.pf.source} — {data.verdict.version.id}")
    return ('<div style="font-size:7px;width:100%;padding:0 14mm;color:#666;display:flex;'
            f'justify-content:space-between;font-family:sans-serif"><span>{text}</span>'
            '<span>page <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


def html_to_pdf(html: str, path, *, footer: str = "") -> None:
    executable = find_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dependency; the command line is the fallback
        return _cli_pdf(executable, html, path)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("data:", "about:"))
                           else route.continue_())
                page.set_content(html, wait_until="load")
                page.emulate_media(media="print")
                page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True,
                         display_header_footer=bool(footer), header_template="<span></span>",
                         footer_template=footer or "<span></span>",
                         margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise InputError.one(f"Chromium n'a pas pu produire le PDF ({str(exc).splitlines()[0]}). {INSTALL_HINT}")


def _cli_pdf(executable: str, html: str, path) -> None:  # pragma: no cover - used without playwright only
    import subprocess

    with tempfile.TemporaryDirectory(prefix="rapport-") as tmp:
        src = os.path.join(tmp, "rapport.html")
        with open(src, "w", encoding="utf-8") as fh:
            fh.write(html)
        cmd = [executable, *LAUNCH_ARGS, f"--user-data-dir={os.path.join(tmp, 'profil')}", "--no-pdf-header-footer",
               f"--print-to-pdf={os.path.abspath(path)}", f"file://{src}"]
        res = subprocess.run(cmd, capture_output=True, timeout=120)
        if res.returncode != 0 or not os.path.exists(path):
            raise InputError.one(f"Chromium n'a pas pu produire le PDF (code {res.returncode}). {INSTALL_HINT}")


def write_pdf(data: ReportData, path) -> None:
    html_to_pdf(render_html(data), path, footer=page_footer(data))


__all__ = ["write_pdf", "html_to_pdf", "find_chromium", "INSTALL_HINT"]
