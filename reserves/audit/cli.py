"""`reserves audit list|show|verify`, and the recording of a check (`reserves check --audit`).

Only the standard library is imported here: SQLAlchemy loads when a command touches the database.
"""

from __future__ import annotations

import json
import os
import sys

from . import ENV_URL, AuditError, default_user

HELP_BASE = (f"base d'audit : URL SQLAlchemy (postgresql://utilisateur@serveur/base) ou fichier SQLite ; "
             f"par défaut ${ENV_URL}, sinon reserves-audit.sqlite3 dans le dossier courant")


def add_check_options(parser) -> None:
    """The options of `reserves check` that record to the audit log."""
    parser.add_argument("--audit", action="store_true",
                        help=f"enregistrer le contrôle dans le journal d'audit (automatique si ${ENV_URL} est défini)")
    parser.add_argument("--base", metavar="URL", help=HELP_BASE)
    parser.add_argument("--utilisateur", metavar="NOM", help="auteur du contrôle (par défaut : l'utilisateur du système)")


def wanted(args) -> bool:
    return bool(getattr(args, "audit", False) or getattr(args, "base", None) or os.environ.get(ENV_URL))


def record(args, kind: str, pf, version_id: str, status: str, payload: dict, orders=None) -> int | None:
    """Record one check if asked; returns an exit code (2) when the record could not be written."""
    if not wanted(args):
        return None
    try:
        from . import AuditLog

        with AuditLog(getattr(args, "base", None)) as log:
            rec = log.record(kind, getattr(args, "utilisateur", None) or default_user(), pf.source, pf.sha256,
                             version_id, status, payload, orders=orders)
    except AuditError as exc:
        sys.stderr.write(f"Erreur : {exc}\n")
        return 2
    sys.stderr.write(f"Journal d'audit : enregistrement n° {rec.id} ({rec.hash[:16]}…)\n")
    return None


def add_audit_command(sub, parser_class) -> None:
    a = sub.add_parser("audit", help="lire et vérifier le journal d'audit des contrôles")
    asub = a.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=parser_class)
    asub.required = True

    ls = asub.add_parser("list", help="derniers enregistrements, du plus récent au plus ancien")
    ls.add_argument("--limite", "--limit", dest="limit", type=int, default=20, metavar="N",
                    help="nombre d'enregistrements (20 par défaut ; 0 : tous)")
    ls.add_argument("--type", dest="kind", help="seulement ce type (check, orders, report, proposal)")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--base", metavar="URL", help=HELP_BASE)
    ls.set_defaults(func=cmd_list)

    sh = asub.add_parser("show", help="un enregistrement en entier")
    sh.add_argument("id", type=int, metavar="NUMERO")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--base", metavar="URL", help=HELP_BASE)
    sh.set_defaults(func=cmd_show)

    vf = asub.add_parser("verify", help="vérifier que la chaîne d'empreintes est intacte (code 0 intacte, 1 rompue)")
    vf.add_argument("--json", action="store_true")
    vf.add_argument("--base", metavar="URL", help=HELP_BASE)
    vf.set_defaults(func=cmd_verify)


def _open(args):
    from . import AuditLog

    return AuditLog(args.base)


def _fail(exc: Exception) -> int:
    sys.stderr.write(f"Erreur : {exc}\n")
    return 2


def cmd_list(args) -> int:
    try:
        with _open(args) as log:
            records = log.list(limit=max(args.limit, 0), kind=args.kind)
    except AuditError as exc:
        return _fail(exc)
    if args.json:
        keys = ("id", "created_at", "kind", "user", "file_name", "sha256", "version", "status", "hash")
        out = [{k: getattr(r, k) for k in keys} for r in records]
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    if not records:
        print("Journal d'audit vide.")
        return 0
    heads = ("n°", "date (UTC)", "type", "utilisateur", "fichier", "version", "verdict", "empreinte")
    rows = [(str(r.id), r.created_at[:19].replace("T", " "), r.kind, r.user, r.file_name or "—", r.version or "—",
             r.status or "—", r.hash[:12] + "…") for r in records]
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(heads)]
    print("Journal d'audit (du plus récent au plus ancien)")
    for row in [heads, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


def cmd_show(args) -> int:
    try:
        with _open(args) as log:
            rec = log.show(args.id)
    except AuditError as exc:
        return _fail(exc)
    if rec is None:
        sys.stderr.write(f"Erreur : enregistrement n° {args.id} introuvable dans le journal d'audit\n")
        return 2
    if args.json:
        sys.stdout.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
        return 0
    print(f"Enregistrement n° {rec.id} — {rec.kind}")
    print(f"  date (UTC)      : {rec.created_at}")
    print(f"  utilisateur     : {rec.user}")
    print(f"  fichier         : {rec.file_name or '—'}")
    print(f"  SHA-256         : {rec.sha256 or '—'}")
    print(f"  version         : {rec.version or '—'}")
    print(f"  verdict         : {rec.status or '—'}")
    if rec.orders is not None:
        print(f"  ordres          : {len(rec.orders) if isinstance(rec.orders, list) else 1}")
        for o in rec.orders if isinstance(rec.orders, list) else [rec.orders]:
            print("    " + json.dumps(o, ensure_ascii=False))
    findings = rec.payload.get("findings") if isinstance(rec.payload, dict) else None
    if findings:
        print(f"  constats        : {len(findings)}")
        for f in findings[:50]:
            print(f"    [{f.get('status')}] {f.get('rule')} — {f.get('subject')} : {f.get('message')}")
        if len(findings) > 50:
            print(f"    … et {len(findings) - 50} autre(s) (voir --json)")
    print(f"  empreinte préc. : {rec.prev_hash}")
    print(f"  empreinte       : {rec.hash}")
    return 0


def cmd_verify(args) -> int:
    try:
        with _open(args) as log:
            ok, bad, message = log.verify()
    except AuditError as exc:
        return _fail(exc)
    if args.json:
        sys.stdout.write(json.dumps({"intact": ok, "first_bad_id": bad, "message": message}, ensure_ascii=False) + "\n")
    elif ok:
        print(f"Journal d'audit : {message}")
    else:
        sys.stderr.write(f"Journal d'audit NON INTÈGRE : {message}\n")
    return 0 if ok else 1
