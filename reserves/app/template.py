"""The empty portfolio template (`reserves template -o modele.xlsx`).

Two sheets: « Lisez-moi » explains the file in French (purpose, every column
with its meaning, whether it is required, the values it accepts, and the
categories of the rulebook in force); « Portefeuille » holds the header row,
frozen, with drop-down lists and number formats on each column.

Everything is derived from `reserves.portfolio.columns.COLUMNS` and the rulebook, so a
new column or a new version of the text changes the template without code.
"""

from __future__ import annotations

import os

from reserves.portfolio.columns import COLUMNS, Column, column_letter
from reserves.portfolio.parsing import POCKETS, YES_NO

PORTFOLIO_SHEET = "Portefeuille"
README_SHEET = "Lisez-moi"
DATA_ROWS = 5000  # rows covered by drop-down lists below the header

MONEY_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
INTEGER_FORMAT = "0"
PERCENT_FORMAT = "0.00%"

# What a user may write in a column, by kind (French, for the read-me).
ACCEPTED = {
    "text": "texte libre",
    "money": "nombre en euros (1234567,89 ou « 1 234 567,89 »)",
    "currency": "code ISO 4217 en trois lettres : EUR, USD, GBP, CHF, JPY…",
    "isin": "12 caractères : 2 lettres de pays, 9 caractères, 1 chiffre de contrôle (FR0010070060)",
    "pocket": " ou ".join(POCKETS) + f" (vide = {POCKETS[0]})",
    "bool": " ou ".join(YES_NO) + " (aussi vrai/faux, 1/0, x/vide)",
    "number": "nombre positif ou nul",
    "days": "nombre entier de jours",
    "ratio": "taux : 0,65 ou 65 %",
    "country": "code ISO 3166 alpha-2 : FR, DE, NL, US…",
}

WIDTHS = {"text": 28, "category": 11, "money": 20, "currency": 8, "isin": 16, "pocket": 11, "bool": 12,
          "number": 18, "days": 12, "ratio": 9, "country": 8, "exclusion": 26}
WIDE_TEXT = {"label": 46, "issuer": 34, "property": 30, "legal_form": 16}


def _version(version):
    if version is None:
        from constraints.rulebook import latest

        version = latest()
    return version


def category_choices(version=None) -> tuple[str, ...]:
    """The values of the category drop-down: the categories of the rulebook's version (1 … 13, IFT, AUTRE)."""
    return tuple(str(k) for k in _version(version).categories)


def exclusion_choices(version=None) -> tuple[str, ...]:
    """The marks that leave a line out of the base: the version's `base_exclusions` reading, in force last."""
    return tuple(_version(version).exclusions["values"])


def accepted(col: Column, version=None) -> str:
    """What a user may write in a column (French, for the read-me), the lists from the rulebook's version."""
    if col.kind == "category":
        codes = category_choices(version)
        numbered = [c for c in codes if c.isdigit()]
        others = [c for c in codes if not c.isdigit()]
        text = f"{numbered[0]} à {numbered[-1]} (aussi {numbered[0]}°, {numbered[0]}° a), R623-3 {numbered[0]}°)"
        return text + (", " + " ou ".join(others) if others else "")
    if col.kind == "exclusion":
        return " ou ".join(exclusion_choices(version)) + " (vide = dans la base)"
    return ACCEPTED.get(col.kind, "")


def help_text(col: Column, version=None) -> str:
    """A column's meaning as the template shows it: the exclusion marks and the limits it names are the
    version's (`constraints.limits_text`)."""
    if col.kind == "exclusion":
        v = _version(version)
        reading = v.reading("base_exclusions")[0]
        cats = ", ".join(f"{c}°" if str(c).isdigit() else str(c) for c in reading.categories)
        return (" ou ".join(exclusion_choices(v)) + f" : disponibilités ({cats}) hors de la base des limites "
                f"({v.readings.base_exclusions.article}) ; vide : dans la base.")
    if "{" in col.help:
        from constraints.limits_text import with_limits

        return with_limits(col.help, _version(version))
    return col.help


def number_format(col: Column) -> str | None:
    if col.kind == "money":
        return MONEY_FORMAT
    if col.kind == "ratio":
        return PERCENT_FORMAT
    if col.kind == "days" or col.field in ("valuers", "mortgage_rank"):
        return INTEGER_FORMAT
    if col.kind == "number" and col.field == "issue_size":
        return MONEY_FORMAT
    return None  # quantities may be fractional (fund units): General


def choices(col: Column, version=None) -> tuple[str, ...] | None:
    """The drop-down list of a column, or None for free entry."""
    if col.kind == "category":
        return category_choices(version)
    if col.kind == "pocket":
        return POCKETS
    if col.kind == "bool":
        return YES_NO
    if col.kind == "exclusion":
        return exclusion_choices(version)
    return None


def _list_formula(values) -> str:
    text = ",".join(values)
    if len(text) > 255:  # Excel's limit for an inline list
        raise ValueError("drop-down list longer than 255 characters")
    return f'"{text}"'


PARAMETERS_SHEET = "Paramètres"


