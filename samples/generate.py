"""Build the sample portfolios of a fictitious caisse, deterministically.

    python samples/generate.py [FOLDER]

writes, into FOLDER (this script's folder by default):

- `portefeuille_conforme.xlsx` (+ `.ods`, + `.csv` in French format: `;`,
  decimal comma, Windows-1252): about 4 billion euros, both pockets, every
  category 1° to 13° and a hedging forward, every rule satisfied;
- `portefeuille_manquements.xlsx` (+ `.ods`): the same caisse with several
  breaches and two lines whose data are missing;
- the R. 139 samples of `generate_r139.py` (a body of about 20 billion euros at 31/12/2025, compliant and
  with breaches, and a TPT file);
- `ordres_exemple.csv`: three orders on the compliant caisse for
  `reserves check portefeuille_conforme.xlsx --ordres ordres_exemple.csv`
  (a purchase and a sale that change nothing, and a new building of
  240 M€ that breaks the 5 % cap per building).

All figures are fictitious. The same seed gives the same cells, and the
workbooks are written with fixed internal dates, so that regenerating them
gives the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(HERE.parent))

from reserves.portfolio.columns import COLUMNS  # noqa: E402

SEED = 20161231
AS_OF = dt.date(2016, 12, 31)
CAISSE = "Caisse de retraite complémentaire des indépendants — exemple fictif"
USD_PER_EUR = Decimal("1.0541")  # BCE, 30/12/2016
CHF_PER_EUR = Decimal("1.0739")
FIXED_ZIP_TIME = (2017, 1, 2, 0, 0, 0)
FIXED_STAMP = "2017-01-02T00:00:00Z"

HEADERS = [c.header for c in COLUMNS]
EXTRA = ["echeance", "commentaire"]  # columns outside the contract, carried through to reports
TITLE_ROWS = 3  # title, subtitle, blank: the header is on row 4

CENT = Decimal("0.01")


def cents(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


class Book:
    """The lines of one portfolio, built with a seeded generator."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.lines: list[dict] = []
        self.isins: set[str] = set()

    # ---- identifiers
    def isin(self, prefix: str) -> str:
        from stdnum import isin

        while True:
            body = prefix + "".join(self.rng.choice("0123456789") for _ in range(11 - len(prefix)))
            code = body + isin.calc_check_digit(body)
            if code not in self.isins:
                self.isins.add(code)
                return isin.validate(code)

    def add(self, **cells) -> dict:
        line = {h: None for h in HEADERS + EXTRA}
        for k, v in cells.items():
            if k not in line:
                raise KeyError(k)
            line[k] = v
        line["poche"] = line["poche"] or "reserves"
        line["biens_forestiers"] = line["biens_forestiers"] or "non"
        if line["realisable_euro"] is None:
            line["realisable_euro"] = "oui" if line["devise"] == "EUR" else "non"
        self.lines.append(line)
        return line

    # ---- kinds of holdings
    def bond(self, cat, label, issuer, prefix, country, nominal, price, coupon, days, issued, *, currency="EUR",
             fx=Decimal(1), legal_form="SA", maturity=None, pocket=None, **more):
        """A debt security: value = nominal × price %, accrued = nominal × coupon × days / 365 (in euros)."""
        nominal, price, coupon = Decimal(nominal), Decimal(str(price)), Decimal(str(coupon))
        mv = cents(nominal * price / 100 / fx)
        acc = cents(nominal * coupon / 100 * days / 365 / fx)
        return self.add(libelle=label, categorie=cat, valeur=mv, devise=currency, isin=self.isin(prefix),
                        emetteur=issuer, coupon_couru=acc, poche=pocket, forme_juridique=legal_form,
                        quantite=int(nominal), quantite_emise=int(issued), pays=country, marche_reconnu="oui",
                        conservation="oui", echeance=maturity, **more)

    def tcn(self, label, issuer, prefix, country, nominal, price, term, issued, *, pocket=None, maturity=None):
        return self.bond(3, label, issuer, prefix, country, nominal, price, 0, 0, issued, duree_jours=term,
                         pocket=pocket, maturity=maturity)

    def bmtn(self, label, issuer, prefix, country, nominal, price, coupon, days, issued, *, valuers=2, quote=1,
             liquidity="oui", guarantee="oui", issue_size=None, maturity=None):
        return self.bond(4, label, issuer, prefix, country, nominal, price, coupon, days, issued,
                         montant_emission=issue_size if issue_size is not None else int(issued),
                         nb_valorisateurs=valuers, cotation_jours=quote, clause_liquidite=liquidity,
                         garantie_prix_emission=guarantee, maturity=maturity)

    def share(self, label, issuer, prefix, country, quantity, price, issued, *, currency="EUR", fx=Decimal(1),
              legal_form="SA", pocket=None):
        mv = cents(Decimal(quantity) * Decimal(str(price)) / fx)
        return self.add(libelle=label, categorie=7, valeur=mv, devise=currency, isin=self.isin(prefix),
                        emetteur=issuer, poche=pocket, forme_juridique=legal_form, quantite=quantity,
                        quantite_emise=issued, pays=country, marche_reconnu="oui", conservation="oui")

    def fund(self, cat, label, issuer, prefix, country, units, nav, issued, legal_form, *, euro_1_4=None,
             only_1_3=None, ucits="oui", pocket=None, comment=None):
        mv = cents(Decimal(str(units)) * Decimal(str(nav)))
        return self.add(libelle=label, categorie=cat, valeur=mv, devise="EUR", isin=self.isin(prefix),
                        emetteur=issuer, poche=pocket, forme_juridique=legal_form, quantite=units,
                        quantite_emise=issued, pays=country, conservation="oui",
                        opcvm_conforme=ucits if cat in (5, 8) else None,
                        fonds_euro_1_4=euro_1_4, fonds_1_3=only_1_3, commentaire=comment)

    def building(self, label, ident, value, *, country="FR", pocket=None, comment=None):
        return self.add(libelle=label, categorie=9, valeur=cents(value), devise="EUR", immeuble=ident,
                        pays=country, poche=pocket, commentaire=comment)

    def property_company(self, label, issuer, legal_form, value, *, country="FR", dealer="non", forests="non",
                         pocket=None, comment=None):
        return self.add(libelle=label, categorie=10, valeur=cents(value), devise="EUR", emetteur=issuer,
                        forme_juridique=legal_form, immeuble=issuer, pays=country, conservation="oui",
                        marchand_de_biens=dealer, biens_forestiers=forests, poche=pocket, commentaire=comment)

    def public_loan(self, label, borrower, value, accrued, *, country="FR", pocket=None):
        return self.add(libelle=label, categorie=11, valeur=cents(value), devise="EUR", emetteur=borrower,
                        coupon_couru=cents(accrued), forme_juridique="Collectivité", pays=country, poche=pocket)

    def mortgage(self, label, borrower, value, accrued, *, rank=1, ltv=Decimal("0.60"), country="FR"):
        return self.add(libelle=label, categorie=12, valeur=cents(value), devise="EUR", emetteur=borrower,
                        coupon_couru=cents(accrued), forme_juridique="SCI", pays=country, rang_hypotheque=rank,
                        ltv=ltv)

    def deposit(self, label, bank, value, accrued, *, term=None, notice=None, eea="oui", country="FR",
                pocket=None, exclusion=None):
        return self.add(libelle=label, categorie=13, valeur=cents(value), devise="EUR", emetteur=bank,
                        coupon_couru=cents(accrued), forme_juridique="SA", pays=country, duree_jours=term,
                        preavis_jours=notice, etablissement_agree_eee=eea, poche=pocket, exclusion=exclusion)

    def forward(self, label, value, *, currency="EUR", country="DE", hedge="oui", market="oui", comment=None):
        return self.add(libelle=label, categorie="IFT", valeur=cents(value), devise=currency, pays=country,
                        marche_reconnu=market, couverture=hedge, commentaire=comment)


