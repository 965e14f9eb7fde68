"""Parsing functions of the issue-12 second batch: parse_command_line, parse_csv.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError


class ParsingFunctions:
    def f_parse_command_line(self, c, node, args):
        """The arguments of a Windows command line, split as CommandLineToArgvW splits it (the documentation's
        only parser); an empty command line gives an empty array (Windows would give the program's path)."""
        self.arity(c, node, args, 2)
        text, parser = args
        if not (parser.is_const and parser.const == "windows"):
            raise KqlSemanticError('parse_command_line(): the parser type must be "windows"', c.text, node.pos)
        return Typed(c.dialect.shape("split_command_line_windows", s=c.as_string(text).sql), "dynamic")

    def f_parse_csv(self, c, node, args):
        """The fields of the text's first CSV record, as strings (RFC 4180 quotes); an empty text is one empty
        field."""
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("split_csv_record", s=c.as_string(args[0]).sql), "dynamic")
