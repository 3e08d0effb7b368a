"""How much a workbook really holds, measured before any spreadsheet library reads it.

A workbook names the position of each of its cells. A single cell at `XFD1048576` in a 20 Kio file
would make the reader lay out a grid of 17 billion cells (512 Gio) and abort the process; a million
repeated rows in an .ods are one XML element. So, before the sheet is read:

- every member the reader will open is decompressed once here, as a stream, through the zip
  headers' own sizes and checksums: a member whose data is larger than its header declares (a
  lying header, the bomb check having trusted the declared size) is refused;
- the sheet's XML is scanned for its cells that hold a value — their number and the last row and
  column — with repeats of an .ods counted; empty cells (styled, or the trailing repeats
  LibreOffice writes) are left out, as the reader leaves them out;
- the grid the reader would build (last row × last column) is refused when it is larger than
  `MAX_GRID` cells, or when it is far larger than what the file holds (more than
  `SPARSE_RATIO` times its cells, beyond `SPARSE_FLOOR`).

The scan does not build a tree: regular expressions find the cell tags in the decompressed text,
chunk by chunk, so memory stays bounded by the chunk and time by the bytes. No entity is ever
expanded (the text is not parsed as XML at all here).
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from dataclasses import dataclass

from reserves.portfolio.columns import column_letter
from reserves.portfolio.errors import InputError, TooLarge

MAX_GRID = 5_000_000  # cells of the grid the reader lays out (about 200 Mio): ~140 000 lines of 35 columns
SPARSE_FLOOR = 2_000_000  # a grid this small is read whatever its emptiness
SPARSE_RATIO = 64  # beyond the floor, a grid at most this many times the cells that hold a value
CHUNK = 8 * 1024 * 1024
MAX_TAG = 1024 * 1024  # a tag longer than this is not a cell
SKIP_SUFFIXES = (".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".bmp", ".tif", ".tiff", ".svg", ".bin")

# xlsx: <c ...> opening tags (any namespace prefix), self-closing ones are empty cells
_X_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(\s[^>]*)?>")
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
# the same, with what starts the cell: an empty inline text, or a short <v> (a shared-string index)
_X_CELL_HEAD = re.compile(rb"<" + _NS + rb"c(\s[^>]*)?>(?:(<" + _NS + rb"is>\s*<" + _NS + rb"t(?:\s[^>]*)?(?:/>|>\s*</"
                          + _NS + rb"t>)\s*</" + _NS + rb"is>)|<" + _NS + rb"v>([0-9]{1,9})</" + _NS + rb"v>)?")
# shared strings: each item's start, with its content when it is an empty text
_X_SHARED = re.compile(rb"<" + _NS + rb"si\b(?:\s[^>]*)?(?:(/)>|>(\s*<" + _NS + rb"t(?:\s[^>]*)?(?:/>|>\s*</" + _NS
                       + rb"t>)\s*</" + _NS + rb"si>)?)")
_X_REF = re.compile(rb'\sr\s*=\s*["\']\$?([A-Za-z]{1,4})\$?([0-9]{1,9})["\']')
# ods: the tags of rows, cells and tables, in document order
_O_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_O_ROWS = re.compile(rb'table:number-rows-repeated\s*=\s*["\']([0-9]{1,12})["\']')
_O_COLS = re.compile(rb'table:number-columns-repeated\s*=\s*["\']([0-9]{1,12})["\']')
_O_NAME = re.compile(rb'table:name\s*=\s*"([^"]*)"')
_O_VALUE = re.compile(rb"office:value-type")


@dataclass
class Extent:
    """The cells of a sheet that hold something: how many, and the last row and column (1-based)."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    far_col: int = 0  # the column of a filled cell on the last row

    @property
    def grid(self) -> int:
        return self.rows * self.cols


def _fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str):
    """The member's data, chunk by chunk, ending each chunk after a '>' (tags whole). zipfile stops at the
    declared size and checks the CRC: data beyond a lying header ends in BadZipFile."""
    try:
        with zf.open(info) as fh:
            rest = b""
            while True:
                block = fh.read(CHUNK)
                if not block:
                    if rest:
                        yield rest
                    return
                buf = rest + block
                cut = buf.rfind(b">") + 1
                if cut == 0:
                    if len(buf) > MAX_TAG:
                        yield buf  # no tag in a whole chunk: nothing to find in it
                        rest = b""
                        continue
                    rest = buf
                    continue
                rest = buf[cut:]
                yield buf[:cut]
    except zipfile.BadZipFile:
        raise InputError.one(
            f"« {name} » n'est pas un classeur lisible : l'élément {info.filename} ne correspond pas à ce que "
            "l'archive déclare (taille ou somme de contrôle) ; fichier refusé") from None
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, __import__("zlib").error):
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : l'élément {info.filename} est corrompu") from None


