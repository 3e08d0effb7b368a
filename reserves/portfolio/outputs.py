"""The files the product writes: user text stays text, and a failed write leaves nothing behind.

Every workbook the product writes (the portfolio writer, the report, the proposal, the allocation,
the template, the web downloads) goes through `save_workbook`:

- a text cell is always written as text (SPEC §1). openpyxl takes any string starting with `=`
  for a formula: a label such as `=HYPERLINK("http://…")` or `=cmd|' /C calc'!A0` would become a
  live formula in the agent comptable's workbook, and `reserves check` could not read its own
  proposal back. `text_safe` turns every such cell back into a text cell, and marks the texts that
  start with `=`, `+`, `-` or `@` with Excel's « quote prefix », so that editing the cell in Excel
  or LibreOffice does not turn it into a formula either. No writer of the product writes a
  formula of its own; one that would must use `xlsxwriter`'s `write_formula` (with
  `XLSXWRITER_OPTIONS`, plain strings are never formulas) or openpyxl's `ArrayFormula`/`DataTableFormula`.
- the bytes go to a temporary file in the destination's folder, renamed over the destination once
  complete (`atomic_path`): a full disk, a quota or a permission leaves the old file (or none) in
  place, never a 0-byte or half-written one, and is reported in French (`OutputError`, exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets

from reserves.portfolio.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
XLSXWRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class OutputError(InputError):
    """A file could not be written (disk full, permission…): a French message, exit code 2."""


def formula_like(value: object) -> bool:
    """A text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_safe(wb):
    """Make every text cell of an openpyxl workbook a text cell (no formula from a string); returns `wb`."""
    for ws in wb.worksheets:
        # openpyxl's public walk over the used range: a position without a cell gets an empty one, which the
        # writer leaves out of the file (no value, no style)
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if type(v) is str and v.startswith(FORMULA_START):
                    if cell.data_type == "f":
                        cell.data_type = "s"
                    cell.quotePrefix = True
    return wb


def xlsxwriter_write(ws, row: int, col: int, value, fmt=None):
    """Write one cell with xlsxwriter, a string always as a string (for a workbook not opened with
    XLSXWRITER_OPTIONS)."""
    if isinstance(value, str):
        return ws.write_string(row, col, value, fmt)
    return ws.write(row, col, value, fmt)


_REASONS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EROFS: "support en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "dossier introuvable",
    errno.ENOTDIR: "le chemin ne désigne pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EFBIG: "fichier trop gros pour ce support",
    errno.EIO: "erreur d'entrée-sortie du support",
}


def output_error(path, exc: OSError) -> OutputError:
    reason = _REASONS.get(exc.errno) or (exc.strerror or type(exc).__name__)
    return OutputError.one(f"impossible d'écrire « {os.fspath(path)} » : {reason} ; aucun fichier n'a été laissé "
                           "à moitié écrit")


def _os_error_in(exc: BaseException) -> OSError | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError):
            return exc
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
        if inner is not None:
            return inner
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path in the folder of `path`; once the block succeeds, rename it to `path`.

    On any failure the temporary file is removed and `path` is left as it was; an OSError (disk full,
    permission…) becomes an `OutputError` with a French message."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if not os.path.isdir(folder):
        raise OutputError.one(f"impossible d'écrire « {path} » : dossier introuvable")
    if os.path.isdir(path):
        raise OutputError.one(f"impossible d'écrire « {path} » : c'est un dossier")
    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to any new file
        os.close(fd)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        yield tmp
        if os.path.getsize(tmp) == 0:  # a writer that wrote nothing has failed: keep the old file
            raise OutputError.one(f"impossible d'écrire « {path} » : rien n'a été écrit")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise output_error(path, exc) from None
    except InputError:
        raise
    except Exception as exc:  # a writer's own error around a disk error (xlsxwriter's FileCreateError)
        cause = _os_error_in(exc)
        if cause is None:
            raise
        raise output_error(path, cause) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_bytes(path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def write_text(path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def save_workbook(wb, path) -> None:
    """Save an openpyxl workbook to a path (atomically) or to a binary file object, user text as text."""
    text_safe(wb)
    if hasattr(path, "write"):
        wb.save(path)
        return
    with atomic_path(path) as tmp:
        wb.save(tmp)


__all__ = ["save_workbook", "text_safe", "formula_like", "atomic_path", "write_bytes", "write_text", "OutputError",
           "XLSXWRITER_OPTIONS", "xlsxwriter_write", "FORMULA_START"]
