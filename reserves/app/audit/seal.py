"""The audit trail's secret key and its anchor, both kept outside the database.

- The key (32 random bytes, written in hexadecimal) seals every record:
  `hash = HMAC-SHA256(key, prev_hash + canonical JSON of its fields)`. Whoever
  can write to the database but does not hold the key cannot recompute a hash.
  It is read from `$RESERVES_AUDIT_KEY` (the key itself), else from the file
  `$RESERVES_AUDIT_KEY_FILE`, else from `<base>.cle` beside a SQLite base, or
  `reserves-audit.cle` in the current folder for a server base. A key file must
  be readable by its owner only (mode 0600), like an SSH key.
- The anchor is an append-only text file beside the key (`<…>.ancre`, or
  `$RESERVES_AUDIT_ANCHOR`): after each record, one line `number hash date
  key-id seal`, sealed with the key. It keeps the head out of the database's
  reach: a deleted tail, an emptied table or an older copy put back are seen
  by comparing the database with the anchor.
- A receipt (`reserves audit anchor`) is the head sealed with the key, as one
  JSON line to keep elsewhere (mail, paper, another machine): it still proves
  the head if the anchor file itself is lost or rewritten.

Only the standard library is imported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

ENV_KEY = "RESERVES_AUDIT_KEY"
ENV_KEY_FILE = "RESERVES_AUDIT_KEY_FILE"
ENV_ANCHOR = "RESERVES_AUDIT_ANCHOR"
DEFAULT_STEM = "reserves-audit"
KEY_SUFFIX = ".cle"
ANCHOR_SUFFIX = ".ancre"
RECEIPT_KIND = "reçu du journal d'audit reserves"


class SealError(Exception):
    """The key or the anchor cannot be used; the message is in French."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            return Path(path)
    return None


def default_stem(url: str) -> Path:
    """Where the key and the anchor live by default: beside a SQLite base, else in the current folder."""
    db = _sqlite_path(url)
    if db is not None:
        return db.with_suffix("") if db.suffix else db
    return Path(os.path.abspath(DEFAULT_STEM))


