"""Who a line is a claim on: issuer names folded to one legal person, LEIs, legal forms (READING 5).

- `name_key(name)`: the name with case, accents, punctuation, spaces and
  legal-form words folded away (« Société Générale S.A. » and « SOCIETE
  GENERALE » give one key). Legal-form suffixes are cleanco's (maintained, in
  many languages); the French long forms it misses (« société anonyme »,
  « société en nom collectif »…) and the forms written before the name
  (« SCI Bureaux Lyon ») are added here.
- `lei_in(text)`: an LEI written in a cell (ISO 17442, check digits by
  python-stdnum).
- `person_keys(names, leis)`: one key per line for one legal person: lines
  whose names fold alike, or that carry one LEI (in `emetteur` or `lei`), are
  one person, transitively.
- `alike_groups(...)`: persons whose names still look alike although nothing
  shows them to be one (« BNP Paribas » and « BNP Paribas Cardif »). The test
  that decides « looks alike » is `looks_alike`.
- `legal_form_code(text)`: a legal form however written (« Fonds commun de
  placement », « F.C.P. » → FCP; « Société en nom collectif », « S.N.C. » → SNC).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

LEI_SHAPE = re.compile(r"\b[0-9A-Z]{18}[0-9]{2}\b")

# Legal forms written in full, folded (no accents, lower case, one space), with their abbreviation. Longest first
# where one phrase begins another (« fonds commun de placement a risques » before « fonds commun de placement »).
_LONG_FORMS = (
    ("fonds commun de placement a risques", "FCPR"), ("fonds commun de placement a risque", "FCPR"),
    ("fonds commun de placement dans l innovation", "FCPI"), ("fonds commun de placement d entreprise", "FCPE"),
    ("fonds commun de placement", "FCP"), ("fonds d investissement de proximite", "FIP"),
    ("fonds professionnel de capital investissement", "FPCI"), ("fonds professionnel specialise", "FPS"),
    ("fonds commun de creances", "FCC"), ("fonds commun de titrisation", "FCT"),
    ("fonds de placement immobilier", "FPI"),
    ("societe d investissement a capital variable", "SICAV"),
    ("societe de placement a preponderance immobiliere a capital variable", "SPPICAV"),
    ("organisme de placement collectif immobilier", "OPCI"),
    ("societe civile de placement immobilier", "SCPI"), ("societe civile immobiliere", "SCI"),
    ("societe en nom collectif", "SNC"), ("societe en commandite par actions", "SCA"),
    ("societe en commandite simple", "SCS"), ("societe par actions simplifiee unipersonnelle", "SASU"),
    ("societe par actions simplifiee", "SAS"), ("societe a responsabilite limitee", "SARL"),
    ("entreprise unipersonnelle a responsabilite limitee", "EURL"), ("societe europeenne", "SE"),
    ("societe anonyme", "SA"), ("societe civile", "SC"), ("groupement d interet economique", "GIE"),
    ("societe d economie mixte", "SEM"), ("societe cooperative", "SCOP"),
)
_SHORT_FORMS = frozenset({
    "SA", "SAS", "SASU", "SARL", "EURL", "SE", "SCA", "SCS", "SNC", "SC", "SCI", "SCPI", "SICAV", "SPPICAV", "OPCI",
    "OPCVM", "FCP", "FCPR", "FCPI", "FIP", "FCPE", "FPCI", "FPS", "FCC", "FCT", "FPI", "GIE", "SEM", "SCOP", "NV", "AG",
    "PLC", "INC", "LTD", "LLC", "GMBH", "BV", "SPA", "SL", "AB", "AS", "OYJ", "KG", "LP", "LLP",
})
# Forms that may be written before the name (« SCI Bureaux Lyon », « SICAV Trésorerie »); cleanco strips suffixes.
_PREFIX_FORMS = frozenset({"sa", "sas", "sci", "scpi", "snc", "sicav", "sppicav", "opci", "fcp", "fcpr", "fcpi", "fip",
                           "fcpe", "fpci", "fps", "fcc", "fct", "fpi", "gie", "sarl", "sca"})
# Words too common to tell two names apart by themselves (never enough, alone, to make names look alike).
_STOPWORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "a", "au", "aux", "the", "of",
                        "and", "&", "sur", "pour"})
ALIKE_SCORE = 90  # rapidfuzz scores, 0 to 100


_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NOT_WORD_DOT = re.compile(r"[^0-9a-z.]+")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces (dots kept, for abbreviations), one space between words."""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("&", " et ")
    return " ".join(_NOT_WORD_DOT.sub(" ", s).split())


