"""Stress view of an R. 139 portfolio: market shocks by `nature` and currency, re-checked by the R. 139 checker.

A scenario is a set of shocks, as for R. 623 (`reports.stress`): families `actions` (natures `action`,
`acces_capital`), `immobilier` (`droit_immobilier`, `societe_immobiliere`, `opci`) and `devises` (every item
not in euros) in percent of the value, `taux` in basis points through a modified duration (a `duree` /
`duration` column of the `Portefeuille` sheet, else a default by nature, stated in the report); a nature
named alone (`--choc opci=-25` in percent, `--choc obligation=+150` in basis points for the rate natures) or a
currency (`--choc USD=-12`) overrides its family for that nature or currency.

The shocks apply to the portfolio seen through (R. 139-17): a fund looked through with its inventory has
each holding shocked by its own nature and currency and its line moves by the change of the inventory's
sum (the holdings are then rescaled to the new line value as the reader does, last paragraph); a fund held
without a usable inventory and other funds in a fund's inventory keep their value (their composition is unknown
to the shock; the report says how much was left so).

A financial contract (a line, or a holding of a fund looked through) is shocked through its exposure: R. 139-47
makes the exposure the value of the equivalent position in the underlying, and the contract's gain or loss the
change of that position. The underlying is read as the checker reads it: the item held with the contract's
`sous_jacent` ISIN (its nature, currency and duration), else `type_sous_jacent` — `action` as an equity, `taux`
as a bond (the contract's `duration`, else 5 years), `credit` as a bond too, `change` through the currency of
the exposure alone; the currency of the exposure (`devise_exposition`, else `devise`) is shocked as an item's.
So exposure' = exposure × the underlying's factor (to the cent) and value' = value + exposure' − exposure; the
notional, a contractual amount, is kept.

A credit default swap (`type_sous_jacent` `credit`) is a position on the debt of its reference entity: R. 139-47's
equivalent position is that entity's bond — its `sous_jacent` ISIN when the body holds it, else a bond of the
contract's `duration` (5 years by default) in the currency of the exposure. Protection sold is long that bond
(a positive `exposition`), protection bought short it (a negative one): a rise of the bond's yield (`taux`, or
its nature's shock) is a loss for the seller and a gain for the buyer, by the same exposure × duration × rise as
the bond; the exposure's currency is shocked as a bond's. The report's rate shock is a move of the reference
bond's yield, its spread included: a swap hedging a bond held moves against it. A contract on commodities or
other underlyings, or without its exposure, keeps its value and exposure (counted in what the scenario does not
reach). The shocked portfolio is
checked again by the R. 139 checker with the same options; every figure of the view is a result of that
check. The scenario is scaled from 0 to 100 % to find, for each rule, the smallest fraction at which it
breaks (a passive-breach forecast, as for R. 623).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from constraints.rules import BREACH, NA, OK
from reserves.portfolio import lookthrough as LT
from reserves.portfolio.columns import normalize_header
from reserves.portfolio.columns139 import LOOKED_THROUGH
from reserves.portfolio.errors import InputError

from .stress import DEFAULT_SCENARIO, shock_text as _shock_text_623

FAMILIES139 = {
    "actions": {"label": "Actions", "natures": ("action", "acces_capital"), "unit": "%"},
    "immobilier": {"label": "Immobilier", "natures": ("droit_immobilier", "societe_immobiliere", "opci"), "unit": "%"},
    "taux": {"label": "Taux (via la duration)", "natures": ("titre_etat", "obligation", "tcn", "titre_participatif",
                                                           "monetaire"), "unit": "pb"},
    "devises": {"label": "Devises (hors euro)", "natures": None, "unit": "%"},
}
ALIASES = {"equity": "actions", "equities": "actions", "immo": "immobilier",
           "realestate": "immobilier", "rates": "taux", "rate": "taux", "devise": "devises", "fx": "devises"}
# Modified duration in years by nature when the file gives none (product parameters, not limits of the law).
DEFAULT_DURATION = {"titre_etat": 7.0, "obligation": 5.0, "titre_participatif": 5.0, "tcn": 0.5, "monetaire": 0.25}
DURATION_HEADERS = {"duree", "duration", "dureemodifiee", "sensibilite", "modifiedduration"}
UNSHOCKED = ("contrat_financier",) + tuple(n for n in ("opcvm", "fonds_mutualise", "organisme_dedie"))
GRID = 20  # steps of 5 % of the scenario, then bisection
BISECT = 7  # 5 % / 2**7 < 0.04 %
_SHOCK = re.compile(r"\s*([A-Za-zéè_\-]+)\s*=\s*([+\-−]?\s*\d+(?:[.,]\d+)?)\s*(%|pb|bp)?\s*")


def parse_scenario139(items, natures) -> dict:
    """{key: Fraction}: keys are families (`actions`…), `nature:<key>` or `devise:<ISO>`."""
    if not items:
        return dict(DEFAULT_SCENARIO)
    out = {}
    for text in items:
        key, amount = parse_shock139(text, natures)
        out[key] = amount
    return out


def parse_shock139(text: str, natures) -> tuple[str, Fraction]:
    m = _SHOCK.fullmatch(text or "")
    if not m:
        raise InputError.one(f"choc « {text} » illisible : attendu par exemple actions=-30, immobilier=-15, "
                             "taux=+100 (points de base), opci=-25 ou USD=-10")
    word = m.group(1)
    folded = word.lower().replace("-", "_")
    flat = folded.replace("_", "")
    amount = Fraction(m.group(2).replace("−", "-").replace(" ", "").replace(",", "."))
    if flat in FAMILIES139 or flat in ALIASES:
        key = ALIASES.get(flat, flat)
        unit = FAMILIES139[key]["unit"]
    elif folded in natures:
        key, unit = f"nature:{folded}", ("pb" if folded in DEFAULT_DURATION else "%")
    elif re.fullmatch(r"[A-Za-z]{3}", word) and _is_currency(word):  # a currency, by its ISO code (usd as USD)
        if word.upper() == "EUR":
            raise InputError.one(f"choc « {text} » : l'euro est la monnaie de référence ; choquer les autres "
                                 "devises (devises=-10, USD=-10)")
        key, unit = f"devise:{word.upper()}", "%"
    else:
        raise InputError.one(f"choc « {text} » : famille, nature ou devise inconnue « {word} » ; familles : "
                             + ", ".join(FAMILIES139) + " ; natures : " + ", ".join(natures)
                             + " ; devises en code ISO 4217 (USD, JPY…)")
    if unit == "%" and amount <= -100:
        raise InputError.one(f"choc « {text} » : une baisse de 100 % ou plus n'a pas de sens")
    if unit == "%" and m.group(3) in ("pb", "bp"):
        raise InputError.one(f"choc « {text} » : « {word} » se choque en pourcentage de la valeur")
    if unit == "pb" and m.group(3) == "%":
        raise InputError.one(f"choc « {text} » : « {word} » se choque en points de base de taux (via la duration)")
    return key, amount


def _is_currency(word: str) -> bool:
    from reserves.portfolio.parsing import BadCell, parse_currency

    try:
        parse_currency(word)
    except BadCell:
        return False
    return True


def unit_of(key: str) -> str:
    if key in FAMILIES139:
        return FAMILIES139[key]["unit"]
    if key.startswith("nature:"):
        return "pb" if key[7:] in DEFAULT_DURATION else "%"
    return "%"


def shock_text(key: str, amount: Fraction, scale: float = 1.0) -> str:
    family = "taux" if unit_of(key) == "pb" else "actions"
    return _shock_text_623(family, amount, scale)


def scope_text(key: str, version) -> str:
    natures = version.extra.get("natures", {})
    if key in FAMILIES139:
        fam = FAMILIES139[key]
        if fam["natures"] is None:
            return "placements et lignes dont la devise n'est pas l'euro"
        return ", ".join(natures.get(n, {}).get("title", n) for n in fam["natures"])
    if key.startswith("nature:"):
        return natures.get(key[7:], {}).get("title", key[7:])
    return f"placements et lignes en {key[7:]}"


def key_title(key: str) -> str:
    if key in FAMILIES139:
        return FAMILIES139[key]["label"]
    if key.startswith("nature:"):
        return f"Nature « {key[7:]} »"
    return f"Devise {key[7:]}"


# --------------------------------------------------------------------------- the shocked portfolio


def _durations(pf) -> tuple[np.ndarray | None, str]:
    """The modified duration of each line from a `duree`/`duration` column (NaN where blank or unreadable)."""
    extra = getattr(pf, "extra", None)
    if extra is None:
        return None, ""
    for col in extra.columns:
        if normalize_header(col) in DURATION_HEADERS:
            vals = np.full(len(pf.lines), np.nan)
            for i, v in enumerate(extra[col].tolist()):
                if v is None:
                    continue
                try:
                    vals[i] = float(str(v).replace("\u202f", "").replace(" ", "").replace(",", "."))
                except ValueError:
                    pass
            vals[(vals < 0) | ~np.isfinite(vals)] = np.nan
            return vals, str(col)
    return None, ""


def factors(natures, currencies, durations, scenario: dict, scale: float) -> np.ndarray:
    """The factor of each item's value under `scale` × the scenario (1 for what no shock reaches)."""
    nat = np.asarray(natures, dtype=object)
    cur = np.array([str(c).strip().upper() if c is not None else "" for c in currencies], dtype=object)
    f = np.ones(len(nat))
    nature_keys = {k[7:] for k in scenario if k.startswith("nature:")}
    for key, amount in scenario.items():
        a = float(amount) * scale
        if key.startswith("devise:"):
            continue
        if key == "devises":
            continue
        if key.startswith("nature:"):
            mask = nat == key[7:]
        else:
            mask = np.isin(nat, [n for n in FAMILIES139[key]["natures"] if n not in nature_keys])
        if unit_of(key) == "%":
            f = np.where(mask, f * (1 + a / 100), f)
        else:
            f = np.where(mask, f * np.maximum(0.0, 1 - durations * a / 10_000), f)
    currency_keys = {k[7:] for k in scenario if k.startswith("devise:")}
    non_euro = (cur != "EUR") & (cur != "")
    for key, amount in scenario.items():
        a = float(amount) * scale
        if key.startswith("devise:"):
            f = np.where(cur == key[7:], f * (1 + a / 100), f)
        elif key == "devises":
            f = np.where(non_euro & ~np.isin(cur, list(currency_keys)), f * (1 + a / 100), f)
    unshocked = np.isin(nat, UNSHOCKED)
    return np.where(unshocked, 1.0, np.maximum(f, 0.0))


