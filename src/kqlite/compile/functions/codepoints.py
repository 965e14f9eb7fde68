"""Text as numbers: unicode_codepoints_from_string/_to_string and base64_decode_toarray/base64_encode_fromarray.

A mixin of `kqlite.compile.functions.Functions`."""

from __future__ import annotations

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError


class CodepointFunctions:
    def f_unicode_codepoints_from_string(self, c, node, args):
        """The code points of the text's characters (a character outside the BMP is one code point)."""
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("codepoints_of_text", s=c.as_string(args[0]).sql), "dynamic")

    def f_unicode_codepoints_to_string(self, c, node, args):
        """The text of code points given as numbers, arrays of numbers, or both; empty if one is not a code point."""
        self.arity(c, node, args, 1, 64)
        return Typed(sb.coalesce(c.dialect.shape("text_of_codepoints", l=self.numbers_list(c, node, args)),
                                 sb.string("")), "string")

    def f_base64_decode_toarray(self, c, node, args):
        """The bytes base64 text encodes, as an array of numbers; null when it is not base64."""
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("bytes_of_base64", s=c.as_string(args[0]).sql), "dynamic")

    def f_base64_encode_fromarray(self, c, node, args):
        """base64 of an array of byte values (0 to 255); null when an element is not one."""
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(c.dialect.shape("base64_of_bytes", l=self.json_list(c, node, args[0])),
                                 sb.string("")), "string")

    def numbers_list(self, c, node, args: list[Typed]):
        """The arguments as one JSON list: a dynamic array's elements, a number as itself."""
        parts = []
        for arg in args:
            if arg.type not in ("int", "long", "dynamic") or (
                    arg.type == "dynamic" and arg.is_const and not isinstance(arg.const, list | type(None))):
                raise KqlSemanticError(f"{node.name}() takes whole numbers or dynamic arrays of them, not {arg.type}",
                                       c.text, node.pos)
            if arg.type == "dynamic":
                parts.append(self.json_list(c, node, arg))
            else:
                parts.append(c.dialect.shape("json_singleton_list", v=self.json_of(arg)))
        joined = parts[0]
        for part in parts[1:]:
            joined = c.dialect.call("list_concat", [joined, part])
        return joined
