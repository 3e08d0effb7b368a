"""The Excel report: one sheet per part, French formats, native charts, pages that print.

Written by xlsxwriter in its constant-memory mode (rows stream to disk: a
10 000-line annex is written in well under a second). Every table sheet has
the same shape: a title in row 1, a subtitle in row 2, a note in row 3, the
header in row 4 (frozen, with a filter), data from row 5; money in
`#,##0.00 "€"` (1 234 567,89 € in a French Excel), shares in `0.00 %`
(12,30 %). Lines in breach are filled red, lines to check yellow.

Printing: every sheet is A4, landscape (the summary portrait), fitted to the
page width, with the header row repeated on each page and « Page n / N » in
the footer. A row with wrapped text gets the height of its longest cell, so
that the « Texte appliqué » or « Constat » column never overlaps the next
row. Charts sit under their table, inside the print area.

Text from the portfolio (labels, issuers, subjects) is always written as a
text cell (`write_string`), never read as a formula or a number.

Reproducible: the workbook's creation and modification dates are the
generation timestamp and the zip entries carry a fixed date, so the same
input and the same timestamp give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from reserves.portfolio.outputs import XLSXWRITER_OPTIONS, formula_like

from .model import ReportData, cat_label, text_of
from .text import ACTION_FR, VERDICT_FR, date_fr, datetime_fr, euros, rows_text
from reserves.portfolio.fmt import SENSE_FR, STATUS_FR

MONEY = '#,##0.00 "€";-#,##0.00 "€"'
PERCENT = "0.00 %"
INTEGER = "0"
HEADER_ROW = 4  # Excel's row numbers (1-based), as the reader of the sheet sees them
FIRST_ROW = HEADER_ROW + 1

FILL = {BREACH: "#F8CBAD", UNKNOWN_S: "#FFE699", OK: None, NA: None}
HEADER_FILL = "#1F3864"
SHEETS = {
    "summary": "Synthèse", "allocation": "Allocation", "limits": "Limites", "rules": "Règles",
    "findings": "Constats", "issuers": "Émetteurs", "buildings": "Immeubles", "currencies": "Devises",
    "proposal": "Proposition", "trades": "Ordres", "stress": "Choc de marché", "readings": "Lectures",
    "lines": "Détail des lignes",
}

LINE_HEIGHT = 15.0  # points per line of 11 pt text
MAX_LINES = 27  # Excel's highest row is 409 points
ROW_PIXELS = 20  # a default row, for placing a chart under a table
CHART_HEIGHT = 300  # pixels


_TEXT, _NUMBER, _ANY = object(), object(), object()  # how a column's cells are written


def euros_cell(cents):
    """Cents → euros for a cell (None stays empty)."""
    return None if cents is None else int(cents) / 100


_e = euros_cell  # the short name this module writes it by


def _col_pixels(width: float) -> int:
    """Excel's width of a column of `width` characters, in pixels (Calibri 11: 7 pixels a digit, 5 of padding)."""
    return int(width * 7 + 0.5) + 5


