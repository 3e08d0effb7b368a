"""Small portfolios for the optimizer tests: every line meets its own conditions unless told otherwise."""

from __future__ import annotations

import pandas as pd

from reserves.portfolio.model import from_frame

FUNDS = {5, 6, 8}


def lei_of(issuer: str) -> str:
    """A valid LEI made from the issuer's name (one name, one LEI): the optimizer tests' issuers are distinct legal
    persons, shown so (READING 5), however much their made-up names look alike."""
    import hashlib

    from stdnum.iso7064 import mod_97_10

    from reserves.portfolio.identity import name_key

    body = "9695" + hashlib.sha256(name_key(issuer).encode()).hexdigest()[:14].upper()
    return body + mod_97_10.calc_check_digits(body)
HOLDING_SCOPE = {1, 2, 3, 4, 6, 7}


def line(label, cat, value, *, issuer=None, currency="EUR", building=None, quantity=None, issued=None, **extra):
    """One compliant line of category `cat` worth `value` euros (French headers, as in a file)."""
    d = {"libelle": label, "categorie": cat, "valeur": value, "devise": currency,
         "emetteur": issuer if issuer is not None else (None if cat in (1, 9) else f"Émetteur {label}"),
         "conservation": "oui", "marche_reconnu": "oui", "pays": "FR", "opcvm_conforme": "oui",
         "forme_juridique": "FCP" if cat in FUNDS else "SA", "duree_jours": 180, "preavis_jours": 30,
         "montant_emission": 100_000_000, "nb_valorisateurs": 2, "cotation_jours": 1, "clause_liquidite": "oui",
         "garantie_prix_emission": "oui", "marchand_de_biens": "non", "rang_hypotheque": 1, "ltv": 0.5,
         "etablissement_agree_eee": "oui", "immeuble": building}
    if cat == 1 and issuer is None:
        d["emetteur"] = "République française"
    if d["emetteur"]:
        d["lei"] = lei_of(d["emetteur"])
    if cat in HOLDING_SCOPE:
        q = quantity if quantity is not None else value / 100
        d["quantite"] = q
        d["quantite_emise"] = issued if issued is not None else q * 10_000
    d.update(extra)
    return d


def portfolio(lines):
    return from_frame(pd.DataFrame(lines))


def base_lines(scale=1_000_000):
    """A compliant portfolio of 100 units of `scale` euros: 45 % in 1°, 24 % in 2°, 15 % in 7°, 12 % in 9°, 4 % in 13°."""
    out = [line(f"OAT {i}", 1, 15 * scale) for i in range(3)]
    out += [line(f"Obligation {i}", 2, 3 * scale) for i in range(8)]
    out += [line(f"Action {i}", 7, 3 * scale) for i in range(5)]
    out += [line(f"Immeuble {i}", 9, 4 * scale, building=f"IMM-{i}") for i in range(3)]
    out += [line(f"Dépôt {i}", 13, 2 * scale, issuer=f"Banque {i}") for i in range(2)]
    return out
