"""Hostile workbooks: small files that ask the reader for far more work than they hold.

Each builder takes a valid workbook (bytes of an .xlsx or .ods) and returns the bytes of a hostile one,
made by editing its XML directly (no spreadsheet library writes such files): cells far away, huge
declared or used ranges, a million empty rows, repeated ods rows and columns, numbers that are not
finite in every kind of cell, zip headers that lie about a member's size, formula texts in text
columns. `HOSTILE` names them all; the tests feed each one to `reserves check` and to the web upload.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

XLSX_SHEET = "xl/worksheets/sheet1.xml"
ODS_CONTENT = "content.xml"


def _rewrite(data: bytes, member: str, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = edit(body)
            dst.writestr(info.filename, body)
    return out.getvalue()


def _sheet_append(xml: bytes, rows: bytes) -> bytes:
    """Put rows at the end of <sheetData> (the sheet's own rows come first)."""
    return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)


def _set_dimension(xml: bytes, ref: bytes) -> bytes:
    if re.search(rb"<dimension [^>]*/>", xml):
        return re.sub(rb"<dimension [^>]*/>", b'<dimension ref="' + ref + b'"/>', xml, count=1)
    return xml.replace(b"<sheetData", b'<dimension ref="' + ref + b'"/><sheetData', 1)


def _last_row(xml: bytes) -> int:
    return max(int(m) for m in re.findall(rb'<row r="(\d+)"', xml))


def xlsx_far_cell(data: bytes, ref: str = "XFD1048576", value: bytes = b'<v>1</v>', style: bytes = b"") -> bytes:
    row = re.match(r"[A-Z]+(\d+)", ref).group(1).encode()

    def edit(xml):
        return _sheet_append(xml, b'<row r="' + row + b'"><c r="' + ref.encode() + b'"' + style + b'>' + value
                             + b'</c></row>')
    return _rewrite(data, XLSX_SHEET, edit)


def xlsx_far_empty_cell(data: bytes, ref: str = "XFD1048576") -> bytes:
    row = re.match(r"[A-Z]+(\d+)", ref).group(1).encode()
    return _rewrite(data, XLSX_SHEET, lambda xml: _sheet_append(
        xml, b'<row r="' + row + b'"><c r="' + ref.encode() + b'" s="1"/></row>'))


def xlsx_huge_dimension(data: bytes) -> bytes:
    return _rewrite(data, XLSX_SHEET, lambda xml: _set_dimension(xml, b"A1:XFD1048576"))


def xlsx_empty_rows(data: bytes, n: int = 1_000_000, then_a_line: bool = False) -> bytes:
    """`n` empty rows after the table (styled, as a careless « format the whole column » leaves them), and
    optionally one more line of data after them."""

    def edit(xml):
        start = _last_row(xml) + 1
        rows = b"".join(b'<row r="%d"><c r="A%d" s="1"/></row>' % (r, r) for r in range(start, start + n))
        if then_a_line:
            r = start + n
            rows += b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>ligne perdue</t></is></c></row>' % (r, r)
        return _sheet_append(xml, rows)
    return _rewrite(data, XLSX_SHEET, edit)


def xlsx_cell_value(data: bytes, ref: str, inner: bytes, attrs: bytes = b"") -> bytes:
    """Replace the cell `ref` of the sheet by `<c r=ref attrs>inner</c>` (or add it to its row)."""

    def edit(xml):
        pat = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)', re.S)
        new = b'<c r="' + ref.encode() + b'"' + attrs + b'>' + inner + b'</c>'
        if pat.search(xml):
            return pat.sub(lambda m: new, xml, count=1)
        row = re.match(r"[A-Z]+(\d+)", ref).group(1).encode()
        return re.sub(rb'(<row r="' + row + rb'"[^>]*>)', lambda m: m.group(1) + new, xml, count=1)
    return _rewrite(data, XLSX_SHEET, edit)


