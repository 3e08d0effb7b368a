"""One situation, four consumers, for the rules of R. 139 (`R139-2019-07-08`): the checker, the pre-trade engine
after orders, the optimizer's rows at its solution and the report's figures say the same of one rule (the helper
of the `test_agree139_*` modules, as `agreement.py` is for R. 623).

A situation is a few lines of the `Portefeuille` sheet (`line`, French headers, every condition of its nature met
unless the case says otherwise) and, where look-through matters, the inventories of its funds (`Transparence`
sheet), written into the product's own R. 139 template (`reserves template --version R139`) and read back by the
reader, as a user's file is. `Situation(lines, orders, funds=...)` is the portfolio before `orders`;
`agree139(rule_id, situation, expect=...)`:

1. the checker: a full check of the portfolio after the orders — written as a file of its own, the orders made by
   this module (value moved by the amount, quantity pro rata, a line sold entirely left out, a new line at the
   end), not by the engine — gives the expected status; the value and limit when the case gives them;
2. the pre-trade engine (`Engine139`) on the portfolio before the orders, once it has made them, gives the same
   result for the rule: status, value, limit, headroom, euros, and each finding (subject, status, amount, euros,
   the lines it names, the fund it came through);
3. the report (`reports.r139_model`, what the PDF, HTML and workbook lay out): its cap row, its entity table,
   its groups or its findings for the rule are the checker's value, limit, headroom and status;
4. the optimizer (`rebalance139`, no purchase cap: the rule alone) on a breach: its proposal, checked again by
   the checker from the proposed portfolio, keeps the rule; the kind's rows (`linear_form`) at the proposed values
   hold, and at the portfolio in breach they are broken (for line conditions, which have no rows, the lines in
   breach are sold).

`Agreed` keeps what each step saw, for the module's own assertions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from constraints import rulebook
from constraints.r139.base import ContractRows
from constraints.r139.checker import check, rules_of
from constraints.r139.entities import BasketBlock
from constraints.r139.inputs import from_portfolio, read_constats
from constraints.rules import BREACH, NA, OK, UNKNOWN_S

DATE = dt.date(2025, 12, 31)
VALUATION = dt.date(2025, 12, 15)
TOL = 0.015  # euros: the proposal's trades are rounded to cents
HALF_CENT = 0.005
# the kinds whose rows, at a proposal, are the checker's figures (caps in euros, sums of absolute values,
# quantities against an issue, the basket)
FIGURE_KINDS = ("r139_share", "r139_entity", "r139_contracts", "r139_currency", "r139_issuer_share")

_ISSUE = {"quantite": 1, "quantite_emise": 1_000_000_000}  # a billionth of the issue: far below R. 139-46's 5 %
DEFAULTS = {
    "action": {**_ISSUE, "emetteur": "Air Liquide", "groupe": "AIRLIQUIDE", "cotation": "eee", "pays": "FR",
               "type_emetteur": "autre", "conservation": "oui"},
    "acces_capital": {**_ISSUE, "emetteur": "Schneider Electric", "groupe": "SCHNEIDER", "cotation": "eee",
                      "pays": "FR", "type_emetteur": "autre", "conservation": "oui"},
    "tcn": {**_ISSUE, "emetteur": "Crédit Agricole", "groupe": "CASA", "cotation": "eee", "pays": "FR",
            "type_emetteur": "etablissement_credit", "conservation": "oui"},
    "obligation": {**_ISSUE, "emetteur": "TotalEnergies", "groupe": "TOTAL", "cotation": "eee", "pays": "FR",
                   "type_emetteur": "autre", "conservation": "oui"},
    "titre_etat": {**_ISSUE, "emetteur": "République française", "cotation": "eee", "pays": "FR",
                   "type_emetteur": "etat", "conservation": "oui"},
    "titre_participatif": {**_ISSUE, "emetteur": "Renault", "groupe": "RENAULT", "cotation": "eee", "pays": "FR",
                           "type_emetteur": "autre", "conservation": "oui"},
    "depot": {"emetteur": "La Banque Postale", "groupe": "LBP", "pays": "FR", "type_emetteur": "etablissement_credit",
              "remboursable": "oui", "remuneration": "fixe", "au_nom_organisme": "oui"},
    "droit_immobilier": {"immeuble": "IMM-PARIS-1", "pays": "FR", "actes_en_france": "oui",
                         "detention_integrale": "oui"},
    "societe_immobiliere": {"emetteur": "SAS Bureaux Lyon", "groupe": "SAS Bureaux Lyon", "immeuble": "SAS-LYON",
                            "pays": "FR", "objet_immobilier": "oui", "marchand_de_biens": "non",
                            "forme_juridique": "SAS", "conservation": "oui", "actes_en_france": "oui",
                            "detention_integrale": "oui", "capital_ou_creance": "capital", **_ISSUE},
    "opci": {"emetteur": "OPCI Pierre", "immeuble": "OPCI-1", "pays": "FR", "opci_r214_120": "non",
             "conservation": "oui", "fonds_conforme": "oui"},
    "opcvm": {"emetteur": "Amundi OPCVM", "fonds_conforme": "oui", "part_titres_eligibles": 0.95,
              "depassement_potentiel": 0.05, "conservation": "oui"},
    "monetaire": {"emetteur": "Monétaire Euro", "groupe": "MONETAIRE", "fonds_conforme": "oui", "conservation": "oui"},
    "fonds_mutualise": {"emetteur": "FM Dette privée", "fonds_conforme": "oui", "part_titres_eligibles": 0.60,
                        "depassement_potentiel": 0.05, "conservation": "oui"},
    "organisme_dedie": {"emetteur": "Dédié Taux", "fonds_conforme": "oui", "conservation": "oui"},
    "contrat_financier": {"type_contrat": "future", "cotation": "eee", "contrepartie": "LCH SA", "couverture": "oui",
                          "sous_jacent_detenu": "oui", "type_sous_jacent": "taux", "echeance": dt.date(2026, 3, 20)},
    "autre_fm": {"emetteur": "Prêt PME", "groupe": "PME"},
}
STATES = [("République française", "FR"), ("République fédérale d'Allemagne", "DE"), ("Royaume des Pays-Bas", "NL"),
          ("République d'Autriche", "AT")]


def line(nature: str, euros, libelle: str, **cols) -> dict:
    """One line (or one holding of a fund's inventory) meeting every condition of its nature; `cols` override."""
    row = {"libelle": libelle, "nature": nature, "valeur": Decimal(str(euros)), "devise": "EUR"}
    row.update(DEFAULTS.get(nature, {}))
    row.update(cols)
    return {k: v for k, v in row.items() if v is not None}


held = line


def states(euros, n_max: int = 4, **cols) -> list[dict]:
    """Government bonds of EEA states (R. 139-45 II) for `euros`, at most a quarter each... of the total given: the
    ballast that makes the actif de placement a round figure without touching the rule under test."""
    euros = Decimal(str(euros))
    n = n_max
    part = (euros / n).quantize(Decimal("0.01"))
    out = []
    for k in range(n):
        name, country = STATES[k]
        v = part if k < n - 1 else euros - part * (n - 1)
        out.append(line("titre_etat", v, f"Obligation souveraine {country}", emetteur=name, pays=country, **cols))
    return out


@dataclass
class Situation:
    lines: list
    orders: list = field(default_factory=list)
    funds: dict = field(default_factory=dict)  # fund label -> holdings (its `Transparence` rows)
    simplified: bool = False
    constats: list = field(default_factory=list)  # rows of the `Constats` sheet (R. 139-48: first observations)
    tpt: list = field(default_factory=list)  # rows of a TPT file (`casebook_r139.tpt_row`) given with --transparence


# --------------------------------------------------------------------------- files written with the template


def _cell(v):
    if isinstance(v, (Fraction, Decimal)):
        return float(v)
    return v


def write(path: Path, lines: list, funds: dict | None = None, constats: list | None = None) -> Path:
    """The portfolio as a workbook of the product's R. 139 template: `Portefeuille` (every line), `Transparence`
    (each fund's inventory, valued on 15/12/2025) and, when given, `Constats` (SPEC-R139 §4)."""
    from reserves.app.template139 import build_workbook

    wb = build_workbook()
    ws = wb["Portefeuille"]
    head = [c.value for c in ws[1]]
    for r in lines:
        unknown = set(r) - set(head)
        assert not unknown, unknown
        ws.append([_cell(r.get(h)) for h in head])
    held_labels = {r["libelle"] for r in lines}
    lt = wb["Transparence"]
    lhead = [c.value for c in lt[1]]
    for fund, holdings in (funds or {}).items():
        if fund not in held_labels:
            continue
        for h in holdings:
            row = {"fonds": fund, "date_valorisation": VALUATION, **h}
            unknown = set(row) - set(lhead)
            assert not unknown, unknown
            lt.append([_cell(row.get(x)) for x in lhead])
    if constats:
        ws = wb.create_sheet("Constats")
        head = ["regle", "sujet", "premier_constat", "cause"]
        ws.append(head)
        for c in constats:
            ws.append([c.get(h) for h in head])
    wb.save(path)
    return path


def applied(lines: list, orders: list) -> list:
    """The lines once the orders are made, written apart from the engine: value moved by the amount, quantity pro
    rata; a line sold entirely left out; a new line at the end with the order's columns."""
    out = [dict(r) for r in lines]
    for o in orders:
        hit = [r for r in out if r["libelle"] == o["libelle"]]
        if hit:
            r = hit[0]
            old = Fraction(str(r["valeur"]))
            new = old + Fraction(str(o["montant"]))
            if "quantite" in r and old:
                q = Fraction(str(r["quantite"])) * new / old
                r["quantite"] = Decimal(q.numerator) / Decimal(q.denominator)
            r["valeur"] = Decimal(new.numerator) / Decimal(new.denominator)
            if new == 0:
                out.remove(r)
        else:
            out.append({"valeur": o["montant"], **{k: v for k, v in o.items() if k != "montant"}})
    return out


def load(path: Path, tpt: Path | None = None):
    from reserves.portfolio.model139 import load as load139

    return load139(str(path), as_of=DATE, transparence=[str(tpt)] if tpt else ())


def version():
    return rulebook.for_date(DATE)


def full_check(pf, path=None, simplified=False):
    return check(from_portfolio(pf, None if path is None else str(path)), version(), as_of=DATE,
                 simplified=simplified)


# --------------------------------------------------------------------------- comparing


def _labels(pf) -> dict:
    return {int(r): str(lab) for r, lab in zip(pf.lines["row"], pf.lines["label"])}


def summary(res, pf) -> dict:
    """A rule's result with its rows named by their lines' labels (a file written after the orders numbers its
    rows again; the engine keeps the rows of the file it read)."""
    name = _labels(pf)
    fs = sorted((f.subject, f.status, f.amount, f.euros, tuple(sorted(name.get(int(r), str(r)) for r in f.rows)),
                 str(f.via)) for f in res.findings)
    return {"status": res.status, "value": res.value, "limit": res.limit, "headroom": res.headroom,
            "euros": res.figure, "findings": fs}


def rows_broken(block, x: np.ndarray, tol: float = TOL) -> bool:
    """The rows of one block broken at the item values `x` (euros) by more than `tol` euros, as the optimizer
    states them (a basket: the entities above their 5 % together above the 40 %)."""
    lhs, rhs = block.value_at(x)
    if isinstance(block, BasketBlock):
        over = lhs > rhs + tol
        base = float(x[block.base].sum()) if block.base is not None else 0.0
        return bool(lhs[over].sum() > float(block.basket) * base + tol)
    if block.sense == "<=":
        return bool((lhs > rhs + tol).any())
    return bool((lhs < rhs - tol).any())


def linear_rows(rule, verdict) -> list:
    """(Ctx, blocks) of each régime of the verdict for `rule`: the kind's rows, over the items as checked."""
    from optimizer.r139 import blocks_of

    out = []
    for _name, ctx, _results in verdict.parts:
        out.append((ctx, blocks_of(rule.linear_form(ctx))))
    return out


def any_broken(rule, verdict, tol: float = TOL) -> bool | None:
    """Whether a row of the kind is broken at the verdict's item values (by more than `tol` euros); None when the
    kind has no rows."""
    seen = False
    broken = False
    for ctx, blocks in linear_rows(rule, verdict):
        x = ctx.value.astype(float) / 100
        for b in blocks:
            seen = True
            broken = broken or rows_broken(b, x, tol)
    return broken if seen else None


def report_agrees(rule_id: str, pf, verdict) -> dict:
    """The report's rows for the rule are the checker's result; returns what the report showed."""
    from reports.r139_model import build_report139

    rep = build_report139(pf, verdict)
    res = verdict.result(rule_id)
    shown: dict = {"result": None, "cap": None, "entities": None, "figures": None}
    row = next(r for r in rep.results if r.spec.id == rule_id)
    assert (row.status, row.value, row.limit, row.headroom, row.figure) == (
        res.status, res.value, res.limit, res.headroom, res.figure)
    shown["result"] = row
    names = {f.subject for f in rep.findings if f.rule == rule_id}
    assert names == {f.subject for f in res.findings}
    rules = {r.id: r for r in rules_of(verdict.version)}
    for part in rep.parts:
        pres = part.results.get(rule_id)
        if pres is None:
            continue
        cap = next((c for c in part.caps if c.rule_id == rule_id), None)
        if cap is not None:
            assert (cap.value, cap.share, cap.headroom, cap.status) == (pres.figure, pres.value, pres.headroom,
                                                                      pres.status), (rule_id, cap)
            if pres.limit is not None:
                assert cap.limit == pres.limit
            shown["cap"] = cap
        fig = rules[rule_id].figures(next(c for n, c, _ in verdict.parts if n == part.name), pres, top=20)
        assert (fig.value, fig.limit, fig.headroom, fig.euros) == (pres.value, pres.limit, pres.headroom,
                                                                  pres.figure), (rule_id, fig)
        shown["figures"] = fig
        for attr, rid in (("basket", "R139-45/cumul-max40"), ("buildings", "R139-45/immeuble-max10"),
                          ("sovereigns", "R139-45/souverain-max50"), ("capital", "R139-46/capital-max5"),
                          ("debt", "R139-46/creances-max5"), ("currency", "R139-44/change-max15"),
                          ("contracts", "R139-43/contrats-max10")):
            if rid == rule_id and pres.status != NA:
                f2 = getattr(part, attr)
                assert (f2.value, f2.limit, f2.headroom, f2.euros) == (pres.value, pres.limit, pres.headroom,
                                                                      pres.figure), (rule_id, attr)
                _groups_hold_findings(f2, pres)
        if rule_id in ("R139-45/entite-max5", "R139-45/entite-depots-max10") and pres.status != NA:
            shown["entities"] = part.entities
            lim = part.entity_limit if rule_id.endswith("max5") else part.entity_deposits_limit
            assert lim == pres.limit
            for f in pres.findings:
                if f.status != BREACH:
                    continue
                ent = next((e for e in part.entities if e.subject == f.subject), None)
                assert ent is not None and ent.status == BREACH, (rule_id, f.subject)
                got = ent.without_deposits if rule_id.endswith("max5") else ent.with_deposits
                assert got == f.euros, (rule_id, f.subject, got, f.euros)
    shown["html"] = _html_agrees(rule_id, rep, res)
    return shown


def _cli_agrees(rule_id: str, path: Path, verdict, simplified: bool, tpt: Path | None = None) -> None:
    """`reserves check FILE --json --date 2025-12-31` (SPEC §3): its exit code, its entry for the rule and the
    rule's findings are the checker's."""
    import json

    from helpers import run_cli

    args = ["check", str(path), "--json", "--date", DATE.isoformat()] + (["--regime-simplifie"] if simplified else [])
    args += ["--transparence", str(tpt)] if tpt else []
    p = run_cli(*args, dated=False, timeout=120)
    assert "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    assert p.returncode == verdict.exit_code and doc["status"] == verdict.status, (p.returncode, doc["status"])
    (entry,) = [r for r in doc["rules"] if r["id"] == rule_id]
    want = verdict.result(rule_id).to_dict(verdict.version)
    assert entry == json.loads(json.dumps(want)), (rule_id, entry, want)
    got = [f for f in doc["findings"] if f["rule"] == rule_id]
    mine = json.loads(json.dumps([f.to_dict() for f in verdict.findings if f.rule == rule_id], default=str))
    assert got == mine, (rule_id, got, mine)


def _xlsx_agrees(rule_id: str, pf, verdict, path: Path) -> None:
    """The workbook report (`reserves report --format xlsx`), read back: its row of the rule in the table of the
    rules has the checker's status, value, limit, euros and headroom."""
    import openpyxl

    from reports.r139_model import build_report139
    from reports.r139_xlsx import write_xlsx139
    from reserves.portfolio.fmt import STATUS_FR

    write_xlsx139(build_report139(pf, verdict), path)
    res = verdict.result(rule_id)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            if len(row) >= 8 and row[1] == rule_id and row[0] in STATUS_FR.values():
                found.append(row)
    assert len(found) == 1, (rule_id, found)
    row = found[0]
    assert row[0] == STATUS_FR[res.status], (rule_id, row)
    if res.limit is not None:
        cents = [None if v is None else round(float(v) * 100) for v in row[6:8]]
        assert cents == [res.figure, res.headroom], (rule_id, row[6:8], res.figure, res.headroom)
        # shares as the workbook stores a number (Excel keeps 15 significant digits)
        assert abs(row[4] - res.value) <= 1e-14 and row[5] == res.limit, (rule_id, row[4:6], res.value, res.limit)


def _text(html: str) -> str:
    import html as H
    import re

    return re.sub(r"\s+", " ", H.unescape(re.sub(r"<[^>]+>", " ", html))).replace("\u00a0", " ").replace(
        "\u202f", " ").strip()


def _pct(x, limit=None) -> str:
    """A share in French, two decimals; beside its limit, as many more (up to ten) as it takes not to show a share
    that is not the limit as the limit."""
    d = 2
    if limit is not None and float(x) != float(limit):
        while d < 10 and f"{Decimal(repr(float(x))) * 100:.{d}f}" == f"{Decimal(repr(float(limit))) * 100:.{d}f}":
            d += 1
    return f"{Decimal(repr(float(x))) * 100:.{d}f}".replace(".", ",") + " %"


def _html_agrees(rule_id: str, rep, res) -> str:
    """The HTML report (what its PDF prints) shows, in its table of the rules, the checker's status, value and
    limit with the sense the rulebook gives it (« ≥ » a floor, « < » a strict cap, « ≤ » a cap); in its table of
    the caps, the euros, the share, the limit and the headroom."""
    import re

    from reports.r139_html import render_html139
    from reserves.portfolio.fmt import STATUS_FR

    html = render_html139(rep)
    spec = res.spec
    rules = html[html.index('id="regles"'):]
    rows = [_text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", rules, re.S)]
    row = next((r for r in rows if rule_id in r.replace(" / ", "/").replace(" /", "/")), None)
    assert row is not None, (rule_id, "not in the report's table of the rules")
    assert row.startswith(STATUS_FR[res.status]), (rule_id, row[:40], res.status)
    if res.value is not None and res.limit is not None:
        sign = "≥" if spec.params.get("sense") == "min" else "<" if spec.params.get("strict") else "≤"
        shown = f"{_pct(res.value, res.limit)} {sign} {_pct(res.limit)}"
        assert shown in row, (rule_id, shown, row[-80:])
    caps = [c for p in rep.parts for c in p.caps if c.rule_id == rule_id and c.share is not None]
    for c in caps:
        table = html[html.index("Plafonds : valeur, limite et marge"):]
        crow = next(_text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
                    if rule_id in _text(r).replace(" / ", "/").replace(" /", "/"))
        sign = "<" if spec.params.get("strict") else "≤"
        assert f"{_pct(c.share, c.limit)} {sign} {_pct(c.limit)}" in crow, (rule_id, crow)
        if c.headroom is not None:  # (R. 139-42 is a share of each fund: no euros of its own)
            head = _money(-c.headroom) if c.headroom < 0 else _money(c.headroom)
            assert head in crow and (("dépassement" in crow) == (c.headroom < 0)), (rule_id, head, crow)
        if c.value is not None:
            assert _money(c.value) in crow, (rule_id, _money(c.value), crow)
    return row


def _money(cents: int) -> str:
    """French euros with cents, thousands grouped by spaces."""
    sign = "-" if cents < 0 else ""
    e, c = divmod(abs(int(cents)), 100)
    return f"{sign}{e:,}".replace(",", " ") + f",{c:02d} €"


def _groups_hold_findings(fig, res) -> None:
    """A group in breach in the checker's findings is a group of the figures, in breach, with its euros."""
    by = {g.subject: g for g in fig.groups}
    for f in res.findings:
        if f.status != BREACH or f.subject not in by:
            continue
        g = by[f.subject]
        assert g.status == BREACH, (res.spec.id, f.subject, g.status)
        if f.euros is not None:
            assert g.euros == f.euros, (res.spec.id, f.subject, g.euros, f.euros)


@dataclass
class Agreed:
    before: object  # verdict of the file before the orders
    after: object  # full check of the file after the orders
    engine: object  # the engine's verdict after the orders
    pf_after: object
    result: object  # the checker's result of the rule after the orders
    report: dict
    proposal: object = None
    rechecked: object = None
    rows_are_figures: bool = False  # a single-row cap: its sides at the proposal are the checker's euros and limit


_SOLVED: dict = {}


def agree139(rule_id: str, sit: Situation, *, expect: str, tmp: Path, value=None, limit=None,
             optimize: bool = True, rows: bool = True, also=(), cli: bool = False) -> Agreed:
    """The four consumers on the situation (see the module's docstring); `value`, `limit`: the rule's figures the
    checker must give after the orders (a share, compared exactly as a Fraction of cents when given as one);
    `also`: the other rules the situation breaks with it (none unless the text ties them); `cli`: the checker is
    also run as the user runs it, `reserves check FILE --json` in a child process, on the file after the orders,
    and says the same (the rule's entry and its findings)."""
    from reserves.pretrade.r139 import Engine139, orders_from_records139

    tmp.mkdir(parents=True, exist_ok=True)
    tpt = None
    if sit.tpt:
        from casebook_r139 import write_tpt

        tpt = write_tpt(tmp / "tpt.xlsx", [list(r) for r in sit.tpt])
    before_path = write(tmp / "avant.xlsx", sit.lines, sit.funds, sit.constats)
    pf0 = load(before_path, tpt)
    before = full_check(pf0, before_path, sit.simplified)
    after_lines = applied(sit.lines, sit.orders)
    after_path = write(tmp / "apres.xlsx", after_lines, sit.funds, sit.constats) if sit.orders else before_path
    pf1 = load(after_path, tpt) if sit.orders else pf0
    after = full_check(pf1, after_path, sit.simplified) if sit.orders else before
    res = after.result(rule_id)

    # 1. the checker
    assert res.status == expect, (rule_id, res.status, [(f.status, f.subject, f.message) for f in res.findings])
    if value is not None:
        assert res.value is not None
        if isinstance(value, Fraction):
            base = next((c.base for _n, c, rs in after.parts if rs[rule_id].value == res.value), after.base)
            exact = Fraction(res.figure, base) if res.figure is not None and rule_id.startswith(
                ("R139-15/", "R139-41/", "R139-43/", "R139-44/", "R139-45/")) else None
            assert (exact if exact is not None else Fraction(res.value).limit_denominator(10**12)) == value, (
                rule_id, res.value, value)
            assert res.value == float(value), (rule_id, res.value, float(value))
        else:
            assert res.value == value, (rule_id, res.value, value)
    if limit is not None:
        assert res.limit == limit, (rule_id, res.limit, limit)
    if expect == BREACH:
        assert any(f.status == BREACH for f in res.findings)
    if cli:
        _cli_agrees(rule_id, after_path, after, sit.simplified, tpt)
        _xlsx_agrees(rule_id, pf1, after, tmp / "rapport.xlsx")
    others = sorted(r.spec.id for r in after.results if r.status == BREACH and r.spec.id != rule_id)
    assert others == sorted(also), (rule_id, "the situation breaks other rules", others)

    # 2. the engine after the orders
    engine = Engine139(pf0, as_of=DATE, simplified=sit.simplified, observations=read_constats(str(before_path)))
    if sit.orders:
        engine.apply_all(orders_from_records139([{k: _cell(v) for k, v in o.items()} for o in sit.orders]))
    ev = engine.verdict()
    assert summary(ev.result(rule_id), engine.portfolio()) == summary(res, pf1), rule_id
    assert ev.base == after.base

    # 3. the report
    shown = report_agrees(rule_id, pf1, after)
    agreed = Agreed(before, after, ev, pf1, res, shown)

    # 4. the optimizer
    rule = next(r for r in rules_of(after.version) if r.id == rule_id)
    if rows:  # a breach may be one cent: the rows at the portfolio in breach are read to the half cent
        broken = any_broken(rule, after, HALF_CENT)
        if broken is not None:
            if expect == BREACH:
                assert broken, (rule_id, "a breach the rows do not see")
            elif expect == OK:
                assert not broken, (rule_id, "rows broken where the checker finds the rule kept")
    if optimize and expect == BREACH:
        from optimizer.r139 import rebalance139

        p = rebalance139(pf1, after.version, as_of=DATE, path=str(after_path), buy_cap=None, explain=False,
                         simplified=sit.simplified)
        assert p.status in ("optimal", "unknown"), (rule_id, p.status, p.explanation, p.notes)
        again = full_check(p.portfolio, None, sit.simplified)
        r2 = again.result(rule_id)
        assert r2.status in (OK, NA), (rule_id, r2.status, [f.message for f in r2.findings])
        assert summary(r2, p.portfolio) == summary(p.after.result(rule_id), p.portfolio)
        assert r2.status == OK or r2.status == NA
        if rows:
            broken = any_broken(rule, again)
            assert broken in (None, False), (rule_id, "rows broken at the proposal")
            if broken is None:  # a line condition: no row, the lines in breach are sold (or reduced to nothing)
                name = _labels(pf1)
                bad = {name[int(r)] for f in res.findings if f.status == BREACH for r in f.rows}
                left = {str(lab): int(v) for lab, v in zip(p.portfolio.lines["label"], p.portfolio.lines["value"])}
                assert bad and all(left.get(lab, 0) == 0 for lab in bad), (rule_id, bad, left)
            parts = {name: results[rule_id] for name, _ctx, results in again.parts}
            agreed.rows_are_figures = any([_rows_are_the_figures(rule_id, blocks, ctx, parts[ctx.regime])
                                           for ctx, blocks in linear_rows(rule, again)])
        agreed.proposal, agreed.rechecked = p, again
        if rows and rule.kind in FIGURE_KINDS and r2.status == OK:
            assert agreed.rows_are_figures, (rule_id, "rows at the proposal that are not the checker's figures")
    return agreed


def _rows_are_the_figures(rule_id, blocks, ctx, res) -> bool:
    """At the proposal, the kind's rows say the checker's figures: a cap in euros (R. 139-15, 41, 45) has its
    largest row equal to the euros behind the value and that row's right-hand side the limit times the actif de
    placement; a sum of absolute values (R. 139-43's counterparties, R. 139-44's currencies) is those euros; a cap
    on quantities (R. 139-46) has its largest row, over its right-hand side, at value / limit. False when the
    kind's rows are of none of these forms (the basket, line conditions)."""
    if res.status != OK or res.value is None or res.limit is None:
        return False
    x = ctx.value.astype(float) / 100
    basket = [b for b in blocks if isinstance(b, BasketBlock)]
    if rule_id == "R139-45/cumul-max40" and len(basket) == 1:  # the entities above their 5 %, together
        b = basket[0]
        lhs, rhs = b.value_at(x)
        base = float(x[b.base].sum())
        assert abs(lhs[lhs > rhs + HALF_CENT].sum() - res.figure / 100) <= TOL, (rule_id, lhs, res.figure / 100)
        assert abs(float(b.basket) * base - res.limit * ctx.base / 100) <= TOL, (rule_id, base, ctx.base / 100)
        return True
    rows = [b for b in blocks if not isinstance(b, BasketBlock)]
    if len(rows) != 1:
        return False
    b = rows[0]
    lhs, rhs = b.value_at(x)
    k = int(np.argmax(lhs))
    if b.share == 0 and b.base is None:  # quantities against the issue: lhs / rhs is value / limit
        assert abs(lhs[k] / rhs[k] * res.limit - res.value) <= 1e-9, (rule_id, b.subjects[k], lhs[k], rhs[k], res.value)
        return True
    assert res.figure is not None, rule_id
    assert abs(lhs[k] - res.figure / 100) <= TOL, (rule_id, b.subjects[k], lhs[k], res.figure / 100)
    assert abs(rhs[k] - res.limit * ctx.base / 100) <= TOL, (rule_id, rhs[k], res.limit * ctx.base / 100)
    return True


B = 10_000_000  # euros: the actif de placement of a situation before its orders


def bought(nature: str, label: str, euros=200_000, *, keep=(), base=B, simplified=False, **cols) -> Situation:
    """`keep` lines and government bonds making `base` euros, then one order buying `euros` of a new line of
    `nature` (its columns: the nature's, `cols` overriding)."""
    new = line(nature, euros, label, **cols)
    order = {"montant": new.pop("valeur"), **new}
    used = sum(Decimal(str(r["valeur"])) for r in keep if r["nature"] != "contrat_financier")
    return Situation([*keep, *states(Decimal(base) - used)], [order], simplified=simplified)


def sold_out(bad: dict, *, keep=(), base=B, simplified=False, funds=None) -> Situation:
    """The line `bad` held with government bonds making `base` euros, and one order selling it entirely: the
    rule is cured by the orders."""
    used = sum(Decimal(str(r["valeur"])) for r in (bad, *keep) if r["nature"] != "contrat_financier")
    return Situation([bad, *keep, *states(Decimal(base) - used)],
                     [{"libelle": bad["libelle"], "montant": -Decimal(str(bad["valeur"]))}], funds=funds or {},
                     simplified=simplified)


def with_states(*lines, base=B, funds=None, orders=(), simplified=False, constats=()) -> Situation:
    """`lines` with government bonds making the actif de placement `base` euros before `orders`."""
    used = sum(Decimal(str(r["valeur"])) + Decimal(str(r.get("coupon_couru") or 0)) for r in lines
               if r["nature"] != "contrat_financier" and r.get("poche", "placement") == "placement")
    return Situation([*lines, *states(Decimal(base) - used)], list(orders), funds=funds or {}, simplified=simplified,
                     constats=list(constats))
