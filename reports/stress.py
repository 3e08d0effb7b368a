"""Stress view: simple market shocks by family of assets, and which limits break first.

A scenario is a set of shocks: `actions` and `immobilier` in percent of the
value, `taux` in basis points applied to bonds through their duration (an
extra `duree`/`duration` column when the file has one, else a default
duration per category, stated in the report), `devises` in percent of the
lines not denominated in euros. The checker is run again on the shocked
values; the scenario is scaled from 0 to 100 % to find, for each rule, the
smallest fraction of the scenario at which it breaks: a passive-breach
forecast (READING 13).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from constraints.rules import BREACH, OK
from reserves.portfolio.columns import normalize_header
from reserves.portfolio.errors import InputError

from .model import cats_label

# Families of shocks: the categories they move (product parameters, not limits of the law).
FAMILIES = {
    "actions": {"label": "Actions et fonds (6°, 7°, 8°)", "categories": (6, 7, 8), "unit": "%"},
    "immobilier": {"label": "Immobilier (9°, 10°)", "categories": (9, 10), "unit": "%"},
    "taux": {"label": "Taux (1° à 5°, via la duration)", "categories": (1, 2, 3, 4, 5), "unit": "pb"},
    "devises": {"label": "Devises (lignes hors euro)", "categories": None, "unit": "%"},
}
ALIASES = {"action": "actions", "equity": "actions", "equities": "actions", "immo": "immobilier",
           "realestate": "immobilier", "rates": "taux", "rate": "taux", "devise": "devises", "fx": "devises"}
DEFAULT_SCENARIO = {"actions": Fraction(-30), "immobilier": Fraction(-15), "taux": Fraction(100)}
# Modified duration in years by category when the file gives none.
DEFAULT_DURATION = {1: 7.0, 2: 5.0, 3: 0.5, 4: 3.0, 5: 4.0}
DURATION_HEADERS = {"duree", "duration", "dureemodifiee", "sensibilite", "modifiedduration"}
GRID = 20  # steps of 5 % of the scenario, then bisection
BISECT = 7  # 5 % / 2**7 < 0.04 %


def parse_shock(text: str) -> tuple[str, Fraction]:
    """« actions=-30 », « taux=+100 », « immobilier=-15 % », « taux=+100pb »."""
    m = re.fullmatch(r"\s*([A-Za-zéè_\-]+)\s*=\s*([+\-−]?\s*\d+(?:[.,]\d+)?)\s*(%|pb|bp)?\s*", text or "")
    if not m:
        raise InputError.one(f"choc « {text} » illisible : attendu par exemple actions=-30, immobilier=-15 ou "
                             "taux=+100 (points de base)")
    name = m.group(1).lower().replace("-", "").replace("_", "")
    name = ALIASES.get(name, name)
    if name not in FAMILIES:
        raise InputError.one(f"choc « {text} » : famille inconnue « {m.group(1)} » ; familles connues : "
                             + ", ".join(FAMILIES))
    amount = Fraction(m.group(2).replace("−", "-").replace(" ", "").replace(",", "."))
    unit = FAMILIES[name]["unit"]
    if unit == "%" and amount <= -100:
        raise InputError.one(f"choc « {text} » : une baisse de 100 % ou plus n'a pas de sens")
    if unit == "%" and m.group(3) in ("pb", "bp"):
        raise InputError.one(f"choc « {text} » : la famille « {name} » s'exprime en pourcentage")
    if unit == "pb" and m.group(3) == "%":
        raise InputError.one(f"choc « {text} » : la famille « taux » s'exprime en points de base (taux=+100)")
    return name, amount


def parse_scenario(items) -> dict:
    if not items:
        return dict(DEFAULT_SCENARIO)
    out = {}
    for text in items:
        name, amount = parse_shock(text)
        out[name] = amount
    return out


@dataclass
class RuleStress:
    rule_id: str
    title: str
    article: str
    status_before: str
    status_after: str
    value_before: float | None
    value_after: float | None
    limit: float | None
    first_break: float | None  # fraction of the scenario at which the rule first breaks


@dataclass
class StressResult:
    scenario: dict  # family -> Fraction
    durations_from: str  # header of the duration column, or "" (defaults)
    defaulted_lines: int  # bond lines valued with the default duration
    total_before: int
    total_after: int
    base_before: int
    base_after: int
    rules: list[RuleStress]
    verdict_after: object = None
    notes: list = field(default_factory=list)

    def scenario_rows(self) -> list[tuple[str, str, str]]:
        """(family label, shock as text, categories) per shock."""
        rows = []
        for name, amount in self.scenario.items():
            fam = FAMILIES[name]
            cats = cats_label(fam["categories"]) if fam["categories"] else "hors euro"
            rows.append((fam["label"], shock_text(name, amount), cats))
        return rows

    @property
    def breaking(self) -> list[RuleStress]:
        """Rules that break under the scenario but not before it, first to break first."""
        return [r for r in self.rules if r.first_break is not None]


def shock_text(name: str, amount: Fraction, scale: float = 1.0) -> str:
    x = float(amount) * scale
    unit = FAMILIES[name]["unit"]
    s = f"{x:+.1f}".replace(".", ",").replace(",0", "") if unit == "%" else f"{x:+.0f}"
    return f"{s} %" if unit == "%" else f"{s} pb"


def _durations(pf) -> tuple[np.ndarray, str]:
    n = len(pf.lines)
    cat = pf.lines["category"].to_numpy()
    default = np.array([DEFAULT_DURATION.get(int(c), 0.0) for c in cat])
    extra = getattr(pf, "extra", None)
    if extra is None:
        return default, ""
    for col in extra.columns:
        if normalize_header(col) in DURATION_HEADERS:
            vals = np.full(n, np.nan)
            for i, v in enumerate(extra[col].tolist()):
                if v is None:
                    continue
                try:
                    vals[i] = float(str(v).replace("\u202f", "").replace(" ", "").replace(",", "."))
                except ValueError:
                    pass
            vals[(vals < 0) | ~np.isfinite(vals)] = np.nan
            return np.where(np.isnan(vals), -1.0, vals), str(col)
    return default, ""


def shocked(pf, scenario: dict, scale: float, durations: np.ndarray) -> np.ndarray:
    """Line values in cents after `scale` × the scenario."""
    L = pf.lines
    value = L["value"].to_numpy(dtype=np.int64)
    cat = L["category"].to_numpy()
    factor = np.ones(len(L))
    for name, amount in scenario.items():
        fam = FAMILIES[name]
        if fam["categories"] is None:
            mask = L["currency"].to_numpy() != "EUR"
        else:
            mask = np.isin(cat, fam["categories"])
        if fam["unit"] == "%":
            factor = np.where(mask, factor * (1 + scale * float(amount) / 100), factor)
        else:
            factor = np.where(mask, factor * np.maximum(0.0, 1 - durations * scale * float(amount) / 10_000), factor)
    factor = np.maximum(factor, 0.0)
    return np.rint(value * factor).astype(np.int64)


def run(pf, verdict, scenario: dict, *, date=None) -> StressResult:
    from constraints.checker import check

    dur, col = _durations(pf)
    cat = pf.lines["category"].to_numpy()
    bonds = np.isin(cat, FAMILIES["taux"]["categories"])
    defaulted = 0
    if col:
        missing = bonds & (dur < 0)
        defaulted = int(missing.sum())
        dur = np.where(dur < 0, [DEFAULT_DURATION.get(int(c), 0.0) for c in cat], dur)
    elif "taux" in scenario:
        defaulted = int(bonds.sum())

    seen: dict = {}

    def at(scale):  # one check per fraction of the scenario, however many rules bisect through it
        if scale not in seen:
            seen[scale] = check(pf.with_values(shocked(pf, scenario, scale, dur)), date=date, as_of=verdict.as_of)
        return seen[scale]

    before = {r.spec.id: r for r in verdict.results}
    grid = [verdict] + [at(k / GRID) for k in range(1, GRID + 1)]  # at 0 the portfolio is as checked
    first: dict[str, float] = {}
    for rid, r0 in before.items():
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
        rows.append(RuleStress(r0.spec.id, r0.spec.title, r0.spec.article, r0.status, r1.status, r0.value, r1.value,
                               r0.limit, first.get(r0.spec.id)))
    rows.sort(key=lambda r: (r.first_break is None, r.first_break or 0, r.status_before != BREACH,
                             r.status_after == OK))
    return StressResult(scenario, col, defaulted, verdict.total, after.total, verdict.base, after.base, rows,
                        verdict_after=after)


__all__ = ["FAMILIES", "DEFAULT_SCENARIO", "DEFAULT_DURATION", "parse_shock", "parse_scenario", "run",
           "StressResult", "RuleStress", "shock_text"]
