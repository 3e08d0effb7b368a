"""Fuzzing `reserves check` with malformed and mutated files.

More than a thousand files per run: truncated and corrupted archives, random bytes, cells of the
wrong type, huge and negative numbers, formulas without cached values, merged cells, empty rows in
the middle, duplicated headers, odd encodings and separators; and the hostile shapes of `hostile.py`: far-away
cells, inflated dimensions, empty and blank-text rows, repeated ods rows and columns, zip headers that lie
about a member's size, numbers that are not finite in every kind of cell, formula texts in the text
columns. Each one must end with a verdict
(exit 0, 1 or 3) or with exit 2 and a French message: never a traceback, never exit 4 (internal
error), never a hang, and never a modified input file.

Most cases run `reserves.app.cli.main` in this process (with a time guard per case); a handful run the
real command in a child process. The seed changes at each run and is printed with any failure; set
RESERVES_FUZZ_SEED to replay one, RESERVES_FUZZ_CASES to run more cases per batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import random
import shutil
import signal
import threading
import zipfile
from pathlib import Path

import pytest

import hostile as H
from helpers import ballast, line, run_cli, run_main, sha256, table, write_csv, write_ods, write_xlsx

SEED = int(os.environ.get("RESERVES_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
SHARDS = 4
CASES_PER_SHARD = int(os.environ.get("RESERVES_FUZZ_CASES") or 260)  # 4 × 260 = 1 040 files per run
CASE_SECONDS = 20  # far above the slowest case seen (well under a second): a hang, not a slow machine
N_RULES = 19

HEADERS = ["libelle", "categorie", "valeur", "devise", "isin", "emetteur", "coupon_couru", "poche", "forme_juridique",
           "quantite", "quantite_emise", "immeuble", "pays", "marche_reconnu", "conservation", "opcvm_conforme",
           "montant_emission", "duree_jours", "preavis_jours", "rang_hypotheque", "ltv", "biens_forestiers",
           "couverture", "exclusion", "fonds_euro_1_4", "Libellé", "Valeur (€)", "name", "market_value", "commentaire"]
WEIRD_CELLS = [
    None, "", " ", "oui", "non", "x", "IFT", "AUTRE", "1°", "1° a)", "R623-3 7°", "14", "0", "-1", "EUR", "USD", "XXX",
    "€", "FR", "ZZ", "FR0000120073", "FR0000120074", "FR000012007", "1 234 567,89", "1.234.567,89", "1,2,3", "--5",
    "(3,00)", "1e400", "-1e400", "NaN", "nan", "inf", "-inf", "∞", "1e15", "1e16", "9" * 40, "0,000000001",
    "65 %", "150 %", "-0", "=A1+1", "=SUM(C:C)", "#DIV/0!", "#N/A", "#REF!", "Total", "Sous-total", "echeance",
    "compensation_L134-1", "gestion", "réserves", "SICAV", "FCP", "SNC", "\u202f", "\u00a0", "\t", "a\nb", "é" * 300,
    "x" * 5000, "💶", "\u200f\u202e", "'", '"', ";", ",", "<xml/>", "🏦" * 50,
    0, 1, -1, 2, 13, 14, 0.1, 0.2, 0.30000000000000004, 1e15, 1e16, -1e16, 1e300, -1e300, 2**63, -(2**63), 2**70,
    True, False, dt.date(2016, 12, 31), dt.datetime(1900, 1, 1, 12, 30), dt.time(12, 0),
]


def _plain_rows() -> list[list]:
    lines = [line(c, "10 000,00") for c in ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "IFT"]]
    lines.append(line(9, "300 000,00", immeuble="Tour A"))
    return table(*lines, ballast("700 000,00"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """Valid files of each format, the seeds of the byte-level mutations."""
    d = tmp_path_factory.mktemp("corpus")
    rows = _plain_rows()
    return {"xlsx": write_xlsx(d / "p.xlsx", rows).read_bytes(), "ods": write_ods(d / "p.ods", rows).read_bytes(),
            "csv": write_csv(d / "p.csv", rows).read_bytes(), "rows": rows}


# --------------------------------------------------------------------------- generators


def _bytes_flip(rnd, corpus, path):
    kind = rnd.choice(["xlsx", "ods", "csv"])
    data = bytearray(corpus[kind])
    for _ in range(rnd.randint(1, 40)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    path = path.with_suffix("." + kind)
    path.write_bytes(bytes(data))
    return path


def _truncate(rnd, corpus, path):
    kind = rnd.choice(["xlsx", "ods", "csv"])
    data = corpus[kind]
    path = path.with_suffix("." + kind)
    path.write_bytes(data[: rnd.randrange(len(data))])
    return path


def _splice(rnd, corpus, path):
    kind = rnd.choice(["xlsx", "ods", "csv"])
    data = bytearray(corpus[kind])
    for _ in range(rnd.randint(1, 5)):
        at = rnd.randrange(len(data) + 1)
        if rnd.random() < 0.5:
            del data[at:at + rnd.randint(1, 2000)]
        else:
            data[at:at] = rnd.randbytes(rnd.randint(1, 500))
    path = path.with_suffix("." + kind)
    path.write_bytes(bytes(data))
    return path


def _random_bytes(rnd, corpus, path):
    head = rnd.choice([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
                       b"\xff\xfe", b"%PDF-1.7", b"libelle;categorie;valeur;devise\n"])
    path = path.with_suffix(rnd.choice([".xlsx", ".ods", ".csv", ".xls", ".txt", ""]))
    path.write_bytes(head + rnd.randbytes(rnd.randint(0, 5000)))
    return path


def _zip_members(rnd, corpus, path):
    """Rewrite a valid workbook with one member broken, removed, duplicated or replaced."""
    kind = rnd.choice(["xlsx", "ods"])
    src = zipfile.ZipFile(io.BytesIO(corpus[kind]))
    infos = src.infolist()
    victim = rnd.choice(infos).filename
    how = rnd.choice(["drop", "truncate", "garbage", "xml", "duplicate", "stored", "empty"])
    path = path.with_suffix("." + kind)
    with warnings_off(), zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            data = src.read(info.filename)
            if info.filename == victim:
                if how == "drop":
                    continue
                if how == "truncate":
                    data = data[: rnd.randrange(max(len(data), 1))]
                elif how == "garbage":
                    data = rnd.randbytes(rnd.randint(0, 3000))
                elif how == "xml":
                    data = b"<?xml version='1.0'?><a><b>" + rnd.randbytes(50) + b"</a>"
                elif how == "duplicate":
                    out.writestr(info.filename, data)
                elif how == "empty":
                    data = b""
            compress = zipfile.ZIP_STORED if how == "stored" else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, data, compress_type=compress)
    return path


@contextlib.contextmanager
def warnings_off():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _random_table(rnd, rows):
    """Take the valid table and damage it: wrong cell types, headers moved, duplicated or lost, title and
    empty rows, huge or negative numbers."""
    rows = [list(r) for r in rows]
    for _ in range(rnd.randint(1, 12)):
        r = rnd.randrange(len(rows))
        if rows[r]:
            rows[r][rnd.randrange(len(rows[r]))] = rnd.choice(WEIRD_CELLS)
    if rnd.random() < 0.3:  # duplicated or renamed header
        rows[0][rnd.randrange(len(rows[0]))] = rnd.choice(HEADERS)
    if rnd.random() < 0.2:  # a required column lost
        c = rnd.randrange(4)
        for r in rows:
            del r[c:c + 1]
    if rnd.random() < 0.3:  # title rows above the header
        rows[:0] = [[rnd.choice(WEIRD_CELLS)] for _ in range(rnd.randint(1, 60))]
    if rnd.random() < 0.3:  # empty rows in the middle
        for _ in range(rnd.randint(1, 5)):
            rows.insert(rnd.randrange(1, len(rows) + 1), [])
    if rnd.random() < 0.2:  # ragged rows
        for r in rows:
            if r and rnd.random() < 0.3:
                del r[rnd.randrange(len(r)):]
    if rnd.random() < 0.1:  # many lines with random values
        width = len(rows[0]) if rows and rows[0] else 4
        rows += [[rnd.choice(WEIRD_CELLS) for _ in range(width)] for _ in range(rnd.randint(10, 300))]
    if rnd.random() < 0.05:
        rows = rows[:1]  # a header and nothing under it
    return rows


def _xlsx_cell(v):
    if isinstance(v, str):
        # openpyxl refuses control characters; an Excel file cannot hold them either
        v = "".join(ch for ch in v if ch in "\t\n\r" or ord(ch) >= 32)
        return v[:32000]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53:
        return float(v)
    return v


def _xlsx_structure(rnd, corpus, path):
    import openpyxl

    rows = _random_table(rnd, corpus["rows"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = rnd.choice(["Portefeuille", "PORTEFEUILLE", "Feuil1", "Portéfeuille", "Données"])
    if rnd.random() < 0.3:
        extra = wb.create_sheet(rnd.choice(["Notes", "portefeuille", "Lisez-moi"]), index=rnd.randint(0, 1))
        extra.append(["rien"])
    for r in rows:
        ws.append([_xlsx_cell(v) for v in r])
    if rnd.random() < 0.3:  # formulas without cached values (openpyxl never computes them)
        for _ in range(rnd.randint(1, 10)):
            ws.cell(rnd.randint(1, ws.max_row + 1), rnd.randint(1, 6)).value = rnd.choice(
                ["=C2*2", "=SUM(C2:C20)", "=1/0", "=A1", '="oui"', "=NA()"])
    if rnd.random() < 0.4 and ws.max_row > 2:  # merged cells across the table
        for _ in range(rnd.randint(1, 4)):
            r1 = rnd.randint(1, ws.max_row)
            c1 = rnd.randint(1, max(ws.max_column, 1))
            ws.merge_cells(start_row=r1, start_column=c1, end_row=min(r1 + rnd.randint(0, 3), ws.max_row),
                           end_column=min(c1 + rnd.randint(0, 3), max(ws.max_column, 1)))
    if rnd.random() < 0.1:
        ws.protection.sheet = True  # a protected sheet is still readable
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path


def _ods_structure(rnd, corpus, path):
    rows = _random_table(rnd, corpus["rows"])
    cleaned = []
    for r in rows:
        out = []
        for v in r:
            if isinstance(v, (dt.time,)) or (isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53):
                v = str(v)
            if isinstance(v, str):
                v = "".join(ch for ch in v if ch in "\t\n" or ord(ch) >= 32)
            out.append(v)
        cleaned.append(out)
    path = path.with_suffix(".ods")
    write_ods(path, cleaned or [[None]], sheet=rnd.choice(["Portefeuille", "Feuille1"]))
    return path


def _csv_structure(rnd, corpus, path):
    rows = _random_table(rnd, corpus["rows"])
    sep = rnd.choice([";", ";", ",", "\t", "|"])
    encoding = rnd.choice(["cp1252", "utf-8", "utf-8-sig", "utf-16", "latin-1"])
    lines = []
    for r in rows:
        cells = []
        for v in r:
            s = "" if v is None else str(v)
            if rnd.random() < 0.05:
                s = '"' + s  # an unbalanced quote
            cells.append(s)
        lines.append(sep.join(cells))
    text = rnd.choice(["\r\n", "\n", "\r"]).join(lines)
    path = path.with_suffix(".csv")
    path.write_bytes(text.encode(encoding, errors="replace"))
    return path


EDGE = {
    "valeur": ["0", "0,01", "1 000 000 000 000 000", "999 999 999 999 999,99", "1", "123 456,78", "50 000,00"],
    "coupon_couru": [None, "0", "-5,00", "1 000 000 000 000 000", "0,01"],
    "emetteur": [None, "Alpha", "ALPHA", "alpha ", "Béta", "Beta", "X" * 200],
    "immeuble": [None, "Tour", "TOUR", "Tour-B"],
    "forme_juridique": [None, "SICAV", "FCP", "SNC", "SPPICAV", "S.N.C.", "?"],
    "quantite": [None, "0", "1", "100", "1e15", "0,0000001"],
    "quantite_emise": [None, "0", "1", "1000", "1e15"],
    "pays": [None, "FR", "US", "CN", "HR", "GB", "CL", "LI"],
    "poche": [None, "reserves", "gestion", "action sociale"],
    "exclusion": [None, None, None, "echeance_trimestrielle", "compensation_L134-1"],
    "ltv": [None, "0", "0,65", "65 %", "100 %", "0,6500001"],
    "rang_hypotheque": [None, "1", "2"],
    "duree_jours": [None, "0", "365", "366", "100000"],
    "preavis_jours": [None, "0", "90", "91"],
    "montant_emission": [None, "0", "30 000 000", "29 999 999,99"],
    "devise": ["EUR", "EUR", "USD", "JPY"],
    "realisable_euro": [None, "oui", "non"],
    "biens_forestiers": [None, "non", "oui"],
}
FLAGS = ["marche_reconnu", "conservation", "opcvm_conforme", "fonds_euro_1_4", "fonds_1_3", "couverture",
         "clause_liquidite", "garantie_prix_emission", "etablissement_agree_eee", "marchand_de_biens"]


def _edge_portfolio(rnd, corpus, path):
    """A readable portfolio made of edge values (zeros, the largest amounts, empty answers, every pocket and
    exclusion, quantities issued of zero…): these reach the rules rather than the reader's refusals."""
    lines = []
    for k in range(rnd.randint(1, 40)):
        cat = rnd.choice([str(i) for i in range(1, 14)] + ["IFT", "AUTRE", "1° a)", "R623-3 7°"])
        cols = {c: rnd.choice(pool) for c, pool in EDGE.items() if rnd.random() < 0.6}
        cols.update({f: rnd.choice(["oui", "non", None, "x"]) for f in FLAGS if rnd.random() < 0.3})
        value = cols.pop("valeur", "1 000,00")
        if cat == "IFT" and rnd.random() < 0.5:
            value = "-" + value
        lines.append(line(cat, value, label=f"ligne {k}", **cols))
    rows = table(*lines)
    fmt = rnd.choice(["xlsx", "xlsx", "csv", "ods"])
    path = path.with_suffix("." + fmt)
    {"xlsx": write_xlsx, "csv": write_csv, "ods": write_ods}[fmt](path, rows)
    return path