def _undot(words: str) -> str:
    """« s.n.c. » → « snc », « s. a. » → « sa »: dotted abbreviations made words."""
    s = re.sub(r"\b[a-z](?:\s?\.\s?[a-z]\b)+\.?", lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", words)
    return " ".join(s.replace(".", " ").split())


@lru_cache(maxsize=65536)
def legal_form_code(text: str) -> str | None:
    """The abbreviation of a legal form written alone, however written; None when the text is not one."""
    s = _undot(fold(text))
    for phrase, code in _LONG_FORMS:
        if s == phrase:
            return code
    up = s.replace(" ", "").upper()
    return up if up in _SHORT_FORMS else None


@lru_cache(maxsize=65536)
def legal_form_in_name(name: str) -> str | None:
    """The legal form a name carries at its start or end (« SNC Les Lilas », « Les Lilas S.N.C. »,
    « Société en nom collectif Les Lilas »), or None."""
    s = _undot(fold(name))
    for phrase, code in _LONG_FORMS:
        if s.startswith(phrase + " ") or s.endswith(" " + phrase) or s == phrase:
            return code
    words = s.split()
    if not words:
        return None
    for w in (words[0], words[-1]):
        if w.upper() in _SHORT_FORMS and (w in _PREFIX_FORMS or w is words[-1]):
            return w.upper()
    return None


@lru_cache(maxsize=None)
def _suffix_terms() -> frozenset:
    """cleanco's legal-form terms (every language it keeps), folded as names are, with the French forms it lacks."""
    from cleanco.termdata import terms_by_country, terms_by_type

    terms = set()
    for group in list(terms_by_type.values()) + list(terms_by_country.values()):
        for t in group:
            f = _undot(fold(t))
            if f:
                terms.add(f)
    terms.update(phrase for phrase, _ in _LONG_FORMS)
    terms.update(f.lower() for f in _SHORT_FORMS)
    return frozenset(terms)


@lru_cache(maxsize=None)
def _term_index() -> tuple:
    """(terms, last words of terms, first words of terms, most words in a term)."""
    terms = _suffix_terms()
    return (terms, frozenset(t.split()[-1] for t in terms), frozenset(t.split()[0] for t in terms),
            max(len(t.split()) for t in terms))


def _strip_forms(s: str) -> str:
    terms, lasts, firsts, most = _term_index()
    words = s.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[-1] in lasts:
            for k in range(min(most, len(words) - 1), 0, -1):  # the longest legal form that ends the name
                if " ".join(words[-k:]) in terms:
                    words = words[:-k]
                    changed = True
                    break
        if len(words) > 1 and words[0] in firsts:
            for k in range(min(most, len(words) - 1), 0, -1):  # and the one that begins it (« SCI … »)
                head = " ".join(words[:k])
                if head in terms and (k > 1 or head in _PREFIX_FORMS):
                    words = words[k:]
                    changed = True
                    break
    return " ".join(words).replace(".", " ")


_SEP = "\x00"  # between the names of a batch: no name holds it once cleaned, nothing folds to it or across it
_UNDOT = re.compile(r"\b[a-z](?:\s?\.\s?[a-z]\b)+\.?")
_SPACES_AT_SEP = re.compile(r" ?\x00 ?")
_RUN = re.compile(" {2,}")
_TO_SPACE = {c: " " for c in range(128) if not (chr(c).isdigit() or "a" <= chr(c) <= "z" or chr(c) in ".\x00")}
_WORDS: dict = {}  # name -> its folded words (`name_words`), kept from one table to the next
_WORDS_MAX = 524288


def _fold_all(texts: list) -> list:
    """`fold` then `_undot` of each text, made on all of them at once: each step — accents (NFKD), case, « & »,
    punctuation, dotted abbreviations — is one pass over the texts joined by `_SEP` (none of them crosses it:
    NFKD reorders marks between two starters only, and `_SEP` is one; no pattern matches it), instead of several
    calls per text."""
    big = _SEP.join(texts)
    if not big.isascii():
        big = unicodedata.normalize("NFKD", big).encode("ascii", "ignore").decode()
    # every other character a space (a table: ASCII by now), then a run of spaces one space
    big = big.lower().replace("&", " et ").translate(_TO_SPACE)
    if "  " in big:
        big = _RUN.sub(" ", big)
    if "." in big:
        big = _UNDOT.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", big).replace(".", " ")
        if "  " in big:
            big = _RUN.sub(" ", big)
    return _SPACES_AT_SEP.sub(_SEP, big).strip(" ").split(_SEP)


def names_words(names) -> list:
    """`name_words` of each name, the names not yet folded folded together (`_fold_all`): the words of a name
    once case, accents, punctuation and legal-form words are folded away (an LEI in it left out); the name's own
    words when it is nothing but a legal form."""
    names = list(names)
    distinct = dict.fromkeys(names)
    todo = [x for x in distinct if x not in _WORDS]
    extra = len(_WORDS) + len(todo) - _WORDS_MAX
    if extra > 0:  # the names folded first forgotten first, none of this call's
        for x in [x for x in _WORDS if x not in distinct][:extra]:
            del _WORDS[x]
    if todo:
        texts = [str(x) for x in todo]
        for i, t in enumerate(texts):
            if len(t) >= 20:  # (an LEI has 20 characters; the upper case folds as the name would not, so not below)
                texts[i] = LEI_SHAPE.sub(" ", t.upper())
        if _SEP in "".join(texts):
            texts = [t.replace(_SEP, " ") for t in texts]  # (it folds to a space, as any punctuation)
        _, lasts, firsts, _ = _term_index()
        folded = _fold_all(texts)
        for i, s in enumerate(folded):
            if " " in s and (s.rpartition(" ")[2] in lasts or s.partition(" ")[0] in firsts):
                core = _strip_forms(s)
                if core.strip():
                    folded[i] = " ".join(_NOT_WORD.sub(" ", core).split())
        _WORDS.update(zip(todo, folded))
    return [_WORDS[x] for x in names]


def name_words(name: str) -> str:
    """The words of a name once case, accents, punctuation and legal-form words are folded away (an LEI in it
    left out); the name's own words when it is nothing but a legal form (`names_words` of one name)."""
    hit = _WORDS.get(name)
    return hit if hit is not None else names_words([name])[0]


def clear_name_words() -> None:
    """Forget the folded names (a benchmark's first fold)."""
    _WORDS.clear()


def name_key(name: str) -> str:
    """One key for the spellings of one name: its folded words without spaces (« Total Energies » is
    « TotalEnergies »)."""
    return name_words(name).replace(" ", "")


def lei_valid(code: str) -> bool:
    from stdnum import lei

    return lei.is_valid(code)


def lei_in(text: str) -> tuple[str | None, str | None]:
    """(valid LEI, None) when the text holds one; (None, the token) when it holds a token shaped like an LEI whose
    check digits are wrong; (None, None) otherwise."""
    bad = None
    text = str(text)
    if len(text) < 20:
        return None, None
    for tok in LEI_SHAPE.findall(text.upper()):
        if not (re.search(r"[A-Z]", tok) and re.search(r"[0-9]", tok[:18])):
            continue
        if lei_valid(tok):
            return tok, None
        bad = tok
    return None, bad


class _Union:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        p = self.parent
        root = x
        while p.setdefault(root, root) != root:
            root = p[root]
        while p[x] != root:
            p[x], x = root, p[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def person_keys(names, leis=None) -> np.ndarray:
    """One key per line (object array; None when the line names nobody): lines whose names fold to one key, or
    that carry one LEI, are one legal person, and so are all the lines linked to them."""
    names = list(names)
    n = len(names)
    leis = [None] * n if leis is None else list(leis)
    own: list = [None] * n
    links: list = []
    memo: dict = {}
    distinct = [nm for nm in dict.fromkeys(names) if isinstance(nm, str) and nm.strip()]
    for nm, words in zip(distinct, names_words(distinct)):  # the names folded together
        key = words.replace(" ", "")
        memo[nm] = (lei_in(nm)[0] if len(nm) >= 20 else None, ("n", key) if key else None)
    for i in range(n):
        nm, lei = names[i], leis[i]
        nodes = []
        hit = memo.get(nm) if isinstance(nm, str) else None
        if hit is not None:
            found, nk = hit
            if nk is not None:
                nodes.append(nk)
            if found:
                nodes.append(("l", found))
        if isinstance(lei, str) and lei:
            nodes.append(("l", lei))
        if nodes:
            own[i] = nodes
            if len(nodes) > 1:
                links.append(nodes)
    u = _Union()
    for nodes in links:
        for other in nodes[1:]:
            u.union(nodes[0], other)
    parent = u.parent
    out = np.empty(n, dtype=object)
    for i, nodes in enumerate(own):
        if nodes is None:
            out[i] = None
        else:
            kind, val = u.find(nodes[0]) if nodes[0] in parent else nodes[0]  # (a node never linked is its root)
            out[i] = ("lei:" if kind == "l" else "") + val
    return out


_DIGIT_RUNS = re.compile(r"\d+")


def _digits(words: str) -> tuple:
    return tuple(sorted(_DIGIT_RUNS.findall(words)))


def looks_alike(a_words: str, b_words: str) -> bool:
    """Two folded names (`name_words`) that are not one key look alike when they hold the same numbers and either
    the words of one are all words of the other (« bnp paribas » in « bnp paribas cardif »), common words apart,
    or their letters differ by little: rapidfuzz's `fuzz.ratio` of the names without spaces at least
    `ALIKE_SCORE` (« societe generale » and « societe generalle »)."""
    from rapidfuzz import fuzz

    if a_words == b_words or _digits(a_words) != _digits(b_words):
        return False
    wa = {w for w in a_words.split() if w not in _STOPWORDS}
    wb = {w for w in b_words.split() if w not in _STOPWORDS}
    if wa and wb and (wa <= wb or wb <= wa):
        return True
    return fuzz.ratio(a_words.replace(" ", ""), b_words.replace(" ", "")) >= ALIKE_SCORE


def alike_groups(words: list[str], leis: list) -> list[list[int]]:
    """Groups (of at least two) of the persons whose names look alike, linked step by step; persons that both
    have an LEI are shown apart and never linked. `words[k]`: person k's folded name; `leis[k]`: its LEI or None."""
    k = len(words)
    if k < 2:
        return []
    # candidates: persons with the same numbers that share a word, or the first or last four letters
    blocks: dict = {}
    for p, w in enumerate(words):
        if not w:
            continue
        d = _digits(w)
        compact = w.replace(" ", "")
        keys = {("w", t) for t in w.split() if t not in _STOPWORDS and not t.isdigit()}
        keys.add(("b", compact[:4]))
        keys.add(("e", compact[-4:]))
        for key in keys:
            blocks.setdefault((d, key), []).append(p)
    u = _Union()
    seen: set = set()
    linked = False
    for members in blocks.values():
        if len(members) < 2 or len(members) > 2000:  # a word every name has tells nothing
            continue
        for x in range(len(members)):
            a = members[x]
            for b in members[x + 1:]:
                pair = (a, b)
                if pair in seen:
                    continue
                seen.add(pair)
                if leis[a] and leis[b]:
                    continue
                if looks_alike(words[a], words[b]):
                    u.union(a, b)
                    linked = True
    if not linked:
        return []
    groups: dict = {}
    for p in range(k):
        if p in u.parent:
            groups.setdefault(u.find(p), []).append(p)
    return [sorted(g) for g in groups.values() if len(g) > 1]
