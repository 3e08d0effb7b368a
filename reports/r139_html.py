"""The R. 139 report in HTML (self-contained; printed to PDF by Chromium, `reports.pdf`).

A title page; the synthesis (verdict, version, date, régimes, actif de
placement, every breach with its cure deadline); then, for each régime, the
allocation by `nature` against the caps of R. 139-41 (and R. 139-15, 42, 43,
44), the entities with the 5/10/40 basket (R. 139-45), the holding shares
(R. 139-46), the currency exposure (R. 139-44), the contracts netted by
counterparty (R. 139-43) and the look-through inventory (R. 139-17,
R. 139-49); then the breaches with their first observation and deadline
(R. 139-48), the points to check with what to fill, every rule's verdict and
the readings applied.
"""

from __future__ import annotations

import re

from constraints.rules import BREACH, NA, OK, UNKNOWN_S

from . import svg
from .html import CSS, date_source as _date_source, escape_text as _e, plain as _plain
from .html import Doc as _Doc
from .r139_model import INVENTORY_FR, MODE_FR, Report139, cure_text, fill_text, nature_title
from .text import ACTION_FR, VERDICT_FR, date_fr, datetime_fr, euros, fr_int, rows_text
from reserves.portfolio.fmt import STATUS_FR

_PERCENT = re.compile(r"(?<=\d) %")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]+)")  # « --transparence » never cut after its dashes
CSS139 = CSS + """
table.compact { font-size: 7.8pt; }
td.sub { color: #555; font-size: 7.6pt; }
h2.regime { break-before: page; }
table.ent td:nth-child(1) { min-width: 10em; } table.ent td:nth-child(3) { min-width: 9em; }
table.ent td:nth-child(2) { max-width: 7em; }
tr.total td { font-weight: bold; border-top: 2px solid #1f3864; }
"""


def pct(x) -> str:
    """12,34 % with a no-break space: the sign never starts a line."""
    return "" if x is None else f"{float(x) * 100:.2f}".replace(".", ",") + "\u00a0%"


def pct_against(x, limit) -> str:
    """A share shown beside its limit: two decimals, more when two would show a share that is not its limit as the
    limit (« 15,00 % < 15,00 % » for 14,9999999 %), up to ten."""
    if x is None or limit is None or float(x) == float(limit):
        return pct(x)
    for d in range(2, 11):
        a, b = f"{float(x) * 100:.{d}f}", f"{float(limit) * 100:.{d}f}"
        if a != b:
            return a.replace(".", ",") + "\u00a0%"
    return pct(x)


def _limit(r) -> str:
    if r.limit is None:
        return ""
    return ("< " if getattr(r, "strict", False) else "≤ ") + pct(r.limit)


def _head(r) -> str:
    """Headroom: « marge » under the cap, « dépassement » beyond it."""
    if r is None or r.headroom is None:
        return ""
    if r.headroom < 0:
        return f"dépassement {euros(-r.headroom)}"
    return euros(r.headroom)


def _via(v) -> str:
    if not v:
        return ""
    return v if isinstance(v, str) else ", ".join(v[:4]) + (f" (+{len(v) - 4})" if len(v) > 4 else "")


def _regime_name(name) -> str:
    return "organisme entier" if name is None else str(name)


def _short_title(d: Report139, most: int = 70) -> str:
    """The page's title: the report and the file, at most `most` characters (a long file name is cut)."""
    text = f"Rapport R. 139 — {d.pf.source}"
    return text if len(text) <= most else text[:most - 1] + "…"


def render_html139(d: Report139) -> str:
    v = d.verdict
    ver = v.version
    doc = _Doc()
    doc.add("<!DOCTYPE html>", '<html lang="fr">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_plain(_short_title(d))}</title>", '<meta name="generator" content="reserves">',
            f"<style>{CSS139}</style>", "</head>", "<body>")
    doc.add('<section class="title-page" id="titre">', f"<h1>{_e(d.title)}</h1>",
            '<p class="sub">Placements — Code de la sécurité sociale, art. R. 139-1 à R. 139-56</p>',
            "<p class=\"sub\">Rapport à la commission financière ; inventaire trimestriel des placements vus par "
            "transparence (R. 139-49)</p>",
            '<dl class="facts">',
            f"<dt>Portefeuille</dt><dd>{_e(d.pf.source)} (feuille « {_e(d.pf.sheet)} », {fr_int(v.n_lines)} lignes, "
            f"{fr_int(v.n_lookthrough)} lignes vues par transparence)</dd>",
            f"<dt>Portefeuille au</dt><dd>{_e(date_fr(v.as_of))} ({_e(_date_source(v))})</dd>",
            f"<dt>Version du règlement</dt><dd>{_e(ver.id)} — {_e(ver.title)}</dd>",
            f"<dt>Texte</dt><dd>{_e(ver.set_by)}, en vigueur {_e(ver.period_fr())}</dd>",
            f"<dt>Empreinte du fichier</dt><dd>SHA-256 {_e(d.pf.sha256 or '—')}</dd>",
            f"<dt>Généré le</dt><dd>{_e(datetime_fr(d.generated_at))}</dd>",
            "</dl>", "</section>")
    _synthesis(doc, d)
    for n, part in enumerate(d.parts, start=1):
        _part(doc, d, part, n)
    if d.proposal is not None:
        _proposal(doc, d)
    if d.stress is not None:
        _stress(doc, d)
    _breaches(doc, d)
    _unknowns(doc, d)
    _rules(doc, d)
    _readings(doc, d)
    doc.add(f"<footer>{_e(d.title)} — {_e(d.pf.source)} — règlement {_e(ver.id)} — généré le "
            f"{_e(datetime_fr(d.generated_at))}</footer>", "</body>", "</html>")
    return _keep_signs("\n".join(doc.parts) + "\n")


