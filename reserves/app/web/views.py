"""What the templates show: French labels, figures and symbols, built from the verdict objects."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

from constraints.rules import BREACH, NA, OK, UNKNOWN_S
from reserves.portfolio.fmt import fr_euros, fr_int, fr_pct

from reserves.app.audit.entries import ENTRY_STATUS_FR as STATUS_FR, KIND_FR  # the verdict words and the others

SYMBOL = {OK: "✔", BREACH: "✘", UNKNOWN_S: "?", NA: "–"}
CSS = {OK: "ok", BREACH: "breach", UNKNOWN_S: "unknown", NA: "na", "error": "breach", "optimal": "ok",
       "infeasible": "breach", "accepte": "ok", "refuse": "breach", "a_verifier": "unknown", "refused": "breach"}
STATUS_OF = {"error": BREACH, "optimal": OK, "infeasible": BREACH, "accepte": OK, "refuse": BREACH,
             "a_verifier": UNKNOWN_S, "refused": BREACH}
HTTP_FR = {400: "Requête invalide.", 401: "Authentification requise.", 403: "Accès refusé.",
           404: "Page introuvable.", 405: "Méthode non autorisée pour cette adresse.",
           413: "Envoi trop volumineux.", 415: "Type de fichier refusé.", 422: "Données invalides.",
           429: "Trop de requêtes.", 500: "Erreur interne."}
MAX_FINDINGS_SHOWN = 500


def install_filters(env) -> None:
    env.filters["euros"] = lambda c: "" if c is None else fr_euros(int(c))
    env.filters["euros_float"] = lambda e: "" if e is None else fr_euros(round(float(e) * 100))
    env.filters["pct"] = lambda x: "" if x is None else fr_pct(float(x))
    env.filters["when"] = _when
    env.filters["status_fr"] = lambda s: STATUS_FR.get(s, s or "")
    env.filters["symbol"] = lambda s: SYMBOL.get(STATUS_OF.get(s, s), "")
    env.filters["css"] = lambda s: CSS.get(s, "na")
    env.filters["kind_fr"] = lambda k: KIND_FR.get(k, k or "")
    env.filters["cap"] = lambda t: (t or "")[:1].upper() + (t or "")[1:]
    env.filters["date_fr"] = lambda d: "" if d is None else d.strftime("%d/%m/%Y")
    env.filters["objective_fr"] = lambda o: OBJECTIVE_LABEL.get(o, o or "")
    env.filters["int_fr"] = int_fr
    env.filters["code_md"] = code_md


def code_md(text) -> "Markup":
    """A description written for Markdown readers (OpenAPI): HTML-escaped, `code` spans as <code>."""
    from markupsafe import Markup, escape

    escaped = str(escape(text or ""))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def int_fr(n) -> str:
    """An integer with the French thousands separator (a narrow no-break space): 10 000."""
    return "" if n is None else fr_int(n)


OBJECTIVE_LABEL = {"turnover": "rotation minimale", "cost": "coût de transaction minimal",
                   "target": "écart minimal à l'allocation cible", "rotation": "rotation minimale",
                   "cout": "coût de transaction minimal", "cible": "écart minimal à l'allocation cible"}


def _when(t) -> str:
    if t is None:
        return ""
    if isinstance(t, str):
        try:
            t = dt.datetime.fromisoformat(t)
        except ValueError:
            return t
    if isinstance(t, dt.datetime):
        if t.tzinfo is not None:
            t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return t.strftime("%d/%m/%Y %H:%M:%S") + " UTC"
    return str(t)


def rows_text(rows, limit: int = 12) -> str:
    rows = [int(r) for r in rows]
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def verdict_view(verdict, pf) -> dict:
    rules = []
    for r in verdict.results:
        share_rule = r.spec.kind != "line_conditions"
        rules.append({
            "id": r.spec.id, "title": r.spec.title, "article": r.spec.article, "status": r.status,
            "value": fr_pct(r.value) if share_rule and r.value is not None else "",
            "limit": fr_pct(r.limit) if share_rule and r.limit is not None else "",
            "headroom": fr_euros(r.headroom) if r.headroom is not None and r.status == OK else "",
            "breaches": sum(f.status == BREACH for f in r.findings),
            "unknowns": sum(f.status == UNKNOWN_S for f in r.findings),
            "quote": getattr(r.spec, "quote", ""), "note": getattr(r, "note", ""),
        })
    findings = verdict.findings
    shown = []
    for f in findings[:MAX_FINDINGS_SHOWN]:
        move = ""
        if f.amount is not None:
            move = ("à vendre : " if f.action == "sell" else "à acheter : ") + fr_euros(f.amount)
        shown.append({"rule": f.rule, "article": f.article, "status": f.status, "subject": f.subject,
                      "rows": rows_text(f.rows), "message": f.message, "move": move,
                      "columns": ", ".join(f.columns or [])})
    return {
        "status": verdict.status, "status_fr": STATUS_FR[verdict.status], "exit_code": verdict.exit_code,
        "version": verdict.version, "as_of": verdict.as_of, "n_lines": int_fr(verdict.n_lines),
        "total": fr_euros(verdict.total), "base": fr_euros(verdict.base),
        "excluded": fr_euros(verdict.excluded_total), "gestion": fr_euros(verdict.gestion_total),
        "warnings": list(verdict.warnings), "rules": rules, "findings": shown,
        "n_breaches": sum(f.status == BREACH for f in findings),
        "n_unknowns": sum(f.status == UNKNOWN_S for f in findings),
        "more": max(0, len(findings) - MAX_FINDINGS_SHOWN),
    }


# The web page's table of orders: the keys of `OrderOutcome.to_dict()` shown, headers and values worded as in the
# terminal (reserves.pretrade.orders).
ORDER_COLUMNS = ("row", "libelle", "isin", "action", "montant", "match", "ligne", "effect", "status_after", "rules",
                 "warnings")
ORDER_NUM = {"row", "montant", "ligne", "warnings"}
EFFECT_CSS = {"cree": "breach", "aggrave": "breach", "inconnu": "unknown", "neutre": "ok"}


def orders_view(orders_verdict) -> dict:
    """The pre-investment check: its outcome, and each order's effect as the orders module words it."""
    from reserves.pretrade.orders import OUTCOME_HEADERS, outcome_cell

    doc = orders_verdict.to_dict()
    check = doc.get("orders_check") or {}
    status = orders_verdict.status
    label = {"accepte": "les ordres passent : aucun manquement créé ni aggravé",
             "refuse": "les ordres créent ou aggravent un manquement",
             "a_verifier": "aucun manquement créé ni aggravé, mais des points restent à vérifier"}.get(status, status)
    rows = []
    for o in doc.get("orders") or []:
        rows.append({"effect": o.get("effect"), "css": EFFECT_CSS.get(o.get("effect"), "na"),
                     "cells": [{"text": outcome_cell(k, o), "num": k in ORDER_NUM} for k in ORDER_COLUMNS]})
    headers = [{"text": OUTCOME_HEADERS[k][:1].upper() + OUTCOME_HEADERS[k][1:], "num": k in ORDER_NUM}
               for k in ORDER_COLUMNS]
    return {"status": status, "label": label, "exit_code": orders_verdict.exit_code,
            "after": doc.get("status"), "headers": headers, "orders": rows, "changes": check.get("changes") or [],
            "warnings": check.get("warnings") or []}


