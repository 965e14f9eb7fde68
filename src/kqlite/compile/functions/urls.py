"""URL functions: parse_url(), parse_urlquery().

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed

# scheme://[user[:password]@]host[:port][/path][?query][#fragment]: an absolute URL, as parse_url() wants
_URL = (r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?:(?P<user>[^:@/?#]*)(?::(?P<password>[^@/?#]*))?@)?"
        r"(?P<host>\[[^\]]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
        r"(?:#(?P<fragment>.*))?$")
_PARTS = ["scheme", "user", "password", "host", "port", "path", "query", "fragment"]



class UrlFunctions:
    def f_parse_url(self, c, node, args):
        """The parts of an absolute URL as a bag; text that is not one gives an empty bag."""
        self.arity(c, node, args, 1)
        url = c.as_string(args[0]).sql
        field = {name: c.dialect.regex_group(url, _URL, _PARTS, name) for name in _PARTS}
        params = c.dialect.shape("query_string_object", q=field["query"])
        return Typed(c.dialect.shape("url_object", u=url, re=sb.string(c.dialect.regex(_URL)), params=params,
                             **{k: v for k, v in field.items() if k != "query"}), "dynamic")

    def f_parse_urlquery(self, c, node, args):
        """`{"Query Parameters": {...}}` of a query string (a leading `?` is allowed)."""
        self.arity(c, node, args, 1)
        query = c.dialect.shape("ltrim_question_mark", q=c.as_string(args[0]).sql)
        return Typed(c.dialect.shape("url_query_object", o=c.dialect.shape("query_string_object", q=query)), "dynamic")
