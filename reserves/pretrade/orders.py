"""Pre-investment check: does the portfolio still comply once these orders are made?

An orders file has the portfolio's columns, with a signed `montant` (alias
`amount`) in place of `valeur`: positive buys, negative sells. An order whose
`isin` matches a holding changes that holding; without an ISIN, an order whose
`libelle` matches a holding's changes it; any other order is a new line, and
then needs `categorie` and `devise` like a portfolio line. Selling more than is
held, or selling a line the portfolio does not hold, is bad input (exit 2).

The answer (`OrdersVerdict`) is the verdict of the portfolio after the orders,
plus the effect of each order (on the portfolio after the orders above it),
and of the whole set: `cree` (a rule or subject compliant before is in breach
after), `aggrave` (an existing breach grows: its excess in euros or its share),
`inconnu` (the orders add to something that cannot be concluded: missing data),
`neutre`. READING 13: an order set passes if it creates no breach and worsens
none, even when the portfolio already had a passive breach.

Exit codes of an order set: 0 passes; 1 creates or worsens a breach; 3 no
breach created or worsened, but the orders add to an `unknown`; 2 bad input.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from decimal import Decimal

from reserves.portfolio import parsing as P
from reserves.portfolio.columns import COLUMNS, Column
from reserves.portfolio.errors import InputError, Problem
from reserves.portfolio.reader import refuse_misspelled_headers
from reserves.pretrade.engine import DEFAULT_WARNING, EFFECT_CREATES, EFFECT_NEUTRAL, EFFECT_UNKNOWN, EFFECT_WORSENS

AMOUNT_COLUMN = Column("market_value", "montant", "amount", "money", True,
                       "Montant de l'ordre en euros : positif pour un achat, négatif pour une vente.")
ORDER_QUANTITY_HELP = "Quantité achetée ou vendue (sans signe : le sens est celui du montant)."


def _order_columns() -> tuple[Column, ...]:
    out = []
    for c in COLUMNS:
        if c.field == "market_value":
            out.append(AMOUNT_COLUMN)
        elif c.field == "quantity":
            out.append(Column(c.field, c.header, c.alias, c.kind, False, ORDER_QUANTITY_HELP))
        else:
            out.append(Column(c.field, c.header, c.alias, c.kind, False, c.help))
    return tuple(out)


ORDER_COLUMNS = _order_columns()


# --------------------------------------------------------------------------- orders


@dataclass
class Order:
    """One order: a signed amount on a holding (by ISIN, else by label) or on a new line."""

    row: int | None  # row number in the orders file, as the spreadsheet shows it
    label: str | None
    isin: str | None
    amount: int  # cents: positive buys, negative sells
    quantity: Decimal | None = None  # unsigned; the direction is the amount's
    pocket: str | None = None
    category: int | None = None
    currency: str | None = None
    amount_text: object = None  # the cell as written
    sheet: str | None = None
    orders: "Orders | None" = field(default=None, repr=False)
    index: int = 0  # position among the orders file's data rows
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def headers(self) -> dict:
        return dict(self.orders.raw.headers) if self.orders is not None and self.orders.raw is not None else {}

    def where(self, field_name: str | None) -> str | None:
        raw = self.orders.raw if self.orders is not None else None
        if field_name is None:
            return None
        if raw is not None and field_name in raw.fields:
            return raw.where(field_name)
        col = {c.field: c for c in ORDER_COLUMNS}.get(field_name)
        return col.header if col else field_name

    def problem(self, message: str, column: str | None = None, value=None) -> InputError:
        return InputError([Problem(message, sheet=self.sheet, row=self.row, column=self.where(column), value=value)])

    def new_line(self, engine) -> tuple[dict, "pd.DataFrame"]:
        """The order as a new portfolio line: (its one-line `Context` for the rules, the one-line table)."""
        key = (engine.version.id, engine.as_of)
        if key not in self._cache:
            from constraints.rules import Context

            from reserves.portfolio.model import from_raw

            raw = self.orders.raw if self.orders is not None else None
            needed = [("label", "libelle"), ("category", "categorie"), ("currency", "devise")]
            missing = [h for f, h in needed if raw is None or f not in raw.fields]
            if missing:
                raise self.problem("ligne absente du portefeuille : pour l'ajouter, l'ordre doit donner "
                                   + ", ".join(f"« {h} »" for h in missing))
            cells = raw.rows[self.index]
            for f, h in needed:
                idx = raw.fields[f]
                if idx >= len(cells) or P.is_blank(cells[idx]):
                    raise self.problem(f"ligne absente du portefeuille : renseigner « {raw.headers[f]} » pour l'ajouter",
                                       column=f)
            one = replace(raw, rows=[cells], row_numbers=[raw.row_numbers[self.index]], warnings=[])
            newpf = from_raw(one)
            self._cache[key] = (Context(newpf, engine.version, engine.as_of), newpf.lines)
        return self._cache[key]


@dataclass
class Orders:
    items: list[Order]
    raw: object = None  # the RawTable read
    source: str = ""
    sheet: str = ""
    sha256: str | None = None
    warnings: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_list(self) -> list[dict]:
        return [{"row": o.row, "libelle": o.label, "isin": o.isin, "montant": o.amount / 100,
                 "quantite": None if o.quantity is None else str(o.quantity), "poche": o.pocket} for o in self.items]


def load_orders(path: str | os.PathLike, *, sheet_name: str | None = None, free_columns=()) -> Orders:
    """Read an orders file (.xlsx, .ods, .csv: the portfolio's columns, `montant` in place of `valeur`)."""
    import hashlib

    from reserves.portfolio.reader import read_table

    raw = read_table(path, sheet_name=sheet_name, columns=ORDER_COLUMNS)
    refuse_misspelled_headers(raw, ORDER_COLUMNS, free_columns)
    orders = _from_raw(raw)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    orders.sha256 = h.hexdigest()
    return orders


def orders_from_frame(df, *, source: str = "ordres", sheet: str = "Ordres") -> Orders:
    """Orders from a table whose columns carry the orders file's headers (French or English)."""
    from reserves.portfolio.reader import locate

    headers = [str(c) for c in df.columns]
    rows = [headers] + df.astype(object).where(df.notna(), None).values.tolist()
    raw = locate(rows, source, sheet, "frame", ORDER_COLUMNS)
    refuse_misspelled_headers(raw, ORDER_COLUMNS)
    return _from_raw(raw)


def orders_from_records(records: list[dict], *, source: str = "ordres", sheet: str = "Ordres") -> Orders:
    """Orders from a list of mappings (a web form, a JSON body): keys are the file's headers."""
    from reserves.portfolio.reader import locate

    if not records:
        raise InputError([Problem("aucun ordre", sheet=sheet)])
    keys: list = []
    for r in records:
        for k in r:
            if k not in keys:
                keys.append(k)
    rows = [list(keys)] + [[r.get(k) for k in keys] for r in records]
    raw = locate(rows, source, sheet, "records", ORDER_COLUMNS)
    refuse_misspelled_headers(raw, ORDER_COLUMNS)
    return _from_raw(raw)


def as_orders(orders) -> Orders:
    """Orders, a path, a DataFrame, a list of mappings or of `Order`s → `Orders`."""
    import pandas as pd

    if isinstance(orders, Orders):
        return orders
    if isinstance(orders, Order):
        return Orders([orders])
    if isinstance(orders, (str, os.PathLike)):
        return load_orders(orders)
    if isinstance(orders, pd.DataFrame):
        return orders_from_frame(orders)
    if isinstance(orders, dict):
        return orders_from_records([orders])
    items = list(orders)
    if items and all(isinstance(o, Order) for o in items):
        return Orders(items)
    return orders_from_records(items)


def as_order(order) -> Order:
    if isinstance(order, Order):
        return order
    got = as_orders(order)
    if len(got) != 1:
        raise InputError([Problem(f"un seul ordre attendu, {len(got)} reçus")])
    return got.items[0]


FEW_ORDERS = 16  # up to this many orders, cells are parsed one by one (a column pass costs more for so few)


def _parse_few(cells: list, parser, on_error) -> tuple | None:
    """`parsing.parse_column` for a few cells, without its pass over the column: each distinct value parsed once,
    in the order of its first cell, its bad values reported as that pass reports them. None when a cell cannot
    be compared with the others (the column pass then says what it says)."""
    values: list = [None] * len(cells)
    blank = [False] * len(cells)
    seen: dict = {}
    bad: list = []
    try:
        for i, c in enumerate(cells):
            if P.is_blank(c):
                blank[i] = True
                continue
            v = ("VRAI" if c else "FAUX") if type(c) is bool else c  # True == 1: check boxes kept apart
            key = (type(v) is str, v)
            got = seen.get(key)
            if got is None:
                try:
                    got = seen[key] = (True, parser(v))
                except P.BadCell as exc:
                    got = seen[key] = (False, [v, str(exc), []])
                    bad.append(got[1])
            if got[0]:
                values[i] = got[1]
            else:
                got[1][2].append(i)
    except TypeError:  # an unhashable cell (a list in a JSON order)
        return None
    for v, reason, where in bad:
        on_error(where, v, reason)
    return values, blank


def _from_raw(raw) -> Orders:
    from reserves.portfolio.errors import ProblemList
    from reserves.portfolio.model import is_total_row

    problems = ProblemList()
    sheet = raw.sheet
    if "label" not in raw.fields and "isin" not in raw.fields:
        raise InputError([Problem("colonne « libelle » ou « isin » introuvable dans la ligne d'en-tête des ordres : "
                                  "elle désigne la ligne achetée ou vendue", sheet=sheet, row=raw.header_row)])
    n = len(raw.rows)

    def cells(f):
        idx = raw.fields.get(f)
        if idx is None:
            return [None] * n
        return [r[idx] if idx < len(r) else None for r in raw.rows]

    def col(f, parser):
        if f not in raw.fields:
            return [None] * n, [True] * n
        where = raw.where(f)

        def on_error(indices, value, reason):
            for i in indices[:20]:
                problems.add(reason, sheet=sheet, row=int(raw.row_numbers[i]), column=where, value=value)
        raw_cells = cells(f)
        few = _parse_few(raw_cells, parser, on_error) if n <= FEW_ORDERS else None
        values, blank = few if few is not None else P.parse_column(raw_cells, parser, on_error)
        # a blank cell is blank whatever the parser made of it
        return list(values), [bool(b) or P.is_blank(c) for b, c in zip(blank, raw_cells)]

    label_raw, cat_raw, isin_raw = cells("label"), cells("category"), cells("isin")
    keep = [not (P.is_blank(s) and is_total_row(lab, c)) for lab, c, s in zip(label_raw, cat_raw, isin_raw)]
    warnings = [f"Ligne {raw.row_numbers[i]} ignorée : ligne de total (« {label_raw[i].strip()} »)."
                for i in range(n) if not keep[i]]
    amount, amount_blank = col("market_value", P.parse_money)
    label, label_blank = col("label", P.parse_text)
    isin, isin_blank = col("isin", P.parse_isin)
    qty, qty_blank = col("quantity", P.parse_exact_nonneg)
    pocket, pocket_blank = col("pocket", P.parse_pocket)
    category, cat_blank = col("category", P.parse_category)
    currency, cur_blank = col("currency", P.parse_currency)
    amount_cells = cells("market_value")
    items = []
    for i in range(n):
        if not keep[i]:
            continue
        row = int(raw.row_numbers[i])
        if amount_blank[i]:
            problems.add("case vide : le montant de l'ordre est obligatoire (positif pour un achat, négatif pour une "
                         "vente)", sheet=sheet, row=row, column=raw.where("market_value"))
            continue
        if amount[i] is None:
            continue  # already reported
        if amount[i] == 0:
            problems.add("montant nul : un ordre achète (montant positif) ou vend (montant négatif)", sheet=sheet,
                         row=row, column=raw.where("market_value"), value=amount_cells[i])
            continue
        if label_blank[i] and isin_blank[i]:
            problems.add("ni « libelle » ni « isin » : impossible de savoir quelle ligne l'ordre concerne",
                         sheet=sheet, row=row)
            continue
        items.append(Order(row=row, label=None if label_blank[i] else label[i],
                           isin=None if isin_blank[i] else isin[i], amount=int(amount[i]),
                           quantity=None if qty_blank[i] else qty[i], pocket=None if pocket_blank[i] else pocket[i],
                           category=None if cat_blank[i] else category[i],
                           currency=None if cur_blank[i] else currency[i], amount_text=amount_cells[i],
                           sheet=sheet, index=i))
    problems.raise_if_any()
    if not items:
        raise InputError([Problem("aucun ordre sous l'en-tête", sheet=sheet, row=raw.header_row)])
    out = Orders(items, raw=raw, source=raw.source, sheet=sheet, warnings=list(raw.warnings) + warnings)
    for o in items:
        o.orders = out
    return out


def rebuild_codes(lines) -> None:
    """Issuer, building and security codes over the whole table (as the portfolio reader computes them)."""
    from reserves.portfolio.keys import recode

    recode(lines)


# --------------------------------------------------------------------------- the verdict


@dataclass
class OrdersVerdict:
    """The portfolio's verdict after the orders, and what each order does."""

    verdict_after: object  # constraints.checker.Verdict of the portfolio after the orders
    orders: list  # [OrderOutcome], each order on the portfolio after the orders above it
    overall: object  # OrderOutcome of the whole set
    status_before: str
    warning: float
    portfolio_after: object = None
    source: str = ""
    sha256: str | None = None
    warnings: list = field(default_factory=list)

    @property
    def effect(self) -> str:
        return self.overall.effect

    @property
    def passes(self) -> bool:
        """READING 13: the set passes if it creates no breach and worsens none."""
        return self.overall.effect not in (EFFECT_CREATES, EFFECT_WORSENS)

    @property
    def status(self) -> str:
        """accepte | refuse | a_verifier."""
        if not self.passes:
            return "refuse"
        return "a_verifier" if self.overall.effect == EFFECT_UNKNOWN else "accepte"

    @property
    def exit_code(self) -> int:
        return {"accepte": 0, "refuse": 1, "a_verifier": 3}[self.status]

    def to_dict(self) -> dict:
        doc = self.verdict_after.to_dict()
        doc["orders_check"] = {
            "status": self.status, "passes": self.passes, "effect": self.overall.effect,
            "exit_code": self.exit_code, "status_before": self.status_before, "warning_level": self.warning,
            "changes": [c.to_dict() for c in self.overall.changes],
            "warnings": [w.to_dict() for w in self.overall.warnings],
            "file": {"name": self.source, "sha256": self.sha256}, "notices": list(self.warnings),
        }
        doc["orders"] = [o.to_dict() for o in self.orders]
        return doc


def check_orders(pf, orders, *, date=None, as_of=None, warning: float = DEFAULT_WARNING) -> OrdersVerdict:
    """Check orders against a portfolio: the verdict after them, and the effect of each and of the set.

    `orders`: an `Orders` (from `load_orders`), a path, a DataFrame or a list of mappings.
    Raises `InputError` on bad orders (selling more than is held, a sale of a line not held…).
    """
    from constraints.checker import check

    from reserves.pretrade.engine import Engine

    orders = as_orders(orders)
    engine = Engine(pf, date, as_of=as_of, warning=warning)
    status_before = engine.status
    overall = engine.try_orders(orders)
    each = [engine.apply(o) for o in orders.items]  # each order on the portfolio after the ones before it
    after = engine.portfolio()
    verdict = check(after, date=date, as_of=engine.as_of)
    verdict.warnings = list(getattr(pf, "warnings", [])) + list(orders.warnings)
    return OrdersVerdict(verdict, each, overall, status_before, float(warning), after, orders.source,
                         orders.sha256, list(orders.warnings))


def check_orders_on(engine, orders) -> OrdersVerdict:
    """`check_orders` on a portfolio already loaded in a pre-trade engine, which is left as it was: the verdict
    after the orders is the rules' own on the engine's states (no portfolio is rebuilt, nothing is read again)."""
    orders = as_orders(orders)
    status_before = engine.status
    one = len(orders.items) == 1
    overall = None if one else engine.try_orders(orders)
    with engine.scratch():
        each = [engine.apply(o) for o in orders.items]  # each order on the portfolio after the ones before it
        verdict = engine.verdict()
    if one:  # the set of one order is that order: the same outcome, not computed twice
        overall = each[0]
    verdict.warnings = list(getattr(engine.pf, "warnings", [])) + list(orders.warnings)
    return OrdersVerdict(verdict, each, overall, status_before, float(engine.warning), None, orders.source,
                         orders.sha256, list(orders.warnings))


def apply_orders(pf, orders, *, date=None, as_of=None):
    """The portfolio after the orders (lines sold entirely are left out, new lines come last)."""
    from reserves.pretrade.engine import Engine

    engine = Engine(pf, date, as_of=as_of)
    engine.apply_all(as_orders(orders).items)
    return engine.portfolio()


__all__ = ["Order", "Orders", "OrdersVerdict", "load_orders", "refuse_misspelled_headers", "orders_from_frame", "orders_from_records",
           "check_orders", "check_orders_on", "apply_orders", "as_order", "as_orders", "ORDER_COLUMNS", "EFFECT_CREATES",
           "EFFECT_WORSENS", "EFFECT_UNKNOWN", "EFFECT_NEUTRAL", "DEFAULT_WARNING"]


# --------------------------------------------------------------------------- command line


def parse_warning(text) -> float:
    """`0.9`, `0,9`, `90 %` or `90` → 0.9; a French `InputError` otherwise (`engine.warning_level`)."""
    from reserves.pretrade.engine import warning_level

    return float(warning_level(text))


EFFECT_FR = {EFFECT_CREATES: "crée un dépassement", EFFECT_WORSENS: "aggrave un dépassement",
             EFFECT_UNKNOWN: "à vérifier (données manquantes)", EFFECT_NEUTRAL: "neutre"}
MATCH_FR = {"isin": "ISIN", "libelle": "libellé", "nouvelle": "ligne nouvelle", "ensemble": "ensemble"}
_STATUS_FR = {"accepte": "ACCEPTÉ", "refuse": "REFUSÉ", "a_verifier": "À VÉRIFIER"}
from reserves.portfolio.fmt import STATUS_FR as _VERDICT_FR  # noqa: E402  (the one wording of the statuses)

# The table of orders, in the terminal and on the web page: French header of each key of
# `OrderOutcome.to_dict()`, and the keys the terminal shows.
OUTCOME_HEADERS = {"row": "ligne", "libelle": "libellé", "isin": "ISIN", "montant": "montant", "action": "sens",
                   "match": "rapprochement", "ligne": "ligne du portefeuille", "effect": "effet",
                   "status_after": "verdict après l'ordre", "rules": "règles", "warnings": "alertes"}
TERMINAL_COLUMNS = ("row", "libelle", "montant", "match", "effect", "rules", "warnings")


def outcome_cell(key: str, outcome: dict) -> str:
    """One cell of the table of orders, in French, from `OrderOutcome.to_dict()`."""
    from reserves.portfolio.fmt import fr_euros

    v = outcome.get(key)
    if v is None:
        return ""
    if key == "montant":
        return fr_euros(round(v * 100))
    if key == "match":
        return MATCH_FR.get(v, v)
    if key == "effect":
        return EFFECT_FR.get(v, v)
    if key == "status_after":
        return _VERDICT_FR.get(v, v)
    if key == "rules":
        return ", ".join(v)
    if key == "warnings":
        return str(len(v)) if v else ""
    return str(v)


def render_orders(ov, console=None) -> None:
    """The orders part of a pre-investment check, in the terminal (French)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    t = Table(title="Ordres (chacun sur le portefeuille après les ordres qui le précèdent)")
    for k in TERMINAL_COLUMNS:
        t.add_column(OUTCOME_HEADERS[k])
    for o in ov.orders:
        d = o.to_dict()
        t.add_row(*(outcome_cell(k, d) for k in TERMINAL_COLUMNS))
    console.print(t)
    console.print(f"Ensemble des ordres : {EFFECT_FR[ov.effect]} — contrôle avant investissement "
                  f"[bold]{_STATUS_FR[ov.status]}[/bold] (portefeuille avant les ordres : "
                  f"{_VERDICT_FR.get(ov.status_before, ov.status_before)})")
    from rich.markup import escape  # user text (labels, issuers) is never read as markup

    for c in ov.overall.changes:
        console.print(f"  • {escape(c.message)}")
    for w in ov.overall.warnings:
        console.print(f"  ⚠ alerte : {escape(w.message)}")
