"""`reserves serve` and `reserves user`: the upload page's commands. Light to import; the server and the
database load only when a command runs."""

from __future__ import annotations

import getpass
import os
import sys


def add_commands(sub, parser_class) -> None:
    s = sub.add_parser("serve", help="servir la page de dépôt et l'API (navigateur, scripts)")
    s.add_argument("--hote", "--host", dest="host", default="127.0.0.1", metavar="ADRESSE",
                   help="adresse d'écoute (127.0.0.1 par défaut : cette machine seulement)")
    s.add_argument("--port", type=int, default=8000, help="port d'écoute (8000 par défaut)")
    _db_option(s)
    s.add_argument("--stockage", dest="storage", default="stockage", metavar="DOSSIER",
                   help="dossier des fichiers reçus (rangés par empreinte SHA-256) et des résultats")
    s.add_argument("--taille-max", dest="max_mb", type=float, default=20, metavar="MIO",
                   help="taille maximale d'un envoi, en Mio (20 par défaut)")
    s.add_argument("--quota", dest="quota_mb", type=float, default=500, metavar="MIO",
                   help="place maximale des fichiers gardés pour un même utilisateur, en Mio (500 par défaut)")
    s.add_argument("--https", action="store_true",
                   help="servi derrière un mandataire HTTPS : cookies « Secure » et en-tête HSTS")
    s.add_argument("--certificat", dest="certfile", metavar="FICHIER", help="certificat TLS (PEM) : sert en HTTPS")
    s.add_argument("--cle", dest="keyfile", metavar="FICHIER", help="clé privée TLS (PEM) du certificat")
    s.add_argument("--racine", dest="root_path", default="", metavar="CHEMIN",
                   help="préfixe d'URL quand un mandataire sert l'application sous un sous-chemin (ex. /reserves)")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("user", help="gérer les comptes de la page de dépôt (ajouter, lister, supprimer…)")
    us = u.add_subparsers(dest="user_command", metavar="ACTION", parser_class=parser_class)
    us.required = True
    a = us.add_parser("add", aliases=["ajouter"], help="créer un compte (mot de passe demandé, ou jeton d'API avec --jeton)")
    a.add_argument("name", metavar="NOM")
    a.add_argument("--mot-de-passe", "--password", dest="password", metavar="MDP",
                   help="mot de passe (« - » : lu sur l'entrée standard) ; demandé s'il est omis dans un terminal")
    a.add_argument("--jeton", "--token", dest="token", action="store_true",
                   help="créer aussi un jeton d'API (affiché une seule fois) pour « Authorization: Bearer »")
    _role_option(a)
    _db_option(a)
    a.set_defaults(func=cmd_user_add)
    ro = us.add_parser("role", help="changer le rôle d'un compte (utilisateur, controleur, admin)")
    ro.add_argument("name", metavar="NOM")
    ro.add_argument("role", metavar="ROLE", help=_ROLE_HELP)
    _db_option(ro)
    ro.set_defaults(func=cmd_user_role)
    ls = us.add_parser("list", aliases=["liste"], help="lister les comptes")
    _db_option(ls)
    ls.set_defaults(func=cmd_user_list)
    rm = us.add_parser("remove", aliases=["supprimer"], help="supprimer un compte (et fermer ses sessions)")
    rm.add_argument("name", metavar="NOM")
    _db_option(rm)
    rm.set_defaults(func=cmd_user_remove)
    pw = us.add_parser("password", aliases=["mot-de-passe"], help="changer le mot de passe d'un compte (ferme ses sessions)")
    pw.add_argument("name", metavar="NOM")
    pw.add_argument("--mot-de-passe", "--password", dest="password", metavar="MDP")
    _db_option(pw)
    pw.set_defaults(func=cmd_user_password)
    tk = us.add_parser("token", aliases=["jeton"], help="donner un nouveau jeton d'API à un compte (l'ancien cesse de valoir)")
    tk.add_argument("name", metavar="NOM")
    _db_option(tk)
    tk.set_defaults(func=cmd_user_token)


_ROLE_HELP = ("utilisateur (par défaut) : voit son propre travail ; controleur ou admin : voit le travail de tous et "
              "le journal d'audit entier")


def _role_option(p) -> None:
    p.add_argument("--role", default="utilisateur", metavar="ROLE", help=_ROLE_HELP)


def _db_option(p) -> None:
    p.add_argument("--base", dest="db", metavar="URL",
                   help="base de données (celle du journal d'audit) : URL SQLAlchemy ou fichier SQLite ; "
                        "par défaut $RESERVES_AUDIT_URL, sinon reserves-audit.sqlite3 dans le dossier courant")