def _default_durations(natures) -> np.ndarray:
    return np.array([DEFAULT_DURATION.get(n, 0.0) for n in np.asarray(natures, dtype=object)], dtype=float)


def _scaled(df, new_value: np.ndarray):
    """`df` (lines or holdings) with values at `new_value` cents: accrued interest pro rata, market value the rest;
    quantities unchanged (a price moves, not the number of securities)."""
    old = df["value"].to_numpy(dtype=np.int64)
    new = np.asarray(new_value, dtype=np.int64)
    if (old == new).all():
        return df
    out = df.copy()
    ai = out["accrued_interest"].to_numpy(dtype=np.int64) if "accrued_interest" in out else np.zeros(len(out), np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        new_ai = np.where(old != 0, np.rint(ai * (new / np.where(old != 0, old, 1))), ai).astype(np.int64)
    out["value"] = new
    if "accrued_interest" in out:
        out["accrued_interest"] = new_ai
    if "market_value" in out:
        out["market_value"] = new - new_ai
    return out


def shocked_portfolio(pf, scenario: dict, scale: float = 1.0, *, durations=None):
    """The `Portfolio139` after `scale` × the scenario: lines shocked by nature and currency; a fund looked
    through moves with its inventory, each holding shocked by its own nature and currency."""
    lines = pf.lines
    if durations is None:
        given, _ = _durations(pf)
        durations = _line_durations(lines, given)
    nat = lines["nature"].astype(object).to_numpy()
    old = lines["value"].to_numpy(dtype=np.int64)
    f = factors(nat, lines["currency"].tolist(), durations, scenario, scale)
    new = np.rint(old * f).astype(np.int64)
    held = (lines["isin"].to_numpy(dtype=object) if "isin" in lines else np.full(len(lines), None), nat,
            lines["currency"].to_numpy(dtype=object), durations)
    given, _ = _durations(pf)
    c_value, c_exp = contract_shock(lines, scenario, scale, durations=given, held=held)
    new = np.where(nat == "contrat_financier", c_value, new)
    invs = []
    inv_of = lines["inventory"].to_numpy() if "inventory" in lines else np.full(len(lines), -1)
    for j, inv in enumerate(pf.inventory_list):
        h = inv.holdings
        hn = h["nature"].astype(object).to_numpy()
        hv = h["value"].to_numpy(dtype=np.int64)
        hd = _default_durations(hn)
        hf = factors(hn, h["currency"].tolist(), hd, scenario, scale)
        hnew = np.rint(hv * hf).astype(np.int64)
        h_isin = h["isin"].to_numpy(dtype=object) if "isin" in h else np.full(len(h), None)
        hc_value, hc_exp = contract_shock(h, scenario, scale, held=(h_isin, hn, h["currency"].to_numpy(dtype=object), hd))
        hnew = np.where(hn == "contrat_financier", hc_value, hnew)
        h = _with_exposure(h, hc_exp)
        total, total_new = int(hv.sum()), int(hnew.sum())
        if total <= 0 or total_new <= 0:  # nothing left to spread the line over: the inventory is kept as read
            invs.append(inv)
            continue
        for i in np.flatnonzero(inv_of == j).tolist():
            if nat[i] in LOOKED_THROUGH:
                # the fund's value moves with its inventory's sum: V × S' / S, rounded half up in exact integers
                new[i] = (2 * int(old[i]) * total_new + total) // (2 * total)
        invs.append(replace(inv, holdings=_scaled(h, hnew)) if (hnew != hv).any() or h is not inv.holdings else inv)
    lines = _with_exposure(_scaled(lines, new), c_exp)
    funds = np.flatnonzero(inv_of >= 0)
    if not len(funds):  # no inventory: the look-through table stays the (empty) one read
        return replace(pf, lines=lines)
    # the funds and their inventories are matched as the reader matched them: the look-through is rebuilt on the
    # fund lines alone (the reader's rescaling, R. 139-17 last paragraph), then put back at their places
    sub = lines.iloc[funds].reset_index(drop=True)
    lt, inv_table, _cols = LT.build(sub, invs)
    if len(lt):
        lt["fund_line"] = funds[lt["fund_line"].to_numpy(dtype=np.int64)]
    inv_table["lines"] = [tuple(int(funds[i]) for i in t) for t in inv_table["lines"]]
    return replace(pf, lines=lines, lookthrough=lt, inventories=inv_table, inventory_list=invs)


# type_sous_jacent → the nature shocked as (a credit default swap: a bond of its reference entity, module docstring)
CONTRACT_UNDERLYING = {"action": "action", "taux": "obligation", "credit": "obligation"}


def _blank(x) -> bool:
    import pandas as pd

    return x is None or bool(pd.isna(x))


def contract_shock(df, scenario: dict, scale: float, *, durations=None, held=None):
    """(value cents, exposure or None) of each row of `df` (lines or holdings) after the scenario: a financial
    contract whose exposure is known and whose underlying a shock reaches moves by its exposure (module
    docstring); other rows keep theirs. `held` (isin, nature, currency, duration of the items held) reads an
    underlying by its ISIN."""
    n = len(df)
    value = df["value"].to_numpy(dtype=np.int64).copy()
    if "exposure" not in df or not n:
        return value, None
    exp = df["exposure"].to_numpy(dtype=object).copy()
    nat = df["nature"].astype(object).to_numpy()
    con = np.flatnonzero(nat == "contrat_financier")
    if not len(con):
        return value, None
    col = {k: (df[k].astype(object).to_numpy() if k in df else np.full(n, None))
           for k in ("underlying_kind", "underlying", "exposure_currency", "currency")}
    by_isin = {}
    if held is not None:
        h_isin, h_nat, h_cur, h_dur = held
        for i in range(len(h_isin)):
            if not _blank(h_isin[i]) and h_nat[i] != "contrat_financier":
                by_isin.setdefault(str(h_isin[i]).upper(), (h_nat[i], h_cur[i], h_dur[i]))
    u_nat, u_cur, u_dur, ok = [], [], [], []
    for p in con.tolist():
        k = None if _blank(col["underlying_kind"][p]) else col["underlying_kind"][p]
        given_cur = None if _blank(col["exposure_currency"][p]) else col["exposure_currency"][p]
        hit = None if _blank(col["underlying"][p]) else by_isin.get(str(col["underlying"][p]).strip().upper())
        if hit is not None:
            nature, c_u, d = hit
            c = given_cur or c_u
        else:
            nature = CONTRACT_UNDERLYING.get(k)
            c = given_cur or col["currency"][p]
            d = durations[p] if durations is not None and np.isfinite(durations[p]) else np.nan
            if not np.isfinite(d):
                d = DEFAULT_DURATION.get("obligation", 5.0) if nature == "obligation" else 0.0
        u_nat.append(nature)
        u_cur.append(c)
        u_dur.append(d)
        ok.append(not _blank(exp[p]) and (nature is not None or k == "change"))
    f = factors(np.array(u_nat, dtype=object), u_cur, np.array(u_dur, dtype=float), scenario, scale)
    for j, p in enumerate(con.tolist()):
        if not ok[j] or f[j] == 1.0:
            continue
        e = int(exp[p])
        e2 = int(np.rint(e * f[j]))
        exp[p] = e2
        value[p] = int(value[p]) + e2 - e
    return value, exp


def _with_exposure(df, exposure):
    """`df` with the contracts' exposures after the shock (None: unchanged)."""
    if exposure is None:
        return df
    import pandas as pd

    new = pd.array([None if _blank(x) else int(x) for x in exposure], dtype="Int64")
    if df["exposure"].astype("Int64").equals(pd.Series(new, index=df.index)):
        return df
    out = df.copy()
    out["exposure"] = pd.Series(new, index=df.index).astype(df["exposure"].dtype)
    return out


def _line_durations(lines, given) -> np.ndarray:
    default = _default_durations(lines["nature"].astype(object).to_numpy())
    if given is None:
        return default
    return np.where(np.isnan(given), default, given)


# --------------------------------------------------------------------------- the view


@dataclass
class RuleStress139:
    rule_id: str
    title: str
    article: str
    status_before: str
    status_after: str
    value_before: float | None
    value_after: float | None
    limit: float | None
    figure_before: int | None  # cents behind the share
    figure_after: int | None
    headroom_before: int | None  # cents under the cap (negative: the excess)
    headroom_after: int | None
    first_break: float | None  # fraction of the scenario at which the rule first breaks
    strict: bool = False


@dataclass
class NatureShock:
    nature: str
    title: str
    before: int  # cents, seen through (R. 139-17), all régimes
    after: int


@dataclass
class StressResult139:
    scenario: dict
    durations_from: str  # header of the duration column, or "" (defaults by nature)
    defaulted_lines: int  # rate-sensitive lines valued with the default duration
    base_before: int
    base_after: int
    total_before: int
    total_after: int
    rules: list
    natures: list
    unshocked: int  # cents left unshocked: funds without a usable inventory, contracts, funds within funds
    verdict_after: object = None
    notes: list = field(default_factory=list)

    @property
    def breaking(self) -> list:
        """Rules that break under the scenario but not before it, first to break first."""
        return [r for r in self.rules if r.first_break is not None]

    @property
    def status_after(self) -> str:
        return self.verdict_after.status


def release_contexts(verdict) -> None:
    """Forget each régime's context (its item arrays): the results and their figures stay."""
    verdict.parts = [(name, None, results) for name, _ctx, results in verdict.parts]


def _seen_by_nature(verdict) -> dict:
    out: dict = {}
    for _name, ctx, _results in verdict.parts:
        if ctx is None:
            continue
        nat = ctx.nature
        t = ctx.T
        for key in set(np.asarray(nat[t], dtype=object).tolist()):
            m = t & (nat == key)
            out[key] = out.get(key, 0) + int(ctx.value[m].sum())
    return out


def run139(pf, verdict, scenario: dict, recheck) -> StressResult139:
    """The stress view: `recheck(pf)` checks a portfolio with the options of `verdict` (a `Verdict139`)."""
    version = verdict.version
    given, col = _durations(pf)
    durations = _line_durations(pf.lines, given)
    nat = pf.lines["nature"].astype(object).to_numpy()
    rate = np.isin(nat, list(DEFAULT_DURATION))
    rates_shocked = any(unit_of(k) == "pb" for k in scenario)
    defaulted = int((rate & (np.isnan(given) if given is not None else True)).sum()) if rates_shocked else 0

    seen: dict = {}

    def at(scale):  # one check per fraction of the scenario, however many rules bisect through it
        if scale not in seen:
            v = recheck(shocked_portfolio(pf, scenario, scale, durations=durations))
            if scale != 1.0:
                release_contexts(v)  # only the whole scenario's régimes are described
            seen[scale] = v
        return seen[scale]

    grid = [verdict] + [at(k / GRID) for k in range(1, GRID + 1)]
    first: dict = {}
    for r0 in verdict.results:
        rid = r0.spec.id
        if r0.status == BREACH:
            continue
        prev = 0.0
        for k in range(1, GRID + 1):
            if grid[k].result(rid).status == BREACH:
                lo, hi = prev, k / GRID
                for _ in range(BISECT):
                    mid = (lo + hi) / 2
                    if at(mid).result(rid).status == BREACH:
                        hi = mid
                    else:
                        lo = mid
                first[rid] = hi
                break
            prev = k / GRID
    after = grid[-1]
    rows = []
    for r0 in verdict.results:
        r1 = after.result(r0.spec.id)
        if r0.status == NA and r1.status == NA:
            continue
        rows.append(RuleStress139(r0.spec.id, r0.spec.title, r0.spec.article, r0.status, r1.status, r0.value,
                                  r1.value, r1.limit if r1.limit is not None else r0.limit, r0.figure, r1.figure,
                                  r0.headroom, r1.headroom, first.get(r0.spec.id),
                                  strict=bool(r0.spec.params.get("strict"))))
    rows.sort(key=lambda r: (r.first_break is None, r.first_break or 0, r.status_before != BREACH,
                             r.status_after == OK, r.rule_id))
    before_n, after_n = _seen_by_nature(verdict), _seen_by_nature(after)
    natures = [NatureShock(k, s.get("title", k), before_n.get(k, 0), after_n.get(k, 0))
               for k, s in version.extra.get("natures", {}).items() if before_n.get(k) or after_n.get(k)]
    unshocked = _unshocked(pf)
    notes = []
    if unshocked:
        notes.append("fonds sans inventaire utilisable, fonds détenus par un fonds et contrats financiers sans "
                     "exposition ou sur un sous-jacent qu'aucun choc n'atteint (marchandises, autre) gardent "
                     "leur valeur (leur composition échappe au choc)")
    return StressResult139(scenario, col, defaulted, verdict.base, after.base, verdict.total, after.total, rows,
                           natures, unshocked, verdict_after=after, notes=notes)


def _unshocked(pf) -> int:
    """Cents the scenario cannot reach: funds held without an inventory, contracts, funds inside inventories."""
    L = pf.lines
    nat = L["nature"].astype(object).to_numpy()
    inv = L["inventory"].to_numpy() if "inventory" in L else np.full(len(L), -1)
    blind = np.isin(nat, LOOKED_THROUGH) & (inv < 0)
    total = int(L["value"].to_numpy(dtype=np.int64)[blind | ((nat == "contrat_financier") & ~_reached(L))].sum())
    lt = pf.lookthrough
    if lt is not None and len(lt):
        ln = lt["nature"].astype(object).to_numpy()
        left = np.isin(ln, UNSHOCKED) & ~((ln == "contrat_financier") & _reached(lt))
        total += int(lt["value"].to_numpy(dtype=np.int64)[left].sum())
    return total


def _reached(df) -> np.ndarray:
    """Contracts a shock can reach through their exposure (given, on equities, rates, credit, currencies or an
    ISIN)."""
    n = len(df)
    if "exposure" not in df:
        return np.zeros(n, dtype=bool)
    has_e = df["exposure"].notna().to_numpy()
    kind = df["underlying_kind"].astype(object).to_numpy() if "underlying_kind" in df else np.full(n, None)
    und = df["underlying"].notna().to_numpy() if "underlying" in df else np.zeros(n, dtype=bool)
    return has_e & (np.isin(kind, ("action", "taux", "credit", "change")) | und)


__all__ = ["FAMILIES139", "DEFAULT_DURATION", "parse_scenario139", "parse_shock139", "shocked_portfolio", "run139",
           "StressResult139", "RuleStress139", "release_contexts", "shock_text", "scope_text", "key_title"]
