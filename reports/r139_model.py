"""The content of the R. 139 report, from a portfolio and its `Verdict139`.

Every figure comes from the rules of `R139-2019-07-08` as they judged each
régime: their results (value, limit, headroom, findings) and their kinds'
`figures()` (entities, the 5/10/40 basket, issuers' shares, currencies,
counterparties), evaluated on the régime's own context kept by the checker.
Nothing is recomputed here but the description of the portfolio itself
(allocation by `nature`, the funds and their holdings as read). The writers
(`r139_html`, `r139_xlsx`) only lay it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from constraints.rules import BREACH, NA, OK, UNKNOWN_S

from .model import generation_time, text_of

STATUS_ORDER = {BREACH: 0, UNKNOWN_S: 1, OK: 2, NA: 3}
MODE_FR = {"complet": "régime complet", "simplifie": "régime simplifié (R. 139-10)"}
INVENTORY_FR = {"ok": "utilisé", "none": "aucun inventaire", "late": "inventaire trop ancien",
                "future": "inventaire postérieur à la date du portefeuille",
                "undated": "inventaire sans date de valorisation", "units": "parts conservées (OPC monétaire, RR 4)"}
CAP_KINDS = ("r139_share", "r139_fund_share", "r139_contracts", "r139_currency")
CAP_ARTICLES = ("R139-15/", "R139-41/", "R139-42/", "R139-43/", "R139-44/")
TOP = 20


@dataclass
class NatureRow:
    nature: str
    title: str
    article: str
    lines: int
    value: int  # cents, lines as held in the actif de placement
    share: float | None
    seen: int  # cents of the look-through actif of this nature (R. 139-17)
    seen_share: float | None


@dataclass
class CapRow:
    rule_id: str
    title: str
    article: str
    value: int | None  # cents behind the share
    share: float | None
    limit: float | None
    headroom: int | None  # cents left under the cap (negative: the excess)
    status: str
    strict: bool = False  # « inférieure à » (R. 139-44)
    note: str = ""


@dataclass
class EntityRow:
    subject: str
    rows: list
    via: list
    without_deposits: int | None  # cents (R. 139-45 I 1°, dépôts exclus)
    share_without: float | None
    with_deposits: int  # cents (I 3°, dépôts compris)
    share_with: float | None
    in_basket: bool  # above 5 %, dépôts compris: counted in the 40 % (I 3°)
    headroom: int | None  # cents under the 10 % cap (dépôts compris)
    status: str
    grouped: bool


@dataclass
class FundRow:
    position: int
    row: int
    label: str
    nature: str
    isin: str
    value: int
    state: str  # key of INVENTORY_FR
    kind: str  # Transparence | TPT | ""
    source: str
    where: str
    valuation_date: dt.date | None
    holdings: int
    k: float | None  # the rescaling factor (R. 139-17 last paragraph)
    regime: str | None


@dataclass
class HoldingRow:
    fund: str
    fund_row: int
    sheet: str
    row: int
    label: str
    isin: str
    issuer: str
    nature: str
    currency: str
    raw_value: int | None  # cents, as in the inventory
    value: int  # cents, rescaled to the fund line
    rules: str  # ids of the findings that name this look-through row


@dataclass
class RegimePart:
    name: str | None
    mode: str
    base: int
    total: int
    natures: list
    caps: list
    entities: list
    entity_limit: float | None
    entity_deposits_limit: float | None
    basket: object  # Figures of R139-45/cumul-max40
    buildings: object  # Figures of R139-45/immeuble-max10
    sovereigns: object  # Figures of R139-45/souverain-max50
    capital: object  # Figures of R139-46/capital-max5
    debt: object  # Figures of R139-46/creances-max5
    currency: object  # Figures of R139-44/change-max15
    contracts: object  # Figures of R139-43/contrats-max10
    funds: list
    holdings: list
    results: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "Organisme" if self.name is None else f"Régime « {self.name} »"


@dataclass
class Report139:
    pf: object
    verdict: object
    generated_at: dt.datetime
    title: str
    parts: list
    results: list  # RuleResult, breaches first
    findings: list
    readings: list
    annex: bool = True
    holdings_in_pdf: int = 25  # per fund, without --annexe
    stress: object = None  # r139_stress.StressResult139, or None
    proposal: object = None  # r139_proposal.ProposalView139, or None

    @property
    def version(self):
        return self.verdict.version

    @property
    def status(self) -> str:
        return self.verdict.status

    def counts(self) -> dict:
        return {s: sum(r.status == s for r in self.results) for s in (OK, BREACH, UNKNOWN_S, NA)}

    @property
    def breaches(self) -> list:
        return [f for f in self.findings if f.status == BREACH]

    @property
    def unknowns(self) -> list:
        return [f for f in self.findings if f.status == UNKNOWN_S]

    def rule_title(self, rule_id: str) -> str:
        for r in self.results:
            if r.spec.id == rule_id:
                return r.spec.title
        return rule_id

    def n_findings(self, status: str) -> int:
        return sum(f.status == status for f in self.findings)


def _fig(rule, ctx, result):
    return rule.figures(ctx, result, top=TOP)


def natures_of(version, ctx) -> list:
    natures = version.extra.get("natures", {})
    nat = ctx.nature
    out = []
    b = ctx.base
    for key, spec in natures.items():
        m = ctx.P & (nat == key)
        t = ctx.T & (nat == key)
        n = int(m.sum())
        v = int(ctx.value[m].sum()) if n else 0
        s = int(ctx.value[t].sum()) if t.any() else 0
        if not n and not t.any():
            continue
        out.append(NatureRow(key, spec.get("title", key), spec.get("article", ""), n, v, v / b if b > 0 else None, s,
                             s / b if b > 0 else None))
    blind = ctx.T_blind
    if blind.any():  # funds the look-through actif lacks the holdings of: kept apart, not spread over natures
        v = int(ctx.value[blind].sum())
        out.append(NatureRow("", "Fonds sans inventaire utilisable (non vus par transparence)", "R. 139-17",
                             int(blind.sum()), 0, None, v, v / b if b > 0 else None))
    return out


def nature_title(version, key: str) -> str:
    return version.extra.get("natures", {}).get(key, {}).get("title", key)


def caps_of(version, results: dict, mode: str) -> list:
    out = []
    for spec in version.rules:
        if spec.kind not in CAP_KINDS or not spec.id.startswith(CAP_ARTICLES):
            continue
        if mode not in spec.params.get("regime", (mode,)):  # a rule of the other régime (R. 139-10)
            continue
        r = results.get(spec.id)
        if r is None:
            continue
        out.append(CapRow(spec.id, spec.title, spec.article, r.figure, r.value, r.limit if r.limit is not None else
                          (float(spec.limit()) if "limit" in spec.params else None), r.headroom, r.status,
                          strict=bool(spec.params.get("strict")), note=r.note))
    return out


def _entities(rules, ctx, results) -> tuple[list, float | None, float | None]:
    excl = rules.get("R139-45/entite-max5")
    incl = rules.get("R139-45/entite-depots-max10")
    basket = rules.get("R139-45/cumul-max40")
    if excl is None or incl is None:
        return [], None, None
    fe = _fig(excl, ctx, results.get(excl.id))
    fi = _fig(incl, ctx, results.get(incl.id))
    fb = _fig(basket, ctx, results.get(basket.id)) if basket is not None else None
    in_basket = {g.subject for g in (fb.groups if fb is not None else [])}
    by_excl = {g.subject: g for g in fe.groups}
    rows = []
    seen = set()
    for g in fi.groups + [g for g in fe.groups if g.subject not in {x.subject for x in fi.groups}]:
        if g.subject in seen:
            continue
        seen.add(g.subject)
        e = by_excl.get(g.subject)
        with_dep = g.euros if g in fi.groups else (e.detail.get("with_deposits", e.euros) if e else g.euros)
        status = worst_of(g.status if g in fi.groups else OK, e.status if e is not None else OK)
        rows.append(EntityRow(g.subject, sorted(set(g.rows) | set(e.rows if e else [])), list(g.via or []),
                              e.euros if e is not None else None, e.share if e is not None else None, with_dep,
                              with_dep / ctx.base if ctx.base > 0 else None, g.subject in in_basket,
                              g.headroom if g in fi.groups else None, status, bool(g.detail.get("grouped", True))))
    rows.sort(key=lambda r: -r.with_deposits)
    return rows[:TOP] + [r for r in rows[TOP:] if r.in_basket or r.status != OK], fe.limit, fi.limit


def worst_of(*statuses) -> str:
    return min(statuses, key=lambda s: STATUS_ORDER.get(s, 9))


def _funds(pf, ctx, regime) -> tuple[list, list]:
    a = ctx.a
    lines = pf.lines
    inv = pf.inventories if pf.inventories is not None else pd.DataFrame()
    inv_by = {int(r["inventory"]): r for _, r in inv.iterrows()} if len(inv) else {}
    funds = []
    states = dict(ctx.inventory_state)
    # money-market funds (units kept, RR 4) with an inventory read but not used
    for pos in np.flatnonzero(ctx.P & ctx.nat(["monetaire"])).tolist():
        states.setdefault(int(pos), "units")
    for pos, st in sorted(states.items(), key=lambda kv: int(a["row"][kv[0]])):
        li = int(a["line"][pos])
        line = lines.iloc[li]
        k_inv = int(line["inventory"]) if "inventory" in lines and line["inventory"] >= 0 else -1
        r = inv_by.get(k_inv)
        if st == "units" and r is None:
            continue
        lt = pf.lookthrough
        mine = lt[lt["fund_line"] == li] if lt is not None and len(lt) else None
        k = float(mine["k_float"].iloc[0]) if mine is not None and len(mine) else None
        funds.append(FundRow(int(pos), int(a["row"][pos]), text_of(a["label"][pos]), text_of(a["nature"][pos]),
                             text_of(a["isin"][pos]), int(ctx.value[pos]), st, text_of(r["kind"]) if r is not None else "",
                             text_of(r["source"]) if r is not None else "", text_of(r["where"]) if r is not None else "",
                             r["valuation_date"] if r is not None else None,
                             int(len(mine)) if mine is not None else 0, k, regime))
    return funds


def _holdings(pf, funds: list, findings: list) -> list:
    lt = pf.lookthrough
    if lt is None or not len(lt) or not funds:
        return []
    named: dict = {}
    for f in findings:
        for w in getattr(f, "lookthrough_rows", None) or []:
            ids = named.setdefault((w.get("sheet"), int(w.get("row"))), [])
            if f.rule not in ids:
                ids.append(f.rule)
    out = []
    rows_of_fund = {}
    for fr in funds:
        rows_of_fund.setdefault(fr.row, fr)
    line_rows = pf.lines["row"].to_numpy()
    fl = lt["fund_line"].to_numpy(dtype=np.int64)
    keep = np.isin(line_rows[fl], list(rows_of_fund))
    sub = lt[keep]
    cols = {c: sub[c].tolist() for c in ("via", "sheet", "row", "label", "isin", "issuer", "nature", "currency",
                                         "raw_value", "value")}
    frows = line_rows[fl[keep]].tolist()
    for i in range(len(sub)):
        sheet = text_of(cols["sheet"][i]) or "Transparence"
        row = int(cols["row"][i])
        raw = cols["raw_value"][i]
        out.append(HoldingRow(text_of(cols["via"][i]), int(frows[i]), sheet, row, text_of(cols["label"][i]),
                              text_of(cols["isin"][i]), text_of(cols["issuer"][i]), text_of(cols["nature"][i]),
                              text_of(cols["currency"][i]), None if raw is None or raw != raw else int(raw),
                              int(cols["value"][i]), ", ".join(named.get((sheet, row), []))))
    out.sort(key=lambda h: (h.fund_row, -h.value))
    return out


def build_report139(pf, verdict, *, generated_at: dt.datetime | None = None,
                    title: str = "Rapport sur les placements des réserves") -> Report139:
    from constraints.r139.checker import rules_of

    version = verdict.version
    rules = {r.id: r for r in rules_of(version)}
    parts = []
    for name, ctx, results in verdict.parts:
        info = next((r for r in verdict.regimes if r["regime"] == name), {"mode": "complet", "base": ctx.base,
                                                                           "total": 0})
        entities, lim5, lim10 = _entities(rules, ctx, results)

        def fig(rid):
            rule = rules.get(rid)
            return _fig(rule, ctx, results.get(rid)) if rule is not None and rid in results else None

        funds = _funds(pf, ctx, name)
        part_findings = [f for r in results.values() for f in r.findings]
        parts.append(RegimePart(name, info["mode"], ctx.base, info["total"], natures_of(version, ctx),
                                caps_of(version, results, info["mode"]), entities, lim5, lim10, fig("R139-45/cumul-max40"),
                                fig("R139-45/immeuble-max10"), fig("R139-45/souverain-max50"),
                                fig("R139-46/capital-max5"), fig("R139-46/creances-max5"),
                                fig("R139-44/change-max15"), fig("R139-43/contrats-max10"), funds,
                                _holdings(pf, funds, part_findings), results=results))
    from constraints.r139.readings import all_readings

    evaluated = {r.spec.id for r in verdict.results if r.status != NA}
    readings = [r for r in all_readings() if not r["rules"] or evaluated.intersection(r["rules"])]
    results = sorted(verdict.results, key=lambda r: STATUS_ORDER[r.status])
    return Report139(pf=pf, verdict=verdict, generated_at=generation_time(generated_at), title=title, parts=parts,
                     results=results, findings=verdict.findings, readings=readings)


def cure_text(f) -> tuple[str, str, str]:
    """(first observed, deadline, status) of a breach, in French (R. 139-48)."""
    if getattr(f, "first_observed", None):
        first = dt.date.fromisoformat(f.first_observed).strftime("%d/%m/%Y")
        dl = dt.date.fromisoformat(f.deadline).strftime("%d/%m/%Y") if f.deadline else "—"
        return first, f"{dl} ({f.cure})" if f.cure else dl, f.cure_status or ""
    if str(f.rule).startswith("R139-48/"):
        return "—", "—", ""
    return "inconnue", "à établir", "à vérifier"


def fill_text(f, column_name=None) -> str:
    """What to fill for a point to check: the columns, or the inventory, or the `Constats` sheet."""
    cols = list(getattr(f, "columns", None) or [])
    if str(f.rule).startswith("R139-48/"):
        return "feuille « Constats » : regle, sujet, premier_constat (et cause)"
    if "transparence" in f.message.lower() and ("inventaire" in f.message.lower()) and not cols:
        return "inventaire du fonds daté de 92 jours au plus : feuille « Transparence » ou fichier TPT (--transparence)"
    if cols:
        return ", ".join(f"« {c} »" for c in cols)
    return "voir le constat"


__all__ = ["Report139", "RegimePart", "build_report139", "caps_of", "natures_of", "cure_text", "fill_text", "nature_title", "INVENTORY_FR",
           "MODE_FR"]