def verify_members(zf: zipfile.ZipFile, name: str, skip: set[str] = frozenset()) -> None:
    """Decompress every member the reader may open (its XML), against its declared size and checksum."""
    for info in zf.infolist():
        if info.is_dir() or info.filename in skip or info.filename.lower().endswith(SKIP_SUFFIXES):
            continue
        for _ in _stream(zf, info, name):
            pass


# a number the reader cannot take: not finite (inf, nan, 1e400), or a date more than 290 million years away
# (calamine panics on those); found by what their text holds, then looked at one by one
_X_ODD_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*(?:[eEiInN][^<]*|[0-9]{11}[^<]*))</(?:[A-Za-z_][\w.-]*:)?v>")
_X_ODD_NUMBER_PLAIN = re.compile(rb"<v>([^<]*(?:[eEiInN][^<]*|[0-9]{11}[^<]*))</v>")
_X_TYPE = re.compile(rb'\st\s*=\s*["\']([a-zA-Z]+)["\']')
_X_STYLE = re.compile(rb'\ss\s*=\s*["\']([0-9]{1,9})["\']')
MAX_DATE_SERIAL = 1e11  # days from 1900; calamine overflows near 1.07e11
# Excel's built-in number formats that show dates or times
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_DATE_CODE = re.compile(r"[ymdhsYMDHS]")


def date_styles(zf: zipfile.ZipFile) -> set[int]:
    """The cell style indexes (`s` of a cell) whose number format shows a date or a time."""
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(zf.read("xl/styles.xml"))
    except Exception:
        return set()
    codes = {}
    for el in root.iter():
        if el.tag.rpartition("}")[2] == "numFmt":
            try:
                code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", el.get("formatCode") or "")
                codes[int(el.get("numFmtId"))] = code
            except (TypeError, ValueError):
                pass
    out = set()
    for el in root.iter():
        if el.tag.rpartition("}")[2] == "cellXfs":
            for i, xf in enumerate(x for x in el if x.tag.rpartition("}")[2] == "xf"):
                try:
                    fid = int(xf.get("numFmtId") or 0)
                except ValueError:
                    continue
                if fid in _DATE_FORMAT_IDS or (fid in codes and _DATE_CODE.search(codes[fid])
                                               and codes[fid].lower() != "general"):
                    out.add(i)
            break
    return out


def _odd_numbers(text: bytes, before: bytes, dates: set[int], sheet: str) -> None:
    """Refuse a numeric cell of `text` whose number is not finite, or a date cell whose number is absurd."""
    # without a namespace prefix on <v>, the same search anchored on its literal tag (several times faster)
    pattern = _X_ODD_NUMBER_PLAIN if b":v>" not in text else _X_ODD_NUMBER
    for m in pattern.finditer(text):
        raw = m.group(1).strip()
        try:
            v = float(raw)
        except ValueError:
            continue  # not a number: text of a formula, an error code (#N/A)
        if v == v and abs(v) < MAX_DATE_SERIAL:
            continue  # finite, and no date so far away: nothing to refuse, whatever the cell's type and style
        context = before + text[max(0, m.start() - 4096):m.start()]
        tags = _X_CELL.findall(context)
        attrs = tags[-1] if tags else b""
        t = _X_TYPE.search(attrs)
        if t is not None and t.group(1) not in (b"n", b"d"):
            continue  # a string, a boolean, an error: its <v> is not a number
        ref = _X_REF.search(attrs)
        where = {"sheet": sheet}
        if ref is not None:
            where.update(row=int(ref.group(2)), column=ref.group(1).decode().upper())
        if v != v or v in (float("inf"), float("-inf")):
            raise InputError.one("nombre non fini (infini ou « NaN ») : écrivez un nombre, ou videz la case",
                                 value=raw.decode("ascii", "replace"), **where)
        st = _X_STYLE.search(attrs)
        if abs(v) >= MAX_DATE_SERIAL and (st is None and 0 in dates or st is not None and int(st.group(1)) in dates):
            raise InputError.one("date impossible : le nombre de la case, au format date, la placerait à des millions "
                                 "d'années ; écrivez une date (JJ/MM/AAAA) ou videz la case",
                                 value=raw.decode("ascii", "replace"), **where)


