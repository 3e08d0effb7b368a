"""The Excel report: one sheet per part, French formats, native charts.

Every table sheet has the same shape: a title in row 1, a subtitle in row 2,
the header in row 4 (frozen, with a filter), data from row 5; money in
`#,##0.00 "€"` (1 234 567,89 € in a French Excel), shares in `0.00 %`
(12,30 %). Lines in breach are filled red, lines to check yellow. Print
areas, repeated header rows and landscape fit-to-width are set.

Reproducible: the workbook's creation and modification dates and the zip
entries' dates are the generation timestamp, so the same input and the same
timestamp give the same bytes.
"""

from __future__ import annotations

import io
import zipfile

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from reserves.portfolio.outputs import save_workbook, write_bytes

from .model import ReportData, cat_label
from .text import ACTION_FR, SENSE_FR, STATUS_FR, VERDICT_FR, date_fr, datetime_fr, euros, rows_text

MONEY = '#,##0.00 "€";-#,##0.00 "€"'
PERCENT = "0.00 %"
INTEGER = "0"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1

FILL = {BREACH: "F8CBAD", UNKNOWN_S: "FFE699", OK: None, NA: None}
HEADER_FILL = "1F3864"
SHEETS = {
    "summary": "Synthèse", "allocation": "Allocation", "limits": "Limites", "rules": "Règles",
    "findings": "Constats", "issuers": "Émetteurs", "buildings": "Immeubles", "currencies": "Devises",
    "proposal": "Proposition", "trades": "Ordres", "stress": "Choc de marché", "readings": "Lectures",
    "lines": "Détail des lignes",
}


def _e(cents):
    """Cents → euros for a cell (None stays empty)."""
    return None if cents is None else int(cents) / 100


class _Book:
    def __init__(self, data: ReportData):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.data = data
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.Font, self.PatternFill, self.Alignment = Font, PatternFill, Alignment
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14, color=HEADER_FILL)
        self.header_font = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.fills = {k: PatternFill("solid", fgColor=v) for k, v in FILL.items() if v}
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")

    def subtitle(self) -> str:
        d, v = self.data, self.data.verdict
        return (f"{d.pf.source} — portefeuille au {date_fr(v.as_of)} — règlement {v.version.id} — "
                f"généré le {datetime_fr(d.generated_at)}")

    def table(self, key: str, title: str, columns: list, rows: list, *, status_col: int | None = None,
              note: str = ""):
        """columns: (header, width, number format or None, wrap); rows: lists of cell values."""
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(SHEETS[key])
        ws["A1"] = title
        ws["A1"].font = self.title_font
        ws["A2"] = self.subtitle()
        if note:
            ws["A3"] = note
            ws["A3"].font = self.Font(italic=True)
        for j, (head, width, _, _) in enumerate(columns, start=1):
            c = ws.cell(row=HEADER_ROW, column=j, value=head)
            c.font, c.fill = self.header_font, self.header_fill
            c.alignment = self.Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.row_dimensions[HEADER_ROW].height = 32
        for i, row in enumerate(rows):
            r = FIRST_ROW + i
            status = row[status_col] if status_col is not None else None
            fill = self.fills.get(_status_key(status))
            for j, ((_, _, fmt, wrap), value) in enumerate(zip(columns, row), start=1):
                c = ws.cell(row=r, column=j, value=value)
                if fmt:
                    c.number_format = fmt
                c.alignment = self.wrap if wrap else self.top
                if fill is not None:
                    c.fill = fill
        last_col = get_column_letter(len(columns))
        last_row = max(FIRST_ROW + len(rows) - 1, HEADER_ROW)
        ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
        self.print_setup(ws, f"A1:{last_col}{last_row}")
        return ws

    def print_setup(self, ws, area: str):
        ws.print_area = area
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = "Page &P / &N"
        ws.oddHeader.left.text = self.data.title


def _status_key(status):
    if status in FILL:
        return status
    for k, v in STATUS_FR.items():
        if v == status:
            return k
    return None


# --------------------------------------------------------------------------- sheets


def _summary(b: _Book):
    d, v = b.data, b.data.verdict
    ws = b.wb.create_sheet(SHEETS["summary"], 0)
    ws["A1"] = d.title
    ws["A1"].font = b.title_font
    ws["A2"] = b.subtitle()
    verdict = VERDICT_FR[v.status]
    rows = [
        ("Verdict", verdict, None),
        ("Portefeuille", d.pf.source, None),
        ("Feuille", d.pf.sheet, None),
        ("Empreinte SHA-256 du fichier", d.pf.sha256 or "", None),
        ("Date du contrôle", v.as_of, "DD/MM/YYYY"),
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
    ws.cell(row=HEADER_ROW, column=1, value="Élément").font = b.header_font
    ws.cell(row=HEADER_ROW, column=2, value="Valeur").font = b.header_font
    ws.cell(row=HEADER_ROW, column=1).fill = b.header_fill
    ws.cell(row=HEADER_ROW, column=2).fill = b.header_fill
    for i, (label, value, fmt) in enumerate(rows):
        r = FIRST_ROW + i
        ws.cell(row=r, column=1, value=label).font = b.bold
        c = ws.cell(row=r, column=2, value=value)
        c.alignment = b.Alignment(horizontal="left", wrap_text=True, vertical="top")
        if fmt:
            c.number_format = fmt
    status_cell = ws.cell(row=FIRST_ROW, column=2)
    status_cell.font = b.Font(bold=True, size=12)
    if v.status in b.fills:
        status_cell.fill = b.fills[v.status]
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)
    b.print_setup(ws, f"A1:B{FIRST_ROW + len(rows) - 1}")
    ws.page_setup.orientation = "portrait"


