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


# --------------------------------------------------------------------------- the structure of a lines table

from dataclasses import replace  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from constraints import checker  # noqa: E402
from constraints.rules import Context  # noqa: E402
from reserves.portfolio.parsing import TRUE, UNKNOWN  # noqa: E402
from helpers import ballast, line, portfolio  # noqa: E402


def _pf():
    return portfolio(
        ballast("9 000 000,00"),
        line(7, "300 000,00", label="Action A", emetteur="Alpha SA"),
        line(7, "300 000,00", label="Action B", emetteur="Beta SA"),
        line(2, "200 000,00", label="Obligation C", emetteur="Gamma SA"),
        line(9, "300 000,00", label="Immeuble D", immeuble="IMM-D"),
        line(9, "300 000,00", label="Immeuble F", immeuble="IMM-F"),
        line(9, "50 000,00", label="Forêt G", immeuble="IMM-G", biens_forestiers="oui"),  # to be sold
        line(13, "100 000,00", label="Dépôt E"),
    )


def _verdict(pf) -> dict:
    d = checker.check(pf, date=DAY).to_dict()
    return {k: v for k, v in d.items() if k != "as_of_source"}


def _fresh_verdict(pf) -> dict:
    """The verdict on a new table with the same cells (never checked: its structure is made again)."""
    return _verdict(replace(pf, lines=pf.lines.copy(deep=True)))


def _structure(pf):
    day, version = checker.version_of(pf, DAY)
    return Context(pf, version, day, keep=True).structure


def test_a_second_check_of_an_unchanged_table_uses_its_structure():
    pf = _pf()
    first = _verdict(pf)
    s = _structure(pf)
    assert _verdict(pf) == first and _structure(pf) is s
    # a new table with the same cells has its own structure, and the same verdict
    other = replace(pf, lines=pf.lines.copy(deep=True))
    assert _structure(other) is not s and _verdict(other) == first


def _row(L, label):
    return int(np.flatnonzero(L["label"].to_numpy() == label)[0])


def _unknown_custody(L):
    L.insert(len(L.columns), "custody", np.full(len(L), UNKNOWN, dtype=np.int8))


