"""URL functions: parse_url(), parse_urlquery().

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed

# scheme://[user[:password]@]host[:port][/path][?query][#fragment]: an absolute URL, as parse_url() wants
_URL = r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::([0-9]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$"
_PARTS = ["scheme", "user", "password", "host", "port", "path", "query", "fragment"]

# The parameters of a query string as a JSON object: a key given twice keeps its last value.
_QUERY_OBJECT = (
    "CASE WHEN len(list_filter(string_split(:q, '&'), p -> p <> '')) = 0 THEN '{}'::JSON "
    "ELSE list_reduce(list_transform(list_filter(string_split(:q, '&'), p -> p <> ''), "
    "p -> json_object(split_part(p, '=', 1), CASE WHEN strpos(p, '=') > 0 THEN substr(p, strpos(p, '=') + 1) "
    "ELSE '' END)), (a, b) -> json_merge_patch(a, b)) END"
)


class UrlFunctions:
    def f_parse_url(self, c, node, args):
        """The parts of an absolute URL as a bag; text that is not one gives an empty bag."""
        self.arity(c, node, args, 1)
        url = c.as_string(args[0]).sql
        names = exp.Array(expressions=[sb.string(name) for name in _PARTS])
        parts = sb.tmpl("regexp_extract(:u, :re, :names)", u=url, re=sb.string(_URL), names=names)
        # struct_extract with the field's name as text: a field name written as an identifier would be
        # renamed when the query has a column of that name in another case (Port)
        field = {name: exp.Anonymous(this="struct_extract", expressions=[parts.copy(), sb.string(name)])
                 for name in _PARTS}
        shape = (
            "CASE WHEN NOT regexp_matches(:u, :re) THEN '{}'::JSON ELSE json_object("
            "'Scheme', :scheme, 'Host', :host, 'Port', :port, 'Path', :path, 'Username', :user, "
            "'Password', :password, 'Query Parameters', :params, 'Fragment', :fragment) END"
        )
        params = sb.tmpl(_QUERY_OBJECT, q=field["query"])
        return Typed(sb.tmpl(shape, u=url, re=sb.string(_URL), params=params,
                             **{k: v for k, v in field.items() if k != "query"}), "dynamic")

    def f_parse_urlquery(self, c, node, args):
        """`{"Query Parameters": {...}}` of a query string (a leading `?` is allowed)."""
        self.arity(c, node, args, 1)
        query = sb.tmpl("ltrim(:q, '?')", q=c.as_string(args[0]).sql)
        return Typed(sb.tmpl("json_object('Query Parameters', :o)", o=sb.tmpl(_QUERY_OBJECT, q=query)), "dynamic")