def _allocation(b: _Book):
    from openpyxl.chart import BarChart, Reference

    d = b.data
    cols = [("Catégorie", 11, None, False), ("Intitulé (R. 623-3)", 60, None, True), ("Lignes", 9, INTEGER, False),
            ("Valeur (€)", 20, MONEY, False), ("Part de la base", 13, PERCENT, False),
            ("Limites applicables", 30, None, True)]
    rows = [[c.label, c.name, c.lines, _e(c.value), c.share, c.limits or "—"] for c in d.categories]
    ws = b.table("allocation", "Allocation par catégorie de l'article R. 623-3 (poche de réserves, base des limites)",
                 cols, rows)
    n = len(rows)
    if n:
        ch = BarChart()
        ch.type = "col"
        ch.title = "Allocation par catégorie (% de la base)"
        ch.y_axis.title = "Part de la base"
        ch.y_axis.numFmt = "0 %"
        ch.y_axis.majorGridlines = None
        ch.add_data(Reference(ws, min_col=5, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=HEADER_ROW + n))
        ch.legend = None
        ch.height, ch.width = 9, 18
        ws.add_chart(ch, f"H{HEADER_ROW}")


def _limits(b: _Book):
    from openpyxl.chart import BarChart, LineChart, Reference

    d = b.data
    cols = [("Identifiant", 32, None, False), ("Limite de l'article", 40, None, True), ("Article", 14, None, False),
            ("Périmètre", 36, None, True), ("Sens", 10, None, False), ("Montant (€)", 20, MONEY, False),
            ("Part", 11, PERCENT, False), ("Limite", 11, PERCENT, False), ("Marge (€)", 20, MONEY, False),
            ("Statut", 14, None, False)]
    rows = [[r.rule_id, r.title, r.article, r.scope, SENSE_FR[r.sense], _e(r.value), r.share, r.limit,
             _e(r.headroom), STATUS_FR[r.status]] for r in d.limits]
    ws = b.table("limits", "Limites de l'article R. 623-10-1 et de l'article R. 623-3 IV : montant, limite et marge",
                 cols, rows, status_col=9,
                 note="Marge : montant qui peut encore entrer sous un plafond, ou excédent au-dessus d'un plancher ; "
                      "négative si la limite est franchie.")
    n = len(rows)
    if n:
        bar = BarChart()
        bar.type = "col"
        bar.title = "Parts et limites (trait : limite)"
        bar.y_axis.numFmt = "0 %"
        bar.y_axis.title = "Part"
        bar.add_data(Reference(ws, min_col=7, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=2, min_row=FIRST_ROW, max_row=HEADER_ROW + n))
        line = LineChart()
        line.add_data(Reference(ws, min_col=8, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
        s = line.series[0]
        s.marker.symbol = "dash"
        s.marker.size = 20
        s.marker.graphicalProperties.solidFill = "C00000"
        s.marker.graphicalProperties.line.solidFill = "C00000"
        s.graphicalProperties.line.noFill = True
        bar += line
        bar.height, bar.width = 10, 22
        bar.legend.position = "b"
        ws.add_chart(bar, f"A{FIRST_ROW + n + 2}")


def _rules(b: _Book):
    d = b.data
    cols = [("Statut", 14, None, False), ("Identifiant", 34, None, False), ("Règle", 40, None, True),
            ("Article", 15, None, False), ("Valeur", 11, PERCENT, False), ("Limite", 11, PERCENT, False),
            ("Montant (€)", 20, MONEY, False), ("Marge (€)", 20, MONEY, False), ("Manquements", 13, INTEGER, False),
            ("À vérifier", 11, INTEGER, False), ("Texte appliqué", 80, None, True)]
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
    cols = [("Statut", 14, None, False), ("Règle", 34, None, False), ("Article", 14, None, False),
            ("Objet", 34, None, True), ("Lignes", 16, None, True), ("Valeur", 11, PERCENT, False),
            ("Limite", 11, PERCENT, False), ("Montant concerné (€)", 20, MONEY, False), ("Action", 10, None, False),
            ("À céder / acheter (€)", 20, MONEY, False), ("Colonnes à renseigner", 26, None, True),
            ("Constat", 70, None, True)]
    rows = []
    for f in d.findings:
        is_share = isinstance(f.value, float) and isinstance(f.limit, float) and f.limit <= 1
        rows.append([STATUS_FR[f.status], f.rule, f.article, f.subject, rows_text(f.rows, 30),
                     f.value if is_share else None, f.limit if is_share else None, _e(f.euros),
                     ACTION_FR.get(f.action, ""), _e(f.amount), ", ".join(f.columns), f.message])
    b.table("findings", "Constats : les manquements d'abord, puis les données à compléter", cols, rows, status_col=0,
            note="" if rows else "Aucun constat : toutes les règles sont conformes ou sans objet.")


def _groups(b: _Book, key: str, title: str, groups, limit, holding: bool):
    from openpyxl.chart import BarChart, LineChart, Reference

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
    ws = b.table(key, title, cols, rows, status_col=len(cols) - 1,
                 note="" if rows else "Aucune ligne concernée.")
    n = len(rows)
    if n:
        bar = BarChart()
        bar.type = "col"
        bar.title = "Concentration (% de la base ; trait : plafond)"
        bar.y_axis.numFmt = "0 %"
        bar.add_data(Reference(ws, min_col=5, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=2, min_row=FIRST_ROW, max_row=HEADER_ROW + n))
        line = LineChart()
        line.add_data(Reference(ws, min_col=6, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
        line.series[0].graphicalProperties.line.solidFill = "C00000"
        line.series[0].graphicalProperties.line.prstDash = "dash"
        bar += line
        bar.height, bar.width = 10, 24
        bar.legend.position = "b"
        ws.add_chart(bar, f"A{FIRST_ROW + n + 2}")


def _currencies(b: _Book):
    d = b.data
    cols = [("Devise", 10, None, False), ("Lignes", 9, INTEGER, False), ("Valeur (€)", 20, MONEY, False),
            ("Part des réserves", 14, PERCENT, False), ("Dont réalisable en euros (€)", 22, MONEY, False)]
    rows = [[c.currency, c.lines, _e(c.value), c.share, _e(c.euro)] for c in d.currencies]
    b.table("currencies", "Exposition par devise (poche de réserves, R. 623-3 IV)", cols, rows)


def _proposal(b: _Book):
    from openpyxl.chart import BarChart, Reference

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
    ws = b.table("proposal", f"Proposition de réallocation : allocation avant / après ({p.source})", cols, rows,
                 note=f"Verdict avant : {VERDICT_FR[d.verdict.status]} ; après : {VERDICT_FR[p.verdict_after.status]}.")
    n = len(rows)
    ch = BarChart()
    ch.type = "col"
    ch.grouping = "clustered"
    ch.title = "Allocation avant / après (% de la base)"
    ch.y_axis.numFmt = "0 %"
    ch.add_data(Reference(ws, min_col=3, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
    ch.add_data(Reference(ws, min_col=5, min_row=HEADER_ROW, max_row=HEADER_ROW + n), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=HEADER_ROW + n))
    ch.height, ch.width = 10, 22
    ch.legend.position = "b"
    ws.add_chart(ch, f"H{HEADER_ROW}")

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
    extra = d.pf.extra if d.extra_columns else None
    cols += [(str(h), 14, None, False) for h in d.extra_columns]
    rows = []
    for i, ln in enumerate(d.lines):
        row = [ln.row, ln.label, ln.category, ln.pocket, _e(ln.market_value), _e(ln.accrued), _e(ln.value), ln.currency,
               ln.issuer, ln.isin, "oui" if ln.excluded else "", STATUS_FR[ln.status], ln.rules]
        if extra is not None:
            row += [extra[h].iat[i] for h in d.extra_columns]
        rows.append(row)
    b.table("lines", "Annexe : détail des lignes", cols, rows, status_col=11)


def write_xlsx(data: ReportData, path) -> None:
    b = _Book(data)
    _summary(b)
    _allocation(b)
    _limits(b)
    _rules(b)
    _findings(b)
    _groups(b, "issuers", f"Les {len(data.issuers)} premiers émetteurs : plafond par personne morale et détention",
            data.issuers, data.issuer_limit, True)
    _groups(b, "buildings", f"Les {len(data.buildings)} premiers immeubles et sociétés immobilières",
            data.buildings, data.building_limit, False)
    _currencies(b)
    if data.proposal is not None:
        _proposal(b)
    if data.stress is not None:
        _stress(b)
    _readings(b)
    _lines(b)
    wb = b.wb
    wb.active = 0
    props = wb.properties
    props.creator = "reserves"
    props.lastModifiedBy = "reserves"
    props.title = data.title
    props.created = props.modified = data.generated_at
    buf = io.BytesIO()
    save_workbook(wb, buf)  # user text as text, never a formula
    _write_normalised(buf.getvalue(), path, data.generated_at)


def _write_normalised(raw: bytes, path, when) -> None:
    """Rewrite the zip with every entry dated `when` (openpyxl dates them, and the modification date, with the clock)."""
    import re

    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + iso + rb"\g<2>", body)
            dst.writestr(zi, body)
    write_bytes(path, out.getvalue())


__all__ = ["write_xlsx", "SHEETS", "MONEY", "PERCENT", "HEADER_ROW", "FIRST_ROW"]