def _keep_signs(html: str) -> str:
    """« 5 % » with a no-break space in the page's text (the charts' own labels left as drawn)."""
    parts = re.split(r"(<svg.*?</svg>|<style>.*?</style>)", html, flags=re.S)
    return "".join(p if p.startswith(("<svg", "<style>")) else
                   _OPTION.sub(r'<span class="nw">\1</span>', _PERCENT.sub("\u00a0%", p)) for p in parts)


def _synthesis(doc, d: Report139):
    v = d.verdict
    counts = d.counts()
    doc.add('<section class="summary" id="synthese">', "<h2>Synthèse</h2>",
            f'<p class="verdict v-{v.status}">{_e(VERDICT_FR[v.status])}</p>',
            f"<p>Contrôle au {_e(date_fr(v.as_of))} selon la version {_e(v.version.id)} (articles R. 139-1 à "
            f"R. 139-56) : {counts[BREACH]} règle(s) non conforme(s), {counts[UNKNOWN_S]} à vérifier, {counts[OK]} "
            f"conforme(s), {counts[NA]} sans objet. Base des limites : l'actif de placement de chaque régime (RR 1), "
            "vu par transparence pour les règles qui le demandent (R. 139-17).</p>")
    rows = [[_e(_regime_name(r["regime"])), _e(MODE_FR[r["mode"]]), _e(euros(r["base"])), _e(euros(r["total"]))]
            for r in v.regimes]
    if len(v.regimes) > 1:
        rows.append(["<strong>Total</strong>", "", f"<strong>{_e(euros(v.base))}</strong>",
                     f"<strong>{_e(euros(v.total))}</strong>"])
    doc.table(["Régime", "Règles applicables", "Actif de placement", "Total des lignes"], rows, numeric=(2, 3))
    doc.add('<div class="figures">',
            f'<div class="figure">Actif de placement<span class="num">{_e(euros(v.base))}</span></div>',
            f'<div class="figure">Règles non conformes / à vérifier<span class="num">{counts[BREACH]} / '
            f"{counts[UNKNOWN_S]}</span></div>",
            f'<div class="figure">Fonds vus par transparence<span class="num">'
            f"{sum(f.state == 'ok' for p in d.parts for f in p.funds)} / "
            f"{sum(f.state != 'units' for p in d.parts for f in p.funds)}</span></div>", "</div>")
    for w in v.warnings:
        doc.add(f'<p class="note">Avertissement : {_e(w)}</p>')
    if d.breaches:
        doc.add(f"<h3>Manquements ({len(d.breaches)})</h3>", '<ul class="tight breaches">')
        for f in d.breaches:
            first, deadline, status = cure_text(f)
            reg = f" [régime {_e(f.regime)}]" if getattr(f, "regime", None) else ""
            todo = f" ; {ACTION_FR.get(f.action, '')} {euros(f.amount)}" if f.action and f.amount is not None else ""
            cure = (f" — constaté le {_e(first)}, échéance {_e(deadline)}" if first not in ("inconnue", "—") else
                    " — date du premier constat inconnue")
            subject = "" if f.subject == d.rule_title(f.rule) else f" — {_e(f.subject)}"
            doc.add(f"<li><strong>{_e(d.rule_title(f.rule))}</strong> ({_e(f.article)}){reg}{subject}"
                    f"{_e(todo)}{cure}</li>")
        doc.add("</ul>")
    if d.unknowns:
        by_rule: dict = {}
        for f in d.unknowns:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        items = "; ".join(f"{_e(d.rule_title(r))} ({n})" for r, n in list(by_rule.items())[:6])
        more = f" ; et {len(by_rule) - 6} autre(s) règle(s)" if len(by_rule) > 6 else ""
        doc.add(f"<p>{len(d.unknowns)} point(s) à vérifier : {items}{more} (partie « À vérifier » : ce qu'il faut "
                "renseigner).</p>")
    if d.proposal is not None:
        pr = d.proposal
        after = (f" ; contrôle après opérations : <strong>{_e(VERDICT_FR[pr.verdict_after.status])}</strong>"
                 if pr.verdict_after is not None else "")
        doc.add(f"<p>Proposition de réallocation : {_e(pr.status_fr)}, {len(pr.trades)} opération(s), ventes "
                f"{_e(euros(pr.sold))}, achats {_e(euros(pr.bought))}{after} (partie « Proposition »).</p>")
    if d.stress is not None:
        st = d.stress
        new = [r for r in st.rules if r.status_after == BREACH and r.status_before != BREACH]
        if st.breaking:
            first = st.breaking[0]
            doc.add(f"<p>Choc de marché : {len(new)} règle(s) de plus seraient non conformes ; la première à céder "
                    f"serait « {_e(first.title)} » ({_e(first.rule_id)}), à {_e(pct(first.first_break))} du "
                    "scénario (partie « Choc de marché »).</p>")
        else:
            doc.add("<p>Choc de marché : aucune limite supplémentaire ne serait franchie sous le scénario étudié "
                    f"(verdict après le choc : {_e(VERDICT_FR[st.status_after].lower())}).</p>")
    items = [(c.title, c.share or 0, c.limit, c.status) for p in d.parts[:1] for c in p.caps
             if c.share is not None and c.status != NA]
    if items:
        doc.add(svg.bars(items, title=f"{d.parts[0].title} : parts de l'actif de placement et plafonds (trait rouge)"),
                svg.legend([("ok", "part conforme"), ("breach", "plafond franchi"), ("limit", "plafond")]))
    doc.add("</section>")


