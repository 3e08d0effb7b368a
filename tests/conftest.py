import os

import pytest
from hypothesis import settings

# CI runs the property tests on hypothesis's fixed examples (derandomize), so a verdict does not depend on the run;
# locally, each run draws new ones (`--hypothesis-seed=N` to replay)
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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


R623_TEST_DATE = __import__("datetime").date(2016, 12, 31)
_DATING = {"on": True}


@pytest.fixture(scope="session", autouse=True)
def _r623_portfolios_are_dated():
    """The portfolios these tests build are R. 623 portfolios of 31/12/2016 (SPEC §4): one read without a stated
    date gets that date, as its file would state it, unless the test is marked `undated` (the date tests)."""
    from reserves.portfolio import model, model139, reader

    real_from_raw, real_stated, real_raw139 = model.from_raw, reader.read_stated_date, model139.read_raw

    def from_raw(raw, *a, **kw):
        pf = real_from_raw(raw, *a, **kw)
        if _DATING["on"] and pf.as_of is None:
            pf.as_of, pf.as_of_where = R623_TEST_DATE, "date des portefeuilles de test"
        return pf

    def read_stated_date(*a, **kw):
        got = real_stated(*a, **kw)
        if got is None and _DATING["on"]:
            return R623_TEST_DATE, "date des portefeuilles de test"
        return got

    def read_raw139(*a, **kw):  # `reserves report` learns the date from this one read
        raw = real_raw139(*a, **kw)
        if raw.as_of is None and _DATING["on"]:
            raw.as_of, raw.as_of_where = R623_TEST_DATE, "date des portefeuilles de test"
        return raw

    mp = pytest.MonkeyPatch()
    mp.setattr(model, "from_raw", from_raw)
    mp.setattr(model139, "read_raw", read_raw139)
    mp.setattr(reader, "read_stated_date", read_stated_date)
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _undated(request):
    if request.node.get_closest_marker("undated") or "r139" in request.node.nodeid:  # R. 139 tests: their own dates
        _DATING["on"] = False
        yield
        _DATING["on"] = True
    else:
        yield


def pytest_configure(config):
    config.addinivalue_line("markers", "undated: portfolios read in this test keep the date their file states, or none")
