"""The pre-investment check: orders, and the incremental engine that judges them without a full re-check."""
