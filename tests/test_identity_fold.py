"""The folding of names made on many names at once (`identity.names_words`) gives, for every name, exactly what the
folding of one name at a time gave (the reference below, the code it replaced): accents, ligatures, punctuation,
dotted abbreviations, every legal form cleanco knows (as a suffix and as a prefix), LEIs, empty names, digits."""

from __future__ import annotations

import random
import re
import unicodedata

from cleanco.termdata import terms_by_country, terms_by_type

from reserves.portfolio import identity
from reserves.portfolio.identity import LEI_SHAPE, _LONG_FORMS, _NOT_WORD, _SHORT_FORMS, _strip_forms

# ---- the reference: one name at a time, as the code was before the batch folding

_NOT_WORD_DOT = re.compile(r"[^0-9a-z.]+")


def _ref_fold(text: str) -> str:
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("&", " et ")
    return " ".join(_NOT_WORD_DOT.sub(" ", s).split())


def _ref_undot(words: str) -> str:
    s = re.sub(r"\b[a-z](?:\s?\.\s?[a-z]\b)+\.?", lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", words)
    return " ".join(s.replace(".", " ").split())


def ref_name_words(name: str) -> str:
    text = str(name)
    if len(text) >= 20:
        text = LEI_SHAPE.sub(" ", text.upper())
    s = _ref_fold(text)
    if "." in s:
        s = _ref_undot(s)
    core = _strip_forms(s)
    if not core.strip():
        core = s
    return " ".join(_NOT_WORD.sub(" ", core).split())


# ---- the names

BASES = ["Société Générale", "BNP Paribas", "Crédit Agricole", "Œuvre Française", "Æther Capital", "Straße Immobilien",
         "Müller & Söhne", "L'Oréal", "Électricité de France", "Caisse d'Épargne Île-de-France", "ﬁnance ﬂux", "Ｔｏｙｏｔａ",
         "İstanbul Holding", "Ελληνική Τράπεζα", "Сбербанк", "日本郵船", "Café 😀 Dupont", "A.B.C. Conseil", "s. a. Lumière",
         "Les Lilas", "1 2 3", "2025", "Fonds n° 12", "Émetteur 123", "x", "  ", "", "...", "&", "--", "Ŀa Ŀlave", "ǅemal",
         "ﬀ ﬃ ﬄ", "Ⅻ Ltd", "½ Capital", "ᴮᴺᴾ", "Dupont\nDurand", "Dupont\tDurand", "Dupont\xa0SA", "Nom\x00caché",
         "Zürich Versicherungs-Gesellschaft AG", "Assicurazioni Generali S.p.A.", "Banco Santander, S.A.",
         "TotalEnergies SE", "Total Energies", "S.N.C. Les Lilas", "Société en nom collectif Les Lilas",
         "SCI Bureaux Lyon", "SICAV Trésorerie", "F.C.P. Horizon", "Horizon F. C. P.", "Alpha.Beta.Gamma", "a.b",
         "ÉTAT FRANÇAIS", "république française", "R&D Partners LLC", "A & B & C", "O'Neil, Inc.", "Smith (UK) Ltd.",
         "Deutsche Bank Aktiengesellschaft", "Nordea Bank Abp", "Crédit Mutuel Arkéa", "Ørsted A/S", "Ålandsbanken Abp"]
LEIS = ["969500T3MBS4SQAMHJ45", "529900T8BM49AURSDO55", "5493001KJTIIGC8Y1R12", "aaaaaaaaaaaaaaaaaa12",
        "ABCDEFGHIJKLMNOPQR99"]
PUNCT = [" ", ", ", ". ", " - ", " / ", "(", ")", " & ", "'", "’", "«", "»", " ; ", ":", "_", "+", "\u2013", "\u00a0",
         "..", " . "]


def _forms() -> list:
    terms = set()
    for group in list(terms_by_type.values()) + list(terms_by_country.values()):
        terms.update(group)
    terms.update(phrase for phrase, _ in _LONG_FORMS)
    terms.update(_SHORT_FORMS)
    terms.update(f.lower() for f in _SHORT_FORMS)
    terms.update(".".join(f) + "." for f in _SHORT_FORMS)
    return sorted(terms)


def names() -> list:
    rng = random.Random(20261201)
    forms = _forms()
    out = list(BASES) + forms + LEIS
    for f in forms:  # every legal form cleanco knows, after and before a name, upper and lower case
        b = rng.choice(BASES)
        out += [f"{b} {f}", f"{f} {b}", f"{b}, {f.upper()}", f"{f.title()} {b} {f}"]
    for _ in range(12000):  # random mixes: words, punctuation, forms, digits, LEIs
        parts = []
        for _ in range(rng.randint(0, 6)):
            k = rng.random()
            if k < 0.45:
                parts.append(rng.choice(BASES))
            elif k < 0.65:
                parts.append(rng.choice(forms))
            elif k < 0.75:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 6))))
            elif k < 0.82:
                parts.append(rng.choice(LEIS))
            else:
                parts.append("".join(chr(rng.choice([rng.randint(32, 126), rng.randint(160, 0x2FF),
                                                     rng.randint(0x300, 0x36F), rng.randint(0xFB00, 0xFB06),
                                                     rng.randint(0xFF01, 0xFF5E)]))
                                     for _ in range(rng.randint(1, 8))))
            parts.append(rng.choice(PUNCT))
        out.append("".join(parts))
    return out


