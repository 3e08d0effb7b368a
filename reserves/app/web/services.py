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


def read_portfolio(path: str, sheet: str | None, *, date: dt.date | None = None, transparence=(), names=None):
    """The portfolio file read as the rules in force on its date say (SPEC §4: `date`, else the date the file
    states, else today): an R. 623 `Portfolio`, or an R. 139 `Portfolio139` with its funds' TPT files and the rows of
    its `Constats` sheet (`observations`). Run in the reading worker (`sandbox`)."""
    from constraints import rulebook

    from reserves.portfolio.reader import read_stated_date

    if date is not None:
        day, source = date, rulebook.SOURCE_OPTION
    else:
        stated = read_stated_date(path, sheet)
        day, source = (stated[0], rulebook.SOURCE_FILE) if stated else (dt.date.today(), rulebook.SOURCE_TODAY)
    version = rulebook.for_date(day)  # a date no version covers: NoVersionInForce, an InputError
    if source == rulebook.SOURCE_TODAY and not transparence:
        from reserves.app.check139 import has_nature_header

        if not has_nature_header(path, sheet):  # undated, R. 623's columns: read as such, its cells' problems
            from reserves.portfolio.model import load  # first; its check then says which rules are in force

            return load(path, sheet_name=sheet)
    if version.engine == "r139":
        from constraints.r139.inputs import read_constats
        from reserves.portfolio.model139 import load as load139

        with _named(list(transparence), names or {}) as tpt:  # read under the names their user gave them
            pf = load139(path, sheet_name=sheet, transparence=tpt, as_of=day, as_of_source=source)
        pf.observations = read_constats(path)
        return pf
    if transparence:
        raise InputError.one(f"fichiers de transparence (TPT) : ils servent aux portefeuilles soumis aux articles "
                             f"R. 139-1 à R. 139-56 (datés du 08/07/2019 ou après) ; ce portefeuille est daté du "
                             f"{day.strftime('%d/%m/%Y')} ({source}) : envoyez-le sans fichier TPT")
    from reserves.portfolio.model import load

    return load(path, sheet_name=sheet)


class _named:
    """The stored files (named by their hash) seen under the names their user gave them, each a link in a folder of
    its own for the time of the reading: the inventories' sources and every message name the user's file."""

    def __init__(self, paths: list, names: dict) -> None:
        self.paths, self.names, self.folder = paths, names, None

    def __enter__(self) -> list:
        if not self.paths or not self.names:
            return list(self.paths)
        self.folder = tempfile.mkdtemp(prefix="lecture-")
        out = []
        for k, p in enumerate(self.paths):
            sub = os.path.join(self.folder, str(k))
            os.mkdir(sub)
            link = os.path.join(sub, uploads.display_name(self.names.get(p) or os.path.basename(p)))
            os.symlink(os.path.abspath(p), link)
            out.append(link)
        return out

    def __exit__(self, *exc) -> bool:
        if self.folder is not None:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
        return False


def is_r139(pf) -> bool:
    return getattr(pf, "version", None) == "R139"


def load_portfolio(stored: uploads.StoredFile, sheet: str | None = None, *, date: dt.date | None = None,
                   transparence=()):
    """The stored portfolio (and, for an R. 139 portfolio, the stored TPT files of its funds), read in a bounded
    worker process."""
    from . import sandbox  # read in a worker process under memory and time limits

    try:
        pf = sandbox.read("portfolio", stored.path, sheet or None, name=stored.name, date=date,
                          transparence=[t.path for t in transparence], names={t.path: t.name for t in transparence})
    except InputError as err:
        raise uploads.rename_problems(err, stored) from None
    pf.source = stored.name
    return pf


def load_orders(stored: uploads.StoredFile, r139: bool = False):
    """The stored orders file, read with the columns of its portfolio's rules (R. 139's `nature`… or R. 623's)."""
    from . import sandbox  # read in a worker process under memory and time limits

    try:
        orders = sandbox.read("orders139" if r139 else "orders", stored.path, name=stored.name)
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


def check(pf, date: dt.date | None, simplified=False, since: dt.date | None = None):
    """The verdict of the rules in force on the portfolio's date (R. 623's or R. 139's); `simplified`: the régime
    simplifié of R. 139 (False, True for the whole body, or régime names), as `reserves check --regime-simplifie`;
    `since`: the date it applies from (R. 139-11), as `--regime-simplifie-depuis`."""
    if is_r139(pf):
        from constraints import rulebook
        from constraints.r139.checker import check as check139
        from constraints.r139.inputs import from_portfolio

        inp = from_portfolio(pf, None)
        inp.observations = list(getattr(pf, "observations", []))
        verdict = check139(inp, rulebook.for_date(pf.as_of), as_of=pf.as_of, simplified=simplified,
                           simplified_since=since)
        verdict.as_of_source = pf.as_of_source
        return verdict
    from constraints.checker import check as _check

    return _check(pf, date=date)


def check_orders(pf, orders, date: dt.date | None, simplified=False, since: dt.date | None = None):
    if is_r139(pf):
        from reserves.pretrade.r139 import check_orders139

        ov = check_orders139(pf, orders, as_of=pf.as_of, observations=getattr(pf, "observations", []),
                             simplified=simplified, simplified_since=since)
        ov.verdict_after.as_of_source = pf.as_of_source
        return ov
    from reserves.pretrade.orders import check_orders as _check_orders

    return _check_orders(pf, orders, date=date)


SIMPLIFIED_R623 = ("régime simplifié (R. 139-14, R. 139-15) : sans objet pour un portefeuille soumis aux articles "
                   "R. 623-3 à R. 623-10-4")


def simplified_option(text: str | None):
    """The régime simplifié asked by a form or the API, read as `--regime-simplifie` is: absent or empty, no; a box
    ticked (« oui », « on », « 1 », « true »), the whole body; else the names of the régimes, separated by commas."""
    from reserves.app.check139 import parse_regimes

    text = (text or "").strip()
    if not text or text.lower() in ("non", "0", "false", "faux"):
        return False
    if text.lower() in ("oui", "on", "1", "true", "vrai"):
        return True
    names = parse_regimes(text)
    return True if names is True else frozenset(names)


SINCE_R623 = ("régime simplifié depuis (R. 139-11) : sans objet pour un portefeuille soumis aux articles R. 623-3 à "
              "R. 623-10-4")


def simplified_since_option(text: str | None) -> dt.date | None:
    """The start date of the régime simplifié asked by a form or the API, read as `--regime-simplifie-depuis` is
    (AAAA-MM-JJ or JJ/MM/AAAA, the command line's message): absent or empty, none."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise InputError.one(f"régime simplifié depuis (--regime-simplifie-depuis) : date invalide « {text[:40]} » : "
                         "attendu AAAA-MM-JJ ou JJ/MM/AAAA")


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
        if is_r139(pf):
            from reports.r139_report import make_report139

            make_report139(pf, verdict, path)
        else:
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


def row_numbers(text: str, what: str) -> list[int]:
    """Spreadsheet row numbers from a form field (« 12, 15 »)."""
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
        bloquer_ligne=row_numbers(fields.get("bloquer_lignes"), "lignes bloquées"),
        bloquer_categorie=items("bloquer_categories"), montant_minimal=fields.get("montant_minimal") or None,
        quotite=pairs("quotites"), achat_max=fields.get("achat_max") or "2",
        acheter_categorie=items("acheter_categories"),
        acheter_ligne=row_numbers(fields.get("acheter_lignes"), "lignes achetables"))


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