def _part(doc, d: Report139, p, n: int):
    name = p.title
    doc.add(f'<section class="part" id="regime-{n}">',
            f"<h2>{n}. {_e(name)} — {_e(MODE_FR[p.mode])}</h2>",
            f"<p>Actif de placement : <strong>{_e(euros(p.base))}</strong> (total des lignes : {_e(euros(p.total))}).</p>")
    # allocation by nature
    doc.add(f"<h3>{n}.1 Allocation par nature</h3>",
            '<p class="note">« Détenu » : les lignes telles que détenues dans l\'actif de placement ; « vu par '
            "transparence » : l'actif où les OPCVM, fonds mutualisés et organismes dédiés sont remplacés par leurs "
            "placements (R. 139-17), les OPC monétaires restant des parts.</p>")
    rows = [[_e(r.title) + (f'<br><span class="rid-note">{_e(r.nature)} — {_e(r.article)}</span>' if r.nature else
                            f'<br><span class="rid-note">{_e(r.article)} : à vérifier</span>'), fr_int(r.lines),
             _e(euros(r.value)) if r.nature else "", _e(pct(r.share)), _e(euros(r.seen)), _e(pct(r.seen_share))]
            for r in p.natures]
    held = sum(r.value for r in p.natures)
    seen = sum(r.seen for r in p.natures)
    rows.append(["<strong>Actif de placement</strong>", fr_int(sum(r.lines for r in p.natures if r.nature)),
                 _e(euros(held)), _e(pct(held / p.base if p.base > 0 else None)), _e(euros(seen)),
                 _e(pct(seen / p.base if p.base > 0 else None))])
    doc.table(["Nature", "Lignes", "Détenu", "Part", "Vu par transparence", "Part"], rows, numeric=(1, 2, 3, 4, 5),
              status=[UNKNOWN_S if not r.nature else OK for r in p.natures] + [OK], cls="compact")
    doc.add(f"<h3>{n}.2 Plafonds : valeur, limite et marge (R. 139-41 à R. 139-44)</h3>")
    rows = [[_e(c.title) + f'<br><span class="rid-note">{_e(c.rule_id)}</span>', _e(c.article), _e(euros(c.value)),
             _e(pct_against(c.share, c.limit)), _e(_limit(c)), _e(_head(c)), _e(STATUS_FR[c.status])] for c in p.caps]
    doc.table(["Plafond", "Article", "Valeur", "Part", "Limite", "Marge", "Statut"], rows, numeric=(2, 3, 4, 5),
              status=[c.status for c in p.caps],
              caption="Marge : montant qui peut encore entrer sous le plafond ; « dépassement » : ce qui l'excède.")
    items = [(c.title, c.share or 0, c.limit, c.status) for c in p.caps if c.share is not None and c.status != NA]
    if items and n > 1:
        doc.add(svg.bars(items, title="Parts de l'actif de placement et plafonds (trait rouge)"))
    _entities(doc, p, n)
    _holding_shares(doc, p, n)
    _currency(doc, p, n)
    _contracts(doc, p, n)
    _inventory(doc, d, p, n)
    doc.add("</section>")


