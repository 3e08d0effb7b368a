"""What the checker keeps between checks is never stale: the periods of the version files (read once while a file is
unchanged), and the structure of a lines table (what the rules derive from its texts and codes)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from constraints import rulebook

DAY = dt.date(2016, 12, 31)


def _fresh(monkeypatch, folder):
    monkeypatch.setattr(rulebook, "VERSIONS_DIR", folder)
    rulebook.versions.cache_clear()


def test_the_period_of_a_version_file_is_read_once_and_again_when_the_file_changes(tmp_path, monkeypatch):
    for p in rulebook.VERSIONS_DIR.glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    _fresh(monkeypatch, tmp_path)
    try:
        assert rulebook.for_date(DAY).id == "R623-2002-11-01"
        hits = rulebook._period_in.cache_info().hits
        assert rulebook.for_date(DAY).id == "R623-2002-11-01"
        assert rulebook._period_in.cache_info().hits > hits  # the second check reads no file
        # the file now states another period: read again, the day is no longer covered by it
        path = tmp_path / "r623_2002-11-01.yaml"
        text = path.read_text(encoding="utf-8")
        assert "valid_until: 2017-12-31" in text
        path.write_text(text.replace("valid_until: 2017-12-31", "valid_until: 2015-12-31 "), encoding="utf-8")
        rulebook.versions.cache_clear()
        with pytest.raises(rulebook.NoVersionInForce):
            rulebook.for_date(DAY)
        # a file added to the folder is seen
        (tmp_path / "r623_2002-11-01.yaml").write_text(text, encoding="utf-8")
        (tmp_path / "r623_copie.yaml").write_text(text, encoding="utf-8")
        rulebook.versions.cache_clear()
        assert rulebook._only_version_on(DAY) is None  # two files over the day: not read alone
    finally:
        rulebook.versions.cache_clear()
