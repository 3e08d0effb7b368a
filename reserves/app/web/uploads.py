"""Receiving a file: size cap, type sniffing, decompression-bomb guard, storage by content hash.

An uploaded file is copied, while its SHA-256 is computed, to a temporary
file with a server-chosen name inside the storage folder; its type is read
from its first bytes (a zip workbook, an old OLE workbook, or text), zip
archives are inspected member by member before anything is unpacked (the
reader's own limits), and the file is then renamed `<sha256>.<xlsx|ods|csv>`.
The name the user gave is kept for display only, never as a path, and no
uploaded file is ever executed or served back as a page.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, replace

from reserves.portfolio import reader
from reserves.portfolio.errors import InputError, Problem

CHUNK = 1 << 16
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TEXT_EXTENSIONS = {".csv"}  # a text upload is read as CSV only when its name says so (or has no extension)


class UploadRefused(Exception):
    """A refused upload: an HTTP status and French messages (as `Problem`s)."""

    def __init__(self, status: int, problems: list[Problem], dropped: int = 0) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.status = status
        self.problems = problems
        self.dropped = dropped

    @classmethod
    def one(cls, status: int, message: str) -> "UploadRefused":
        return cls(status, [Problem(message)])


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    fmt: str  # xlsx, ods, csv
    path: str
    name: str  # the user's file name, for display only
    size: int


def display_name(name: str | None) -> str:
    """The file name as the user gave it, made harmless for display and for a download header."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = _CONTROL.sub("", text).strip().strip(".") or "fichier"
    return text[:120]


def stored_path(folder: str, sha256: str, fmt: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or fmt not in ("xlsx", "ods", "csv"):
        raise ValueError("identifiant de fichier invalide")
    return os.path.join(folder, f"{sha256}.{fmt}")


def store(stream, name: str | None, folder: str, max_bytes: int, *, what: str = "le fichier") -> StoredFile:
    """Copy `stream` (a binary file object) into `folder` under its hash; refuse what is not a spreadsheet."""
    shown = display_name(name)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".envoi-", dir=folder)
    try:
        h = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused.one(413, f"{what} « {shown} » dépasse la taille maximale de "
                                                 f"{size_fr(max_bytes)} : envoi refusé")
                h.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused.one(422, f"{what} « {shown} » est vide")
        fmt = _sniff(tmp, shown)
        sha = h.hexdigest()
        final = stored_path(folder, sha, fmt)
        if os.path.exists(final):
            os.unlink(tmp)
        else:
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)
        return StoredFile(sha, fmt, final, shown, size)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _sniff(path: str, shown: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    kind = reader.sniff_format(path, head[:8])
    if kind == "ole":
        try:
            reader.refuse_ole(path, shown)
        except InputError as err:
            raise UploadRefused(415, err.problems) from None
        raise UploadRefused.one(415, f"« {shown} » n'est pas un classeur accepté")
    if kind == "zip":
        _refuse_bomb(path, shown)
        try:
            return reader.check_zip(path, shown)
        except InputError as err:
            raise UploadRefused(415, err.problems) from None
    if _BINARY.search(head):
        raise UploadRefused.one(415, f"« {shown} » n'est pas un classeur (.xlsx, .ods) ni un fichier CSV : "
                                     "type de fichier refusé")
    ext = os.path.splitext(shown)[1].lower()
    if ext and ext not in _TEXT_EXTENSIONS:  # a text file that says it is something else (.txt, .pdf, .json…)
        raise UploadRefused.one(415, f"« {shown} » : fichier {ext} refusé ; seuls les classeurs (.xlsx, .ods) et "
                                     "les fichiers CSV (.csv) sont acceptés")
    return "csv"


def _refuse_bomb(path: str, shown: str) -> None:
    """The reader's archive limits, answered with 413 (too large once unpacked) rather than 422."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UploadRefused.one(415, f"« {shown} » n'est pas un classeur lisible : archive tronquée ou corrompue") from None
    if len(infos) > reader.MAX_MEMBERS:
        raise UploadRefused.one(413, f"l'archive « {shown} » contient {len(infos)} éléments : refusée "
                                     f"(limite {reader.MAX_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > reader.RATIO_FLOOR_BYTES and info.file_size > reader.MAX_RATIO * max(info.compress_size, 1):
            raise UploadRefused.one(413, f"« {shown} » ressemble à une bombe de décompression : l'élément "
                                         f"{display_name(info.filename)} passe de {info.compress_size} à "
                                         f"{info.file_size} octets une fois décompressé ; fichier refusé")
    if total > reader.MAX_UNPACKED_BYTES:
        raise UploadRefused.one(413, f"« {shown} » occuperait {size_fr(total)} une fois décompressé, au-delà de "
                                     f"la limite de {size_fr(reader.MAX_UNPACKED_BYTES)} ; fichier refusé")


def rename_problems(err: InputError, stored: StoredFile) -> InputError:
    """The reader names the stored file (its hash); the user knows it by the name they gave."""
    base = os.path.basename(stored.path)

    def fix(p: Problem) -> Problem:
        return replace(p, message=p.message.replace(base, stored.name))

    out = type(err)([fix(p) for p in err.problems], err.dropped)  # its kind kept: TooLarge is HTTP 413
    return out


def size_fr(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.0f} Mio".replace(".", ",")
    if n >= 1 << 10:
        return f"{n / (1 << 10):.0f} Kio"
    return f"{n} octets"
