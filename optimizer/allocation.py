"""Allocation by category for the R. 623-10-4 report: the allocation that maximises the expected
return within the legal limits, the safety margins, bands around the current allocation and a
risk limit stated linearly (mean-CVaR on scenarios, the Rockafellar-Uryasev LP), with the
efficient frontier.

The legal limits come from the rulebook's `share` rules whose numerator is a set of categories
(R. 623-10-1: 34 % floor, 5 %, 20 %, 10 % caps). Where a rule also depends on what a category
holds, the prudent reading applies at category level: for a floor, a clause that needs a flag
(5° funds limited to euro 1°–4°) does not count and the 1°–4° are assumed in euros (the line-level
optimizer checks the currency); for a cap, every clause counts. Rules that cannot be stated by
category (90 % in euros, 5 % per issuer or building, 10 % holding) are left to the line level and
listed in the notes.

Parameters (YAML, or a table in csv/xlsx with one row per category):

    rendements: {1: 0.025, 2: 0.035, 7: 0.06, 9: 0.045}   # expected returns per category
    scenarios: [{1: 0.01, 2: -0.02, 7: -0.25, 9: -0.10}, ...]   # optional, returns per scenario
    niveau_cvar: 0.95          # confidence level of the CVaR
    cvar_max: 0.08             # CVaR limit on the loss (share of the portfolio)
    bandes: 0.10               # or {7: 0.05}: |share − current share| at most
    marges: 0.01               # or {rule id: margin}
    allocation_actuelle: {1: 0.4, ...}   # or taken from a portfolio file
    minimum: {1: 0.05}  maximum: {7: 0.30}   # optional per-category bounds
    points_frontiere: 9
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sp

from constraints import rulebook
from constraints.kind import LinearBlock
from reserves.portfolio.fmt import SENSE_FR, fr_pct
from reserves.portfolio import parsing as P
from reserves.portfolio.errors import InputError

from .lp import INF, LP, solve_pyomo
from .rebalancing import category_code, fraction, margin_for


@dataclass
class AllocParams:
    returns: dict  # category code -> expected return
    scenarios: np.ndarray | None = None  # (S, K) in the order of `categories`
    alpha: float = 0.95
    cvar_max: float | None = None
    bands: object = None
    margins: object = None
    current: dict | None = None
    minimum: dict = field(default_factory=dict)
    maximum: dict = field(default_factory=dict)
    points: int = 9

    @property
    def categories(self) -> list:
        return sorted(self.returns)


def _num(x, what) -> float:
    return float(fraction(x, what))


def _cat_map(d, what) -> dict:
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise InputError.one(f"{what} : attendu une table catégorie → valeur")
    return {category_code(k): _num(v, f"{what} ({k})") for k, v in d.items()}


def params_from_dict(doc: dict) -> AllocParams:
    if not isinstance(doc, dict) or "rendements" not in doc:
        raise InputError.one("paramètres d'allocation : la clé « rendements » (rendement attendu par catégorie) manque")
    returns = _cat_map(doc["rendements"], "rendements")
    for k in returns:
        if not 1 <= k <= 13:
            raise InputError.one(f"rendements : la catégorie {P.CATEGORY_NAMES[k]} n'est pas un placement des 1° à 13°")
    cats = sorted(returns)
    scen = None
    if doc.get("scenarios"):
        rows = []
        for i, s in enumerate(doc["scenarios"], start=1):
            m = _cat_map(s, f"scénario {i}")
            missing = [P.CATEGORY_NAMES[k] for k in cats if k not in m]
            if missing:
                raise InputError.one(f"scénario {i} : rendement manquant pour la catégorie {', '.join(missing)}")
            rows.append([m[k] for k in cats])
        scen = np.array(rows, dtype=float)
    bands = doc.get("bandes")
    if isinstance(bands, dict):
        bands = _cat_map(bands, "bandes")
    elif bands is not None:
        bands = _num(bands, "bandes")
    alpha = _num(doc.get("niveau_cvar", 0.95), "niveau_cvar")
    if not 0 < alpha < 1:
        raise InputError.one(f"niveau_cvar : attendu entre 0 et 1 (0,95), lu « {alpha} »")
    return AllocParams(returns=returns, scenarios=scen, alpha=alpha,
                       cvar_max=None if doc.get("cvar_max") is None else _num(doc["cvar_max"], "cvar_max"),
                       bands=bands, margins=doc.get("marges"),
                       current=_cat_map(doc.get("allocation_actuelle"), "allocation_actuelle") or None,
                       minimum=_cat_map(doc.get("minimum"), "minimum"), maximum=_cat_map(doc.get("maximum"), "maximum"),
                       points=int(doc.get("points_frontiere", 9)))


def read_params(path) -> AllocParams:
    """YAML, or a table (csv/xlsx/ods): columns categorie, rendement, [actuelle, bande, min, max], scenario…"""
    name = os.path.basename(str(path))
    if not os.path.exists(path):
        raise InputError.one(f"fichier introuvable : {name}")
    ext = os.path.splitext(name)[1].lower()
    if ext in (".yaml", ".yml"):
        import yaml

        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError.one(f"« {name} » n'est pas un fichier YAML lisible : {exc}".split("\n")[0]) from None
        return params_from_dict(doc)
    import pandas as pd

    try:
        if ext == ".csv":
            with open(path, encoding="utf-8-sig") as fh:
                head = fh.readline()
            df = pd.read_csv(path, sep=";" if head.count(";") > head.count(",") else ",", dtype=str,
                             encoding="utf-8-sig")
        else:
            df = pd.read_excel(path, engine="calamine", dtype=str)
    except Exception as exc:  # noqa: BLE001 - any unreadable table is bad input
        raise InputError.one(f"« {name} » illisible : {type(exc).__name__}") from None
    cols = {P.fold(str(c)).replace(" ", "_"): c for c in df.columns}
    if "categorie" not in cols or "rendement" not in cols:
        raise InputError.one(f"« {name} » : colonnes « categorie » et « rendement » attendues")
    doc = {"rendements": {}, "scenarios": []}
    scen_cols = [c for k, c in cols.items() if k.startswith("scenario")]
    scen = [dict() for _ in scen_cols]
    for i, r in df.iterrows():
        k = r[cols["categorie"]]
        doc["rendements"][k] = r[cols["rendement"]]
        for key, field_ in (("actuelle", "allocation_actuelle"), ("bande", "bandes"), ("min", "minimum"),
                            ("max", "maximum")):
            if key in cols and isinstance(r[cols[key]], str) and r[cols[key]].strip():
                doc.setdefault(field_, {})[k] = r[cols[key]]
        for j, c in enumerate(scen_cols):
            scen[j][k] = r[c]
    doc["scenarios"] = scen or None
    return params_from_dict(doc)


# --------------------------------------------------------------------------- legal limits by category


def category_limits(version, margins, cats: list) -> tuple[list, list]:
    """(limits stated by category, rules left to the line level).

    Each limit is the rule's row stated over the categories (`LinearBlock`, one column per category), its safety
    margin applied by the block itself (`LinearBlock.tighten`, the one place where margins are applied)."""
    out, left = [], []
    for spec in version.rules:
        if spec.kind != "share":
            if spec.kind != "line_conditions":
                left.append(spec.id)
            continue
        coef = _category_coefficients(spec, cats)
        if coef is None:
            left.append(spec.id)
            continue
        lim = spec.limit()
        m = margin_for(margins, spec.id)
        block = _category_block(spec, coef, lim).tighten(m)
        out.append({"rule": spec.id, "article": spec.article, "title": spec.title, "sense": spec.params["sense"],
                    "limit": float(lim), "margin": float(block.margin), "bound": float(block.share), "coef": coef})
    return out, left


def _of(categories) -> str:
    """« du 5° », « des 1°, 2° »."""
    return ("du " if len(categories) == 1 else "des ") + ", ".join(f"{c}°" for c in categories)


def _prudent_note(version, limits: list) -> str:
    """The prudent reading of the limits by category, in French, each floor named with its limit (rulebook)."""
    parts = []
    for x in limits:
        if x["sense"] != "min":
            continue
        spec = version.rule(x["rule"])
        counted = [c for cl in spec.params["numerator"] if "flag" not in cl for c in cl["categories"]]
        flagged = [c for cl in spec.params["numerator"] if "flag" in cl for c in cl["categories"]]
        text = (f"pour le plancher de {fr_pct(x['limit'])} ({x['rule']}), les lignes {_of(counted)} sont supposées "
                "remplir sa condition de devise")
        if flagged:
            text += f" et celles {_of(flagged)}, qui ne comptent que sous condition, ne comptent pas"
        parts.append(text)
    return ("Lecture prudente : " + " ; ".join(parts + ["pour les plafonds, toute ligne de la catégorie compte"])
            + ".")


def _category_coefficients(spec, cats: list) -> np.ndarray | None:
    """1 for each category the share rule's numerator counts (prudent reading, see the module), None when the
    numerator is not a set of categories."""
    coef = np.zeros(len(cats))
    for clause in spec.params["numerator"]:
        if "categories" not in clause:
            return None
        if spec.params["sense"] == "min" and "flag" in clause:
            continue  # prudent: a flag-conditioned clause is not counted toward a floor
        members = [P.CATEGORY_CODES[str(c)] for c in clause["categories"]]
        coef[[i for i, k in enumerate(cats) if k in members]] = 1.0
    return coef


def _category_block(spec, coef: np.ndarray, lim: Fraction) -> LinearBlock:
    """The share rule as one row over the category weights: Σ coef·w (≤ or ≥) limit · Σ w."""
    cols = np.flatnonzero(coef)
    return LinearBlock(spec.id, "<=" if spec.params["sense"] == "max" else ">=", np.zeros(len(cols), dtype=np.int64),
                       cols, coef[cols], lim, np.ones(len(coef), dtype=bool), np.zeros(1), [spec.title], limit=lim)


# --------------------------------------------------------------------------- model


def _cvar(losses: np.ndarray, alpha: float) -> float:
    """CVaR of equally likely losses (Rockafellar-Uryasev), exact."""
    S = len(losses)
    z = np.sort(losses)[::-1]
    tail = (1 - alpha) * S
    k = int(np.floor(tail))
    val = z[:k].sum() + (tail - k) * (z[k] if k < S else 0.0)
    return float(val / tail)


@dataclass
class Allocation:
    status: str
    categories: list
    weights: dict | None
    expected_return: float | None
    cvar: float | None
    current: dict | None
    limits: list
    frontier: list
    notes: list
    solver: dict
    params: AllocParams

    def to_dict(self) -> dict:
        return {"status": self.status,
                "allocation": [{"categorie": P.CATEGORY_NAMES[k], "part": (self.weights or {}).get(k),
                                "actuelle": (self.current or {}).get(k), "rendement": self.params.returns[k]}
                               for k in self.categories],
                "expected_return": self.expected_return, "cvar": self.cvar, "cvar_level": self.params.alpha,
                "cvar_max": self.params.cvar_max,
                "limits": [{k: v for k, v in x.items() if k != "coef"} for x in self.limits],
                "frontier": self.frontier, "notes": self.notes, "solver": self.solver}

    def render(self, console=None) -> None:
        from rich.console import Console
        from rich.table import Table

        console = console or Console(highlight=False)
        console.print("[bold]Allocation par catégorie[/bold] (rapport R. 623-10-4) — rendement attendu maximal")
        if self.status != "optimal":
            console.print("[bold red]Aucune allocation ne tient toutes les contraintes[/bold red] : " + "; ".join(self.notes))
            return
        t = Table(header_style="bold")
        for h in ("Catégorie", "Rendement attendu", "Actuelle", "Proposée"):
            t.add_column(h, justify="left" if h == "Catégorie" else "right")
        for k in self.categories:
            cur = (self.current or {}).get(k)
            t.add_row(f"{P.CATEGORY_NAMES[k]}°", fr_pct(self.params.returns[k]), "" if cur is None else fr_pct(cur),
                      fr_pct(self.weights[k]))
        console.print(t)
        line = f"Rendement attendu : {fr_pct(self.expected_return)}"
        if self.cvar is not None:
            line += f"   CVaR {fr_pct(self.params.alpha)} de la perte : {fr_pct(self.cvar)}"
        console.print(line)
        lt = Table(title="Limites par catégorie", header_style="bold")
        for h in ("Règle", "Article", "Limite", "Marge", "Proposée"):
            lt.add_column(h, justify="left" if h in ("Règle", "Article") else "right")
        for x in self.limits:
            lt.add_row(f"{x.get('title') or x['rule']}\n[dim]{x['rule']}[/dim]", x.get("article") or "",
                       ("≥ " if x["sense"] == "min" else "≤ ") + fr_pct(x["limit"]),
                       fr_pct(x["margin"]) if x["margin"] else "", fr_pct(x["value"]))
        console.print(lt)
        if self.frontier:
            ft = Table(title="Frontière efficiente (rendement maximal pour chaque limite de CVaR)", header_style="bold")
            for h in ("CVaR", "Rendement"):
                ft.add_column(h, justify="right")
            for pt in self.frontier:
                ft.add_row(fr_pct(pt["cvar"]), fr_pct(pt["return"]))
            console.print(ft)
        for n in self.notes:
            console.print(f"[dim]{n}[/dim]")

    def plot(self, path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
        if self.frontier:
            xs = [100 * p["cvar"] for p in self.frontier]
            ys = [100 * p["return"] for p in self.frontier]
            ax.plot(xs, ys, marker="o", label="frontière efficiente")
        if self.cvar is not None and self.expected_return is not None:
            ax.scatter([100 * self.cvar], [100 * self.expected_return], color="red", zorder=3,
                       label="allocation proposée")
        ax.set_xlabel(f"CVaR {self.params.alpha * 100:g} % de la perte (% du portefeuille)".replace(".", ","))
        ax.set_ylabel("rendement attendu (%)")
        ax.set_title("Réserves : rendement attendu et risque (R. 623-10-4)")
        from matplotlib.ticker import FuncFormatter

        comma = FuncFormatter(lambda x, _pos: f"{x:g}".replace(".", ","))  # French decimal comma
        ax.xaxis.set_major_formatter(comma)
        ax.yaxis.set_major_formatter(comma)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


def _lp(params: AllocParams, limits: list, *, cvar_cap: float | None, minimise_cvar: bool) -> tuple[LP, int]:
    cats = params.categories
    K = len(cats)
    scen = params.scenarios
    S = 0 if scen is None else scen.shape[0]
    use_cvar = S > 0 and (cvar_cap is not None or minimise_cvar)
    n = K + (1 + S if use_cvar else 0)
    mu = np.array([params.returns[k] for k in cats])
    lb = np.zeros(n)
    ub = np.full(n, INF)
    ub[:K] = 1.0
    for i, k in enumerate(cats):
        lb[i] = max(lb[i], params.minimum.get(k, 0.0))
        ub[i] = min(ub[i], params.maximum.get(k, 1.0))
        if params.current is not None and params.bands is not None:
            band = params.bands.get(k) if isinstance(params.bands, dict) else params.bands
            if band is not None:
                cur = params.current.get(k, 0.0)
                lb[i] = max(lb[i], cur - band)
                ub[i] = min(ub[i], cur + band)
    rows, lo, hi = [np.concatenate([np.ones(K), np.zeros(n - K)])], [1.0], [1.0]
    for x in limits:
        rows.append(np.concatenate([x["coef"], np.zeros(n - K)]))
        if x["sense"] == "min":
            lo.append(x["bound"])
            hi.append(INF)
        else:
            lo.append(-INF)
            hi.append(x["bound"])
    c = np.zeros(n)
    if use_cvar:
        lb[K] = -INF  # zeta
        # u_s >= -r_s·w - zeta  <=>  r_s·w + zeta + u_s >= 0
        for s in range(S):
            r = np.zeros(n)
            r[:K] = scen[s]
            r[K] = 1.0
            r[K + 1 + s] = 1.0
            rows.append(r)
            lo.append(0.0)
            hi.append(INF)
        cv = np.zeros(n)
        cv[K] = 1.0
        cv[K + 1:] = 1.0 / ((1 - params.alpha) * S)
        if minimise_cvar:
            c = cv
        else:
            rows.append(cv)
            lo.append(-INF)
            hi.append(cvar_cap)
    if not minimise_cvar:
        c[:K] = -mu
    A = sp.csr_matrix(np.vstack(rows))
    return LP(c, lb, ub, A, np.array(lo), np.array(hi)), K


def _solve(params, limits, *, cvar_cap=None, minimise_cvar=False):
    lp, K = _lp(params, limits, cvar_cap=cvar_cap, minimise_cvar=minimise_cvar)
    sol = solve_pyomo(lp, presolve="on")
    if sol.status != "optimal":
        return None, sol
    w = np.clip(sol.x[:K], 0.0, 1.0)
    return w, sol


def allocate(params: AllocParams | dict | None = None, *, portfolio=None, date: dt.date | None = None,
             **kw) -> Allocation:
    """The allocation by category with the highest expected return within the limits (and the frontier)."""
    if params is None:
        params = params_from_dict(kw)
    elif isinstance(params, dict):
        params = params_from_dict(params)
    if date is None and portfolio is not None:
        date = getattr(portfolio, "as_of", None)  # the limits in force on the portfolio's date (SPEC §4)
    version = rulebook.for_date(date)
    cats = params.categories
    if portfolio is not None and params.current is None:
        from constraints.rules import Context

        # the base of R. 623-10-1 as the rulebook reads it (what leaves it: the version's `base_exclusions`)
        ctx = Context(portfolio, version, date or dt.date.today())
        m = ctx.base_masks["reserves_less_excluded"]
        cat = ctx.cat[m]
        val = ctx.value[m]
        inside = np.isin(cat, cats)
        tot = int(val[inside].sum())
        if tot > 0:
            params.current = {k: int(val[cat == k].sum()) / tot for k in cats}
            other = int(val[~inside].sum())
            notes_cur = [f"Allocation actuelle lue dans le portefeuille, ramenée aux catégories qui ont un rendement "
                         f"attendu ({fr_pct(other / (tot + other)) if tot + other else '0 %'} de la base dans d'autres "
                         "catégories, hors de l'allocation)."] if other else []
        else:
            notes_cur = []
    else:
        notes_cur = []
    limits, left = category_limits(version, params.margins, cats)
    notes = list(notes_cur)
    notes.append("Limites tenues par catégorie : " + ", ".join(x["rule"] for x in limits) + ". Limites laissées au "
                 "niveau des lignes (reserves optimize) : " + ", ".join(left) + ".")
    notes.append(_prudent_note(version, limits))
    t0 = __import__("time").perf_counter()
    w, sol = _solve(params, limits, cvar_cap=params.cvar_max)
    solver = {"name": "HiGHS (highspy) via Pyomo", "status": sol.highs_status}
    if w is None:
        notes.insert(0, "limites légales, marges, bandes, bornes et limite de CVaR incompatibles")
        return Allocation("infeasible", cats, None, None, None, params.current, limits, [], notes, solver, params)
    mu = np.array([params.returns[k] for k in cats])
    scen = params.scenarios
    cvar = _cvar(-(scen @ w), params.alpha) if scen is not None else None
    for x in limits:
        x["value"] = float(x["coef"] @ w)
    frontier = []
    if scen is not None:
        w_lo, _ = _solve(params, limits, minimise_cvar=True)
        w_hi, _ = _solve(params, limits)
        if w_lo is not None and w_hi is not None:
            c_lo, c_hi = _cvar(-(scen @ w_lo), params.alpha), _cvar(-(scen @ w_hi), params.alpha)
            for cap in np.linspace(c_lo, max(c_hi, c_lo), max(params.points, 2)):
                wf, _ = _solve(params, limits, cvar_cap=float(cap) + 1e-12)
                if wf is None:
                    continue
                frontier.append({"cvar": _cvar(-(scen @ wf), params.alpha), "return": float(mu @ wf),
                                 "weights": {P.CATEGORY_NAMES[k]: float(x) for k, x in zip(cats, wf)}})
    solver["seconds"] = round(__import__("time").perf_counter() - t0, 4)
    weights = {k: float(x) for k, x in zip(cats, w)}
    return Allocation("optimal", cats, weights, float(mu @ w), cvar, params.current, limits, frontier, notes, solver,
                      params)


def write_allocation_xlsx(a: Allocation, path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from reserves.portfolio.outputs import save_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Allocation"
    ws.append(["Catégorie", "Rendement attendu", "Actuelle", "Proposée"])
    for k in a.categories:
        ws.append([P.CATEGORY_NAMES[k] + ("°" if k <= 13 else ""), a.params.returns[k], (a.current or {}).get(k),
                   (a.weights or {}).get(k)])
    ws2 = wb.create_sheet("Frontière")
    ws2.append(["CVaR", "Rendement"] + [P.CATEGORY_NAMES[k] + ("°" if k <= 13 else "") for k in a.categories])
    for p in a.frontier:
        ws2.append([p["cvar"], p["return"]] + [p["weights"][P.CATEGORY_NAMES[k]] for k in a.categories])
    ws3 = wb.create_sheet("Limites")
    ws3.append(["Règle", "Titre", "Article", "Sens", "Limite", "Marge", "Proposée"])
    for x in a.limits:
        ws3.append([x["rule"], x.get("title"), x["article"], SENSE_FR.get(x["sense"],
                    x["sense"]), x["limit"], x["margin"], x.get("value")])
    ws.column_dimensions["A"].width = 12
    ws3.column_dimensions["A"].width = 34
    ws3.column_dimensions["B"].width = 50
    for w in (ws, ws2, ws3):
        for c in w[1]:
            c.font = Font(bold=True)
        for row in w.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00%"
    save_workbook(wb, path)


__all__ = ["allocate", "Allocation", "AllocParams", "read_params", "params_from_dict", "write_allocation_xlsx",
           "category_limits"]