# --------------------------------------------------------------------------- hostile shapes (tests/hostile.py)


def _ref(rnd) -> str:
    col = rnd.choice([rnd.randint(1, 60), rnd.randint(1, 16384), 16384])
    row = rnd.choice([rnd.randint(1, 300), rnd.randint(1, 1_048_576), 1_048_576])
    return H._letters(col - 1) + str(row)


def _hostile_xlsx(rnd, corpus, path):
    """Far cells (filled or only styled), an inflated dimension, empty or blank-text rows, lying zip headers."""
    data = corpus["xlsx"]
    how = rnd.choice(["far", "far_text", "far_empty", "dimension", "empty_rows", "rows_then_line", "blank_texts",
                      "lying_sheet", "lying_styles"])
    if how == "far":
        data = H.xlsx_far_cell(data, _ref(rnd), rnd.choice([b"<v>1</v>", b"<v>-1e400</v>", b"<v>0</v>"]))
    elif how == "far_text":
        data = H.xlsx_far_cell(data, _ref(rnd), b"<is><t>loin</t></is>", b' t="inlineStr"')
    elif how == "far_empty":
        data = H.xlsx_far_empty_cell(data, _ref(rnd))
    elif how == "dimension":
        data = H.xlsx_huge_dimension(data)
    elif how == "empty_rows":
        data = H.xlsx_empty_rows(data, rnd.randint(1, 20_000))
    elif how == "rows_then_line":
        data = H.xlsx_empty_rows(data, rnd.randint(1, 60_000), then_a_line=True)
    elif how == "blank_texts":
        data = H.xlsx_blank_string_rows(data, rnd.randint(1, 3_000), width=rnd.randint(1, 40))
    else:
        member = H.XLSX_SHEET if how == "lying_sheet" else "xl/styles.xml"
        data = H.lying_zip_header(data, member, padding=rnd.randint(1, 2 * 1024 * 1024))
    path = path.with_suffix(".xlsx")
    path.write_bytes(data)
    return path


