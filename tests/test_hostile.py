"""Hostile files: each ends with exit 2 (or an HTTP 4xx) and a French message, in bounded time and memory.

Far-away cells, huge used ranges, a million empty rows, repeated ods rows and columns, numbers that
are not finite in every kind of cell, zip headers that lie about a member's size (`hostile.py`
builds them from the samples by editing their XML). Each goes through the real command
(`reserves check FILE --json`, its memory measured by the kernel's accounting of that child) and
through a real `reserves serve`, which must answer the next request. Files whose shape only looks
hostile (an inflated declared dimension, a million styled but empty rows, LibreOffice's trailing
repeated rows) are read: the empty area is left out, and they get their verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import hostile as H
from helpers import ROOT

sys.path.insert(0, str(Path(__file__).parent / "e2e"))
from _server import running_server  # noqa: E402

SAMPLES = ROOT / "samples"
MAX_RSS = 1024 * 1024 * 1024  # bytes
MAX_CPU_S = 10.0  # processor time of the command (wall time is the loaded machine's, not the product's)
GUARD_S = 180  # a hang, not a slow machine


def _x():
    return (SAMPLES / "portefeuille_conforme.xlsx").read_bytes()


def _o():
    return (SAMPLES / "portefeuille_conforme.ods").read_bytes()


REFUSED = {
    "cellule_XFD1048576.xlsx": lambda: H.xlsx_far_cell(_x()),
    "cellule_ALL100000.xlsx": lambda: H.xlsx_far_cell(_x(), "ALL100000"),
    "texte_en_XFD1000.xlsx": lambda: H.xlsx_far_cell(_x(), "XFD1000", b"<is><t>loin</t></is>", b' t="inlineStr"'),
    "million_lignes_puis_une.xlsx": lambda: H.xlsx_empty_rows(_x(), then_a_line=True),
    "lignes_de_textes_vides.xlsx": lambda: H.xlsx_blank_string_rows(_x(), 60_000),
    "entete_zip_menteur_feuille.xlsx": lambda: H.lying_zip_header(_x(), H.XLSX_SHEET),
    "entete_zip_menteur_styles.xlsx": lambda: H.lying_zip_header(_x(), "xl/styles.xml"),
    "lignes_repetees.ods": lambda: H.ods_repeated_rows(_o()),
    "lignes_vides_repetees_puis_une.ods": lambda: H.ods_repeated_rows(_o(), content=False, then_a_line=True),
    "colonnes_repetees.ods": lambda: H.ods_repeated_columns(_o(), 16_000, 1_000),
    "cellule_lointaine.ods": lambda: H.ods_far_cell(_o()),
    "entete_zip_menteur.ods": lambda: H.lying_zip_header(_o(), H.ODS_CONTENT),
    "date_hors_limites.xlsx": lambda: H.xlsx_number(H.base_xlsx(), "L3", b"-1e308"),
}
NON_FINITE = {}  # a number that is not finite in every kind of cell, each of its spellings
for _k, (_kind, _ref) in enumerate(H.BASE_KINDS.items()):
    for _j, _text in enumerate((b"-1e400", b"1e400", b"inf", b"nan")):
        _name = f"non_fini_{_kind.split(' ')[0]}_{_ref}_{_text.decode()}.xlsx"
        NON_FINITE[_name] = lambda ref=_ref, text=_text: H.xlsx_number(H.base_xlsx(), ref, text)
        if _j == _k % 4:  # through the real command and the server: one spelling per kind of cell
            REFUSED[_name] = NON_FINITE[_name]
for _type, _value in (("float", b"-1e400"), ("percentage", b"nan"), ("currency", b"inf")):
    REFUSED[f"non_fini_{_type}.ods"] = (lambda t=_type, v=_value: H.ods_cell_value(
        _o(), 4, 2, b'<table:table-cell office:value-type="%s" office:value="%s" office:currency="EUR"><text:p>x'
                    b'</text:p></table:table-cell>' % (t.encode(), v)))

READ = {  # shapes that only look hostile: read, their empty area left out
    "cellule_vide_en_XFD1048576.xlsx": lambda: H.xlsx_far_empty_cell(_x()),
    "dimension_declaree_XFD1048576.xlsx": lambda: H.xlsx_huge_dimension(_x()),
    "million_lignes_vides.xlsx": lambda: H.xlsx_empty_rows(_x()),
    "lignes_vides_repetees.ods": lambda: H.ods_repeated_rows(_o(), content=False),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostiles")
    out = {}
    for name, build in {**REFUSED, **READ}.items():  # (NON_FINITE's others are built by their own test)
        path = d / name
        path.write_bytes(build())
        out[name] = path
    return out


def _measure(*args):
    """Run through a small wrapper that reports the child's own rusage (wait4), so each file is measured alone."""
    code = ("import os, sys, json, subprocess\n"
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
            "out, err = b'', b''\n"
            "import threading\n"
            "bufs = {}\n"
            "def pump(name, f): bufs[name] = f.read()\n"
            "ts = [threading.Thread(target=pump, args=(n, f)) for n, f in (('out', p.stdout), ('err', p.stderr))]\n"
            "[t.start() for t in ts]\n"
            "_, status, ru = os.wait4(p.pid, 0)\n"
            "[t.join() for t in ts]\n"
            "print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'cpu': ru.ru_utime + ru.ru_stime,\n"
            "                  'rss': ru.ru_maxrss * 1024, 'out': bufs['out'].decode(), 'err': bufs['err'].decode()}))\n")
    env = dict(os.environ, RUST_BACKTRACE="0")
    p = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "reserves.app.cli", *args],
                       capture_output=True, text=True, timeout=GUARD_S, env=env, cwd=str(ROOT))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _french(message: str) -> bool:
    words = (" le ", " la ", " de ", " du ", " des ", " : ", "cellule", "fichier", "nombre", "ligne", "feuille")
    return any(w in message for w in words) and "Traceback" not in message and "Error" not in message


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_file_is_refused_by_the_command_in_bounded_time_and_memory(files, name):
    path = files[name]
    before = path.read_bytes()
    r = _measure("check", str(path), "--json")
    assert r["code"] == 2, f"{name}: exit {r['code']}\n{r['err'][-2000:]}"
    doc = json.loads(r["out"])
    assert doc["status"] == "error" and doc["errors"], name
    for e in doc["errors"]:
        assert _french(e["message"]), e["message"]
    assert r["err"].startswith("Erreur : ") and "Traceback" not in r["err"] and "panicked" not in r["err"], r["err"]
    assert r["cpu"] <= MAX_CPU_S, f"{name}: {r['cpu']:.1f} s de calcul"
    assert r["rss"] <= MAX_RSS, f"{name}: {r['rss'] / 2**20:.0f} Mio"
    assert path.read_bytes() == before  # the user's file is never modified


