"""A version file validated once is kept, keyed by the SHA-256 of the file and of the code that validates it: the
next process reads it back without validating (nor loading pydantic); a changed file is validated again, so that a
wrong key written into it is still refused at load (rulebook files validated at load: issue of the rule kinds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from constraints import rulebook
from constraints.schema import RulebookError

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "constraints" / "versions" / "r623_2002-11-01.yaml"

PROBE = ("import sys; from constraints import rulebook; v = rulebook.load_version(sys.argv[1]); "
         "print(len(v.rules), 'constraints.schema' in sys.modules, 'pydantic' in sys.modules)")


def _load_in_new_process(path, cache) -> str:
    env = dict(os.environ, **{rulebook.CACHE_ENV: str(cache)})
    r = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(rulebook.CACHE_ENV, str(d))
    return d


def _same(a: rulebook.Version, b: rulebook.Version) -> None:
    assert a == b and a.rules == b.rules and a.extra == b.extra and a.exclusions == b.exclusions
    assert a.readings == b.readings and a.readings is not None
    assert a.line_readings(None) == b.line_readings(None)


def test_a_validated_version_is_kept_and_read_back_the_same(tmp_path, cache):
    path = tmp_path / "r623_essai.yaml"
    shutil.copy(SOURCE, path)
    first = rulebook.load_version(path)
    kept = list(cache.glob("*.pickle"))
    assert len(kept) == 1 and not cache.stat().st_mode & 0o077
    again = rulebook.load_version(path)
    _same(first, again)
    assert again.path == str(path)
    assert first.readings.base_exclusions.values  # plain data, the same attributes as the validated model
    n = len(first.rules)
    # a new process: validated and kept by the first load above, read back without pydantic
    assert _load_in_new_process(path, cache) == f"{n} False False"


def test_a_wrong_key_written_into_a_kept_file_is_still_refused_at_load(tmp_path, cache):
    path = tmp_path / "r623_essai.yaml"
    shutil.copy(SOURCE, path)
    rulebook.load_version(path)
    assert _load_in_new_process(path, cache).endswith("False False")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(r for r in doc["rules"] if r["id"] == "R623-3/euro-90")["numerator"] = [{"currency_not": "EUR"}]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(RulebookError, match="currency_not") as exc:
        rulebook.load_version(path)
    assert "R623-3/euro-90" in str(exc.value) and "clé inconnue" in str(exc.value)
    env = dict(os.environ, **{rulebook.CACHE_ENV: str(cache)})
    r = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=120)
    assert r.returncode != 0 and "currency_not" in r.stderr  # refused in a new process too
    assert len(list(cache.glob("*.pickle"))) == 1  # a refused file is never kept


def test_the_same_bytes_under_another_name_read_the_same(tmp_path, cache):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    shutil.copy(SOURCE, a)
    shutil.copy(SOURCE, b)
    va, vb = rulebook.load_version(a), rulebook.load_version(b)
    assert len(list(cache.glob("*.pickle"))) == 1
    assert va.path == str(a) and vb.path == str(b) and va.rules == vb.rules


def test_a_folder_others_may_write_to_is_never_read(tmp_path, cache):
    path = tmp_path / "r623_essai.yaml"
    shutil.copy(SOURCE, path)
    rulebook.load_version(path)
    cache.chmod(0o777)
    assert _load_in_new_process(path, cache).endswith("True True")  # validated again, not read back
    cache.chmod(0o700)
    assert _load_in_new_process(path, cache).endswith("False False")


def test_nothing_is_kept_when_the_variable_is_set_empty(tmp_path, monkeypatch):
    monkeypatch.setenv(rulebook.CACHE_ENV, "")
    assert rulebook.validated_cache_dir() is None
    v = rulebook.load_version(SOURCE)
    assert v.rules and asdict(v.rules[0])


def test_at_most_a_few_dozen_validated_versions_are_kept(tmp_path, cache):
    cache.mkdir(mode=0o700)
    for k in range(rulebook.KEPT_VERSIONS + 10):
        old = cache / f"{k:064x}.pickle"
        old.write_bytes(b"")
        os.utime(old, ns=(10**18 + k, 10**18 + k))
    path = tmp_path / "r623_essai.yaml"
    shutil.copy(SOURCE, path)
    rulebook.load_version(path)
    left = sorted(p.name for p in cache.glob("*.pickle"))
    assert len(left) == rulebook.KEPT_VERSIONS
    assert f"{0:064x}.pickle" not in left  # the oldest went first
    assert _load_in_new_process(path, cache).endswith("False False")  # the new one is kept
