"""Bad input (SPEC §1): one French message per problem naming sheet, Excel row, column and value,
exit code 2, never a traceback, and the user's file left as it was.

Each case runs the real command in a child process (`python -m reserves.app.cli check FILE`).
"""

from __future__ import annotations

import json
import zipfile

import pytest

from helpers import run_cli, run_main, sha256, write_csv, write_ods, write_xlsx

HEAD = ["libelle", "categorie", "valeur", "devise"]
GOOD = ["OAT 2025", "1", 1000, "EUR"]


def refused(path, *fragments, args=()):
    """Run `reserves check`, assert a clean refusal and return the error text."""
    before = sha256(path)
    p = run_cli("check", str(path), *args)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout
    assert p.stdout == ""
    assert p.stderr.startswith("Erreur : ")
    for frag in fragments:
        assert frag in p.stderr, (frag, p.stderr)
    assert sha256(path) == before  # the user's file is never modified
    return p.stderr


def test_missing_required_column(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["Portefeuille 2016"], ["libelle", "categorie", "valeur", "emetteur"], GOOD])
    err = refused(path, "Feuille « Portefeuille »", "ligne 2", "« devise » (ou « currency »)", "introuvable")
    assert "libelle" not in err.split("introuvable")[0]


def test_no_header_at_all(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["a", "b"], [1, 2]])
    refused(path, "Feuille « Portefeuille »", "aucune ligne d'en-tête", "« libelle »", "« valeur »")


def test_value_that_is_not_a_number(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Action", "7", "douze euros", "EUR"]])
    refused(path, "Feuille « Portefeuille », ligne 3, colonne C (valeur)", "n'est pas un nombre",
            "valeur lue : « douze euros »")


def test_unknown_category(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Crypto", "14", 10, "EUR"], ["Or", "Métaux", 10, "EUR"]])
    err = refused(path, "ligne 3, colonne B (categorie)", "catégorie inconnue", "« 14 »")
    assert "ligne 4, colonne B (categorie)" in err and "« Métaux »" in err  # every problem, not only the first


def test_invalid_isin_check_digit(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD + ["isin"], GOOD + ["FR0000120073"], ["Air Liquide", "7", 1, "EUR", "FR0000120074"]])
    refused(path, "Feuille « Portefeuille », ligne 3, colonne E (isin)", "clé de contrôle", "« FR0000120074 »")


def test_negative_value_outside_a_forward(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Obligation", "2", "-1 000,00", "EUR"]])
    refused(path, "ligne 3, colonne C (valeur)", "valeur négative", "IFT", "« -1 000,00 »")


def test_empty_sheet(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [], after={"Notes": [["rien"]]})
    refused(path, "Feuille « Portefeuille »", "vide")


def test_header_without_lines(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD])
    refused(path, "Feuille « Portefeuille », ligne 1", "aucune ligne de portefeuille")


def test_empty_ods_sheet(tmp_path):
    path = write_ods(tmp_path / "p.ods", [[None]])
    refused(path, "vide")


@pytest.mark.parametrize("name, content", [
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    ("rapport.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"\x00\x01" * 100),
    ("notes.txt", "Ceci est une lettre, pas un portefeuille.\n".encode()),
    ("vide.csv", b""),
    ("archive.xlsx", b"PK\x05\x06" + b"\x00" * 18),
])
def test_file_that_is_not_a_spreadsheet(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    err = refused(path)
    assert name in err or "en-tête" in err  # plain text is read as a CSV without the required columns


def _ole(streams: dict) -> bytes:
    """A real OLE compound file (the container of Excel 97-2003 and of encrypted workbooks) holding two
    named streams, written by msoffcrypto-tool's container writer; olefile reads it back."""
    import io

    import olefile
    from msoffcrypto.method.container.ecma376_encrypted import DSPos, ECMA376Encrypted

    (n1, c1), (n2, c2) = streams.items()
    box = ECMA376Encrypted(c1, c2)
    box._dirs[DSPos.iEncryptionPackage].Name = n1
    box._dirs[DSPos.iEncryptionInfo].Name = n2
    for d in box._dirs:  # the data-space streams name the encrypted package: blank them for a plain file
        if d.Content and "EncryptedPackage".encode("utf-16-le") in d.Content:
            d.Content = bytes(len(d.Content))
    buf = io.BytesIO()
    box.write_to(buf)
    data = buf.getvalue()
    assert [n1] in olefile.OleFileIO(io.BytesIO(data)).listdir()
    return data


def test_legacy_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "ancien.xls"
    path.write_bytes(_ole({"Workbook": b"\x09\x08" + bytes(600), "CompObj": bytes(200)}))
    refused(path, "ancien.xls", "Excel 97-2003", "enregistrez-le en .xlsx ou .ods")


def test_ole_file_with_an_encrypted_package_is_password_protected(tmp_path):
    path = tmp_path / "chiffre.xlsx"
    path.write_bytes(_ole({"EncryptedPackage": bytes(600), "EncryptionInfo": bytes(200)}))
    refused(path, "protégé par un mot de passe")


def test_password_protected_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "clair.xlsx", [HEAD, GOOD])
    path = tmp_path / "protege.xlsx"
    with open(plain, "rb") as src, open(path, "wb") as out:
        OOXMLFile(src).encrypt("motdepasse", out)
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE container with EncryptedPackage
    refused(path, "protégé par un mot de passe", "protege.xlsx")


def test_oversized_file(tmp_path, monkeypatch):
    """The size limit (256 Mio) is lowered for the test: the check is the same code."""
    import reserves.portfolio.reader as reader

    path = write_xlsx(tmp_path / "gros.xlsx", [HEAD, GOOD] + [[f"L{i}", "1", i, "EUR"] for i in range(2000)])
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", path.stat().st_size - 1)
    before = sha256(path)
    code, out, err = run_main(["check", str(path)])
    assert code == 2 and out == "" and "Traceback" not in err
    assert "gros.xlsx" in err and "au-delà de la limite" in err
    assert sha256(path) == before


def _bomb(path, member_bytes: int):
    """A real zip holding an `xl/workbook.xml` and a sheet of `member_bytes` zeros: tiny on disk."""
    chunk = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(member_bytes // len(chunk)):
                fh.write(chunk)
    return path


def test_decompression_bomb(tmp_path):
    path = _bomb(tmp_path / "bombe.xlsx", 64 << 20)
    assert path.stat().st_size < 1 << 20  # 64 Mio of zeros in well under 1 Mio
    refused(path, "bombe de décompression", "xl/worksheets/sheet1.xml")


def test_archive_too_large_once_unpacked(tmp_path, monkeypatch):
    import reserves.portfolio.reader as reader

    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD])
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1000)
    code, out, err = run_main(["check", str(path)])
    assert code == 2 and "une fois décompressé" in err


