"""The R. 139 samples: a fictitious body of about 20 billion euros at 31/12/2025 (R. 139-1 to R. 139-56).

    python samples/generate_r139.py [FOLDER]      (also run by samples/generate.py)

writes, into FOLDER (this script's folder by default):

- `portefeuille_r139_conforme.xlsx`: the reserves of a CPSTI-like body in two régimes (complémentaire,
  invalidité-décès), the `gestion` pocket and three months of benefits set apart, sovereign, CADES, EU and
  EIB paper, corporate bonds, shares, deposits, buildings and a real-estate company, a hedging future,
  three UCITS, money-market funds, a dedicated fund and two fonds mutualisés, all seen through: in the
  `Transparence` sheet, and for one UCITS in a TPT file; the `Titres` sheet completes the TPT's securities.
  Designed well inside every limit of SPEC-R139 §3;
- `portefeuille_r139_manquements.xlsx`: the same body with breaches of R. 139-41 (equity over 25 %, OECD-only
  listings over 15 %, real estate over 20 %), R. 139-44 (currency exposure of 15 % or more) and R. 139-45
  (one issuer over 5 %, one real-estate asset over 10 %, the entities over 5 % together over 40 %);
- `tpt_fonds_credit_euro.xlsx`: the FinDatEx TPT V6 inventory of the UCITS « Fonds Crédit Euro IC »,
  for `reserves check portefeuille_r139_conforme.xlsx --transparence tpt_fonds_credit_euro.xlsx`.

All figures and most names are fictitious. The same seed gives the same cells and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from reserves.portfolio.columns139 import COLUMNS, LOOKTHROUGH_COLUMNS  # noqa: E402
from reserves.portfolio import securities  # noqa: E402

SEED = 20251231
AS_OF = dt.date(2025, 12, 31)
INVENTORY_DATE = dt.date(2025, 12, 31)
BODY = "Caisse nationale de retraite complémentaire des indépendants — exemple fictif"
FIXED_ZIP_TIME = (2026, 1, 2, 0, 0, 0)
USD_PER_EUR = Decimal("1.1750")  # fictitious rates of 31/12/2025
JPY_PER_EUR = Decimal("183.50")
GBP_PER_EUR = Decimal("0.8720")
CHF_PER_EUR = Decimal("0.9310")

HEADERS = [c.header for c in COLUMNS]
LT_HEADERS = [c.header for c in LOOKTHROUGH_COLUMNS if c.header not in ("poche", "exclusion", "regime")]
TITRES_HEADERS = [c.header for c in securities.COLUMNS]
CENT = Decimal("0.01")

BASE_COMPLEMENTAIRE = Decimal("18_950_000_000")
BASE_INVALIDITE = Decimal("900_000_000")

FUND_ISINS = {}  # fund label -> ISIN, filled as the funds are created


def cents(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


class Book:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.lines: list[dict] = []
        self.isins: set[str] = set()

    def isin(self, prefix: str) -> str:
        from stdnum import isin

        while True:
            body = prefix + "".join(self.rng.choice("0123456789") for _ in range(11 - len(prefix)))
            code = body + isin.calc_check_digit(body)
            if code not in self.isins:
                self.isins.add(code)
                return code

    def price(self, lo, hi, step="0.01") -> Decimal:
        return Decimal(str(self.rng.uniform(lo, hi))).quantize(Decimal(step))


def row(headers, **cells) -> dict:
    out = {h: None for h in headers}
    for k, v in cells.items():
        if k not in out:
            if v is None:
                continue  # a column this sheet does not have (the régime of a fund's holding)
            raise KeyError(k)
        out[k] = v
    return out


# --------------------------------------------------------------------------- securities

SOVEREIGNS = [  # issuer, country, ISIN prefix
    ("République française", "FR", "FR00"), ("République fédérale d'Allemagne", "DE", "DE000"),
    ("République italienne", "IT", "IT000"), ("Royaume d'Espagne", "ES", "ES00"),
    ("Royaume des Pays-Bas", "NL", "NL00"), ("Royaume de Belgique", "BE", "BE000"),
    ("République d'Autriche", "AT", "AT000"),
]
BANKS = [  # issuer, group, country; debt securities outstanding in euros
    ("BNP Paribas", "BNP Paribas", "FR", 210e9), ("Société Générale", "Société Générale", "FR", 150e9),
    ("Crédit Agricole SA", "Crédit Agricole", "FR", 180e9), ("BPCE", "BPCE", "FR", 140e9),
    ("Deutsche Bank AG", "Deutsche Bank", "DE", 160e9), ("ING Groep NV", "ING", "NL", 120e9),
    ("Banco Santander SA", "Santander", "ES", 190e9), ("UniCredit SpA", "UniCredit", "IT", 110e9),
]
CORPORATES = [  # issuer, group, country, debt outstanding
    ("TotalEnergies SE", "TotalEnergies", "FR", 45e9), ("Airbus SE", "Airbus", "NL", 15e9),
    ("Orange SA", "Orange", "FR", 32e9), ("Engie SA", "Engie", "FR", 38e9), ("EDF SA", "EDF", "FR", 70e9),
    ("Schneider Electric SE", "Schneider Electric", "FR", 12e9), ("Sanofi SA", "Sanofi", "FR", 20e9),
    ("Siemens AG", "Siemens", "DE", 40e9), ("Allianz SE", "Allianz", "DE", 25e9), ("BASF SE", "BASF", "DE", 18e9),
    ("Iberdrola SA", "Iberdrola", "ES", 35e9), ("Enel SpA", "Enel", "IT", 55e9), ("Danone SA", "Danone", "FR", 14e9),
    ("Air Liquide SA", "Air Liquide", "FR", 11e9), ("Vinci SA", "Vinci", "FR", 24e9), ("Veolia SA", "Veolia", "FR", 16e9),
]
EQUITIES = [  # issuer, country, price, shares outstanding
    ("TotalEnergies SE", "FR", 56, 2_240_000_000), ("LVMH SE", "FR", 640, 500_000_000),
    ("Sanofi SA", "FR", 88, 1_250_000_000), ("Schneider Electric SE", "FR", 235, 575_000_000),
    ("Air Liquide SA", "FR", 165, 578_000_000), ("L'Oréal SA", "FR", 375, 534_000_000),
    ("AXA SA", "FR", 36, 2_200_000_000), ("BNP Paribas", "FR", 72, 1_140_000_000),
    ("Safran SA", "FR", 290, 420_000_000), ("Vinci SA", "FR", 118, 590_000_000),
    ("Hermès International", "FR", 2300, 105_000_000), ("EssilorLuxottica SA", "FR", 270, 455_000_000),
    ("Danone SA", "FR", 72, 680_000_000), ("Orange SA", "FR", 14, 2_660_000_000),
    ("Siemens AG", "DE", 225, 790_000_000), ("SAP SE", "DE", 240, 1_230_000_000),
    ("Allianz SE", "DE", 360, 385_000_000), ("Deutsche Telekom AG", "DE", 30, 4_980_000_000),
    ("ASML Holding NV", "NL", 720, 393_000_000), ("ING Groep NV", "NL", 19, 3_100_000_000),
    ("Iberdrola SA", "ES", 17, 6_400_000_000), ("Banco Santander SA", "ES", 7, 15_000_000_000),
    ("Enel SpA", "IT", 8, 10_200_000_000), ("Intesa Sanpaolo SpA", "IT", 5, 17_800_000_000),
    ("Nordea Bank Abp", "FI", 12, 3_500_000_000), ("Novo Nordisk A/S", "DK", 60, 4_440_000_000),
    ("Anheuser-Busch InBev SA", "BE", 55, 2_010_000_000), ("Kone Oyj", "FI", 52, 517_000_000),
]
US_EQUITIES = [("Microsoft Corp", 470, 7_430_000_000), ("Apple Inc", 265, 14_800_000_000),
               ("Johnson & Johnson", 190, 2_410_000_000), ("Alphabet Inc", 300, 12_100_000_000),
               ("JPMorgan Chase & Co", 310, 2_750_000_000), ("Procter & Gamble Co", 150, 2_340_000_000)]
WORLD = [  # a world equity fund's holdings outside the EEA: issuer, country, currency, listing
    ("Microsoft Corp", "US", "USD", "ocde"), ("Apple Inc", "US", "USD", "ocde"), ("NVIDIA Corp", "US", "USD", "ocde"),
    ("Amazon.com Inc", "US", "USD", "ocde"), ("Alphabet Inc", "US", "USD", "ocde"), ("Meta Platforms Inc", "US", "USD", "ocde"),
    ("Berkshire Hathaway Inc", "US", "USD", "ocde"), ("Eli Lilly & Co", "US", "USD", "ocde"),
    ("Visa Inc", "US", "USD", "ocde"), ("Exxon Mobil Corp", "US", "USD", "ocde"),
    ("UnitedHealth Group Inc", "US", "USD", "ocde"), ("Home Depot Inc", "US", "USD", "ocde"),
    ("Toyota Motor Corp", "JP", "JPY", "ocde"), ("Sony Group Corp", "JP", "JPY", "ocde"),
    ("Mitsubishi UFJ Financial Group", "JP", "JPY", "ocde"), ("AstraZeneca plc", "GB", "GBP", "ocde"),
    ("Shell plc", "GB", "GBP", "ocde"), ("HSBC Holdings plc", "GB", "GBP", "ocde"),
    ("Nestlé SA", "CH", "CHF", "eee_ch"), ("Roche Holding AG", "CH", "CHF", "eee_ch"),
    ("Novartis AG", "CH", "CHF", "eee_ch"), ("Royal Bank of Canada", "CA", "CAD", "ocde"),
]
FX = {"EUR": Decimal(1), "USD": USD_PER_EUR, "JPY": JPY_PER_EUR, "GBP": GBP_PER_EUR, "CHF": CHF_PER_EUR,
      "CAD": Decimal("1.6150")}


def _isin_prefix(country: str) -> str:
    return {"FR": "FR00", "DE": "DE000", "NL": "NL00", "ES": "ES0", "IT": "IT000", "FI": "FI00", "DK": "DK00",
            "BE": "BE00", "US": "US", "JP": "JP3", "GB": "GB00", "CH": "CH00", "CA": "CA"}.get(country, "XS")


def sovereign(b: Book, weight, base, regime, k, issuer, country, prefix, *, headers=HEADERS, **more):
    value = cents(base * Decimal(str(weight)) / 100)
    price = b.price(86, 104)
    coupon = b.price(0.5, 4.0, "0.25")
    year = 2027 + (k * 3) % 25
    nominal = (value / price * 100).quantize(Decimal(1000))
    value = cents(nominal * price / 100)
    days = b.rng.randint(20, 340)
    acc = cents(nominal * coupon / 100 * days / 365)
    short = {"FR": "OAT", "DE": "Bund", "IT": "BTP", "ES": "Bonos", "NL": "DSL", "BE": "OLO", "AT": "RAGB"}[country]
    return row(headers, libelle=f"{short} {str(coupon).replace('.', ',')} % {year}", nature="titre_etat", valeur=value,
               devise="EUR", isin=b.isin(prefix), emetteur=issuer, coupon_couru=acc, quantite=nominal, pays=country,
               cotation="eee", type_emetteur="etat", groupe=issuer, conservation="oui", regime=regime,
               echeance=dt.date(year, 1 + k % 12, 25), **more)


def bond(b: Book, weight, base, regime, issuer, group, country, outstanding, *, kind="autre", currency="EUR",
         headers=HEADERS, nature="obligation", **more):
    value = cents(base * Decimal(str(weight)) / 100)
    price = b.price(92, 103)
    coupon = b.price(1.0, 4.5, "0.125")
    year = 2027 + b.rng.randint(0, 9)
    fx = FX[currency]
    nominal = (value * fx / price * 100).quantize(Decimal(1000))
    value = cents(nominal * price / 100 / fx)
    acc = cents(nominal * coupon / 100 * b.rng.randint(15, 350) / 365 / fx)
    return row(headers, libelle=f"{issuer} {str(coupon).replace('.', ',')} % {year}", nature=nature, valeur=value,
               devise=currency, isin=b.isin("XS" if currency != "EUR" or b.rng.random() < 0.5 else _isin_prefix(country)),
               emetteur=issuer, coupon_couru=acc, quantite=nominal, pays=country, cotation="eee", type_emetteur=kind,
               groupe=group, encours_emetteur=Decimal(int(outstanding)), conservation="oui", regime=regime,
               echeance=dt.date(year, b.rng.randint(1, 12), 15), **more)


GROUP_OF = {issuer: group for issuer, group, _, _ in BANKS + CORPORATES}  # one consolidation group per issuer


def share(b: Book, weight, base, regime, issuer, country, price, issued, *, currency="EUR", listing="eee",
          headers=HEADERS, **more):
    value = cents(base * Decimal(str(weight)) / 100)
    fx = FX[currency]
    price = Decimal(str(price)) * (1 + Decimal(str(b.rng.uniform(-0.03, 0.03))))
    price = price.quantize(CENT)
    qty = (value * fx / price).quantize(Decimal(1))
    value = cents(qty * price / fx)
    return row(headers, libelle=f"Actions {issuer}", nature="action", valeur=value, devise=currency,
               isin=b.isin(_isin_prefix(country)), emetteur=issuer, quantite=qty, quantite_emise=issued, pays=country,
               cotation=listing, type_emetteur="autre", groupe=GROUP_OF.get(issuer, issuer), conservation="oui",
               forme_juridique="SA",
               regime=regime, **more)


def deposit(b: Book, weight, base, regime, bank, group, *, headers=HEADERS, **more):
    value = cents(base * Decimal(str(weight)) / 100)
    return row(headers, libelle=f"Compte à terme {bank} (retrait à tout moment)", nature="depot", valeur=value,
               devise="EUR", emetteur=bank, coupon_couru=cents(value * Decimal("0.0021")), pays="FR",
               type_emetteur="etablissement_credit", groupe=group, remboursable="oui", remuneration="monetaire",
               au_nom_organisme="oui", actes_en_france="oui", regime=regime, **more)


def fund_isin(label: str, country: str = "FR") -> str:
    """A fund's ISIN, from its name alone: the same in every sample and in the TPT file."""
    import zlib

    return Book(zlib.crc32(label.encode("utf-8"))).isin("FR00" if country == "FR" else "LU0")