def _entities(doc, p, n):
    doc.add(f"<h3>{n}.3 Entités : 5 %, 10 % et 40 % (R. 139-45 I)</h3>")
    b = p.basket
    basket = ""
    if b is not None and b.value is not None:
        basket = (f" Panier des entités au-delà de 5 % (dépôts compris) : <strong>{_e(pct(b.value))}</strong> "
                  f"({_e(euros(b.euros))}) pour un plafond de {_e(pct(b.limit))}"
                  + (f", marge {_e(euros(b.headroom))}" if b.headroom is not None and b.headroom >= 0 else
                     f", dépassement {_e(euros(-b.headroom))}" if b.headroom is not None else "") + ".")
    notes = "".join(_status_note(p, rid) for rid in ("R139-45/entite-max5", "R139-45/entite-depots-max10",
                                                      "R139-45/cumul-max40"))
    doc.add(f'<p class="note">Exposition entière de chaque entité (titres, créances, garanties, contreparties ; '
            f"groupes consolidés réunis, RR 6 et RR 8), vue par transparence. Plafond {_e(pct(p.entity_limit))} "
            f"dépôts exclus ; {_e(pct(p.entity_deposits_limit))} dépôts compris pour les entités du panier.{basket}"
            f"{notes}</p>")
    if not p.entities:
        doc.add("<p>Aucune exposition sur une entité.</p>")
    else:
        rows = [[_e(e.subject) + ("" if e.grouped else ' <span class="rid-note">(groupe non renseigné)</span>'),
                 _e(rows_text(e.rows, 6)), _e(_via(e.via)), _e(euros(e.without_deposits)), _e(pct(e.share_without)),
                 _e(euros(e.with_deposits)), _e(pct(e.share_with)), "oui" if e.in_basket else "",
                 _e(_head(e)), _e(STATUS_FR[e.status])] for e in p.entities]
        doc.table(["Entité", "Lignes", "Via", "Dépôts exclus", "Part", "Dépôts compris", "Part", "Panier 40 %",
                   "Marge sous 10 %", "Statut"], rows, numeric=(3, 4, 5, 6, 8), status=[e.status for e in p.entities],
                  cls="compact ent")
    for fig, what, name in ((p.buildings, "Un même actif immobilier (R. 139-45 I 2°)", "Actif immobilier"),
                            (p.sovereigns, "Titres souverains et assimilés (R. 139-45 II)", "Émetteur ou garant")):
        if fig is None or not fig.groups:
            continue
        doc.add(f"<h3>{_e(what)} : plafond {_e(pct(fig.limit))}</h3>")
        rows = [[_e(g.subject), _e(rows_text(g.rows, 6)), _e(_via(g.via)), _e(euros(g.euros)), _e(pct(g.share)),
                 _e(_head(g)), _e(STATUS_FR[g.status])] for g in fig.groups]
        doc.table([name, "Lignes", "Via", "Valeur", "Part", "Marge", "Statut"], rows, numeric=(3, 4, 5),
                  status=[g.status for g in fig.groups], cls="compact")


def _holding_shares(doc, p, n):
    doc.add(f"<h3>{n}.4 Part détenue des titres d'un même émetteur (R. 139-46)</h3>",
            '<p class="note">Part des titres de capital, et des titres de créance, d\'un émetteur que l\'organisme '
            "détient (directement et par les OPCVM et organismes dédiés), rapportée à l'émission (valeur / quantité × "
            "quantité émise de chaque titre, ou encours de l'émetteur).</p>")
    for fig, what in ((p.capital, "Titres de capital"), (p.debt, "Titres de créance")):
        if fig is None or not fig.groups:
            doc.add(f"<p>{_e(what)} : aucun titre concerné.</p>")
            continue
        rows = [[_e(g.subject), _e(rows_text(g.rows, 6)), _e(_via(g.via)), _e(euros(g.euros)),
                 _e(euros(g.of) if g.of else "inconnue"), _e(pct(g.share)), _e(_head(g)), _e(STATUS_FR[g.status])]
                for g in fig.groups]
        doc.add(f"<p><strong>{_e(what)}</strong> — plafond {_e(pct(fig.limit))} par émetteur ; les {len(rows)} "
                f"premiers :{_status_note(p, fig.rule)}</p>")
        doc.table(["Émetteur", "Lignes", "Via", "Détenu", "Émission", "Part détenue", "Marge", "Statut"], rows,
                  numeric=(3, 4, 5, 6), status=[g.status for g in fig.groups], cls="compact")


def _status_note(p, rule_id: str) -> str:
    """« à vérifier » beside a figure whose rule could not conclude (the points to check say why)."""
    r = p.results.get(rule_id)
    if r is None or r.status != UNKNOWN_S:
        return ""
    whats = "; ".join(dict.fromkeys(f.subject for f in r.findings))
    return f" <strong>À vérifier</strong> ({_e(whats)}) : voir la partie « À vérifier »."


