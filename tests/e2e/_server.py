"""A real `reserves serve` on a free loopback port, in a subprocess, with its own database and storage."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "mot-de-passe-de-test"


@dataclass
class Server:
    url: str
    db_url: str
    storage: str
    token: str
    user: str
    password: str
    proc: subprocess.Popen


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(folder, *, max_mb: float | None = None, startup_s: float = 60):
    from reserves.app.users import UserStore

    db_url = "sqlite:///" + os.path.join(str(folder), "base.sqlite3")
    storage = os.path.join(str(folder), "stockage")
    users = UserStore(db_url)
    users.add("comptable", PASSWORD, role="controleur")  # sees the whole audit trail and its verification
    token = users.add("robot", None, token=True)
    users.engine.dispose()
    port = free_port()
    cmd = [sys.executable, "-m", "reserves.app.cli", "serve", "--hote", "127.0.0.1", "--port", str(port),
           "--base", db_url, "--stockage", storage]
    if max_mb is not None:
        cmd += ["--taille-max", str(max_mb)]
    log = open(os.path.join(str(folder), "serveur.log"), "w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=str(folder))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"le serveur s'est arrêté (code {proc.returncode}) :\n{log.read()}")
            try:
                if httpx.get(url + "/connexion", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("le serveur ne répond pas")
            time.sleep(0.1)
        yield Server(url, db_url, storage, token, "comptable", PASSWORD, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def chromium_path() -> str | None:
    for path in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if path and os.path.exists(path):
            return path
    return None
