"""The `reserves` command. Heavy imports stay inside the commands that need them."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import time

from .problems import print_problems

EXIT_INTERNAL = 4

# argparse's own words (headings, usage errors), in French.
_ARGPARSE_FR = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (au choix : %(choices)s)",
    "expected one argument": "une valeur attendue",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
}
argparse._ = lambda text: _ARGPARSE_FR.get(text, text)


class FrenchParser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: French, exit 2
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog} : erreur : {message}\n")
        sys.exit(2)


def parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"date invalide « {text} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA")


def add_free_columns_option(p) -> None:
    p.add_argument("--colonne-libre", "--free-column", dest="free_columns", action="append", default=[],
                   metavar="NOM", help="colonne de l'utilisateur dont l'en-tête ressemble à une colonne connue "
                                       "(« emeteur », « exlusion »…) : la garder telle quelle (répétable)")


def cmd_check(args) -> int:
    from reserves.portfolio.reader import one_read

    with one_read():  # the date the file states, then its lines: one read of the file
        return _check(args)


def _check(args) -> int:
    from constraints import rulebook
    from constraints.checker import check

    from reserves.portfolio.errors import InputError
    from reserves.portfolio.model import load

    try:  # SPEC §4: --date, else the date the file states, else today; then the version in force that day
        if args.date is not None:
            day, source = args.date, rulebook.SOURCE_OPTION
        else:
            from reserves.portfolio.reader import read_stated_date

            stated = read_stated_date(args.file, args.sheet)
            day, source = (stated[0], rulebook.SOURCE_FILE) if stated else (dt.date.today(), rulebook.SOURCE_TODAY)
        version = rulebook.for_date(day)
    except InputError as err:  # NoVersionInForce too
        return print_problems(err, args.json)
    if version.engine == "r139":  # R. 139-1 to R. 139-56: reserves/app/check139.py
        from reserves.app.check139 import run

        return run(args, version, day, source, print_problems)
    try:
        pf = load(args.file, sheet_name=args.sheet, free_columns=args.free_columns)
    except InputError as err:
        return print_problems(err, args.json)
    if getattr(args, "orders", None):  # pre-investment check: reserves/app/orders_cmd.py
        from reserves.app.orders_cmd import cli_check_orders

        return cli_check_orders(args, pf)
    verdict = check(pf, date=args.date)
    doc = None
    if args.json:
        doc = verdict.to_dict()
        doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    else:
        from reports.terminal import render

        render(verdict, pf, all_findings=getattr(args, "tout", False))
    from reserves.app.audit import cli as audit_cli  # standard library only; SQLAlchemy loads if a record is asked for

    if audit_cli.wanted(args):
        failed = audit_cli.record(args, "check", pf, verdict.version.id, verdict.status, doc or verdict.to_dict())
        if failed is not None:
            return failed
    return verdict.exit_code


def _has_nature_column(path, sheet) -> bool:
    """The file's header has R. 139's `nature` column (a look at its first rows; False when unreadable)."""
    from reserves.app.check139 import has_nature_header

    return has_nature_header(path, sheet)


def cmd_template(args) -> int:
    if getattr(args, "version", "R623") == "R139":
        from reserves.app.template139 import write_template
    else:
        from reserves.app.template import write_template

    write_template(args.output)
    print(f"Modèle écrit : {args.output}")
    return 0


def cmd_rules(args) -> int:
    from constraints import rulebook

    version = rulebook.for_date(args.date) if args.date else rulebook.latest()
    if args.json:
        doc = version.describe()
        doc["rules"] = [{"id": r.id, "article": r.article, "title": r.title, "quote": r.quote, **{
            k: v for k, v in r.params.items() if k in ("categories", "sense", "base")}, **(
            dict(zip(("limit", "limit_reference", "limit_since"), r.parameter("limit", args.date)))
            if "limit" in r.params else {})} for r in version.rules]
        print(json.dumps(doc, ensure_ascii=False, default=str, indent=2))
        return 0
    print(f"{version.id} — {version.title}")
    print(f"{version.set_by}, en vigueur {version.period_fr()}" + (f" ; remplacé par le {version.ended_by}" if version.ended_by else ""))
    for r in version.rules:
        lim = ref = ""
        if "limit" in r.params:
            value, reference, _ = r.parameter("limit", args.date)
            lim = f" — limite {float(r.limit(args.date)) * 100:g} %".replace(".", ",")
            ref = f"\n  limite fixée par : {reference}"
        print(f"\n{r.id} ({r.article}){lim}\n  {r.title}\n  « {r.quote} »{ref}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = FrenchParser(prog="reserves", description=(
        "Contrôle de conformité des placements des réserves (CSS, art. R. 623-3 à R. 623-10-4) "
        "et propositions de réallocation."))
    sub = p.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    sub.required = True
    _with_french_names(sub)

    c = sub.add_parser("check", help="contrôler un portefeuille (xlsx, ods, csv)")
    c.add_argument("file", metavar="FICHIER", help="portefeuille (xlsx, ods, csv)")
    c.add_argument("--json", action="store_true", help="verdict JSON sur la sortie standard")
    c.add_argument("--tout", action="store_true",
                   help="afficher tous les constats ligne à ligne (par défaut, au-delà d'un écran : un résumé par règle)")
    c.add_argument("--date", type=parse_date, help="date du contrôle : choisit la version du règlement en vigueur")
    c.add_argument("--feuille", "--sheet", dest="sheet", metavar="FEUILLE", help="feuille à lire (par défaut « Portefeuille », sinon la première)")
    add_free_columns_option(c)
    c.add_argument("--ordres", "--orders", dest="orders", metavar="ORDRES",
                   help="contrôle avant investissement : fichier d'ordres (colonnes du portefeuille, « montant » signé "
                        "à la place de « valeur » : positif achat, négatif vente)")
    c.add_argument("--alerte", "--warning", dest="warning", default="0.9", metavar="SEUIL",
                   help="avec --ordres : seuil d'alerte, part de la limite utilisée (0,9 par défaut)")
    c.add_argument("--transparence", action="append", metavar="FICHIER",
                   help="R. 139 : inventaire d'un fonds au format TPT (FinDatEx V5 à V7, xlsx ou csv) ; répétable")
    c.add_argument("--regime-simplifie", dest="regime_simplifie", nargs="?", const=True, default=None,
                   metavar="REGIMES", help="R. 139-10 : l'organisme (ou les régimes nommés, séparés par des virgules) "
                                           "est soumis au régime simplifié")
    c.add_argument("--regime-simplifie-depuis", dest="regime_simplifie_depuis", type=parse_date, metavar="DATE",
                   help="R. 139-11 : date depuis laquelle le régime simplifié s'applique (délais de cession)")
    c.add_argument("--anciennete-transparence", dest="anciennete_transparence", type=int, metavar="JOURS",
                   help="R. 139-49 : âge maximal d'un inventaire vu par transparence (92 jours par défaut)")
    from reserves.app.audit.cli import add_check_options

    add_check_options(c)
    c.set_defaults(func=cmd_check)

    t = sub.add_parser("template", help="écrire un modèle de portefeuille vide (xlsx)")
    t.add_argument("-o", "--output", default="modele.xlsx", metavar="FICHIER",
                   help="classeur à écrire (modele.xlsx par défaut) : feuille Lisez-moi, colonnes, listes déroulantes")
    t.add_argument("--version", choices=("R623", "R139"), default="R623", type=str.upper,
                   help="R623 (articles R. 623-3 à R. 623-10-4, par défaut) ou R139 (articles R. 139-1 à R. 139-56 : "
                        "colonne nature, feuilles Transparence et Titres)")
    t.set_defaults(func=cmd_template)

    r = sub.add_parser("rules", help="afficher les règles de la version du règlement en vigueur")
    r.add_argument("--date", type=parse_date)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_rules)

    from reserves.app.report_cmd import add_report_command  # report (its writers load only when run)

    add_report_command(sub, parse_date)

    from reserves.app.optimize_cmd import add_commands  # optimize, allocate (their models load only when run)

    add_commands(sub, FrenchParser)

    from reserves.app.audit.cli import add_audit_command  # audit list, show, verify (SQLAlchemy loads only when run)

    add_audit_command(sub, FrenchParser)

    from reserves.app.web.commands import add_commands as add_web_commands  # serve, user (FastAPI loads only when run)

    add_web_commands(sub, FrenchParser)
    return p


# Every command has its French name beside its English one (`reserves controler` is `reserves check`).
FRENCH_NAMES = {"check": "controler", "template": "modele", "rules": "regles", "report": "rapport",
                "optimize": "optimiser", "allocate": "allouer", "audit": "journal", "serve": "servir",
                "user": "utilisateur"}


def _with_french_names(sub) -> None:
    """Every command added to `sub` gets its French name as an argparse alias (same parser, shown in the help as
    argparse shows its aliases), given here so that each command module keeps its English name alone."""
    add = sub.add_parser

    def add_parser(name, **kwargs):
        french = FRENCH_NAMES.get(name)
        if french is not None:
            kwargs["aliases"] = [*kwargs.get("aliases", ()), french]
        return add(name, **kwargs)

    sub.add_parser = add_parser


def main(argv=None) -> int:
    """Run one command. Whatever happens inside, the exit code keeps its meaning: 0, 1 and 3 are verdicts
    and nothing else returns them; bad input is 2 and any other failure 4, each with a French message and
    never a traceback."""
    started = time.perf_counter()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.started = started  # the whole command's time, for the commands that report it
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        return 130
    except BrokenPipeError:  # the reader of the output went away: the verdict was not delivered
        with contextlib.suppress(Exception):
            sys.stderr.write("Sortie interrompue : le programme qui lisait la sortie s'est arrêté.\n")
        return EXIT_INTERNAL
    except SystemExit:
        raise
    except BaseException as exc:  # never a traceback for the user (a Rust panic is a BaseException too)
        from reserves.portfolio.errors import InputError

        if isinstance(exc, InputError):
            return print_problems(exc, getattr(args, "json", False))
        if isinstance(exc, MemoryError):
            sys.stderr.write("Erreur : mémoire insuffisante pour traiter ce fichier.\n")
            return EXIT_INTERNAL
        sys.stderr.write(f"Erreur interne inattendue ({type(exc).__name__}) : {str(exc)[:500]}\n"
                         "Merci de la signaler avec le fichier en cause.\n")
        return EXIT_INTERNAL
    if not isinstance(code, int) or isinstance(code, bool):
        sys.stderr.write("Erreur interne inattendue : la commande n'a pas rendu de code de sortie.\n")
        return EXIT_INTERNAL
    return code


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