def _currency(doc, p, n):
    fig = p.currency
    doc.add(f"<h3>{n}.5 Exposition de change (R. 139-44)</h3>")
    if fig is None:
        return
    total = (f"Exposition de change : <strong>{_e(pct(fig.value))}</strong> de l'actif de placement "
             f"({_e(euros(fig.euros))}), limite strictement inférieure à {_e(pct(fig.limit))}"
             + (f", marge {_e(euros(fig.headroom))}" if fig.headroom is not None and fig.headroom >= 0 else
                f", dépassement {_e(euros(-fig.headroom))}" if fig.headroom is not None else "") + ".")
    doc.add(f"<p>{total} Les couvertures ne se compensent qu'au sein d'une même devise (RR 13)."
            f"{_status_note(p, fig.rule)}</p>")
    if fig.groups:
        rows = [[_e(g.subject), _e(euros(g.detail.get("held"))), _e(euros(g.detail.get("contracts"))),
                 _e(euros(g.euros)), _e(pct(g.share))] for g in fig.groups]
        doc.table(["Devise", "Détenu", "Contrats", "Exposition nette", "Part"], rows, numeric=(1, 2, 3, 4),
                  cls="compact")
    else:
        doc.add("<p>Actif réalisable en euros : aucune exposition de change.</p>")


def _contracts(doc, p, n):
    fig = p.contracts
    doc.add(f"<h3>{n}.6 Contrats financiers, compensés par contrepartie (R. 139-43)</h3>")
    if fig is None or (fig.value is None and not fig.groups):
        doc.add("<p>Aucun contrat financier dans l'actif vu par transparence.</p>")
        return
    doc.add(f"<p>Expositions : <strong>{_e(pct(fig.value))}</strong> de l'actif de placement ({_e(euros(fig.euros))}) "
            f"pour un plafond de {_e(pct(fig.limit))}"
            + (f", marge {_e(euros(fig.headroom))}" if fig.headroom is not None and fig.headroom >= 0 else
               f", dépassement {_e(euros(-fig.headroom))}" if fig.headroom is not None else "") +
            " ; la compensation ne joue qu'entre contrats d'une même contrepartie (RR 12)."
            f"{_status_note(p, fig.rule)}</p>")
    if fig.groups:
        rows = [[_e(g.subject), str(g.detail.get("contracts", "")), _e(rows_text(g.rows, 6)), _e(_via(g.via)),
                 _e(euros(g.detail.get("gross"))), _e(euros(g.euros) if g.euros is not None else "inconnue"),
                 _e(pct(g.share))] for g in fig.groups]
        doc.table(["Contrepartie", "Contrats", "Lignes", "Via", "Expositions brutes", "Exposition nette", "Part"], rows,
                  numeric=(1, 4, 5, 6), cls="compact")


def _inventory(doc, d: Report139, p, n):
    doc.add(f"<h3>{n}.7 Inventaire vu par transparence (R. 139-17, R. 139-49)</h3>")
    if not p.funds:
        doc.add("<p>Aucun fonds à voir par transparence.</p>")
        return
    rows = []
    for f in p.funds:
        dated = date_fr(f.valuation_date) if f.valuation_date else ""
        src = f.where if f.kind == "Transparence" else f"{f.kind} {f.source}".strip()
        rows.append([str(f.row), _e(f.label) + (f'<br><span class="rid-note">{_e(f.isin)}</span>' if f.isin else ""),
                     _e(nature_title(d.version, f.nature)), _e(euros(f.value)), _e(INVENTORY_FR[f.state]), _e(src), _e(dated),
                     fr_int(f.holdings), _e(f"{f.k:.6f}".replace(".", ",") if f.k is not None else "")])
    doc.table(["Ligne", "Fonds", "Nature", "Valeur", "Inventaire", "Source", "Valorisé le", "Placements",
               "Facteur k"], rows, numeric=(0, 3, 7, 8),
              status=[UNKNOWN_S if f.state not in ("ok", "units") else OK for f in p.funds], cls="compact",
              caption="Facteur k : valeur de la ligne / somme des placements de l'inventaire ; chaque placement est "
                      "multiplié par k (R. 139-17, dernier alinéa).")
    limit = None if d.annex else d.holdings_in_pdf
    by_fund: dict = {}
    for h in p.holdings:
        by_fund.setdefault((h.fund_row, h.fund), []).append(h)
    for (row, fund), hs in by_fund.items():
        shown = hs if limit is None else hs[:limit]
        doc.add(f"<p><strong>{_e(fund)}</strong> (ligne {row}) : {fr_int(len(hs))} placement(s)"
                + (f", les {len(shown)} plus grands ci-dessous ; tous dans le classeur (feuille « Transparence »)"
                   if len(shown) < len(hs) else "") + "</p>")
        trs = [[_e(f"{h.sheet} {h.row}"), _e(h.label), _e(h.isin), _e(h.issuer), _e(h.nature), _e(h.currency),
                _e(euros(h.value)), _e(h.rules)] for h in shown]
        doc.table(["Ligne vue", "Placement", "ISIN", "Émetteur", "Nature", "Devise", "Valeur (× k)", "Constats"],
                  trs, numeric=(6,), cls="compact")


def _head_of(h) -> str:
    if h is None:
        return ""
    return f"dépassement {euros(-h)}" if h < 0 else euros(h)


def _sense(spec) -> str:
    """How a rule's value stands to its limit, as the rulebook says: a floor (« au moins », `sense: min`), a
    strict cap (« inférieure à », `strict`), else a cap (« ne peut excéder »)."""
    return "≥ " if spec.params.get("sense") == "min" else "< " if spec.params.get("strict") else "≤ "