def test_batch_folding_is_the_folding_of_each_name():
    ns = names()
    assert len(ns) > 14000
    expected = [ref_name_words(n) for n in ns]
    identity.clear_name_words()
    assert identity.names_words(ns) == expected
    # in pieces of every size, some names already folded, some not
    identity.clear_name_words()
    rng = random.Random(7)
    i = 0
    while i < len(ns):
        k = rng.randint(1, 300)
        assert identity.names_words(ns[i:i + k]) == expected[i:i + k]
        i += k
    identity.clear_name_words()
    assert [identity.name_words(n) for n in ns[::7]] == expected[::7]
    assert [identity.name_key(n) for n in ns[::11]] == [e.replace(" ", "") for e in expected[::11]]


def test_folding_examples():
    identity.clear_name_words()
    got = identity.names_words(["Société Générale S.A.", "SOCIETE GENERALE", "S.N.C. Les Lilas", "SCI Bureaux Lyon",
                                "Nom\x00caché", "", "SA", "Œuvre & Cie"])
    assert got[:4] == ["societe generale", "societe generale", "les lilas", "bureaux lyon"]
    assert got[4] == "nom cache" and got[5] == "" and got[6] == "sa"
    assert got == [ref_name_words(n) for n in ["Société Générale S.A.", "SOCIETE GENERALE", "S.N.C. Les Lilas",
                                               "SCI Bureaux Lyon", "Nom\x00caché", "", "SA", "Œuvre & Cie"]]


def ref_person_keys(names, leis=None):
    """The reference: `identity.person_keys` as it was, one name folded at a time."""
    import numpy as np

    from reserves.portfolio.identity import _Union, lei_in

    names = list(names)
    n = len(names)
    leis = [None] * n if leis is None else list(leis)
    own: list = [None] * n
    links: list = []
    memo: dict = {}
    for i in range(n):
        nm, lei = names[i], leis[i]
        nodes = []
        if isinstance(nm, str) and nm.strip():
            hit = memo.get(nm)
            if hit is None:
                found, _ = lei_in(nm)
                key = ref_name_words(nm).replace(" ", "")
                hit = memo[nm] = (found, ("n", key) if key else None)
            found, nk = hit
            if nk is not None:
                nodes.append(nk)
            if found:
                nodes.append(("l", found))
        if isinstance(lei, str) and lei:
            nodes.append(("l", lei))
        if nodes:
            own[i] = nodes
            links.append(nodes)
    u = _Union()
    for nodes in links:
        for other in nodes[1:]:
            u.union(nodes[0], other)
    out = np.empty(n, dtype=object)
    for i, nodes in enumerate(own):
        if nodes is None:
            out[i] = None
        else:
            kind, val = u.find(nodes[0])
            out[i] = ("lei:" if kind == "l" else "") + val
    return out


def test_person_keys_as_before():
    rng = random.Random(11)
    pool = names()[:3000] + [None, float("nan"), "", "   ", 12] + [f"{b} {lei}" for b in BASES[:10] for lei in LEIS]
    ns = [rng.choice(pool) for _ in range(8000)]
    leis = [rng.choice(LEIS + [None, "", None, None]) if rng.random() < 0.3 else None for _ in ns]
    identity.clear_name_words()
    assert list(identity.person_keys(ns, leis)) == list(ref_person_keys(ns, leis))
    assert list(identity.person_keys(ns)) == list(ref_person_keys(ns))
    assert list(identity.person_keys(["BNP Paribas SA", "BNP PARIBAS", "R0MUWSFPU8MPRO8K5P83", None],
                                     [None, "R0MUWSFPU8MPRO8K5P83", None, None])) == \
        ["lei:R0MUWSFPU8MPRO8K5P83"] * 3 + [None]
