"""Reading a portfolio file: .xlsx, .ods or French .csv → the raw holdings table.

The reader never writes to the user's file. Before anything is unpacked it
checks the size of the file and, for zip-based workbooks, the declared size
and compression ratio of every member (decompression bombs). Cells come out
as Python values with their Excel row number; parsing them is
`reserves.portfolio.model`'s job.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass, field

from reserves.portfolio.columns import HEADER_KEYS, REQUIRED, BY_FIELD, column_letter, normalize_header, resembles
from reserves.portfolio.dates import PARAMETERS_SHEET, combine, find_date
from reserves.portfolio.errors import InputError, Problem

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 250  # a member this much larger than its compressed size, and large, is a bomb
RATIO_FLOOR_BYTES = 8 * 1024 * 1024
HEADER_SEARCH_ROWS = 50
PORTFOLIO_SHEET = "portefeuille"


@dataclass
class RawTable:
    """The holdings as read: one list of cell values per column, with Excel row numbers."""

    source: str  # file name as given
    sheet: str
    header_row: int  # Excel row number of the header
    fields: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header text as written
    extra: dict[str, int]  # other columns: header text -> column index
    rows: list[list]  # data rows (fully empty rows removed)
    row_numbers: list[int]  # Excel row number of each data row
    fmt: str  # xlsx, ods, csv
    warnings: list[str] = field(default_factory=list)
    path: str | None = None  # the workbook read (xlsx), to look again at cells that read as empty
    as_of: object = None  # the portfolio's date the file states (SPEC §4), a datetime.date
    as_of_where: str = ""  # where it was read

    def where(self, field_name: str) -> str:
        idx = self.fields[field_name]
        return f"{column_letter(idx)} ({self.headers[field_name]})"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower()


def sniff_format(path: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return "text"


def read_table(path: str | os.PathLike, *, sheet_name: str | None = None, columns=None,
               free_columns=()) -> RawTable:
    """`columns`: the table's columns (`reserves.portfolio.columns.Column`), the portfolio's by default; an orders
    file passes its own (the signed `montant` in place of `valeur`). `free_columns`: headers the user declares
    their own although they look like a known column's (`--colonne-libre`)."""
    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise InputError.one(f"fichier introuvable : {name}")
    if os.path.isdir(path):
        raise InputError.one(f"« {name} » est un dossier, pas un fichier de portefeuille")
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise InputError.one(
            f"le fichier « {name} » pèse {size / 1048576:.0f} Mio, au-delà de la limite de "
            f"{MAX_FILE_BYTES // 1048576} Mio")
    if size == 0:
        raise InputError.one(f"le fichier « {name} » est vide")
    with open(path, "rb") as fh:
        head = fh.read(8)
    kind = sniff_format(path, head)
    ext = os.path.splitext(name)[1].lower()
    if kind == "ole":
        refuse_ole(path, name)
    if kind == "zip":
        fmt = check_zip(path, name)
        return _read_workbook(path, name, fmt, sheet_name, columns, free_columns)
    if ext in (".xlsx", ".xlsm", ".ods", ".xls"):
        raise InputError.one(f"« {name} » n'est pas un classeur {ext[1:]} valide (contenu illisible)")
    return _read_csv(path, name, columns, free_columns)


def refuse_ole(path: str, name: str) -> None:
    with open(path, "rb") as fh:
        data = fh.read(min(os.path.getsize(path), 4 * 1024 * 1024))
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise InputError.one(
            f"le classeur « {name} » est protégé par un mot de passe : enregistrez-le sans mot de passe "
            "(Fichier > Informations > Protéger le classeur) puis recommencez")
    raise InputError.one(
        f"« {name} » est au format Excel 97-2003 (.xls), non pris en charge : enregistrez-le en .xlsx ou .ods")