@dataclass
class Seal:
    """The key (if any) and the anchor's path for one audit base."""

    key: bytes | None
    key_path: Path | None  # None when the key comes from the environment
    anchor_path: Path

    @classmethod
    def locate(cls, url: str, *, key_file: str | os.PathLike | None = None,
               anchor_file: str | os.PathLike | None = None) -> "Seal":
        """The key and anchor of the base `url`; the key is None when it does not exist yet."""
        stem = default_stem(url)
        key_path = Path(key_file) if key_file else (Path(os.environ[ENV_KEY_FILE]) if os.environ.get(ENV_KEY_FILE)
                                                    else None)
        if anchor_file:
            anchor = Path(anchor_file)
        elif os.environ.get(ENV_ANCHOR):
            anchor = Path(os.environ[ENV_ANCHOR])
        elif key_path is not None:
            anchor = key_path.with_suffix(ANCHOR_SUFFIX)
        else:
            anchor = stem.with_name(stem.name + ANCHOR_SUFFIX)
        if key_path is None and os.environ.get(ENV_KEY):
            return cls(_parse_key(os.environ[ENV_KEY], f"${ENV_KEY}"), None, anchor)
        if key_path is None:
            key_path = stem.with_name(stem.name + KEY_SUFFIX)
        return cls(_read_key(key_path), key_path, anchor)

    # ---- the key ----------------------------------------------------------

    @property
    def where(self) -> str:
        return str(self.key_path) if self.key_path is not None else f"${ENV_KEY}"

    def create_key(self) -> None:
        """Write a new random key, readable by its owner only; refuses to replace one."""
        if self.key is not None:
            raise SealError(f"la clé du journal d'audit existe déjà ({self.where}) : elle n'est jamais remplacée")
        assert self.key_path is not None
        key = secrets.token_bytes(32)
        tmp = self.key_path.with_name(f".{self.key_path.name}.{secrets.token_hex(6)}")
        try:
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key.hex() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, self.key_path)  # whole or not at all, and never over another key
        except FileExistsError:
            raise SealError(f"la clé du journal d'audit existe déjà ({self.key_path})") from None
        except OSError as exc:
            raise SealError(f"clé du journal d'audit impossible à écrire ({self.key_path}) : "
                            f"{exc.strerror or exc}") from None
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self.key = key

    def need_key(self) -> bytes:
        if self.key is None:
            raise SealError(f"clé du journal d'audit introuvable ({self.where}) : créez-la avec « reserves audit "
                            "init » (ou donnez-la par $RESERVES_AUDIT_KEY ou $RESERVES_AUDIT_KEY_FILE)")
        return self.key

    @property
    def key_id(self) -> str:
        """A short public name of the key (it reveals nothing of it)."""
        return hmac.new(self.need_key(), b"reserves-audit-key-id", hashlib.sha256).hexdigest()[:16]

    def mac(self, text: str) -> str:
        return hmac.new(self.need_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()

    # ---- the anchor -------------------------------------------------------

    def anchor(self, count: int, head: str) -> None:
        """Append the head (number and hash of the latest record) to the anchor file."""
        at = _now()
        kid = self.key_id
        line = f"{count} {head} {at} {kid} {self.mac(_anchor_text(count, head, at, kid))}\n"
        try:
            self.anchor_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.anchor_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("ascii"))  # one write with O_APPEND: lines never interleave
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SealError(f"ancre du journal d'audit impossible à écrire ({self.anchor_path}) : "
                            f"{exc.strerror or exc}") from None

    def anchors(self) -> tuple[dict[int, str], list[str]] | None:
        """The anchored heads {number: hash} and the French problems of the anchor file; None if it is absent."""
        try:
            fh = open(self.anchor_path, encoding="ascii", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SealError(f"ancre du journal d'audit illisible ({self.anchor_path}) : {exc.strerror or exc}") from None
        heads: dict[int, str] = {}
        problems: list[str] = []
        kid = self.key_id
        with fh:
            for k, raw in enumerate(fh, 1):
                parts = raw.split()
                if not parts:
                    continue
                try:
                    count, head, at, line_kid, seal = parts
                    count = int(count)
                except ValueError:
                    problems.append(f"ancre altérée : ligne {k} illisible")
                    continue
                if line_kid != kid:
                    problems.append(f"ancre scellée par une autre clé (ligne {k}, clé {line_kid}) : la clé donnée "
                                    f"n'est pas celle du journal, ou l'ancre a été remplacée")
                    continue
                if not hmac.compare_digest(seal, self.mac(_anchor_text(count, head, at, line_kid))):
                    problems.append(f"ancre altérée : le sceau de la ligne {k} (n° {count}) est faux")
                    continue
                if heads.get(count, head) != head:  # the first attestation stands
                    problems.append(f"l'ancre atteste deux empreintes pour le n° {count} : le journal a été réécrit "
                                    "à partir de ce numéro (copie ancienne restaurée puis complétée ?)")
                    continue
                heads[count] = head
        return heads, problems

    # ---- receipts ---------------------------------------------------------

    def receipt(self, count: int, head: str, base: str) -> dict:
        doc = {"recu": RECEIPT_KIND, "base": base, "enregistrements": count, "empreinte": head, "date": _now(),
               "cle": self.key_id}
        doc["sceau"] = self.mac(_receipt_text(doc))
        return doc

    def check_receipt(self, doc) -> tuple[int, str]:
        """(number, hash) of a receipt whose seal is right; SealError otherwise."""
        if not isinstance(doc, dict) or doc.get("recu") != RECEIPT_KIND:
            raise SealError("ce n'est pas un reçu du journal d'audit")
        try:
            count, head, seal = int(doc["enregistrements"]), str(doc["empreinte"]), str(doc["sceau"])
        except (KeyError, TypeError, ValueError):
            raise SealError("reçu incomplet") from None
        if doc.get("cle") != self.key_id:
            raise SealError(f"reçu scellé par une autre clé ({doc.get('cle')})")
        if not hmac.compare_digest(seal, self.mac(_receipt_text(doc))):
            raise SealError(f"reçu falsifié : son sceau ne correspond pas à son contenu (n° {count})")
        return count, head


def _anchor_text(count: int, head: str, at: str, kid: str) -> str:
    return f"reserves-audit-anchor|{count}|{head}|{at}|{kid}"


def _receipt_text(doc: dict) -> str:
    fields = {k: v for k, v in doc.items() if k != "sceau"}
    return "reserves-audit-receipt|" + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _parse_key(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise SealError(f"clé du journal d'audit invalide ({where}) : attendu 64 chiffres hexadécimaux au moins")
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SealError(f"clé du journal d'audit illisible ({path}) : {exc.strerror or exc}") from None
    with os.fdopen(fd, encoding="ascii", errors="replace") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if stat.S_IMODE(mode) & 0o077:
            raise SealError(f"clé du journal d'audit trop exposée ({path}, droits {stat.S_IMODE(mode):o}) : elle doit "
                            f"n'être lisible que par son propriétaire (chmod 600 {path})")
        return _parse_key(fh.read(200), str(path))


__all__ = ["Seal", "SealError", "ENV_KEY", "ENV_KEY_FILE", "ENV_ANCHOR", "default_stem"]