def _hostile_ods(rnd, corpus, path):
    """Repeated rows and columns (filled or empty, trailing or followed by a line), far cells, lying headers."""
    data = corpus["ods"]
    how = rnd.choice(["rows", "empty_rows", "empty_rows_then_line", "columns", "far", "lying"])
    if how == "rows":
        data = H.ods_repeated_rows(data, rnd.choice([rnd.randint(1, 100), rnd.randint(1, 2_000_000)]))
    elif how == "empty_rows":
        data = H.ods_repeated_rows(data, rnd.randint(1, 1_048_576), content=False)
    elif how == "empty_rows_then_line":
        data = H.ods_repeated_rows(data, rnd.randint(1, 1_048_576), content=False, then_a_line=True)
    elif how == "columns":
        data = H.ods_repeated_columns(data, rnd.randint(1, 20_000), rnd.randint(1, 5_000))
    elif how == "far":
        data = H.ods_far_cell(data, rnd.randint(0, 1_048_000), rnd.randint(0, 16_000))
    else:
        data = H.lying_zip_header(data, H.ODS_CONTENT, padding=rnd.randint(1, 2 * 1024 * 1024))
    path = path.with_suffix(".ods")
    path.write_bytes(data)
    return path


NON_FINITE_TEXTS = [b"-1e400", b"1e400", b"inf", b"-inf", b"nan", b"NaN", b"Infinity", b"1E+999", b"-1e308", b"1e308",
                    b"-1.07e11", b"1e11"]


