"""Reallocation models built from the rulebook's linear forms (Pyomo + HiGHS)."""
