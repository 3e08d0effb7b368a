"""The R. 139 report as an Excel workbook: one sheet per part, every régime in its rows.

The same shape and print setup as the R. 623 workbook (`reports.xlsx`): title
in row 1, subtitle in row 2, note in row 3, header in row 4 (frozen, with a
filter), money in `#,##0.00 "€"`, shares in `0.00 %`, A4 landscape fitted to
the page width with the header row repeated, row heights from the wrapped
text, the chart under its table inside the print area. The look-through
inventory (R. 139-49) is whole here, every holding of every fund.
"""

from __future__ import annotations

from constraints.rules import BREACH, NA, OK, UNKNOWN_S

from .r139_model import INVENTORY_FR, MODE_FR, Report139, cure_text, fill_text, nature_title
from .text import ACTION_FR, VERDICT_FR, datetime_fr, euros, rows_text
from reserves.portfolio.fmt import STATUS_FR
from .xlsx import FILL, HEADER_ROW, INTEGER, LINE_HEIGHT, MAX_LINES, MONEY, PERCENT
from .xlsx import Book as _Book, column_ref as _ref, euros_cell as _e, lines_needed as _lines_needed

DATE = "DD/MM/YYYY"
FACTOR = "0.000000"
SHEETS139 = {
    "summary": "Synthèse", "allocation": "Allocation", "caps": "Plafonds", "entities": "Entités",
    "assets": "Immobilier et souverains", "issuers": "Émetteurs R. 139-46", "currencies": "Devises",
    "contracts": "Contrats", "funds": "Fonds", "holdings": "Transparence", "breaches": "Manquements",
    "unknowns": "À vérifier", "rules": "Règles", "readings": "Lectures",
    "proposal": "Proposition", "proposal_caps": "Proposition plafonds", "stress": "Choc de marché",
}


class _Book139(_Book):
    sheets = SHEETS139


def _reg(name) -> str:
    return "—" if name is None else str(name)


def _via(v) -> str:
    if not v:
        return ""
    return v if isinstance(v, str) else ", ".join(v)


def _summary(b: _Book139):
    d, v = b.data, b.data.verdict
    ws = b.wb.add_worksheet(SHEETS139["summary"])
    b.heading(ws, d.title)
    counts = d.counts()
    rows = [
        ("Verdict", VERDICT_FR[v.status], None),
        ("Portefeuille", d.pf.source, None),
        ("Feuille", d.pf.sheet, None),
        ("Empreinte SHA-256 du fichier", d.pf.sha256 or "", None),
        ("Date du portefeuille", v.as_of, DATE),
        ("Source de la date", getattr(v, "as_of_source", "") or "", None),
        ("Généré le", d.generated_at, "DD/MM/YYYY HH:MM:SS"),
        ("Version du règlement", f"{v.version.id} — {v.version.title}", None),
        ("Texte", f"{v.version.set_by}, en vigueur {v.version.period_fr()}", None),
        ("Lignes du portefeuille", v.n_lines, INTEGER),
        ("Lignes vues par transparence", v.n_lookthrough, INTEGER),
        ("Base des limites", "actif de placement de chaque régime (RR 1), vu par transparence (R. 139-17)", None),
    ]
    for r in v.regimes:
        rows.append((f"Actif de placement — régime « {_reg(r['regime'])} » ({MODE_FR[r['mode']]})", _e(r["base"]),
                     MONEY))
    rows += [("Actif de placement (total)", _e(v.base), MONEY), ("Total des lignes", _e(v.total), MONEY),
             ("Règles non conformes", counts[BREACH], INTEGER), ("Règles à vérifier", counts[UNKNOWN_S], INTEGER),
             ("Règles conformes", counts[OK], INTEGER), ("Règles sans objet", counts[NA], INTEGER),
             ("Constats : manquements", d.n_findings(BREACH), INTEGER),
             ("Constats : à vérifier", d.n_findings(UNKNOWN_S), INTEGER)]
    for w in v.warnings:
        rows.append(("Avertissement", w, None))
    widths = (50, 80)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    h = HEADER_ROW - 1
    ws.write_string(h, 0, "Élément", b.header_fmt)
    ws.write_string(h, 1, "Valeur", b.header_fmt)
    label_fmt = b.fmt(None, True, bold=True)
    for i, (label, value, num) in enumerate(rows):
        r = h + 1 + i
        n = max(_lines_needed(label, widths[0]), _lines_needed(str(value), widths[1]) if isinstance(value, str) else 1)
        if i == 0:
            ws.set_row(r, 22)
        elif n > 1:
            ws.set_row(r, LINE_HEIGHT * min(n, MAX_LINES) + 2)
        ws.write_string(r, 0, label, label_fmt)
        f = b.fmt(None, False, FILL.get(v.status), bold=True, font_size=12) if i == 0 else b.fmt(num, True,
                                                                                                  align="left")
        b.put(ws, r, 1, value, f, num is None)
    ws.freeze_panes(h + 1, 0)
    b.print_setup(ws, h + len(rows), 1, portrait=True)