def _store(args):
    from reserves.app.users import UserStore, database_url

    return UserStore(database_url(args.db))


def _read_password(args, *, required: bool) -> str | None:
    if args.password == "-":
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if args.password is not None:
        return args.password
    if not required and getattr(args, "token", False):
        return None
    if not sys.stdin.isatty():
        raise _Usage("mot de passe manquant : --mot-de-passe MDP, ou « --mot-de-passe - » pour le lire sur l'entrée "
                     "standard")
    first = getpass.getpass("Mot de passe : ")
    second = getpass.getpass("Confirmez le mot de passe : ")
    if first != second:
        raise _Usage("les deux saisies du mot de passe diffèrent")
    return first


class _Usage(Exception):
    pass


def _run(fn) -> int:
    from reserves.app.users import UserError

    try:
        return fn()
    except (UserError, _Usage) as exc:
        sys.stderr.write(f"Erreur : {exc}\n")
        return 2


def cmd_user_add(args) -> int:
    def run():
        password = _read_password(args, required=False)
        store = _store(args)
        token = store.add(args.name, password, token=args.token, role=args.role)
        print(f"Compte « {args.name.strip()} » créé (rôle {store.get(args.name.strip()).role}).")
        if token:
            print("Jeton d'API (conservez-le : il ne sera plus affiché) :")
            print(token)
        return 0

    return _run(run)


def cmd_user_list(args) -> int:
    def run():
        users = _store(args).list()
        if not users:
            print("Aucun compte.")
        for u in users:
            ways = ", ".join(x for x in ("mot de passe" if u.has_password else "", "jeton" if u.has_token else "") if x)
            print(f"{u.name}\t{ways}\t{u.role}\tcréé le {u.created_at:%d/%m/%Y %H:%M} UTC")
        return 0

    return _run(run)


def cmd_user_role(args) -> int:
    def run():
        store = _store(args)
        store.set_role(args.name, args.role)
        print(f"Rôle de « {args.name} » : {store.get(args.name).role}.")
        return 0

    return _run(run)


def cmd_user_remove(args) -> int:
    def run():
        _store(args).remove(args.name)
        print(f"Compte « {args.name} » supprimé.")
        return 0

    return _run(run)


def cmd_user_password(args) -> int:
    def run():
        password = _read_password(args, required=True)
        _store(args).set_password(args.name, password)
        print(f"Mot de passe de « {args.name} » changé ; ses sessions sont fermées.")
        return 0

    return _run(run)


def cmd_user_token(args) -> int:
    def run():
        token = _store(args).new_token(args.name)
        print("Nouveau jeton d'API (conservez-le : il ne sera plus affiché) :")
        print(token)
        return 0

    return _run(run)


def cmd_serve(args) -> int:
    import uvicorn

    from reserves.app.users import database_url
    from . import create_app
    from .settings import Settings

    if (args.certfile is None) != (args.keyfile is None):
        sys.stderr.write("Erreur : --certificat et --cle vont ensemble\n")
        return 2
    if not 1 <= args.port <= 65535:
        sys.stderr.write(f"Erreur : port invalide {args.port}\n")
        return 2
    if args.max_mb <= 0 or args.quota_mb <= 0:
        sys.stderr.write("Erreur : --taille-max et --quota doivent être positifs\n")
        return 2
    https = bool(args.https or args.certfile)
    settings = Settings(storage=args.storage, db_url=database_url(args.db), max_upload_bytes=int(args.max_mb * 1048576),
                        secure_cookies=https, root_path=args.root_path.rstrip("/"),
                        max_storage_per_user=int(args.quota_mb * 1048576))
    from reserves.app.audit import AuditError

    try:
        app = create_app(settings)
    except AuditError as exc:
        sys.stderr.write(f"Erreur : {exc}\n")
        return 2
    warning = app.state.audit.log.owner_warning()
    if warning:
        sys.stderr.write(f"Attention : {warning}.\n")
    if not app.state.users.list():
        sys.stderr.write("Attention : aucun compte ; créez-en un avec « reserves user add NOM » "
                         "avec la même --base).\n")
    if args.host not in ("127.0.0.1", "localhost", "::1") and not https:
        sys.stderr.write("Attention : page servie en HTTP sur le réseau ; placez-la derrière un mandataire HTTPS "
                         "(--https) ou donnez --certificat et --cle.\n")
    scheme = "https" if args.certfile else "http"
    print(f"Page de dépôt : {scheme}://{args.host}:{args.port}{settings.root_path}/  (Ctrl+C pour arrêter)")
    from sqlalchemy.engine import make_url

    print(f"Base : {make_url(settings.db_url).render_as_string(hide_password=True)}   Stockage : {settings.storage}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=https,
                ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, server_header=False)
    return 0