def fund(b: Book, weight, base, regime, label, nature, manager, country="FR", *, currency="EUR", nav=100, **more):
    value = cents(base * Decimal(str(weight)) / 100)
    units = (value / Decimal(nav)).quantize(Decimal("0.001"))
    value = cents(units * Decimal(nav))
    code = FUND_ISINS.get(label) or fund_isin(label, country)
    FUND_ISINS[label] = code
    extra = {}
    if nature in ("opcvm", "fonds_mutualise"):
        extra["depassement_potentiel"] = Decimal("0.10")
        extra["part_titres_eligibles"] = Decimal("0.98") if nature == "opcvm" else Decimal("0.60")
    return row(HEADERS, libelle=label, nature=nature, valeur=value, devise=currency, isin=code, emetteur=label,
               quantite=units, pays=country, type_emetteur="autre", groupe=label, fonds_conforme="oui",
               conservation="oui", forme_juridique="FCP", regime=regime, **extra, **more)


# --------------------------------------------------------------------------- the body


def body(breaches: bool) -> tuple[list[dict], dict]:
    """The lines of the `Portefeuille` sheet, and each fund's inventory (label -> list of holdings)."""
    b = Book(SEED)
    FUND_ISINS.clear()
    C, I = "complementaire", "invalidite_deces"
    B, BI = BASE_COMPLEMENTAIRE, BASE_INVALIDITE
    lines: list[dict] = []
    add = lines.append

    # Sovereign paper of EEA States (R. 139-45 II), the CADES, the EU and the EIB.
    sov = ([18.2, 6.0, 3.5, 3.5, 2.0, 2.0, 1.0] if not breaches else [4.0, 0, 0, 0, 0, 0, 0])
    bund_isin = None
    for (issuer, country, prefix), w in zip(SOVEREIGNS, sov):
        parts = 5 if w >= 10 else (3 if w >= 5 else 1) if w else 0
        for k in range(parts):
            line = sovereign(b, w / parts, B, C, k + len(lines), issuer, country, prefix)
            add(line)
            if country == "DE" and bund_isin is None:
                bund_isin = line["isin"]
    if not breaches:
        add(bond(b, 2.5, B, C, "Caisse d'amortissement de la dette sociale", "CADES", "FR", 140e9, kind="cades"))
        add(bond(b, 2.0, B, C, "Union européenne", "Union européenne", "BE", 600e9, kind="ue"))
        add(bond(b, 1.5, B, C, "Banque européenne d'investissement", "BEI", "LU", 450e9, kind="bei"))

    # Corporate and bank bonds.
    if not breaches:
        for issuer, group, country, out in BANKS:
            add(bond(b, 0.75, B, C, issuer, group, country, out, kind="etablissement_credit"))
        for issuer, group, country, out in CORPORATES:
            add(bond(b, 0.75, B, C, issuer, group, country, out))
    else:
        add(bond(b, 6.0, B, C, "Airbus SE", "Airbus", "NL", 15e9))  # R. 139-45 I 1°: over 5 %
        for issuer, group, country, out in BANKS[:3]:  # 4 % of bonds + 3,9 % of deposits each: within 10 %...
            add(bond(b, 4.0, B, C, issuer, group, country, out, kind="etablissement_credit"))
            add(deposit(b, 3.9, B, C, issuer, group))  # ... but over 40 % together with the others above 5 %
        for issuer, group, country, out in CORPORATES[2:7]:
            add(bond(b, 0.5, B, C, issuer, group, country, out))
        add(sovereign(b, 3.0, B, C, 99, "Japon", "FR", "FR00", **{}) | {
            "libelle": "JGB 0,9 % 2035", "emetteur": "Japon", "pays": "JP", "devise": "JPY", "cotation": "ocde",
            "groupe": "Japon", "isin": b.isin("JP1"), "encours_emetteur": Decimal("7_500_000_000_000")})

    # Shares: the euro area and the EEA, and a few listed only in New York (R. 139-19 I 3°).
    for issuer, country, price, issued in EQUITIES:
        add(share(b, 0.3, B, C, issuer, country, price, issued))
    for issuer, price, issued in (US_EQUITIES[:3] if not breaches else US_EQUITIES):
        add(share(b, 0.4 if not breaches else 11 / len(US_EQUITIES), B, C, issuer, "US", price, issued,
                  currency="USD", listing="ocde"))

    # Funds: three UCITS, money-market funds, a dedicated fund, two fonds mutualisés.
    add(fund(b, 3.0, B, C, "Fonds Actions Euro IC", "opcvm", "Gestion Alpha", nav=1520))
    add(fund(b, 3.0, B, C, "Fonds Actions Monde IC", "opcvm", "Gestion Alpha", "LU", nav=212))
    add(fund(b, 3.0, B, C, "Fonds Crédit Euro IC", "opcvm", "Gestion Beta", nav=1087))
    add(fund(b, 2.0, B, C, "Fonds Monétaire Euro I", "monetaire", "Gestion Gamma", nav=10_450))
    add(fund(b, 2.0, B, C, "Fonds Trésorerie Plus IC", "monetaire", "Gestion Delta", nav=2_118))
    add(fund(b, 7.0, B, C, "FCP dédié Réserves Long Terme", "organisme_dedie", "Gestion Alpha", nav=118))
    add(fund(b, 2.0, B, C, "FPCI Capital Croissance", "fonds_mutualise", "Capital Partenaires", nav=1000))
    add(fund(b, 1.0, B, C, "Fonds de prêts à l'économie", "fonds_mutualise", "Gestion Beta", nav=1000))

    # Real estate: buildings held directly, a real-estate company.
    buildings = [("Immeuble de bureaux — 18 rue de Londres, Paris 9e", "IMM-LONDRES"),
                 ("Immeuble de bureaux — 42 cours Lafayette, Lyon 3e", "IMM-LAFAYETTE"),
                 ("Immeuble d'habitation — 7 allées de Tourny, Bordeaux", "IMM-TOURNY")]
    for label, ident in buildings:
        add(row(HEADERS, libelle=label, nature="droit_immobilier", valeur=cents(B * Decimal("1.0" if not breaches
                                                                                              else "3.0") / 100),
                devise="EUR", immeuble=ident, pays="FR", detention_integrale="oui", actes_en_france="oui", regime=C))
    sci_weight = "1.2" if not breaches else "12.0"  # R. 139-45 I 2°: one real-estate asset over 10 %
    add(row(HEADERS, libelle="SCI Tour Horizon (parts)", nature="societe_immobiliere",
            valeur=cents(B * Decimal(sci_weight) / 100), devise="EUR", emetteur="SCI Tour Horizon",
            groupe="SCI Tour Horizon", immeuble="SCI-HORIZON", pays="FR", forme_juridique="SCI", objet_immobilier="oui",
            marchand_de_biens="non", perte_limitee="oui", conservation="oui", actes_en_france="oui",
            type_emetteur="autre", quantite=Decimal(100_000), quantite_emise=Decimal(100_000), regime=C))

    # Deposits, and a listed future hedging part of the Bunds (R. 139-37).
    if not breaches:
        for bank, group in (("La Banque Postale", "La Banque Postale"), ("Crédit Mutuel Arkéa", "Crédit Mutuel"),
                            ("CIC", "Crédit Mutuel")):
            add(deposit(b, 1.0, B, C, bank, group))
        exposure = -cents(B * Decimal("0.8") / 100)
        add(row(HEADERS, libelle="Future Euro-Bund mars 2026 (vente, couverture)", nature="contrat_financier",
                valeur=Decimal(0), devise="EUR", emetteur="Eurex Clearing AG", groupe="Deutsche Börse",
                cotation="eee", type_contrat="future", sous_jacent=bund_isin, type_sous_jacent="taux",
                notionnel=-exposure, exposition=exposure, devise_exposition="EUR", contrepartie="Eurex Clearing AG",
                echeance=dt.date(2026, 3, 6), couverture="oui", pays="DE", regime=C))

    # Outside the actif de placement: the gestion pocket, three months of benefits (R. 139-1).
    add(deposit(b, 0.8, B, C, "La Banque Postale", "La Banque Postale") | {
        "libelle": "Compte courant — gestion administrative", "poche": "gestion"})
    add(deposit(b, 1.3, B, C, "La Banque Postale", "La Banque Postale") | {
        "libelle": "Compte des prestations du trimestre", "exclusion": "prestations_3_mois"})

    # The invalidité-décès régime: its own actif de placement (RR 1).
    for k, (w, (issuer, country, prefix)) in enumerate(((30, SOVEREIGNS[0]), (12, SOVEREIGNS[1]))):
        for j in range(3):
            add(sovereign(b, w / 3, BI, I, 50 + 3 * k + j, issuer, country, prefix))
    add(bond(b, 8, BI, I, "Caisse d'amortissement de la dette sociale", "CADES", "FR", 140e9, kind="cades"))
    for issuer, group, country, out in CORPORATES[:12]:
        add(bond(b, 2.5, BI, I, issuer, group, country, out))
    for issuer, country, price, issued in EQUITIES[:4]:
        add(share(b, 1.0, BI, I, issuer, country, price, issued))
    inv_mm = fund(b, 4.0, BI, I, "Fonds Monétaire Euro I", "monetaire", "Gestion Gamma", nav=10_450)
    add(inv_mm)
    add(fund(b, 4.0, BI, I, "Fonds Trésorerie Plus IC", "monetaire", "Gestion Delta", nav=2_118))
    for bank, group in (("La Banque Postale", "La Banque Postale"), ("Crédit Mutuel Arkéa", "Crédit Mutuel")):
        add(deposit(b, 4.0, BI, I, bank, group))

    inventories = {
        "Fonds Actions Euro IC": actions_euro(b),
        "Fonds Actions Monde IC": actions_monde(b),
        "FCP dédié Réserves Long Terme": dedicated(b),
        "FPCI Capital Croissance": private_equity(b),
        "Fonds de prêts à l'économie": loans_fund(b),
        "Fonds Monétaire Euro I": money_market(b),
    }
    return lines, inventories