def _allocation(b: _Book139):
    cols = [("Régime", 18, None, False), ("Nature", 20, None, False), ("Intitulé", 44, None, True),
            ("Article", 20, None, True), ("Lignes", 9, INTEGER, False), ("Détenu (€)", 20, MONEY, False),
            ("Part", 10, PERCENT, False), ("Vu par transparence (€)", 20, MONEY, False), ("Part vue", 10, PERCENT, False)]
    rows = [[_reg(p.name), r.nature, r.title, r.article, r.lines, _e(r.value), r.share, _e(r.seen), r.seen_share]
            for p in b.data.parts for r in p.natures]
    b.table("allocation", "Allocation par nature (actif de placement de chaque régime)", cols, rows,
            note="Détenu : les lignes telles que détenues ; vu par transparence : OPCVM, fonds mutualisés et "
                 "organismes dédiés remplacés par leurs placements (R. 139-17), OPC monétaires en parts.")


def _caps(b: _Book139):
    cols = [("Régime", 18, None, False), ("Identifiant", 28, None, True), ("Plafond", 46, None, True),
            ("Article", 14, None, False), ("Valeur (€)", 20, MONEY, False), ("Part", 10, PERCENT, False),
            ("Limite", 10, PERCENT, False), ("Sens", 16, None, False), ("Marge (€)", 20, MONEY, False),
            ("Statut", 14, None, False)]
    rows = [[_reg(p.name), c.rule_id, c.title, c.article, _e(c.value), c.share, c.limit,
             "strictement inférieur" if c.strict else "au plus", _e(c.headroom), STATUS_FR[c.status]]
            for p in b.data.parts for c in p.caps]
    ws, under = b.table("caps", "Plafonds des articles R. 139-15, R. 139-41 à R. 139-44 : valeur, limite et marge", cols,
                        rows, status_col=9, note="Marge : ce qui peut encore entrer sous le plafond ; négative : le "
                                                 "dépassement.")
    first = [c for c in b.data.parts[0].caps] if b.data.parts else []
    n = len(first)
    if n:
        name = SHEETS139["caps"]
        bar = b.wb.add_chart({"type": "column"})
        bar.add_series({"name": [name, HEADER_ROW - 1, 5], "categories": _ref(name, HEADER_ROW, 2, HEADER_ROW + n - 1),
                        "values": _ref(name, HEADER_ROW, 5, HEADER_ROW + n - 1), "fill": {"color": "#2F5597"}})
        line = b.wb.add_chart({"type": "line"})
        line.add_series({"name": [name, HEADER_ROW - 1, 6], "categories": _ref(name, HEADER_ROW, 2, HEADER_ROW + n - 1),
                         "values": _ref(name, HEADER_ROW, 6, HEADER_ROW + n - 1), "line": {"none": True},
                         "marker": {"type": "dash", "size": 20, "fill": {"color": "#C00000"},
                                    "border": {"color": "#C00000"}}})
        bar.combine(line)
        bar.set_title({"name": f"{b.data.parts[0].title} : parts et plafonds (trait : plafond)"})
        bar.set_y_axis({"num_format": "0 %", "name": "Part"})
        bar.set_legend({"position": "bottom"})
        b.chart_under(ws, bar, under, cols, width=1000, height=440)