def check_zip(path: str, name: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > MAX_MEMBERS:
                raise InputError.one(f"l'archive « {name} » contient {len(infos)} éléments : refusée (limite {MAX_MEMBERS})")
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise InputError.one(
                        f"« {name} » ressemble à une bombe de décompression : l'élément {info.filename} passe de "
                        f"{info.compress_size} à {info.file_size} octets ; fichier refusé")
                if info.flag_bits & 0x1:
                    raise InputError.one(f"le classeur « {name} » est chiffré : enregistrez-le sans mot de passe")
            if total > MAX_UNPACKED_BYTES:
                raise InputError.one(
                    f"« {name} » occuperait {total / 1048576:.0f} Mio une fois décompressé, au-delà de la limite de "
                    f"{MAX_UNPACKED_BYTES // 1048576} Mio ; fichier refusé")
            if "xl/workbook.bin" in names:
                raise InputError.one(f"« {name} » est un classeur binaire Excel (.xlsb), non pris en charge : "
                                     "enregistrez-le en .xlsx ou .ods")
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "content.xml" in names:
                try:
                    mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
                except Exception:
                    mimetype = b""
                if b"spreadsheet" in mimetype or not mimetype:
                    return "ods"
                raise InputError.one(f"« {name} » est un document OpenDocument mais pas un classeur (.ods)")
    except zipfile.BadZipFile:
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : archive tronquée ou corrompue") from None
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : archive corrompue") from None
    raise InputError.one(f"« {name} » est une archive zip mais pas un classeur .xlsx ou .ods")


def choose_sheet(names: list[str], sheet_name: str | None, name: str) -> str:
    """The sheet to read: the one asked for, else « Portefeuille » (accents and case aside), else the first."""
    if not names:
        raise InputError.one(f"le classeur « {name} » ne contient aucune feuille")
    wanted = _fold(sheet_name) if sheet_name else PORTFOLIO_SHEET
    for n in names:
        if _fold(n) == wanted:
            return n
    if sheet_name:
        raise InputError.one(f"le classeur « {name} » n'a pas de feuille « {sheet_name} » "
                             f"(feuilles : {', '.join(names)})")
    return names[0]


_KEPT: dict | None = None  # inside `one_read()`: {(file, its stamp, sheet asked): (chosen sheet, grid, side sheet)}


@contextlib.contextmanager
def one_read():
    """Inside this block, the reads of one workbook share one calamine read of it while the file is unchanged (same
    path, size, modification time and inode): a command that learns the date from the file, then reads its lines,
    reads it once. Each read still runs its own checks of the cells (`locate`); nothing is kept after the block."""
    global _KEPT
    outer = _KEPT
    if outer is None:
        _KEPT = {}
    try:
        yield
    finally:
        if outer is None:
            _KEPT = None


def _grid(path: str, name: str, sheet_name: str | None) -> tuple:
    """(chosen sheet, its grid of cells, (name, first rows) of its « Paramètres » sheet or None), read by calamine."""
    import python_calamine as pc

    key = None
    if _KEPT is not None:
        st = os.stat(path)
        key = (os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, sheet_name)
        if key in _KEPT:
            return _KEPT[key]
    try:
        wb = pc.CalamineWorkbook.from_path(path)
        chosen = choose_sheet(list(wb.sheet_names), sheet_name, name)
        data = wb.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except InputError:
        raise
    except getattr(pc, "PasswordError", ()) :
        raise InputError.one(f"le classeur « {name} » est protégé par un mot de passe : enregistrez-le sans mot de passe") from None
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise InputError.one(f"« {name} » n'est pas un classeur lisible ({type(exc).__name__})") from None
    except BaseException as exc:  # a panic in calamine's Rust code (pyo3's PanicException is a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : une cellule contient une valeur que le lecteur "
                             "ne sait pas interpréter (nombre infini ou hors limites, date impossible)") from None
    found = (chosen, data, _parameters_rows(wb, chosen))
    if key is not None:
        _KEPT[key] = found
    return found