def _lt(**cells) -> dict:
    return row(LT_HEADERS, **cells)


def actions_euro(b: Book) -> list[dict]:
    """An euro-area equity UCITS of 2,4 billion euros: 40 shares, cash."""
    nav = Decimal("2_400_000_000")
    out = []
    pool = EQUITIES + [("Stellantis NV", "NL", 12, 2_900_000_000), ("Michelin SCA", "FR", 33, 700_000_000)]
    weights = [b.rng.uniform(1, 4) for _ in pool]
    scale = Decimal("0.97") / Decimal(str(sum(weights)))
    for (issuer, country, price, issued), w in zip(pool, weights):
        value = cents(nav * Decimal(str(w)) * scale)
        qty = (value / Decimal(str(price))).quantize(Decimal(1))
        out.append(_lt(libelle=f"Actions {issuer}", nature="action", valeur=value, devise="EUR",
                       isin=b.isin(_isin_prefix(country)), emetteur=issuer, groupe=GROUP_OF.get(issuer, issuer),
                       pays=country, cotation="eee", type_emetteur="autre", quantite=qty, quantite_emise=issued))
    out.append(_lt(libelle="Liquidités", nature="depot", valeur=cents(nav * Decimal("0.03")), devise="EUR",
                   emetteur="CACEIS Bank", groupe="Crédit Agricole", pays="FR", type_emetteur="etablissement_credit",
                   remboursable="oui", remuneration="monetaire", au_nom_organisme="oui"))
    return out