def _entities(b: _Book139):
    cols = [("Régime", 16, None, False), ("Entité", 36, None, True), ("Lignes", 16, None, True),
            ("Via", 30, None, True), ("Dépôts exclus (€)", 20, MONEY, False), ("Part", 9, PERCENT, False),
            ("Dépôts compris (€)", 20, MONEY, False), ("Part dépôts compris", 10, PERCENT, False),
            ("Panier 40 %", 9, None, False), ("Marge sous 10 % (€)", 20, MONEY, False), ("Groupe renseigné", 10, None, False),
            ("Statut", 14, None, False)]
    rows = [[_reg(p.name), e.subject, rows_text(e.rows), _via(e.via), _e(e.without_deposits), e.share_without,
             _e(e.with_deposits), e.share_with, "oui" if e.in_basket else "", _e(e.headroom),
             "oui" if e.grouped else "non", STATUS_FR[e.status]] for p in b.data.parts for e in p.entities]
    notes = []
    for p in b.data.parts:
        f = p.basket
        if f is not None and f.value is not None:
            notes.append(f"{_reg(p.name)} : panier {f.value * 100:.2f} % pour {f.limit * 100:.0f} %".replace(".", ","))
    b.table("entities", "Entités : 5 % dépôts exclus, 10 % dépôts compris dans la limite de 40 % (R. 139-45 I)", cols,
            rows, status_col=11, note="Exposition entière de chaque entité, groupes réunis (RR 6, RR 8) ; "
                                      + " ; ".join(notes))


def _assets(b: _Book139):
    cols = [("Régime", 16, None, False), ("Règle", 26, None, True), ("Objet", 40, None, True),
            ("Lignes", 16, None, True), ("Via", 30, None, True), ("Valeur (€)", 20, MONEY, False),
            ("Part", 10, PERCENT, False), ("Plafond", 10, PERCENT, False), ("Marge (€)", 20, MONEY, False),
            ("Statut", 14, None, False)]
    rows = []
    for p in b.data.parts:
        for fig in (p.buildings, p.sovereigns):
            if fig is None:
                continue
            rows += [[_reg(p.name), fig.rule, g.subject, rows_text(g.rows), _via(g.via), _e(g.euros), g.share,
                      fig.limit, _e(g.headroom), STATUS_FR[g.status]] for g in fig.groups]
    b.table("assets", "Un même actif immobilier (R. 139-45 I 2°) ; titres souverains et assimilés (R. 139-45 II)",
            cols, rows, status_col=9, note="" if rows else "Aucune ligne concernée.")


def _issuers(b: _Book139):
    cols = [("Régime", 16, None, False), ("Titres", 12, None, False), ("Émetteur", 36, None, True),
            ("Lignes", 16, None, True), ("Via", 30, None, True), ("Détenu (€)", 20, MONEY, False),
            ("Émission (€)", 22, MONEY, False), ("Part détenue", 11, PERCENT, False), ("Plafond", 10, PERCENT, False),
            ("Marge (€)", 20, MONEY, False), ("Statut", 14, None, False)]
    rows = []
    for p in b.data.parts:
        for fig, what in ((p.capital, "capital"), (p.debt, "créance")):
            if fig is None:
                continue
            rows += [[_reg(p.name), what, g.subject, rows_text(g.rows), _via(g.via), _e(g.euros), _e(g.of), g.share,
                      fig.limit, _e(g.headroom), STATUS_FR[g.status]] for g in fig.groups]
    b.table("issuers", "Part détenue des titres d'un même émetteur (R. 139-46)", cols, rows, status_col=10,
            note="Émission : valeur / quantité × quantité émise de chaque titre, ou encours de l'émetteur ; vide : "
                 "inconnue (à renseigner).")


