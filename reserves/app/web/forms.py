"""The pieces of a request the pages share: form fields and files, dates, French JSON errors, safe redirects."""

from __future__ import annotations

import datetime as dt
import os

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from reserves.portfolio.errors import InputError, Problem


REFUSALS_PER_ADDRESS = 30  # records of refused requests one address may add to the audit trail per hour
MAX_TPT_FILES = 8  # TPT files of one upload (R. 139-17, `--transparence`)
FORM_LIMITS = {"max_files": 2 + MAX_TPT_FILES, "max_fields": 12}


class CsrfFailed(Exception):
    pass


class PageError(Exception):
    """A refused form: re-render a page with French messages and an HTTP status."""

    def __init__(self, status: int, problems: list[Problem], dropped: int = 0) -> None:
        super().__init__(status)
        self.status, self.problems, self.dropped = status, problems, dropped


def json_error(status: int, problems: list[Problem], dropped: int = 0, headers=None) -> JSONResponse:
    body = {"status": "error", "exit_code": 4 if status >= 500 else 2,  # 4: an internal failure, as on the command line
            "errors": [p.to_dict() for p in problems], "more_errors": dropped}
    return JSONResponse(body, status_code=status, headers=headers)


def parse_date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise InputError.one(f"date invalide « {text[:40]} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA")


def field_text(form, name: str, limit: int = 200) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    value = str(value).strip()
    return value[:limit] or None


def form_file(form, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or (value.size or 0) > 0):
        return value
    return None


def form_files(form, name: str) -> list[UploadFile]:
    """Every file sent under one field (an `<input type="file" multiple>`, or the field repeated)."""
    return [v for v in form.getlist(name) if isinstance(v, UploadFile) and (v.filename or (v.size or 0) > 0)]


def doc_version(doc: dict) -> str | None:
    """The id of the rulebook version a verdict's JSON names."""
    v = doc.get("version")
    return v.get("id") if isinstance(v, dict) else v


def unlink(path: str) -> None:
    """Remove a generated file once it has been sent."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def safe_next(target: str | None, request: Request | None = None) -> str:
    """Only a local path: never another site (no open redirect)."""
    target = (target or "/").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target or "\r" in target:
        target = "/"
    base = request.scope.get("root_path", "") if request is not None else ""
    return base + target if base and not target.startswith(base + "/") else target


def entry_id(entry):
    if entry is None:
        return None
    for attr in ("id", "entry_id"):
        if hasattr(entry, attr):
            return getattr(entry, attr)
    if isinstance(entry, dict):
        return entry.get("id")
    return entry