def _read_workbook(path: str, name: str, fmt: str, sheet_name: str | None, columns=None, free_columns=()) -> RawTable:
    from reserves.portfolio.bounds import check_workbook

    # What the sheet really holds, before calamine lays out its grid (far cells, lying zip headers).
    check_workbook(path, name, fmt, lambda names: choose_sheet(names, sheet_name, name))
    chosen, data, side = _grid(path, name, sheet_name)
    raw = locate(data, name, chosen, fmt, columns, free_columns)
    raw.path = path
    if side is not None:
        _stated_date_beside(raw, *side)
    return raw


class CheckedWorkbook:
    """A workbook opened after the reader's checks (format, archive, bounds), for a look at a few rows of a sheet
    outside `read_table`: each sheet is measured before calamine lays it out, and a panic is bad input."""

    def __init__(self, path: str, name: str, fmt: str):
        import python_calamine as pc

        self.path, self.name, self.fmt = path, name, fmt
        if fmt == "ods":  # calamine reads every table of an .ods as it opens it: measure them all first
            from reserves.portfolio.bounds import check_workbook

            check_workbook(path, name, fmt, lambda names: names[0] if names else None)
        self.wb = _calamine(name, lambda: pc.CalamineWorkbook.from_path(path))
        self.sheet_names = list(self.wb.sheet_names)

    def rows(self, sheet: str, nrows: int | None = None, *, skip_empty_area: bool = True) -> list[list]:
        from reserves.portfolio.bounds import check_workbook

        check_workbook(self.path, self.name, self.fmt, lambda _names: sheet)
        return _calamine(self.name, lambda: self.wb.get_sheet_by_name(sheet).to_python(
            nrows=nrows, skip_empty_area=skip_empty_area))


