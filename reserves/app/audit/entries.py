"""What a record of the audit trail holds for each kind of operation, and how it reads in French.

The command line (`reserves check|report|optimize`) and the web pages build
their records here, so that a report or a proposal is recorded the same way
whoever produced it:

- `report`: the status column is the verdict of the portfolio; the payload
  holds the verdict (rules and findings), the format, and the document produced
  (`output`: its name and SHA-256), plus the proposal read, if any.
- `proposal`: the status column is the optimizer's answer (`optimal`: a
  proposal was found; `infeasible`: no compliant portfolio exists); the
  record's orders are the proposed trades; the payload holds the objective,
  the verdict after the trades (`verdict_after`, its status) and the rest of
  the proposal (verdict after the trades with its findings, allocation,
  explanation of a conflict).

Only the standard library is imported here.
"""

from __future__ import annotations

import hashlib

from reserves.portfolio.fmt import STATUS_FR as VERDICT_STATUS_FR

# The statuses written in the status column, whatever the kind (a verdict's are the one wording of
# reserves.portfolio.fmt: ok, breach, unknown, not_applicable).
ENTRY_STATUS_FR = {**VERDICT_STATUS_FR,
                   "error": "données invalides", "optimal": "proposition trouvée", "infeasible": "aucune solution",
                   "nothing_to_do": "rien à faire",
                   "accepte": "ordres acceptés", "refuse": "ordres refusés", "a_verifier": "ordres à vérifier",
                   "refused": "requête refusée"}
KIND_FR = {"check": "contrôle", "orders": "contrôle avant investissement", "report": "rapport",
           "proposal": "proposition de réallocation", "request": "requête refusée ou en erreur"}
CHANNEL_FR = {"cli": "ligne de commande", "web": "page web", "api": "API"}


def sha256_of(path) -> str:
    """SHA-256 of a file, read by blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def report_content(verdict: dict | None, *, fmt: str, output_name: str | None, output_sha256: str | None,
                   status: str | None = None, **context) -> tuple[str | None, dict]:
    """(status, payload) of a `report` record. `verdict`: the checked portfolio's verdict as a dict
    (`Verdict.to_dict()`); `status`: when there is no verdict to take it from."""
    payload = {**context, "format": fmt, "output": {"name": output_name, "sha256": output_sha256}}
    if verdict is not None:
        payload["verdict"] = verdict
        status = status or verdict.get("status")
    return status, payload


def proposal_content(doc: dict, **context) -> tuple[str | None, dict, list]:
    """(status, payload, orders) of a `proposal` record, from `Proposal.to_dict()`."""
    after = doc.get("verdict_after") or None
    payload = {**context, "objective": doc.get("objective"), "objective_fr": doc.get("objective_fr"),
               "verdict_after": after.get("status") if isinstance(after, dict) else None,
               "proposal": {k: v for k, v in doc.items() if k != "trades"}}  # the trades are the record's orders
    return doc.get("status"), payload, list(doc.get("trades") or [])


# --------------------------------------------------------------------------- reading back


def kind_fr(kind: str | None) -> str:
    return KIND_FR.get(kind, kind or "")


def status_fr(status: str | None) -> str:
    return ENTRY_STATUS_FR.get(status, status or "")


def result_fr(kind: str | None, status: str | None, payload) -> str:
    """The result of a record in a few French words (for a proposal: with the verdict after the trades)."""
    text = status_fr(status) or "—"
    if kind == "proposal" and isinstance(payload, dict) and payload.get("verdict_after"):
        text += f" (après : {status_fr(payload['verdict_after'])})"
    return text


def findings_of(payload) -> list:
    """The findings a record carries, whatever its kind and channel: the verdict's (after the orders or the trades
    when there are some)."""
    if not isinstance(payload, dict):
        return []
    for doc in (payload, payload.get("verdict"), (payload.get("proposal") or {}).get("verdict_after")
                if isinstance(payload.get("proposal"), dict) else None):
        if isinstance(doc, dict) and isinstance(doc.get("findings"), list):
            return doc["findings"]
    return []


__all__ = ["ENTRY_STATUS_FR", "KIND_FR", "CHANNEL_FR", "sha256_of", "report_content", "proposal_content", "kind_fr",
           "status_fr", "result_fr", "findings_of"]
