"""The pre-trade check of orders on an R. 139 portfolio (articles R. 139-1 to R. 139-56).

An orders file for an R. 139 portfolio has the columns of its `Portefeuille` sheet (SPEC-R139 §1), with a
signed `montant` (alias `amount`) in place of `valeur`: positive buys, negative sells. An order whose `isin`
(else `libelle`; `poche` and `regime` narrow the match) names a line held changes that line: its value moves by
the amount, its accrued interest, quantity, notional and exposure pro rata; a fund line seen through moves its
look-through holdings pro rata too (they are rescaled to the fund line's new value, R. 139-17 last paragraph).
Any other order is a new line and needs `libelle`, `nature` and `devise`. A line sold entirely leaves the
portfolio. Selling more than is held (but for a contract or a borrowing, which may be negative) is bad input.

The verdict after the orders is the R. 139 checker's own on the portfolio with the orders applied. An order that
changes the amounts of a line held (a purchase or a sale of it, not the whole line; a fund line seen through moves
its holdings pro rata, rescaled as the reader rescales them) keeps what the rules read of the texts — each
régime's structure (`constraints.r139.model.Structure`: views, tri-states, masks, entities) — and the checker
judges again from the new amounts only (`Table.with_amounts`), the sums following the change (old contributions
out, new ones in, in cents). A new line, or a line sold entirely, changes the structure: the portfolio is then
rebuilt and checked in full, as read. The effect of each order (on the portfolio after the orders above it) and
of the set: `cree`, `aggrave`, `inconnu`, `neutre`, as for R. 623 (`reserves.pretrade.engine`); R. 139-48
al. 3 (`R139-48/immobilier-achats`) is judged here: no purchase of an 8° asset (real estate) while a
real-estate limit is broken.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from reserves.portfolio import parsing as P
from reserves.portfolio.columns import Column
from reserves.portfolio.errors import InputError, Problem, ProblemList
from reserves.pretrade.engine import (DEFAULT_WARNING, EFFECT_CREATES, EFFECT_NEUTRAL, EFFECT_RANK, EFFECT_UNKNOWN,
                                      EFFECT_WORSENS, Alert, Change, OrderOutcome, warning_level, worst_effect)

AMOUNT_COLUMN = Column("amount", "montant", "amount", "signed_money", True,
                       "Montant de l'ordre en euros : positif pour un achat, négatif pour une vente.")
ORDER_QUANTITY_HELP = "Quantité achetée ou vendue (sans signe : le sens est celui du montant)."
NEGATIVE_OK = ("contrat_financier", "emprunt")  # columns139.NEGATIVE_OK_LINES


def _order_columns() -> tuple[Column, ...]:
    from reserves.portfolio.columns139 import COLUMNS

    out = [AMOUNT_COLUMN]
    for c in COLUMNS:
        if c.field == "market_value":
            continue
        out.append(replace(c, required=False, help=ORDER_QUANTITY_HELP if c.field == "quantity" else c.help))
    return tuple(out)


_COLUMNS: tuple | None = None


def order_columns() -> tuple[Column, ...]:
    """The columns of an R. 139 orders file: `montant` (required) and every column of the `Portefeuille` sheet."""
    global _COLUMNS
    if _COLUMNS is None:
        _COLUMNS = _order_columns()
    return _COLUMNS


# --------------------------------------------------------------------------- reading orders


def load_orders139(path: str | os.PathLike, *, sheet_name: str | None = None, free_columns=()):
    """Read an R. 139 orders file (.xlsx, .ods, .csv): the `Portefeuille` columns, `montant` in place of `valeur`."""
    import hashlib

    from reserves.portfolio.reader import read_table
    from reserves.portfolio.reader import refuse_misspelled_headers

    cols = order_columns()
    raw = read_table(path, sheet_name=sheet_name, columns=cols)
    refuse_misspelled_headers(raw, cols, free_columns)
    orders = orders_of_raw139(raw)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    orders.sha256 = h.hexdigest()
    return orders


def orders_from_records139(records: list[dict], *, source: str = "ordres", sheet: str = "Ordres"):
    """R. 139 orders from a list of mappings (a JSON body): keys are the orders file's headers."""
    from reserves.portfolio.reader import locate
    from reserves.portfolio.reader import refuse_misspelled_headers

    if not records:
        raise InputError([Problem("aucun ordre", sheet=sheet)])
    keys: list = []
    for r in records:
        for k in r:
            if k not in keys:
                keys.append(k)
    rows = [list(keys)] + [[r.get(k) for k in keys] for r in records]
    cols = order_columns()
    raw = locate(rows, source, sheet, "records", cols)
    refuse_misspelled_headers(raw, cols, ())
    return orders_of_raw139(raw)


