"""`reserves audit list|show|verify`, and the recording of a check, a report or a proposal
(`reserves check|report|optimize --audit`).

Only the standard library is imported here: SQLAlchemy loads when a command touches the database.
"""

from __future__ import annotations

import json
import os
import sys

from . import ENV_URL, KINDS, AuditError, default_user
from .entries import CHANNEL_FR, findings_of, kind_fr, result_fr, status_fr

HELP_BASE = (f"base d'audit : URL SQLAlchemy (postgresql://utilisateur@serveur/base) ou fichier SQLite ; "
             f"par défaut ${ENV_URL}, sinon reserves-audit.sqlite3 dans le dossier courant")


def add_audit_options(parser, what: str = "le contrôle") -> None:
    """`--audit`, `--base`, `--utilisateur`: the options of a command that records to the audit log
    (`what`: what it records, e.g. « le rapport »)."""
    parser.add_argument("--audit", action="store_true",
                        help=f"enregistrer {what} dans le journal d'audit (automatique si ${ENV_URL} est défini)")
    parser.add_argument("--base", metavar="URL", help=HELP_BASE)
    parser.add_argument("--utilisateur", metavar="NOM",
                        help="nom inscrit au journal d'audit (par défaut : l'utilisateur du système)")


def add_check_options(parser) -> None:
    """The options of `reserves check` that record to the audit log."""
    add_audit_options(parser, "le contrôle")


def wanted(args) -> bool:
    return bool(getattr(args, "audit", False) or getattr(args, "base", None) or os.environ.get(ENV_URL))


def record(args, kind: str, pf, version_id: str, status: str, payload: dict, orders=None) -> int | None:
    """Record one check, report or proposal on `pf` (its name and SHA-256) if asked; returns an exit code (2) when
    the record could not be written."""
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
    a = sub.add_parser("audit", help="lire et vérifier le journal d'audit des contrôles, rapports et propositions")
    asub = a.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=parser_class)
    asub.required = True

    ls = asub.add_parser("list", aliases=["liste"], help="derniers enregistrements, du plus récent au plus ancien")
    ls.add_argument("--limite", "--limit", dest="limit", type=int, default=20, metavar="N",
                    help="nombre d'enregistrements (20 par défaut ; 0 : tous)")
    ls.add_argument("--type", dest="kind", type=_kind, metavar="TYPE",
                    help="seulement ce type : check ou controle, orders ou ordres (contrôle avant investissement), "
                         "report ou rapport, proposal ou proposition (proposition de réallocation), request ou "
                         "requete (requête refusée ou en erreur de la page web)")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--base", metavar="URL", help=HELP_BASE)
    ls.set_defaults(func=cmd_list)

    sh = asub.add_parser("show", aliases=["voir"], help="un enregistrement en entier")
    sh.add_argument("id", type=int, metavar="NUMERO")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--base", metavar="URL", help=HELP_BASE)
    sh.set_defaults(func=cmd_show)

    vf = asub.add_parser("verify", aliases=["verifier"], help="vérifier les sceaux, la chaîne et l'ancre du journal (code 0 intact, "
                                        "1 altéré, tronqué ou restauré, 2 vérification impossible)")
    vf.add_argument("--recu", "--receipt", dest="receipts", action="append", default=[], metavar="FICHIER",
                    help="reçu de « reserves audit anchor » gardé ailleurs, à comparer aussi (répétable)")
    vf.add_argument("--json", action="store_true")
    vf.add_argument("--base", metavar="URL", help=HELP_BASE)
    vf.set_defaults(func=cmd_verify)

    it = asub.add_parser("init", aliases=["initialiser"], help="créer la clé (hors de la base) et l'ancre d'un nouveau journal ; sur "
                                      "PostgreSQL, limiter le rôle de l'application à la lecture et à l'ajout")
    it.add_argument("--role-application", dest="app_role", metavar="ROLE",
                    help="PostgreSQL : rôle avec lequel l'application se connecte (lecture et ajout seulement) ; "
                         "la commande se lance avec le rôle propriétaire")
    it.add_argument("--base", metavar="URL", help=HELP_BASE)
    it.set_defaults(func=cmd_init)

    an = asub.add_parser("anchor", aliases=["ancrer"], help="vérifier le journal puis afficher un reçu scellé de sa tête, à garder "
                                        "ailleurs (reserves audit verify --recu)")
    an.add_argument("--base", metavar="URL", help=HELP_BASE)
    an.set_defaults(func=cmd_anchor)


_KIND_ALIASES = {"controle": "check", "contrôle": "check", "ordres": "orders", "rapport": "report",
                 "proposition": "proposal", "requete": "request", "requête": "request"}