MUTATIONS = {
    # a cell written in place: an equity line becomes a building (categories, caps)
    "category cell": lambda L: L.iloc.__setitem__((_row(L, "Action A"), L.columns.get_loc("category")), 9),
    # a yes/no cell written in place: a line of forest assets (R. 623-7), to be sold
    "flag cell": lambda L: L.loc.__setitem__((L.index[_row(L, "Immeuble D")], "forest_assets"), TRUE),
    # a column replaced: custody unknown everywhere
    "column replaced": lambda L: L.__setitem__("custody", np.full(len(L), UNKNOWN, dtype=np.int8)),
    # two issuers made one (their codes), in place: 6 % of the base for one issuer
    "issuer code": lambda L: L.loc.__setitem__((L.index[_row(L, "Action B")], "issuer_code"),
                                               L["issuer_code"].iat[_row(L, "Action A")]),
    # a line moved to the gestion pocket, in place
    "pocket": lambda L: L.loc.__setitem__((L.index[_row(L, "Action A")], "gestion"), True),
    # two buildings made one (their codes), in place: 5.8 % of the base for one building
    "building code": lambda L: L.loc.__setitem__((L.index[_row(L, "Immeuble F")], "property_code"),
                                                 L["property_code"].iat[_row(L, "Immeuble D")]),
    # a text written in place: the label of the line to be sold (the subject of its finding)
    "text": lambda L: L.loc.__setitem__((L.index[_row(L, "Forêt G")], "label"), "Bois de Boulogne"),
    # the lines sorted in place (rows move)
    "sorted": lambda L: L.sort_values("value", inplace=True),
    # a column renamed in place: the flag of forest assets read as missing (unknown) -- then put back
    "renamed": lambda L: L.rename(columns={"custody": "custody_old"}, inplace=True) or
    L.insert(len(L.columns), "custody", np.full(len(L), UNKNOWN, dtype=np.int8)),
    # a cell through `.at` and through `.iat`
    "at cell": lambda L: L.at.__setitem__((L.index[_row(L, "Action A")], "category"), 9),
    "iat cell": lambda L: L.iat.__setitem__((_row(L, "Action A"), L.columns.get_loc("gestion")), True),
    # a whole column written through `.loc` (the same array object, new values), and through `isetitem`
    "loc column": lambda L: L.loc.__setitem__((slice(None), "custody"), UNKNOWN),
    "isetitem": lambda L: L.isetitem(L.columns.get_loc("custody"), np.full(len(L), UNKNOWN, dtype=np.int8)),
    # a column dropped in place, deleted, popped -- then put back, unknown everywhere
    "dropped": lambda L: L.drop(columns=["custody"], inplace=True) or _unknown_custody(L),
    "deleted": lambda L: L.__delitem__("custody") or _unknown_custody(L),
    "popped": lambda L: L.pop("custody") is None or _unknown_custody(L),
    # a column cast (then a cell of it written)
    "cast": lambda L: L.__setitem__("category", L["category"].astype(np.int16)) or
    L.loc.__setitem__((L.index[_row(L, "Action A")], "category"), 9),
    # `update`, `replace` and `eval` in place
    "update": lambda L: L.update(pd.DataFrame({"category": [9]}, index=[L.index[_row(L, "Action A")]],
                                              dtype=L["category"].dtype)),
    "replace": lambda L: L.replace({"label": {"Forêt G": "Bois de Vincennes"}}, inplace=True),
    "eval": lambda L: L.eval("value = value * 3", inplace=True),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_table_changed_after_its_check_is_never_judged_on_its_old_structure(name):
    pf = _pf()
    before = _verdict(pf)
    s = _structure(pf)
    assert _verdict(pf) == before  # the structure is kept and serves
    MUTATIONS[name](pf.lines)
    after = _verdict(pf)
    assert after == _fresh_verdict(pf)  # the same verdict as a table never checked
    if name != "sorted":
        assert after != before  # (the change changes the verdict: an old structure would have kept it)
    assert _structure(pf) is not s
    assert _verdict(pf) == after  # and the new structure serves in turn


SAME_VERDICT = {
    # a new row index, in place: the same lines under other labels
    "index replaced": lambda L: setattr(L, "index", L.index + 100),
    "index sorted": lambda L: L.sort_index(ascending=False, inplace=True),
    "index reset": lambda L: L.sort_values("value", inplace=True) or L.reset_index(drop=True, inplace=True),
    # new column labels, in place (the same names)
    "columns replaced": lambda L: setattr(L, "columns", pd.Index(list(L.columns))),
    # a column inserted, a column cast to the same values, a column written with the values it had
    "inserted": lambda L: L.insert(0, "note_libre", "x"),
    "cast same values": lambda L: L.__setitem__("issuer_code", L["issuer_code"].astype(np.int32)),
    "written again": lambda L: L.loc.__setitem__((slice(None), "value"), L["value"].to_numpy().copy()),
}


@pytest.mark.parametrize("name", sorted(SAME_VERDICT))
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_any_write_to_a_checked_table_makes_its_structure_again(name):
    """A write that leaves the verdict as it was is still a write: the structure is made again (an unchanged one
    is never assumed), and the verdict is the one of a table never checked."""
    pf = _pf()
    before = _verdict(pf)
    s = _structure(pf)
    assert _structure(pf) is s
    SAME_VERDICT[name](pf.lines)
    assert _structure(pf) is not s
    assert _verdict(pf) == _fresh_verdict(pf) == before


def test_a_table_put_together_from_a_checked_one_has_its_own_structure():
    """`pd.concat` of a checked table, and a copy of it: new tables, each with its own structure and the verdict
    of its own lines."""
    pf = _pf()
    before = _verdict(pf)
    s = _structure(pf)
    L = pf.lines
    doubled = replace(pf, lines=pd.concat([L, L[L["label"] == "Action A"]], ignore_index=True))
    assert _structure(doubled) is not s
    assert _verdict(doubled) == _fresh_verdict(doubled) != before
    shallow = replace(pf, lines=L.copy(deep=False))
    assert _structure(shallow) is not s and _verdict(shallow) == before
    shallow.lines.loc[shallow.lines.index[_row(L, "Action A")], "category"] = 9  # the copy written, not the table
    assert _verdict(shallow) == _fresh_verdict(shallow) != before
    assert _verdict(pf) == before and _structure(pf) is s


def test_a_change_of_values_alone_keeps_the_sums_right():
    pf = _pf()
    before = _verdict(pf)
    L = pf.lines
    i = _row(L, "Action A")
    L.loc[L.index[i], "value"] = 600_000_00  # in place: 6 % of the base for Alpha SA
    after = _verdict(pf)
    assert after == _fresh_verdict(pf) and after != before
    statuses = {r["id"]: r["status"] for r in after["rules"]}
    assert statuses["R623-10-1/emetteur-max5"] == "breach"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_properties import PROFILE, holdings  # noqa: E402


@PROFILE
@given(holdings(), st.lists(st.integers(1, 10**9), min_size=1, max_size=3))
def test_every_check_of_a_kept_structure_agrees_with_a_table_never_checked(lines, values):
    """The first check makes the structure, the next ones read it (and its patterns: every sum of values in one
    pass); values changed in place in between are summed again. Each verdict is the one of a new table."""
    pf = portfolio(*lines)
    for k, cents in enumerate(values):
        assert _verdict(pf) == _fresh_verdict(pf)
        L = pf.lines
        L.loc[L.index[k % len(L)], "value"] = cents  # an amount changed in place: a new structure
        assert _verdict(pf) == _fresh_verdict(pf)
        assert _verdict(pf) == _fresh_verdict(pf)


# --------------------------------------------------------------------------- messages follow the rulebook


def test_the_limits_in_the_messages_follow_the_rulebook(tmp_path, monkeypatch):
    """The percentages a message names are the rule's values: a copied rulebook with other limits (4 % per legal
    person, 7,5 % of the securities of an issuer) gives messages with those."""
    from constraints.rules import fr_limit

    assert (fr_limit("0.05"), fr_limit("0.10"), fr_limit("0.075"), fr_limit("1/3")) == ("5 %", "10 %", "7,5 %",
                                                                                          "33,333333 %")
    lines = (ballast("9 000 000,00"),
             line(7, "100 000,00", label="Action sans émetteur", emetteur=None),
             line(2, "100 000,00", label="Obligation sans émetteur", emetteur=None))

    def messages(v):
        return {(f.rule, f.subject): f.message for f in v.findings}

    before = messages(checker.check(portfolio(*lines), date=DAY))
    assert "pour le plafond de 5 % par personne morale" in before[("R623-10-1/emetteur-max5", "Action sans émetteur")]
    assert "pour le plafond de 10 % de détention" in before[("R623-10-1/detention-max10", "Obligation sans émetteur")]
    src = rulebook.VERSIONS_DIR / "r623_2002-11-01.yaml"
    text = src.read_text(encoding="utf-8")
    for rule_id, old, new in (("emetteur-max5", '"0.05"', '"0.04"'), ("detention-max10", '"0.10"', '"0.075"')):
        head, _, rest = text.partition(f"id: R623-10-1/{rule_id}")
        assert old in rest.split("- id:")[0]
        text = head + f"id: R623-10-1/{rule_id}" + rest.replace(old, new, 1)
    (tmp_path / src.name).write_text(text, encoding="utf-8")
    shutil.copy(rulebook.VERSIONS_DIR / "r139_2019-07-08.yaml", tmp_path)
    _fresh(monkeypatch, tmp_path)
    try:
        after = messages(checker.check(portfolio(*lines), date=DAY))
    finally:
        rulebook.versions.cache_clear()
    assert "pour le plafond de 4 % par personne morale" in after[("R623-10-1/emetteur-max5", "Action sans émetteur")]
    assert "pour le plafond de 7,5 % de détention" in after[("R623-10-1/detention-max10",
                                                             "Obligation sans émetteur")]