def d(y, m, day):
    return dt.date(y, m, day)


def caisse(breaches: bool) -> list[dict]:
    """The caisse's holdings on 31/12/2016; with `breaches`, the variant that breaks the rules."""
    b = Book()
    M = 1_000_000

    # ---- 1° États de l'EEE, CADES, organismes internationaux, collectivités et établissements publics
    b.bond("1° a)", "OAT 3,5 % 25/04/2026", "République française", "FR001", "FR", 175 * M, "129.412", "3.5", 250,
           41_000 * M, legal_form="État", maturity=d(2026, 4, 25))
    b.bond("1° a)", "OAT 0,5 % 25/05/2025", "République française", "FR001", "FR", 150 * M, "102.871", "0.5", 220,
           33_500 * M, legal_form="État", maturity=d(2025, 5, 25))
    b.bond("1° a)", "OAT 1,75 % 25/11/2024", "République française", "FR001", "FR", 120 * M, "110.356", "1.75", 36,
           36_000 * M, legal_form="État", maturity=d(2024, 11, 25))
    b.bond("1° a)", "OAT€i 0,1 % 01/03/2025 (indexée inflation zone euro)", "République française", "FR001", "FR",
           60 * M, "105.804", "0.1", 305, 11_800 * M, legal_form="État", maturity=d(2025, 3, 1))
    b.bond("1° a)", "Bund 0,5 % 15/02/2026", "Bundesrepublik Deutschland", "DE000", "DE", 90 * M, "103.684", "0.5",
           320, 26_000 * M, legal_form="État", maturity=d(2026, 2, 15))
    b.bond("1° a)", "BTP 1,6 % 01/06/2026", "Repubblica Italiana", "IT000", "IT", 50 * M, "96.287", "1.6", 213,
           17_700 * M, legal_form="État", maturity=d(2026, 6, 1))
    b.bond("1° a)", "Bonos 1,95 % 30/04/2026", "Reino de España", "ES000", "ES", 40 * M, "104.015", "1.95", 245,
           15_300 * M, legal_form="État", maturity=d(2026, 4, 30))
    b.bond("1° a)", "DSL 0,5 % 15/07/2026", "Koninkrijk der Nederlanden", "NL001", "NL", 35 * M, "102.548", "0.5",
           169, 12_600 * M, legal_form="État", maturity=d(2026, 7, 15))
    b.bond("1° a)", "OLO 1 % 22/06/2026", "Royaume de Belgique", "BE000", "BE", 30 * M, "106.372", "1", 192,
           13_400 * M, legal_form="État", maturity=d(2026, 6, 22))
    b.bond("1° a)", "CADES 1,375 % 25/11/2024", "Caisse d'amortissement de la dette sociale", "FR001", "FR",
           80 * M, "108.215", "1.375", 36, 6_000 * M, legal_form="EPA", maturity=d(2024, 11, 25))
    b.bond("1° a)", "KfW 0,375 % 09/03/2026 (garantie de l'État fédéral)", "KfW", "DE000", "DE", 30 * M, "101.903",
           "0.375", 297, 4_000 * M, legal_form="Établissement public", maturity=d(2026, 3, 9))
    b.bond("1° b)", "BEI 1,125 % 15/09/2036", "Banque européenne d'investissement", "XS", "LU", 60 * M, "101.226",
           "1.125", 107, 3_000 * M, legal_form="Organisme international", maturity=d(2036, 9, 15))
    b.bond("1° c)", "Ville de Paris 1,75 % 25/05/2031", "Ville de Paris", "FR001", "FR", 25 * M, "109.417", "1.75", 220,
           350 * M, legal_form="Collectivité", maturity=d(2031, 5, 25))
    b.bond("1° c)", "Région Île-de-France 0,625 % 23/04/2027", "Région Île-de-France", "FR001", "FR", 20 * M,
           "99.512", "0.625", 252, 500 * M, legal_form="Collectivité", maturity=d(2027, 4, 23))
    b.bond("1° c)", "SNCF Réseau 2,25 % 20/12/2047", "SNCF Réseau", "FR001", "FR", 20 * M, "103.905", "2.25", 11,
           1_000 * M, legal_form="EPIC", maturity=d(2047, 12, 20))

    # ---- 2° obligations cotées
    bonds2 = [
        ("BNP Paribas 1,125 % 22/11/2023", "BNP Paribas", "FR001", "FR", 35, "103.118", "1.125", 39, 1_000),
        ("Société Générale 0,75 % 26/05/2023", "Société Générale", "FR001", "FR", 125 if breaches else 35, "101.254",
         "0.75", 219, 2_000),
        ("Crédit Agricole SA 1,875 % 20/12/2026", "Crédit Agricole SA", "FR001", "FR", 30, "105.402", "1.875", 11,
         1_250),
        ("TotalEnergies Capital International 0,75 % 12/07/2028", "TotalEnergies Capital International", "XS", "FR",
         30, "98.771", "0.75", 172, 1_000),
        ("Orange 1 % 12/05/2025", "Orange", "FR001", "FR", 30, "102.564", "1", 233, 750),
        ("EDF 4,625 % 11/09/2024", "Électricité de France", "FR001", "FR", 25, "127.308", "4.625", 111, 1_500),
        ("Sanofi 0,5 % 13/01/2027", "Sanofi", "FR001", "FR", 30, "97.926", "0.5", 353, 1_000),
        ("LVMH 0,75 % 26/05/2024", "LVMH Moët Hennessy Louis Vuitton", "FR001", "FR", 25, "103.637", "0.75", 219, 600),
        ("Schneider Electric 0,875 % 11/03/2025", "Schneider Electric", "FR001", "FR", 25, "102.145", "0.875", 295,
         750),
        ("Air Liquide Finance 1,25 % 13/06/2028", "Air Liquide Finance", "FR001", "FR", 25, "103.867", "1.25", 201,
         500),
        ("Siemens Financieringsmaatschappij 1,375 % 06/09/2030", "Siemens Financieringsmaatschappij", "XS", "NL", 25,
         "104.992", "1.375", 116, 1_000),
        ("Allianz 3,375 % perpétuelle", "Allianz SE", "DE000", "DE", 20, "105.445", "3.375", 108, 1_500),
        ("Danone 0,709 % 03/11/2024", "Danone", "FR001", "FR", 25, "100.804", "0.709", 58, 1_250),
        ("Engie 1,375 % 28/02/2029", "Engie", "FR001", "FR", 25, "104.236", "1.375", 307, 750),
        ("Vinci 1,625 % 18/01/2029", "Vinci", "FR001", "FR", 20, "106.114", "1.625", 348, 750),
        ("Bouygues 1,375 % 07/06/2027", "Bouygues", "FR001", "FR", 20, "104.509", "1.375", 207, 750),
        ("Saint-Gobain 1,125 % 23/03/2026", "Compagnie de Saint-Gobain", "XS", "FR", 20, "102.677", "1.125", 283, 750),
        ("Veolia Environnement 0,927 % 04/01/2029", "Veolia Environnement", "FR001", "FR", 20, "97.384", "0.927", 361,
         500),
    ]
    for label, issuer, prefix, country, nom, price, cpn, days, issued in bonds2:
        b.bond(2, label, issuer, prefix, country, nom * M, price, cpn, days, issued * M)
    b.bond(2, "Apple 3,35 % 09/02/2027 (USD)", "Apple Inc.", "US037", "US", 30 * M, "101.862", "3.35", 322,
           2_250 * M, currency="USD", fx=USD_PER_EUR, legal_form="Inc.", maturity=d(2027, 2, 9))
    b.bond(2, "Microsoft 2,4 % 08/08/2026 (USD)", "Microsoft Corporation", "US594", "US", 25 * M, "95.713", "2.4", 143,
           4_000 * M, currency="USD", fx=USD_PER_EUR, legal_form="Corp.", maturity=d(2026, 8, 8))
    b.bond(2, "FCT Cars Alliance Auto Loans France V 2016-1 parts A", "FCT Cars Alliance Auto Loans France V",
           "FR001", "FR", 15 * M, "100.315", "0.45", 18, 700 * M, legal_form="FCT")
    b.bond(2, "Renault titre participatif 1983", "Renault", "FR000", "FR", 4 * M, "412.5", "6.75", 274, 120 * M)
    if breaches:  # holding cap: 45 M€ of a 300 M€ issue
        b.bond(2, "Société Foncière Lyonnaise 2 % 28/05/2020", "Société Foncière Lyonnaise", "FR001", "FR", 45 * M,
               "104.118", "2", 217, 300 * M, maturity=d(2020, 5, 28))

    # ---- 3° titres de créances négociables d'un an au plus
    b.tcn("NEU CP BNP Paribas 03/04/2017", "BNP Paribas", "FR012", "FR", 30 * M, "99.987", 90, 400 * M,
          maturity=d(2017, 4, 3))
    b.tcn("NEU CP Crédit Agricole CIB 30/06/2017", "Crédit Agricole Corporate and Investment Bank", "FR012", "FR",
          30 * M, "99.962", 181, 500 * M, maturity=d(2017, 6, 30))
    b.tcn("NEU CP Natixis 28/04/2017", "Natixis", "FR012", "FR", 25 * M, "99.979", 118, 450 * M,
          maturity=d(2017, 4, 28))
    b.tcn("NEU CP LVMH Finance Belgique 28/02/2017", "LVMH Finance Belgique", "FR012", "BE", 20 * M, "99.994", 59,
          350 * M, maturity=d(2017, 2, 28))
    b.tcn("Certificat de dépôt ING Bank 29/09/2017", "ING Bank N.V.", "XS", "NL", 30 * M, "99.901", 272, 400 * M,
          maturity=d(2017, 9, 29))
    b.tcn("NEU CP Deutsche Bank 22/12/2017", "Deutsche Bank AG", "FR012", "DE", 25 * M, "99.842", 356, 500 * M,
          maturity=d(2017, 12, 22))
    if breaches:
        b.tcn("NEU CP Renault 18 mois 24/06/2018", "Renault", "FR012", "FR", 20 * M, "99.731", 540, 250 * M,
              maturity=d(2018, 6, 24))
        b.tcn("NEU CP Société Générale 31/03/2017", "Société Générale", "FR012", "FR", 60 * M, "99.981", 90, 750 * M,
              maturity=d(2017, 3, 31))

    # ---- 4° bons à moyen terme négociables (R. 623-5)
    b.bmtn("NEU MTN Crédit Mutuel Arkéa 3 ans 15/06/2019", "Crédit Mutuel Arkéa", "FR012", "FR", 25 * M, "100.842",
           "0.35", 199, 350 * M, valuers=2, quote=1, maturity=d(2019, 6, 15))
    b.bmtn("NEU MTN BPCE 2 ans 20/10/2018", "BPCE", "FR012", "FR", 30 * M, "100.415", "0.25", 72, 500 * M, valuers=3,
           quote=1, maturity=d(2018, 10, 20))
    b.bmtn("NEU MTN La Banque Postale 4 ans 02/03/2020", "La Banque Postale", "FR012", "FR", 20 * M, "101.118", "0.5",
           304, 350 * M, valuers=2, quote=7, maturity=d(2020, 3, 2))
    b.bmtn("NEU MTN Banque Fédérative du Crédit Mutuel 5 ans 14/11/2021", "Banque Fédérative du Crédit Mutuel",
           "FR012", "FR", 25 * M, "100.087", "0.4", 47, 400 * M, valuers=2, quote=15, maturity=d(2021, 11, 14))
    if breaches:  # R. 623-5 a) and b): a 20 M€ issue valued by one house
        b.bmtn("NEU MTN Caisse régionale Normandie-Seine 3 ans 10/07/2019", "Caisse régionale de Crédit Agricole "
               "Normandie-Seine", "FR012", "FR", 2 * M, "100.221", "0.3", 174, 20 * M, valuers=1, quote=30,
               maturity=d(2019, 7, 10))

    # ---- 5° OPCVM limités aux 1° à 4°
    b.fund(5, "Amundi Oblig Euro Souverain (SICAV)", "Amundi Oblig Euro Souverain", "FR000", "FR", 52_000, "1384.27",
           1_300_000, "SICAV", euro_1_4="oui", only_1_3="oui")
    b.fund(5, "BNP Paribas Obli État (FCP)", "BNP Paribas Obli État", "FR001", "FR", 310_000, "187.56", 9_800_000,
           "FCP", euro_1_4="oui", only_1_3="oui")
    b.fund(5, "Ofi RS Euro Credit Short Term (SICAV)", "Ofi RS Euro Credit Short Term", "FR001", "FR", 38_500,
           "1311.05", 950_000, "SICAV", euro_1_4="oui", only_1_3="non")
    b.fund(5, "Groupama Oblig Euro Crédit (FCP)", "Groupama Oblig Euro Crédit", "FR001", "FR", 21_000, "2095.80",
           640_000, "FCP", euro_1_4="oui", only_1_3="non")
    b.fund(5, "LBPAM Oblig Monde (FCP)", "LBPAM Oblig Monde", "FR001", "FR", 160_000, "214.42", 4_100_000, "FCP",
           euro_1_4="non", only_1_3="non", comment="obligations internationales : hors plancher de 34 %")
    b.fund(5, "Candriam Bonds Euro Short Term (SICAV luxembourgeoise)", "Candriam Bonds Euro Short Term", "LU",
           "LU", 17_500, "2142.63", 1_200_000, "SICAV", euro_1_4="oui", only_1_3="non")

    # ---- 6° fonds communs de placement à risques
    b.fund(6, "FCPR Ardian Expansion Fund IV", "Ardian Expansion Fund IV", "FR001", "FR", 24_000, "1162.40",
           1_000_000, "FCPR")
    b.fund(6, "FCPR Idinvest Private Debt III", "Idinvest Private Debt III", "FR001", "FR", 20_000, "1048.15",
           500_000, "FCPR")
    b.fund(6, "FPCI Eurazeo PME III-A", "Eurazeo PME III-A", "FR001", "FR", 15_000, "1215.90", 650_000, "FPCI")

    # ---- 7° actions cotées
    shares = [
        ("TotalEnergies SE", "FR000", "FR", 500_000, "48.72", 2_430_000_000),
        ("Sanofi", "FR000", "FR", 320_000, "76.87", 1_290_000_000),
        ("LVMH Moët Hennessy Louis Vuitton", "FR000", "FR", 130_000, "181.40", 507_000_000),
        ("BNP Paribas", "FR000", "FR", 450_000, "60.55", 1_247_000_000),
        ("AXA", "FR000", "FR", 1_000_000, "23.98", 2_425_000_000),
        ("Air Liquide", "FR000", "FR", 210_000, "105.65", 389_000_000),
        ("Schneider Electric", "FR000", "FR", 330_000, "66.14", 593_000_000),
        ("L'Oréal", "FR000", "FR", 125_000, "173.45", 560_000_000),
        ("Airbus SE", "NL000", "NL", 340_000, "62.80", 774_000_000),
        ("Vinci", "FR000", "FR", 340_000, "64.68", 590_000_000),
        ("Danone", "FR000", "FR", 330_000, "60.20", 655_000_000),
        ("Orange", "FR000", "FR", 1_400_000, "14.43", 2_660_000_000),
        ("Safran", "FR000", "FR", 300_000, "68.42", 417_000_000),
        ("Kering", "FR000", "FR", 90_000, "213.30", 126_000_000),
        ("Siemens AG", "DE000", "DE", 180_000, "116.80", 850_000_000),
        ("SAP SE", "DE000", "DE", 230_000, "82.81", 1_229_000_000),
        ("ASML Holding", "NL001", "NL", 170_000, "106.70", 430_000_000),
        ("Allianz SE", "DE000", "DE", 120_000, "157.10", 457_000_000),
        ("Essilor International", "FR000", "FR", 160_000, "107.30", 218_000_000),
        ("Michelin", "FR000", "FR", 190_000, "105.80", 182_000_000),
    ]
    for issuer, prefix, country, qty, price, issued in shares:
        legal = "SE" if issuer.endswith(" SE") or issuer.endswith("SE") else "SA"
        b.share(f"Actions {issuer}", issuer, prefix, country, qty, price, issued, legal_form=legal)
    b.share("Actions Nestlé (CHF)", "Nestlé S.A.", "CH003", "CH", 300_000, "73.00", 3_100_000_000, currency="CHF",
            fx=CHF_PER_EUR)
    b.share("Actions Microsoft (USD)", "Microsoft Corporation", "US594", "US", 350_000, "62.14", 7_730_000_000,
            currency="USD", fx=USD_PER_EUR, legal_form="Corp.")

    # ---- 8° autres OPCVM
    b.fund(8, "Comgest Monde (SICAV)", "Comgest Monde", "FR000", "FR", 20_000, "1753.40", 1_400_000, "SICAV",
           ucits=None if breaches else "oui")
    b.fund(8, "Carmignac Investissement (FCP)", "Carmignac Investissement", "FR001", "FR", 3_500, "10817.55",
           290_000, "FCP")
    b.fund(8, "Amundi Actions Europe ISR (FCP)", "Amundi Actions Europe ISR", "FR001", "FR", 190_000, "201.33",
           7_600_000, "FCP")
    b.fund(8, "Lyxor MSCI World UCITS ETF", "Lyxor MSCI World UCITS ETF", "FR001", "FR", 240_000, "161.78",
           9_300_000, "FCP")

    # ---- 9° immeubles (EEE)
    b.building("Immeuble de bureaux — 12 rue de Vaugirard, Paris 6e", "IMM-75006-VAUGIRARD-12", "64800000")
    b.building("Immeuble de bureaux — 96 boulevard Haussmann, Paris 8e", "IMM-75008-HAUSSMANN-96", "91500000")
    b.building("Immeuble mixte — 45 rue de la République, Lyon 2e", "IMM-69002-REPUBLIQUE-45", "44700000")
    b.building("Immeuble de bureaux — 20 cours de l'Intendance, Bordeaux", "IMM-33000-INTENDANCE-20", "35200000")
    b.building("Plate-forme logistique — Lesquin (Lille)", "IMM-59810-LESQUIN", "29600000")
    if breaches:  # one building above 5 %, and real estate above 20 %
        b.building("Tour de bureaux — Part-Dieu, Lyon 3e", "IMM-69003-PART-DIEU", "236400000")
        b.building("Immeuble de bureaux — quai de la Joliette, Marseille 2e", "IMM-13002-JOLIETTE", "118300000")

    # ---- 10° sociétés à objet strictement immobilier (R. 623-7)
    b.property_company("SCI Patrimoine Pierre Paris (parts)", "SCI Patrimoine Pierre Paris", "SCI", "60250000")
    b.property_company("OPCI Pierre Europe Bureaux (SPPICAV, actions)", "SPPICAV Pierre Europe Bureaux", "SPPICAV",
                       "54900000")
    b.property_company("SAS Foncière Lyon Confluence (actions)", "SAS Foncière Lyon Confluence", "SAS", "49600000")
    b.property_company("SCPI Primopierre Santé (parts)", "SCPI Primopierre Santé", "SCPI", "39800000")
    if breaches:  # R. 623-7: forests, held through a groupement
        b.property_company("Groupement forestier des Landes de Gascogne (parts)",
                           "Groupement forestier des Landes de Gascogne", "GF", "31200000", forests="oui",
                           comment="massif forestier de 2 400 ha")
        b.property_company("SCI Bureaux Euroméditerranée (parts)", "SCI Bureaux Euroméditerranée", "SCI", "96500000")

    # ---- 11° prêts aux collectivités et établissements publics de l'EEE
    b.public_loan("Prêt à la Ville de Lyon — 15 ans", "Ville de Lyon", "40000000", "312450.00")
    b.public_loan("Prêt au Département de la Gironde — 10 ans", "Département de la Gironde", "35000000", "201370.00")
    b.public_loan("Prêt à l'Assistance publique - Hôpitaux de Paris — 12 ans", "Assistance publique - Hôpitaux de Paris",
                  "25000000", "98630.00")

    # ---- 12° prêts hypothécaires (R. 623-8)
    b.mortgage("Prêt hypothécaire — SCI Les Tilleuls (Nantes)", "SCI Les Tilleuls", "19500000", "48750.00",
               ltv=None if breaches else Decimal("0.55"))
    b.mortgage("Prêt hypothécaire — SCI Quai des Chartrons (Bordeaux)", "SCI Quai des Chartrons", "18200000",
               "38220.00", ltv=Decimal("0.62"))
    b.mortgage("Prêt hypothécaire — SCI Parc Saint-Exupéry (Toulouse)", "SCI Parc Saint-Exupéry", "17400000",
               "30450.00", ltv=Decimal("0.48"))
    b.mortgage("Prêt hypothécaire — SCI Rhin Europe (Strasbourg)", "SCI Rhin Europe", "14900000", "22350.00",
               ltv=Decimal("0.65"))

    # ---- 13° dépôts (R. 623-9)
    b.deposit("Compte à terme BNP Paribas 12 mois", "BNP Paribas", "30000000", "47260.27", term=365)
    b.deposit("Compte à terme Crédit Agricole CIB 6 mois", "Crédit Agricole Corporate and Investment Bank", "30000000",
              "24657.53", term=182)
    b.deposit("Compte à terme Natixis 9 mois", "Natixis", "25000000", "20547.95", term=270)
    b.deposit("Compte sur livret ING Bank (préavis 32 jours)", "ING Bank N.V.", "20000000", "6575.34", notice=32,
              country="NL")
    b.deposit("Dépôt à terme Deutsche Bank 12 mois", "Deutsche Bank AG", "25000000", "15410.96", term=365,
              country="DE")
    b.deposit("Compte à terme La Banque Postale 3 mois", "La Banque Postale", "20000000", "4931.51", term=91)
    b.deposit("Disponibilités — échéance trimestrielle de prestations", "La Banque Postale", "64500000", "0", notice=0,
              exclusion="echeance_trimestrielle")
    b.deposit("Disponibilités — compensation (art. L. 134-1)", "Société Générale", "35200000", "0", notice=0,
              exclusion="compensation_L134-1")
    if breaches:
        b.deposit("Compte à terme Société Générale 6 mois", "Société Générale", "60000000", "36986.30", term=182)
        b.deposit("Compte à terme Banque Populaire Rives de Paris 2 ans (préavis 6 mois)",
                  "Banque Populaire Rives de Paris", "15000000", "18493.15", term=730, notice=180)

    # ---- instruments financiers à terme (R. 623-4)
    b.forward("Vente de 300 contrats Euro-Bund mars 2017 (couverture de taux)", "-1234560.00", country="DE",
              comment="Eurex")
    b.forward("Achat de 120 contrats EUR/USD mars 2017 (couverture de change)", "312500.00", currency="USD",
              country="US", comment="CME")

    # ---- poche gestion (R. 623-10)
    g = "gestion"
    b.bond("1° a)", "OAT 0 % 25/05/2021", "République française", "FR001", "FR", 60 * M, "101.642", "0", 0,
           30_000 * M, legal_form="État", pocket=g, maturity=d(2021, 5, 25))
    b.bond(2, "Crédit Agricole SA 0,875 % 19/01/2022", "Crédit Agricole SA", "XS", "FR", 15 * M, "102.986", "0.875",
           347, 1_000 * M, pocket=g, maturity=d(2022, 1, 19))
    b.tcn("NEU CP Engie 31/03/2017", "Engie", "FR012", "FR", 20 * M, "99.991", 90, 500 * M, pocket=g,
          maturity=d(2017, 3, 31))
    b.fund(5, "Amundi Trésorerie Courte (SICAV monétaire)", "Amundi Trésorerie Courte", "FR001", "FR", 17_800,
           "2247.15", 2_900_000, "SICAV", euro_1_4="oui", only_1_3="oui", pocket=g)
    b.building("Siège de la caisse — 44 rue de Lourmel, Paris 15e (services administratifs)", "IMM-75015-LOURMEL-44",
               "45300000", pocket=g)
    b.property_company("SCI Résidence d'action sociale Les Pins (parts)", "SCI Résidence Les Pins", "SCI",
                       "12400000", pocket=g, comment="action sociale : résidence pour retraités")
    b.public_loan("Prêt à Bordeaux Métropole — 5 ans", "Bordeaux Métropole", "8000000", "35070.00", pocket=g)
    b.deposit("Compte courant La Banque Postale", "La Banque Postale", "24600000", "0", notice=0, pocket=g)
    b.deposit("Compte à terme CIC 6 mois", "CIC", "30000000", "22191.78", term=182, pocket=g)
    if breaches:  # R. 623-10: shares are not allowed in the gestion pocket
        b.share("Actions Orange (poche gestion)", "Orange", "FR000", "FR", 600_000, "14.43", 2_660_000_000, pocket=g)
    return b.lines


