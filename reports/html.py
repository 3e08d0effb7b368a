"""The HTML report: one self-contained file (inline CSS and SVG, no external URL), printable to PDF.

A title page, a one-page summary (the verdict and the three figures that
matter), then the parts: totals by pocket, allocation by category against
the limits, every verdict with its article and text, the findings, issuer
and building concentration, currency exposure, the proposal when there is
one, the stress view, the readings of the law applied, and the line-level
annex.
"""

from __future__ import annotations

import re
from html import escape

from constraints.rules import BREACH, NA, OK, UNKNOWN_S

from . import svg
from .model import FindingGroup, ReportData, cat_label, text_of
from .text import (ACTION_FR, VERDICT_FR, date_fr, datetime_fr, euros, fr_int, limit_text, pct, rows_text,
                   value_text)
from reserves.portfolio.fmt import SENSE_FR, STATUS_FR

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #1a1a1a;
  margin: 0 auto; max-width: 1100px; padding: 0 12px; line-height: 1.35; }
h1 { font-size: 22pt; color: #1f3864; margin: 0 0 8px 0; }
h2 { font-size: 15pt; color: #1f3864; border-bottom: 2px solid #1f3864; padding-bottom: 3px; margin: 18px 0 8px 0; }
h3 { font-size: 11.5pt; color: #1f3864; margin: 14px 0 6px 0; }
section.part { break-before: page; }
.title-page { min-height: 250mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
.title-page .sub { font-size: 13pt; margin: 4px 0; }
.title-page dl { margin-top: 30px; font-size: 10.5pt; }
dl.facts { display: grid; grid-template-columns: 16em 1fr; gap: 3px 12px; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.verdict { display: inline-block; font-size: 20pt; font-weight: bold; padding: 8px 18px; border-radius: 6px;
  color: #fff; margin: 6px 0 12px 0; }
.v-ok { background: #2e7d32; } .v-breach { background: #c00000; } .v-unknown { background: #b7791f; }
.figures { display: flex; gap: 12px; margin: 10px 0 14px 0; }
.figure { flex: 1; border: 1px solid #c9d3e6; border-radius: 6px; padding: 10px; background: #f4f7fc; }
.figure .num { font-size: 16pt; font-weight: bold; color: #1f3864; display: block; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px 0; font-size: 8.6pt; }
th, td { border: 1px solid #c8c8c8; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #1f3864; color: #fff; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
table.keep { break-inside: avoid; }
p:has(+ table), p:has(+ .chart) { break-after: avoid; }
td.n, th.n { text-align: right; white-space: nowrap; }
th.n { white-space: normal; }
table.groups td:nth-child(2) { min-width: 13em; } table.groups td:nth-child(3) { min-width: 8em; }
tr.s-breach td { background: #f8cbad; } tr.s-unknown td { background: #ffe699; }
.quote { font-style: italic; color: #444; font-size: 8pt; }
.note { color: #444; font-size: 8.8pt; }
.chart { max-width: 100%; height: auto; display: block; margin: 6px 0; break-inside: avoid; }
.chart + p.legend { break-before: avoid; }
.nw { white-space: nowrap; }
.rid-note { color: #555; font-size: 7.6pt; }
p.legend { font-size: 8.5pt; margin: 0 0 8px 0; }
.key { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.sw-ok { background: #2f5597; } .sw-breach { background: #c00000; } .sw-unknown { background: #d39e00; }
.sw-after { background: #70ad47; } .sw-limit { background: #c00000; height: 3px; }
ul.tight { margin: 4px 0; padding-left: 18px; }
.reading { margin: 0 0 8px 0; break-inside: avoid; }
.reading .rid { font-weight: bold; color: #1f3864; }
footer { margin-top: 20px; font-size: 8pt; color: #666; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } h3 { break-after: avoid; } }
"""


NUM = ' class="n"'
KEEP_ROWS = 12  # tables of at most this many rows are kept on one page


# An article reference (« R. 623-3 I 3° », « art. R. 139-12 », a rule id's « R623-10-1 ») is never cut by a line
# break: it is kept whole in a no-wrap span.
_REFERENCE = re.compile(r"(?:\bart\. )?\bR\.? ?\d{3}(?:-\d+)+(?: [IVX]{1,4}\b)?(?: \d{1,2}°)?"
                        r"(?: [a-z]\))?")


_EURO = re.compile(r"(?<=\d)[ \xa0]€")  # « 200 000,00 € » in a quoted text: « € » kept with its amount


def date_source(v) -> str:
    """Where the portfolio's date came from (SPEC §4): the file, the --date option, or today's date."""
    src = getattr(v, "as_of_source", "")
    where = getattr(v, "as_of_where", "")
    return f"{src} : {where}" if src == "date du fichier" and where else src


def plain(x) -> str:
    return escape(text_of(x), quote=True)


def escape_text(x) -> str:
    """Escaped text for the page's content, article references kept unbroken."""
    text = _REFERENCE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', plain(x))
    return _EURO.sub("\u202f€", text) if "€" in text else text


_e = escape_text  # the short name this module writes it by


class Doc:
    def __init__(self):
        self.parts: list[str] = []

    def add(self, *html: str):
        self.parts.extend(html)

    def table(self, headers, rows, *, numeric=(), status: list | None = None, caption: str = "", cls: str = ""):
        """headers: texts; rows: lists of already escaped cell html; numeric: column indices aligned right."""
        if len(rows) <= KEEP_ROWS:  # a short table is never cut: its head and caption go with its rows
            cls = f"{cls} keep".strip()
        out = [f'<table class="{cls}">' if cls else "<table>"]
        if caption:
            out.append(f"<caption class=\"note\">{_e(caption)}</caption>")
        out.append("<thead><tr>")
        for j, h in enumerate(headers):
            out.append(f'<th scope="col"{NUM if j in numeric else ""}>{_e(h)}</th>')
        out.append("</tr></thead><tbody>")
        for i, row in enumerate(rows):
            st = status[i] if status else None
            cls = f' class="s-{st}"' if st in (BREACH, UNKNOWN_S) else ""
            out.append(f"<tr{cls}>")
            for j, cell in enumerate(row):
                out.append(f'<td{NUM if j in numeric else ""}>{cell}</td>')
            out.append("</tr>")
        out.append("</tbody></table>")
        self.add("".join(out))


def _status_cell(status: str) -> str:
    return _e(STATUS_FR[status])


def render_html(data: ReportData) -> str:
    d, v = data, data.verdict
    ver = v.version
    doc = Doc()
    title = f"{d.title} — {d.pf.source}"
    doc.add("<!DOCTYPE html>", '<html lang="fr">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{plain(title)}</title>", f'<meta name="generator" content="reserves">',
            f"<style>{CSS}</style>", "</head>", "<body>")

    # Title page.
    doc.add('<section class="title-page" id="titre">', f"<h1>{_e(d.title)}</h1>",
            '<p class="sub">Placements des réserves — Code de la sécurité sociale, art. R. 623-3 à R. 623-10-4</p>',
            '<p class="sub">Rapport à la commission financière et au conseil d\'administration '
            "(R. 623-10-4) ; éléments du rapport annuel aux ministres (R. 623-10-2)</p>",
            '<dl class="facts">',
            f"<dt>Portefeuille</dt><dd>{_e(d.pf.source)} (feuille « {_e(d.pf.sheet)} », {fr_int(v.n_lines)} lignes)</dd>",
            f"<dt>Portefeuille au</dt><dd>{_e(date_fr(v.as_of))} ({_e(date_source(v))})</dd>",
            f"<dt>Version du règlement</dt><dd>{_e(ver.id)} — {_e(ver.title)}</dd>",
            f"<dt>Texte</dt><dd>{_e(ver.set_by)}, en vigueur {_e(ver.period_fr())}</dd>",
            f"<dt>Empreinte du fichier</dt><dd>SHA-256 {_e(d.pf.sha256 or '—')}</dd>",
            f"<dt>Généré le</dt><dd>{_e(datetime_fr(d.generated_at))}</dd>",
            "</dl>", "</section>")

    # Summary.
    counts = d.counts()
    doc.add('<section class="summary" id="synthese">', "<h2>Synthèse</h2>",
            f'<p class="verdict v-{v.status}">{_e(VERDICT_FR[v.status])}</p>',
            f"<p>Contrôle de {fr_int(v.n_lines)} lignes au {_e(date_fr(v.as_of))} selon la version {_e(ver.id)} : "
            f"{counts[BREACH]} règle(s) non conforme(s), {counts[UNKNOWN_S]} à vérifier, {counts[OK]} conforme(s), "
            f"{counts[NA]} sans objet.</p>")
    doc.add('<div class="figures">')
    for label, kind, value in d.key_figures():
        shown = euros(value) if kind == "euros" else str(value)
        doc.add(f'<div class="figure">{_e(label)}<span class="num">{_e(shown)}</span></div>')
    doc.add("</div>")
    groups = d.finding_groups(BREACH, max_each=SUMMARY_LINES_PER_RULE)
    if groups:
        n = d.n_findings(BREACH)
        doc.add(f"<h3>Manquements ({n})</h3>", '<ul class="tight breaches">')
        for g in groups:
            doc.add(f"<li><strong>{_e(g.title)}</strong> ({_e(g.article)}) — {_group_text(g)}</li>")
        doc.add("</ul>")
    unknowns = d.finding_groups(UNKNOWN_S, max_each=0)
    if unknowns:
        rules = "; ".join(f"{_e(g.title)} ({fr_int(len(g.rows))} ligne(s))" for g in unknowns[:4])
        more = f" ; et {len(unknowns) - 4} autre(s) règle(s)" if len(unknowns) > 4 else ""
        doc.add(f"<p>{d.n_findings(UNKNOWN_S)} point(s) à vérifier, données à compléter dans le fichier : "
                f"{rules}{more} (partie « Constats »).</p>")
    doc.add(_limits_chart(d))
    if d.proposal is not None:
        pv = d.proposal.verdict_after
        doc.add(f"<p>Proposition de réallocation « {_e(d.proposal.source)} » : {len(d.proposal.trades)} ordre(s), "
                f"achats {_e(euros(d.proposal.bought))}, ventes {_e(euros(d.proposal.sold))} ; verdict après : "
                f"<strong>{_e(VERDICT_FR[pv.status])}</strong>.</p>")
    if d.stress is not None and d.stress.breaking:
        first = d.stress.breaking[0]
        doc.add(f"<p>Choc de marché : la première limite à céder serait « {_e(first.title)} » ({_e(first.rule_id)}), "
                f"à {_e(pct(first.first_break))} du scénario.</p>")
    elif d.stress is not None:
        doc.add("<p>Choc de marché : aucune limite supplémentaire ne serait franchie sous le scénario étudié.</p>")
    doc.add("</section>")

    _part_totals(doc, d)
    _part_allocation(doc, d)
    _part_rules(doc, d)
    _part_findings(doc, d)
    _part_concentration(doc, d)
    _part_currencies(doc, d)
    if d.proposal is not None:
        _part_proposal(doc, d)
    if d.stress is not None:
        _part_stress(doc, d)
    _part_readings(doc, d)
    if d.annex:
        _part_lines(doc, d)
    doc.add(f"<footer>{_e(d.title)} — {_e(d.pf.source)} — règlement {_e(ver.id)} — généré le "
            f"{_e(datetime_fr(d.generated_at))}</footer>", "</body>", "</html>")
    return "\n".join(doc.parts) + "\n"


SUMMARY_LINES_PER_RULE = 3  # beyond, the line findings of one rule are summed up in one item of the summary
FINDINGS_PER_RULE = 25  # beyond, in the findings part without the annex, likewise


def _group_text(g: FindingGroup) -> str:
    """What an item of the summary says after the rule: the finding itself, or the lines of a rule summed up."""
    f = g.single
    if f is not None:
        return _e(f.message) if f.subject == g.title else f"{_e(f.subject)} : {_e(f.message)}"
    n = len(g.rows)
    if g.status == UNKNOWN_S:
        cols = ", ".join(f"« {c} »" for c in g.columns)
        return f"{n} lignes à compléter ({_e(rows_text(g.rows, 8))}) : renseigner {_e(cols)}"
    todo = ""
    if g.action and g.amount is not None:
        todo = f" ; {_e(ACTION_FR.get(g.action, ''))} {_e(euros(g.amount))} au total"
    first = g.findings[0]
    reason = first.message.split(" — ligne à ")[0]
    return (f"{fr_int(n)} lignes en manquement ({_e(rows_text(g.rows, 8))}){todo} ; ligne {int(first.rows[0])} : "
            f"{_e(reason)}")


def _limits_chart(d: ReportData) -> str:
    items = [(r.title, r.share, r.limit, r.status)
             for r in d.limits if r.share is not None]
    if not items:
        return ""
    return (svg.bars(items, title="Parts de la base et limites (trait rouge : limite)") +
            svg.legend([("ok", "part conforme"), ("breach", "limite franchie"), ("limit", "limite")]))


def _part_totals(doc, d):
    v = d.verdict
    doc.add('<section class="part" id="totaux">', "<h2>1. Totaux par poche</h2>")
    rows = [
        ["Poche de réserves (coupons courus inclus)", _e(euros(v.total))],
        ["dont disponibilités exclues de la base (R. 623-10-1, dernier alinéa)", _e(euros(v.excluded_total))],
        ["Base des limites de l'article R. 623-10-1", _e(euros(v.base))],
        ["Poche gestion (R. 623-10)", _e(euros(v.gestion_total))],
        ["Total des deux poches", _e(euros(v.total + v.gestion_total))],
    ]
    doc.table(["Poste", "Montant"], rows, numeric=(1,))
    for w in v.warnings:
        doc.add(f'<p class="note">Avertissement : {_e(w)}</p>')
    doc.add("</section>")


def _part_allocation(doc, d):
    doc.add('<section id="allocation">', "<h2>2. Allocation par catégorie et limites</h2>",
            '<p class="note">Poche de réserves, lignes de la base (disponibilités exclues hors base) ; '
            "part de la base de l'article R. 623-10-1.</p>")
    rows = [[_e(c.label), _e(c.name), str(c.lines), _e(euros(c.value)), _e(pct(c.share)), _e(c.limits or "—")]
            for c in d.categories]
    doc.table(["Catégorie", "Intitulé (R. 623-3)", "Lignes", "Valeur", "Part de la base", "Limites applicables"], rows,
              numeric=(2, 3, 4))
    items = [(f"{c.label} {c.name}", c.share or 0, None, "ok") for c in d.categories if c.lines]
    if items:
        doc.add(svg.bars(items, title="Allocation par catégorie (% de la base)"))
    doc.add("<h3>Limites : montant, limite et marge</h3>")
    rows = [[_e(r.title) + f'<br><span class="note">{_e(r.rule_id)} — {_e(r.scope)}</span>', _e(r.article),
             _e(SENSE_FR[r.sense]), _e(euros(r.value)), _e(pct(r.share)), _e(pct(r.limit)), _e(euros(r.headroom)),
             _status_cell(r.status)] for r in d.limits]
    doc.table(["Limite", "Article", "Sens", "Montant", "Part", "Limite", "Marge", "Statut"], rows,
              numeric=(3, 4, 5, 6), status=[r.status for r in d.limits],
              caption="Marge : montant qui peut encore entrer sous un plafond, ou excédent au-dessus d'un plancher ; "
                      "négative si la limite est franchie.")
    doc.add("</section>")


def _part_rules(doc, d):
    doc.add('<section class="part" id="regles">', "<h2>3. Verdict par règle</h2>",
            '<p class="note">Les manquements d\'abord, puis les points à vérifier, les règles conformes et celles '
            "sans objet. Chaque règle cite le texte qu'elle applique ; « Constats » compte les manquements / les points à "
            "vérifier.</p>")
    rows = []
    for r in d.results:
        nb = sum(f.status == BREACH for f in r.findings)
        nu = sum(f.status == UNKNOWN_S for f in r.findings)
        rows.append([_status_cell(r.status),
                     f"<strong>{_e(r.spec.title)}</strong><br>{_e(r.spec.id)}<br>"
                     f'<span class="quote">« {_e(r.spec.quote)} »</span>',
                     _e(r.spec.article), _e(value_text(r)) + (f"<br>{_e(limit_text(r))}" if limit_text(r) else ""),
                     _e(euros(r.figure)), _e(euros(r.headroom) if r.spec.kind != "line_conditions" else ""),
                     f"{nb} / {nu}"])
    doc.table(["Statut", "Règle et texte appliqué", "Article", "Valeur / limite", "Montant", "Marge", "Constats"], rows,
              numeric=(3, 4, 5), status=[r.status for r in d.results])
    doc.add("</section>")


def _part_findings(doc, d):
    doc.add('<section class="part" id="constats">', "<h2>4. Constats</h2>")
    if not d.findings:
        doc.add("<p>Aucun constat : toutes les règles sont conformes ou sans objet.</p></section>")
        return
    per_rule = None if d.annex else FINDINGS_PER_RULE
    breaches = d.finding_groups(BREACH, max_each=per_rule)
    unknowns = d.finding_groups(UNKNOWN_S, max_each=per_rule)
    if any(g.single is None for g in breaches + unknowns):
        doc.add(f'<p class="note">Au-delà de {FINDINGS_PER_RULE} lignes pour une même règle, les constats ligne à '
                "ligne sont regroupés ici ; ils sont tous dans le classeur Excel (feuille « Constats ») et dans "
                "le rapport produit avec --annexe.</p>")

    def rule_cell(g):
        return f"<strong>{_e(g.title)}</strong><br>{_e(g.article)}<br><span class=\"rid-note\">{_e(g.rule)}</span>"

    def subject(g):
        return _e(g.single.subject) if g.single is not None else f"{len(g.rows)} lignes"

    def message(g):
        return _e(g.single.message) if g.single is not None else _group_text(g)

    if breaches:
        doc.add("<h3>Manquements</h3>")
        rows = [[rule_cell(g), subject(g), _e(rows_text(g.rows, 8)), _e(euros(g.euros)),
                 _e(f"{ACTION_FR.get(g.action, '')} {euros(g.amount)}".strip() if g.action else ""), message(g)]
                for g in breaches]
        doc.table(["Règle", "Objet", "Lignes", "Montant concerné", "À faire", "Constat"], rows, numeric=(3,),
                  status=[BREACH] * len(rows))
    if unknowns:
        doc.add("<h3>À vérifier : données à compléter</h3>")
        rows = [[rule_cell(g), subject(g), _e(rows_text(g.rows, 8)), _e(", ".join(f"« {c} »" for c in g.columns)),
                 message(g)] for g in unknowns]
        doc.table(["Règle", "Objet", "Lignes", "Colonnes à renseigner", "Constat"], rows,
                  status=[UNKNOWN_S] * len(rows))
    doc.add("</section>")


def _groups_table(doc, groups, holding: bool, name: str):
    headers = ["Rang", name, "Lignes", "Valeur", "Part de la base", "Plafond", "Marge"]
    if holding:
        headers += ["Part des titres émis détenue", "Plafond de détention"]
    headers.append("Statut")
    rows = []
    for i, g in enumerate(groups, start=1):
        row = [str(i), _e(g.subject), _e(rows_text(g.rows, 6)), _e(euros(g.value)), _e(pct(g.share)), _e(pct(g.limit)),
               _e(euros(g.headroom))]
        if holding:
            row += [_e(pct(g.holding) if g.holding is not None else "—"), _e(pct(g.holding_limit))]
        row.append(_status_cell(g.status))
        rows.append(row)
    doc.table(headers, rows, numeric=(0, 3, 4, 5, 6) + ((7, 8) if holding else ()),
              status=[g.status for g in groups], cls="groups")


def _part_concentration(doc, d):
    doc.add('<section class="part" id="concentration">', "<h2>5. Concentration</h2>")
    doc.add(f"<h3>Les {len(d.issuers)} premiers émetteurs (plafond par personne morale et plafond de détention)</h3>")
    if d.issuers:  # the chart first, under its heading; the table after, over pages if it must
        items = [(g.subject, g.share or 0, None, g.status) for g in d.issuers]
        doc.add(svg.bars(items, title="Concentration par émetteur (% de la base)", shared_limit=d.issuer_limit,
                         limit_label="plafond"))
        _groups_table(doc, d.issuers, True, "Émetteur")
    else:
        doc.add("<p>Aucune ligne soumise au plafond par émetteur.</p>")
    doc.add(f"<h3>Les {len(d.buildings)} premiers immeubles et sociétés immobilières</h3>")
    if d.buildings:
        items = [(g.subject, g.share or 0, None, g.status) for g in d.buildings]
        doc.add(svg.bars(items, title="Concentration par immeuble (% de la base)", shared_limit=d.building_limit,
                         limit_label="plafond"))
        _groups_table(doc, d.buildings, False, "Immeuble ou société")
    else:
        doc.add("<p>Aucun immeuble ni société immobilière.</p>")
    doc.add("</section>")


def _part_currencies(doc, d):
    doc.add('<section id="devises">', "<h2>6. Exposition par devise</h2>",
            '<p class="note">Poche de réserves entière (R. 623-3 IV) ; une ligne hors euro compte comme actif en '
            "euros si elle est réalisable en euros.</p>")
    rows = [[_e(c.currency), str(c.lines), _e(euros(c.value)), _e(pct(c.share)), _e(euros(c.euro))]
            for c in d.currencies]
    doc.table(["Devise", "Lignes", "Valeur", "Part des réserves", "Dont réalisable en euros"], rows,
              numeric=(1, 2, 3, 4))
    doc.add("</section>")


def _part_proposal(doc, d):
    p = d.proposal
    doc.add('<section class="part" id="proposition">', "<h2>7. Proposition de réallocation</h2>",
            f"<p>Proposition « {_e(p.source)} » : verdict avant <strong>{_e(VERDICT_FR[d.verdict.status])}</strong>, "
            f"après <strong>{_e(VERDICT_FR[p.verdict_after.status])}</strong> ; {len(p.trades)} ordre(s), achats "
            f"{_e(euros(p.bought))}, ventes {_e(euros(p.sold))}.</p>")
    after = {c.code: c for c in p.categories_after}
    before = {c.code: c for c in d.categories}
    rows, items = [], []
    for code in sorted(set(after) | set(before)):
        b, a = before.get(code), after.get(code)
        bv, av = (b.value if b else 0), (a.value if a else 0)
        rows.append([_e(cat_label(code)), _e(euros(bv)), _e(pct(b.share if b else 0)), _e(euros(av)),
                     _e(pct(a.share if a else 0)), _e(euros(av - bv))])
        if bv or av:
            items.append((f"{cat_label(code)} {(b or a).name}", (b.share if b else 0) or 0, None, "ok",
                          (a.share if a else 0) or 0))
    doc.table(["Catégorie", "Avant", "Avant (% base)", "Après", "Après (% base)", "Écart"], rows,
              numeric=(1, 2, 3, 4, 5))
    doc.add(svg.bars(items, title="Allocation avant / après (% de la base)"),
            svg.legend([("ok", "avant"), ("after", "après")]))
    doc.add("<h3>Verdict par règle avant / après</h3>")
    rows, sts = [], []
    for r in d.verdict.results:
        ra = p.verdict_after.result(r.spec.id)
        rows.append([_e(r.spec.id), _status_cell(r.status), _e(value_text(r)), _status_cell(ra.status),
                     _e(value_text(ra)), _e(limit_text(r))])
        sts.append(ra.status)
    doc.table(["Règle", "Avant", "Valeur avant", "Après", "Valeur après", "Limite"], rows, numeric=(2, 4, 5),
              status=sts)
    doc.add("<h3>Ordres</h3>")
    rows = [[_e(t.action), _e(t.label), _e(t.isin), _e(t.category), _e(euros(t.amount)), _e(euros(t.before)),
             _e(euros(t.after))] for t in p.trades]
    if rows:
        doc.table(["Sens", "Libellé", "ISIN", "Catégorie", "Montant", "Avant", "Après"], rows, numeric=(4, 5, 6))
    else:
        doc.add("<p>Aucun ordre : le portefeuille proposé est identique.</p>")
    doc.add("</section>")


def _part_stress(doc, d):
    from .stress import DEFAULT_DURATION, shock_text

    s = d.stress
    doc.add('<section class="part" id="choc">', "<h2>8. Choc de marché : dépassements passifs prévisibles</h2>")
    rows = [[_e(label), _e(shock), _e(cats)] for label, shock, cats in s.scenario_rows()]
    doc.table(["Famille", "Choc", "Catégories"], rows)
    if "taux" in s.scenario:
        if s.durations_from:
            dur = f"Duration lue dans la colonne « {s.durations_from} »"
            if s.defaulted_lines:
                dur += f" ; {s.defaulted_lines} ligne(s) sans duration prennent la valeur par défaut"
        else:
            dur = "Pas de colonne de duration : valeurs par défaut"
        defaults = ", ".join(f"{cat_label(c)} {str(x).replace('.', ',')} an(s)" for c, x in DEFAULT_DURATION.items())
        doc.add(f'<p class="note">{_e(dur)} ({_e(defaults)}) ; variation de valeur = − duration × variation '
                "de taux.</p>")
    doc.add(f'<p class="note">Les valeurs sont choquées puis le contrôle est refait. Le scénario est appliqué '
            f"progressivement de 0 à 100 % pour trouver, pour chaque règle, la fraction du scénario à laquelle elle "
            f"serait franchie. Réserves : {_e(euros(s.total_before))} → {_e(euros(s.total_after))} ; base : "
            f"{_e(euros(s.base_before))} → {_e(euros(s.base_after))}. Les instruments financiers à terme ne sont "
            "pas choqués.</p>")
    if s.breaking:
        doc.add("<h3>Limites qui seraient franchies, la première d'abord</h3>", '<ol class="tight">')
        for r in s.breaking:
            at = ", ".join(f"{n} {shock_text(n, a, r.first_break)}" for n, a in s.scenario.items())
            doc.add(f"<li><strong>{_e(r.title)}</strong> ({_e(r.rule_id)}) : franchie à {_e(pct(r.first_break))} "
                    f"du scénario ({_e(at)}).</li>")
        doc.add("</ol>")
    else:
        doc.add("<p>Aucune limite supplémentaire ne serait franchie sous ce scénario.</p>")
    rows, sts = [], []
    for r in s.rules:
        lim = "" if r.limit is None else pct(r.limit)
        rows.append([_e(r.rule_id), _status_cell(r.status_before), _e(pct(r.value_before) if r.limit else ""),
                     _status_cell(r.status_after), _e(pct(r.value_after) if r.limit else ""), _e(lim),
                     _e(pct(r.first_break) if r.first_break is not None else "")])
        sts.append(r.status_after)
    doc.table(["Règle", "Avant", "Valeur avant", "Après le choc", "Valeur après", "Limite", "Rupture à (% du scénario)"],
              rows, numeric=(2, 4, 5, 6), status=sts)
    items = [(r.title, r.value_before or 0, r.limit, r.status_after, r.value_after or 0)
             for r in s.rules if r.limit is not None and r.value_before is not None and r.rule_id in
             {lr.rule_id for lr in d.limits}]
    if items:
        doc.add(svg.bars(items, title="Parts avant / après le choc (trait rouge : limite)"),
                svg.legend([("ok", "avant"), ("after", "après le choc"), ("limit", "limite")]))
    doc.add("</section>")


def _part_readings(doc, d):
    doc.add('<section class="part" id="lectures">', "<h2>Lectures du texte appliquées</h2>",
            '<p class="note">Là où le texte laisse un choix, le produit retient la lecture prudente : dans le doute, '
            "il signale plutôt qu'il ne valide. Voici les lectures dont dépendent les verdicts de ce rapport.</p>")
    for r in d.readings:
        rules = "toutes les règles" if r["rules"] == "all" else ", ".join(r["rules"])
        doc.add(f'<div class="reading"><span class="rid">{_e(r["id"])} — {_e(r["title"])}.</span> {_e(r["text"])} '
                f'<span class="note">(Règles : {_e(rules)}.)</span></div>')
    doc.add("</section>")


def _part_lines(doc, d):
    doc.add('<section class="part" id="annexe">', "<h2>Annexe : détail des lignes</h2>")
    rows = [[str(ln.row), _e(ln.label), _e(ln.category), _e(ln.pocket) + (" (hors base)" if ln.excluded else ""),
             _e(euros(ln.value)), _e(ln.currency), _e(ln.issuer), _e(ln.isin), _status_cell(ln.status), _e(ln.rules)]
            for ln in d.lines]
    doc.table(["Ligne", "Libellé", "Cat.", "Poche", "Valeur", "Devise", "Émetteur", "ISIN", "Statut",
               "Règles en cause"], rows, numeric=(0, 4), status=[ln.status for ln in d.lines])
    doc.add("</section>")


__all__ = ["render_html", "CSS"]