def empty_shared_strings(zf: zipfile.ZipFile, name: str) -> set[int]:
    """The indexes of the shared strings that are empty texts (a cell pointing to one holds nothing)."""
    try:
        info = zf.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return set()
    out = set()
    i = 0
    for text in _stream(zf, info, name):
        for closed, empty in _X_SHARED.findall(text):
            if closed or empty:
                out.add(i)
            i += 1
    return out


# the common case at C speed: cells whose first attribute is their reference
_X_CELL_FAST = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"([^>/]*)>(?:(<is><t(?:\s[^>/]*)?(?:/>|></t>)</is>)|'
                          rb"<v>([0-9]{1,9})</v>)?")
_X_CELL_FAST_EMPTY = re.compile(rb'<c r="[A-Z]{1,4}[0-9]{1,9}"[^>/]*/>')


# the same cells, their reference only (no shared string to look at: twice as fast), and the empty inline texts
_X_CELL_FAST_REF = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"[^>/]*>')
_X_EMPTY_INLINE = re.compile(rb"<is><t(?:\s[^>/]*)?(?:/>|></t>)</is>")


def _add_fast(ext: Extent, found: list, blank_shared: set[int], blanks: int | None = None) -> None:
    """Add the cells `found` (by `_X_CELL_FAST`, or by `_X_CELL_FAST_REF` with `blanks` the number of empty
    inline texts among them: an empty inline text found outside a cell only counts one cell less, never more)."""
    from operator import itemgetter

    cells = found
    if not cells:
        return
    if blanks is not None:
        filled = len(cells) - blanks
    else:
        blank = list(map(itemgetter(3), cells))
        filled = len(cells) - (len(blank) - blank.count(b""))
    if blank_shared and blanks is None:
        filled -= sum(1 for c in cells if c[4] and int(c[4]) in blank_shared and not c[3]
                      and (_X_TYPE.search(c[2]) or _NO_TYPE).group(1) == b"s")
    ext.cells += filled
    rows = list(map(int, map(itemgetter(1), cells)))
    top = max(rows)
    if top > ext.rows:
        ext.rows = top
        ext.far_col = _col_number(cells[rows.index(top)][0])
    ext.cols = max(ext.cols, max(map(_col_number, set(map(itemgetter(0), cells)))))


class _NoType:
    @staticmethod
    def group(_):
        return b"n"


_NO_TYPE = _NoType()


def scan_xlsx_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, dates: set[int] = frozenset(),
                    sheet: str = "", blank_shared: set[int] = frozenset()) -> Extent:
    """The extent of a worksheet: `cells` counts the cells holding something, the grid (rows × cols) every cell
    the reader keeps, those holding an empty text included."""
    ext = Extent()
    implicit = False  # a cell without its own reference: fall back to counting positions
    before = b""
    for text in _stream(zf, info, name):
        _odd_numbers(text, before, dates, sheet)
        before = text[-4096:]
        # without empty shared strings to look for, the references alone and a count of the empty inline texts
        fast = _X_CELL_FAST.findall(text) if blank_shared else _X_CELL_FAST_REF.findall(text)
        tags = text.count(b"<c ") + text.count(b"<c>") + text.count(b":c ") + text.count(b":c>")
        if len(fast) == tags or len(fast) + len(_X_CELL_FAST_EMPTY.findall(text)) >= tags:
            # every cell names itself first (all known writers do)
            _add_fast(ext, fast, blank_shared, None if blank_shared else len(_X_EMPTY_INLINE.findall(text)))
            if ext.grid > MAX_GRID:
                break  # refused whatever follows: no need to read the rest
            continue
        for attrs, empty_inline, index in _X_CELL_HEAD.findall(text):
            if attrs.endswith(b"/"):
                continue  # <c r="A1" s="3"/>: an empty, styled cell
            ref = _X_REF.search(attrs)
            if ref is None:
                implicit = True
                continue
            filled = not empty_inline
            if filled and index and blank_shared and int(index) in blank_shared:
                t = _X_TYPE.search(attrs)
                filled = t is None or t.group(1) != b"s"  # an index into the shared strings, to an empty one
            if filled:
                ext.cells += 1
            r = int(ref.group(2))
            c = _col_number(ref.group(1))
            if r > ext.rows:
                ext.rows, ext.far_col = r, c
            if c > ext.cols:
                ext.cols = c
        if ext.grid > MAX_GRID:
            break
    if implicit:
        # Cells without a reference take the next position: recount row by row (rare: every known writer
        # names its cells), with the <row> tags.
        return _scan_xlsx_implicit(zf, info, name)  # (its numbers were looked at above)
    return ext