def lines_needed(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (a little more than it may)."""
    per_line = max(4, int(width * 1.15) - 2)  # text is narrower than digits; a wrapped word wastes the line's end
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _escape_hf(text: str) -> str:
    return text.replace("&", "&&")


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and abs(x) != float("inf")


class Book:
    sheets = SHEETS  # key → sheet name

    def __init__(self, data: ReportData, path):
        import xlsxwriter

        self.data = data
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True,
                                                  **XLSXWRITER_OPTIONS})
        self.wb.set_properties({"title": data.title, "author": "reserves", "created": data.generated_at,
                                "comments": "reserves"})
        self._formats: dict = {}
        self._quoted: dict = {}
        self._props: dict = {}  # a format's properties, by id, to derive its quote-prefixed twin
        self.title_fmt = self.wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER_FILL})
        self.italic = self.wb.add_format({"italic": True})
        self.header_fmt = self.wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL,
                                              "text_wrap": True, "valign": "vcenter", "border": 1,
                                              "border_color": "#C8C8C8"})
        self.bold = self.wb.add_format({"bold": True, "valign": "top"})

    def fmt(self, num: str | None = None, wrap: bool = False, fill: str | None = None, **extra):
        key = (num, wrap, fill, tuple(sorted(extra.items())))
        f = self._formats.get(key)
        if f is None:
            props = {"valign": "top", **extra}
            if num:
                props["num_format"] = num
            if wrap:
                props["text_wrap"] = True
            if fill:
                props["bg_color"] = fill
                props["pattern"] = 1
            f = self._formats[key] = self.wb.add_format(props)
            self._props[id(f)] = props
        return f

    def subtitle(self) -> str:
        d, v = self.data, self.data.verdict
        return (f"{d.pf.source} — portefeuille au {date_fr(v.as_of)} — règlement {v.version.id} — "
                f"généré le {datetime_fr(d.generated_at)}")

    def heading(self, ws, title: str, note: str = ""):
        ws.write_string(0, 0, title, self.title_fmt)
        ws.set_row(0, 20)
        ws.write_string(1, 0, self.subtitle())
        if note:
            ws.write_string(2, 0, note, self.italic)

    def quoted(self, f):
        """`f` with Excel's quote prefix: a text starting with « = » stays text when the cell is edited."""
        q = self._quoted.get(id(f))
        if q is None:
            q = self._quoted[id(f)] = self.wb.add_format({**self._props.get(id(f), {}), "quote_prefix": True})
        return q

    def put(self, ws, r: int, c: int, value, f, text: bool):
        """One cell: portfolio text as text (never a formula), numbers as numbers, nothing as a blank."""
        if value is None or (isinstance(value, float) and value != value):
            ws.write_blank(r, c, None, f)
        elif text or isinstance(value, str):
            value = text_of(value)
            ws.write_string(r, c, value, self.quoted(f) if formula_like(value) else f)
        elif isinstance(value, (dt.datetime, dt.date)):
            ws.write_datetime(r, c, value, f)
        elif _is_number(value):
            ws.write_number(r, c, value, f)
        else:
            ws.write_string(r, c, text_of(value), f)

    def table(self, key: str, title: str, columns: list, rows: list, *, status_col: int | None = None,
              note: str = "", portrait: bool = False):
        """columns: (header, width, number format or None, wrap); rows: lists of cell values.

        Returns the sheet and the 0-based row under the table, where a chart may go."""
        ws = self.wb.add_worksheet(self.sheets.get(key, key))
        self.heading(ws, title, note)
        for j, (head, width, _, _) in enumerate(columns):
            ws.set_column(j, j, width)
        h = HEADER_ROW - 1
        ws.set_row(h, max(32, LINE_HEIGHT * max(lines_needed(c[0], c[1]) for c in columns) + 2))
        for j, (head, _, _, _) in enumerate(columns):
            ws.write_string(h, j, head, self.header_fmt)
        wrapped = [(j, c[1]) for j, c in enumerate(columns) if c[3]]
        plain = [self.fmt(c[2], c[3]) for c in columns]
        filled = {s: [self.fmt(c[2], c[3], fill) for c in columns] for s, fill in FILL.items() if fill}
        kinds = [_TEXT if c[2] is None else _NUMBER if c[2] != "General" else _ANY for c in columns]
        write_string, write_number, write_blank, put = ws.write_string, ws.write_number, ws.write_blank, self.put
        for i, row in enumerate(rows):
            r = h + 1 + i
            status = _status_key(row[status_col]) if status_col is not None else None
            fmts = filled.get(status)
            n = 1
            for j, width in wrapped:
                v = row[j]
                if v and len(v) > width - 4:
                    n = max(n, lines_needed(v, width))
            if n > 1:
                ws.set_row(r, LINE_HEIGHT * min(n, MAX_LINES) + 2)
            for j, value in enumerate(row):
                kind = kinds[j]
                f = plain[j] if fmts is None else fmts[j]
                if kind is _TEXT and value.__class__ is str and not formula_like(value):
                    if value:
                        write_string(r, j, value, f)
                    elif fmts is not None:
                        write_blank(r, j, None, f)
                elif kind is _NUMBER and value.__class__ in (int, float) and value == value:
                    write_number(r, j, value, f)
                elif value is None or value == "":
                    if fmts is not None:
                        write_blank(r, j, None, f)
                else:
                    put(ws, r, j, value, f, kind is _TEXT)
        last_row = h + max(len(rows), 1)
        ws.freeze_panes(h + 1, 0)
        ws.autofilter(h, 0, last_row, len(columns) - 1)
        self.print_setup(ws, last_row, len(columns) - 1, portrait=portrait)
        return ws, last_row + 2

    def print_setup(self, ws, last_row: int, last_col: int, *, portrait: bool = False):
        ws.print_area(0, 0, last_row, last_col)
        ws.repeat_rows(HEADER_ROW - 1)
        if portrait:
            ws.set_portrait()
        else:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
        ws.set_header(f"&L{_escape_hf(self.data.title)}")
        ws.set_footer("&CPage &P / &N")

    def chart_under(self, ws, chart, row: int, columns: list, *, width: int = 900, height: int = CHART_HEIGHT):
        """Put `chart` at `row` (0-based), under its table, and stretch the print area over it."""
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})
        last_row = row + math.ceil((height + 8) / ROW_PIXELS) + 1
        pixels, last_col = 0, -1
        for w in [c[1] for c in columns] + [8.43] * 50:
            last_col += 1
            pixels += _col_pixels(w)
            if pixels >= width + 8 and last_col >= len(columns) - 1:
                break
        ws.print_area(0, 0, last_row, last_col)