TRADE_HEADERS = {"row": "Ligne", "source": "Origine", "libelle": "Libellé", "isin": "ISIN", "categorie": "Catégorie",
                 "poche": "Poche", "sens": "Sens", "montant": "Montant", "avant": "Avant", "après": "Après",
                 "apres": "Après", "quantite": "Quantité"}
MONEY_KEYS = {"montant", "avant", "après", "apres"}


def _categories_rows(before: dict, after: dict | None) -> list:
    b = {c["categorie"]: c for c in (before or {}).get("categories", [])}
    a = {c["categorie"]: c for c in (after or {}).get("categories", [])}
    keys = sorted(set(b) | set(a), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    out = []
    for k in keys:
        x, y = b.get(k, {}), a.get(k, {})
        out.append({"category": k + ("°" if k.isdigit() else ""),
                    "before": "" if x.get("euros") is None else fr_euros(round(x["euros"] * 100)),
                    "share_before": "" if x.get("part") is None else fr_pct(x["part"]),
                    "after": "" if y.get("euros") is None else fr_euros(round(y["euros"] * 100)),
                    "share_after": "" if y.get("part") is None else fr_pct(y["part"])})
    return out


def _limits_rows(before: dict, after: dict | None) -> list:
    from optimizer.output import RESULT_FR

    after_by = {x["rule"]: x for x in (after or {}).get("limits", [])}
    out = []
    for x in (before or {}).get("limits", []):
        y = after_by.get(x["rule"], {})
        lim = "" if x.get("limit") is None else ("≥ " if x["sense"] == "min" else "≤ ") + fr_pct(x["limit"])
        out.append({"rule": x["rule"], "title": x.get("title") or x["rule"], "article": x.get("article") or "",
                    "limit": lim, "margin": fr_pct(x["margin"]) if x.get("margin") else "",
                    "before": "" if x.get("value") is None else fr_pct(x["value"]),
                    "status_before": x.get("status"), "status_before_fr": RESULT_FR.get(x.get("status"), ""),
                    "after": "" if y.get("value") is None else fr_pct(y["value"]),
                    "status": y.get("status"), "status_fr": RESULT_FR.get(y.get("status"), "")})
    return out


def _settings_rows(doc: dict) -> list:
    from optimizer.output import settings_rows

    st = dict(doc.get("settings") or {})
    rows = [("Objectif", doc.get("objective_fr") or OBJECTIVE_LABEL.get(doc.get("objective"), ""))]
    rows += settings_rows(st)
    uf = st.get("universe_file")
    if uf:
        rows = [(k, f"{uf['name']} (SHA-256 {uf['sha256'][:16]}…)" if k == "Univers" else v) for k, v in rows]
    if st.get("version"):
        rows.append(("Version du règlement", st["version"]))
    return rows


def proposal_view(doc: dict) -> dict:
    from reserves.portfolio.fmt import POCKET_FR

    after = doc.get("verdict_after") or {}
    trades = doc.get("trades") or []
    keys = list(trades[0].keys()) if trades else []
    rows = []
    for t in trades:
        cells = []
        for k in keys:
            v = t.get(k)
            if k in MONEY_KEYS and isinstance(v, (int, float)):
                cells.append((fr_euros(round(v * 100)), True))
            elif k == "poche":
                cells.append((POCKET_FR.get(v, v or ""), False))
            else:
                cells.append(("" if v is None else str(v), isinstance(v, (int, float))))
        rows.append(cells)
    return {"status": doc.get("status"), "objective": doc.get("objective_fr") or doc.get("objective"),
            "headers": [TRADE_HEADERS.get(k, k) for k in keys], "rows": rows, "trades": trades, "turnover": doc.get("turnover"),
            "after_status": after.get("status"), "explanation": doc.get("explanation") or [],
            "notes": doc.get("notes") or [], "solver": doc.get("solver") or {},
            "settings": _settings_rows(doc),
            "categories": _categories_rows(doc.get("allocation_before"), doc.get("allocation_after")),
            "limits": _limits_rows(doc.get("allocation_before"), doc.get("allocation_after"))}


def audit_entry_view(entry) -> dict:
    """An audit record as a verdict page: who, when, the file and its hash, the version, the verdict, the rules,
    the findings and the orders, in French (the raw record stays one link away)."""
    from reserves.app.audit.entries import CHANNEL_FR, findings_of, kind_fr, result_fr

    e = entry_view(entry)
    payload = e.get("payload") if isinstance(e.get("payload"), dict) else {}
    verdict = payload if isinstance(payload.get("rules"), list) else payload.get("verdict") or {}
    proposal = payload.get("proposal") if isinstance(payload.get("proposal"), dict) else {}
    if not verdict and isinstance(proposal.get("verdict_after"), dict):
        verdict = proposal["verdict_after"]
    status = e.get("status")
    rules = []
    for r in verdict.get("rules") or []:
        if not isinstance(r, dict):
            continue
        rules.append({"id": r.get("id"), "title": r.get("title") or r.get("id"), "article": r.get("article") or "",
                      "status": r.get("status"), "status_fr": STATUS_FR.get(r.get("status"), r.get("status") or ""),
                      "value": fr_pct(r["value"]) if isinstance(r.get("value"), (int, float)) and r.get("limit")
                      is not None and r["limit"] <= 1 else "",
                      "limit": fr_pct(r["limit"]) if isinstance(r.get("limit"), (int, float)) and r["limit"] <= 1
                      else ""})
    titles = {r["id"]: r["title"] for r in rules}
    findings = []
    for f in findings_of(payload)[:MAX_FINDINGS_SHOWN]:
        if not isinstance(f, dict):
            continue
        findings.append({"rule": f.get("rule"), "title": titles.get(f.get("rule"), f.get("rule")),
                         "article": f.get("article") or "", "status": f.get("status"),
                         "status_fr": STATUS_FR.get(f.get("status"), f.get("status") or ""),
                         "subject": f.get("subject") or "", "rows": rows_text(f.get("rows") or []),
                         "message": f.get("message") or ""})
    orders = []
    for t in e.get("orders") or []:
        if isinstance(t, dict):
            orders.append({"row": t.get("row", ""), "label": t.get("libelle") or t.get("label") or "",
                           "side": t.get("sens") or t.get("action") or "",
                           "amount": fr_euros(round(t["montant"] * 100)) if isinstance(t.get("montant"), (int, float))
                           else ""})
    output = payload.get("output") if isinstance(payload.get("output"), dict) else None
    facts = [("Opération", kind_fr(e.get("kind"))), ("Par", e.get("user") or ""), ("Le", _when(e.get("created_at"))),
             ("Canal", CHANNEL_FR.get(payload.get("channel"), payload.get("channel") or "")),
             ("Fichier", e.get("file_name") or ""), ("Empreinte SHA-256 du fichier", e.get("sha256") or ""),
             ("Version du règlement", e.get("version") or "")]
    if verdict.get("as_of"):
        facts.append(("Date du contrôle", verdict["as_of"]))
    if payload.get("objective_fr"):
        facts.append(("Objectif", payload["objective_fr"]))
    if output and output.get("name"):
        facts.append(("Document produit", f"{output['name']} (SHA-256 {output.get('sha256') or '—'})"))
    if isinstance(payload.get("http_status"), int):
        facts.append(("Réponse HTTP", str(payload["http_status"])))
    facts = [(k, v) for k, v in facts if v]
    return {"id": e.get("id"), "kind": e.get("kind"), "status": status,
            "status_css": CSS.get(status, "na"), "symbol": SYMBOL.get(STATUS_OF.get(status, status), ""),
            "result": result_fr(e.get("kind"), status, payload), "facts": facts, "rules": rules,
            "findings": findings, "more_findings": max(0, len(findings_of(payload)) - MAX_FINDINGS_SHOWN),
            "orders": orders, "errors": [x.get("message") if isinstance(x, dict) else str(x)
                                         for x in payload.get("errors") or []],
            "explanation": [x.get("message") if isinstance(x, dict) else str(x)
                            for x in proposal.get("explanation") or []],
            "prev_hash": e.get("prev_hash"), "hash": e.get("hash")}


def entry_view(entry) -> dict:
    """An audit record as a dict, whatever its shape (a mapping or an object with attributes)."""
    if entry is None:
        return {}
    if isinstance(entry, dict):
        return dict(entry)
    if hasattr(entry, "to_dict"):
        return entry.to_dict()
    if hasattr(entry, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(entry)
    return {k: getattr(entry, k) for k in dir(entry) if not k.startswith("_") and not callable(getattr(entry, k))}


def verify_view(result) -> dict:
    """`AuditLog.verify()` answers (intact, first bad record or None, French message)."""
    if isinstance(result, tuple):
        ok, bad, message = (list(result) + [None, None, ""])[:3]
        return {"ok": bool(ok), "bad": bad, "message": message}
    if isinstance(result, bool):
        return {"ok": result, "bad": None, "message": ""}
    d = entry_view(result)
    return {"ok": bool(d.get("ok", d.get("valid"))), "bad": d.get("bad"), "message": d.get("message", "")}


def download_name(user_name: str, what: str, ext: str) -> str:
    """The name a download is offered under: « rapport_portefeuille.pdf » for « portefeuille.xlsx »."""
    stem = re.sub(r"\.(xlsx|ods|csv)$", "", user_name, flags=re.I)[:80]
    return f"{what}_{stem}.{ext}"


def attachment(user_name: str, what: str, ext: str) -> str:
    """A Content-Disposition header: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    name = download_name(user_name, what, ext)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name.encode("ascii", "ignore").decode()) or f"{what}.{ext}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


# --------------------------------------------------------------------------- R. 139 (articles R. 139-1 to R. 139-56)

MODE_FR = {"complet": "régime complet", "simplifie": "régime simplifié (R. 139-10)", "mixte": "régimes mixtes"}


def _date_text(iso) -> str:
    if not iso:
        return ""
    try:
        return dt.date.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return str(iso)


def verdict139_view(verdict, pf) -> dict:
    """An R. 139 verdict (`constraints.r139.checker.Verdict139`) as its page shows it: the régimes and their actif de
    placement, each rule, each finding with its régime, the fund it came through, the look-through rows and the
    cure deadline (R. 139-48)."""
    rules = []
    for r in verdict.results:
        rules.append({
            "id": r.spec.id, "title": r.spec.title, "article": r.spec.article, "status": r.status,
            "value": fr_pct(r.value) if r.value is not None else "",
            "limit": fr_pct(r.limit) if r.limit is not None else "",
            "headroom": fr_euros(r.headroom) if r.headroom is not None and r.status == OK else "",
            "breaches": sum(f.status == BREACH for f in r.findings),
            "unknowns": sum(f.status == UNKNOWN_S for f in r.findings), "note": getattr(r, "note", "")})
    findings = verdict.findings
    shown = []
    for f in findings[:MAX_FINDINGS_SHOWN]:
        move = ""
        if f.amount is not None:
            move = ("à vendre : " if f.action == "sell" else "à acheter : ") + fr_euros(f.amount)
        via = f.via if isinstance(f.via, str) else ", ".join(f.via or [])
        lt = getattr(f, "lookthrough_rows", None) or []
        sheets = {}
        for x in lt:
            sheets.setdefault(x.get("sheet") or "Transparence", []).append(x.get("row"))
        cure = ""
        if getattr(f, "deadline", None):
            cure = (f"constaté le {_date_text(f.first_observed)}, à régulariser au plus tard le "
                    f"{_date_text(f.deadline)} ({f.cure}) : {f.cure_status}")
        shown.append({"rule": f.rule, "article": f.article, "status": f.status, "subject": f.subject,
                      "regime": getattr(f, "regime", None) or "", "rows": rows_text(f.rows), "via": via,
                      "lookthrough": "; ".join(f"{s} : lignes {rows_text(r)}" for s, r in sheets.items()),
                      "cure": cure, "late": getattr(f, "cure_status", None) == "délai dépassé",
                      "message": f.message, "move": move, "columns": ", ".join(f.columns or [])})
    return {
        "r139": True, "status": verdict.status, "status_fr": STATUS_FR[verdict.status],
        "exit_code": verdict.exit_code, "version": verdict.version, "as_of": verdict.as_of,
        "as_of_source": verdict.as_of_source or "", "mode": MODE_FR[verdict.regime],
        "n_lines": int_fr(verdict.n_lines), "n_lookthrough": int_fr(verdict.n_lookthrough),
        "total": fr_euros(verdict.total), "base": fr_euros(verdict.base),
        "regimes": [{"name": r["regime"] or "(un seul régime)", "mode": MODE_FR[r["mode"]],
                     "base": fr_euros(r["base"]), "total": fr_euros(r["total"])} for r in verdict.regimes],
        "warnings": list(verdict.warnings), "rules": rules, "findings": shown,
        "n_breaches": sum(f.status == BREACH for f in findings),
        "n_unknowns": sum(f.status == UNKNOWN_S for f in findings),
        "more": max(0, len(findings) - MAX_FINDINGS_SHOWN),
        "inventories": _inventories(pf),
    }


def _inventories(pf) -> list:
    inv = getattr(pf, "inventories", None)
    if inv is None or not len(inv):
        return []
    labels = pf.lines["label"].tolist()
    out = []
    for rec in inv.to_dict("records"):
        funds = ", ".join(dict.fromkeys(str(labels[i]) for i in rec.get("lines") or ()))
        d = rec.get("valuation_date")
        out.append({"fund": funds or str(rec.get("fund")), "where": rec.get("where") or "",
                    "kind": "fichier TPT" if rec.get("kind") == "TPT" else "feuille Transparence",
                    "date": d.strftime("%d/%m/%Y") if d else "non datée", "holdings": int_fr(rec.get("holdings")),
                    "used": bool(rec.get("used"))})
    return out
