"""Every kind of rule the rulebook may name, registered by the modules that define them.

A new kind lives in its own module of `constraints/` (see `constraints.kind`)
and is imported here, so that the rulebook knows it when a version is loaded.
"""

from __future__ import annotations

from . import rules  # noqa: F401  (registers the R. 623 kinds)
from .kind import KINDS

__all__ = ["KINDS"]