def _status_key(status):
    if status in FILL:
        return status
    for k, v in STATUS_FR.items():
        if v == status:
            return k
    return None


_Book = Book  # the short name this module writes it by


def column_ref(ws_name: str, first_row: int, col: int, last_row: int):
    """A chart's reference to the cells of one column."""
    return [ws_name, first_row, col, last_row, col]


_ref = column_ref  # the short name this module writes it by


# --------------------------------------------------------------------------- sheets


def _summary(b: _Book):
    d, v = b.data, b.data.verdict
    ws = b.wb.add_worksheet(SHEETS["summary"])
    b.heading(ws, d.title)
    rows = [
        ("Verdict", VERDICT_FR[v.status], None),
        ("Portefeuille", d.pf.source, None),
        ("Feuille", d.pf.sheet, None),
        ("Empreinte SHA-256 du fichier", d.pf.sha256 or "", None),
        ("Date du portefeuille", v.as_of, "DD/MM/YYYY"),
        ("Source de la date", (f"date du fichier : {v.as_of_where}" if getattr(v, "as_of_source", "") == "date du fichier"
                               else getattr(v, "as_of_source", "")), None),
        ("Généré le", d.generated_at, "DD/MM/YYYY HH:MM:SS"),
        ("Version du règlement", f"{v.version.id} — {v.version.title}", None),
        ("Texte", f"{v.version.set_by}, en vigueur {v.version.period_fr()}", None),
        ("Nombre de lignes", v.n_lines, INTEGER),
        ("Poche de réserves (coupons courus inclus)", _e(v.total), MONEY),
        ("Disponibilités exclues de la base (R. 623-10-1)", _e(v.excluded_total), MONEY),
        ("Base des limites de l'article R. 623-10-1", _e(v.base), MONEY),
        ("Poche gestion (R. 623-10)", _e(v.gestion_total), MONEY),
        ("Total des deux poches", _e(v.total + v.gestion_total), MONEY),
        ("Règles non conformes", d.counts()[BREACH], INTEGER),
        ("Règles à vérifier", d.counts()[UNKNOWN_S], INTEGER),
        ("Règles conformes", d.counts()[OK], INTEGER),
        ("Règles sans objet", d.counts()[NA], INTEGER),
        ("Constats : manquements", d.n_findings(BREACH), INTEGER),
        ("Constats : données à compléter", d.n_findings(UNKNOWN_S), INTEGER),
    ]
    for label, kind, value in d.key_figures()[2:]:
        rows.append((label, _e(value) if kind == "euros" else value, MONEY if kind == "euros" else None))
    if d.proposal is not None:
        pv = d.proposal.verdict_after
        rows += [("Proposition", d.proposal.source, None),
                 ("Verdict après la proposition", VERDICT_FR[pv.status], None),
                 ("Ordres", len(d.proposal.trades), INTEGER),
                 ("Achats", _e(d.proposal.bought), MONEY), ("Ventes", _e(d.proposal.sold), MONEY)]
    widths = (46, 70)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    h = HEADER_ROW - 1
    ws.write_string(h, 0, "Élément", b.header_fmt)
    ws.write_string(h, 1, "Valeur", b.header_fmt)
    label_fmt = b.fmt(None, True, bold=True)
    for i, (label, value, num) in enumerate(rows):
        r = h + 1 + i
        n = max(lines_needed(label, widths[0]), lines_needed(str(value), widths[1]) if isinstance(value, str) else 1)
        if i == 0:
            ws.set_row(r, 22)
        elif n > 1:
            ws.set_row(r, LINE_HEIGHT * min(n, MAX_LINES) + 2)
        ws.write_string(r, 0, label, label_fmt)
        if i == 0:
            f = b.fmt(None, False, FILL.get(v.status), bold=True, font_size=12)
        else:
            f = b.fmt(num, True, align="left")
        b.put(ws, r, 1, value, f, num is None)
    ws.freeze_panes(h + 1, 0)
    b.print_setup(ws, h + len(rows), 1, portrait=True)


