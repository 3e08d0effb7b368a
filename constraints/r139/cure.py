"""R. 139-48, R. 139-39, R. 139-11: a breach is a breach; its cure period is a deadline (RR 15).

Each breach found by the other rules gets the date it was first observed (the
`Constats` sheet: `regle`, `sujet`, `premier_constat`, `cause`; or, for the
régime simplifié, `--regime-simplifie-depuis` for what R. 139-11 lets be sold
within two or five years), the deadline (that date plus the period, in
calendar months or years: same day number, else the month's last day) and
whether the portfolio's date is still within it (« en délai », through the
deadline inclusive) or not (« délai dépassé »). The rule `r139_cure` breaches
when a breach is past its deadline and is unknown when a breach has no first
date.
"""

from __future__ import annotations

import calendar
import datetime as dt

from reserves.portfolio.parsing import fold

from .base import Common

from .base import BREACH, OK, UNKNOWN_S, Kind, RuleResult, register, worst
from .model import Ctx

IN_TIME, LATE = "en délai", "délai dépassé"


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _key(text) -> str:
    return " ".join(fold(str(text)).split()) if text is not None else ""


def subject_keys(subject) -> set:
    """The names a `Constats` row may give for a finding's subject: the subject as printed, or one of the names
    it is made of — an entity is printed « group (issuer, issuer…) », and the user may name the group or an
    issuer of it."""
    text = str(subject) if subject is not None else ""
    keys = {_key(text)}
    head, sep, rest = text.partition(" (")
    if sep and rest.endswith(")"):
        keys.add(_key(head))
        keys.update(_key(x) for x in rest[:-1].split(", "))
    keys.discard("")
    return keys


def first_observation(observations: list, rule: str, subject: str, regime=None):
    """(earliest first date, cause) of the `Constats` rows for this rule and subject (a row without subject: every
    finding of its rule)."""
    best = None
    cause = None
    names = subject_keys(subject)
    for o in observations:
        if _key(o.get("regle")) != _key(rule):
            continue
        s = o.get("sujet")
        if s not in (None, "") and _key(s) not in names:
            continue
        r = o.get("regime")
        if r not in (None, "") and regime is not None and _key(r) != _key(regime):
            continue
        d = o.get("premier_constat")
        if d is None:
            continue
        if best is None or d < best:
            best, cause = d, o.get("cause")
    return best, cause


def period_for(cure: dict, finding, cause, ctx: Ctx):
    """(months, article) of the cure period of a breach."""
    rule = finding.rule
    c = cure["contracts"]
    if rule in c["rules"]:
        return c["months"], c["article"]
    r = cure["real_estate_keep"]
    if rule in r["rules"] and cause is not None and _key(cause) == r["cause"]:
        return 12 * r["years"], r["article"]
    d = cure["default"]
    return d["months"], d["article"]


def annotate(ctx: Ctx, findings: list) -> None:
    """Give each breach its first observation, deadline, cure article and status (in place)."""
    cure = ctx.doc["cure"]
    obs = ctx.inp.observations
    st = cure["simplified_transition"]
    for f in findings:
        if f.status != BREACH or f.rule.startswith("R139-48/"):
            continue
        first, cause = first_observation(obs, f.rule, f.subject, ctx.regime)
        months, article = period_for(cure, f, cause, ctx)
        if ctx.simplified and ctx.simplified_since is not None and f.rule in st["rules"]:
            if first is None or first > ctx.simplified_since:
                first = ctx.simplified_since
            months, article = 12 * st["years"], st["article"]
            if _debt_above_value(ctx, f):
                months = 12 * st["debt_years"]
        if first is None:
            continue
        deadline = add_months(first, months)
        f.first_observed = first.isoformat()
        f.deadline = deadline.isoformat()
        f.cure = article
        f.cure_status = IN_TIME if ctx.as_of <= deadline else LATE
        f.message += f" — constaté le {first.strftime('%d/%m/%Y')}, à régulariser au plus tard le " \
                     f"{deadline.strftime('%d/%m/%Y')} ({article}) : {f.cure_status}"


def _debt_above_value(ctx: Ctx, f) -> bool:
    """R. 139-11: a debt security whose redemption value (`quantite`, its nominal) stays above its value."""
    a = ctx.a
    rows = set(f.rows)
    for i in range(ctx.n):
        if ctx.holding[i] or int(a["row"][i]) not in rows:
            continue
        if a["nature"][i] in ("tcn", "obligation", "titre_etat", "titre_participatif"):
            q = a["quantity"][i]
            if q == q and q * 100 > int(a["market_value"][i]):
                return True
    return False


class CureParams(Common):
    pass


@register
class Cure(Kind):
    """No breach past its cure period; a breach without a first observation is unknown."""

    kind = "r139_cure"
    Params = CureParams

    def judge_with(self, ctx: Ctx, findings: list) -> RuleResult:
        out = []
        for f in findings:
            if f.status != BREACH or f.rule.startswith("R139-48/"):
                continue
            if f.deadline is None:
                out.append(self.finding(ctx, UNKNOWN_S, f"{f.rule} — {f.subject}", None,
                                        f"à vérifier : date du premier constat inconnue pour « {f.subject} » "
                                        f"({f.rule}) ; la renseigner dans la feuille « Constats » (regle, sujet, "
                                        f"premier_constat, cause)", columns=["premier_constat"]))
                out[-1].rows = list(f.rows)
            elif f.cure_status == LATE:
                g = self.finding(ctx, BREACH, f"{f.rule} — {f.subject}", None,
                                 f"délai de régularisation dépassé : constaté le {f.first_observed}, échéance le "
                                 f"{f.deadline} ({f.cure})")
                g.rows = list(f.rows)
                g.first_observed, g.deadline, g.cure, g.cure_status = f.first_observed, f.deadline, f.cure, LATE
                out.append(g)
        out.sort(key=lambda x: x.status != BREACH)
        return RuleResult(self.spec, worst(x.status for x in out) if out else OK, out)

    def verdict(self, ctx: Ctx) -> RuleResult:  # pragma: no cover - the checker calls judge_with
        return self.judge_with(ctx, [])