def test_truncated_workbook(tmp_path):
    full = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD]).read_bytes()
    path = tmp_path / "tronque.xlsx"
    path.write_bytes(full[: len(full) // 2])
    refused(path, "tronque.xlsx", "n'est pas un classeur lisible")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "bonjour")
    refused(path, "pas un classeur")


def test_missing_file_and_folder(tmp_path):
    p = run_cli("check", str(tmp_path / "absent.xlsx"))
    assert p.returncode == 2 and "introuvable" in p.stderr and "absent.xlsx" in p.stderr
    p = run_cli("check", str(tmp_path))
    assert p.returncode == 2 and "dossier" in p.stderr


@pytest.mark.parametrize("column, value, says", [
    ("devise", "EURO$", "devise"), ("poche", "épargne", "poche inconnue"), ("exclusion", "réserve", "exclusion inconnue"),
    ("conservation", "peut-être", "oui ou non attendu"), ("pays", "Atlantide", "pays"), ("ltv", "1,5", "ambigu"),
    ("rang_hypotheque", "1,5", "entier"), ("quantite", "-3", "négatif"), ("coupon_couru", "beaucoup", "nombre"),
])
def test_each_kind_of_bad_cell_names_sheet_row_column_and_value(tmp_path, column, value, says):
    head = HEAD + ([column] if column != "devise" else [])
    row = ["Ligne", "12", 10, "EUR"] + ([value] if column != "devise" else [])
    if column == "devise":
        row[3] = value
    letter = "D" if column == "devise" else "E"
    code, out, err = run_main(["check", str(write_xlsx(tmp_path / "p.xlsx", [head, GOOD + [None] * (len(head) - 4), row]))])
    assert code == 2 and out == ""
    assert f"Feuille « Portefeuille », ligne 3, colonne {letter} ({column})" in err, err
    assert f"« {value} »" in err and says in err


def test_empty_required_cells(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Sans valeur", "2", None, "EUR"], [None, "2", 5, "EUR"]])
    err = refused(path, "ligne 3, colonne C (valeur) : case vide", "ligne 4, colonne A (libelle) : case vide")


def test_duplicated_header(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD + ["Valeur (€)"], GOOD + [1000]])
    refused(path, "ligne 1", "apparaît deux fois", "C (« valeur »)", "E (« Valeur (€) »)")


def test_csv_problems_name_the_csv(tmp_path):
    path = write_csv(tmp_path / "p.csv", [HEAD, ["OAT", "1", "mille", "EUR"]])
    refused(path, "Feuille « CSV », ligne 2, colonne C (valeur)", "« mille »")


def test_ods_problems_name_the_sheet(tmp_path):
    path = write_ods(tmp_path / "p.ods", [["Titre"], HEAD, ["OAT", "99", 1, "EUR"]], sheet="Réserves 2016")
    refused(path, "Feuille « Réserves 2016 », ligne 3, colonne B (categorie)", "« 99 »")


def test_many_bad_cells_make_one_readable_message(tmp_path):
    rows = [HEAD] + [[f"L{i}", "1", "n/a", "EUR"] for i in range(5000)]
    err = refused(write_csv(tmp_path / "p.csv", rows))
    assert err.count("\n") < 300 and "autre(s) problème(s)" in err


def test_json_mode_gives_the_problems_as_json(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Action", "7", "douze", "EUR"]])
    p = run_cli("check", str(path), "--json")
    assert p.returncode == 2
    doc = json.loads(p.stdout)
    assert doc["status"] == "error"
    (e,) = doc["errors"]
    assert (e["sheet"], e["row"], e["column"], e["value"]) == ("Portefeuille", 3, "C (valeur)", "douze")
    assert "n'est pas un nombre" in e["message"]


def test_usage_errors_are_french_and_exit_2():
    p = run_cli("check")
    assert p.returncode == 2 and "erreur" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("check", "x.xlsx", "--date", "31-12-2009")
    assert p.returncode == 2 and "date invalide" in p.stderr


def test_formula_without_saved_result_is_named_as_such(tmp_path):
    """A workbook written by a program and never recalculated holds formulas with no result: the
    message says so, names the cell and shows the formula, rather than calling the cell empty."""
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, GOOD, ["Action", "7", "=C2*2", "EUR"], ["Autre", "7", "", "EUR"]])
    err = refused(path, "Feuille « Portefeuille »", "ligne 3", "colonne C (valeur)", "formule sans résultat enregistré",
                  "=C2*2")
    assert "ligne 4, colonne C (valeur) : case vide dans une colonne obligatoire" in err