def _cap_limit(limit, strict) -> str:
    if limit is None:
        return ""
    return ("< " if strict else "≤ ") + pct(limit)


def _proposal(doc, d: Report139):
    pr = d.proposal
    doc.add('<section class="part" id="proposition">', "<h2>Proposition de réallocation</h2>",
            f'<p class="note">Proposition de « {_e(pr.source)} » : les opérations de rotation minimale après '
            "lesquelles chaque limite des articles R. 139-1 à R. 139-56 serait tenue, régime par régime, chaque "
            "régime gardant sa trésorerie ; le portefeuille après opérations est contrôlé à nouveau par le "
            "vérificateur R. 139 (ratios vus par transparence, R. 139-17).</p>")
    after = pr.verdict_after
    verdict = (f"verdict avant <strong>{_e(VERDICT_FR[d.verdict.status])}</strong>, après opérations "
               f"<strong>{_e(VERDICT_FR[after.status])}</strong>" if after is not None else
               f"verdict <strong>{_e(VERDICT_FR[d.verdict.status])}</strong>")
    doc.add(f"<p>Résultat : <strong>{_e(pr.status_fr)}</strong> ; {verdict} ; {len(pr.trades)} opération(s), "
            f"ventes {_e(euros(pr.sold))}, achats {_e(euros(pr.bought))}.</p>")
    for note in pr.notes:
        doc.add(f'<p class="note">{_e(note[:1].upper() + note[1:])}.</p>')
    if pr.explanation:
        doc.add("<p>Pourquoi aucune proposition n'est possible :</p>", '<ul class="tight">')
        for line in pr.explanation:
            doc.add(f"<li>{_e(line)}</li>")
        doc.add("</ul>")
    if after is not None:
        left = pr.breaches_after
        if left:
            doc.add("<p>Règles encore non conformes après opérations : "
                    + "; ".join(f"{_e(r.spec.title)} ({_e(r.spec.id)})" for r in left) + ".</p>")
        if pr.unknown_after:
            doc.add("<p>Règles à vérifier après opérations (données manquantes, inchangées par les opérations) : "
                    + "; ".join(f"{_e(r.spec.title)} ({_e(r.spec.id)})" for r in pr.unknown_after) + ".</p>")
    doc.add("<h3>Opérations, ligne par ligne</h3>")
    if pr.trades:
        rows = [[str(t.row), _e(t.label), _e(nature_title(d.version, t.nature)), _e(_regime_name(t.regime)),
                 _e(t.action + (" (en totalité)" if t.whole else "")), _e(euros(t.amount)), _e(euros(t.before)),
                 _e(euros(t.after))] for t in pr.trades]
        rows.append(["", "<strong>Total</strong>", "", "", "", f"ventes {_e(euros(pr.sold))}<br>achats "
                     f"{_e(euros(pr.bought))}", "", ""])
        doc.table(["Ligne", "Libellé", "Nature", "Régime", "Opération", "Montant", "Avant", "Après"], rows,
                  numeric=(0, 5, 6, 7), cls="compact",
                  caption="Une part de fonds vendue ou achetée déplace ses placements vus par transparence au "
                          "prorata (R. 139-17, dernier alinéa).")
    else:
        doc.add("<p>Aucune opération.</p>")
    if pr.status in ("nothing_to_do", "infeasible"):  # no portfolio after trades to set beside the one held
        doc.add("</section>")
        return
    for rp in pr.regimes:
        doc.add(f"<h3>{_e(rp.title)} : plafonds avant et après (R. 139-41 à R. 139-44)</h3>")
        rows = [[_e(c.title) + f'<br><span class="rid-note">{_e(c.rule_id)}</span>', _e(c.article),
                 _e(pct(c.share_before)), _e(pct(c.share_after)), _e(_cap_limit(c.limit, c.strict)),
                 _e(_head_of(c.headroom_after)), _e(STATUS_FR[c.status_before]), _e(STATUS_FR[c.status_after])]
                for c in rp.caps]
        doc.table(["Plafond", "Article", "Part avant", "Part après", "Limite", "Marge après", "Statut avant",
                   "Statut après"], rows, numeric=(2, 3, 4, 5), status=[c.status_after for c in rp.caps],
                  cls="compact")
        if rp.natures:
            rows = [[_e(x.title) + (f'<br><span class="rid-note">{_e(x.nature)}</span>' if x.nature else ""),
                     _e(euros(x.before)), _e(pct(x.share_before)), _e(euros(x.after)), _e(pct(x.share_after)),
                     _e(euros(x.after - x.before))] for x in rp.natures]
            doc.table(["Nature (vue par transparence)", "Avant", "Part", "Après", "Part", "Écart"], rows,
                      numeric=(1, 2, 3, 4, 5), cls="compact",
                      caption=f"Actif de placement : {euros(rp.base_before)} avant, {euros(rp.base_after)} après.")
        items = [(c.title, c.share_before or 0, c.limit, c.status_after, c.share_after or 0) for c in rp.caps
                 if c.share_before is not None and c.status_after != NA]
        if items:
            doc.add(svg.bars(items, title="Parts avant / après les opérations (trait rouge : plafond)"),
                    svg.legend([("ok", "avant"), ("after", "après"), ("limit", "plafond")]))
    doc.add("</section>")


