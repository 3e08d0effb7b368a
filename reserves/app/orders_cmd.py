"""`reserves check FICHIER --ordres ORDRES`: the command-line side of the pre-investment check."""

from __future__ import annotations

from reserves.portfolio.errors import InputError
from reserves.pretrade.engine import DEFAULT_WARNING
from reserves.pretrade.orders import check_orders, load_orders, parse_warning, render_orders


def cli_check_orders(args, pf) -> int:
    """`reserves check FICHIER --ordres ORDRES`: exit 0 accepted, 1 refused, 3 to check, 2 bad input."""
    import json
    import sys

    from .problems import print_problems

    as_json = getattr(args, "json", False)
    try:
        warning = parse_warning(getattr(args, "warning", DEFAULT_WARNING))
        orders = load_orders(args.orders)
        ov = check_orders(pf, orders, date=args.date, warning=warning)
    except InputError as err:
        return print_problems(err, as_json)
    doc = ov.to_dict()
    doc["file"] = {"name": pf.source, "sheet": pf.sheet, "sha256": pf.sha256}
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    else:
        from reports.terminal import render

        render(ov.verdict_after, ov.portfolio_after)
        render_orders(ov)
    from .audit import cli as audit_cli

    if audit_cli.wanted(args):
        failed = audit_cli.record(args, "orders", pf, ov.verdict_after.version.id, ov.status, doc,
                                  orders={"file": orders.source, "sha256": orders.sha256, "orders": orders.to_list()})
        if failed is not None:
            return failed
    return ov.exit_code