def actions_monde(b: Book) -> list[dict]:
    """A world equity UCITS of 3,8 billion euros, mostly outside the EEA."""
    nav = Decimal("3_800_000_000")
    out = []
    weights = [b.rng.uniform(2, 7) for _ in WORLD]
    scale = Decimal("0.88") / Decimal(str(sum(weights)))
    for (issuer, country, currency, listing), w in zip(WORLD, weights):
        value = cents(nav * Decimal(str(w)) * scale)
        price = b.price(20, 600)
        qty = (value * FX[currency] / price).quantize(Decimal(1))
        out.append(_lt(libelle=f"Actions {issuer}", nature="action", valeur=value, devise=currency,
                       isin=b.isin(_isin_prefix(country)), emetteur=issuer, groupe=issuer, pays=country,
                       cotation=listing, type_emetteur="autre", quantite=qty,
                       quantite_emise=Decimal(b.rng.randint(1, 15) * 1_000_000_000)))
    for issuer, country in (("ASML Holding NV", "NL"), ("SAP SE", "DE"), ("LVMH SE", "FR")):
        price = b.price(200, 700)
        value = cents(nav * Decimal("0.03"))
        out.append(_lt(libelle=f"Actions {issuer}", nature="action", valeur=value, devise="EUR",
                       isin=b.isin(_isin_prefix(country)), emetteur=issuer, groupe=GROUP_OF.get(issuer, issuer),
                       pays=country, cotation="eee",
                       type_emetteur="autre", quantite=(value / price).quantize(Decimal(1)),
                       quantite_emise=Decimal(500_000_000)))
    out.append(_lt(libelle="Liquidités USD", nature="depot", valeur=cents(nav * Decimal("0.03")), devise="USD",
                   emetteur="CACEIS Bank", groupe="Crédit Agricole", pays="FR", type_emetteur="etablissement_credit",
                   remboursable="oui", remuneration="monetaire", au_nom_organisme="oui"))
    return out


