"""The portfolio: its columns, the reading of files (xlsx, ods, csv), the holdings table and the writer.

The lowest layer: it imports nothing from the rules, the optimizer, the reports or the application.
"""

from .model import Portfolio, load  # noqa: F401