def _allocation(b: _Book):
    d = b.data
    cols = [("Catégorie", 11, None, False), ("Intitulé (R. 623-3)", 60, None, True), ("Lignes", 9, INTEGER, False),
            ("Valeur (€)", 20, MONEY, False), ("Part de la base", 13, PERCENT, False),
            ("Limites applicables", 30, None, True)]
    rows = [[c.label, c.name, c.lines, _e(c.value), c.share, c.limits or "—"] for c in d.categories]
    ws, under = b.table("allocation", "Allocation par catégorie de l'article R. 623-3 (poche de réserves, base des "
                        "limites)", cols, rows)
    n = len(rows)
    if n:
        name = SHEETS["allocation"]
        ch = b.wb.add_chart({"type": "column"})
        ch.add_series({"name": [name, HEADER_ROW - 1, 4],
                       "categories": _ref(name, HEADER_ROW, 0, HEADER_ROW + n - 1),
                       "values": _ref(name, HEADER_ROW, 4, HEADER_ROW + n - 1), "fill": {"color": "#2F5597"}})
        ch.set_title({"name": "Allocation par catégorie (% de la base)"})
        ch.set_y_axis({"name": "Part de la base", "num_format": "0 %", "major_gridlines": {"visible": False}})
        ch.set_legend({"none": True})
        b.chart_under(ws, ch, under, cols, width=800)


def _share_and_limit_chart(b: _Book, sheet: str, n: int, cat_col: int, share_col: int, limit_col: int, title: str,
                           *, limit_as_marks: bool):
    name = SHEETS[sheet]
    bar = b.wb.add_chart({"type": "column"})
    bar.add_series({"name": [name, HEADER_ROW - 1, share_col],
                    "categories": _ref(name, HEADER_ROW, cat_col, HEADER_ROW + n - 1),
                    "values": _ref(name, HEADER_ROW, share_col, HEADER_ROW + n - 1), "fill": {"color": "#2F5597"}})
    line = b.wb.add_chart({"type": "line"})
    series = {"name": [name, HEADER_ROW - 1, limit_col],
              "categories": _ref(name, HEADER_ROW, cat_col, HEADER_ROW + n - 1),
              "values": _ref(name, HEADER_ROW, limit_col, HEADER_ROW + n - 1)}
    if limit_as_marks:
        series.update({"line": {"none": True},
                       "marker": {"type": "dash", "size": 20, "fill": {"color": "#C00000"},
                                  "border": {"color": "#C00000"}}})
    else:
        series.update({"line": {"color": "#C00000", "dash_type": "dash", "width": 1.5}, "marker": {"type": "none"}})
    line.add_series(series)
    bar.combine(line)
    bar.set_title({"name": title})
    bar.set_y_axis({"num_format": "0 %", "name": "Part"})
    bar.set_legend({"position": "bottom"})
    return bar