def dedicated(b: Book) -> list[dict]:
    """The body's dedicated fund: State bonds, corporate bonds, shares, a deposit, money-market units (R. 139-16 5°)."""
    nav = BASE_COMPLEMENTAIRE * Decimal("0.07")
    out = []

    def w(p):
        return nav * Decimal(str(p)) / 100

    for k in range(3):
        out.append(sovereign(b, 8, w(100), None, 80 + k, *SOVEREIGNS[0], headers=LT_HEADERS))
    out.append(sovereign(b, 8, w(100), None, 90, *SOVEREIGNS[1], headers=LT_HEADERS))
    for issuer, group, country, outstanding in CORPORATES[8:16]:
        out.append(bond(b, 5, w(100), None, issuer, group, country, outstanding, headers=LT_HEADERS))
    for issuer, country, price, issued in EQUITIES[14:24]:
        out.append(share(b, 1.8, w(100), None, issuer, country, price, issued, headers=LT_HEADERS))
    out.append(deposit(b, 5, w(100), None, "CACEIS Bank", "Crédit Agricole", headers=LT_HEADERS))
    code = fund_isin("Fonds Sécurité Court Terme")
    value = cents(w(5))
    out.append(_lt(libelle="Fonds Sécurité Court Terme (parts)", nature="monetaire", valeur=value, devise="EUR",
                   isin=code, emetteur="Fonds Sécurité Court Terme", groupe="Fonds Sécurité Court Terme", pays="FR",
                   type_emetteur="autre", fonds_conforme="oui", quantite=(value / 1000).quantize(Decimal("0.001"))))
    for h in out:
        h.pop("regime", None)
    return [{k: v for k, v in h.items() if k in LT_HEADERS} for h in out]


def private_equity(b: Book) -> list[dict]:
    """A fonds mutualisé of small and mid caps (R. 139-28 to R. 139-35): 950 million euros, listed shares for the
    most part, a tenth in unlisted companies (within its 15 % of potential excesses, R. 139-42)."""
    nav = Decimal("950_000_000")
    out = []
    listed = ["Ateliers Numériques SA", "BioSanté Innovations SA", "Énergies du Littoral SA", "LogiFroid SA",
              "Mécanique de Précision du Jura SA", "Vignobles Associés SA", "Santé Connectée SA",
              "Hydrogène Vallée SA", "Textiles Techniques SA", "Cybersécurité Conseil SA"]
    for name in listed:
        value = cents(nav * Decimal("0.08"))
        out.append(_lt(libelle=f"Actions {name}", nature="action", valeur=value, devise="EUR", emetteur=name,
                       groupe=name, pays="FR", cotation="eee", type_emetteur="autre", forme_juridique="SA",
                       isin=b.isin("FR00"), quantite=Decimal(b.rng.randint(100_000, 900_000)),
                       quantite_emise=Decimal(b.rng.randint(20_000_000, 90_000_000))))
    for name in ("Agrinov SAS", "Matériaux Bas Carbone SAS"):
        out.append(_lt(libelle=f"Actions {name} (non cotées)", nature="action", valeur=cents(nav * Decimal("0.05")),
                       devise="EUR", emetteur=name, groupe=name, pays="FR", cotation="aucune", type_emetteur="autre",
                       forme_juridique="SAS", quantite=Decimal(b.rng.randint(100_000, 900_000)),
                       quantite_emise=Decimal(b.rng.randint(2_000_000, 9_000_000))))
    total = sum(h["valeur"] for h in out)
    out.append(_lt(libelle="Liquidités", nature="depot", valeur=cents(nav - total), devise="EUR",
                   emetteur="Société Générale", groupe="Société Générale", pays="FR",
                   type_emetteur="etablissement_credit", remboursable="oui", remuneration="monetaire",
                   au_nom_organisme="oui"))
    return out


def loans_fund(b: Book) -> list[dict]:
    """A fonds mutualisé financing mid-sized companies: 600 million euros of listed bonds, and a few loans (within its
    15 % of potential excesses, R. 139-42)."""
    nav = Decimal("600_000_000")
    out = []
    for issuer, group, country, outstanding in CORPORATES[:14]:
        out.append(bond(b, Decimal("6.25"), nav, None, issuer, group, country, outstanding, headers=LT_HEADERS))
    for k in range(3):
        name = f"Entreprise de taille intermédiaire n° {k + 1}"
        out.append(_lt(libelle=f"Prêt {name}", nature="autre", valeur=cents(nav * Decimal("0.03")), devise="EUR",
                       emetteur=name, groupe=name, pays="FR", type_emetteur="autre",
                       coupon_couru=cents(nav * Decimal("0.0004"))))
    total = sum(h["valeur"] + (h["coupon_couru"] or 0) for h in out)
    out.append(_lt(libelle="Liquidités", nature="depot", valeur=cents(nav - total), devise="EUR",
                   emetteur="BNP Paribas", groupe="BNP Paribas", pays="FR", type_emetteur="etablissement_credit",
                   remboursable="oui", remuneration="monetaire", au_nom_organisme="oui"))
    return [{k: v for k, v in h.items() if k in LT_HEADERS} for h in out]