_X_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(\s[^>]*)?>")
_X_ROW_R = re.compile(rb'\sr\s*=\s*["\']([0-9]{1,9})["\']')


def _scan_xlsx_implicit(zf, info, name) -> Extent:
    ext = Extent()
    row = 0
    col = 0
    for text in _stream(zf, info, name):
        for tag, attrs in _X_ROW_OR_CELL.findall(text):
            attrs = attrs or b""
            if tag == b"row":
                m = _X_ROW_R.search(attrs)
                row = int(m.group(1)) if m else row + 1
                col = 0
                continue
            ref = _X_REF.search(attrs)
            if ref:
                r, c = int(ref.group(2)), _col_number(ref.group(1))
            else:
                r, c = max(row, 1), col + 1
            col = c
            if attrs.endswith(b"/"):
                continue
            ext.cells += 1
            if r > ext.rows:
                ext.rows, ext.far_col = r, c
            if c > ext.cols:
                ext.cols = c
    return ext


def scan_ods_tables(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> dict[bytes, Extent]:
    """The extent of every table, by name (in document order), repeats counted."""
    found: dict[bytes, Extent] = {}
    current: Extent | None = None
    depth = 0  # tables inside tables (in a cell) belong to their outer table's rows
    next_row = 1
    row = row_rep = col = row_cells = row_last = 0
    for text in _stream(zf, info, name):
        for close, kind, attrs in _O_TAG.findall(text):
            if kind == b"table":
                if close:
                    depth -= 1
                    if depth == 0:
                        current = None
                elif not attrs.endswith(b"/"):
                    depth += 1
                    if depth == 1:
                        m = _O_NAME.search(attrs)
                        tname = m.group(1) if m else b""
                        current = found.setdefault(tname, Extent())
                        next_row = 1
                continue
            if current is None or depth != 1:
                continue
            if kind == b"table-row":
                if close:
                    if row_cells:
                        current.cells += row_cells * row_rep
                        last = row + row_rep - 1
                        if last > current.rows:
                            current.rows, current.far_col = last, row_last
                        current.cols = max(current.cols, row_last)
                    continue
                m = _O_ROWS.search(attrs)
                row_rep = max(int(m.group(1)), 1) if m else 1
                row = next_row
                next_row += row_rep
                col = row_cells = row_last = 0
                continue
            if close:
                continue
            m = _O_COLS.search(attrs)
            rep = max(int(m.group(1)), 1) if m else 1
            col += rep
            if not attrs.endswith(b"/") or _O_VALUE.search(attrs):
                row_cells += rep
                row_last = col
    return found


def _xlsx_sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the named sheet, from the workbook and its relationships."""
    from defusedxml.ElementTree import fromstring

    names = set(zf.namelist())
    try:
        book = fromstring(zf.read("xl/workbook.xml"))
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return None
    rid = None
    for el in book.iter():
        if el.tag.rpartition("}")[2] == "sheet" and el.get("name") == sheet:
            rid = next((v for k, v in el.attrib.items() if k.rpartition("}")[2] == "id"), None)
            break
    if rid is None:
        return None
    for el in rels.iter():
        if el.tag.rpartition("}")[2] == "Relationship" and el.get("Id") == rid:
            target = el.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path if path in names else None
    return None


def _refuse(ext: Extent, name: str, sheet: str) -> None:
    if not ext.cells:
        return
    far = f"{column_letter(max(ext.far_col, 1) - 1)}{ext.rows}"
    if ext.grid > MAX_GRID:
        raise TooLarge.one(
            f"la feuille s'étend jusqu'à la ligne {_fr(ext.rows)} et la colonne {column_letter(ext.cols - 1)} "
            f"(cellule {far} remplie), soit {_fr(ext.grid)} cellules à lire pour {_fr(ext.cells)} remplies, au-delà de "
            f"la limite de {_fr(MAX_GRID)} : videz les cellules éloignées du tableau (ou supprimez ces lignes et "
            "colonnes) puis enregistrez à nouveau ; fichier refusé", sheet=sheet)
    if ext.grid > SPARSE_FLOOR and ext.grid > SPARSE_RATIO * ext.cells:
        raise InputError.one(
            f"la plage utilisée va jusqu'à la ligne {_fr(ext.rows)} et la colonne {column_letter(ext.cols - 1)} "
            f"(cellule {far} remplie) : {_fr(ext.grid)} cellules pour {_fr(ext.cells)} remplies, bien au-delà de ce que "
            "le fichier contient : videz les cellules éloignées du tableau puis enregistrez à nouveau ; fichier refusé",
            sheet=sheet)


def xlsx_sheet_names(zf: zipfile.ZipFile) -> list[str]:
    from defusedxml.ElementTree import fromstring

    try:
        book = fromstring(zf.read("xl/workbook.xml"))
    except Exception:
        return []
    return [el.get("name") or "" for el in book.iter() if el.tag.rpartition("}")[2] == "sheet"]


# What was measured of a file, by its content (SHA-256): a workbook read several times in one run (its sheet,
# its Transparence, Titres and Constats sheets, the look at its first rows) is measured once. Hashing costs a
# small part of a scan.
_MEASURED: dict = {}
_MEASURED_MAX = 16


def forget_measures() -> None:
    """Forget what was measured (a benchmark that times the measure of a file it has already read)."""
    _MEASURED.clear()


def _measured(path: str) -> dict:
    import hashlib

    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return {}
    key = h.digest()
    hit = _MEASURED.get(key)
    if hit is None:
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.pop(next(iter(_MEASURED)))
        hit = _MEASURED[key] = {}
    return hit


def check_workbook(path: str, name: str, fmt: str, pick) -> Extent:
    """Refuse (InputError) a workbook whose sheet would cost far more than it holds; else that sheet's extent.

    `pick(names)` chooses the sheet among the workbook's sheet names (None: the first), as the reader does.
    A file already measured (the same bytes) is not measured again; a refusal is not remembered (a new measure
    raises it again)."""
    memo = _measured(path)
    try:
        with zipfile.ZipFile(path) as zf:
            if fmt == "ods":
                if "ods" in memo:
                    by_name = memo["ods"]
                else:
                    info = zf.getinfo("content.xml")
                    verify_members(zf, name, skip={"content.xml"})
                    tables = scan_ods_tables(zf, info, name)
                    by_name = {html.unescape(t.decode("utf-8", "replace")): e for t, e in tables.items()}
                for tname, e in by_name.items():  # calamine lays out every table of an .ods when it opens it
                    _refuse(e, name, tname)
                memo["ods"] = by_name
                chosen = pick(list(by_name)) if by_name else None
                ext = by_name.get(chosen, Extent()) if chosen is not None else (
                    next(iter(by_name.values())) if by_name else Extent())
                sheet = chosen or ""
            else:
                if "xlsx" not in memo:
                    verify_members(zf, name, skip=set(n for n in zf.namelist() if n.startswith("xl/worksheets/")))
                    memo["xlsx"] = (xlsx_sheet_names(zf), date_styles(zf), empty_shared_strings(zf, name), {})
                names, dates, blank_shared, sheets = memo["xlsx"]
                sheet = (pick(names) if names else None) or (names[0] if names else "")
                member = _xlsx_sheet_member(zf, sheet)
                if member in sheets:
                    ext = sheets[member]
                else:
                    ext = Extent()
                    for info in zf.infolist():  # the chosen sheet; if it cannot be told, every sheet
                        if info.filename == member or (member is None and info.filename.startswith("xl/worksheets/")
                                                       and info.filename.endswith(".xml")):
                            e = scan_xlsx_sheet(zf, info, name, dates, sheet, blank_shared)
                            if e.grid >= ext.grid:
                                ext = e
                    _refuse(ext, name, sheet)
                    sheets[member] = ext
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : archive corrompue") from None
    _refuse(ext, name, sheet)
    return ext