def _limits(b: _Book):
    d = b.data
    cols = [("Identifiant", 26, None, True), ("Limite de l'article", 36, None, True), ("Article", 14, None, False),
            ("Périmètre", 30, None, True), ("Sens", 10, None, False), ("Montant (€)", 20, MONEY, False),
            ("Part", 11, PERCENT, False), ("Limite", 11, PERCENT, False), ("Marge (€)", 20, MONEY, False),
            ("Statut", 14, None, False)]
    rows = [[r.rule_id, r.title, r.article, r.scope, SENSE_FR[r.sense], _e(r.value), r.share, r.limit,
             _e(r.headroom), STATUS_FR[r.status]] for r in d.limits]
    ws, under = b.table("limits", "Limites de l'article R. 623-10-1 et de l'article R. 623-3 IV : montant, limite et "
                        "marge", cols, rows, status_col=9,
                        note="Marge : montant qui peut encore entrer sous un plafond, ou excédent au-dessus d'un "
                             "plancher ; négative si la limite est franchie.")
    if rows:
        ch = _share_and_limit_chart(b, "limits", len(rows), 1, 6, 7, "Parts et limites (trait : limite)",
                                    limit_as_marks=True)
        b.chart_under(ws, ch, under, cols, width=1000)


def _rules(b: _Book):
    d = b.data
    cols = [("Statut", 13, None, False), ("Identifiant", 26, None, True), ("Règle", 32, None, True),
            ("Article", 14, None, False), ("Valeur", 10, PERCENT, False), ("Limite", 10, PERCENT, False),
            ("Montant (€)", 18, MONEY, False), ("Marge (€)", 18, MONEY, False), ("Manquements", 13, INTEGER, False),
            ("À vérifier", 10, INTEGER, False), ("Texte appliqué", 64, None, True)]
    rows = []
    for r in d.results:
        lc = r.spec.kind == "line_conditions"
        rows.append([STATUS_FR[r.status], r.spec.id, r.spec.title, r.spec.article, None if lc else r.value,
                     None if lc else r.limit, _e(r.figure), None if lc else _e(r.headroom),
                     sum(f.status == BREACH for f in r.findings), sum(f.status == UNKNOWN_S for f in r.findings),
                     f"« {r.spec.quote} »"])
    b.table("rules", "Verdict par règle (les manquements d'abord, puis les points à vérifier)", cols, rows,
            status_col=0)


def _findings(b: _Book):
    d = b.data
    cols = [("Statut", 12, None, False), ("Règle", 26, None, True), ("Intitulé de la règle", 28, None, True),
            ("Article", 13, None, False), ("Objet", 28, None, True), ("Lignes", 12, None, True),
            ("Valeur", 9, PERCENT, False), ("Limite", 9, PERCENT, False), ("Montant concerné (€)", 17, MONEY, False),
            ("Action", 8, None, False), ("À céder / acheter (€)", 17, MONEY, False),
            ("Colonnes à renseigner", 16, None, True), ("Constat", 56, None, True)]
    titles = {r.spec.id: r.spec.title for r in d.verdict.results}
    rows = []
    for f in d.findings:
        is_share = isinstance(f.value, float) and isinstance(f.limit, float) and f.limit <= 1
        rows.append([STATUS_FR[f.status], f.rule, titles.get(f.rule, ""), f.article, f.subject, rows_text(f.rows, 30),
                     f.value if is_share else None, f.limit if is_share else None, _e(f.euros),
                     ACTION_FR.get(f.action, ""), _e(f.amount), ", ".join(f.columns), f.message])
    b.table("findings", "Constats : les manquements d'abord, puis les données à compléter", cols, rows, status_col=0,
            note="" if rows else "Aucun constat : toutes les règles sont conformes ou sans objet.")


