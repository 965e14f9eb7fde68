"""URL functions: parse_url(), parse_urlquery().

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed

# scheme://[user[:password]@]host[:port][/path][?query][#fragment]: an absolute URL, as parse_url() wants
_URL = r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::([0-9]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$"
_PARTS = ["scheme", "user", "password", "host", "port", "path", "query", "fragment"]



class UrlFunctions:
    def f_parse_url(self, c, node, args):
        """The parts of an absolute URL as a bag; text that is not one gives an empty bag."""
        self.arity(c, node, args, 1)
        url = c.as_string(args[0]).sql
        names = exp.Array(expressions=[sb.string(name) for name in _PARTS])
        parts = c.dialect.shape("regex_extract_struct", u=url, re=sb.string(_URL), names=names)
        # struct_extract with the field's name as text: a field name written as an identifier would be
        # renamed when the query has a column of that name in another case (Port)
        field = {name: c.dialect.call("struct_extract", [parts.copy(), sb.string(name)])
                 for name in _PARTS}
        params = c.dialect.shape("query_string_object", q=field["query"])
        return Typed(c.dialect.shape("url_object", u=url, re=sb.string(_URL), params=params,
                             **{k: v for k, v in field.items() if k != "query"}), "dynamic")

    def f_parse_urlquery(self, c, node, args):
        """`{"Query Parameters": {...}}` of a query string (a leading `?` is allowed)."""
        self.arity(c, node, args, 1)
        query = c.dialect.shape("ltrim_question_mark", q=c.as_string(args[0]).sql)
        return Typed(c.dialect.shape("url_query_object", o=c.dialect.shape("query_string_object", q=query)), "dynamic")
