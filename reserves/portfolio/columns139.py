"""The columns of an R. 139 portfolio file (SPEC-R139 §1, §2): header, English alias, kind, choices.

The `Portefeuille` sheet of a portfolio dated under R. 139-1 to R. 139-56 has `nature` in place of
`categorie`; the `Transparence` sheet adds `fonds` and `date_valorisation` (R. 139-17). Columns
shared with R. 623 (SPEC §1) are taken from `columns.COLUMNS`, with their R. 139 help text.

Enumerated columns have their codes in `CHOICES` (the template's drop-down lists) and their
accepted spellings in `ALIASES`; a parser per kind is in `PARSERS`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import replace
from decimal import Decimal

from . import parsing as P
from .columns import BY_FIELD, Column

# --- value codes ------------------------------------------------------------------------------

NATURES: tuple[str, ...] = (
    "action", "acces_capital", "tcn", "obligation", "titre_etat", "titre_participatif", "depot",
    "droit_immobilier", "societe_immobiliere", "opci", "contrat_financier", "autre_fm",
    "opcvm", "monetaire", "fonds_mutualise", "organisme_dedie",
    "cession_temporaire", "emprunt", "certificat", "autre",
)
FUND_NATURES = ("opcvm", "monetaire", "fonds_mutualise", "organisme_dedie")  # R. 139-16 2° to 5°
LOOKED_THROUGH = ("opcvm", "fonds_mutualise", "organisme_dedie")  # R. 139-17 2°, 4°, sixth paragraph (RR 4)
LISTINGS = ("eee", "eee_ch", "ocde", "aucune")
ISSUER_KINDS = ("etat", "banque_centrale", "bce", "ue", "bei", "opi", "cades", "acoss",
                "organisme_financement", "etablissement_credit", "autre")
EQUITY_OR_DEBT = ("capital", "creance", "les_deux")
RATE_TYPES = ("fixe", "monetaire", "autre")
CONTRACT_TYPES = ("future", "terme", "option_achetee", "option_vendue", "swap", "autre")
UNDERLYING_KINDS = ("taux", "action", "change", "credit", "marchandise", "autre")
UNDERLYING_HELD = ("oui", "non", "a_detenir")
POCKETS = ("placement", "gestion")
EXCLUSIONS = ("prestations_3_mois",)

# RR 9: the default of `capital_ou_creance` by `nature` (CMF « titres de capital » / titres de créance).
EQUITY_NATURES = ("action", "acces_capital")
DEBT_NATURES = ("tcn", "obligation", "titre_etat", "titre_participatif")
SOCIETES_PAR_ACTIONS = ("SA", "SAS", "SASU", "SCA", "SE", "SPPICAV", "SIIC", "SICAV")

# Natures whose value may be negative: a contract, a borrowing (R. 139-40), and in a fund's inventory
# also an overdraft, a temporary sale or another liability.
NEGATIVE_OK_LINES = ("contrat_financier", "emprunt")
NEGATIVE_OK_HOLDINGS = ("contrat_financier", "emprunt", "depot", "cession_temporaire", "autre")


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", P.fold(text)).strip("_")


def _aliases(codes, extra: dict[str, str]) -> dict[str, str]:
    table = {_key(c): c for c in codes}
    table.update({_key(k): v for k, v in extra.items()})
    return table


ALIASES: dict[str, dict[str, str]] = {
    "nature": _aliases(NATURES, {
        "actions": "action", "titre_de_capital": "action", "acces_au_capital": "acces_capital",
        "titre_de_creance_negociable": "tcn", "tcns": "tcn", "neu_cp": "tcn", "neu_mtn": "tcn",
        "obligations": "obligation", "titre_d_etat": "titre_etat", "titres_d_etat": "titre_etat",
        "oat": "titre_etat", "titres_participatifs": "titre_participatif", "depots": "depot",
        "depot_a_terme": "depot", "compte_a_vue": "depot", "immeuble": "droit_immobilier",
        "immobilier": "droit_immobilier", "droits_immobiliers": "droit_immobilier", "sci": "societe_immobiliere",
        "opci_sppicav": "opci", "derive": "contrat_financier", "ift": "contrat_financier",
        "contrats_financiers": "contrat_financier", "autre_actif_fonds_mutualise": "autre_fm",
        "ucits": "opcvm", "opc_monetaire": "monetaire", "fonds_monetaire": "monetaire",
        "money_market": "monetaire", "fonds_mutualises": "fonds_mutualise", "fonds_dedie": "organisme_dedie",
        "organismes_dedies": "organisme_dedie", "pension": "cession_temporaire", "pret_de_titres": "cession_temporaire",
        "hors_liste": "autre",
    }),
    "listing": _aliases(LISTINGS, {
        "ee": "eee", "ue": "eee", "marche_reglemente": "eee", "eee_suisse": "eee_ch", "suisse": "eee_ch",
        "ch": "eee_ch", "oecd": "ocde", "non": "aucune", "non_cote": "aucune", "non_cotee": "aucune",
        "none": "aucune", "aucun": "aucune",
    }),
    "issuer_kind": _aliases(ISSUER_KINDS, {
        "state": "etat", "souverain": "etat", "central_bank": "banque_centrale", "ecb": "bce",
        "union_europeenne": "ue", "eu": "ue", "eib": "bei", "organisme_public_international": "opi",
        "organisme_de_financement": "organisme_financement", "banque": "etablissement_credit",
        "etablissement_de_credit": "etablissement_credit", "credit_institution": "etablissement_credit",
        "other": "autre",
    }),
    "equity_or_debt": _aliases(EQUITY_OR_DEBT, {"equity": "capital", "debt": "creance", "both": "les_deux",
                                                "dette": "creance"}),
    "rate_type": _aliases(RATE_TYPES, {"fixed": "fixe", "taux_fixe": "fixe", "variable": "monetaire",
                                       "indexee": "monetaire", "money_market": "monetaire", "other": "autre"}),
    "contract_type": _aliases(CONTRACT_TYPES, {"futures": "future", "forward": "terme", "contrat_a_terme": "terme",
                                               "option_achat": "option_achetee", "option_vente": "option_vendue",
                                               "option_ecrite": "option_vendue", "long_option": "option_achetee",
                                               "short_option": "option_vendue", "other": "autre"}),
    "underlying_kind": _aliases(UNDERLYING_KINDS, {"rate": "taux", "interest_rate": "taux", "equity": "action",
                                                   "actions": "action", "fx": "change", "devise": "change",
                                                   "commodity": "marchandise", "other": "autre"}),
    "underlying_held": _aliases(UNDERLYING_HELD, {"yes": "oui", "no": "non", "vrai": "oui", "faux": "non",
                                                  "a_detenir": "a_detenir", "to_hold": "a_detenir"}),
    "pocket139": _aliases(POCKETS, {"reserves": "placement", "reserve": "placement", "actif_de_placement": "placement",
                                    "gestion_administrative": "gestion", "fonds_de_gestion": "gestion"}),
    "exclusion139": _aliases(EXCLUSIONS, {"echeance_trimestrielle": "prestations_3_mois",
                                          "prestations": "prestations_3_mois",
                                          "prestations_trois_mois": "prestations_3_mois"}),
}

CHOICES: dict[str, tuple[str, ...]] = {
    "nature": NATURES, "listing": LISTINGS, "issuer_kind": ISSUER_KINDS, "equity_or_debt": EQUITY_OR_DEBT,
    "rate_type": RATE_TYPES, "contract_type": CONTRACT_TYPES, "underlying_kind": UNDERLYING_KINDS,
    "underlying_held": UNDERLYING_HELD, "pocket139": POCKETS, "exclusion139": EXCLUSIONS,
}

_EXPECTED = {
    "nature": "nature inconnue : attendu une des valeurs de l'article R. 139-18 ou R. 139-16 (action, obligation, "
              "tcn, titre_etat, depot, opcvm, monetaire, fonds_mutualise, organisme_dedie, contrat_financier…)",
    "listing": "cotation inconnue : attendu eee, eee_ch, ocde ou aucune",
    "issuer_kind": "type d'émetteur inconnu : attendu " + ", ".join(ISSUER_KINDS),
    "equity_or_debt": "attendu capital, creance ou les_deux",
    "rate_type": "rémunération inconnue : attendu fixe, monetaire ou autre",
    "contract_type": "type de contrat inconnu : attendu " + ", ".join(CONTRACT_TYPES),
    "underlying_kind": "type de sous-jacent inconnu : attendu " + ", ".join(UNDERLYING_KINDS),
    "underlying_held": "attendu oui, non ou a_detenir",
    "pocket139": "poche inconnue : attendu placement (ou reserves) ou gestion",
    "exclusion139": "exclusion inconnue : attendu prestations_3_mois (ou echeance_trimestrielle)",
}


def _enum_parser(kind: str):
    table = ALIASES[kind]
    expected = _EXPECTED[kind]

    def parse(v: object) -> str:
        if isinstance(v, bool):
            raise P.BadCell(expected)
        s = _key(P.parse_text(v))
        if kind == "exclusion139" and s in ("compensation_l134_1", "compensation"):
            raise P.BadCell("compensation_L134-1 ne s'applique pas sous les articles R. 139-1 à R. 139-56 : seules les "
                            "disponibilités nécessaires aux prestations de trois mois sortent de l'actif de placement "
                            "(R. 139-1), marquées prestations_3_mois")
        if s in table:
            return table[s]
        raise P.BadCell(expected)

    parse.__name__ = f"parse_{kind}"
    return parse


# --- other parsers ----------------------------------------------------------------------------

_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y", "%Y%m%d")


def parse_date(v: object) -> _dt.date:
    """A date cell, an ISO or French date (`2025-12-31`, `31/12/2025`), or an Excel serial number."""
    if isinstance(v, bool):
        raise P.BadCell("date attendue (JJ/MM/AAAA)")
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (not math.isfinite(v) or v != int(v)):
            raise P.BadCell("date attendue (JJ/MM/AAAA)")
        n = int(v)
        if 20000101 <= n <= 21001231:  # 20251231 written as a number
            try:
                return _dt.datetime.strptime(str(n), "%Y%m%d").date()
            except ValueError:
                raise P.BadCell("date invalide") from None
        if not 1 <= n <= 73050:  # Excel serials up to 2099
            raise P.BadCell("date attendue (JJ/MM/AAAA)")
        return _EXCEL_EPOCH + _dt.timedelta(days=n)
    s = str(v).strip()
    s = re.sub(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", "", s)
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    raise P.BadCell("date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)")


def parse_nonneg_money(v: object) -> int:
    cents = P.parse_money(v)
    if cents < 0:
        raise P.BadCell("montant négatif")
    return cents


def parse_exact_ratio(v: object) -> Decimal:
    """0.9, `0,9` or `90 %` → Decimal('0.9'), exactly. A bare number above 1 is ambiguous and refused."""
    if isinstance(v, str) and v.strip().endswith("%"):
        d = P.to_decimal(v.strip()[:-1]) / 100
    else:
        d = P.to_decimal(v)
        if d > 1:
            raise P.BadCell("taux ambigu : écrire 0,9 ou 90 %")
    if d < 0:
        raise P.BadCell("taux négatif")
    if d > 1:
        raise P.BadCell("taux au-delà de 100 %")
    return d


def parse_regime(v: object) -> str:
    s = _key(P.parse_text(v))
    if not s:
        raise P.BadCell("régime illisible")
    return s


def parse_lei(v: object) -> str:
    from stdnum import lei
    from stdnum.exceptions import ValidationError

    s = re.sub(r"[\s\-]", "", str(v)).upper()
    try:
        return lei.validate(s)
    except ValidationError:
        raise P.BadCell("LEI invalide (ISO 17442 : 20 caractères, clé de contrôle)") from None


def parse_fund_key(v: object) -> str:
    """`fonds`: an ISIN (validated) or a label, as written."""
    s = P.parse_text(v)
    compact = re.sub(r"[\s\-]", "", s).upper()
    if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{9}[0-9]", compact):
        try:
            return P.parse_isin(compact)
        except P.BadCell:
            pass  # a label that merely looks like an ISIN is matched as a label
    return s


PARSERS = {
    "text": P.parse_text, "money": P.parse_money, "currency": P.parse_currency, "isin": P.parse_isin,
    "bool": P.parse_bool, "number": P.parse_exact_nonneg, "country": P.parse_country, "legal_form": P.parse_legal_form,
    "date": parse_date, "signed_money": P.parse_money, "nonneg_money": parse_nonneg_money,
    "exact_ratio": parse_exact_ratio, "regime": parse_regime, "lei": parse_lei, "fund_key": parse_fund_key,
    **{k: _enum_parser(k) for k in ALIASES},
}

# --- the columns ------------------------------------------------------------------------------


def _shared(field: str, **changes) -> Column:
    return replace(BY_FIELD[field], **changes)


def _new(field, header, alias, kind, help_, required=False) -> Column:
    return Column(field, header, alias, kind, required, help_)


SHARED_COLUMNS: tuple[Column, ...] = (
    _shared("label"),
    _shared("market_value", help="Valeur de réalisation en euros (R. 139-50), coupon couru exclu."),
    _shared("currency"),
    _shared("isin"),
    _shared("issuer", help="Émetteur ou contrepartie ; un LEI est bienvenu. Sert aux plafonds par entité "
                           "(R. 139-45) et à la part d'un émetteur (R. 139-46)."),
    _shared("accrued_interest", help="Coupon couru en euros, ajouté à la valeur de la ligne (R. 139-18 dernier alinéa)."),
    _shared("realisable_euro", help="oui/non : réalisable en euros bien que libellé dans une autre devise (R. 139-44)."),
    _shared("quantity"),
    _shared("quantity_issued", help="Quantité totale émise de ce titre (R. 139-46)."),
    _shared("property", help="Identifiant de l'actif immobilier ou de la société immobilière (R. 139-45 I 2°)."),
    _shared("country", help="Code pays ISO 3166 alpha-2 du siège de l'émetteur, de l'immeuble ou de "
                            "l'établissement de crédit."),
    _shared("property_dealer", help="oui/non : société ayant une activité de marchand de biens (R. 139-22 2°)."),
    _shared("legal_form", kind="legal_form",
            help="SICAV, FCP, SCI, SC, SNC, SCS, GIE, SPPICAV, SA… (R. 139-22 2°, R. 139-24)."),
    _shared("custody", help="oui/non : inscrit en compte ou déposé chez un intermédiaire habilité, ou nominatif chez "
                            "un émetteur situé dans l'EEE (R. 139-23)."),
    _shared("hedge", help="Contrat financier : oui/non, il réduit un risque d'un placement détenu (R. 139-37)."),
)

LEI_COLUMN = (BY_FIELD["lei"] if "lei" in BY_FIELD else
              _new("lei", "lei", "lei", "lei", "LEI de l'émetteur (ISO 17442, clé vérifiée)."))

NEW_COLUMNS: tuple[Column, ...] = (
    _new("nature", "nature", "asset_type", "nature",
         "Nature du placement : R. 139-18 (action, acces_capital, tcn, obligation, titre_etat, titre_participatif, "
         "depot, droit_immobilier, societe_immobiliere, opci, contrat_financier, autre_fm), R. 139-16 (opcvm, "
         "monetaire, fonds_mutualise, organisme_dedie), R. 139-40 (cession_temporaire, emprunt, certificat), autre.",
         required=True),
    _new("listing", "cotation", "listing", "listing",
         "Meilleure admission (R. 139-19 I) : eee (1°), eee_ch (2°), ocde (3°, marché hors liste R. 214-11), aucune."),
    _new("issuer_kind", "type_emetteur", "issuer_kind", "issuer_kind",
         "etat, banque_centrale, bce, ue, bei, opi, cades, acoss, organisme_financement, etablissement_credit, autre."),
    _new("guarantor", "garant", "guarantor", "text", "Garant du titre, s'il y en a un (R. 139-45)."),
    _new("guarantor_kind", "type_garant", "guarantor_kind", "issuer_kind", "Type du garant (mêmes valeurs que type_emetteur)."),
    _new("guarantor_country", "pays_garant", "guarantor_country", "country", "Pays du garant (ISO 3166 alpha-2)."),
    _new("group", "groupe", "group", "text",
         "Groupe de consolidation (R. 139-45 III) : LEI de la tête de groupe, ou l'émetteur s'il est seul."),
    _new("equity_or_debt", "capital_ou_creance", "equity_or_debt", "equity_or_debt",
         "capital, creance ou les_deux (convertible) ; par défaut selon la nature (RR 9)."),
    _new("issuer_outstanding", "encours_emetteur", "issuer_outstanding", "nonneg_money",
         "Capital ou dettes de l'émetteur en euros (R. 139-46), à défaut de quantite_emise."),
    _new("regime", "regime", "scheme", "regime", "Régime (base, complementaire, invalidite…) : chacun est contrôlé à part."),
    _new("fund_compliant", "fonds_conforme", "fund_compliant", "bool",
         "oui/non : OPCVM de l'article R. 139-25, OPC monétaire de l'arrêté, fonds mutualisé des R. 139-28 à 35, "
         "organisme dédié à vingt investisseurs au plus."),
    _new("eligible_share", "part_titres_eligibles", "eligible_share", "exact_ratio",
         "Part de l'actif du fonds en titres de l'article R. 139-19 (0,9 ou 90 %), sans transparence."),
    _new("potential_excess", "depassement_potentiel", "potential_excess", "exact_ratio",
         "Part de l'actif net que le fonds peut placer hors de ce chapitre (R. 139-27, R. 139-42)."),
    _new("withdrawable", "remboursable", "withdrawable", "bool", "Dépôt : oui/non, remboursable sur demande ou retirable (R. 139-21)."),
    _new("rate_type", "remuneration", "rate_type", "rate_type", "Dépôt : fixe, monetaire (indexée) ou autre (R. 139-21)."),
    _new("in_body_name", "au_nom_organisme", "in_body_name", "bool", "Dépôt : oui/non, libellé au nom de l'organisme (R. 139-21)."),
    _new("real_estate_only", "objet_immobilier", "real_estate_only", "bool",
         "Société immobilière : oui/non, objet strictement immobilier, immeubles bâtis EEE/Suisse (R. 139-22 2°)."),
    _new("opci_r214_120", "opci_r214_120", "opci_r214_120", "bool", "OPCI : oui s'il relève de l'article R. 214-120 du CMF (exclu, R. 139-22 3°)."),
    _new("wholly_owned", "detention_integrale", "wholly_owned", "bool",
         "Immeuble détenu en totalité, directement ou par une filiale (R. 139-48)."),
    _new("deeds_in_france", "actes_en_france", "deeds_in_france", "bool",
         "oui/non : actes de propriété ou titres de créance conservés en France (R. 139-23)."),
    _new("limited_loss", "perte_limitee", "limited_loss", "bool",
         "oui/non : perte limitée au montant versé (R. 139-24) ; à renseigner pour une SCI, SC, GIE ou SCS."),
    _new("reliable_price", "prix_fiable", "reliable_price", "bool", "Titre non coté : prix exacts et fiables (R. 139-20 1°)."),
    _new("information", "information", "information", "bool", "Titre non coté : informations précises et complètes (R. 139-20 2°)."),
    _new("negotiable", "negociable", "negotiable", "bool", "Titre non coté : négociable (R. 139-20 3°)."),
    _new("contract_type", "type_contrat", "contract_type", "contract_type",
         "Contrat financier : future, terme, option_achetee, option_vendue, swap, autre."),
    _new("underlying", "sous_jacent", "underlying", "text", "ISIN couvert (sinon émetteur ou indice)."),
    _new("underlying_kind", "type_sous_jacent", "underlying_kind", "underlying_kind",
         "taux, action, change, credit, marchandise, autre."),
    _new("underlying_held", "sous_jacent_detenu", "underlying_held", "underlying_held",
         "oui, non ou a_detenir, si aucun ISIN détenu ne correspond."),
    _new("notional", "notionnel", "notional", "signed_money", "Notionnel du contrat en euros."),
    _new("exposure", "exposition", "exposure", "signed_money",
         "Position équivalente signée en euros (R. 139-47) : positive acheteuse, négative vendeuse."),
    _new("exposure_currency", "devise_exposition", "exposure_currency", "currency",
         "Devise de l'exposition (une ligne par jambe de change)."),
    _new("counterparty", "contrepartie", "counterparty", "text", "Nom ou LEI de la contrepartie (chambre de compensation si coté)."),
    _new("maturity", "echeance", "maturity", "date", "Échéance (JJ/MM/AAAA)."),
    _new("embedded_derivative", "contrat_integre", "embedded_derivative", "bool",
         "oui : titre intégrant un contrat financier (R. 139-36) ; exposition est celle de ce contrat."),
    _new("pocket", "poche", "pocket", "pocket139",
         "placement (par défaut ; reserves accepté) ou gestion (gestion administrative, hors actif de placement)."),
    _new("exclusion", "exclusion", "exclusion", "exclusion139",
         "prestations_3_mois : disponibilités nécessaires au règlement des prestations de trois mois (R. 139-1)."),
)

COLUMNS: tuple[Column, ...] = SHARED_COLUMNS[:1] + NEW_COLUMNS[:1] + SHARED_COLUMNS[1:] + (LEI_COLUMN,) + NEW_COLUMNS[1:]
BY_FIELD139: dict[str, Column] = {c.field: c for c in COLUMNS}

FUND_COLUMN = _new("fund", "fonds", "fund", "fund_key", "ISIN, sinon libellé, de la ligne de fonds du Portefeuille.",
                   required=True)
VALUATION_DATE_COLUMN = _new("valuation_date", "date_valorisation", "valuation_date", "date",
                             "Date de l'inventaire du fonds (JJ/MM/AAAA).", required=True)
# The `Transparence` sheet: a line per holding, the §1 columns plus the fund and the inventory's date.
LOOKTHROUGH_COLUMNS: tuple[Column, ...] = (FUND_COLUMN, VALUATION_DATE_COLUMN) + tuple(
    c for c in COLUMNS if c.field not in ("pocket", "exclusion", "regime"))

# The R. 623 column whose presence, without `nature`, says the file was written for R. 623-3.
CATEGORY_COLUMN = BY_FIELD["category"]


def default_equity_or_debt(nature: str | None, legal_form: str | None) -> str | None:
    """RR 9: `capital` for shares and access-to-capital securities (and the shares of a real-estate société par
    actions), `creance` for TCN, bonds, State securities and titres participatifs; else none."""
    if nature in EQUITY_NATURES:
        return "capital"
    if nature in DEBT_NATURES:
        return "creance"
    if nature == "societe_immobiliere" and legal_form in SOCIETES_PAR_ACTIONS:
        return "capital"
    return None
