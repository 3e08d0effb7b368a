"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, a free loopback port, a unix
socket beside the data, one database; stopped and deleted at the end.

Run as root, the server runs as the `postgres` OS user (`runuser`), since PostgreSQL refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def find_bin() -> str | None:
    """The folder of the newest installed PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3])
                   if p.split("/")[-3].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: str, dbname: str = "reserves_test"):
        self.bindir = bindir
        self.dbname = dbname
        self.as_root = os.geteuid() == 0
        self.tmp = tempfile.mkdtemp(prefix="reserves-pg-")
        self.data = os.path.join(self.tmp, "data")
        self.port = _free_port()
        self.user = "postgres" if self.as_root else (os.environ.get("USER") or "postgres")
        self.started = False

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C", "LANG": "C"})

    def start(self) -> "PgServer":
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
        os.chmod(self.tmp, 0o700)
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--no-sync")
        for attempt in range(3):  # another process may take the free port first: try another
            opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off -c full_page_writes=off"
            done = self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l",
                             os.path.join(self.tmp, "log"), "-o", opts, "-w", "-t", "60", "start", check=attempt == 2)
            if done.returncode == 0:
                break
            self.port = _free_port()
        self.started = True
        deadline = time.monotonic() + 30
        while True:
            try:
                self._psql("postgres", f'CREATE DATABASE "{self.dbname}"')
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return self

    def _psql(self, db: str, sql: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=db, autocommit=True) as c:
            try:
                c.execute(sql)
            except psycopg.Error as exc:
                raise subprocess.CalledProcessError(1, sql, str(exc)) from None
        return ""

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.dbname}"

    def new_database(self, name: str) -> str:
        self._psql("postgres", f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            if self.started:
                self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop",
                          check=False, timeout=60)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