def _currencies(b: _Book139):
    cols = [("Régime", 16, None, False), ("Devise", 24, None, False), ("Détenu (€)", 20, MONEY, False),
            ("Contrats (€)", 20, MONEY, False), ("Exposition nette (€)", 20, MONEY, False),
            ("Part de l'actif de placement", 14, PERCENT, False)]
    rows, notes = [], []
    for p in b.data.parts:
        f = p.currency
        if f is None:
            continue
        rows += [[_reg(p.name), g.subject, _e(g.detail.get("held")), _e(g.detail.get("contracts")), _e(g.euros),
                  g.share] for g in f.groups]
        if f.value is not None:
            notes.append(f"{_reg(p.name)} : {f.value * 100:.2f} % (limite : strictement moins de "
                         f"{f.limit * 100:.0f} %)".replace(".", ","))
    b.table("currencies", "Exposition de change (R. 139-44), couvertures compensées dans une même devise", cols, rows,
            note=" ; ".join(notes) or "Actif réalisable en euros.", portrait=True)


def _contracts(b: _Book139):
    cols = [("Régime", 16, None, False), ("Contrepartie", 36, None, True), ("Contrats", 9, INTEGER, False),
            ("Lignes", 16, None, True), ("Via", 30, None, True), ("Expositions brutes (€)", 20, MONEY, False),
            ("Exposition nette (€)", 20, MONEY, False), ("Part", 10, PERCENT, False)]
    rows, notes = [], []
    for p in b.data.parts:
        f = p.contracts
        if f is None:
            continue
        rows += [[_reg(p.name), g.subject, g.detail.get("contracts"), rows_text(g.rows), _via(g.via),
                  _e(g.detail.get("gross")), _e(g.euros), g.share] for g in f.groups]
        if f.value is not None:
            notes.append(f"{_reg(p.name)} : {f.value * 100:.2f} % pour {f.limit * 100:.0f} %".replace(".", ","))
    b.table("contracts", "Contrats financiers compensés par contrepartie (R. 139-43)", cols, rows,
            note=" ; ".join(notes) or "Aucun contrat financier.")


def _funds(b: _Book139):
    cols = [("Régime", 16, None, False), ("Ligne", 8, INTEGER, False), ("Fonds", 36, None, True),
            ("ISIN", 15, None, False), ("Nature", 24, None, True), ("Valeur (€)", 20, MONEY, False),
            ("Inventaire", 24, None, True), ("Source", 40, None, True), ("Valorisé le", 12, DATE, False),
            ("Placements", 11, INTEGER, False), ("Facteur k", 11, FACTOR, False), ("Statut", 14, None, False)]
    rows = []
    for p in b.data.parts:
        for f in p.funds:
            src = f.where if f.kind == "Transparence" else f"{f.kind} {f.source}".strip()
            st = OK if f.state in ("ok", "units") else UNKNOWN_S
            rows.append([_reg(p.name), f.row, f.label, f.isin, nature_title(b.data.version, f.nature), _e(f.value), INVENTORY_FR[f.state], src,
                         f.valuation_date, f.holdings, f.k, STATUS_FR[st]])
    b.table("funds", "Fonds vus par transparence (R. 139-17) : inventaires utilisés", cols, rows, status_col=11,
            note="Facteur k : valeur de la ligne / somme des placements de l'inventaire (R. 139-17, dernier alinéa).")


def _holdings(b: _Book139):
    cols = [("Régime", 16, None, False), ("Fonds (via)", 32, None, True), ("Ligne du fonds", 9, INTEGER, False),
            ("Feuille", 14, None, False), ("Ligne vue", 9, INTEGER, False), ("Placement", 36, None, True),
            ("ISIN", 15, None, False), ("Émetteur", 28, None, True), ("Nature", 16, None, False),
            ("Devise", 8, None, False), ("Valeur inventaire", 20, MONEY, False), ("Valeur × k (€)", 20, MONEY, False),
            ("Constats", 36, None, True)]
    rows = [[_reg(p.name), h.fund, h.fund_row, h.sheet, h.row, h.label, h.isin, h.issuer, h.nature, h.currency,
             _e(h.raw_value), _e(h.value), h.rules] for p in b.data.parts for h in p.holdings]
    b.table("holdings", "Inventaire vu par transparence (R. 139-49) : chaque placement de chaque fonds", cols, rows,
            note="Valeur inventaire : dans la devise de l'inventaire ; valeur × k : ramenée à la valeur de la ligne du "
                 "fonds.")