def _non_finite(rnd, corpus, path):
    """A number that is not finite (or a date far beyond any calendar) in any kind of cell: value, quantity,
    percent, days, date; in an .xlsx's XML or as an .ods value of any type."""
    if rnd.random() < 0.7:
        data = H.base_xlsx()
        for _ in range(rnd.randint(1, 3)):
            data = H.xlsx_number(data, rnd.choice(list(H.BASE_KINDS.values())), rnd.choice(NON_FINITE_TEXTS))
        path = path.with_suffix(".xlsx")
    else:
        kind = rnd.choice(["float", "percentage", "currency"])
        value = rnd.choice(NON_FINITE_TEXTS)
        cell = (b'<table:table-cell office:value-type="%s" office:value="%s" office:currency="EUR"><text:p>x</text:p>'
                b'</table:table-cell>' % (kind.encode(), value))
        data = H.ods_cell_value(corpus["ods"], rnd.randint(1, 10), rnd.randint(0, 3), cell)
        path = path.with_suffix(".ods")
    path.write_bytes(data)
    return path


FORMULA_TEXTS = ['=HYPERLINK("http://exemple.invalid","x")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)", "=1/0"]


def _formula_texts(rnd, corpus, path):
    """Texts that a spreadsheet would take for formulas, in the text columns, written as text."""
    import openpyxl

    rows = [list(r) for r in corpus["rows"]]
    text_cols = [j for j, h in enumerate(rows[0]) if h in ("libelle", "emetteur", "immeuble", "commentaire", "isin")]
    for r in rows[1:]:
        for j in text_cols:
            if j < len(r) and rnd.random() < 0.5:
                r[j] = rnd.choice(FORMULA_TEXTS) + ("" if rnd.random() < 0.5 else f" {rnd.randint(0, 9)}")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portefeuille"
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # text, as a careful writer leaves it
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path


GENERATORS = [(_bytes_flip, 2), (_truncate, 2), (_splice, 1), (_random_bytes, 1), (_zip_members, 2),
              (_xlsx_structure, 4), (_ods_structure, 1), (_csv_structure, 2), (_edge_portfolio, 5),
              (_hostile_xlsx, 2), (_hostile_ods, 1), (_non_finite, 2), (_formula_texts, 1)]


# --------------------------------------------------------------------------- the guard


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_guard(seconds: float):
    """Raise `Hang` in this thread if the block runs longer than `seconds` (main thread: SIGALRM)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def on_alarm(signum, frame):
            raise Hang(f"plus de {seconds} s")

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    else:  # not the main thread: a hang ends the process with a dump of every stack, which fails the run
        import faulthandler

        faulthandler.dump_traceback_later(seconds, exit=True)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()


def _judge(path, code, out, err, label):
    assert code in (0, 1, 2, 3), f"{label}: exit {code}\n{err[-2000:]}"
    assert "Traceback" not in out + err, f"{label}: traceback\n{err[-3000:]}"
    if code == 2:
        assert err.startswith("Erreur : ") or "erreur :" in err, f"{label}: exit 2 without a message: {err!r}"
        doc = json.loads(out)
        assert doc["status"] == "error" and doc["errors"], label
        for e in doc["errors"]:
            assert e["message"]
    else:
        doc = json.loads(out)
        assert doc["status"] in ("ok", "breach", "unknown"), label
        assert len(doc["rules"]) == N_RULES and {"ok": 0, "breach": 1, "unknown": 3}[doc["status"]] == code, label


def _cases(shard: int):
    rnd = random.Random(SEED * 1000 + shard)
    gens = [g for g, w in GENERATORS for _ in range(w)]
    for k in range(CASES_PER_SHARD):
        yield k, rnd, rnd.choice(gens)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_malformed_files_end_with_a_verdict_or_a_clean_refusal(corpus, tmp_path, shard):
    seen = {0: 0, 1: 0, 2: 0, 3: 0}
    for k, rnd, gen in _cases(shard):
        path = gen(rnd, corpus, tmp_path / f"cas{k}")
        label = f"graine {SEED}, lot {shard}, cas {k} ({gen.__name__}, {path.name})"
        before = sha256(path)
        try:
            with time_guard(CASE_SECONDS):
                code, out, err = run_main(["check", str(path), "--json", "--date", "2016-12-31"])
                if code in (0, 1, 3) and k % 5 == 0:  # the French terminal rendering too
                    code2, out2, err2 = run_main(["check", str(path), "--date", "2016-12-31"])
                    assert code2 == code and "Verdict :" in out2 and "Traceback" not in err2, label
        except Hang:
            keep = tmp_path.parent / f"fuzz-bloque-{SEED}-{shard}-{k}{path.suffix}"
            shutil.copy(path, keep)
            pytest.fail(f"{label}: bloqué plus de {CASE_SECONDS} s (fichier gardé : {keep})")
        try:
            _judge(path, code, out, err, label)
        except AssertionError:
            keep = tmp_path.parent / f"fuzz-echec-{SEED}-{shard}-{k}{path.suffix}"
            shutil.copy(path, keep)
            raise
        assert sha256(path) == before, f"{label}: fichier modifié"
        seen[code] += 1
        path.unlink()
    assert sum(seen.values()) == CASES_PER_SHARD
    # the mutations must reach both ends: refusals and verdicts
    assert seen[2] > 0 and seen[0] + seen[1] + seen[3] > 0, seen


def test_a_handful_through_the_real_command(corpus, tmp_path):
    rnd = random.Random(SEED)
    gens = [_bytes_flip, _truncate, _zip_members, _xlsx_structure, _csv_structure, _random_bytes, _ods_structure,
            _edge_portfolio, _hostile_xlsx, _hostile_ods, _non_finite, _formula_texts]
    for k, gen in enumerate(gens):
        path = gen(rnd, corpus, tmp_path / f"cas{k}")
        before = sha256(path)
        p = run_cli("check", str(path), "--json", "--date", "2016-12-31", timeout=120)
        _judge(path, p.returncode, p.stdout, p.stderr, f"graine {SEED}, sous-processus {k} ({gen.__name__})")
        assert sha256(path) == before


def test_the_time_guard_stops_a_hang():
    import time

    with pytest.raises(Hang):
        with time_guard(0.2):
            time.sleep(5)
