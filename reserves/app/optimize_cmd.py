"""The `reserves optimize` and `reserves allocate` commands (argument parsing is light: the models
are imported only when a command runs)."""

from __future__ import annotations

import json
import os
import sys
import time

from reserves.portfolio.fmt import fr_seconds

OBJECTIVES_FR = {"rotation": "turnover", "cout": "cost", "coût": "cost", "cible": "target"}


def _number(text: str, what: str):
    from reserves.portfolio import parsing as P
    from reserves.portfolio.errors import InputError

    try:
        return P.to_decimal(text)
    except (P.BadCell, ValueError):
        raise InputError.one(f"{what} : nombre attendu, lu « {text} »") from None


def _pairs(items, what: str, percent: bool) -> dict:
    """`CLE=VALEUR` pairs; values in percent (points) when `percent`."""
    from reserves.portfolio.errors import InputError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise InputError.one(f"{what} : attendu CLE=VALEUR, lu « {item} »")
        k, v = item.split("=", 1)
        x = _number(v.replace("%", ""), what)
        out[k.strip()] = x / 100 if percent else x
    return out


def _points(text: str | None, what: str):
    if text is None:
        return None
    return _number(text.replace("%", ""), what) / 100


def add_commands(sub, parser_class) -> None:
    o = sub.add_parser("optimize", help="proposer les opérations qui rendent le portefeuille conforme (Pyomo + HiGHS)",
                       description=(
                           "Propose les ventes et achats, ligne par ligne, après lesquels toutes les limites des "
                           "articles R. 623-3 et R. 623-10-1 sont tenues, au moindre coût ; pour un portefeuille "
                           "daté d'après le 8 juillet 2019, celles des articles R. 139-1 à R. 139-56, sur l'actif vu "
                           "par transparence (panier des 5/10/40 %% en nombres entiers). Chaque proposition est "
                           "contrôlée à nouveau par le vérificateur. Codes de sortie : 0 proposition conforme, "
                           "1 aucun portefeuille conforme possible (conflit expliqué), 2 entrée invalide ou "
                           "journal d'audit inaccessible, 3 conforme sauf règles à vérifier faute de données. "
                           "Avec --audit, la proposition est inscrite au journal d'audit : portefeuille lu (nom et "
                           "SHA-256), version du règlement, ordres proposés, verdict après les ordres et constats."))
    o.add_argument("file", metavar="FICHIER", help="portefeuille (xlsx, ods, csv)")
    o.add_argument("-o", "--output", metavar="PROPOSITION.xlsx",
                   help="classeur de la proposition ; sa feuille « Portefeuille » se relit avec « reserves check »")
    o.add_argument("--json", action="store_true", help="proposition JSON sur la sortie standard")
    o.add_argument("--date", type=_date, metavar="DATE", help="date : choisit la version du règlement en vigueur")
    o.add_argument("--feuille", "--sheet", dest="sheet", metavar="FEUILLE", help="feuille du portefeuille")
    o.add_argument("--objectif", default="rotation", choices=["rotation", "cout", "cible"],
                   help="rotation minimale (défaut), coût de transaction minimal, ou écart minimal à une cible")
    o.add_argument("--bloquer-ligne", dest="lock_rows", type=int, action="append", metavar="LIGNE",
                   help="ligne du tableur à ne pas négocier (répétable)")
    o.add_argument("--bloquer-categorie", dest="lock_cats", action="append", metavar="CAT",
                   help="catégorie à ne pas négocier, par ex. 9 (répétable)")
    o.add_argument("--univers", nargs="?", const="", metavar="FICHIER",
                   help="instruments achetables : feuille « Univers » du fichier (par défaut le portefeuille lui-même) ; "
                        "sans univers, seules les lignes détenues peuvent être renforcées")
    o.add_argument("--tresorerie", default="0", metavar="EUROS",
                   help="recettes à placer (positif) ou prestations à payer (négatif), poche réserves ; R. 139 : "
                        "dans l'actif de placement (un seul régime)")
    o.add_argument("--tresorerie-gestion", default="0", metavar="EUROS", help="idem pour la poche gestion")
    o.add_argument("--tresorerie-regime", dest="cash_regimes", action="append", metavar="REGIME=EUROS",
                   help="R. 139 : trésorerie à placer (positive) ou à lever (négative) dans l'actif de placement "
                        "d'un régime (répétable)")
    o.add_argument("--marge", metavar="POINTS", help="marge de sécurité en points sous chaque plafond et au-dessus "
                   "de chaque plancher (1 = un point : une part plafonnée gardée un point sous son plafond)")
    o.add_argument("--marge-regle", action="append", metavar="REGLE=POINTS", help="marge propre à une règle (répétable)")
    o.add_argument("--cout", action="append", metavar="CAT=PB",
                   help="coût en points de base par catégorie ; R. 139 : par nature, par ex. action=30 (répétable)")
    o.add_argument("--cout-defaut", metavar="PB", help="coût en points de base des autres lignes")
    o.add_argument("--cible", action="append", metavar="CAT=POURCENT",
                   help="allocation cible par catégorie ; R. 139 : par nature, par ex. obligation=55 (répétable)")
    o.add_argument("--montant-minimal", metavar="EUROS", help="taille minimale d'une opération (PLNE)")
    o.add_argument("--quotite", action="append", metavar="EUROS",
                   help="quotité : chaque opération est un multiple de ce montant (PLNE) ; CAT=EUROS pour une "
                        "catégorie, 0 pour l'en exempter (par ex. --quotite 100000 --quotite 13=0) (répétable)")
    o.add_argument("--achat-max", metavar="POINTS", default="2",
                   help="plafond des achats nets par émetteur (par ligne sans émetteur), en points de la valeur "
                        "de sa poche avant opérations (défaut : 2) ; « aucun » pour le lever ; R. 139 : par ligne, en "
                        "points de l'actif de placement de son régime")
    o.add_argument("--acheter-categorie", dest="buy_cats", action="append", metavar="CAT",
                   help="autoriser l'achat des lignes détenues d'une catégorie exclue par défaut (6, 9, 10, 11, 12 : "
                        "capital-investissement, immeubles, sociétés immobilières, prêts) (répétable)")
    o.add_argument("--acheter-ligne", dest="buy_rows", type=int, action="append", metavar="LIGNE",
                   help="autoriser l'achat d'une ligne exclue par défaut (immeuble, prêt, ligne non cotée) (répétable)")
    o.add_argument("--presolve", choices=["on", "off"], help="presolve de HiGHS (défaut : mesuré le plus rapide)")
    o.add_argument("--limite-temps", type=float, metavar="SECONDES", help="limite de temps du solveur")
    o.add_argument("--transparence", action="append", metavar="FICHIER",
                   help="R. 139 : inventaire d'un fonds au format TPT (FinDatEx V5 à V7, xlsx ou csv) ; répétable")
    o.add_argument("--regime-simplifie", dest="regime_simplifie", nargs="?", const=True, default=None,
                   metavar="REGIMES", help="R. 139-10 : l'organisme (ou les régimes nommés, séparés par des virgules) "
                                           "est soumis au régime simplifié")
    o.add_argument("--regime-simplifie-depuis", dest="regime_simplifie_depuis", type=_date, metavar="DATE",
                   help="R. 139-11 : date depuis laquelle le régime simplifié s'applique (délais de cession)")
    o.add_argument("--anciennete-transparence", dest="anciennete_transparence", type=int, metavar="JOURS",
                   help="R. 139-49 : âge maximal d'un inventaire vu par transparence (92 jours par défaut)")
    from reserves.app.audit.cli import add_audit_options  # standard library only

    add_audit_options(o, "la proposition")
    o.set_defaults(func=cmd_optimize)

    a = sub.add_parser("allocate", help="proposer l'allocation par catégorie (rapport R. 623-10-4)",
                       description=(
                           "Propose l'allocation par catégorie qui maximise le rendement attendu dans les limites "
                           "légales, les marges, les bandes autour de l'allocation actuelle et une limite de risque "
                           "(CVaR sur scénarios), et trace la frontière efficiente."))
    a.add_argument("params", metavar="PARAMETRES", help="fichier YAML, xlsx ou csv : rendements attendus par catégorie, "
                   "scénarios, bandes, marges, limite de CVaR")
    a.add_argument("--portefeuille", metavar="FICHIER", help="portefeuille actuel : donne l'allocation de départ")
    a.add_argument("--date", type=_date, help="date : choisit la version du règlement en vigueur")
    a.add_argument("-o", "--output", metavar="ALLOCATION.xlsx", help="classeur : allocation et frontière")
    a.add_argument("--graphique", metavar="FRONTIERE.png", help="graphique de la frontière efficiente (png ou svg)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_allocate)


def _date(text):
    from reserves.app.cli import parse_date

    return parse_date(text)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _lots(items):
    """`--quotite 100000 --quotite 13=0`: a default and per-category lots (0: no lot)."""
    if not items:
        return None
    cats = _pairs([x for x in items if "=" in x], "quotité par catégorie", False)
    plain = [x for x in items if "=" not in x]
    if not cats:
        return _number(plain[-1], "quotité")
    spec = {"categories": cats}
    if plain:
        spec["default"] = _number(plain[-1], "quotité")
    return spec


def _buy_cap(text):
    if text is None or text.strip().lower() in ("aucun", "sans", "non"):
        return None
    return _points(text, "plafond d'achat (--achat-max)")


def rebalance_settings(*, objectif="rotation", marge=None, marge_regle=None, cout=None, cout_defaut=None,
                       cible=None, tresorerie="0", tresorerie_gestion="0", bloquer_ligne=None, bloquer_categorie=None,
                       montant_minimal=None, quotite=None, achat_max="2", acheter_categorie=None,
                       acheter_ligne=None) -> dict:
    """The settings of `reserves optimize`, as written on its command line (French texts), turned into the
    arguments of `optimizer.rebalance`. The web optimizer reads its form with the same function."""
    from reserves.portfolio.errors import InputError

    if objectif not in OBJECTIVES_FR:
        raise InputError.one(f"objectif inconnu « {objectif} » : attendu rotation, cout ou cible")
    margins = _points(marge, "marge") if marge not in (None, "") else None
    if marge_regle:
        margins = {"*": margins or 0, **_pairs(marge_regle, "marge par règle", True)}
    costs = None
    if cout or cout_defaut:
        costs = {"categories": _pairs(cout, "coût", False)}
        if cout_defaut:
            costs["default"] = _number(cout_defaut, "coût par défaut")
    target = _pairs(cible, "cible", True) if cible else None
    objective = OBJECTIVES_FR[objectif]
    if objective == "cost" and costs is None:
        raise InputError.one("objectif « cout » : donner les coûts par catégorie (--cout 9=150 --cout-defaut 10)")
    if objective == "target" and not target:
        raise InputError.one("objectif « cible » : donner l'allocation cible (--cible 1=30 --cible 2=20 …)")
    cash = {"reserves": _number(tresorerie or "0", "trésorerie"),
            "gestion": _number(tresorerie_gestion or "0", "trésorerie gestion")}
    return {"objective": objective, "margins": margins, "costs_bps": costs, "target": target, "cash": cash,
            "locks": {"rows": list(bloquer_ligne or []), "categories": list(bloquer_categorie or [])},
            "min_trade": _number(montant_minimal, "montant minimal") if montant_minimal else None,
            "lots": _lots(quotite), "buy_cap": _buy_cap(achat_max),
            "buy_categories": list(acheter_categorie or []) or None, "buy_rows": list(acheter_ligne or []) or None}


def cmd_optimize(args) -> int:
    import time

    started = getattr(args, "started", None) or time.perf_counter()
    from constraints import rulebook
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError
    from reserves.portfolio.model import load

    try:  # SPEC §4: --date, else the date the file states, else today; then the version in force that day
        if args.date is not None:
            day, source = args.date, rulebook.SOURCE_OPTION
        else:
            from reserves.portfolio.reader import read_stated_date

            stated = read_stated_date(args.file, args.sheet)
            day, source = (stated[0], rulebook.SOURCE_FILE) if stated else (None, rulebook.SOURCE_TODAY)
        version = rulebook.for_date(day)
        if version.engine == "r139":  # R. 139-1 to R. 139-56: optimizer/r139.py
            return cmd_optimize_r139(args, version, day or _today(), source, started)
        if args.output and _same_file(args.file, args.output):
            raise InputError.one("le fichier de sortie ne peut pas être le portefeuille lu : choisir un autre nom")
        if args.output and not args.output.lower().endswith(".xlsx"):
            raise InputError.one(f"fichier de sortie « {args.output} » : extension .xlsx attendue")
        pf = load(args.file, sheet_name=args.sheet)
        universe = None
        if args.univers is not None:
            universe = load(args.univers or args.file, sheet_name="Univers")
        settings = rebalance_settings(
            objectif=args.objectif, marge=args.marge, marge_regle=args.marge_regle, cout=args.cout,
            cout_defaut=args.cout_defaut, cible=args.cible, tresorerie=args.tresorerie,
            tresorerie_gestion=args.tresorerie_gestion, bloquer_ligne=args.lock_rows, bloquer_categorie=args.lock_cats,
            montant_minimal=args.montant_minimal, quotite=args.quotite, achat_max=args.achat_max,
            acheter_categorie=args.buy_cats, acheter_ligne=args.buy_rows)
        from optimizer.lp import DEFAULT_PRESOLVE
        from optimizer.output import progress_factory, render_proposal, write_proposal_xlsx
        from optimizer.rebalancing import rebalance

        p = rebalance(pf, universe=universe, date=args.date, **settings,
                      presolve=args.presolve or DEFAULT_PRESOLVE, time_limit=args.limite_temps,
                      progress=None if args.json else progress_factory())
    except rulebook.NoVersionInForce as exc:
        return print_problems(InputError.one(str(exc)), args.json)
    except InputError as err:
        return print_problems(err, args.json)
    if args.output:
        write_proposal_xlsx(p, args.output)
    timing = _timing(p, started)
    if args.json:
        doc = p.to_dict()
        doc["timing"] = timing
        doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
        if args.output:
            doc["output"] = os.path.basename(args.output)
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
    else:
        render_proposal(p)
        if args.output:
            print(f"Proposition écrite : {args.output} (feuille « Portefeuille » relisible par « reserves check »)"
                  if p.status == "optimal" else f"Explication écrite : {args.output}")
        print(_timing_text(timing))
    from reserves.app.audit import cli as audit_cli  # SQLAlchemy loads only if a record is asked for

    if audit_cli.wanted(args):
        from reserves.app.audit.entries import proposal_content, sha256_of

        extra = {}
        if args.output:
            extra["output"] = {"name": os.path.basename(args.output), "sha256": sha256_of(args.output)}
        status, payload, trades = proposal_content(
            p.to_dict(), channel="cli", date=args.date.isoformat() if args.date else None, sheet=pf.sheet, **extra)
        failed = audit_cli.record(args, "proposal", pf, version.id, status, payload, orders=trades)
        if failed is not None:
            return failed
    return p.exit_code


def _today():
    import datetime as dt

    return dt.date.today()


_R623_ONLY = (("univers", "--univers", None), ("montant_minimal", "--montant-minimal", None),
              ("quotite", "--quotite", None), ("lock_cats", "--bloquer-categorie", None),
              ("buy_cats", "--acheter-categorie", None), ("marge_regle", "--marge-regle", None))


def r139_settings(*, objectif="rotation", cout=None, cout_defaut=None, cible=None, tresorerie="0",
                  tresorerie_regime=None, tresorerie_gestion="0", marge=None, achat_max="2", bloquer_ligne=None,
                  acheter_ligne=None) -> dict:
    """The R. 139 settings as written on the command line (or the web form): the arguments of
    `optimizer.r139.rebalance139` (objective, costs and target by `nature`, cash of the actif de placement, margin,
    purchase cap per line, lines locked and lines that may be bought)."""
    from reserves.portfolio.errors import InputError

    margin = _points(marge, "marge") if marge not in (None, "") else 0
    if margin < 0 or margin >= 1:
        raise InputError.one(f"marge : attendu entre 0 et 100 points, lu « {marge} »")

    if objectif not in OBJECTIVES_FR:
        raise InputError.one(f"objectif inconnu « {objectif} » : attendu rotation, cout ou cible")
    if _number(tresorerie_gestion or "0", "--tresorerie-gestion") != 0:
        raise InputError.one("--tresorerie-gestion : R. 139, la gestion administrative est hors de l'actif de "
                             "placement et n'est pas négociée ; donner --tresorerie")
    costs = None
    if cout or cout_defaut:
        costs = {"natures": {k: float(x) for k, x in _pairs(cout, "coût", False).items()}}
        if cout_defaut:
            costs["default"] = float(_number(cout_defaut, "coût par défaut"))
    target = _pairs(cible, "cible", True) if cible else None
    cash = _number(tresorerie or "0", "trésorerie")
    if tresorerie_regime:
        if cash != 0:
            raise InputError.one("trésorerie : donner --tresorerie (un seul régime) ou --tresorerie-regime, pas les deux")
        cash = _pairs(tresorerie_regime, "trésorerie par régime", False)
    return {"objective": OBJECTIVES_FR[objectif], "costs_bps": costs, "target": target, "cash": cash,
            "margin": margin, "buy_cap": _buy_cap(achat_max), "locks": list(bloquer_ligne or []),
            "buy_rows": list(acheter_ligne or [])}


def cmd_optimize_r139(args, version, day, source, started) -> int:
    """`reserves optimize` on a portfolio under R. 139-1 to R. 139-56: the least-turnover trades after which every
    limit holds, re-checked by the R. 139 checker, printed in French, written in the R. 139 format (-o)."""
    from reserves.app.check139 import earlier_observations, parse_regimes
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError

    try:
        for attr, flag, _ in _R623_ONLY:
            if getattr(args, attr, None) not in (None, [], ""):
                raise InputError.one(f"{flag} : option des articles R. 623-3 à R. 623-10-4, sans objet pour un "
                                     f"portefeuille soumis aux articles R. 139-1 à R. 139-56")
        prefs = r139_settings(objectif=args.objectif, cout=args.cout, cout_defaut=args.cout_defaut, cible=args.cible,
                              tresorerie=args.tresorerie, tresorerie_regime=args.cash_regimes,
                              tresorerie_gestion=args.tresorerie_gestion, marge=args.marge, achat_max=args.achat_max,
                              bloquer_ligne=args.lock_rows, acheter_ligne=args.buy_rows)
        if args.output and _same_file(args.file, args.output):
            raise InputError.one("le fichier de sortie ne peut pas être le portefeuille lu : choisir un autre nom")
        if args.output and not args.output.lower().endswith(".xlsx"):
            raise InputError.one(f"fichier de sortie « {args.output} » : extension .xlsx attendue")
        from reserves.portfolio.model139 import load

        pf = load(args.file, sheet_name=args.sheet, transparence=args.transparence or (), as_of=day,
                  as_of_source=source)
        observations = []
        from reserves.app.audit import cli as audit_cli

        if audit_cli.wanted(args):
            found = earlier_observations(args, pf.source, day)
            if isinstance(found, int):
                return found
            observations = found
        from optimizer.output import progress_factory
        from optimizer.r139 import PRESOLVE, rebalance139

        p = rebalance139(pf, version, as_of=day, path=args.file, simplified=parse_regimes(args.regime_simplifie),
                         simplified_since=args.regime_simplifie_depuis, max_age_days=args.anciennete_transparence,
                         observations=observations, **prefs, presolve=args.presolve or PRESOLVE,
                         time_limit=args.limite_temps, progress=None if args.json else progress_factory())
    except InputError as err:
        return print_problems(err, args.json)
    from optimizer.output139 import render, write_xlsx

    if args.output and p.status != "nothing_to_do":
        write_xlsx(p, args.file, args.output)
    seconds = round(time.perf_counter() - started, 3)
    if args.json:
        doc = p.to_dict()
        doc["timing"] = {"command_seconds": seconds}
        doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
        if args.output and p.status != "nothing_to_do":
            doc["output"] = os.path.basename(args.output)
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
    else:
        render(p)
        if args.output and p.status != "nothing_to_do":
            extra = (" ; les inventaires TPT y sont recopiés, feuille « Transparence »" if args.transparence else "")
            print(f"Proposition écrite : {args.output} (relisible seule par « reserves check »{extra})")
        print(f"Temps de la commande : {fr_seconds(seconds)}.")
    if audit_cli.wanted(args):
        from reserves.app.audit.entries import proposal_content

        doc = p.to_dict()
        doc["verdict_after"] = {"status": doc["after"]} if doc["after"] else None
        status, payload, trades = proposal_content(doc, channel="cli", date=day.isoformat(), sheet=pf.sheet)
        failed = audit_cli.record(args, "proposal", pf, version.id, status, payload, orders=trades)
        if failed is not None:
            return failed
    return p.exit_code


def _timing(p, started) -> dict:
    """The whole command's time (reading, checks, model, solver, writing) and the solver's apart."""
    import time

    s = p.solver
    return {"command_seconds": round(time.perf_counter() - started, 3),
            "solver_seconds": round(s.get("build_seconds", 0) + s.get("seconds", 0), 3),
            "model_build_seconds": s.get("build_seconds"), "solve_seconds": s.get("seconds"),
            "explain_seconds": s.get("explain_seconds")}


def _timing_text(t) -> str:
    sec = fr_seconds

    text = (f"Temps de la commande : {sec(t['command_seconds'])} (lecture, contrôles avant et après, modèle, "
            f"écriture), dont solveur {sec(t['solver_seconds'])} : modèle Pyomo {sec(t['model_build_seconds'] or 0)}, "
            f"résolution HiGHS {sec(t['solve_seconds'] or 0)}")
    if t.get("explain_seconds"):
        text += f" ; explication du conflit {sec(t['explain_seconds'])}"
    return text + "."


def cmd_allocate(args) -> int:
    from reserves.app.problems import print_problems
    from reserves.portfolio.errors import InputError

    try:
        from optimizer.allocation import allocate, read_params, write_allocation_xlsx

        params = read_params(args.params)
        current = None
        if args.portefeuille:
            from reserves.portfolio.model import load

            current = load(args.portefeuille)
        res = allocate(params=params, portfolio=current, date=args.date)
    except InputError as err:
        return print_problems(err, args.json)
    if args.output:
        write_allocation_xlsx(res, args.output)
    if args.graphique:
        res.plot(args.graphique)
    if args.json:
        sys.stdout.write(json.dumps(res.to_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        res.render()
        for path, what in ((args.output, "Tableau"), (args.graphique, "Graphique")):
            if path:
                print(f"{what} écrit : {path}")
    return 0 if res.status == "optimal" else 1
