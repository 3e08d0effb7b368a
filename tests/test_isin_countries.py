"""The ISIN parser's fast paths (one code, a whole column) give stdnum's answers for every country prefix, asking
stdnum only through its public API."""

from __future__ import annotations

import string

import numpy as np
import pytest
from stdnum import isin

from reserves.portfolio.parsing import BadCell, isin_country_known, parse_isin


def _codes() -> list[str]:
    """One code with the right check digit, and one with a wrong one, for each of the 676 two-letter prefixes."""
    out = []
    for a in string.ascii_uppercase:
        for b in string.ascii_uppercase:
            body = f"{a}{b}00012027"
            body += "1"
            good = body + isin.calc_check_digit(body)
            out += [good, good[:-1] + str((int(good[-1]) + 1) % 10)]
    return out


def test_country_prefixes_known_as_stdnum_knows_them():
    known = {a + b for a in string.ascii_uppercase for b in string.ascii_uppercase if isin_country_known(a + b)}
    assert {"FR", "DE", "US", "XS", "EU"} <= known
    assert not {"QQ", "ZZ", "AA"} & known
    for cc in ("fr", "F", "FRA", "1A", ""):
        assert not isin_country_known(cc)


@pytest.mark.parametrize("path", ["one", "column"])
def test_fast_paths_agree_with_stdnum_on_every_prefix(path):
    codes = _codes()
    if path == "one":
        got = []
        for c in codes:
            try:
                got.append(parse_isin(c) == c)
            except BadCell:
                got.append(False)
    else:
        done, out = parse_isin.vector(np.array(codes, dtype=object))
        got = list(done)
        assert all(out[i] == codes[i] for i in np.flatnonzero(done))
    assert got == [isin.is_valid(c) for c in codes]
    assert sum(got) > 200  # the valid codes of the known prefixes are many: the check can fail


def test_unknown_country_prefix_keeps_its_french_reason():
    body = "QQ000120271"
    with pytest.raises(BadCell, match="code pays inconnu"):
        parse_isin(body + isin.calc_check_digit(body))