def _stress(doc, d: Report139):
    from .r139_stress import DEFAULT_DURATION, key_title, scope_text, shock_text, unit_of

    s = d.stress
    doc.add('<section class="part" id="choc">', "<h2>Choc de marché : dépassements passifs prévisibles</h2>")
    rows = [[_e(key_title(k)), _e(shock_text(k, a)), _e(scope_text(k, d.version))] for k, a in s.scenario.items()]
    doc.table(["Choc", "Amplitude", "Natures ou devises touchées"], rows, cls="compact")
    if any(unit_of(k) == "pb" for k in s.scenario):
        if s.durations_from:
            dur = f"Duration lue dans la colonne « {s.durations_from} »"
            if s.defaulted_lines:
                dur += f" ; {s.defaulted_lines} ligne(s) sans duration prennent la valeur par défaut"
        else:
            dur = "Pas de colonne de duration : valeurs par défaut"
        defaults = ", ".join(f"{nature_title(d.version, k).lower()} {str(x).replace('.', ',')} an(s)"
                             for k, x in DEFAULT_DURATION.items())
        doc.add(f'<p class="note">{_e(dur)} ({_e(defaults)} ; placements vus par transparence : valeurs par '
                "défaut) ; variation de valeur = − duration × variation de taux.</p>")
    kept = (f" {euros(s.unshocked)} gardent leur valeur : fonds sans inventaire utilisable, fonds détenus par un "
            "fonds et contrats financiers (leur composition échappe au choc)." if s.unshocked else "")
    doc.add(f'<p class="note">Le choc s\'applique au portefeuille vu par transparence (R. 139-17) : chaque placement '
            "d'un fonds vu par transparence est choqué selon sa nature et sa devise, et la ligne du fonds suit la "
            "somme de son inventaire. Le portefeuille choqué est contrôlé à nouveau par le vérificateur R. 139 ; le "
            "scénario est appliqué de 0 à 100 % pour trouver la fraction à laquelle chaque règle serait franchie. "
            f"Actif de placement : {_e(euros(s.base_before))} → {_e(euros(s.base_after))} ; total des lignes : "
            f"{_e(euros(s.total_before))} → {_e(euros(s.total_after))}.{_e(kept)}</p>")
    new = [r for r in s.rules if r.status_after == BREACH]
    if new:
        doc.add("<h3>Plafonds franchis après le choc, et de combien</h3>", '<ul class="tight breaches">')
        for r in new:
            by = (f" : dépassement de {_e(euros(-r.headroom_after))}" if r.headroom_after is not None
                  and r.headroom_after < 0 else "")
            share = (f", {_e(pct(r.value_after))} pour une limite de {_e(pct(r.limit))}"
                     if r.value_after is not None and r.limit is not None else "")
            when = (f" ; franchi à {_e(pct(r.first_break))} du scénario" if r.first_break is not None
                    else " ; déjà non conforme avant le choc")
            doc.add(f"<li><strong>{_e(r.title)}</strong> ({_e(r.rule_id)}){by}{share}{when}.</li>")
        doc.add("</ul>")
    else:
        doc.add("<p>Aucun plafond ne serait franchi sous ce scénario.</p>")
    rows, sts = [], []
    for r in s.rules:
        if r.limit is None and r.status_before == r.status_after:
            continue
        rows.append([_e(r.title) + f'<br><span class="rid-note">{_e(r.rule_id)}</span>', _e(STATUS_FR[r.status_before]),
                     _e(pct(r.value_before) if r.limit is not None else ""), _e(STATUS_FR[r.status_after]),
                     _e(pct(r.value_after) if r.limit is not None else ""), _e(_cap_limit(r.limit, r.strict)),
                     _e(_head_of(r.headroom_after)),
                     _e(pct(r.first_break) if r.first_break is not None else "")])
        sts.append(r.status_after)
    doc.table(["Règle", "Avant", "Valeur avant", "Après le choc", "Valeur après", "Limite", "Marge après le choc",
               "Franchie à (% du scénario)"], rows, numeric=(2, 4, 5, 6, 7), status=sts, cls="compact")
    if s.natures:
        rows = [[_e(x.title) + f'<br><span class="rid-note">{_e(x.nature)}</span>', _e(euros(x.before)),
                 _e(euros(x.after)), _e(euros(x.after - x.before))] for x in s.natures]
        doc.table(["Nature (vue par transparence)", "Avant le choc", "Après le choc", "Variation"], rows,
                  numeric=(1, 2, 3), cls="compact")
    items = [(r.title, r.value_before or 0, r.limit, r.status_after, r.value_after or 0) for r in s.rules
             if r.limit is not None and r.value_before is not None and r.rule_id.startswith(("R139-41/", "R139-44/",
                                                                                          "R139-15/"))]
    if items:
        doc.add(svg.bars(items, title="Parts avant / après le choc (trait rouge : limite)"),
                svg.legend([("ok", "avant"), ("after", "après le choc"), ("limit", "limite")]))
    doc.add("</section>")


