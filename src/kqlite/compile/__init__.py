"""Syntax tree -> bound, typed SQLGlot expression tree."""

from kqlite.compile.compiler import CompiledQuery, compile_script

__all__ = ["CompiledQuery", "compile_script"]
