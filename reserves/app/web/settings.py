"""Settings of the upload page, with safe defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from reserves.app.users import database_url

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
DEFAULT_USER_STORAGE = 500 * 1024 * 1024


@dataclass
class Settings:
    storage: str = "stockage"  # uploaded files (by hash), propositions, the secret key
    db_url: str | None = None  # users, sessions, analyses and the audit trail
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    secure_cookies: bool = False  # True when served over https: cookies get the Secure flag
    session_hours: float = 12.0
    secret_key: str | None = field(default=None, repr=False)  # signs the sign-in form's CSRF cookie; kept in the storage folder
    root_path: str = ""
    max_storage_per_user: int = DEFAULT_USER_STORAGE  # files kept for one user's analyses, in bytes
    login_window_s: float = 15 * 60  # sign-in failures are counted over this window
    login_per_name: int = 5  # failures on one name before it takes one attempt per `login_throttle_s`
    login_per_address: int = 20  # failures from one address before it is refused for the window
    login_throttle_s: float = 10
    login_concurrent: int = 2  # password hashes computed at once
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.storage = os.path.abspath(self.storage)
        os.makedirs(self.storage, mode=0o700, exist_ok=True)
        self.db_url = database_url(self.db_url)
        if not self.secret_key:
            self.secret_key = _stored_secret(os.path.join(self.storage, "cle_secrete"))

    @property
    def files_dir(self) -> str:
        return os.path.join(self.storage, "fichiers")

    @property
    def outputs_dir(self) -> str:
        return os.path.join(self.storage, "resultats")


def _stored_secret(path: str) -> str:
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
