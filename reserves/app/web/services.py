"""What the pages do, apart from HTTP: read a stored file, check it, run the orders, reports and optimizer,
and write the audit trail. Heavy modules are imported on first use."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading

from reserves.portfolio.errors import InputError
from . import uploads

_audit_lock = threading.Lock()


def load_portfolio(stored: uploads.StoredFile, sheet: str | None = None):
    from reserves.portfolio.model import load

    try:
        pf = load(stored.path, sheet_name=sheet or None)
    except InputError as err:
        raise uploads.rename_problems(err, stored) from None
    pf.source = stored.name
    return pf


def load_orders(stored: uploads.StoredFile):
    from reserves.pretrade.orders import load_orders as _load

    try:
        orders = _load(stored.path)
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

    def list(self, limit: int = 100):
        return self.log.list(limit=limit)

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
    """Objective id → French label, as the optimizer names them (`target` needs a target: not offered)."""
    import sys

    import optimizer

    labels = getattr(sys.modules[optimizer.rebalance.__module__], "OBJECTIVE_FR")
    return {k: v for k, v in labels.items() if k != "target"}


def rebalance(pf, objective: str, date=None):
    import optimizer

    return optimizer.rebalance(pf, objective=objective, date=date)


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
