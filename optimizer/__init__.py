"""Reallocation models built from the rulebook's linear forms (Pyomo + HiGHS).

`rebalance` proposes the trades after which every limit holds; `allocate`
proposes an allocation by category for the R. 623-10-4 report. Everything is
imported on first use, so that `reserves check` never loads Pyomo or HiGHS.
"""

__all__ = ["rebalance", "Proposal", "ProposalError", "write_proposal_xlsx", "allocate", "Allocation"]

_WHERE = {"rebalance": "rebalancing", "Proposal": "rebalancing", "ProposalError": "rebalancing",
          "write_proposal_xlsx": "output", "allocate": "allocation", "Allocation": "allocation"}


def __getattr__(name):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