def money_market(b: Book) -> list[dict]:
    """A money-market fund's inventory: accepted, not used (its units stay units, R. 139-17 3°)."""
    out = []
    for issuer, group, country, _ in BANKS[:6]:
        out.append(_lt(libelle=f"NEU CP {issuer} 3 mois", nature="tcn", valeur=Decimal("1_500_000_000"), devise="EUR",
                       emetteur=issuer, groupe=group, pays=country, cotation="aucune",
                       type_emetteur="etablissement_credit"))
    return out


# --------------------------------------------------------------------------- the TPT file

TPT_FIELDS = [
    ("1", "Portfolio identifying data"), ("2", "Type of identification code for the fund share or portfolio"),
    ("3", "Portfolio name"), ("4", "Portfolio currency (B)"),
    ("5", "Net asset valuation of the portfolio or the share class in portfolio currency"), ("6", "Valuation date"),
    ("7", "Reporting date"), ("8", "Share price"), ("8b", "Total number of shares"), ("9", "Cash ratio"),
    ("10", "Portfolio modified duration"), ("11", "Complete SCR delivery"), ("12", "CIC code of the instrument"),
    ("13", "Economic zone of the quotation place"), ("14", "Identification code of the financial instrument"),
    ("15", "Type of identification code for the instrument"), ("16", "Grouping code for multiple leg instruments"),
    ("17", "Instrument name"), ("17b", "Asset / Liability"), ("18", "Quantity"), ("19", "Nominal amount"),
    ("20", "Contract size for derivatives"), ("21", "Quotation currency (A)"),
    ("22", "Market valuation in quotation currency (A)"), ("23", "Clean market valuation in quotation currency (A)"),
    ("24", "Market valuation in portfolio currency (B)"), ("25", "Clean market valuation in portfolio currency (B)"),
    ("26", "Valuation weight"), ("27", "Market exposure amount in quotation currency (A)"),
    ("28", "Market exposure amount in portfolio currency (B)"),
    ("29", "Market exposure amount for the 3rd currency in quotation currency of the underlying asset (C)"),
    ("30", "Market Exposure in weight"), ("31", "Market exposure for the 3rd currency in weight over NAV"),
    ("32", "Interest rate type"), ("33", "Coupon rate"), ("34", "Interest rate reference identification"),
    ("35", "Identification type for interest rate index"), ("36", "Interest rate index name"),
    ("37", "Interest rate Margin"), ("38", "Coupon payment frequency"), ("39", "Maturity date"),
    ("40", "Redemption type"), ("41", "Redemption rate"), ("42", "Callable / putable"), ("43", "Call / put date"),
    ("44", "Issuer / bearer option exercise"), ("45", "Strike price for embedded (call/put) options"),
    ("46", "Issuer name"), ("47", "Issuer identification code"), ("48", "Type of identification code for issuer"),
    ("49", "Name of the group of the issuer"), ("50", "Identification of the group"),
    ("51", "Type of identification code for issuer group"), ("52", "Issuer country"), ("53", "Issuer economic area"),
    ("54", "Economic sector"), ("55", "Covered / not covered"), ("56", "Securitisation"),
    ("57", "Explicit guarantee by the country of issue"), ("58", "Subordinated debt"),
    ("58b", "Nature of the TRANCHE"), ("59", "Credit quality step"), ("60", "Call / Put / Cap / Floor"),
    ("61", "Strike price"), ("62", "Conversion factor (convertibles) / concordance factor / parity (options)"),
    ("63", "Effective Date of Instrument"), ("64", "Exercise type"), ("65", "Hedging Rolling"),
    ("67", "CIC code of the underlying asset"), ("68", "Identification code of the underlying asset"),
    ("69", "Type of identification code for the underlying asset"), ("70", "Name of the underlying asset"),
    ("71", "Quotation currency of the underlying asset (C)"), ("72", "Last valuation price of the underlying asset"),
    ("73", "Country of quotation of the underlying asset"), ("74", "Economic Area of quotation of the underlying asset"),
    ("75", "Coupon rate of the underlying asset"), ("76", "Coupon payment frequency of the underlying asset"),
    ("77", "Maturity date of the underlying asset"), ("78", "Redemption profile of the underlying asset"),
    ("79", "Redemption rate of the underlying asset"), ("80", "Issuer name of the underlying asset"),
    ("81", "Issuer identification code of the underlying asset"),
    ("82", "Type of issuer identification code of the underlying asset"),
    ("83", "Name of the group of the issuer of the underlying asset"),
    ("84", "Identification of the group of the underlying asset"),
    ("85", "Type of the group identification code of the underlying asset"),
    ("86", "Issuer country of the underlying asset"), ("87", "Issuer economic area of the underlying asset"),
    ("88", "Explicit guarantee by the country of issue of the underlying asset"),
    ("89", "Credit quality step of the underlying asset"), ("90", "Modified Duration to maturity date"),
    ("91", "Modified duration to next option exercise date"), ("92", "Credit sensitivity"),
    ("93", "Sensitivity to underlying asset price (delta)"), ("94", "Convexity / gamma for derivatives"),
    ("94b", "Vega"), ("95", "Identification of the original portfolio for positions embedded in a fund"),
    ("97", "SCR_Mrkt_IR_up weight over NAV"), ("98", "SCR_Mrkt_IR_down weight over NAV"),
    ("99", "SCR_Mrkt_Eq_type1 weight over NAV"), ("100", "SCR_Mrkt_Eq_type2 weight over NAV"),
    ("101", "SCR_Mrkt_Prop weight over NAV"), ("102", "SCR_Mrkt_Spread_bonds weight over NAV"),
    ("103", "SCR_Mrkt_Spread_structured weight over NAV"), ("104", "SCR_Mrkt_Spread_derivatives_up weight over NAV"),
    ("105", "SCR_Mrkt_Spread_derivatives_down weight over NAV"), ("105a", "SCR_Mrkt_FX_up weight over NAV"),
    ("105b", "SCR_Mrkt_FX_down weight over NAV"), ("106", "Asset pledged as collateral"), ("107", "Place of deposit"),
    ("108", "Participation"), ("110", "Valorisation method"), ("111", "Value of acquisition"),
    ("112", "Credit rating"), ("113", "Rating agency"), ("114", "Issuer economic area"), ("115", "Fund Issuer Code"),
    ("116", "Fund Issuer Code Type"), ("117", "Fund Issuer Name"), ("118", "Fund Issuer Sector"),
    ("119", "Fund Issuer Group Code"), ("120", "Fund Issuer Group Code Type"), ("121", "Fund Issuer Group name"),
    ("122", "Fund Issuer Country"), ("123", "Fund CIC code"), ("123a", "Fund Custodian Country"), ("124", "Duration"),
    ("125", "Accrued Income (Security Denominated Currency)"), ("126", "Accrued Income (Portfolio Denominated Currency)"),
    ("127", "Bond Floor (convertible instrument only)"), ("128", "Option premium (convertible instrument only)"),
    ("129", "Valuation Yield"), ("130", "Valuation Z-spread"), ("131", "Underlying Asset Category"),
    ("132", "Infrastructure_investment"), ("133", "custodian_name"),
    ("134", "type1_private_equity_portfolio_eligibility"), ("135", "type1_private_equity_issuer_beta"),
    ("137", "counterparty_sector"), ("138", "Collateral_eligibility"),
    ("139", "Collateral_Market_valuation_in_portfolio_currency"), ("1000", "TPT Version"),
]
TPT_HEADERS = [f"{n}_{name}" for n, name in TPT_FIELDS]
TPT_INDEX = {n: i for i, (n, _) in enumerate(TPT_FIELDS)}