def test_every_spelling_of_a_number_that_is_not_finite_in_every_kind_of_cell(tmp_path):
    from helpers import run_main

    for name, build in NON_FINITE.items():
        path = tmp_path / name
        path.write_bytes(build())
        code, out, err = run_main(["check", str(path), "--json"])
        assert code == 2, f"{name}: exit {code}\n{err[-1000:]}"
        message = json.loads(out)["errors"][0]["message"]
        assert "non fini" in message or "date impossible" in message, message
        assert "ligne" in message and "colonne" in message, message


@pytest.mark.parametrize("name", sorted(READ))
def test_an_empty_area_is_left_out_and_the_file_gets_its_verdict(files, name):
    r = _measure("check", str(files[name]), "--json", "--date", "2016-12-31")
    assert r["code"] == 0, f"{name}: exit {r['code']}\n{r['err'][-2000:]}"
    assert json.loads(r["out"])["status"] == "ok"
    assert r["cpu"] <= MAX_CPU_S and r["rss"] <= MAX_RSS, (name, r["cpu"], r["rss"])


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serveur-hostile")) as srv:
        yield srv


def _vm_hwm(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def test_every_hostile_upload_is_refused_and_the_server_answers_the_next_request(server, files):
    headers = {"Authorization": f"Bearer {server.token}"}
    sample = SAMPLES / "portefeuille_conforme.xlsx"
    with httpx.Client(base_url=server.url, timeout=GUARD_S, headers=headers) as c:
        for name in sorted(REFUSED):
            start = time.monotonic()
            r = c.post("/api/check", files={"file": (name, files[name].read_bytes())})
            took = time.monotonic() - start
            assert 400 <= r.status_code < 500, f"{name}: HTTP {r.status_code} {r.text[:500]}"
            doc = r.json()
            assert doc["status"] == "error" and doc["errors"], name
            assert all(_french(e["message"]) for e in doc["errors"]), doc["errors"]
            assert took < GUARD_S, name
            assert server.proc.poll() is None, f"{name}: le serveur s'est arrêté"
            ok = c.post("/api/check", files={"file": (sample.name, sample.read_bytes())})
            assert ok.status_code == 200 and ok.json()["status"] == "ok", f"après {name}: {ok.text[:300]}"
    assert _vm_hwm(server.proc.pid) <= MAX_RSS


def test_an_unforeseen_case_costs_one_request_not_the_service(tmp_path, monkeypatch):
    """With a processor-time limit too small for a large file, the reading worker is killed: the upload is
    refused in French, and the server goes on answering (the same file under the normal limit is read)."""
    lines = (SAMPLES / "portefeuille_conforme.csv").read_bytes().split(b"\r\n")
    head = next(i for i, ln in enumerate(lines) if ln.startswith(b"libelle;")) + 1  # title, date, header
    body = [ln for ln in lines[head:] if ln.strip(b";")]
    big = b"\r\n".join(lines[:head] + body * (19 * 1024 * 1024 // sum(len(b) + 2 for b in body))) + b"\r\n"
    monkeypatch.setenv("RESERVES_LECTURE_CPU_S", "1")
    sample = SAMPLES / "portefeuille_conforme.xlsx"
    with running_server(tmp_path / "a") as srv, httpx.Client(base_url=srv.url, timeout=GUARD_S) as c:
        headers = {"Authorization": f"Bearer {srv.token}"}
        for _ in range(2):
            r = c.post("/api/check", headers=headers, files={"file": ("gros.csv", big)})
            assert r.status_code == 413, r.text[:500]  # beyond what the server will process: 413 (RFC 9110)
            message = r.json()["errors"][0]["message"]
            assert "limites du serveur" in message and "gros.csv" in message, message
            assert srv.proc.poll() is None
        ok = c.post("/api/check", headers=headers, files={"file": (sample.name, sample.read_bytes())})
        assert ok.status_code == 200, ok.text[:300]
    monkeypatch.setenv("RESERVES_LECTURE_MEMOIRE_MO", "40")  # too little even to start: refused, not a crash
    with running_server(tmp_path / "b") as srv, httpx.Client(base_url=srv.url, timeout=GUARD_S) as c:
        r = c.post("/api/check", headers={"Authorization": f"Bearer {srv.token}"},
                   files={"file": (sample.name, sample.read_bytes())})
        assert r.status_code == 413 and "limites du serveur" in r.json()["errors"][0]["message"], r.text[:500]
        assert srv.proc.poll() is None and c.get("/connexion").status_code == 200


def test_the_worker_reads_a_file_and_passes_on_its_problems(tmp_path):
    from reserves.app.web import sandbox
    from reserves.portfolio.errors import InputError

    pf = sandbox.read("portfolio", str(SAMPLES / "portefeuille_conforme.xlsx"))
    assert len(pf) > 50 and pf.sha256
    bad = tmp_path / "loin.xlsx"
    bad.write_bytes(H.xlsx_far_cell(_x()))
    with pytest.raises(InputError) as err:
        sandbox.read("portfolio", str(bad))
    assert "XFD1048576" in str(err.value)