def _breaches(b: _Book139):
    d = b.data
    cols = [("Régime", 13, None, True), ("Règle", 20, None, True), ("Intitulé", 26, None, True),
            ("Article", 11, None, True), ("Objet", 22, None, True), ("Lignes", 12, None, True),
            ("Via", 18, None, True), ("Action", 7, None, False), ("Montant (€)", 17, MONEY, False),
            ("Premier constat", 11, None, True), ("Échéance", 18, None, True), ("Délai", 10, None, True),
            ("Constat", 48, None, True)]
    rows = []
    for f in d.breaches:
        first, deadline, status = cure_text(f)
        if first == "inconnue":
            deadline = "à établir (feuille « Constats »)"
        rows.append([_reg(getattr(f, "regime", None)), f.rule, d.rule_title(f.rule), f.article, f.subject,
                     rows_text(f.rows, 12), _via(f.via), ACTION_FR.get(f.action, ""), _e(f.amount), first, deadline,
                     status, f.message])
    b.table("breaches", "Manquements, premier constat et échéance de régularisation (R. 139-48, R. 139-39)", cols, rows,
            note="Six mois (R. 139-48 al. 2) ; cinq ans pour un actif immobilier conservé (al. 3) ; trois mois pour un "
                 "contrat (R. 139-39). Date inconnue : la renseigner dans la feuille « Constats » du portefeuille."
            if rows else "Aucun manquement.")


def _unknowns(b: _Book139):
    d = b.data
    cols = [("Régime", 13, None, True), ("Règle", 20, None, True), ("Intitulé", 26, None, True),
            ("Article", 11, None, True), ("Objet", 24, None, True), ("Lignes", 12, None, True),
            ("Via", 18, None, True), ("À renseigner", 30, None, True), ("Constat", 50, None, True)]
    rows = [[_reg(getattr(f, "regime", None)), f.rule, d.rule_title(f.rule), f.article, f.subject, rows_text(f.rows, 12),
             _via(f.via), fill_text(f), f.message] for f in d.unknowns]
    b.table("unknowns", "À vérifier : ce qu'il faut renseigner", cols, rows,
            note="" if rows else "Aucun point à vérifier.")


def _rules(b: _Book139):
    cols = [("Statut", 13, None, False), ("Identifiant", 28, None, True), ("Règle", 34, None, True),
            ("Article", 16, None, True), ("Valeur", 10, PERCENT, False), ("Limite", 10, PERCENT, False),
            ("Montant (€)", 18, MONEY, False), ("Marge (€)", 18, MONEY, False), ("Manquements", 12, INTEGER, False),
            ("À vérifier", 10, INTEGER, False), ("Texte appliqué", 64, None, True)]
    rows = []
    for r in b.data.results:
        has_limit = r.limit is not None
        rows.append([STATUS_FR[r.status], r.spec.id, r.spec.title, r.spec.article, r.value if has_limit else None,
                     r.limit, _e(r.figure) if has_limit else None, _e(r.headroom) if has_limit else None,
                     sum(f.status == BREACH for f in r.findings), sum(f.status == UNKNOWN_S for f in r.findings),
                     f"« {r.spec.quote} »"])
    b.table("rules", "Verdict par règle (les manquements d'abord, puis les points à vérifier)", cols, rows,
            status_col=0, note="Valeur et marge : celles du régime le plus chargé ; le détail par régime est dans la "
                               "feuille « Plafonds ».")


def _readings(b: _Book139):
    cols = [("Lecture", 9, None, False), ("Titre", 36, None, True), ("Texte", 100, None, True),
            ("Règles concernées", 40, None, True)]
    rows = [[r["id"], r["title"], r["text"], ", ".join(r["rules"]) or "toutes"] for r in b.data.readings]
    b.table("readings", "Lectures du texte appliquées (RR 1 à RR 20)", cols, rows)