# --------------------------------------------------------------------------- writers


def _cell(value):
    """A line's value as a workbook cell: euros as numbers (exact to the cent), ratios as numbers."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _notes(breaches: bool) -> list[str]:
    notes = [
        f"{CAISSE}",
        "Données fictives, à des fins de démonstration du contrôle des placements (CSS, art. R. 623-3 à R. 623-10-4).",
        "Valeurs de marché en euros au 31/12/2016, coupon couru à part (colonne coupon_couru).",
        f"Cours de change BCE du 30/12/2016 : 1 EUR = {str(USD_PER_EUR).replace('.', ',')} USD "
        f"= {str(CHF_PER_EUR).replace('.', ',')} CHF.",
        "Poche « reserves » : réserves des risques gérés. Poche « gestion » : gestion administrative, action sociale, "
        "disponibilités (R. 623-10).",
        "Deux lignes de disponibilités sont marquées dans la colonne exclusion : elles sortent de la base des limites "
        "de l'article R. 623-10-1.",
        "Quantités : nominal pour les titres de créance, nombre de titres ou de parts pour les actions et les fonds.",
    ]
    if breaches:
        notes.append("Cette version du portefeuille comporte volontairement des manquements et deux données "
                     "manquantes (ltv d'un prêt hypothécaire, conformité d'un OPCVM).")
    return notes


def _title(breaches: bool) -> list[str]:
    return [f"{CAISSE} — Portefeuille au {AS_OF.strftime('%d/%m/%Y')}",
            "Placements des réserves et des fonds de gestion — valeurs en euros"
            + (" — version de travail à régulariser" if breaches else "")]


def _date_row() -> str:
    """The portfolio's date as the reader finds it (SPEC §4): the rules in force on that day apply."""
    return f"Date d'arrêté : {AS_OF.strftime('%d/%m/%Y')}"


