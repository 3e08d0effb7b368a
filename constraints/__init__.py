"""The rulebook (R. 623-3 to R. 623-10-1 as dated data) and the checker."""