def tpt_line(fund: dict, **fields) -> list:
    out = [None] * len(TPT_FIELDS)
    for k, v in {**fund, **fields}.items():
        out[TPT_INDEX[k]] = v
    return out


def credit_euro_tpt(b: Book, fund_isin: str) -> tuple[list[list], list[dict]]:
    """The TPT V6 rows of « Fonds Crédit Euro IC » (1,9 billion euros), and its `Titres` rows (issue data)."""
    nav = Decimal("1_900_000_000")
    shares = (nav / Decimal("1087")).quantize(Decimal("0.001"))
    head = {"1": fund_isin, "2": 1, "3": "Fonds Crédit Euro IC", "4": "EUR", "5": None,
            "6": INVENTORY_DATE.isoformat(), "7": dt.date(2026, 1, 15).isoformat(), "8": 1087, "8b": float(shares),
            "11": "N", "1000": "V6.0"}
    rows, titres, total = [], [], Decimal(0)
    pool = BANKS + CORPORATES
    for k in range(64):
        issuer, group, country, outstanding = pool[k % len(pool)]
        clean = cents(nav * Decimal(str(b.rng.uniform(1.0, 1.8))) / 100)
        accrued = cents(clean * Decimal(str(b.rng.uniform(0.001, 0.02))))
        price = b.price(93, 103)
        nominal = (clean / price * 100).quantize(Decimal(1000))
        code = b.isin("XS" if k % 2 else _isin_prefix(country))
        year = 2027 + k % 9
        bank = (issuer, group, country, outstanding) in BANKS
        rows.append(tpt_line(head, **{
            "12": f"{country}2{'8' if bank and k % 5 == 0 else '1'}", "13": 1, "14": code, "15": 1,
            "17": f"{issuer} {b.price(1, 4.5, '0.125')} % {year}", "19": float(nominal), "21": "EUR",
            "22": float(clean + accrued), "23": float(clean), "24": float(clean + accrued), "25": float(clean),
            "26": None, "39": dt.date(year, 6, 15).isoformat(), "46": issuer, "48": 9, "49": group,
            "52": country, "57": "N", "126": float(accrued), "59": 2}))
        titres.append({"isin": code, "cotation": "eee", "type_emetteur": "etablissement_credit" if bank else "autre",
                       "encours_emetteur": Decimal(int(outstanding)), "groupe": group})
        total += clean + accrued
    # A US-dollar bond hedged by a forward sale of dollars.
    usd_clean = cents(nav * Decimal("0.02"))
    code = b.isin("US")
    rows.append(tpt_line(head, **{"12": "US21", "13": 2, "14": code, "15": 1, "17": "Microsoft Corp 3,3 % 2027",
                                  "19": float((usd_clean * USD_PER_EUR).quantize(Decimal(1000))), "21": "USD",
                                  "24": float(usd_clean), "25": float(usd_clean), "39": "2027-02-06",
                                  "46": "Microsoft Corp", "48": 9, "49": "Microsoft Corp", "52": "US", "57": "N"}))
    titres.append({"isin": code, "cotation": "ocde", "type_emetteur": "autre", "encours_emetteur": Decimal(40e9),
                   "groupe": "Microsoft Corp"})
    total += usd_clean
    fwd = cents(nav * Decimal("0.0004"))
    rows.append(tpt_line(head, **{"12": "XTE2", "14": "FWD-USD-2026-03", "15": 99,
                                  "17": "Vente à terme USD contre EUR 20/03/2026", "21": "EUR", "24": float(fwd),
                                  "25": float(fwd), "28": float(-usd_clean), "39": "2026-03-20",
                                  "46": "BNP Paribas", "48": 9, "49": "BNP Paribas", "52": "FR", "71": "USD"}))
    total += fwd
    cash = cents(nav - total)
    rows.append(tpt_line(head, **{"12": "XT72", "17": "Liquidités EUR", "21": "EUR", "24": float(cash),
                                  "25": float(cash), "46": "CACEIS Bank", "48": 9, "49": "Crédit Agricole",
                                  "52": "FR"}))
    for r in rows:
        r[TPT_INDEX["5"]] = float(nav)
    return rows, titres


