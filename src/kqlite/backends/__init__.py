"""Execution backends (DuckDB today)."""
