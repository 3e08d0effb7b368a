"""What the pages do, apart from HTTP: read a stored file, check it, run the orders, reports and optimizer,
and write the audit trail. Heavy modules are imported on first use."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading

from reserves.portfolio.errors import InputError
from . import uploads

_audit_lock = threading.Lock()


def load_portfolio(stored: uploads.StoredFile, sheet: str | None = None):
    from . import sandbox  # read in a worker process under memory and time limits

    try:
        pf = sandbox.read("portfolio", stored.path, sheet or None, name=stored.name)
    except InputError as err:
        raise uploads.rename_problems(err, stored) from None
    pf.source = stored.name
    return pf


def load_orders(stored: uploads.StoredFile):
    from . import sandbox  # read in a worker process under memory and time limits

    try:
        orders = sandbox.read("orders", stored.path, name=stored.name)
    except InputError as err:
        raise uploads.rename_problems(err, stored) from None
    if hasattr(orders, "source"):
        try:
            orders.source = stored.name
        except AttributeError:
            pass
    return orders


def version_for(date: dt.date | None):
    from constraints import rulebook

    try:
        return rulebook.for_date(date)
    except rulebook.NoVersionInForce as exc:
        raise InputError.one(str(exc)) from None


def check(pf, date: dt.date | None):
    from constraints.checker import check as _check

    return _check(pf, date=date)


def check_orders(pf, orders, date: dt.date | None):
    from reserves.pretrade.orders import check_orders as _check_orders

    return _check_orders(pf, orders, date=date)


def file_info(stored: uploads.StoredFile, pf=None) -> dict:
    return {"name": stored.name, "sheet": getattr(pf, "sheet", None), "sha256": stored.sha256,
            "format": stored.fmt, "size": stored.size}


# --------------------------------------------------------------------------- audit trail


class Audit:
    """The audit trail (`reserves.app.audit.AuditLog`), written one record at a time."""

    def __init__(self, url: str) -> None:
        from reserves.app.audit import AuditLog

        self.log = AuditLog(url=url)

    def record(self, kind: str, user: str, *, file_name: str | None, sha256: str | None, version: str | None,
               status: str, payload: dict, orders=None):
        with _audit_lock:
            return self.log.record(kind, user, file_name, sha256, version, status, payload, orders=orders)

    def list(self, limit: int = 100, user: str | None = None):
        return self.log.list(limit=limit, user=user)

    def show(self, entry_id: int):
        return self.log.show(entry_id)

    def verify(self):
        return self.log.verify()


# --------------------------------------------------------------------------- reports and optimizer


def write_report(pf, verdict, fmt: str, folder: str, *, date=None) -> str:
    """Write the Excel or PDF report into `folder` under a server-chosen name; returns the path."""
    from reports.report import make_report

    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="rapport-", suffix="." + fmt, dir=folder)
    os.close(fd)
    try:
        make_report(pf, verdict, path, date=date)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path


def objectives() -> dict:
    """The objectives of `reserves optimize --objectif`, as the command line names them, with their French label."""
    return {"rotation": "rotation minimale", "cout": "coût de transaction minimal",
            "cible": "écart minimal à une allocation cible"}


# The optimizer's form: one field per setting of `reserves optimize`, with the command line's defaults.
OPTIMIZER_FORM_DEFAULTS = {"objectif": "rotation", "couts": "", "cout_defaut": "", "cibles": "", "marge": "",
                           "marges_regles": "", "tresorerie": "", "tresorerie_gestion": "", "bloquer_lignes": "",
                           "bloquer_categories": "", "achat_max": "2", "acheter_categories": "",
                           "acheter_lignes": "", "quotites": "", "montant_minimal": ""}
_LIST = re.compile(r"[\s;,]+")
_PAIRS = re.compile(r"[\s;]+")


def _rows(text: str, what: str) -> list[int]:
    out = []
    for item in _LIST.split(text or ""):
        if not item:
            continue
        if not item.isdigit():
            raise InputError.one(f"{what} : numéro de ligne du tableur attendu, lu « {item[:40]} »")
        out.append(int(item))
    return out


def optimizer_settings(fields: dict) -> dict:
    """The form's texts read by the command line's own parser (`reserves.app.optimize_cmd.rebalance_settings`)."""
    from reserves.app.optimize_cmd import rebalance_settings

    def pairs(name):
        return [x for x in _PAIRS.split(fields.get(name) or "") if x]

    def items(name):
        return [x for x in _LIST.split(fields.get(name) or "") if x]

    objective = fields.get("objectif") or "rotation"
    objective = {"turnover": "rotation", "cost": "cout", "target": "cible"}.get(objective, objective)
    return rebalance_settings(
        objectif=objective, marge=fields.get("marge") or None,
        marge_regle=pairs("marges_regles"), cout=pairs("couts"), cout_defaut=fields.get("cout_defaut") or None,
        cible=pairs("cibles"), tresorerie=fields.get("tresorerie") or "0",
        tresorerie_gestion=fields.get("tresorerie_gestion") or "0",
        bloquer_ligne=_rows(fields.get("bloquer_lignes"), "lignes bloquées"),
        bloquer_categorie=items("bloquer_categories"), montant_minimal=fields.get("montant_minimal") or None,
        quotite=pairs("quotites"), achat_max=fields.get("achat_max") or "2",
        acheter_categorie=items("acheter_categories"),
        acheter_ligne=_rows(fields.get("acheter_lignes"), "lignes achetables"))


def load_universe(stored: uploads.StoredFile):
    """The universe: its sheet « Univers », else its first sheet (or « Portefeuille »)."""
    try:
        return load_portfolio(stored, "Univers")
    except InputError:
        return load_portfolio(stored, None)


def rebalance(pf, kwargs: dict, date=None, universe=None):
    import optimizer

    return optimizer.rebalance(pf, date=date, universe=universe, **kwargs)


def write_proposal(proposal, folder: str) -> str:
    import optimizer

    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="proposition-", suffix=".xlsx", dir=folder)
    os.close(fd)
    try:
        optimizer.write_proposal_xlsx(proposal, path)
    except BaseException:
        os.unlink(path)
        raise
    return path