def _breaches(doc, d: Report139):
    doc.add('<section class="part" id="manquements">', "<h2>Manquements et délais de régularisation (R. 139-48)</h2>",
            '<p class="note">Un dépassement est un manquement ; son délai court de son premier constat (feuille '
            "« Constats » du fichier, ou contrôles antérieurs du journal d'audit) : six mois (R. 139-48 al. 2), cinq "
            "ans pour un actif immobilier conservé après une hausse de valeur (al. 3), trois mois pour un contrat "
            "(R. 139-39).</p>")
    if not d.breaches:
        doc.add("<p>Aucun manquement.</p></section>")
        return
    rows = []
    for f in d.breaches:
        first, deadline, status = cure_text(f)
        todo = f"{ACTION_FR.get(f.action, '')} {euros(f.amount)}".strip() if f.action and f.amount is not None else ""
        subject = "" if f.subject == d.rule_title(f.rule) else f"<strong>{_e(f.subject)}</strong><br>"
        rows.append([f"<strong>{_e(d.rule_title(f.rule))}</strong><br>{_e(f.article)}"
                     f'<br><span class="rid-note">{_e(f.rule)}</span>', _e(_regime_name(getattr(f, "regime", None))),
                     _e(rows_text(f.rows, 6)) + (f"<br>via {_e(_via(f.via))}" if f.via else ""),
                     _e(todo), _e(first), _e(deadline), _e(status), subject + _e(f.message)])
    doc.table(["Règle", "Régime", "Lignes", "À faire", "Premier constat", "Échéance", "Délai", "Constat"],
              rows, status=[BREACH] * len(rows), cls="compact",
              caption="Premier constat inconnu : le renseigner dans la feuille « Constats » du portefeuille "
                      "(regle, sujet, premier_constat, cause) ; l'échéance en découle.")
    doc.add("</section>")


def _unknowns(doc, d: Report139):
    doc.add('<section class="part" id="a-verifier">', "<h2>À vérifier : ce qu'il faut renseigner</h2>")
    if not d.unknowns:
        doc.add("<p>Aucun point à vérifier.</p></section>")
        return
    rows = [[f"<strong>{_e(d.rule_title(f.rule))}</strong><br>{_e(f.article)}", _e(_regime_name(getattr(f, "regime", None))),
             _e(f.subject), _e(rows_text(f.rows, 8)) + (f"<br>via {_e(_via(f.via))}" if f.via else ""),
             _e(fill_text(f)), _e(f.message)] for f in d.unknowns]
    doc.table(["Règle", "Régime", "Objet", "Lignes", "À renseigner", "Constat"], rows,
              status=[UNKNOWN_S] * len(rows), cls="compact")
    doc.add("</section>")


def _rules(doc, d: Report139):
    doc.add('<section class="part" id="regles">', "<h2>Verdict par règle</h2>",
            '<p class="note">Les manquements d\'abord, puis les points à vérifier, les règles conformes et celles '
            "sans objet ; la valeur est celle du régime le plus chargé.</p>")
    rows = []
    for r in d.results:
        nb = sum(f.status == BREACH for f in r.findings)
        nu = sum(f.status == UNKNOWN_S for f in r.findings)
        val = pct_against(r.value, r.limit) if r.value is not None and r.limit is not None else ""
        lim = (_sense(r.spec) + pct(r.limit)) if r.limit is not None else ""
        rows.append([_e(STATUS_FR[r.status]), f"<strong>{_e(r.spec.title)}</strong><br>{_e(r.spec.id)}<br>"
                     f'<span class="quote">« {_e(r.spec.quote)} »</span>', _e(r.spec.article),
                     _e(val) + (f"<br>{_e(lim)}" if lim else ""), f"{nb} / {nu}"])
    doc.table(["Statut", "Règle et texte appliqué", "Article", "Valeur / limite", "Constats"], rows, numeric=(3,),
              status=[r.status for r in d.results])
    doc.add("</section>")


def _readings(doc, d: Report139):
    if not d.readings:
        return
    doc.add('<section class="part" id="lectures">', "<h2>Lectures du texte appliquées (RR)</h2>",
            '<p class="note">Là où le texte laisse un choix, le produit retient la lecture prudente.</p>')
    for r in d.readings:
        rules = ", ".join(r["rules"]) if r["rules"] else "toutes les règles"
        doc.add(f'<div class="reading"><span class="rid">{_e(r["id"])} — {_e(r["title"])}.</span> {_e(r["text"])} '
                f'<span class="note">(Règles : {_e(rules)}.)</span></div>')
    doc.add("</section>")


__all__ = ["render_html139"]