def build_workbook(version=None):
    """The template as an openpyxl workbook (not saved)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    from constraints.rulebook import latest

    version = version or latest()
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    ws = wb.create_sheet(PORTFOLIO_SHEET)

    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    thin = Side(style="thin", color="A6A6A6")
    box = Border(bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    # ---- Portefeuille: header, widths, formats, drop-down lists
    last_row = 1 + DATA_ROWS
    for j, col in enumerate(COLUMNS):
        letter = column_letter(j)
        cell = ws.cell(row=1, column=j + 1, value=col.header)
        cell.font = bold
        cell.fill = required_fill if col.required else optional_fill
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        note = help_text(col, version) + ("\n(obligatoire)" if col.required else "\n(facultatif)")
        cell.comment = Comment(note, "reserves", width=320, height=120)
        dim = ws.column_dimensions[letter]
        dim.width = WIDE_TEXT.get(col.field, WIDTHS.get(col.kind, 14))
        fmt = number_format(col)
        if fmt:
            dim.number_format = fmt
        values = choices(col, version)
        if values:
            dv = DataValidation(type="list", formula1=_list_formula(values), allow_blank=True,
                                showErrorMessage=True, errorStyle="stop",
                                errorTitle=f"Colonne {col.header}",
                                error=f"Valeur admise : {', '.join(values)}",
                                promptTitle=col.header[:32], prompt=help_text(col, version)[:255])
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
        elif col.kind == "days":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle=f"Colonne {col.header}",
                                error="Nombre entier de jours, positif ou nul.")
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    ws.auto_filter.ref = f"A1:{column_letter(len(COLUMNS) - 1)}1"

    # ---- Lisez-moi
    readme.column_dimensions["A"].width = 26
    readme.column_dimensions["B"].width = 20
    readme.column_dimensions["C"].width = 14
    readme.column_dimensions["D"].width = 80
    readme.column_dimensions["E"].width = 48
    rows: list[tuple] = []

    def put(*values, font=None, fill=None):
        rows.append((values, font, fill))

    put("Modèle de portefeuille — contrôle des placements des réserves", font=title_font)
    put("Code de la sécurité sociale, articles R. 623-3 à R. 623-10-4 (régimes complémentaires des indépendants)")
    put()
    put("À quoi sert ce fichier", font=bold)
    for text in (
        "Décrire les placements de la caisse, une ligne par placement, dans la feuille « Portefeuille ».",
        "La commande « reserves check FICHIER » contrôle ensuite chaque règle des articles R. 623-3 à R. 623-10-1 "
        "et rend un verdict : conforme, non conforme, ou à vérifier.",
        "Une colonne facultative absente ou vide ne vaut jamais conformité : la règle qui en a besoin répond « à vérifier ».",
        "Des lignes de titre peuvent précéder l'en-tête ; d'autres colonnes peuvent être ajoutées, elles sont conservées.",
        "Les colonnes de couleur orange sont obligatoires, les bleues facultatives. Le fichier n'est jamais modifié par le contrôle.",
        "Date d'arrêté du portefeuille : en B1 de la feuille « Paramètres » (ou une cellule « Date d'arrêté : "
        "JJ/MM/AAAA » au-dessus de l'en-tête) ; le contrôle applique les règles en vigueur à cette date.",
        "Poches : « reserves » pour les réserves des risques gérés (R. 623-3 et R. 623-10-1) ; « gestion » pour les "
        "fonds de gestion administrative, d'action sociale, les disponibilités et le report à nouveau (R. 623-10).",
        "Valeur d'une ligne : valeur de marché + coupon couru (R. 623-3 IV). La base des limites de l'article "
        "R. 623-10-1 est la poche de réserves, hors disponibilités marquées dans la colonne « exclusion ».",
    ):
        put(text)
    put()
    put("Colonnes de la feuille « Portefeuille »", font=bold)
    put("Colonne", "Alias anglais", "Obligatoire", "Signification", "Valeurs admises", font=bold)
    for col in COLUMNS:
        put(col.header, col.alias, "oui" if col.required else "non", help_text(col, version), accepted(col, version),
            fill=required_fill if col.required else None)
    put()
    put(f"Catégories de l'article R. 623-3 (colonne « categorie ») — {version.id}", font=bold)
    put("Code", "", "", "Actifs", font=bold)
    for code, text in version.categories.items():
        put(str(code), "", "", text)
    put()
    put("Règlement appliqué", font=bold)
    put(version.title)
    put(f"{version.set_by}, en vigueur {version.period_fr()}")

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
            readme.row_dimensions[i].height = 15 * (1 + len(str(values[0])) // 160)
    # ---- Paramètres: the portfolio's date (SPEC §4), read by `reserves check`
    params = wb.create_sheet(PARAMETERS_SHEET)
    params.cell(row=1, column=1, value="date_arrete").font = bold
    date_cell = params.cell(row=1, column=2)
    date_cell.number_format = "DD/MM/YYYY"
    date_cell.fill = required_fill
    params.cell(row=2, column=1, value="Écrire en B1 la date d'arrêté du portefeuille (JJ/MM/AAAA) : les règles en "
                                       "vigueur à cette date s'appliquent ; sans date, celles du jour du contrôle.")
    params.column_dimensions["A"].width = 16
    params.column_dimensions["B"].width = 14
    wb.active = 0
    return wb


def write_template(path: str | os.PathLike) -> None:
    """Write the empty template to `path` (.xlsx)."""
    from reserves.portfolio.outputs import save_workbook

    save_workbook(build_workbook(), os.fspath(path))


__all__ = ["write_template", "build_workbook", "category_choices", "exclusion_choices", "choices", "accepted",
           "help_text", "number_format"]