def _groups(b: _Book, key: str, title: str, groups, holding: bool):
    cols = [("Rang", 7, INTEGER, False), ("Émetteur" if key == "issuers" else "Immeuble ou société", 40, None, True),
            ("Lignes", 16, None, True), ("Valeur (€)", 20, MONEY, False), ("Part de la base", 13, PERCENT, False),
            ("Plafond", 10, PERCENT, False), ("Marge (€)", 20, MONEY, False)]
    if holding:
        cols += [("Part des titres émis détenue", 15, PERCENT, False), ("Plafond de détention", 13, PERCENT, False)]
    cols.append(("Statut", 14, None, False))
    rows = []
    for i, g in enumerate(groups, start=1):
        row = [i, g.subject, rows_text(g.rows), _e(g.value), g.share, g.limit, _e(g.headroom)]
        if holding:
            row += [g.holding, g.holding_limit]
        row.append(STATUS_FR[g.status])
        rows.append(row)
    ws, under = b.table(key, title, cols, rows, status_col=len(cols) - 1,
                        note="" if rows else "Aucune ligne concernée.")
    if rows:
        ch = _share_and_limit_chart(b, key, len(rows), 1, 4, 5, "Concentration (% de la base ; trait : plafond)",
                                    limit_as_marks=False)
        b.chart_under(ws, ch, under, cols, width=1000, height=440)  # room for the names under the bars


def _currencies(b: _Book):
    d = b.data
    cols = [("Devise", 10, None, False), ("Lignes", 9, INTEGER, False), ("Valeur (€)", 20, MONEY, False),
            ("Part des réserves", 14, PERCENT, False), ("Dont réalisable en euros (€)", 22, MONEY, False)]
    rows = [[c.currency, c.lines, _e(c.value), c.share, _e(c.euro)] for c in d.currencies]
    b.table("currencies", "Exposition par devise (poche de réserves, R. 623-3 IV)", cols, rows, portrait=True)


def _proposal(b: _Book):
    d, p = b.data, b.data.proposal
    after = {c.code: c for c in p.categories_after}
    before = {c.code: c for c in d.categories}
    codes = sorted(set(after) | set(before))
    cols = [("Catégorie", 11, None, False), ("Avant (€)", 20, MONEY, False), ("Avant (% base)", 13, PERCENT, False),
            ("Après (€)", 20, MONEY, False), ("Après (% base)", 13, PERCENT, False), ("Écart (€)", 20, MONEY, False)]
    rows = []
    for c in codes:
        bv = before[c].value if c in before else 0
        av = after[c].value if c in after else 0
        rows.append([cat_label(c), _e(bv), before[c].share if c in before else 0, _e(av),
                     after[c].share if c in after else 0, _e(av - bv)])
    ws, under = b.table("proposal", f"Proposition de réallocation : allocation avant / après ({p.source})", cols, rows,
                        note=f"Verdict avant : {VERDICT_FR[d.verdict.status]} ; après : "
                             f"{VERDICT_FR[p.verdict_after.status]}.")
    n = len(rows)
    if n:
        name = SHEETS["proposal"]
        ch = b.wb.add_chart({"type": "column"})
        for col, colour in ((2, "#2F5597"), (4, "#70AD47")):
            ch.add_series({"name": [name, HEADER_ROW - 1, col],
                           "categories": _ref(name, HEADER_ROW, 0, HEADER_ROW + n - 1),
                           "values": _ref(name, HEADER_ROW, col, HEADER_ROW + n - 1), "fill": {"color": colour}})
        ch.set_title({"name": "Allocation avant / après (% de la base)"})
        ch.set_y_axis({"num_format": "0 %"})
        ch.set_legend({"position": "bottom"})
        b.chart_under(ws, ch, under, cols, width=800)

    tcols = [("Sens", 9, None, False), ("Libellé", 44, None, True), ("ISIN", 15, None, False),
             ("Catégorie", 10, None, False), ("Montant (€)", 20, MONEY, False), ("Avant (€)", 20, MONEY, False),
             ("Après (€)", 20, MONEY, False), ("Ligne avant", 10, INTEGER, False), ("Ligne après", 10, INTEGER, False)]
    trows = [[t.action, t.label, t.isin, t.category, _e(t.amount), _e(t.before), _e(t.after), t.row_before,
              t.row_after] for t in p.trades]
    b.table("trades", "Ordres de la proposition (achats et ventes par ligne)", tcols, trows,
            note=f"Achats : {euros(p.bought)} ; ventes : {euros(p.sold)}.")


