"""French headers of the R. 139 fields (SPEC-R139 §1), for the messages that ask a column to be filled."""

from __future__ import annotations

HEADERS = {
    "label": "libelle", "nature": "nature", "value": "valeur", "market_value": "valeur", "currency": "devise",
    "isin": "isin", "issuer": "emetteur", "group": "groupe", "listing": "cotation", "issuer_kind": "type_emetteur",
    "country": "pays", "guarantor": "garant", "guarantor_kind": "type_garant", "guarantor_country": "pays_garant",
    "equity_or_debt": "capital_ou_creance", "issuer_outstanding": "encours_emetteur", "regime": "regime",
    "pocket": "poche", "exclusion": "exclusion", "fund_compliant": "fonds_conforme",
    "eligible_share": "part_titres_eligibles", "potential_excess": "depassement_potentiel",
    "withdrawable": "remboursable", "rate_type": "remuneration", "in_body_name": "au_nom_organisme",
    "real_estate_only": "objet_immobilier", "opci_r214_120": "opci_r214_120", "wholly_owned": "detention_integrale",
    "deeds_in_france": "actes_en_france", "limited_loss": "perte_limitee", "reliable_price": "prix_fiable",
    "information": "information", "negotiable": "negociable", "contract_type": "type_contrat",
    "underlying": "sous_jacent", "underlying_kind": "type_sous_jacent", "underlying_held": "sous_jacent_detenu",
    "notional": "notionnel", "exposure": "exposition", "exposure_currency": "devise_exposition",
    "counterparty": "contrepartie", "maturity": "echeance", "embedded_derivative": "contrat_integre",
    "custody": "conservation", "legal_form": "forme_juridique", "property": "immeuble",
    "property_dealer": "marchand_de_biens", "quantity": "quantite", "quantity_issued": "quantite_emise",
    "realisable_euro": "realisable_euro", "hedge": "couverture", "accrued_interest": "coupon_couru",
}


def header_of(name: str) -> str:
    return HEADERS.get(name, name)