def _proposal(b: _Book139):
    pr = b.data.proposal
    after = pr.verdict_after
    cols = [("Ligne", 8, INTEGER, False), ("Libellé", 40, None, True), ("Nature", 26, None, True),
            ("Régime", 18, None, False), ("Opération", 16, None, False), ("Montant (€)", 20, MONEY, False),
            ("Avant (€)", 20, MONEY, False), ("Après (€)", 20, MONEY, False)]
    rows = [[t.row, t.label, nature_title(b.data.version, t.nature), _reg(t.regime),
             t.action + (" (en totalité)" if t.whole else ""), _e(t.amount), _e(t.before), _e(t.after)]
            for t in pr.trades]
    verdict = (f"contrôle après opérations : {VERDICT_FR[after.status].lower()}" if after is not None else
               f"verdict : {VERDICT_FR[b.data.verdict.status].lower()}")
    b.table("proposal", "Proposition de réallocation : opérations ligne par ligne", cols, rows,
            note=f"{pr.status_fr[:1].upper() + pr.status_fr[1:]} ({pr.source}) ; {verdict} ; ventes "
                 f"{euros(pr.sold)}, achats {euros(pr.bought)}"
                 + "".join(f" ; {n}" for n in pr.notes) + "".join(f" ; {n}" for n in pr.explanation))
    cols = [("Régime", 18, None, False), ("Identifiant", 28, None, True), ("Plafond", 46, None, True),
            ("Article", 14, None, False), ("Part avant", 10, PERCENT, False), ("Part après", 10, PERCENT, False),
            ("Limite", 10, PERCENT, False), ("Sens", 16, None, False), ("Valeur après (€)", 20, MONEY, False),
            ("Marge après (€)", 20, MONEY, False), ("Statut avant", 14, None, False), ("Statut après", 14, None, False)]
    rows = [[_reg(rp.name), c.rule_id, c.title, c.article, c.share_before, c.share_after, c.limit,
             "strictement inférieur" if c.strict else "au plus", _e(c.value_after), _e(c.headroom_after),
             STATUS_FR[c.status_before], STATUS_FR[c.status_after]] for rp in pr.regimes for c in rp.caps]
    b.table("proposal_caps", "Proposition : plafonds des articles R. 139-41 à R. 139-44 avant et après les opérations",
            cols, rows, status_col=11, note="Marge après : ce qui peut encore entrer sous le plafond après les "
                                            "opérations ; négative : le dépassement restant.")


def _stress(b: _Book139):
    from .r139_stress import key_title, scope_text, shock_text

    s = b.data.stress
    cols = [("Règle", 28, None, True), ("Intitulé", 46, None, True), ("Article", 14, None, False),
            ("Statut avant", 14, None, False), ("Part avant", 10, PERCENT, False), ("Statut après le choc", 14, None, False),
            ("Part après", 10, PERCENT, False), ("Limite", 10, PERCENT, False), ("Valeur après (€)", 20, MONEY, False),
            ("Marge après le choc (€)", 20, MONEY, False), ("Franchie à (part du scénario)", 14, PERCENT, False)]
    rows = [[r.rule_id, r.title, r.article, STATUS_FR[r.status_before], r.value_before, STATUS_FR[r.status_after],
             r.value_after, r.limit, _e(r.figure_after), _e(r.headroom_after), r.first_break] for r in s.rules]
    shocks = ", ".join(f"{key_title(k)} {shock_text(k, a)} ({scope_text(k, b.data.version)})"
                       for k, a in s.scenario.items())
    b.table("stress", "Choc de marché sur le portefeuille vu par transparence, contrôlé à nouveau (R. 139)", cols, rows,
            status_col=5, note=f"Scénario : {shocks} ; actif de placement {euros(s.base_before)} → "
                               f"{euros(s.base_after)} ; marge négative : le dépassement après le choc.")


def write_xlsx139(data: Report139, path) -> None:
    b = _Book139(data, path)
    _summary(b)
    _breaches(b)
    _unknowns(b)
    _allocation(b)
    _caps(b)
    _entities(b)
    _assets(b)
    _issuers(b)
    _currencies(b)
    _contracts(b)
    _funds(b)
    _holdings(b)
    if data.proposal is not None:
        _proposal(b)
    if data.stress is not None:
        _stress(b)
    _rules(b)
    _readings(b)
    b.wb.close()


__all__ = ["write_xlsx139", "SHEETS139"]
