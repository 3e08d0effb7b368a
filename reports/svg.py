"""Small SVG charts for the HTML and PDF reports: horizontal bars with the limit marked.

Pure text, no library, no external reference: the same data gives the same
bytes. Colours follow the verdict: red for a breach, amber for a point to
check, blue otherwise.
"""

from __future__ import annotations

from html import escape

from constraints.rules import BREACH, UNKNOWN_S

from .text import pct

COLOURS = {BREACH: "#c00000", UNKNOWN_S: "#d39e00", "ok": "#2f5597", "after": "#70ad47", "limit": "#c00000"}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _head(width: int, height: int, title: str) -> list[str]:
    t = escape(title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{t}">',
            f"<title>{t}</title>",
            f'<g font-family="{FONT}" font-size="11">']


def _tick(x: float) -> str:
    return f"{x * 100:.0f} %"


def _short(text: str, n: int = 46) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def bars(items, *, title: str, limit_label: str = "limite", width: int = 760, label_width: int = 300,
         shared_limit: float | None = None) -> str:
    """items: (label, value share, limit share or None, status[, second value share]).

    One horizontal bar per item; the item's limit is a red tick across its bar
    (or one dashed line for all when `shared_limit` is given). A fifth element
    draws a second, thinner bar under the first (after / stressed value).
    """
    row_h = 26 if any(len(it) > 4 for it in items) else 20
    top, bottom = (42 if shared_limit is not None else 26), 28  # the shared limit's label gets a line of its own
    height = top + bottom + row_h * max(len(items), 1)
    values = [abs(it[1] or 0) for it in items] + [it[2] or 0 for it in items]
    values += [abs(it[4] or 0) for it in items if len(it) > 4]
    if shared_limit is not None:
        values.append(shared_limit)
    top_value = max(values + [0.01]) * 1.12
    step = next((st for st in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5) if top_value / st <= 5), 1.0)
    ticks = int(-(-top_value // step))
    vmax = step * ticks
    plot_w = width - label_width - 70
    x0 = label_width

    def x(v):
        return x0 + plot_w * max(v, 0) / vmax

    out = _head(width, height, title)
    out.append(f'<text x="{x0}" y="16" font-weight="bold" font-size="12">{escape(title)}</text>')
    for k in range(0, ticks + 1):  # grid lines at round shares
        gx = x0 + plot_w * k / ticks
        out.append(f'<line x1="{_n(gx)}" y1="{top - 4}" x2="{_n(gx)}" y2="{height - bottom + 4}" stroke="#dddddd"/>')
        out.append(f'<text x="{_n(gx)}" y="{height - bottom + 16}" text-anchor="middle" fill="#555555">'
                   f'{escape(_tick(step * k))}</text>')
    for i, it in enumerate(items):
        label, v, lim, status = it[0], it[1] or 0, it[2], it[3]
        y = top + i * row_h
        colour = COLOURS.get(status, COLOURS["ok"])
        bh = row_h - 8 if len(it) <= 4 else (row_h - 8) / 2
        out.append(f'<text x="{x0 - 6}" y="{_n(y + row_h / 2 + 4)}" text-anchor="end">{escape(_short(label))}</text>')
        out.append(f'<rect x="{x0}" y="{_n(y + 3)}" width="{_n(x(v) - x0)}" height="{_n(bh)}" fill="{colour}"/>')
        txt_x = x(max(v, it[4] or 0) if len(it) > 4 else v) + 4
        if lim is not None and shared_limit is None and abs(x(lim) - txt_x) < 40:
            txt_x = max(txt_x, x(lim) + 5)
        out.append(f'<text x="{_n(txt_x)}" y="{_n(y + 3 + bh - 2)}" fill="#222222">{escape(pct(v))}</text>')
        if len(it) > 4 and it[4] is not None:
            out.append(f'<rect x="{x0}" y="{_n(y + 3 + bh)}" width="{_n(x(it[4]) - x0)}" height="{_n(bh)}" '
                       f'fill="{COLOURS["after"]}"/>')
            out.append(f'<text x="{_n(x(max(v, it[4])) + 4)}" y="{_n(y + 3 + 2 * bh - 1)}" fill="#3a7d22">'
                       f'{escape(pct(it[4]))}</text>')
        if lim is not None and shared_limit is None:
            lx = x(lim)
            out.append(f'<line x1="{_n(lx)}" y1="{_n(y)}" x2="{_n(lx)}" y2="{_n(y + row_h)}" '
                       f'stroke="{COLOURS["limit"]}" stroke-width="3"/>')
    if shared_limit is not None:
        lx = x(shared_limit)
        out.append(f'<line x1="{_n(lx)}" y1="{top - 4}" x2="{_n(lx)}" y2="{height - bottom + 4}" '
                   f'stroke="{COLOURS["limit"]}" stroke-width="2" stroke-dasharray="6 3"/>')
        out.append(f'<text x="{_n(lx + 4)}" y="{top - 8}" fill="{COLOURS["limit"]}">'
                   f'{escape(limit_label)} {escape(pct(shared_limit))}</text>')
    out.append("</g></svg>")
    return "".join(out)


def legend(entries) -> str:
    """entries: (kind, text), kind in ok, breach, unknown, after, limit; a small legend line as HTML."""
    spans = "".join(f'<span class="key"><span class="swatch sw-{k}"></span>{escape(t)}</span>' for k, t in entries)
    return f'<p class="legend">{spans}</p>'