def lying_zip_header(data: bytes, member: str, padding: int = 40 * 1024 * 1024) -> bytes:
    """The archive with `member` made `padding` bytes longer (blanks before its end, valid XML) while its local
    and central headers declare a size a thousand times smaller: the bomb check trusts declared sizes."""

    def pad(body):
        cut = body.rstrip().rfind(b"</")
        return body[:cut] + b" " * padding + body[cut:]
    raw = bytearray(_rewrite(data, member, pad))
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(member)
    fake = max(info.file_size // 1000, 1)
    assert raw[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", raw, info.header_offset + 22, fake)  # local header: uncompressed size
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:  # central directory entries
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if bytes(raw[pos + 46:pos + 46 + name_len]).decode() == member:
            struct.pack_into("<I", raw, pos + 24, fake)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def xlsx_blank_string_rows(data: bytes, n: int = 1_000_000, width: int = 35) -> bytes:
    """`n` rows after the table whose cells hold an empty text (a program that writes "" for a blank)."""

    def edit(xml):
        start = _last_row(xml) + 1
        cells = b"".join(b'<c r="%s%%d" t="inlineStr"><is><t></t></is></c>' % _letters(j).encode() for j in range(width))
        rows = b"".join(b'<row r="%d">' % r + cells.replace(b"%d", b"%d" % r) + b"</row>" for r in range(start, start + n))
        return _sheet_append(xml, rows)
    return _rewrite(data, XLSX_SHEET, edit)


def _letters(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------- ods


def _ods_table_end(xml: bytes, insert: bytes) -> bytes:
    """Insert rows just before the end of the first table."""
    return xml.replace(b"</table:table>", insert + b"</table:table>", 1)


def ods_repeated_rows(data: bytes, n: int = 1_000_000, content: bool = True, then_a_line: bool = False) -> bytes:
    cell = (b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>' if content
            else b'<table:table-cell table:number-columns-repeated="35"/>')
    rows = b'<table:table-row table:number-rows-repeated="%d">%s</table:table-row>' % (n, cell)
    if then_a_line:
        rows += (b'<table:table-row><table:table-cell office:value-type="string"><text:p>ligne perdue</text:p>'
                 b'</table:table-cell></table:table-row>')
    return _rewrite(data, ODS_CONTENT, lambda xml: _ods_table_end(xml, rows))


def ods_repeated_columns(data: bytes, n: int = 16_000, rows: int = 1) -> bytes:
    row = (b'<table:table-row table:number-rows-repeated="%d"><table:table-cell table:number-columns-repeated="%d" '
           b'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
           % (rows, n))
    return _rewrite(data, ODS_CONTENT, lambda xml: _ods_table_end(xml, row))


def ods_far_cell(data: bytes, skip_rows: int = 1_048_000, skip_cols: int = 16_000) -> bytes:
    row = (b'<table:table-row table:number-rows-repeated="%d"><table:table-cell/></table:table-row>'
           b'<table:table-row><table:table-cell table:number-columns-repeated="%d"/>'
           b'<table:table-cell office:value-type="string"><text:p>loin</text:p></table:table-cell></table:table-row>'
           % (skip_rows, skip_cols))
    return _rewrite(data, ODS_CONTENT, lambda xml: _ods_table_end(xml, row))


def ods_cell_value(data: bytes, nth_row: int, nth_cell: int, cell: bytes) -> bytes:
    """Replace the `nth_cell`-th cell element of the `nth_row`-th row element (0-based) of the first table."""

    def edit(xml):
        rows = [m.start() for m in re.finditer(rb"<table:table-row[ >]", xml)]
        start = rows[nth_row]
        end = xml.index(b"</table:table-row>", start)
        body = xml[start:end]
        cells = list(re.finditer(rb"<table:table-cell(?:[^>]*/>|[^>]*>.*?</table:table-cell>)", body, re.S))
        m = cells[nth_cell]
        body = body[:m.start()] + cell + body[m.end():]
        return xml[:start] + body + xml[end:]
    return _rewrite(data, ODS_CONTENT, edit)


# --------------------------------------------------------------------------- a base with every kind of cell


BASE_HEADERS = ["libelle", "categorie", "valeur", "devise", "emetteur", "coupon_couru", "quantite", "quantite_emise",
                "ltv", "duree_jours", "rang_hypotheque", "date_achat", "commentaire"]


def base_xlsx() -> bytes:
    """A small valid portfolio whose cells are of every kind: text, money, quantity, percent, days, date."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    ws.append(BASE_HEADERS)
    ws.append(["OAT 2026", "1", 900_000.0, "EUR", "République française", 1_250.5, 900_000, 30_000_000_000, None, None,
               None, dt.date(2015, 3, 2), "lest"])
    ws.append(["Prêt hypothécaire", "12", 50_000.0, "EUR", "SCI Les Tilleuls", 0, 1, 1, 0.6, 3650, 1,
               dt.date(2016, 6, 30), "prêt"])
    ws.append(["Dépôt", "13", 50_000.0, "EUR", "Banque Postale", 0, 1, 1, None, 90, None, dt.date(2016, 12, 1), None])
    for r in range(2, 5):
        ws.cell(r, 3).number_format = '#,##0.00 "€"'
        ws.cell(r, 6).number_format = '#,##0.00 "€"'
        ws.cell(r, 9).number_format = "0.00%"
        ws.cell(r, 12).number_format = "dd/mm/yyyy"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BASE_KINDS = {"valeur": "C3", "coupon_couru": "F3", "quantite": "G3", "quantite_emise": "H3", "ltv (pourcentage)": "I3",
              "duree_jours": "J3", "rang_hypotheque": "K3", "date": "L3", "colonne libre (date)": "L4"}
NON_FINITE = [b"-1e400", b"1e400", b"inf", b"-inf", b"nan", b"-1e308", b"1e308"]


def xlsx_number(data: bytes, ref: str, text: bytes) -> bytes:
    """The number of cell `ref` replaced by `text` as written in the XML (its style, date or percent, kept)."""

    def edit(xml):
        pat = re.compile(rb'(<c r="' + ref.encode() + rb'"[^>]*?)(?:\st="[^"]*")?([^>]*>)(?:<v>[^<]*</v>|<is>.*?</is>)',
                         re.S)
        assert pat.search(xml), ref
        return pat.sub(lambda m: m.group(1) + m.group(2) + b"<v>" + text + b"</v>", xml, count=1)
    return _rewrite(data, XLSX_SHEET, edit)