def _stress(b: _Book):
    from .stress import shock_text

    d, s = b.data, b.data.stress
    scen = " ; ".join(f"{label} {shock}" for label, shock, _ in s.scenario_rows())
    dur = (f"duration lue dans la colonne « {s.durations_from} »" if s.durations_from else
           "duration par défaut par catégorie")
    cols = [("Règle", 34, None, False), ("Intitulé", 40, None, True), ("Article", 14, None, False),
            ("Statut avant", 14, None, False), ("Valeur avant", 12, PERCENT, False),
            ("Statut après le choc", 16, None, False), ("Valeur après", 12, PERCENT, False),
            ("Limite", 11, PERCENT, False), ("Rupture à (% du scénario)", 16, PERCENT, False),
            ("Chocs à la rupture", 40, None, True)]
    rows = []
    for r in s.rules:
        lc = r.limit is None
        at = "; ".join(f"{n} {shock_text(n, a, r.first_break)}" for n, a in s.scenario.items()) \
            if r.first_break is not None else ""
        rows.append([r.rule_id, r.title, r.article, STATUS_FR[r.status_before], None if lc else r.value_before,
                     STATUS_FR[r.status_after], None if lc else r.value_after, r.limit, r.first_break, at])
    b.table("stress", f"Choc de marché : {scen}", cols, rows, status_col=5,
            note=f"Scénario appliqué aux valeurs puis contrôle refait ; {dur}. Réserves : {euros(s.total_before)} → "
                 f"{euros(s.total_after)} ; base : {euros(s.base_before)} → {euros(s.base_after)}.")


def _readings(b: _Book):
    cols = [("Lecture", 9, None, False), ("Titre", 36, None, True), ("Texte", 100, None, True),
            ("Règles concernées", 40, None, True)]
    rows = [[r["id"], r["title"], r["text"], "toutes" if r["rules"] == "all" else ", ".join(r["rules"])]
            for r in b.data.readings]
    b.table("readings", "Lectures du texte appliquées", cols, rows)


def _lines(b: _Book):
    d = b.data
    cols = [("Ligne", 8, INTEGER, False), ("Libellé", 40, None, True), ("Catégorie", 10, None, False),
            ("Poche", 10, None, False), ("Valeur de marché (€)", 20, MONEY, False), ("Coupon couru (€)", 16, MONEY, False),
            ("Valeur (€)", 20, MONEY, False), ("Devise", 8, None, False), ("Émetteur", 30, None, True),
            ("ISIN", 15, None, False), ("Hors base", 9, None, False), ("Statut", 14, None, False),
            ("Règles en cause", 40, None, True)]
    extra = [d.pf.extra[h].tolist() for h in d.extra_columns] if d.extra_columns else []
    # extra columns keep the file's values: numbers as numbers, text as text
    cols += [(str(h), 14, "General", False) for h in d.extra_columns]
    rows = []
    for i, ln in enumerate(d.lines):
        row = [ln.row, ln.label, ln.category, ln.pocket, _e(ln.market_value), _e(ln.accrued), _e(ln.value), ln.currency,
               ln.issuer, ln.isin, "oui" if ln.excluded else "", STATUS_FR[ln.status], ln.rules]
        if extra:
            row += [col[i] for col in extra]
        rows.append(row)
    b.table("lines", "Annexe : détail des lignes", cols, rows, status_col=11)


def write_xlsx(data: ReportData, path) -> None:
    b = _Book(data, path)
    _summary(b)
    _allocation(b)
    _limits(b)
    _rules(b)
    _findings(b)
    _groups(b, "issuers", f"Les {len(data.issuers)} premiers émetteurs : plafond par personne morale et détention",
            data.issuers, True)
    _groups(b, "buildings", f"Les {len(data.buildings)} premiers immeubles et sociétés immobilières",
            data.buildings, False)
    _currencies(b)
    if data.proposal is not None:
        _proposal(b)
    if data.stress is not None:
        _stress(b)
    _readings(b)
    _lines(b)
    b.wb.close()


__all__ = ["write_xlsx", "SHEETS", "MONEY", "PERCENT", "HEADER_ROW", "FIRST_ROW"]
