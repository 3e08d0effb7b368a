"""Reading an uploaded file in a worker process with bounded memory and processor time.

The reader measures a workbook before reading it (`reserves.portfolio.bounds`), but a file is the
outside world: an unforeseen case in a spreadsheet library (an allocation that aborts the process,
a loop that does not end) must cost one request, not the service. Each upload is therefore read in
a child process of its own, forked from a small server process that has the reader already
imported, under `resource.setrlimit`: address space (`RESERVES_LECTURE_MEMOIRE_MO`, 1 024 Mio by
default) and processor time (`RESERVES_LECTURE_CPU_S`, 60 s), with a wall-clock limit of twice that.
The portfolio comes back pickled through a pipe; bad input comes back as its French problems; a
worker that dies (killed at its memory or time limit, or aborted) becomes a French refusal of the
file. Set `RESERVES_LECTURE_ISOLEE=0` to read in the server's own process (no isolation).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading

from reserves.portfolio.errors import InputError, Problem

_PRELOAD = ["reserves.portfolio.model", "reserves.portfolio.model139", "reserves.pretrade.orders", "python_calamine", "openpyxl"]
_lock = threading.Lock()
_ctx = None


def memory_bytes() -> int:
    return int(float(os.environ.get("RESERVES_LECTURE_MEMOIRE_MO", "1024")) * 1024 * 1024)


def cpu_seconds() -> int:
    return int(float(os.environ.get("RESERVES_LECTURE_CPU_S", "60")))


def isolated() -> bool:
    if os.environ.get("RESERVES_LECTURE_ISOLEE", "1").strip().lower() in ("0", "non", "false", "no"):
        return False
    try:
        import resource  # noqa: F401  (POSIX only)
    except ImportError:
        return False
    return "forkserver" in mp.get_all_start_methods()


class ReadingRefused(InputError):
    """The worker went beyond its memory or time: the file is refused (HTTP 413, content too large for the server:
    RFC 9110 §15.5.14)."""

    status = 413


def _context():
    global _ctx
    with _lock:
        if _ctx is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _ctx = ctx
    return _ctx


def _read(kind: str, path: str, sheet: str | None, options: dict | None = None):
    options = options or {}
    if kind == "orders":
        from reserves.pretrade.orders import load_orders

        return load_orders(path)
    if kind == "orders139":
        from reserves.pretrade.r139 import load_orders139

        return load_orders139(path)
    from .services import read_portfolio  # the rules in force on the portfolio's date say how to read it

    return read_portfolio(path, sheet, date=options.get("date"), transparence=options.get("transparence", ()),
                          names=options.get("names", {}))


def _worker(conn, kind: str, path: str, sheet: str | None, memory: int, cpu: int, options=None) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        result = ("ok", _read(kind, path, sheet, options))
    except InputError as err:
        result = ("input", list(err.problems), err.dropped, getattr(err, "status", None))
    except MemoryError:
        result = ("memory",)
    except BaseException as exc:  # noqa: BLE001 - a panic of a native library included
        result = ("memory",) if _out_of_memory(exc) else ("internal", type(exc).__name__, str(exc)[:300])
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory",))
    finally:
        conn.close()


def _out_of_memory(exc: BaseException) -> bool:
    """An error that a failed allocation caused (a module that could not load, a mapping refused…)."""
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, MemoryError):
            return True
        text = str(exc).lower()
        if "memory" in text or "allocat" in text or "cannot map" in text or "failed to map" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _refused(name: str, why: str) -> ReadingRefused:
    return ReadingRefused([Problem(f"la lecture de « {name} » a dépassé les limites du serveur ({why}) : fichier "
                                   "refusé ; enregistrez-le à nouveau sans cellules ni lignes superflues, ou découpez-le")])


def read(kind: str, path: str, sheet: str | None = None, *, name: str | None = None, **options):
    """`kind` "portfolio" (a `Portfolio`, or a `Portfolio139` when the rules in force on its date are R. 139's;
    `options`: `date`, `transparence` (TPT paths), `names` (path → the user's file name)), "orders" or "orders139":
    the file read in a bounded worker process.

    Raises InputError (the reader's own problems, or a refusal when the worker went beyond its limits)."""
    if not isolated():
        return _read(kind, path, sheet, options)
    name = name or os.path.basename(path)
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    cpu = cpu_seconds()
    proc = ctx.Process(target=_worker, args=(sender, kind, path, sheet, memory_bytes(), cpu, options), daemon=True)
    proc.start()
    sender.close()
    message = None
    try:
        if receiver.poll(2 * cpu + 5):
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = None
        else:
            proc.kill()
            proc.join(5)
            raise _refused(name, "temps de lecture")
    finally:
        receiver.close()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    if message is None:
        why = {-24: "temps de calcul", -6: "mémoire"}.get(proc.exitcode, "mémoire ou temps de calcul")
        raise _refused(name, why)
    tag = message[0]
    if tag == "ok":
        return message[1]
    if tag == "input":
        from reserves.portfolio.errors import TooLarge

        raise (TooLarge if message[3] == 413 else InputError)(message[1], message[2])
    if tag == "memory":
        raise _refused(name, "mémoire")
    raise InputError([Problem(f"« {name} » n'a pas pu être lu (erreur interne du lecteur : {message[1]}) ; "
                              "merci de signaler ce fichier")])


__all__ = ["read", "ReadingRefused", "isolated", "memory_bytes", "cpu_seconds"]
