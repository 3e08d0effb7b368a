"""The empty R. 139 portfolio template (`reserves template --version R139 -o modele.xlsx`).

Sheets: « Lisez-moi » (every column of SPEC-R139 §1 and §2, its meaning, the values it accepts, the natures
of R. 139-16 and R. 139-18, the TPT files), « Portefeuille » (the lines held), « Transparence » (a line per
holding of each fund, R. 139-17), « Titres » (what is known of a security, by ISIN) and a hidden « Listes »
holding the drop-down lists (nature, cotation, type_emetteur, …). Everything comes from
`reserves.portfolio.columns139`, so a new column changes the template without code.
"""

from __future__ import annotations

import os

from reserves.portfolio.columns import column_letter
from reserves.portfolio.columns139 import CHOICES, COLUMNS, LOOKTHROUGH_COLUMNS, NATURES
from reserves.portfolio import securities

PORTFOLIO_SHEET = "Portefeuille"
LOOKTHROUGH_SHEET = "Transparence"
SECURITIES_SHEET = securities.SHEET
README_SHEET = "Lisez-moi"
LISTS_SHEET = "Listes"
DATA_ROWS = 5000
LOOKTHROUGH_ROWS = 100_000

MONEY_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "DD/MM/YYYY"
YES_NO = ("oui", "non")

ACCEPTED = {
    "text": "texte libre",
    "money": "nombre en euros (1234567,89 ou « 1 234 567,89 »)",
    "signed_money": "nombre en euros, signé (négatif : position vendeuse)",
    "nonneg_money": "nombre en euros, positif ou nul",
    "currency": "code ISO 4217 : EUR, USD, GBP, CHF, JPY…",
    "isin": "12 caractères : 2 lettres de pays, 9 caractères, 1 chiffre de contrôle (FR0010070060)",
    "bool": "oui ou non (aussi vrai/faux, 1/0, x/vide)",
    "number": "nombre positif ou nul",
    "exact_ratio": "taux : 0,9 ou 90 %",
    "country": "code ISO 3166 alpha-2 : FR, DE, NL, US…",
    "legal_form": "SA, SAS, SCI, SC, SNC, SCS, GIE, SICAV, FCP, SPPICAV…",
    "date": "date JJ/MM/AAAA",
    "regime": "base, complementaire, invalidite… (vide : un seul régime)",
    "lei": "20 caractères, clé de contrôle ISO 17442",
    "fund_key": "ISIN, sinon libellé, d'une ligne de fonds de la feuille Portefeuille",
}
WIDTHS = {"text": 26, "money": 20, "signed_money": 20, "nonneg_money": 20, "currency": 9, "isin": 16, "bool": 12,
          "number": 16, "exact_ratio": 10, "country": 8, "date": 12, "fund_key": 18, "lei": 24}
WIDE = {"label": 44, "issuer": 32, "nature": 20, "listing": 11, "issuer_kind": 22}

# R. 139-18 and R. 139-16: what each nature is (French, for the read-me).
NATURE_TEXT = {
    "action": "R. 139-18 1° : actions",
    "acces_capital": "R. 139-18 2° : titres donnant accès au capital",
    "tcn": "R. 139-18 3° : titres de créances négociables (NEU CP, NEU MTN)",
    "obligation": "R. 139-18 4° : obligations",
    "titre_etat": "R. 139-18 5° : titres émis par l'État",
    "titre_participatif": "R. 139-18 6° : titres participatifs",
    "depot": "R. 139-18 7°, R. 139-21 : dépôts auprès d'un établissement de crédit",
    "droit_immobilier": "R. 139-22 1° : droits réels immobiliers (immeubles, terrains)",
    "societe_immobiliere": "R. 139-22 2° : parts ou actions de sociétés à objet strictement immobilier",
    "opci": "R. 139-22 3° : parts ou actions d'OPCI",
    "contrat_financier": "R. 139-18 9°, R. 139-37 : contrats financiers",
    "autre_fm": "R. 139-18 10° : autres actifs d'un fonds mutualisé",
    "opcvm": "R. 139-16 2° : OPCVM (R. 139-25) investis à 90 % au moins en titres R. 139-19 I",
    "monetaire": "R. 139-16 3° : OPC monétaires (parts gardées, sans transparence)",
    "fonds_mutualise": "R. 139-16 4° : fonds mutualisés (R. 139-28 à R. 139-35)",
    "organisme_dedie": "R. 139-16 5° : organismes dédiés (vingt investisseurs au plus)",
    "cession_temporaire": "R. 139-40 1° : pension, prêt ou emprunt de titres",
    "emprunt": "R. 139-40 1° : emprunt d'espèces",
    "certificat": "R. 139-40 4° : certificat représentatif de marchandises",
    "autre": "hors liste",
}