def _kind(text: str) -> str:
    import argparse

    kind = _KIND_ALIASES.get(text.strip().lower(), text.strip().lower())
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(f"type inconnu « {text} » : attendu check (controle), orders (ordres), "
                                         "report (rapport), proposal (proposition) ou request (requete)")
    return kind


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
    heads = ("n°", "date (UTC)", "opération", "utilisateur", "fichier", "version", "résultat", "empreinte")
    rows = [(str(r.id), r.created_at[:19].replace("T", " "), kind_fr(r.kind), r.user, r.file_name or "—",
             r.version or "—", result_fr(r.kind, r.status, r.payload), r.hash[:12] + "…") for r in records]
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(heads)]
    print("Journal d'audit (du plus récent au plus ancien)")
    for row in [heads, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


def _show_line(label: str, value) -> None:
    print(f"  {label:<17}: {value}")


def _trade_text(t) -> str:
    """A proposed trade on one line: « vente 12 000,00 € : ligne 7 — Actions Orange »."""
    if not isinstance(t, dict) or "sens" not in t:
        return json.dumps(t, ensure_ascii=False)
    from reserves.portfolio.fmt import fr_euros

    amount = t.get("montant")
    amount = fr_euros(round(amount * 100)) if isinstance(amount, (int, float)) else ""
    where = f"ligne {t['row']} — " if t.get("row") is not None else ""
    return f"{t['sens']} {amount} : {where}{t.get('libelle') or ''}".rstrip()


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
    payload = rec.payload if isinstance(rec.payload, dict) else {}
    print(f"Enregistrement n° {rec.id} — {kind_fr(rec.kind)}")
    _show_line("date (UTC)", rec.created_at)
    _show_line("utilisateur", rec.user)
    if payload.get("channel"):
        _show_line("origine", CHANNEL_FR.get(payload["channel"], payload["channel"]))
    _show_line("fichier", rec.file_name or "—")
    _show_line("SHA-256", rec.sha256 or "—")
    _show_line("version", rec.version or "—")
    _show_line("verdict" if rec.kind != "proposal" else "résultat", status_fr(rec.status) or "—")
    if rec.kind == "proposal":
        if payload.get("objective"):
            _show_line("objectif", payload.get("objective_fr") or payload["objective"])
        _show_line("verdict après", status_fr(payload.get("verdict_after")) or "—")
    output = payload.get("output") if isinstance(payload.get("output"), dict) else None
    if output and (output.get("name") or output.get("sha256")):
        what = "rapport" if rec.kind == "report" else "classeur"
        fmt = f" ({payload['format']})" if payload.get("format") else ""
        _show_line(what, (output.get("name") or "—") + fmt)
        _show_line(f"SHA-256 {what}", output.get("sha256") or "—")
    read = payload.get("proposal_file") if isinstance(payload.get("proposal_file"), dict) else None
    if read:
        _show_line("proposition lue", read.get("name") or "—")
        _show_line("SHA-256 prop. lue", read.get("sha256") or "—")
    if rec.orders is not None:
        orders = rec.orders if isinstance(rec.orders, list) else [rec.orders]
        _show_line("ordres proposés" if rec.kind == "proposal" else "ordres", len(orders))
        for o in orders:
            print("    " + (_trade_text(o) if rec.kind == "proposal" else json.dumps(o, ensure_ascii=False)))
    findings = findings_of(payload)
    if findings:
        _show_line("constats après" if rec.kind == "proposal" else "constats", len(findings))
        for f in findings[:50]:
            print(f"    [{status_fr(f.get('status'))}] {f.get('rule')} — {f.get('subject')} : {f.get('message')}")
        if len(findings) > 50:
            print(f"    … et {len(findings) - 50} autre(s) (voir --json)")
    _show_line("empreinte préc.", rec.prev_hash)
    _show_line("empreinte", rec.hash)
    return 0


def _receipts(paths) -> list:
    """The receipts named on the command line: one JSON object per non-empty line."""
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = [ln for ln in fh.read(1 << 20).splitlines() if ln.strip()]
        except OSError as exc:
            raise AuditError(f"reçu illisible « {path} » : {exc.strerror or exc}") from None
        for ln in lines:
            try:
                out.append(json.loads(ln))
            except json.JSONDecodeError:
                raise AuditError(f"reçu illisible « {path} » : une ligne n'est pas du JSON") from None
    return out


def cmd_verify(args) -> int:
    try:
        receipts = _receipts(args.receipts)
        with _open(args) as log:
            v = log.check(receipts)
            warning = log.owner_warning()
    except AuditError as exc:
        return _fail(exc)
    if warning:
        sys.stderr.write(f"Attention : {warning}\n")
    if args.json:
        sys.stdout.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
    elif v.ok:
        print(f"Journal d'audit : {v.message}")
    else:
        sys.stderr.write("Journal d'audit NON INTÈGRE :\n")
        for p in v.problems:
            sys.stderr.write(f"  - {p.message}\n")
        if v.more:
            sys.stderr.write(f"  … et {v.more} autre(s) problème(s)\n")
    return 0 if v.ok else 1


def cmd_init(args) -> int:
    try:
        with _open(args) as log:
            done = log.init(args.app_role)
    except AuditError as exc:
        return _fail(exc)
    for line in done:
        print(f"Journal d'audit : {line}")
    return 0


def cmd_anchor(args) -> int:
    try:
        with _open(args) as log:
            receipt = log.anchor_receipt()
    except AuditError as exc:
        return _fail(exc)
    sys.stdout.write(json.dumps(receipt, ensure_ascii=False) + "\n")
    sys.stderr.write(f"Reçu du journal d'audit : n° {receipt['enregistrements']}, empreinte "
                     f"{receipt['empreinte'][:16]}… ; gardez cette ligne ailleurs (courriel, autre machine) et "
                     "comparez-la plus tard : reserves audit verify --recu FICHIER\n")
    return 0
