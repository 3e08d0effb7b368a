"""The `reserves report` command. Light to import: the writers load only when the command runs."""

from __future__ import annotations

import os

HELP = "produire le rapport (xlsx, html ou pdf) pour la commission financière et l'agent comptable"
EPILOG = """Exemples :
  reserves report portefeuille.xlsx -o rapport.xlsx
  reserves report portefeuille.xlsx -o rapport.pdf --proposition proposition.xlsx
  reserves report portefeuille.xlsx -o rapport.html --choc actions=-30 --choc immobilier=-15 --choc taux=+100
  reserves report portefeuille.xlsx -o rapport.pdf --audit --utilisateur "M. Martin"
  reserves report portefeuille.xlsx -o rapport.pdf --annexe
  reserves report portefeuille_r139.xlsx -o rapport.pdf --transparence tpt_fonds.xlsx
  reserves report portefeuille_r139.xlsx -o rapport.xlsx --regime-simplifie
  reserves report portefeuille_r139.xlsx -o rapport.pdf --proposition
  reserves report portefeuille_r139.xlsx -o rapport.pdf --choc actions=-30 --choc opci=-25 --choc USD=-10

Le règlement appliqué suit la date du portefeuille, comme pour « reserves check » : --date, sinon
la date indiquée dans le fichier, sinon la date du jour. Pour un portefeuille au 8 juillet 2019
ou après (articles R. 139-1 à R. 139-56), le rapport tient la synthèse par régime, l'allocation
par nature et les plafonds de l'article R. 139-41, les entités et le panier 5/10/40 (R. 139-45),
la part détenue de chaque émetteur (R. 139-46), l'exposition de change (R. 139-44), les contrats
compensés par contrepartie (R. 139-43), l'inventaire vu par transparence (R. 139-49), chaque
manquement avec son premier constat et son échéance (R. 139-48), et les points à vérifier ; le
choc de marché par nature (--choc opci=-25) ou par devise (--choc USD=-10), appliqué au
portefeuille vu par transparence et contrôlé à nouveau ; avec --proposition (sans fichier), la
proposition de « reserves optimize », ses opérations et les plafonds avant et après (avec
--proposition FICHIER, le classeur de « reserves optimize -o », contrôlé à nouveau).

Le format suit l'extension du fichier de sortie. Le PDF tient la synthèse, les limites, les
concentrations et les constats ; le détail ligne à ligne est dans le classeur (et le HTML),
et dans le PDF avec --annexe. Sans --choc, le scénario de choc est
actions -30 %, immobilier -15 %, taux +100 pb. Avec --audit (ou $RESERVES_AUDIT_URL défini),
le rapport est inscrit au journal d'audit : portefeuille lu (nom et SHA-256), version du
règlement, verdict et constats, nom et SHA-256 du rapport écrit. Codes de sortie : ceux de
« reserves check » (0 conforme, 1 manquement, 3 à vérifier), 2 en cas d'erreur de saisie
ou de journal d'audit inaccessible."""


PROPOSE = "\0optimiser"  # `--proposition` given alone: the report runs the optimizer (R. 139)


