"""`reserves check FICHIER --ordres ORDRES` on an R. 139 portfolio: the command-line side of
`reserves.pretrade.r139` (exit 0 accepted, 1 refused, 3 to check, 2 bad input)."""

from __future__ import annotations

import json
import sys


def run_orders(args, pf, inp, version, day, source, print_problems, options: dict) -> int:
    from reserves.portfolio.errors import InputError
    from reserves.pretrade.engine import DEFAULT_WARNING
    from reserves.pretrade.orders import parse_warning, render_orders
    from reserves.pretrade.r139 import check_orders139, load_orders139

    as_json = getattr(args, "json", False)
    try:
        warning = parse_warning(getattr(args, "warning", DEFAULT_WARNING))
        orders = load_orders139(args.orders, free_columns=getattr(args, "free_columns", ()) or ())
        ov = check_orders139(pf, orders, as_of=day, warning=warning, observations=inp.observations, **options)
    except InputError as err:
        return print_problems(err, as_json)
    ov.verdict_after.as_of_source = source
    doc = ov.to_dict()
    doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
    else:
        from .check139 import render

        render(ov.verdict_after, ov.portfolio_after)
        render_orders(ov)
    from .audit import cli as audit_cli

    if audit_cli.wanted(args):
        failed = audit_cli.record(args, "orders", pf, version.id, ov.status, doc,
                                  orders={"file": orders.source, "sha256": orders.sha256, "orders": orders.to_list()})
        if failed is not None:
            return failed
    return ov.exit_code