def write_tpt(path: Path, rows: list[list], *, title: str = "FinDatEx Tripartite Template — Solvency II — V6.0") -> None:
    """A TPT V6 workbook: a title row, the numbered field names, a line per position."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("TPT")
    ws.append([title])
    ws.append(TPT_HEADERS)
    for r in rows:
        ws.append(r)
    wb.properties.created = dt.datetime(*FIXED_ZIP_TIME)
    wb.save(path)
    _normalise(path)


def synthetic_tpt_rows(n: int, seed: int = 7) -> list[list]:
    """`n` positions of a large bond and equity fund, for the reading benchmark."""
    b = Book(seed)
    head = {"1": "FR0000292278", "2": 1, "3": "Fonds Large", "4": "EUR", "5": 1.0e10, "6": "2025-12-31",
            "7": "2026-01-15", "8": 100.0, "8b": 1.0e8, "11": "Y", "1000": "V6.0"}
    pool = BANKS + CORPORATES
    out = []
    for k in range(n):
        issuer, group, country, _ = pool[k % len(pool)]
        clean = round(b.rng.uniform(1e5, 1e6), 2)
        acc = round(clean * 0.01, 2)
        equity = k % 3 == 0
        out.append(tpt_line(head, **{
            "12": f"{country}{'31' if equity else '21'}", "13": 1, "14": b.isin(_isin_prefix(country)), "15": 1,
            "17": f"{'Actions' if equity else 'Obligation'} {issuer} {k}", "18": 1000.0 if equity else None,
            "19": None if equity else clean, "21": "EUR", "22": clean + (0 if equity else acc), "23": clean,
            "24": clean + (0 if equity else acc), "25": clean, "26": 0.0001, "39": None if equity else "2030-06-15",
            "46": issuer, "48": 9, "49": group, "52": country, "57": "N", "59": 3, "90": 4.2, "97": 0.01, "98": 0.02}))
    return out


# --------------------------------------------------------------------------- workbooks


def _cell(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and abs(v) < 10 ** 15 else float(v)
    return v


def _sheet(wb, title, headers, rows, *, title_rows=()):
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(title)
    for i, text in enumerate(title_rows, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=True, size=13 if i == 1 else 11)
    h = len(title_rows) + (1 if title_rows else 0) + 1
    fill = PatternFill("solid", fgColor="DDEBF7")
    used = [x for x in headers if any(r.get(x) is not None for r in rows) or x in ("libelle", "nature", "valeur",
                                                                                  "devise", "fonds", "isin")]
    for j, name in enumerate(used, start=1):
        c = ws.cell(row=h, column=j, value=name)
        c.font = Font(bold=True)
        c.fill = fill
    money = {"valeur", "coupon_couru", "encours_emetteur", "notionnel", "exposition"}
    for i, r in enumerate(rows, start=h + 1):
        for j, name in enumerate(used, start=1):
            v = r.get(name)
            if v is None:
                continue
            c = ws.cell(row=i, column=j, value=_cell(v))
            if name in money:
                c.number_format = '#,##0.00'
            elif isinstance(v, dt.date):
                c.number_format = "DD/MM/YYYY"
    for j, name in enumerate(used, start=1):
        width = max([len(name)] + [len(str(r.get(name))) for r in rows[:200] if r.get(name) is not None])
        ws.column_dimensions[ws.cell(row=h, column=j).column_letter].width = min(max(width + 2, 8), 52)
    ws.freeze_panes = ws.cell(row=h + 1, column=2)
    return ws


def write_portfolio(path: Path, lines, inventories, titres, *, breaches: bool) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    title = (f"{BODY} — placements au {AS_OF:%d/%m/%Y}" + (" — version à régulariser" if breaches else ""),
             f"Date d'arrêté : {AS_OF:%d/%m/%Y}",
             "Valeurs de réalisation en euros (R. 139-50), coupon couru à part ; régimes complémentaire et "
             "invalidité-décès contrôlés chacun à part.")
    _sheet(wb, "Portefeuille", HEADERS, lines, title_rows=title)
    holdings = []
    for label, items in inventories.items():
        for h in items:
            holdings.append({**h, "fonds": FUND_ISINS[label], "date_valorisation": INVENTORY_DATE})
    _sheet(wb, "Transparence", LT_HEADERS, holdings)
    _sheet(wb, "Titres", TITRES_HEADERS, titres)
    notes = wb.create_sheet("Notes")
    for i, text in enumerate((
            BODY, "Données fictives, pour la démonstration du contrôle des articles R. 139-1 à R. 139-56 du code de la "
            "sécurité sociale.",
            "Feuille Transparence : inventaires des fonds au 31/12/2025 (R. 139-17), une ligne par titre, valeurs de "
            "l'inventaire du fonds (ramenées à la ligne du fonds par le contrôle).",
            "Le fonds « Fonds Crédit Euro IC » est vu par transparence par son fichier TPT : "
            "reserves check FICHIER --transparence tpt_fonds_credit_euro.xlsx. La feuille Titres complète ses titres "
            "(cotation, type d'émetteur, encours de l'émetteur).",
            f"Cours de change fictifs du 31/12/2025 : 1 EUR = {USD_PER_EUR} USD = {JPY_PER_EUR} JPY = {GBP_PER_EUR} "
            f"GBP = {CHF_PER_EUR} CHF.".replace(".", ","),
    ) + (("Cette version comporte volontairement des manquements : un émetteur au-delà de 5 %, une société "
          "immobilière au-delà de 10 %, les entités au-delà de 5 % au-delà de 40 % ensemble, les actions au-delà de "
          "25 %, l'immobilier au-delà de 20 %, l'exposition de change au-delà de 15 %.",) if breaches else ()),
            start=1):
        notes.cell(row=i, column=1, value=text)
    notes.column_dimensions["A"].width = 130
    wb.properties.creator = BODY
    wb.properties.created = dt.datetime(*FIXED_ZIP_TIME)
    wb.save(path)
    _normalise(path)


def _normalise(path: Path) -> None:
    """Fixed dates inside the archive, so that the same cells give the same bytes."""
    import re
    import zipfile

    stamp = "%04d-%02d-%02dT00:00:00Z" % FIXED_ZIP_TIME[:3]
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>",
                              data.decode("utf-8"))
                data = text.encode("utf-8")
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            zout.writestr(new, data)


SAMPLES = {"portefeuille_r139_conforme": False, "portefeuille_r139_manquements": True}
TPT_SAMPLE = "tpt_fonds_credit_euro.xlsx"


def generate(folder=HERE) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, breaches in SAMPLES.items():
        lines, inventories = body(breaches)
        b = Book(SEED + 1)
        tpt_rows, titres = credit_euro_tpt(b, FUND_ISINS["Fonds Crédit Euro IC"])
        p = folder / f"{name}.xlsx"
        write_portfolio(p, lines, inventories, titres, breaches=breaches)
        written.append(p)
        if not breaches:
            p = folder / TPT_SAMPLE
            write_tpt(p, tpt_rows)
            written.append(p)
    return written


if __name__ == "__main__":
    for p in generate(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(f"écrit : {p.name}")