def orders_of_raw139(raw):
    """`Orders` from a table read with `order_columns()`; every cell parsed as a portfolio cell (bad cells are
    French problems naming sheet, row, column and value). The parsed table is kept in `orders.table`."""
    import re

    from reserves.portfolio.rows139 import cells_of_raw, parse_cells
    from reserves.pretrade.orders import Order, Orders

    sheet = raw.sheet
    if "label" not in raw.fields and "isin" not in raw.fields:
        raise InputError([Problem("colonne « libelle » ou « isin » introuvable dans la ligne d'en-tête des ordres : "
                                  "elle désigne la ligne achetée ou vendue", sheet=sheet, row=raw.header_row)])
    cols = order_columns()
    problems = ProblemList()
    cells = cells_of_raw(raw, cols)
    # a blank amount is said once below, in the orders' own words
    table = parse_cells(cells, tuple(replace(c, required=False) for c in cols), problems)
    problems.raise_if_any()
    total = re.compile(r"^(sous[\s-]?)?tota(l|ux)\b", re.I)
    amount_cells = cells.cells.get("amount", [None] * len(table))
    items, warnings = [], []
    for i in range(len(table)):
        row = int(table["row"].iat[i])
        label, isin, currency = (None if _blank(table[f].iat[i]) else table[f].iat[i]
                                 for f in ("label", "isin", "currency"))
        amount = table["amount"].iat[i]
        if isin is None and _blank(table["nature"].iat[i]) and isinstance(label, str) and total.match(label.strip()):
            warnings.append(f"Ligne {row} ignorée : ligne de total (« {label.strip()} »).")
            continue
        if amount is None or amount is pd.NA:
            problems.add("case vide : le montant de l'ordre est obligatoire (positif pour un achat, négatif pour une "
                         "vente)", sheet=sheet, row=row, column=raw.where("amount"))
            continue
        if int(amount) == 0:
            problems.add("montant nul : un ordre achète (montant positif) ou vend (montant négatif)", sheet=sheet,
                         row=row, column=raw.where("amount"), value=amount_cells[i])
            continue
        if label is None and isin is None:
            problems.add("ni « libelle » ni « isin » : impossible de savoir quelle ligne l'ordre concerne",
                         sheet=sheet, row=row)
            continue
        q = table["quantity_exact"].iat[i]
        q = None if _blank(q) else q
        pocket = table["pocket"].iat[i]
        items.append(Order(row=row, label=label, isin=isin, amount=int(amount),
                           quantity=None if q is None else Decimal(q),
                           pocket=None if _blank(pocket) else str(pocket), currency=currency,
                           amount_text=amount_cells[i], sheet=sheet, index=i))
    problems.raise_if_any()
    if not items:
        raise InputError([Problem("aucun ordre sous l'en-tête", sheet=sheet, row=raw.header_row)])
    out = Orders(items, raw=raw, source=raw.source, sheet=sheet, warnings=list(raw.warnings) + warnings)
    out.table = table
    for o in items:
        o.orders = out
    return out


def as_orders139(orders):
    """R. 139 orders from `Orders` read for R. 139, a path, a DataFrame or a list of mappings."""
    from reserves.pretrade.orders import Orders

    if isinstance(orders, Orders):
        if getattr(orders, "table", None) is None:
            raise InputError([Problem("ordres lus pour les articles R. 623-3 à R. 623-10-4 : pour un portefeuille "
                                      "R. 139, lire les ordres avec ses colonnes (nature…)")])
        return orders
    if isinstance(orders, (str, os.PathLike)):
        return load_orders139(orders)
    if isinstance(orders, pd.DataFrame):
        recs = orders.astype(object).where(orders.notna(), None).to_dict("records")
        return orders_from_records139(recs)
    if isinstance(orders, dict):
        return orders_from_records139([orders])
    return orders_from_records139(list(orders))


# --------------------------------------------------------------------------- applying orders


