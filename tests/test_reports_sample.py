"""A reproducible portfolio of about 120 lines for the report tests and benchmark.

Every category of R. 623-3, both pockets, excluded cash, a forward instrument,
foreign currencies, a `duree` (duration) column for the stress view, and a
few deliberate problems: one issuer over 5 %, one building over 5 %, lines
with missing data (unknown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from stdnum import isin as stdisin

HEADERS = ["libelle", "categorie", "valeur", "devise", "isin", "emetteur", "coupon_couru", "poche",
           "forme_juridique", "quantite", "quantite_emise", "immeuble", "pays", "marche_reconnu", "conservation",
           "opcvm_conforme", "fonds_euro_1_4", "fonds_1_3", "duree_jours", "preavis_jours",
           "etablissement_agree_eee", "rang_hypotheque", "ltv", "marchand_de_biens", "couverture", "exclusion",
           "montant_emission", "nb_valorisateurs", "cotation_jours", "clause_liquidite", "garantie_prix_emission",
           "duree"]


def _isin(country: str, n: int) -> str:
    body = f"{country}{n:09d}"
    return body + stdisin.calc_check_digit(body)


def sample_frame(n: int = 120, *, seed: int = 7, clean: bool = False) -> pd.DataFrame:
    """A portfolio as a table with the file's French headers.

    `clean=True` gives a compliant portfolio (no breach, no unknown).
    """
    rng = np.random.default_rng(seed)
    rows = []

    def add(**kw):
        row = {h: None for h in HEADERS}
        row.update(kw)
        rows.append(row)

    k = 0
    # weights per category in the reserves pocket (of n lines)
    plan = [(1, 0.22), (2, 0.22), (3, 0.06), (4, 0.03), (5, 0.08), (6, 0.03), (7, 0.16), (8, 0.05),
            (9, 0.04), (10, 0.04), (11, 0.02), (12, 0.02), (13, 0.03)]
    counts = {c: max(1, int(round(w * n))) for c, w in plan}
    for cat, cnt in counts.items():
        for i in range(cnt):
            k += 1
            value = int(rng.integers(200_000, 1_500_000)) * 100 + int(rng.integers(0, 100))  # cents
            v = f"{value // 100}.{value % 100:02d}"
            country = "FR" if i % 3 else "DE"
            common = dict(libelle=f"Ligne {k:03d} cat. {cat}", categorie=str(cat), valeur=v, devise="EUR",
                          pays=country, conservation="oui")
            if cat == 1:
                add(**common, isin=_isin("FR", k), emetteur="République française" if i % 2 else "Bund",
                    coupon_couru=f"{value // 4000}.00", quantite=value // 100, quantite_emise=10_000_000_000,
                    duree=round(2 + 8 * rng.random(), 1))
            elif cat == 2:
                add(**common, isin=_isin("FR", k), emetteur=f"Société émettrice {i % 12}",
                    coupon_couru=f"{value // 5000}.00", quantite=value // 100, quantite_emise=500_000_000,
                    marche_reconnu="oui", duree=round(1 + 6 * rng.random(), 1))
            elif cat == 3:
                add(**common, emetteur=f"Banque {i}", marche_reconnu="oui", duree_jours=180, quantite=value // 100,
                    quantite_emise=200_000_000, duree=0.5)
            elif cat == 4:
                add(**common, emetteur=f"Industrie {i}", marche_reconnu="oui", quantite=value // 100,
                    quantite_emise=100_000_000, montant_emission=50_000_000, nb_valorisateurs=2,
                    cotation_jours=7, clause_liquidite="oui", garantie_prix_emission="oui", duree=3)
            elif cat == 5:
                add(**common, emetteur=f"SICAV obligataire {i}", forme_juridique="SICAV" if i % 2 else "FCP",
                    opcvm_conforme="oui", fonds_euro_1_4="oui", fonds_1_3="oui", duree=4)
            elif cat == 6:
                add(**{**common, "pays": "FR"}, emetteur=f"FCPR Innovation {i}", forme_juridique="FCPR",  # READING 14
                    quantite=value // 10000,
                    quantite_emise=5_000_000)
            elif cat == 7:
                usd = i % 5 == 0
                add(**{**common, "devise": "USD" if usd else "EUR", "pays": "US" if usd else country},
                    isin=_isin("US" if usd else "FR", k), emetteur=f"Société cotée {i % 15}",
                    quantite=value // 5000, quantite_emise=200_000_000, marche_reconnu="oui")
            elif cat == 8:
                add(**common, emetteur=f"OPCVM diversifié {i}", forme_juridique="FCP", opcvm_conforme="oui")
            elif cat == 9:
                add(**common, immeuble=f"Immeuble rue {i + 1}")
            elif cat == 10:
                add(**common, emetteur=f"SCI Patrimoine {i}", forme_juridique="SCI", marchand_de_biens="non")
            elif cat == 11:
                add(**common, emetteur=f"Commune {i}")
            elif cat == 12:
                add(**common, emetteur=f"Emprunteur {i}", rang_hypotheque=1, ltv="0.5")
            elif cat == 13:
                add(**common, emetteur=f"Banque dépôt {i}", etablissement_agree_eee="oui", duree_jours=90,
                    preavis_jours=30)
    # A hedging forward instrument, excluded cash, and the gestion pocket.
    add(libelle="Contrat à terme taux (couverture)", categorie="IFT", valeur="-12000.00", devise="EUR",
        marche_reconnu="oui", couverture="oui")
    add(libelle="Disponibilités échéance trimestrielle", categorie="13", valeur="1500000.00", devise="EUR",
        emetteur="Banque dépôt 0", etablissement_agree_eee="oui", duree_jours=0, preavis_jours=0, pays="FR",
        exclusion="echeance_trimestrielle")
    for i in range(4):
        add(libelle=f"Gestion — OAT {i}", categorie="1", valeur=f"{250000 + 1000 * i}.00", devise="EUR",
            poche="gestion", emetteur="République française", conservation="oui", pays="FR",
            quantite=250000, quantite_emise=10_000_000_000, duree=2)
    df = pd.DataFrame(rows, columns=HEADERS).astype(object)
    if not clean:
        # One issuer over 5 %, one building over 5 %, one line of unknown data.
        i7 = df.index[df["categorie"] == "7"][0]
        df.loc[i7, "valeur"] = "7500000.00"
        i9 = df.index[df["categorie"] == "9"][0]
        df.loc[i9, "valeur"] = "6800000.00"
        i2 = df.index[df["categorie"] == "2"][1]
        df.loc[i2, "marche_reconnu"] = None
    return df


def breached_frame(n: int = 10_000, *, seed: int = 7) -> pd.DataFrame:
    """A large portfolio (`sample_frame(n)`) with the breaches a board must see and data to complete.

    One issuer and one building over 5 % of the base, the real estate (9° and 10°) over 20 %, 30 short-term
    securities of more than a year (a line condition broken 30 times), 100 mortgage loans without « ltv »
    (to check), and the ISIN and issuer left empty on the buildings.
    """
    df = sample_frame(n, seed=seed)
    value = df["valeur"].astype(float)
    cat = df["categorie"].astype(str)
    total = float(value.sum())
    realty = df.index[cat.isin(["9", "10"])]
    df.loc[realty, "valeur"] = [f"{v * 6:.2f}" for v in value[realty]]
    total += 5 * float(value[realty].sum())
    df.loc[df.index[cat == "7"][0], "valeur"] = f"{total * 0.07:.2f}"
    df.loc[df.index[cat == "9"][0], "valeur"] = f"{total * 0.06:.2f}"
    short = df.index[cat == "3"][:30]
    df.loc[short, "duree_jours"] = 400
    loans = df.index[cat == "12"][:100]
    df.loc[loans, "ltv"] = None
    df.loc[df.index[cat == "9"], ["isin", "emetteur"]] = None
    return df