def add_report_command(sub, parse_date) -> None:
    import argparse

    r = sub.add_parser("report", help=HELP, description=HELP[0].upper() + HELP[1:] + ".", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("file", metavar="FICHIER", help="portefeuille (xlsx, ods, csv)")
    r.add_argument("-o", "--output", "--sortie", dest="output", required=True, metavar="RAPPORT",
                   help="fichier du rapport : rapport.xlsx, rapport.html ou rapport.pdf")
    r.add_argument("--proposition", metavar="FICHIER", nargs="?", const=PROPOSE,
                   help="proposition de réallocation (portefeuille après ordres, feuille « Portefeuille ») ; "
                        "R. 139 : le classeur de « reserves optimize -o », ou « --proposition » seul pour la calculer")
    r.add_argument("--date", type=parse_date, help="date du contrôle : choisit la version du règlement en vigueur")
    r.add_argument("--feuille", "--sheet", dest="sheet", metavar="FEUILLE", help="feuille à lire (par défaut « Portefeuille »)")
    r.add_argument("--choc", action="append", metavar="FAMILLE=VALEUR",
                   help="choc de marché : actions=-30, immobilier=-15, taux=+100 (points de base), devises=-10 ; "
                        "R. 139 : aussi une nature (opci=-25) ou une devise (USD=-10) ; répétable")
    r.add_argument("--sans-choc", action="store_true", help="ne pas inclure la vue de choc de marché")
    r.add_argument("--transparence", action="append", metavar="FICHIER",
                   help="R. 139 : inventaire d'un fonds au format TPT (FinDatEx V5 à V7, xlsx ou csv) ; répétable")
    r.add_argument("--regime-simplifie", dest="regime_simplifie", nargs="?", const=True, default=None,
                   metavar="REGIMES", help="R. 139-10 : l'organisme (ou les régimes nommés, séparés par des virgules) "
                                           "est soumis au régime simplifié, comme pour « reserves check »")
    r.add_argument("--regime-simplifie-depuis", dest="regime_simplifie_depuis", type=parse_date, metavar="DATE",
                   help="R. 139-11 : date depuis laquelle le régime simplifié s'applique (délais de cession)")
    r.add_argument("--anciennete-transparence", dest="anciennete_transparence", type=int, metavar="JOURS",
                   help="R. 139-49 : âge maximal d'un inventaire vu par transparence (92 jours par défaut)")
    r.add_argument("--annexe", action="store_true",
                   help="ajouter au PDF l'annexe du détail ligne à ligne (toujours dans le classeur et le HTML)")
    from reserves.app.audit.cli import add_audit_options  # standard library only

    add_audit_options(r, "le rapport")
    r.set_defaults(func=cmd_report)


def _same_file(a, b) -> bool:
    try:
        return os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _version(args):
    """(version, day, source, raw) as `reserves check` chooses them (SPEC §4): --date, else the file's date, else
    today. Without --date the `Portefeuille` sheet is read once, with R. 139's columns: `raw`, handed to the
    R. 139 reader (None when the date came from --date or the sheet is not an R. 139 table)."""
    import datetime as dt

    from constraints import rulebook
    from reserves.portfolio.errors import InputError

    raw = None
    if args.date is not None:
        day, source = args.date, rulebook.SOURCE_OPTION
    else:
        from reserves.portfolio.model139 import read_raw

        try:
            raw = read_raw(args.file, args.sheet)
            stated = (raw.as_of, raw.as_of_where) if raw.as_of is not None else None
        except InputError:  # not an R. 139 table: the date as `reserves check` reads it, the reader then says why
            from reserves.portfolio.reader import read_stated_date

            stated = read_stated_date(args.file, args.sheet)
        day, source = (stated[0], rulebook.SOURCE_FILE) if stated else (dt.date.today(), rulebook.SOURCE_TODAY)
    return rulebook.for_date(day), day, source, raw


def cmd_report(args) -> int:
    from reserves.portfolio.reader import one_read

    with one_read():  # the date the file states, then its lines: one read of the file
        return _report(args)


def _report(args) -> int:
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError

    try:
        version, day, source, raw = _version(args)
    except InputError as err:  # NoVersionInForce too
        return print_problems(err, False)
    if version.engine == "r139":
        return cmd_report139(args, version, day, source, raw)
    given = [o for o, a in (("--transparence", "transparence"), ("--regime-simplifie", "regime_simplifie"),
                            ("--regime-simplifie-depuis", "regime_simplifie_depuis"),
                            ("--anciennete-transparence", "anciennete_transparence")) if getattr(args, a, None)]
    if given:
        return print_problems(InputError.one(f"{', '.join(given)} : option(s) des portefeuilles R. 139 (au 8 juillet "
                                             "2019 ou après) ; ce portefeuille relève des articles R. 623-3 à "
                                             "R. 623-10-4"), False)
    if args.proposition == PROPOSE:
        return print_problems(InputError.one("--proposition : donner le fichier de la proposition (le portefeuille "
                                             "après ordres) pour un portefeuille R. 623"), False)
    return cmd_report623(args)


def cmd_report139(args, version, day, source, raw=None) -> int:
    """The report of an R. 139 portfolio: read as `reserves check` reads it, checked, written."""
    from constraints.r139.checker import check
    from constraints.r139.inputs import from_portfolio
    from reserves.app.check139 import earlier_observations
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError
    from reserves.portfolio.model139 import load

    from reports.r139_report import make_report139
    from reports.report import format_of

    try:
        format_of(args.output)
        if args.choc and args.sans_choc:
            raise InputError.one("--choc et --sans-choc : choisir l'un ou l'autre")
        proposal_file = args.proposition if args.proposition not in (None, PROPOSE) else None
        for source_file in (args.file, proposal_file, *(args.transparence or ())):
            if source_file and _same_file(source_file, args.output):
                raise InputError.one(f"le rapport « {args.output} » remplacerait le fichier lu « {source_file} » : "
                                     "choisissez un autre nom de sortie")
        from reports.r139_stress import parse_scenario139

        scenario = None if args.sans_choc else parse_scenario139(args.choc, version.extra.get("natures", {}))
        pf = load(args.file, sheet_name=args.sheet, transparence=args.transparence or (), as_of=day,
                  as_of_source=source, raw=raw)
        inp = from_portfolio(pf, args.file)
    except InputError as err:
        return print_problems(err, False)
    from reserves.app.audit import cli as audit_cli

    if audit_cli.wanted(args):
        found = earlier_observations(args, pf.source, day)
        if isinstance(found, int):
            return found
        inp.observations = list(inp.observations) + found
    from reserves.app.check139 import parse_regimes

    options = {"simplified": parse_regimes(args.regime_simplifie), "simplified_since": args.regime_simplifie_depuis,
               "max_age_days": args.anciennete_transparence}
    verdict = check(inp, version, as_of=day, **options)
    verdict.as_of_source = source
    try:
        data = make_report139(pf, verdict, args.output, annex=args.annexe, scenario=scenario,
                              proposal=proposal_file or args.proposition == PROPOSE, options=options,
                              observations=inp.observations)
    except InputError as err:
        return print_problems(err, False)
    from reports.text import VERDICT_FR

    print(f"Rapport écrit : {args.output} (règlement {version.id}, verdict : {VERDICT_FR[verdict.status].lower()})")
    if data.proposal is not None:
        p = data.proposal
        after = (f", contrôle après opérations : {VERDICT_FR[p.verdict_after.status].lower()}"
                 if p.verdict_after is not None else "")
        print(f"Proposition de réallocation : {p.status_fr}{after}")
    if audit_cli.wanted(args):
        from reserves.app.audit.entries import report_content, sha256_of

        doc = verdict.to_dict()
        doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
        extra = {}
        if data.proposal is not None:  # the proposal the report shows, and its verdict after the trades
            p = data.proposal
            if p.sha256:
                extra["proposal_file"] = {"name": p.source, "sha256": p.sha256}
            extra["proposal_status"] = {"status": p.status, "after": p.verdict_after.status
                                        if p.verdict_after is not None else None, "trades": len(p.trades)}
        if data.stress is not None:
            extra["stress"] = {"scenario": {k: str(a) for k, a in data.stress.scenario.items()},
                               "status_after": data.stress.status_after}
        status, payload = report_content(
            doc, fmt=format_of(args.output), output_name=os.path.basename(args.output),
            output_sha256=sha256_of(args.output), channel="cli", date=day.isoformat(), sheet=pf.sheet, **extra)
        failed = audit_cli.record(args, "report", pf, version.id, status, payload)
        if failed is not None:
            return failed
    return verdict.exit_code


def cmd_report623(args) -> int:
    from constraints import rulebook
    from constraints.checker import check
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError
    from reserves.portfolio.model import load

    from reports.report import format_of, make_report
    from reports.stress import parse_scenario

    try:
        rulebook.for_date(args.date)
        format_of(args.output)
        scenario = None if args.sans_choc else parse_scenario(args.choc)
        for source in (args.file, args.proposition):
            if source and _same_file(source, args.output):
                raise InputError.one(f"le rapport « {args.output} » remplacerait le fichier lu « {source} » : "
                                     "choisissez un autre nom de sortie")
        pf = load(args.file, sheet_name=args.sheet)
        verdict = check(pf, date=args.date)
        proposal = None
        if args.proposition:
            from reports.proposal import load_proposal

            proposal = load_proposal(args.proposition, pf, date=args.date, as_of=verdict.as_of)
        make_report(pf, verdict, args.output, proposal=proposal, scenario=scenario, date=args.date,
                    annex=args.annexe)
    except rulebook.NoVersionInForce as exc:
        return print_problems(InputError.one(str(exc)), False)
    except InputError as err:
        return print_problems(err, False)
    from reports.text import VERDICT_FR

    print(f"Rapport écrit : {args.output} (verdict : {VERDICT_FR[verdict.status].lower()})")
    from reserves.app.audit import cli as audit_cli  # SQLAlchemy loads only if a record is asked for

    if audit_cli.wanted(args):
        from reserves.app.audit.entries import report_content, sha256_of

        extra = {}
        if proposal is not None:
            extra["proposal_file"] = {"name": proposal.source, "sha256": getattr(proposal.pf_after, "sha256", None)}
        status, payload = report_content(
            verdict.to_dict(), fmt=format_of(args.output), output_name=os.path.basename(args.output),
            output_sha256=sha256_of(args.output), channel="cli", date=args.date.isoformat() if args.date else None,
            sheet=pf.sheet, **extra)
        failed = audit_cli.record(args, "report", pf, verdict.version.id, status, payload)
        if failed is not None:
            return failed
    return verdict.exit_code
