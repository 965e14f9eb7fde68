"""Functions of the third batch: format_bytes, parse_path, parse_version, base64_encode_fromguid,
base64_decode_toguid, hash, hash_xxhash64.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError, KqlUnsupportedError

# parse_path: a path may start with a scheme (file://); Windows paths with a drive (C:), long paths with
# \\?\ or \\.\ before it, UNC paths (\\server\share), relative and POSIX paths; both slashes separate.
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*://"
_PATH_SCHEME = r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://"
_PATH_ROOT = rf"^(?:{_SCHEME})?(?:\\\\[?.]\\)?(?P<root>[A-Za-z]:)"
# everything before the last separator
_PATH_DIRECTORY = rf"^(?:{_SCHEME})?(?P<dir>.*)[\\/]"
# the name between the last two separators
_PATH_DIRECTORY_NAME = r"(?P<name>[^\\/]*)[\\/][^\\/]*$"
# the last name: file name, then an alternate data stream after a colon (a drive's colon is not one)
_PATH_FILE = (rf"^(?:{_SCHEME})?(?:.*[\\/]|\\\\[?.]\\[A-Za-z]:|[A-Za-z]:)?(?P<file>[^\\/:]*)"
              r"(?::(?P<stream>[^\\/]*))?$")
_PATH_EXTENSION = (rf"^(?:{_SCHEME})?(?:.*[\\/]|\\\\[?.]\\[A-Za-z]:|[A-Za-z]:)?[^\\/:]*\.(?P<ext>[^\\/:.]*)"
                   r"(?::[^\\/]*)?$")

# parse_version: one to four parts of up to eight digits
_VERSION = r"^[0-9]{1,8}(\.[0-9]{1,8}){0,3}$"


class ValueFunctions:
    def f_format_bytes(self, c, node, args):
        """`size` as a data size: `precision` digits after the point (trailing zeros dropped, as the
        documentation's examples show), in `units` or in the largest unit of 1024 that is at most the size."""
        self.arity(c, node, args, 1, 3)
        size = self.convert(c, args[0], "real").sql if args[0].type != "real" else args[0].sql
        precision = sb.number(0) if len(args) < 2 else (
            args[1].sql if args[1].type in ("int", "long") else self.convert(c, args[1], "long").sql)
        units = sb.string("") if len(args) < 3 else c.as_string(args[2]).sql
        return Typed(c.dialect.shape("format_bytes", x=size, p=precision, u=units), "string")

    def f_parse_path(self, c, node, args):
        """The parts of a file path as a bag (Scheme, RootPath, DirectoryPath, DirectoryName, Filename,
        Extension, AlternateDataStreamName): empty strings for the parts a path does not have."""
        self.arity(c, node, args, 1)
        path = sb.coalesce(c.as_string(args[0]).sql, sb.string(""))

        def group(regex: str, name: str):
            names = [n for n in ("scheme", "root", "dir", "name", "file", "stream", "ext") if f"<{n}>" in regex]
            return sb.coalesce(c.dialect.regex_group(path, regex, names, name), sb.string(""))

        return Typed(c.dialect.shape(
            "path_object", scheme=group(_PATH_SCHEME, "scheme"), root=group(_PATH_ROOT, "root"),
            dir=group(_PATH_DIRECTORY, "dir"), dname=group(_PATH_DIRECTORY_NAME, "name"),
            file=group(_PATH_FILE, "file"), ext=group(_PATH_EXTENSION, "ext"),
            stream=group(_PATH_FILE, "stream")), "dynamic")

    def f_parse_version(self, c, node, args):
        """A version of one to four dot-separated parts (each up to 8 digits) as the decimal number
        part1 * 10^24 + part2 * 10^16 + part3 * 10^8 + part4; anything else is null. The value has up to
        32 digits, more than kqlite's decimal (DECIMAL(38, 18)) holds: it is a DECIMAL(38, 0)."""
        self.arity(c, node, args, 1)
        text = c.as_string(args[0]).sql
        return Typed(c.dialect.shape("parse_version", s=text, re=sb.string(c.dialect.regex(_VERSION))), "decimal")

    def f_base64_encode_fromguid(self, c, node, args):
        """The guid's 16 bytes in .NET's order (Guid.ToByteArray: the first three groups little-endian),
        as base64 (the documentation's example); a null guid gives an empty string."""
        self.arity(c, node, args, 1)
        if args[0].type != "guid":
            raise KqlSemanticError(f"base64_encode_fromguid() expects a guid, got {args[0].type}", c.text, node.pos)
        return Typed(c.dialect.shape("guid_to_base64", g=args[0].sql), "string")

    def f_base64_decode_toguid(self, c, node, args):
        """The guid whose 16 bytes (in .NET's order, as base64_encode_fromguid writes them) the base64 text
        holds; text that is not base64 of 16 bytes gives null."""
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("base64_to_guid", s=c.as_string(args[0]).sql), "guid")

    def f_hash(self, c, node, args):
        """XXH64 (seed 0) of the value's bytes, as a signed long: text's UTF-8 bytes, a datetime's ticks as 8
        little-endian bytes (the two encodings the documentation's examples pin down; other types are
        refused rather than guessed). With `mod`, the hash read as an unsigned number modulo `mod`."""
        self.arity(c, node, args, 1, 2)
        source = args[0]
        if source.type == "string":
            hashed = c.dialect.shape("xxh64_text", s=source.sql)
        elif source.type == "datetime":
            hashed = c.dialect.shape("xxh64_long", v=c.dialect.shape("datetime_to_kusto_ticks", x=source.sql))
        elif source.type == "dynamic":
            raise KqlSemanticError(f"{node.name}() does not hash dynamic values", c.text, node.pos)
        else:
            raise KqlUnsupportedError(f"{node.name}() of a {source.type}", c.text, node.pos,
                                      "Kusto's byte encoding of that type is not documented; hash tostring() of it")
        if len(args) == 1:
            return Typed(hashed, "long")
        mod = args[1]
        if mod.type not in ("int", "long"):
            raise KqlSemanticError(f"{node.name}()'s modulo must be an int or long, got {mod.type}", c.text, node.pos)
        return Typed(c.dialect.shape("hash_modulo", x=hashed, m=mod.sql), "long")

    f_hash_xxhash64 = f_hash