def _blank(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


@dataclass
class Placed:
    """Where an order went: the line it changed (or added), by its position in the book's line table."""

    kind: str  # holding | new
    line: int
    match: str  # isin | libelle | nouvelle
    line_row: int


class Book:
    """The lines of an R. 139 portfolio as orders change them: values, accrued interest, quantities, notionals and
    exposures (pro rata for a line held), new lines at the end, lines sold entirely marked dead."""

    def __init__(self, pf) -> None:
        self.pf = pf
        self.lines = pf.lines.copy()
        self.origin = list(range(len(self.lines)))  # each line's index in pf.lines (-1: a new line)
        self.alive = np.ones(len(self.lines), dtype=bool)
        self.next_row = (int(self.lines["row"].max()) if len(self.lines) else int(pf.header_row or 1)) + 1
        self._match_cache: tuple | None = None

    def copy(self) -> "Book":
        b = Book.__new__(Book)
        b.pf, b.lines, b.origin = self.pf, self.lines.copy(), list(self.origin)
        b.alive, b.next_row, b._match_cache = self.alive.copy(), self.next_row, self._match_cache
        return b

    # ---- matching

    def _keys(self) -> tuple:
        """(ISIN in upper case, label key) of each line, made once per set of lines (a new line makes them again)."""
        L = self.lines
        if self._match_cache is None or self._match_cache[0] != len(L):
            isin = L["isin"].to_numpy(dtype=object)
            labels = L["label"].to_numpy(dtype=object)
            self._match_cache = (len(L), [x.upper() if isinstance(x, str) else None for x in isin],
                                 [P.key_of(x) if isinstance(x, str) else None for x in labels])
        return self._match_cache[1], self._match_cache[2]

    def _resolve(self, order, table) -> tuple:
        L = self.lines
        i_o = order.index
        isins, keys = self._keys()
        if order.isin:
            want = order.isin.upper()
            cands = [i for i, x in enumerate(isins) if x == want]
            match = "isin"
        else:
            key = P.key_of(order.label)
            cands = [i for i, x in enumerate(keys) if x == key]
            match = "libelle"
        if order.pocket:
            pockets = L["pocket"].astype(object).to_numpy()
            cands = [i for i in cands if pockets[i] == order.pocket]
        regime = table["regime"].iat[i_o]
        if not _blank(regime):
            regimes = L["regime"].astype(object).to_numpy()
            cands = [i for i in cands if regimes[i] == regime]
        if len(cands) > 1:
            live = [i for i in cands if self.alive[i]]
            cands = live if live else cands[-1:]
        if len(cands) > 1:
            rows = ", ".join(str(int(L["row"].iat[i])) for i in cands)
            what = f"l'ISIN {order.isin}" if match == "isin" else f"le libellé « {order.label} »"
            raise order.problem(f"{what} désigne plusieurs lignes du portefeuille (lignes {rows}) : préciser la "
                                "colonne « poche » ou « regime », ou passer l'ordre sur une seule ligne",
                                column="isin" if match == "isin" else "label")
        return (cands[0], match) if cands else (None, "nouvelle")

    # ---- one order

    def apply(self, order, table, raw) -> Placed:
        i, match = self._resolve(order, table)
        if i is None:
            return self._add(order, table, raw)
        L = self.lines
        nature = L["nature"].iat[i]
        onat = table["nature"].iat[order.index]
        if not pd.isna(onat) and onat != nature:
            raise order.problem(f"nature de l'ordre ({onat}) différente de celle de la ligne détenue ({nature}, ligne "
                                f"{int(L['row'].iat[i])} du portefeuille)", column="nature", value=onat)
        if order.currency is not None and order.currency != L["currency"].iat[i]:
            raise order.problem(f"devise de l'ordre ({order.currency}) différente de celle de la ligne détenue "
                                f"({L['currency'].iat[i]}, ligne {int(L['row'].iat[i])} du portefeuille)",
                                column="currency", value=order.currency)
        old = int(L["value"].iat[i]) if self.alive[i] else 0
        new = old + order.amount
        if new < 0 and nature not in NEGATIVE_OK:
            from reserves.portfolio.fmt import fr_euros

            raise order.problem(f"vente de {fr_euros(-order.amount)} supérieure à la valeur détenue ({fr_euros(old)}, "
                                f"ligne {int(L['row'].iat[i])} du portefeuille « {L['label'].iat[i]} »)",
                                column="amount", value=order.amount_text)
        self._revalue(i, old, new, order)
        self.alive[i] = new != 0
        return Placed("holding", i, match, int(L["row"].iat[i]))

    def _revalue(self, i: int, old: int, new: int, order) -> None:
        from reserves.portfolio.lookthrough import scale_round
        from reserves.portfolio.model import prorata_accrued

        L = self.lines
        pos = L.index[i]
        acc0 = int(L["accrued_interest"].iat[i])
        acc = int(prorata_accrued([old], [acc0], [new])[0]) if old else 0
        if new == 0:
            acc = 0
        L.at[pos, "value"] = new
        L.at[pos, "accrued_interest"] = acc
        L.at[pos, "market_value"] = new - acc
        k = Fraction(new, old) if old else None
        q = L["quantity_exact"].iat[i]
        if order.quantity is not None:
            base = Fraction(q) if q is not None else None
            if base is None and old:
                base = None  # a quantity sold or bought of a line whose quantity is not given: left unknown
            elif base is None:
                base = Fraction(0)
            if base is not None:
                step = Fraction(order.quantity) * (1 if order.amount > 0 else -1)
                nq = base + step
                if nq < 0:
                    raise order.problem(f"vente de {order.quantity} titres supérieure à la quantité détenue ({q})",
                                        column="quantity", value=str(order.quantity))
                self._set_quantity(pos, nq)
        elif q is not None and k is not None:
            self._set_quantity(pos, Fraction(q) * k)
        if k is not None:
            for f in ("notional", "exposure"):
                v = L[f].iat[i]
                if v is not None and v is not pd.NA and not (isinstance(v, float) and v != v):
                    L.at[pos, f] = int(scale_round(np.array([int(v)], dtype=np.int64), k)[0])

    def _set_quantity(self, pos, q: Fraction) -> None:
        d = Decimal(q.numerator) / Decimal(q.denominator) if q.denominator != 1 else Decimal(q.numerator)
        self.lines.at[pos, "quantity_exact"] = d
        self.lines.at[pos, "quantity"] = float(q)

    def _add(self, order, table, raw) -> Placed:
        from reserves.portfolio.model139 import line_columns

        i = order.index
        missing = [h for f, h in (("label", "libelle"), ("nature", "nature"), ("currency", "devise"))
                   if _blank(table[f].iat[i])]
        nature = table["nature"].iat[i]
        if order.amount < 0 and (pd.isna(nature) or nature not in NEGATIVE_OK):
            what = f"l'ISIN {order.isin}" if order.isin else f"« {order.label} »"
            raise order.problem(f"vente d'une ligne absente du portefeuille ({what})", column="amount",
                                value=order.amount_text)
        if missing:
            raise order.problem("ligne absente du portefeuille : pour l'ajouter, l'ordre doit donner "
                                + ", ".join(f"« {h} »" for h in missing))
        one = table.iloc[[i]].drop(columns=["amount"]).reset_index(drop=True)
        if _blank(one["regime"].iat[0]) and "regime" in self.lines:
            regimes = {None if _blank(r) else r for r, a in zip(self.lines["regime"].astype(object).tolist(),
                                                                  self.alive) if a}
            if len(regimes) == 1:  # one régime held: the new line is in it
                one["regime"] = np.array([next(iter(regimes))], dtype=object)
            elif len(regimes) > 1:
                raise order.problem("ligne absente du portefeuille, qui compte plusieurs régimes ("
                                    + ", ".join(sorted(str(r) for r in regimes if r is not None)) + ") : renseigner "
                                    "« regime » pour l'ajouter", column="regime")
        one["market_value"] = np.array([order.amount], dtype=np.int64)
        one["accrued_interest"] = np.array([0], dtype=np.int64)
        one["value"] = np.array([order.amount], dtype=np.int64)
        one["row"] = np.array([self.next_row], dtype=np.int64)
        self.next_row += 1
        problems = ProblemList()
        line_columns(one, raw, problems)
        problems.raise_if_any()
        L = self.lines
        for c in L.columns:
            if c not in one:
                one[c] = None
        one = one[list(L.columns)]
        for c in L.columns:
            if isinstance(L[c].dtype, pd.CategoricalDtype):
                one[c] = pd.Categorical(one[c].astype(object), categories=L[c].cat.categories)
        self.lines = pd.concat([L, one], ignore_index=True)
        for c in L.columns:  # keep the table's own dtypes (ints, tri-states) where the new line allows it
            if self.lines[c].dtype != L[c].dtype and L[c].dtype != object:
                try:
                    self.lines[c] = self.lines[c].astype(L[c].dtype)
                except (TypeError, ValueError):
                    pass
        self.origin.append(-1)
        self.alive = np.append(self.alive, True)
        return Placed("new", len(self.lines) - 1, "nouvelle", int(self.next_row - 1))

    # ---- the portfolio after

    def portfolio(self):
        """The R. 139 portfolio as the book holds it: lines sold entirely left out, new lines at the end, the
        funds' holdings rescaled to their line's value (R. 139-17 last paragraph)."""
        from reserves.portfolio import lookthrough as LT

        pf = self.pf
        keep = np.flatnonzero(self.alive)
        lines = self.lines.iloc[keep].reset_index(drop=True)
        kept = {self.origin[j] for j in keep if self.origin[j] >= 0}
        inventories = []
        inv_lines = pf.inventories["lines"].tolist() if pf.inventories is not None and len(pf.inventories) else []
        for j, inv in enumerate(pf.inventory_list):
            held = inv_lines[j] if j < len(inv_lines) else ()
            if held and not any(x in kept for x in held):
                continue  # every line of this fund was sold: its inventory describes nothing held any more
            inventories.append(inv)
        lt, inv_table, cols = LT.build(lines, inventories)
        for k, v in cols.items():
            lines[k] = v
        extra = None
        if pf.extra is not None:
            src = [self.origin[j] for j in keep]
            extra = pf.extra.reindex([s if s >= 0 else -1 for s in src]).reset_index(drop=True)
        return replace(pf, lines=lines, lookthrough=lt, inventories=inv_table, inventory_list=inventories, extra=extra)


# --------------------------------------------------------------------------- amounts of items


class Holdings:
    """One fund's holdings as its inventory sends them, ready to be rescaled to a value of the fund line exactly as
    `lookthrough.rescale` does (values by largest remainders, accrued interest, notionals and exposures rounded
    half away from zero, quantities × k exactly), for the amounts the checker reads only."""

    def __init__(self, h: pd.DataFrame) -> None:
        self.n = len(h)
        self.value = h["value"].to_numpy().astype(np.int64)
        self.raw_total = int(sum(self.value.tolist())) if self.n else 0
        self.biggest = int(np.abs(self.value).max()) if self.n else 0
        self.accrued = (h["accrued_interest"].to_numpy().astype(np.int64) if "accrued_interest" in h
                        else np.zeros(self.n, np.int64))
        self.money = {}
        for f in ("notional", "exposure"):
            if f in h:
                given = ~h[f].isna().to_numpy()
                self.money[f] = (np.flatnonzero(given), h[f][given].to_numpy(dtype=np.int64))
        self.quantity = None
        if "quantity_exact" in h:
            qs = [None if q is None else Fraction(q) for q in h["quantity_exact"].to_numpy(dtype=object)]
            self.quantity = [(None, None) if q is None else (q.numerator, q.denominator) for q in qs]
        elif "quantity" in h:
            self.quantity = pd.to_numeric(h["quantity"], errors="coerce").to_numpy(float)

    def rescaled(self, total: int) -> dict:
        from constraints.r139.model import exact
        from reserves.portfolio.lookthrough import apportion, scale_round

        n = self.n
        value, k = apportion(self.value, total)
        accrued = scale_round(self.accrued, k)
        out = {"value": value.astype(np.int64), "market_value": (value - accrued).astype(np.int64)}
        for f in ("notional", "exposure"):
            fl, ex = np.full(n, np.nan), np.full(n, None, dtype=object)
            if f in self.money:
                idx, raw = self.money[f]
                if len(idx):
                    scaled = scale_round(raw, k)
                    fl[idx] = scaled.astype(float)
                    for p, x in zip(idx.tolist(), raw.tolist()):  # × k exactly, as the reader keeps it
                        ex[p] = exact(Fraction(int(x)) * k)
            out[f], out[f + "_x"] = fl, ex
        if isinstance(self.quantity, list):  # float(Fraction(q) × k): one correctly rounded division
            kn, kd = k.numerator, k.denominator
            out["quantity"] = np.array([np.nan if a is None else (a * kn) / (b * kd) for a, b in self.quantity],
                                       dtype=float)
        elif self.quantity is not None:  # quantities without their exact figure are not rescaled (the reader's way)
            out["quantity"] = self.quantity.copy()
        else:
            out["quantity"] = np.full(n, np.nan)
        return out


def _money(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def _amounts_of_line(L: pd.DataFrame, i: int) -> dict:
    """The amounts of line `i` as the checker's items have them (`model.AMOUNTS`)."""
    from constraints.r139.model import exact

    out = {"value": int(L["value"].iat[i]), "market_value": int(L["market_value"].iat[i])}
    q = L["quantity"].iat[i] if "quantity" in L else None
    out["quantity"] = np.nan if _money(q) is None else float(q)
    for f in ("notional", "exposure"):
        v = _money(L[f].iat[i]) if f in L else None
        out[f] = np.nan if v is None else float(v)
        out[f + "_x"] = exact(v)
    return out


def _typed(f: str, v: np.ndarray) -> np.ndarray:
    if f in ("value", "market_value"):
        return v.astype(np.int64)
    if f.endswith("_x"):
        return v.astype(object)
    return v.astype(float)


# --------------------------------------------------------------------------- the engine


class Verdicts:
    """A verdict of the R. 139 checker with the input it judged, and how that input lies out the book's lines
    (`layout`: for the next order, an amount-only change). `pf`, the portfolio the verdict is about, is built
    from the book when first asked for (the portfolio after the orders made so far)."""

    def __init__(self, verdict, inp, pf=None, *, book=None, layout=None):
        self.verdict, self.inp, self.layout = verdict, inp, layout
        self._pf, self._book = pf, book

    @property
    def pf(self):
        if self._pf is None:
            self._pf = self._book.portfolio()
        return self._pf


@dataclass
class Layout:
    """Where the book's lines are in the items the checker read: `lines[k]`, the book's index of the k-th line
    of the items (the lines come first, in that order); `ref`, the portfolio those items were made from (its
    inventories and line columns); `X`, the items coded (`model.Table`)."""

    lines: np.ndarray
    ref: object
    X: object
    holdings: dict = field(default_factory=dict)  # line k → positions of its holdings in X

    def inventory(self, j: int) -> "Holdings":
        """The holdings of inventory `j` as sent (made once), for rescaling them to a new value of their line."""
        hit = self.inventories.get(j)
        if hit is None:
            hit = self.inventories[j] = Holdings(self.ref.inventory_list[j].holdings)
        return hit

    def with_items(self, X) -> "Layout":
        """The same layout over items with other amounts."""
        out = Layout.__new__(Layout)
        out.__dict__.update(self.__dict__)
        out.X = X
        return out

    def __post_init__(self):
        X = self.X
        h = np.flatnonzero(X["holding"])
        if len(h):
            keys = X["line"][h]
            order = np.argsort(keys, kind="stable")
            h, keys = h[order], keys[order]
            cut = np.flatnonzero(np.diff(keys)) + 1
            for part in np.split(h, cut):
                self.holdings[int(X["line"][part[0]])] = part
        self.index = {int(b): k for k, b in enumerate(self.lines.tolist())}
        self.inventories = {}
        inv = getattr(self.ref, "inventories", None)
        self.records = inv.to_dict("records") if inv is not None and len(inv) else []
        self.labels = self.ref.lines["label"].to_numpy(dtype=object)


class Engine139:
    """The pre-trade check on an R. 139 portfolio: every order set judged by the R. 139 checker on the portfolio
    with the orders applied (`Book`), compared with the verdict before it."""

    def __init__(self, pf, date: dt.date | None = None, *, as_of: dt.date | None = None,
                 warning=DEFAULT_WARNING, simplified=False, simplified_since=None, max_age_days=None,
                 observations=None, incremental: bool = True):
        from constraints import rulebook

        self.pf = pf
        self.incremental = incremental  # False: every order set judged by a full check (the reference)
        self.as_of = as_of or date or pf.as_of or dt.date.today()
        self.version = rulebook.for_date(self.as_of)
        self.date = date
        self.warning = warning_level(warning)
        self.options = {"simplified": simplified, "simplified_since": simplified_since, "max_age_days": max_age_days}
        self.observations = list(observations or [])
        self.book = Book(pf)
        self.now = self._judge(self.book)

    # ---- the checker on a book

    def _judge(self, book: Book) -> Verdicts:
        """The full check of the book's portfolio (before any order: the portfolio as read)."""
        from constraints.r139.checker import check
        from constraints.r139.inputs import from_portfolio

        first = not hasattr(self, "now")
        pf = self.pf if first else book.portfolio()
        inp = from_portfolio(pf, None)
        inp.observations = list(self.observations)
        v = check(inp, self.version, as_of=self.as_of, **self.options)
        if self.incremental:  # a second check: each régime's patterns made and its sums kept, for the orders
            check(inp, self.version, as_of=self.as_of, **self.options)
        v.as_of_source = getattr(self.pf, "as_of_source", None)
        lines = np.arange(len(pf.lines)) if first else np.flatnonzero(book.alive)
        return Verdicts(v, inp, pf, layout=Layout(lines, pf, inp.table()))

    def _judge_after(self, book: Book, now: Verdicts, placed: Placed) -> Verdicts:
        """The check after one more order: from the amounts only when the order changed a line held that stays
        held, else in full."""
        if self.incremental and placed.kind == "holding" and now.layout is not None:
            got = self._judge_amounts(book, now, placed.line)
            if got is not None:
                return got
        return self._judge(book)

    def _judge_amounts(self, book: Book, now: Verdicts, i: int) -> Verdicts | None:
        """The checker's verdict once line `i` of the book has new amounts, every text unchanged: the items of
        `now` with that line's amounts (and its holdings', rescaled as the reader does), the régimes' structures
        kept. None when the change is not one of amounts only (the line sold entirely or not in the items)."""
        from constraints.r139.checker import check
        from constraints.r139.inputs import majority_of
        from constraints.r139.model import R139Input
        from reserves.portfolio import lookthrough as LT

        lay = now.layout
        k = lay.index.get(int(i))
        if k is None or not book.alive[i]:
            return None
        X = lay.X
        if X["holding"][k] or int(X["line"][k]) != k:  # pragma: no cover - the lines come first, in order
            return None
        L = book.lines
        pos = [np.array([k], dtype=np.int64)]
        vals = {f: [np.array([v], dtype=object)] for f, v in _amounts_of_line(L, i).items()}
        held = lay.holdings.get(k)
        if held is not None and len(held):
            j = lay.ref.lines["inventory"].iat[k]
            if j is None or j != j or int(j) < 0:  # pragma: no cover - holdings come from an inventory
                return None
            inv = lay.inventory(int(j))
            total = int(L["value"].iat[i])
            if inv.raw_total <= 0 or inv.n != len(held) or inv.biggest * abs(total) > LT.MAX_CENTS * inv.raw_total:
                return None  # the full check says what is wrong, as the reader does
            pos.append(held)
            for f, v in inv.rescaled(total).items():
                vals[f].append(v)
        pos = np.concatenate(pos)
        new = {f: _typed(f, np.concatenate(v)) for f, v in vals.items()}
        X2 = X.with_amounts(pos, new)
        inp0 = now.inp
        ref = lay.ref
        warnings = list(ref.warnings)
        if lay.records:  # R. 139-2, on the lines as the orders made them (every line of the layout is held)
            qty = (L["quantity_exact"].to_numpy(dtype=object)[lay.lines] if "quantity_exact" in L
                   else [None] * len(lay.lines))
            warnings += majority_of(lay.records, L["value"].to_numpy()[lay.lines], qty, lay.labels)
        inp = R139Input(items=inp0.items, inventories=inp0.inventories, observations=inp0.observations,
                        warnings=warnings, source=inp0.source, headers=inp0.headers)
        inp.__dict__["column_name"] = inp0.__dict__.get("column_name", inp.column_name)
        inp.__dict__["_table"] = (inp.items, X2)
        v = check(inp, self.version, as_of=self.as_of, **self.options)
        v.as_of_source = getattr(self.pf, "as_of_source", None)
        return Verdicts(v, inp, book=book, layout=lay.with_items(X2))

    @property
    def status(self) -> str:
        return self.now.verdict.status

    def rule_statuses(self) -> dict:
        return {r.spec.id: r.status for r in self.now.verdict.results}

    def verdict(self):
        return self.now.verdict

    def portfolio(self):
        return self.now.pf

    # ---- orders

    def run(self, orders, keep: bool = False) -> tuple:
        """(the effect of the set, the effect of each order on the portfolio after the ones before it, the
        verdicts after all): one full R. 139 check per order, the last one being the set's."""
        orders = as_orders139(orders)
        table, raw = orders.table, orders.raw
        book = self.book.copy()
        before = now = self.now
        placed, each = [], []
        for o in orders.items:
            p = book.apply(o, table, raw)
            placed.append(p)
            after = self._judge_after(book, now, p)
            each.append(self._outcome([o], [p], now, after, book))
            now = after
        overall = self._outcome(orders.items, placed, before, now, book)
        if keep:
            self.book, self.now = book, now
        return overall, each, now

    def try_orders(self, orders) -> OrderOutcome:
        """The effect of an order set taken together; the engine is left unchanged."""
        return self.run(orders)[0]

    def apply_all(self, orders) -> OrderOutcome:
        """Make the orders: the engine now holds the portfolio after them."""
        return self.run(orders, keep=True)[0]

    # ---- effects

    def _outcome(self, items, placed, before: Verdicts, after: Verdicts, book: Book) -> OrderOutcome:
        changes, alerts = compare(before.verdict, after.verdict, self.warning)
        purchase = self._purchases(items, placed, before, after, book)
        changes = purchase + changes
        changes.sort(key=lambda c: -EFFECT_RANK[c.effect])
        effect = worst_effect(c.effect for c in changes)
        statuses = {r.spec.id: r.status for r in after.verdict.results}
        if purchase:
            statuses["R139-48/immobilier-achats"] = "breach"
        status = "breach" if purchase else after.verdict.status
        if len(items) == 1:
            o, p = items[0], placed[0]
            label = o.label or str(book.lines["label"].iat[p.line])
            return OrderOutcome(o.row, label, o.isin, o.amount, p.match, p.line_row, effect, changes, alerts,
                                status, statuses)
        return OrderOutcome(None, "ensemble des ordres", None, sum(o.amount for o in items), "ensemble", None,
                            effect, changes, alerts, status, statuses)

    def _purchases(self, items, placed, before: Verdicts, after: Verdicts, book: Book) -> list:
        """R. 139-48 al. 3: no new purchase of an R. 139-18 8° asset while a real-estate limit is broken (in the
        order's régime, before the orders)."""
        spec = next((s for s in self.version.rules if s.kind == "r139_orders"), None)
        if spec is None:
            return []
        natures = set(spec.params.get("natures", ()))
        keep_rules = set(self.version.extra["cure"]["real_estate_keep"]["rules"])
        broken: dict = {}
        for r in before.verdict.results:
            if r.spec.id in keep_rules:
                for f in r.findings:
                    if f.status == "breach":
                        broken.setdefault(getattr(f, "regime", None), []).append(f)
        if not broken:
            return []
        out = []
        L = book.lines
        for o, p in zip(items, placed):
            if o.amount <= 0 or L["nature"].iat[p.line] not in natures:
                continue
            regime = L["regime"].iat[p.line]
            regime = None if _blank(regime) else regime
            fs = broken.get(regime) or (broken.get(None) if len(before.verdict.regimes) == 1 else None) or []
            if not fs:
                continue
            from reserves.portfolio.fmt import fr_euros

            why = "; ".join(f"{f.rule} ({f.subject})" for f in fs[:3])
            label = str(L["label"].iat[p.line])
            out.append(Change("R139-48/immobilier-achats", spec.article, label, EFFECT_CREATES, "not_applicable",
                              "breach", rows=[p.line_row],
                              message=f"{spec.title} — « {label} » : achat de {fr_euros(o.amount)} d'un actif "
                                      f"immobilier (R. 139-18 8°) alors qu'une limite immobilière est dépassée ({why}) "
                                      "; R. 139-48 al. 3 : aucun nouvel achat tant que le dépassement persiste"))
        return out


def _fkey(f) -> tuple:
    return (f.rule, getattr(f, "regime", None), f.subject)


def _grew(a, b) -> bool:
    return a is not None and (b is None or a > b)


def compare(before, after, warning: Fraction) -> tuple[list, list]:
    """The changes from one R. 139 verdict to another, per rule, régime and subject; and the alerts of rules within
    their limit whose figure passes the warning level and grew."""
    from reserves.portfolio.fmt import fr_euros, fr_pct

    old: dict = {}
    for f in before.findings:
        k = _fkey(f)
        if k not in old or EFFECT_RANK.get(f.status, 0) > 0:
            old[k] = f
    status0 = {r.spec.id: r.status for r in before.results}
    changes = []
    for f1 in after.findings:
        f0 = old.get(_fkey(f1))
        st0 = f0.status if f0 is not None else ("not_applicable" if status0.get(f1.rule) == "not_applicable" else "ok")
        effect = EFFECT_NEUTRAL
        if f1.status == "breach":
            if st0 != "breach":
                effect = EFFECT_CREATES
            elif _grew(f1.amount, f0.amount) or _grew(f1.euros, f0.euros) and f1.amount is None:
                effect = EFFECT_WORSENS
        elif f1.status == "unknown":
            if st0 in ("ok", "not_applicable"):
                effect = EFFECT_UNKNOWN
            elif st0 == "unknown" and _grew(f1.euros, f0.euros):
                effect = EFFECT_UNKNOWN
        if effect == EFFECT_NEUTRAL:
            continue
        words = {EFFECT_CREATES: "dépassement créé", EFFECT_WORSENS: "dépassement aggravé",
                 EFFECT_UNKNOWN: "à vérifier"}[effect]
        reg = f" (régime {f1.regime})" if getattr(f1, "regime", None) else ""
        msg = f"{f1.rule}{reg} — {f1.subject} : {words}"
        if f1.status == "breach" and f1.amount is not None:
            msg += f" (écart {fr_euros(f1.amount)}"
            if f0 is not None and f0.status == "breach" and f0.amount is not None:
                msg += f", contre {fr_euros(f0.amount)} avant"
            msg += ")"
        value = lambda f: f.value if isinstance(f.value, float) else None  # noqa: E731
        changes.append(Change(f1.rule, f1.article, f1.subject, effect, st0, f1.status,
                              value(f0) if f0 is not None else None, value(f1),
                              f1.limit if isinstance(f1.limit, float) else None,
                              f0.amount if f0 is not None and f0.status == "breach" else None,
                              f1.amount if f1.status == "breach" else None, f0.euros if f0 is not None else None,
                              f1.euros, list(f1.rows), msg))
    alerts = []
    res0 = {r.spec.id: r for r in before.results}
    for r in after.results:
        lim = r.limit
        if r.status != "ok" or r.value is None or lim is None or r.spec.params.get("sense") != "max":
            continue
        level = float(Fraction(str(lim)) * warning)
        r0 = res0.get(r.spec.id)
        if r.value >= level and (r0 is None or r0.value is None or r.value > r0.value):
            alerts.append(Alert(r.spec.id, r.spec.article, r.spec.title, float(r.value), float(lim), level,
                                f"{r.spec.title} : {fr_pct(float(r.value))} pour un plafond de {fr_pct(float(lim))} "
                                f"(seuil d'alerte {fr_pct(level)})"))
    return changes, alerts


# --------------------------------------------------------------------------- the answer


def check_orders139(pf, orders, *, date=None, as_of=None, warning=DEFAULT_WARNING, simplified=False,
                    simplified_since=None, max_age_days=None, observations=None):
    """The R. 139 verdict after the orders, and the effect of each order and of the set (`OrdersVerdict`)."""
    engine = Engine139(pf, date, as_of=as_of, warning=warning, simplified=simplified,
                       simplified_since=simplified_since, max_age_days=max_age_days, observations=observations)
    return check_orders_on139(engine, orders)


def check_orders_on139(engine: Engine139, orders):
    """`check_orders139` on an engine already built; the engine is left as it was."""
    from reserves.pretrade.orders import OrdersVerdict

    orders = as_orders139(orders)
    status_before = engine.status
    overall, each, after = engine.run(orders)
    verdict = after.verdict
    verdict.warnings = list(verdict.warnings) + list(orders.warnings)
    if overall.changes and any(c.rule == "R139-48/immobilier-achats" for c in overall.changes):
        _mark_purchases(verdict, overall)
    return OrdersVerdict(verdict, each, overall, status_before, float(engine.warning), after.pf, orders.source,
                         orders.sha256, list(orders.warnings))


def _mark_purchases(verdict, overall) -> None:
    """The verdict after the orders carries the R. 139-48 al. 3 breach the purchases make."""
    from constraints.r139.base import Finding139

    for r in verdict.results:
        if r.spec.id != "R139-48/immobilier-achats":
            continue
        r.status = "breach"
        r.note = ""
        for c in overall.changes:
            if c.rule == r.spec.id:
                r.findings.append(Finding139(c.rule, "breach", c.subject, list(c.rows), c.message,
                                             article=r.spec.article))


__all__ = ["load_orders139", "orders_from_records139", "orders_of_raw139", "as_orders139", "order_columns",
           "Engine139", "Book", "check_orders139", "check_orders_on139", "compare"]