def write_xlsx(path: Path, lines: list[dict], breaches: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from reserves.app.template import number_format

    wb = Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    titles = _title(breaches)
    ws.cell(row=1, column=1, value=titles[0]).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=titles[1]).font = Font(italic=True)
    ws.cell(row=3, column=1, value=_date_row()).font = Font(bold=True)
    header_row = TITLE_ROWS + 1
    heads = HEADERS + EXTRA
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, h in enumerate(heads, start=1):
        c = ws.cell(row=header_row, column=j, value=h)
        c.font = Font(bold=True)
        c.fill = fill
    formats = {c.header: number_format(c) for c in COLUMNS}
    formats["echeance"] = "DD/MM/YYYY"
    for i, line in enumerate(lines, start=header_row + 1):
        for j, h in enumerate(heads, start=1):
            v = line[h]
            if v is None:
                continue
            c = ws.cell(row=i, column=j, value=_cell(v))
            if formats.get(h):
                c.number_format = formats[h]
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    for j, h in enumerate(heads, start=1):
        width = max([len(h)] + [len(str(line[h])) for line in lines if line[h] is not None])
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(max(width + 2, 8), 60)
    notes = wb.create_sheet("Notes")
    for i, text in enumerate(_notes(breaches), start=1):
        notes.cell(row=i, column=1, value=text)
    notes.column_dimensions["A"].width = 120
    wb.properties.creator = CAISSE
    wb.properties.title = titles[0]
    fixed = dt.datetime(*FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.save(path)
    _normalise_zip(path)


def write_ods(path: Path, lines: list[dict], breaches: bool) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()

    def text_cell(text):
        c = TableCell(valuetype="string")
        c.addElement(P(text=str(text)))
        return c

    def cell(v):
        if v is None:
            return TableCell()
        if isinstance(v, dt.date):
            c = TableCell(valuetype="date", datevalue=v.isoformat())
            c.addElement(P(text=v.strftime("%d/%m/%Y")))
            return c
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            c = TableCell(valuetype="float", value=str(v))
            c.addElement(P(text=str(v)))
            return c
        return text_cell(v)

    heads = HEADERS + EXTRA
    t = Table(name="Portefeuille")
    t.addElement(TableColumn(numbercolumnsrepeated=len(heads)))
    for text in _title(breaches) + [_date_row()] + [None] * (TITLE_ROWS - 3):
        tr = TableRow()
        tr.addElement(text_cell(text) if text else TableCell())
        t.addElement(tr)
    tr = TableRow()
    for h in heads:
        tr.addElement(text_cell(h))
    t.addElement(tr)
    for line in lines:
        tr = TableRow()
        for h in heads:
            tr.addElement(cell(line[h]))
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    notes = Table(name="Notes")
    notes.addElement(TableColumn())
    for text in _notes(breaches):
        tr = TableRow()
        tr.addElement(text_cell(text))
        notes.addElement(tr)
    doc.spreadsheet.addElement(notes)
    buf = io.BytesIO()
    doc.write(buf)
    path.write_bytes(buf.getvalue())
    _normalise_zip(path)


def _fr_number(v) -> str:
    if isinstance(v, Decimal):
        return format(v, "f").replace(".", ",")
    if isinstance(v, float):
        return repr(v).replace(".", ",")
    return str(v)


def write_csv(path: Path, lines: list[dict], breaches: bool) -> None:
    """A French Excel export: `;`, decimal comma, Windows-1252, title row kept above the header."""
    heads = HEADERS + EXTRA
    out = io.StringIO(newline="")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([_title(breaches)[0]] + [""] * (len(heads) - 1))
    w.writerow([_date_row()] + [""] * (len(heads) - 1))
    w.writerow(heads)
    for line in lines:
        row = []
        for h in heads:
            v = line[h]
            if v is None:
                row.append("")
            elif isinstance(v, dt.date):
                row.append(v.strftime("%d/%m/%Y"))
            elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                row.append(_fr_number(v))
            else:
                row.append(str(v))
        w.writerow(row)
    path.write_bytes(out.getvalue().encode("cp1252"))


def _normalise_zip(path: Path) -> None:
    """Fixed dates inside the archive, so that the same cells give the same bytes."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in items:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{FIXED_STAMP}\g<2>", text)
                text = re.sub(r"(<(?:meta:creation-date|dc:date)>)[^<]*(<)", r"\g<1>2017-01-02T00:00:00\g<2>", text)
                data = text.encode("utf-8")
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            zout.writestr(new, data)


SAMPLES = {
    "portefeuille_conforme": False,
    "portefeuille_manquements": True,
}


# Orders on the compliant caisse (French CSV): ISIN matches for the first two, a new line for the third.
ORDERS = [
    ["libelle", "categorie", "montant", "devise", "isin", "emetteur", "quantite", "immeuble", "pays"],
    ["Actions AXA", "7", "20 000 000,00", "EUR", "FR0003818517", "AXA", "834 000", "", "FR"],
    ["OAT 3,5 % 25/04/2026", "1° a)", "-50 000 000,00", "EUR", "FR0013853850", "République française",
     "38 600 000", "", "FR"],
    ["Immeuble de bureaux — 12 rue de Rivoli, Paris 4e", "9", "240 000 000,00", "EUR", "", "", "",
     "IMM-RIVOLI", "FR"],
]


def write_orders_csv(path: Path) -> None:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["Ordres envisagés — exemple fictif (montant positif : achat, négatif : vente)"]
               + [""] * (len(ORDERS[0]) - 1))
    w.writerows(ORDERS)
    path.write_bytes(out.getvalue().encode("cp1252"))


def generate(folder: str | os.PathLike = HERE) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, breaches in SAMPLES.items():
        lines = caisse(breaches)
        for ext, writer in (("xlsx", write_xlsx), ("ods", write_ods)):
            p = folder / f"{name}.{ext}"
            writer(p, lines, breaches)
            written.append(p)
        if not breaches:
            p = folder / f"{name}.csv"
            write_csv(p, lines, breaches)
            written.append(p)
    p = folder / "ordres_exemple.csv"
    write_orders_csv(p)
    written.append(p)
    import importlib.util  # the R. 139 samples (articles R. 139-1 to R. 139-56), a script of their own

    spec = importlib.util.spec_from_file_location("samples_generate_r139", HERE / "generate_r139.py")
    r139 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(r139)
    written.extend(r139.generate(folder))
    return written


if __name__ == "__main__":
    for p in generate(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(f"écrit : {p.name}")