def _lists(ws):
    """Write each closed list in a column of the `Listes` sheet; returns kind -> range formula."""
    out = {}
    lists = dict(CHOICES)
    lists["bool"] = YES_NO
    for j, (kind, values) in enumerate(lists.items()):
        letter = column_letter(j)
        ws.cell(row=1, column=j + 1, value=kind)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=j + 1, value=v)
        out[kind] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return out


def _sheet(wb, title, columns, lists, rows, fills):
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    box = Border(bottom=Side(style="thin", color="A6A6A6"))
    last = 1 + rows
    for j, col in enumerate(columns):
        letter = column_letter(j)
        cell = ws.cell(row=1, column=j + 1, value=col.header)
        cell.font = bold
        cell.fill = fills[col.required]
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(col.help + ("\n(obligatoire)" if col.required else "\n(facultatif)"), "reserves",
                               width=320, height=120)
        dim = ws.column_dimensions[letter]
        dim.width = WIDE.get(col.field, WIDTHS.get(col.kind, 14))
        fmt = (MONEY_FORMAT if col.kind in ("money", "signed_money", "nonneg_money") else
               PERCENT_FORMAT if col.kind == "exact_ratio" else DATE_FORMAT if col.kind == "date" else None)
        if fmt:
            dim.number_format = fmt
        formula = lists.get(col.kind)
        if formula:
            values = CHOICES.get(col.kind, YES_NO)
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorStyle="stop", errorTitle=f"Colonne {col.header}"[:32],
                                error=f"Valeur admise : {', '.join(values)}"[:255],
                                promptTitle=col.header[:32], prompt=col.help[:255])
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
        elif col.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                                showErrorMessage=True, errorTitle=f"Colonne {col.header}"[:32],
                                error="Date JJ/MM/AAAA.")
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 30
    ws.auto_filter.ref = f"A1:{column_letter(len(columns) - 1)}1"
    return ws


