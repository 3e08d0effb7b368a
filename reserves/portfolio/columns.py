"""The columns of a portfolio file (SPEC §1): French header, English alias, kind.

One table serves the reader (header matching and cell parsing), the template
writer (headers, read-me, drop-down lists) and the rules (which column to
fill when a verdict is `unknown`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str  # internal name, English
    header: str  # French header as written in the template
    alias: str  # English alias accepted in files
    kind: str  # text, category, money, currency, isin, pocket, bool, number, days, ratio, country, exclusion
    required: bool
    help: str  # French, shown in the template's read-me and in messages


COLUMNS: tuple[Column, ...] = (
    Column("label", "libelle", "name", "text", True, "Libellé de la ligne."),
    Column("category", "categorie", "category", "category", True,
           "Catégorie de l'article R. 623-3 : 1 à 13 (aussi 1°, 1° a), R623-3 1°), "
           "IFT pour un instrument financier à terme (R. 623-4), AUTRE hors liste."),
    Column("market_value", "valeur", "market_value", "money", True,
           "Valeur de marché en euros, coupon couru exclu."),
    Column("currency", "devise", "currency", "currency", True, "Code ISO 4217 de la devise de libellé (EUR, USD…)."),
    Column("isin", "isin", "isin", "isin", False, "Code ISIN ; format et clé de contrôle vérifiés."),
    Column("issuer", "emetteur", "issuer", "text", False,
           "Émetteur (personne morale) ; un LEI est bienvenu. Sert aux plafonds de {limite:R623-10-1/emetteur-max5} par "
           "émetteur et de {limite:R623-10-1/detention-max10} de détention."),  # limits: the rulebook's, where shown
    Column("lei", "lei", "lei", "lei", False,
           "LEI de l'émetteur (ISO 17442, 20 caractères, clé de contrôle vérifiée) : les lignes d'un même LEI sont "
           "une même personne morale."),
    Column("accrued_interest", "coupon_couru", "accrued_interest", "money", False,
           "Coupon couru en euros, ajouté à la valeur de la ligne (R. 623-3 IV) ; créances seulement (1° à 4°, 11° à 13°)."),
    Column("pocket", "poche", "pocket", "pocket", False,
           "reserves (par défaut) ou gestion (gestion administrative, action sociale, disponibilités, report à nouveau : R. 623-10)."),
    Column("realisable_euro", "realisable_euro", "realisable_in_euro", "bool", False,
           "oui/non : réalisable en euros bien que libellé dans une autre devise ; par défaut : devise = EUR."),
    Column("fund_euro_1_4", "fonds_euro_1_4", "fund_euro_1_4", "bool", False,
           "Catégorie 5 : fonds limité aux actifs en euros des 1° à 4° (compte dans le plancher de 34 %)."),
    Column("fund_1_3", "fonds_1_3", "fund_1_3", "bool", False,
           "Catégorie 5 : fonds limité aux actifs des 1° à 3° (admis dans la poche gestion)."),
    Column("legal_form", "forme_juridique", "legal_form", "text", False,
           "SICAV, FCP, SCI, SNC, SPPICAV, SA… (un FCP n'a pas la personnalité morale)."),
    Column("quantity", "quantite", "quantity", "number", False,
           "Quantité détenue (nominal pour une dette, nombre de titres pour une action)."),
    Column("quantity_issued", "quantite_emise", "quantity_issued", "number", False,
           "Quantité totale émise de ce titre."),
    Column("property", "immeuble", "property", "text", False,
           "Identifiant de l'immeuble (9°) ou de la société immobilière (10°)."),
    Column("country", "pays", "country", "country", False,
           "Code pays ISO 3166 alpha-2 du siège de l'émetteur, de l'immeuble ou de l'établissement de crédit ; "
           "INT pour un organisme international à caractère public."),
    Column("recognised_market", "marche_reconnu", "recognised_market", "bool", False,
           "oui/non : négocié sur un marché réglementé d'un État de l'OCDE."),
    Column("custody", "conservation", "custody", "bool", False,
           "oui/non : inscrit en compte ou déposé chez un intermédiaire habilité, ou nominatif chez un émetteur situé en France."),
    Column("ucits", "opcvm_conforme", "ucits", "bool", False,
           "oui/non : catégories 5 et 8, fonds conforme à l'article R. 623-6."),
    Column("issue_size", "montant_emission", "issue_size", "number", False, "Catégorie 4 : montant de l'émission en euros."),
    Column("valuers", "nb_valorisateurs", "valuers", "number", False, "Catégorie 4 : nombre de valorisateurs indépendants."),
    Column("quote_interval_days", "cotation_jours", "quote_interval_days", "days", False,
           "Catégorie 4 : jours entre deux cours publiés."),
    Column("liquidity_clause", "clause_liquidite", "liquidity_clause", "bool", False, "Catégorie 4 : oui/non."),
    Column("issue_price_guarantee", "garantie_prix_emission", "issue_price_guarantee", "bool", False, "Catégorie 4 : oui/non."),
    Column("term_days", "duree_jours", "term_days", "days", False, "Catégories 3 et 13 : durée en jours."),
    Column("notice_days", "preavis_jours", "notice_days", "days", False, "Catégorie 13 : préavis de retrait en jours."),
    Column("eea_credit_institution", "etablissement_agree_eee", "eea_credit_institution", "bool", False,
           "Catégorie 13 : oui/non, établissement de crédit agréé dans un État de l'EEE."),
    Column("mortgage_rank", "rang_hypotheque", "mortgage_rank", "number", False, "Catégorie 12 : rang de l'hypothèque (1 = premier rang)."),
    Column("ltv", "ltv", "ltv", "ratio", False,
           "Catégorie 12 : privilèges et hypothèques de premier rang / valeur vénale de l'immeuble au jour du contrat (0,65 ou 65 %)."),
    Column("property_dealer", "marchand_de_biens", "property_dealer", "bool", False, "Catégorie 10 : oui/non, activité de marchand de biens."),
    Column("forest_assets", "biens_forestiers", "forest_assets", "bool", False,
           "Toute ligne : oui si elle détient des biens forestiers, directement ou indirectement."),
    Column("hedge", "couverture", "hedge", "bool", False, "IFT seulement : oui/non, l'instrument réduit un risque d'investissement."),
    Column("exclusion", "exclusion", "exclusion", "exclusion", False,
           "Marque d'une disponibilité hors de la base de l'article R. 623-10-1 (dernier alinéa) ; les marques "
           "admises sont celles du règlement en vigueur (modèle : feuille « Lisez-moi »)."),
)

BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}
REQUIRED: tuple[Column, ...] = tuple(c for c in COLUMNS if c.required)

_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def normalize_header(text: object) -> str:
    """Header key: no case, accents, spaces, `_` or `-`, nor a trailing unit such as `(€)`."""
    return _normalize_header(str(text))


@functools.lru_cache(maxsize=4096)
def _normalize_header(text: str) -> str:
    s = _UNIT.sub("", text.strip())
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s_\-]+", "", s)


HEADER_KEYS: dict[str, str] = {}
for _c in COLUMNS:
    HEADER_KEYS[normalize_header(_c.header)] = _c.field
    HEADER_KEYS[normalize_header(_c.alias)] = _c.field


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def near_limit(key: str) -> int:
    """How many edits (Damerau-Levenshtein: a letter added, dropped, changed or two swapped) a header may be
    from a known column's key and still be taken for a misspelling of it: 2 from 8 letters, 1 from 4, none below."""
    return 2 if len(key) >= 8 else 1 if len(key) >= 4 else 0


def resembles(text: object, keys: dict | None = None) -> str | None:
    """The field of the known column a header that is not one looks like a misspelling of (`biens_forestier`,
    `exlusion`, `emeteur`), or None. The test: `normalize_header` of both, then rapidfuzz's Damerau-Levenshtein
    distance within `near_limit` of the known key."""
    from rapidfuzz.distance import DamerauLevenshtein

    keys = HEADER_KEYS if keys is None else keys
    k = normalize_header(text)
    if not k or k in keys:
        return None
    best = None
    for known, field_name in keys.items():
        lim = near_limit(known)
        if lim == 0 or abs(len(known) - len(k)) > lim:
            continue
        d = DamerauLevenshtein.distance(k, known, score_cutoff=lim)
        if d <= lim and (best is None or d < best[0]):
            best = (d, field_name)
    return None if best is None else best[1]