def open_workbook(path) -> CheckedWorkbook:
    """The workbook at `path` (xlsx or ods), refused (InputError) as `read_table` would refuse it."""
    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise InputError.one(f"fichier introuvable : {name}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    kind = sniff_format(path, head)
    if kind == "ole":
        refuse_ole(path, name)
    if kind != "zip":
        raise InputError.one(f"« {name} » n'est pas un classeur .xlsx ou .ods")
    return CheckedWorkbook(path, name, check_zip(path, name))


def _calamine(name: str, call):
    """Run a calamine call; its errors, and its panics (a BaseException), are bad input."""
    try:
        return call()
    except InputError:
        raise
    except Exception as exc:
        raise InputError.one(f"« {name} » n'est pas un classeur lisible ({type(exc).__name__})") from None
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise InputError.one(f"« {name} » n'est pas un classeur lisible : une cellule contient une valeur que le lecteur "
                             "ne sait pas interpréter") from None


def formula_cells(raw: RawTable, cells) -> dict:
    """Of the given cells (Excel row, column index) that read as empty, those holding a formula (cell -> formula) whose
    result was never saved (a workbook written by a program, not recalculated). Only on the error
    path: the workbook is opened again with openpyxl, read-only, and never written."""
    cells = set(cells)
    if raw.fmt != "xlsx" or not raw.path or not cells:
        return {}
    import openpyxl

    found = {}
    lo = min(r for r, _ in cells)
    hi = max(r for r, _ in cells)
    try:
        wb = openpyxl.load_workbook(raw.path, read_only=True, data_only=False)
        try:
            ws = wb[raw.sheet]
            for i, values in enumerate(ws.iter_rows(min_row=lo, max_row=hi, values_only=True)):
                for j, v in enumerate(values):
                    if (lo + i, j) in cells and isinstance(v, str) and v.startswith("="):
                        found[(lo + i, j)] = v
        finally:
            wb.close()
    except Exception:  # the file was read once already; a second look that fails changes nothing
        return {}
    return found


def decode_text(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:4096]:
        raise InputError.one(f"« {name} » n'est ni un classeur ni un fichier CSV (contenu binaire)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 reads them all
        return raw.decode("latin-1")


def _read_csv(path: str, name: str, columns=None, free_columns=()) -> RawTable:
    with open(path, "rb") as fh:
        raw = fh.read()
    text = decode_text(raw, name)
    lines = [ln for ln in text.splitlines()[:HEADER_SEARCH_ROWS] if ln.strip()]
    if not lines:
        raise InputError.one(f"le fichier « {name} » ne contient aucune ligne")
    sample = "\n".join(lines)
    counts = {sep: sample.count(sep) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ";"))
    if counts[sep] == 0:
        raise InputError.one(
            f"« {name} » n'est ni un classeur ni un fichier CSV lisible : aucun séparateur (; ou ,) trouvé")
    try:
        # blank lines are kept as one shared empty row (their numbers count), not as lists of empty cells:
        # a million of them cost a million pointers
        rows = [row if "".join(row).strip() else _NO_CELLS
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    except csv.Error as exc:
        raise InputError.one(f"« {name} » : fichier CSV illisible ({exc})") from None
    return locate(rows, name, "CSV", "csv", columns, free_columns)


_NO_CELLS: list = []


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_COLUMN_KEYS: dict = {}  # id of a tuple of columns -> (the tuple, its header keys, required columns, columns by field)


def _column_keys(columns) -> tuple:
    """(normalized header or alias -> field, the required columns, field -> column) of a table's columns; made once
    per tuple of columns (a table of a few rows, an order sent to the service, is read in microseconds)."""
    got = _COLUMN_KEYS.get(id(columns))
    if got is None or got[0] is not columns:
        keys, by_field = {}, {}
        for c in columns:
            keys[normalize_header(c.header)] = c.field
            keys[normalize_header(c.alias)] = c.field
            by_field[c.field] = c
        got = (columns, keys, tuple(c for c in columns if c.required), by_field)
        if isinstance(columns, tuple):  # a list may change: made again each time
            if len(_COLUMN_KEYS) >= 64:
                _COLUMN_KEYS.clear()
            _COLUMN_KEYS[id(columns)] = got
    return got[1:]


def locate(data: list[list], name: str, sheet: str, fmt: str, columns=None, free_columns=()) -> RawTable:
    """Find the header row (the first one holding every required column) and cut the table.

    `columns` (default: the portfolio's) gives the headers to recognise and the required ones.
    """
    header_keys, required, by_field = HEADER_KEYS, REQUIRED, BY_FIELD
    if columns is not None:
        header_keys, required, by_field = _column_keys(columns)
    if not any(any(not _is_blank(c) for c in row) for row in data):
        raise InputError.one("la feuille est vide", sheet=sheet)
    best: tuple[int, int, dict] | None = None
    for r, row in enumerate(data[:HEADER_SEARCH_ROWS]):
        found: dict[str, list[int]] = {}
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell.strip():
                key = header_keys.get(normalize_header(cell))
                if key:
                    found.setdefault(key, []).append(c)
        score = sum(1 for col in required if col.field in found)
        if best is None or score > best[0]:
            best = (score, r, found)
        if score == len(required):
            break
    assert best is not None
    score, r, found = best
    header = data[r]
    if score < len(required):
        missing = [f"« {c.header} » (ou « {c.alias} »)" for c in required if c.field not in found]
        if score == 0:
            raise InputError.one(
                "aucune ligne d'en-tête trouvée dans les 50 premières lignes : colonnes obligatoires "
                + ", ".join(missing) + " introuvables", sheet=sheet)
        raise InputError.one(
            "colonne(s) obligatoire(s) " + ", ".join(missing) + " introuvable(s) dans la ligne d'en-tête",
            sheet=sheet, row=r + 1)
    problems = []
    for key, cols in found.items():
        if len(cols) > 1:
            letters = " et ".join(f"{column_letter(c)} (« {header[c]} »)" for c in cols)
            problems.append(f"la colonne « {by_field[key].header} » apparaît deux fois : {letters}")
    if problems:
        from reserves.portfolio.errors import Problem
        raise InputError([Problem(p, sheet=sheet, row=r + 1) for p in problems])
    fields = {k: v[0] for k, v in found.items()}
    headers = {k: str(header[v]).strip() for k, v in fields.items()}
    used = set(fields.values())
    extra: dict[str, int] = {}
    for c, cell in enumerate(header):
        if c not in used and not _is_blank(cell):
            title = str(cell).strip()
            if title in extra:
                title = f"{title} ({column_letter(c)})"
            extra[title] = c
    body = data[r + 1:]
    rows, numbers = [], []
    if fmt == "csv":  # text cells only: a row is blank when its joined text is
        width = max((c + 1 for c, cell in enumerate(header) if not _is_blank(cell)), default=0)
        for i, row in enumerate(body):
            if row and "".join(row).strip():
                # cells right of the last header have no column: trailing separators are trimmed
                rows.append(row if len(row) <= width else row[:width])
                numbers.append(r + 2 + i)
    else:
        for i, row in enumerate(body):
            first = row[0] if row else None  # most rows: a first cell that is not blank tells at once
            if (first is not None and (not isinstance(first, str) or first.strip())) or \
                    any(not _is_blank(c) for c in row):
                rows.append(row)
                numbers.append(r + 2 + i)
    raw = RawTable(name, sheet, r + 1, fields, headers, extra, rows, numbers, fmt)
    if fmt != "csv":  # a CSV holds text only; a workbook's numbers come from the file's own XML
        _refuse_non_finite(raw, header, sheet)
    if columns is None:
        refuse_misspelled_headers(raw, None, free_columns)
    stated = find_date(data[:r], sheet)
    if stated is not None:
        raw.as_of, raw.as_of_where = stated
    return raw


def column_arrays(raw: "RawTable") -> list:
    """The table's cells column by column (object arrays, rows shorter than the widest padded with None), made once
    per RawTable and kept on it; read only."""
    cols = raw.__dict__.get("_columns")
    if cols is None:
        import numpy as np

        rows = raw.rows
        width = max(map(len, rows), default=0)
        if len(set(map(len, rows))) > 1:  # ragged rows (CSV): pad with empty cells
            rows = [list(r) + [None] * (width - len(r)) for r in rows]
        table = np.empty((len(rows), width), dtype=object)  # the cells as the reader gave them
        if rows and width:
            table[:, :] = rows  # one C-level copy: much faster than zip(*rows) on a large sheet
        cols = [table[:, j] for j in range(width)]
        raw.__dict__["_columns"] = cols
    return cols


FEW_CELLS = 4096  # up to this many cells, a table's cells are looked at one by one (a column pass costs more)
_NO_FLOATS = frozenset({"string", "empty", "boolean", "date", "datetime", "datetime64", "time", "timedelta",
                        "timedelta64", "decimal", "bytes", "period", "interval", "categorical"})
_NUMBERS = frozenset({"floating", "integer", "mixed-integer-float"})


def _non_finite_cells(rows: list[list], columns) -> list[tuple[int, int]]:
    """(row index, column index) of every float cell that is not finite, in the order of the rows then columns.

    A large table is looked at column by column (`columns`: its cells by column): a column pandas infers as holding
    no float is skipped, a numeric one is cast to floats at once; NaN candidates are its missing cells that are not
    None. Every candidate is then tested as the cell-by-cell pass tests it."""
    def bad(v) -> bool:
        return v.__class__ is float and v - v != 0.0  # inf - inf and nan - nan are nan

    if sum(map(len, rows)) <= FEW_CELLS:
        found = []
        for i, row in enumerate(rows):
            total = sum([v for v in row if v.__class__ is float])
            if total - total == 0.0:  # a sum of finite numbers (none: 0), even overflowed, is not nan
                continue
            found.extend((i, j) for j, v in enumerate(row) if bad(v))
        return found
    import numpy as np
    import pandas as pd

    found = []
    for j, col in enumerate(columns()):
        na = np.flatnonzero(pd.isna(col))
        cand = [na[col[na] != None]] if len(na) else []  # noqa: E711 (elementwise: NaN and the like, not None)
        kind = pd.api.types.infer_dtype(col, skipna=True)
        if kind in _NO_FLOATS:
            pass
        elif kind in _NUMBERS:
            try:
                with np.errstate(invalid="ignore", over="ignore"):
                    cand.append(np.flatnonzero(np.isinf(col.astype(float))))
            except (OverflowError, TypeError, ValueError):  # an int beyond floats: look at each cell
                cand.append(np.flatnonzero([bad(v) for v in col]))
        else:
            cand.append(np.flatnonzero([bad(v) for v in col]))
        for i in np.unique(np.concatenate(cand)).tolist() if cand else ():
            if bad(col[i]):
                found.append((i, j))
    found.sort()
    return found


def _refuse_non_finite(raw: "RawTable", header: list, sheet: str) -> None:
    """A number that is not finite (an .ods `office:value="inf"`, a NaN) in any cell is bad input, not an empty cell."""
    from reserves.portfolio.errors import ProblemList

    problems = ProblemList()
    rows, numbers = raw.rows, raw.row_numbers
    for i, j in _non_finite_cells(rows, lambda: column_arrays(raw)):
        v = rows[i][j]
        title = header[j] if j < len(header) and not _is_blank(header[j]) else None
        problems.add("nombre non fini (infini ou « NaN ») : écrivez un nombre, ou videz la case", sheet=sheet,
                     row=numbers[i], column=f"{column_letter(j)} ({str(title).strip()})" if title else column_letter(j),
                     value=str(v))
    problems.raise_if_any()


def refuse_misspelled_headers(raw: RawTable, columns=None, free_columns=()) -> None:
    """SPEC §1: a header that is not a known column of the table (`columns`, default the R. 623 portfolio's) but
    is close to one (`emeteur`, `exlusion`, `montnat`) is bad input naming that column, unless the user declares it
    their own (`--colonne-libre`). One test for every table the product reads: portfolios (R. 623 and R. 139),
    their `Transparence` sheet, orders files."""
    if columns is None:
        keys, by_field = HEADER_KEYS, BY_FIELD
    else:
        keys, _, by_field = _column_keys(columns)
    free = {normalize_header(f) for f in free_columns or ()}
    problems = []
    for title, c in (raw.extra or {}).items():
        if normalize_header(title) in free:
            continue
        field_name = resembles(title, keys)
        if field_name is not None:
            known = by_field[field_name].header
            problems.append(Problem(
                f"en-tête « {title} » inconnu mais proche de la colonne « {known} » : corriger l'en-tête en "
                f"« {known} », ou, s'il s'agit d'une colonne à vous, la déclarer avec --colonne-libre \"{title}\"",
                sheet=raw.sheet, row=raw.header_row, column=column_letter(c), value=title))
    if problems:
        raise InputError(problems)


def _parameters_rows(wb, chosen: str) -> tuple | None:
    """(name, first rows) of a sheet `Paramètres` beside the chosen one; None without one, or an unreadable one (said
    when it is the one asked for, never here)."""
    for n in wb.sheet_names:
        if n != chosen and _fold(n) == PARAMETERS_SHEET:
            try:
                return n, wb.get_sheet_by_name(n).to_python(skip_empty_area=False)[:HEADER_SEARCH_ROWS]
            except Exception:
                return None
    return None


def _stated_date_beside(raw: RawTable, sheet: str, rows: list) -> None:
    """The date on a sheet `Paramètres` (SPEC §4), beside the one of the title rows (they must agree)."""
    both = combine((raw.as_of, raw.as_of_where) if raw.as_of else None, find_date(rows, sheet))
    if both is not None:
        raw.as_of, raw.as_of_where = both


def read_stated_date(path, sheet_name: str | None = None) -> tuple | None:
    """(date, where) that a portfolio file states (SPEC §4), read with every guard of `read_table`; None if none."""
    label = BY_FIELD["label"]
    raw = read_table(path, sheet_name=sheet_name, columns=(label,))
    return (raw.as_of, raw.as_of_where) if raw.as_of is not None else None