def build_workbook():
    """The R. 139 template as an openpyxl workbook (not saved)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    fills = {True: PatternFill("solid", fgColor="FCE4D6"), False: PatternFill("solid", fgColor="DDEBF7")}
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _lists(lists_ws)
    portfolio_cols = COLUMNS
    _sheet(wb, PORTFOLIO_SHEET, portfolio_cols, lists, DATA_ROWS, fills)
    _sheet(wb, LOOKTHROUGH_SHEET, LOOKTHROUGH_COLUMNS, lists, LOOKTHROUGH_ROWS, fills)
    _sheet(wb, SECURITIES_SHEET, securities.COLUMNS, lists, DATA_ROWS, fills)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    lists_ws.sheet_state = "hidden"

    bold = Font(bold=True)
    title = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (26, 22, 12, 80, 48)):
        readme.column_dimensions[letter].width = width
    rows: list[tuple] = []

    def put(*values, font=None, fill=None):
        rows.append((values, font, fill))

    put("Modèle de portefeuille — placements des organismes des articles R. 139-1 à R. 139-56", font=title)
    put("Code de la sécurité sociale, articles R. 139-1 à R. 139-56 (décret n° 2019-718), en vigueur depuis le "
        "8 juillet 2019 : régime complémentaire des indépendants (CPSTI), sections professionnelles des professions "
        "libérales, artistes-auteurs, CNBF, MSA (retraite complémentaire des non-salariés agricoles)…")
    put()
    put("À quoi sert ce fichier", font=bold)
    for text in (
        "Une ligne par placement dans « Portefeuille » ; une ligne par titre détenu par chaque OPCVM, fonds "
        "mutualisé ou organisme dédié dans « Transparence » (actif vu par transparence, R. 139-17) ; ce que l'on "
        "sait d'un titre (quantité émise, cotation, type d'émetteur) dans « Titres », une ligne par ISIN.",
        "Date du portefeuille : écrivez « Date d'arrêté : JJ/MM/AAAA » dans une ligne de titre au-dessus de "
        "l'en-tête, ou donnez --date à la commande. La colonne « nature » remplace la « categorie » de l'article "
        "R. 623-3 : un fichier daté d'après le 8 juillet 2019 qui n'a qu'une colonne « categorie » est refusé.",
        "« reserves check FICHIER » contrôle chaque règle des articles R. 139-14 à R. 139-48 et rend un verdict : "
        "conforme, non conforme ou à vérifier. Une colonne facultative vide ne vaut jamais conformité : la règle "
        "qui en a besoin répond « à vérifier ».",
        "Valeur d'une ligne : valeur de réalisation (R. 139-50) + coupon couru (R. 139-18, dernier alinéa). Les "
        "ratios se rapportent à l'actif de placement : la poche « placement », hors disponibilités marquées "
        "prestations_3_mois (R. 139-1). Avec une colonne « regime », chaque régime est contrôlé à part.",
        "Transparence : les lignes d'un fonds sont ramenées à la valeur de la ligne du fonds (R. 139-17, dernier "
        "alinéa : k = valeur de la ligne / somme des valeurs de l'inventaire). Un inventaire daté de plus de "
        "92 jours avant la date du portefeuille, ou d'après elle, n'est pas utilisé (R. 139-49). Les parts d'OPC "
        "monétaires restent des parts. Un fichier TPT (FinDatEx Tripartite Template V5 à V7, xlsx ou csv) peut "
        "remplacer la feuille pour un fonds : reserves check FICHIER --transparence TPT.xlsx.",
        "Les colonnes orange sont obligatoires, les bleues facultatives. Le fichier n'est jamais modifié.",
    ):
        put(text)
    for title_text, cols in (("Colonnes de la feuille « Portefeuille »", COLUMNS),
                             ("Colonnes de la feuille « Transparence »", LOOKTHROUGH_COLUMNS[:2]),
                             ("Colonnes de la feuille « Titres »", securities.COLUMNS[:1])):
        put()
        put(title_text, font=bold)
        if cols is LOOKTHROUGH_COLUMNS[:2]:
            put("Les colonnes de la feuille « Portefeuille » (sauf poche, exclusion, regime : ceux de la ligne du "
                "fonds), plus :")
        if cols is securities.COLUMNS[:1]:
            put("isin, plus les colonnes qui décrivent le titre : " +
                ", ".join(c.header for c in securities.COLUMNS[1:]) + ". Elles complètent les lignes et les "
                "titres vus par transparence qui les laissent vides.")
        put("Colonne", "Alias anglais", "Obligatoire", "Signification", "Valeurs admises", font=bold)
        for col in cols:
            accepted = ACCEPTED.get(col.kind, "")
            if col.kind in CHOICES:
                accepted = ", ".join(CHOICES[col.kind])
            put(col.header, col.alias, "oui" if col.required else "non", col.help, accepted,
                fill=fills[True] if col.required else None)
    put()
    put("Natures (colonne « nature »)", font=bold)
    put("Code", "", "", "Placement", font=bold)
    for code in NATURES:
        put(code, "", "", NATURE_TEXT[code])

    for i, (values, font, fill) in enumerate(rows, start=1):
        for j, v in enumerate(values, start=1):
            cell = readme.cell(row=i, column=j, value=v)
            cell.alignment = wrap if j >= 4 else Alignment(vertical="top")
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
        if len(values) == 1 and values[0] and len(str(values[0])) > 100:
            readme.merge_cells(start_row=i, start_column=1, end_row=i, end_column=5)
            readme.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            readme.row_dimensions[i].height = 15 * (1 + len(str(values[0])) // 150)
    wb.active = 0
    return wb


def write_template(path: str | os.PathLike) -> None:
    """Write the empty R. 139 template to `path` (.xlsx)."""
    from reserves.portfolio.outputs import save_workbook

    save_workbook(build_workbook(), os.fspath(path))


__all__ = ["build_workbook", "write_template"]
