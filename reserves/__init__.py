"""reserves: investment-compliance checker and reallocation optimizer for the reserves of the
complementary pension regimes of the self-employed (CSS art. R. 623-3 to R. 623-10-4)."""

from __future__ import annotations

__version__ = "0.1.0"


def load(path, **kw):
    """Read a portfolio file (.xlsx, .ods, .csv) into a `Portfolio`; raises `InputError` on bad input."""
    from .portfolio import load as _load

    return _load(path, **kw)


def check(portfolio, **kw):
    """Check a `Portfolio` against the rulebook; returns a `Verdict`."""
    from constraints.checker import check as _check

    return _check(portfolio, **kw)


# Pre-investment checks and the audit trail, imported on first use (keeps `import reserves` cheap).
_LAZY = {
    "check_orders": ("reserves.pretrade.orders", "check_orders"),
    "load_orders": ("reserves.pretrade.orders", "load_orders"),
    "apply_orders": ("reserves.pretrade.orders", "apply_orders"),
    "Engine": ("reserves.pretrade.engine", "Engine"),
    "AuditLog": ("reserves.app.audit", "AuditLog"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'reserves' has no attribute {name!r}")


__all__ = ["load", "check", "__version__", *_LAZY]
