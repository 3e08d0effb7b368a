"""Outputs are written to a temporary file in the same folder and renamed at the end.

On a full disk (a 64 Kio tmpfs, mounted when the tests run as root), `report`, `optimize`,
`allocate` and `template -o` say so in French with exit code 2, leave no 0-byte or half-written
file behind, and leave an older file of the same name as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from helpers import ROOT, run_main

DATE = "2016-12-31"
SAMPLE = ROOT / "samples" / "portefeuille_manquements.xlsx"
PARAMS = ROOT / "samples" / "parametres_allocation.yaml"


@pytest.fixture
def full_disk(tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("un petit tmpfs se monte en root seulement")
    mnt = tmp_path / "disque"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"tmpfs impossible ici : {p.stderr.strip()}")
    try:
        (mnt / "ancien.xlsx").write_bytes(b"ancien contenu")
        with open(mnt / "remplissage", "wb", buffering=0) as fh:  # fill the disk up to its last few Kio
            try:
                while True:
                    fh.write(b"\0" * 1024)
            except OSError:
                pass
        os.truncate(mnt / "remplissage", max(os.path.getsize(mnt / "remplissage") - 4096, 0))
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


COMMANDS = {
    "rapport.xlsx": ["report", str(SAMPLE), "--date", DATE, "--sans-choc", "-o"],
    "rapport.html": ["report", str(SAMPLE), "--date", DATE, "--sans-choc", "-o"],
    "proposition.xlsx": ["optimize", str(SAMPLE), "--date", DATE, "-o"],
    "allocation.xlsx": ["allocate", str(PARAMS), "--date", DATE, "-o"],
    "modele.xlsx": ["template", "-o"],
}


def _left(folder) -> set[str]:
    return {n for n in os.listdir(folder) if n not in ("remplissage", "ancien.xlsx")}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_full_disk_is_a_french_message_and_leaves_no_file(full_disk, name):
    out = full_disk / name
    code, stdout, err = run_main(COMMANDS[name] + [str(out)])
    assert code == 2, f"{name}: exit {code}\n{err[-1500:]}"
    assert "disque plein" in err and "Traceback" not in err, err
    assert _left(full_disk) == set(), _left(full_disk)  # no 0-byte file, no temporary file


def test_an_older_file_of_the_same_name_is_left_as_it_was(full_disk):
    old = full_disk / "ancien.xlsx"
    code, _, err = run_main(["template", "-o", str(old)])
    assert code == 2 and "disque plein" in err, err
    assert old.read_bytes() == b"ancien contenu"
    assert _left(full_disk) == set()


def test_the_helper_writes_complete_files_only(tmp_path):
    from reserves.portfolio.outputs import OutputError, atomic_path, write_bytes

    target = tmp_path / "f.bin"
    write_bytes(target, b"complet")
    assert target.read_bytes() == b"complet"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"moiti")
            raise RuntimeError("interrompu")
    assert target.read_bytes() == b"complet" and os.listdir(tmp_path) == ["f.bin"]
    with pytest.raises(OutputError) as err:
        write_bytes(tmp_path / "absent" / "f.bin", b"x")
    assert "dossier introuvable" in str(err.value)
    code, _, err = run_main(["template", "-o", str(tmp_path / "absent" / "modele.xlsx")])
    assert code == 2 and "dossier introuvable" in err and "Traceback" not in err
