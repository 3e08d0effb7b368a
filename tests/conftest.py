import os

import pytest


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server (one per test worker); see tests/pg.py."""
    from pg import PgServer, find_bin

    bindir = find_bin()
    if bindir is None:
        message = "PostgreSQL absent (initdb introuvable) : installer le paquet postgresql (tests/run le fait)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PgServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def pg_url(pg_server, request):
    """A fresh database on the test server, as a SQLAlchemy URL."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50] + f"_{id(request) % 100000}"
    return pg_server.new_database(name)
