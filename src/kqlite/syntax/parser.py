"""Recursive-descent / precedence-climbing parser for KQL scripts."""

from __future__ import annotations

import re
import sys
import uuid
from contextlib import contextmanager

from kqlite.errors import KqlSyntaxError
from kqlite.syntax import ast
from kqlite.syntax.literals import parse_datetime, parse_real, parse_timespan
from kqlite.syntax.tokens import TIMESPAN_UNITS, Kind, Token, tokenize

# a date written with spaces around its dashes
_SPACED_DATE = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})")

# Binary operators by precedence level (low to high). Comparison-level operators are words or symbols.
_STRING_OPERATORS = {
    "contains", "!contains", "contains_cs", "!contains_cs", "has", "!has", "has_cs", "!has_cs",
    "hasprefix", "!hasprefix", "hasprefix_cs", "!hasprefix_cs", "hassuffix", "!hassuffix", "hassuffix_cs",
    "!hassuffix_cs", "startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith", "!endswith",
    "endswith_cs", "!endswith_cs", "like", "notlike", "likecs", "notlikecs",
}
_LIST_OPERATORS = {"in", "!in", "in~", "!in~", "has_any", "has_all"}
_COMPARISONS = {"==", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~"}

# Words Kusto reserves: a column may have such a name only when quoted (['first']).
RESERVED_NAMES = {
    "first", "has", "where", "and", "or", "by", "on", "contains", "between", "let",
    "in", "project", "extend", "summarize", "join", "sort", "take", "top", "limit", "true", "false",
}

# Operators parsed only so that kqlite can name them in an "unsupported" error.
_KNOWN_UNSUPPORTED = {
    "reduce", "consume", "externaldata", "lookup-partial", "project-smart", "extend-smart",
    "mvapply", "mvexpand", "make-graph", "graph-match", "graph-to-table", "macro-expand", "assert-schema",
}


MAX_NESTING = 200


def parse(text: str) -> ast.Script:
    """Parse a KQL script (statements separated by ';'); raises KqlSyntaxError on invalid text."""
    with deep_recursion():
        return _Parser(text).script()


@contextmanager
def deep_recursion(limit: int = 20_000):
    """Room for deeply nested (but bounded) queries: the parser and SQL generation recurse per level."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.in_search = False  # `Column:"term"` is a term only in a search predicate

    # ------------------------------------------------------------ token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.EOF:
            self.i += 1
        return tok

    def error(self, expected: str, tok: Token | None = None, hint: str | None = None) -> KqlSyntaxError:
        tok = tok or self.tok
        found = "end of query" if tok.kind is Kind.EOF else repr(tok.text)
        return KqlSyntaxError(f"expected {expected}, found {found}", self.text, tok.pos, hint)

    def expect_op(self, op: str) -> Token:
        if not self.tok.is_op(op):
            raise self.error(f"'{op}'")
        return self.advance()

    def accept_op(self, op: str) -> bool:
        if self.tok.is_op(op):
            self.advance()
            return True
        return False

    def accept_word(self, *words: str) -> str | None:
        if self.tok.kind is Kind.IDENT and self.tok.text in words:
            return self.advance().text
        return None

    def expect_word(self, word: str) -> Token:
        if not self.tok.is_word(word):
            raise self.error(f"'{word}'")
        return self.advance()

    def identifier(self, what: str = "a name") -> tuple[str, int]:
        """A plain or bracket-quoted identifier (`Name`, `['Name']`)."""
        tok = self.tok
        if tok.kind is Kind.IDENT:
            self.advance()
            return tok.text, tok.pos
        if tok.is_op("[") and self.peek().kind is Kind.STRING and self.peek(2).is_op("]"):
            self.advance()
            name = self.advance().value
            self.advance()
            return str(name), tok.pos
        raise self.error(what)

    def adjacent(self, a: Token, b: Token) -> bool:
        return a.end == b.pos

    # ------------------------------------------------------------ statements

    def script(self) -> ast.Script:
        statements: list[ast.Statement] = []
        while self.tok.kind is not Kind.EOF:
            if self.accept_op(";"):
                continue
            statements.append(self.statement())
            if self.tok.kind is not Kind.EOF:
                if self.tok.is_op("="):  # `where FileName = "cmd.exe"`: SQL's equality
                    raise self.error("'==' to compare", hint="'=' names a value (extend x = ...); '==' compares, "
                                     "'=~' compares ignoring case")
                self.expect_op(";")
        if not statements:
            raise self.error("a query")
        return ast.Script(statements, self.text)

    def statement(self) -> ast.Statement:
        tok = self.tok
        if tok.is_word("let") and self.peek().kind in (Kind.IDENT,) or (tok.is_word("let") and self.peek().is_op("[")):
            self.advance()
            name, _ = self.identifier("a name after 'let'")
            self.expect_op("=")
            if self.tok.is_op("(") and self._looks_like_function():
                value: ast.Expr = self.function_def()
            elif self.tok.is_word("view") and self.peek().is_op("("):
                self.advance()
                value = self.function_def()
            else:
                value = self.pipeline()
            return ast.Let(tok.pos, name, value)
        if tok.is_word("set") and self.peek().kind is Kind.IDENT:
            self.advance()
            name, _ = self.identifier()
            value = self.expression() if self.accept_op("=") else None
            return ast.SetOption(tok.pos, name, value)
        if tok.is_word("declare") and self.peek().is_word("query_parameters"):
            self.advance()
            self.advance()
            self.expect_op("(")
            params: list[ast.Param] = []
            while not self.tok.is_op(")"):
                name, _ = self.identifier("a parameter name")
                self.expect_op(":")
                ptype = self.type_name()
                default = self.expression() if self.accept_op("=") else None
                params.append(ast.Param(name, ptype, default))
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            return ast.DeclareParameters(tok.pos, params)
        return ast.QueryStatement(tok.pos, self.pipeline())

    def _looks_like_function(self) -> bool:
        """After `let f =`: `(a:long) {` or `() {` starts a function; `(T | ...)` does not."""
        depth = 0
        j = self.i
        while j < len(self.tokens):
            t = self.tokens[j]
            if t.is_op("(", "["):
                depth += 1
            elif t.is_op(")", "]"):
                depth -= 1
                if depth == 0:
                    return self.tokens[j + 1].is_op("{") if j + 1 < len(self.tokens) else False
            elif t.kind is Kind.EOF:
                return False
            j += 1
        return False

    def function_def(self) -> ast.FunctionDef:
        start = self.expect_op("(")
        params: list[ast.Param] = []
        while not self.tok.is_op(")"):
            name, _ = self.identifier("a parameter name")
            self.expect_op(":")
            columns = None
            if self.tok.is_op("("):
                self.advance()
                columns = []
                if self.accept_op("*"):
                    columns = None
                else:
                    while not self.tok.is_op(")"):
                        col, _ = self.identifier("a column name")
                        self.expect_op(":")
                        columns.append((col, self.type_name()))
                        if not self.accept_op(","):
                            break
                self.expect_op(")")
                ptype = "table"
            else:
                ptype = self.type_name()
            default = None
            if self.accept_op("="):
                default = self.expression()
            params.append(ast.Param(name, ptype, default, columns))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        self.expect_op("{")
        body: list[ast.Statement] = []
        while not self.tok.is_op("}"):
            if self.accept_op(";"):
                continue
            body.append(self.statement())
            if not self.tok.is_op("}"):
                self.expect_op(";")
        self.expect_op("}")
        if not body:
            raise self.error("a function body", start)
        return ast.FunctionDef(start.pos, params, body)

    def schema_of(self, pos: int) -> ast.SchemaOf:
        """The rest of `typeof(*, Name:type, ...)` after its parenthesis."""
        columns: list[tuple[str, str]] = []
        while True:
            if self.accept_op("*"):
                columns.append(("*", ""))
            else:
                name = self.advance()
                if name.kind is not Kind.IDENT:
                    raise self.error("a column name or *", name)
                self.expect_op(":")
                columns.append((name.text, self.type_name()))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        return ast.SchemaOf(pos, columns)

    def type_name(self) -> str:
        tok = self.tok
        if tok.kind is Kind.IDENT:
            self.advance()
            return tok.text
        raise self.error("a type name (string, long, int, real, bool, datetime, timespan, dynamic, guid)")

    # ------------------------------------------------------------ tabular expressions

    def pipeline(self) -> ast.Expr:
        """A tabular pipeline, or a plain scalar expression when no '|' follows."""
        start = self.tok
        source = self.tabular_source()
        if source is None:
            source = self.expression()
        operators: list[ast.Operator] = []
        while self.tok.is_op("|"):
            self.advance()
            operators.append(self.operator())
        if operators or isinstance(source, ast.Operator):
            return ast.Pipeline(start.pos, source, operators)
        return source

    def tabular_source(self) -> ast.Operator | None:
        tok = self.tok
        if tok.kind is not Kind.IDENT:
            return None
        word = tok.text
        nxt = self.peek()
        if word == "datatable" and nxt.is_op("("):
            return self.datatable()
        if word == "print" and not nxt.is_op("|", ")", ",", "="):
            self.advance()
            return ast.Print(tok.pos, self.named_list())
        if word == "range" and nxt.kind is Kind.IDENT and self.peek(2).is_word("from"):
            return self.range_source()
        if word == "union":
            self.advance()
            return self.union_rest(tok)
        if word == "search" and nxt.kind is not Kind.EOF:
            self.advance()
            return self.search_rest(tok.pos)
        if word in ("externaldata", "external_data") and nxt.is_op("("):
            return self.externaldata()
        if word == "find" and nxt.kind is not Kind.EOF:
            self.advance()
            return self.find_rest(tok.pos)
        if word in ("evaluate", "externaldata") and (nxt.kind is not Kind.EOF):
            self.advance()
            self.skip_operator_rest()
            return ast.GenericOperator(tok.pos, word)
        return None

    def declared_columns(self, start: Token, what: str) -> list[tuple[str, str]]:
        """`(name:type, ...)` of a datatable or externaldata: at least one column."""
        self.expect_op("(")
        columns: list[tuple[str, str]] = []
        while not self.tok.is_op(")"):
            name, _ = self.identifier("a column name")
            self.expect_op(":")
            columns.append((name, self.type_name()))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        if not columns:
            raise self.error(f"at least one column in {what}", start)
        return columns

    def bracketed_list(self) -> list[ast.Expr]:
        """`[expr, ...]`: datatable values, externaldata URIs."""
        self.expect_op("[")
        items: list[ast.Expr] = []
        while not self.tok.is_op("]"):
            items.append(self.expression())
            if not self.accept_op(","):
                break
        self.expect_op("]")
        return items

    def datatable(self) -> ast.DataTable:
        start = self.advance()
        columns = self.declared_columns(start, "datatable")
        return ast.DataTable(start.pos, columns, self.bracketed_list())

    def externaldata(self) -> ast.ExternalData:
        start = self.advance()
        columns = self.declared_columns(start, "externaldata")
        uris = self.bracketed_list()
        properties: dict[str, ast.Expr] = {}
        if self.tok.is_word("with") and self.peek().is_op("("):
            self.advance()
            self.advance()
            while not self.tok.is_op(")"):
                key, _ = self.identifier("a property name")
                self.expect_op("=")
                properties[key] = self.expression()
                if not self.accept_op(","):
                    break
            self.expect_op(")")
        return ast.ExternalData(start.pos, columns, uris, properties)

    def range_source(self) -> ast.Range:
        start = self.advance()
        column, _ = self.identifier("a column name")
        self.expect_word("from")
        first = self.expression()
        self.expect_word("to")
        stop = self.expression()
        self.expect_word("step")
        step = self.expression()
        return ast.Range(start.pos, column, first, stop, step)

    def union_rest(self, start: Token) -> ast.Union:
        kind, withsource, isfuzzy = "outer", None, False
        while True:
            if self.tok.is_word("hint") and self.peek().is_op("."):
                self.skip_hints()
                continue
            if not (self.tok.is_word("kind", "withsource", "isfuzzy") and self.peek().is_op("=")):
                break
            word = self.advance().text
            self.expect_op("=")
            value = self.advance()
            if word == "kind":
                kind = value.text
                if kind not in ("inner", "outer"):
                    raise self.error("kind=inner or kind=outer", value)
            elif word == "withsource":
                withsource = str(value.value if value.kind is Kind.STRING else value.text)
            elif word == "isfuzzy":
                isfuzzy = value.text == "true"
        legs: list[ast.Expr] = []
        while True:
            legs.append(self.union_leg())
            if not self.accept_op(","):
                break
        return ast.Union(start.pos, kind, withsource, legs, isfuzzy)

    def union_leg(self) -> ast.Expr:
        tok = self.tok
        if tok.is_op("("):
            self.advance()
            inner = self.pipeline()
            self.expect_op(")")
            return inner
        if tok.kind is Kind.IDENT or tok.is_op("["):
            name, pos = self.identifier("a table name")
            # wildcard legs such as Device*
            while self.tok.is_op("*") and self.adjacent(self.tokens[self.i - 1], self.tok):
                self.advance()
                name += "*"
                if self.tok.kind is Kind.IDENT and self.adjacent(self.tokens[self.i - 1], self.tok):
                    name += self.advance().text
            if self.tok.is_op("("):  # a function call leg
                return self.call_rest(name, pos)
            return ast.Name(pos, name)
        raise self.error("a table, a let name or a parenthesised query after 'union'")

    def operator_name(self) -> Token:
        tok = self.tok
        if tok.kind is not Kind.IDENT:
            raise self.error("a tabular operator after '|'")
        self.advance()
        name = tok.text
        end = tok.end
        while self.tok.is_op("-") and self.tok.pos == end and self.peek().kind is Kind.IDENT and self.peek().pos == self.tok.end:
            self.advance()
            part = self.advance()
            name += "-" + part.text
            end = part.end
        return Token(Kind.IDENT, name, tok.pos, end)

    def operator(self) -> ast.Operator:
        tok = self.operator_name()
        name, pos = tok.text, tok.pos
        if name in ("where", "filter"):
            return ast.Where(pos, self.expression())
        if name == "project":
            return ast.Project(pos, self.named_list())
        if name == "extend":
            return ast.Extend(pos, self.named_list())
        if name == "project-away":
            return ast.ProjectAway(pos, self.patterns())
        if name == "project-keep":
            return ast.ProjectKeep(pos, self.patterns())
        if name == "project-rename":
            return ast.ProjectRename(pos, self.renames())
        if name == "project-reorder":
            return ast.ProjectReorder(pos, self.reorder_patterns())
        if name in ("sort", "order"):
            self.skip_hints()
            self.expect_word("by")
            return ast.Sort(pos, self.sort_keys())
        if name in ("take", "limit"):
            self.skip_hints()
            return ast.Take(pos, self.expression())
        if name == "top":
            count = self.expression()
            self.expect_word("by")
            return ast.Top(pos, count, self.sort_key())
        if name == "distinct":
            if self.accept_op("*"):
                return ast.Distinct(pos, None)
            return ast.Distinct(pos, self.named_list())
        if name == "count":
            return ast.Count(pos)
        if name == "getschema":
            return ast.GetSchema(pos)
        if name == "evaluate":
            self.skip_hints()
            plugin, plugin_pos = self.identifier("a plugin name after 'evaluate'")
            if not self.tok.is_op("("):
                raise self.error("'(' after the plugin name")
            call = self.call_rest(plugin, plugin_pos)
            schema = self.declared_columns(self.tok, "the output schema") if self.accept_op(":") else None
            return ast.Evaluate(pos, call, schema)
        if name == "summarize":
            return self.summarize(pos)
        if name == "join":
            kind, right, conditions = self.join_parts("innerunique")
            return ast.Join(pos, kind, right, conditions)
        if name == "lookup":
            kind, right, conditions = self.join_parts("leftouter")
            return ast.Lookup(pos, kind, right, conditions)
        if name == "union":
            return self.union_rest(tok)
        if name == "as":
            self.skip_hints()
            ident, _ = self.identifier("a name after 'as'")
            return ast.As(pos, ident)
        if name == "serialize":
            items = [] if self.at_operator_end() else self.named_list()
            return ast.Serialize(pos, items)
        if name == "mv-expand":
            return self.mv_expand(pos)
        if name in ("parse", "parse-where"):
            return self.parse_operator(pos, name == "parse-where")
        if name == "search":
            return self.search_rest(pos)
        if name == "parse-kv":
            return self.parse_kv(pos)
        if name == "mv-apply":
            expand = self.mv_expand(pos)
            if self.accept_word("name"):
                raise self.error("no 'name=' (mv-apply subquery names are not supported)")
            self.expect_word("on")
            self.expect_op("(")
            operators = [self.operator()]
            while self.accept_op("|"):
                operators.append(self.operator())
            self.expect_op(")")
            return ast.MvApply(pos, expand, operators)
        if name == "top-nested":
            return self.top_nested(pos)
        if name == "scan":
            return self.scan(pos)
        if name == "partition":
            return self.partition(pos)
        if name == "sample":
            self.skip_hints()
            return ast.Sample(pos, self.expression())
        if name in ("sample-distinct", "top-hitters"):
            self.skip_hints()
            count = self.expression()
            self.expect_word("of")
            column, column_pos = self.identifier("a column name after 'of'")
            if name == "sample-distinct":
                return ast.Sample(pos, count, ast.Name(column_pos, column))
            weight = self.expression() if self.accept_word("by") else None
            return ast.TopHitters(pos, count, ast.Name(column_pos, column), weight)
        if name == "make-series":
            return self.make_series(pos)
        if name == "invoke":
            name_tok = self.tok
            fname, fpos = self.identifier("a function name after 'invoke'")
            if not self.tok.is_op("("):
                raise self.error("'(' after the function name", hint="invoke calls a function: T | invoke f(args)")
            return ast.Invoke(pos, self.call_rest(fname, fpos if name_tok else fpos))
        if name == "render":
            self.skip_operator_rest()
            return ast.Render(pos)
        if name == "fork":
            return self.fork(pos)
        if name == "facet":
            return self.facet(pos)
        if name in _KNOWN_UNSUPPORTED:
            self.skip_operator_rest()
            return ast.GenericOperator(pos, name)
        raise KqlSyntaxError(f"unknown tabular operator '{name}'", self.text, pos,
                             "check the spelling; operators follow '|' (where, project, extend, summarize, join, ...)")

    def parse_operator(self, pos: int, keep_only_matches: bool) -> ast.Parse:
        kind, flags = "simple", ""
        while self.tok.kind is Kind.IDENT and self.tok.text in ("kind", "flags") and self.peek().is_op("="):
            word = self.advance().text
            self.advance()
            value = self.advance()
            if word == "kind":
                kind = value.text
                if kind not in ("simple", "regex", "relaxed"):
                    raise self.error("kind=simple, kind=regex or kind=relaxed", value)
            else:
                flags = value.text
        source = self.additive()
        self.expect_word("with")
        parts: list[ast.ParsePart] = []
        while not self.at_operator_end():
            tok = self.tok
            if tok.kind is Kind.STRING:
                self.advance()
                parts.append(ast.ParsePart("const", str(tok.value), pos=tok.pos))
            elif tok.is_op("*"):
                self.advance()
                parts.append(ast.ParsePart("star", pos=tok.pos))
            elif tok.kind is Kind.IDENT or tok.is_op("["):
                name, name_pos = self.identifier("a column name")
                if name in RESERVED_NAMES:
                    raise KqlSyntaxError(f"'{name}' is a reserved word and cannot name a column", self.text, name_pos,
                                         f"quote it: ['{name}']")
                col_type = "string"
                if self.accept_op(":"):
                    col_type = self.type_name()
                parts.append(ast.ParsePart("column", name, col_type, name_pos))
            else:
                raise self.error("a string constant, a column name or '*' in the parse pattern")
        if not any(p.kind == "column" for p in parts):
            raise KqlSyntaxError("a parse pattern needs at least one column", self.text, pos)
        return ast.Parse(pos, source, parts, kind, flags, keep_only_matches)

    def top_nested(self, pos: int) -> ast.TopNested:
        levels: list[ast.TopNestedLevel] = []
        while True:
            level_pos = self.tok.pos
            count = None if self.tok.is_word("of") else self.additive()
            self.expect_word("of")
            key = self.named_expr()
            others = None
            if self.accept_word("with"):
                self.expect_word("others")
                self.expect_op("=")
                others = self.additive()
            self.expect_word("by")
            aggregate = self.named_expr()
            descending = (self.accept_word("asc", "desc") or "desc") == "desc"
            levels.append(ast.TopNestedLevel(count, key, aggregate, descending, others, level_pos))
            if not self.accept_op(","):
                break
            if self.operator_name().text != "top-nested":
                raise self.error("'top-nested' after ',' in a top-nested operator")
        return ast.TopNested(pos, levels)

    def partition(self, pos: int) -> ast.Partition:
        self.skip_hints()
        self.expect_word("by")
        column, column_pos = self.identifier("the column to partition by")
        self.skip_hints()
        if not self.tok.is_op("("):
            raise self.error("'(' and the operators to run on each partition",
                             hint="partition by Column (top 3 by Timestamp); the { ... $input ... } form is not supported yet")
        self.advance()
        self.accept_op("|")
        operators = [self.operator()]
        while self.accept_op("|"):
            operators.append(self.operator())
        self.expect_op(")")
        return ast.Partition(pos, ast.Name(column_pos, column), operators)

    def subquery_operators(self) -> list[ast.Operator]:
        """`(op | op ...)` of fork legs and facet's `with`: operators on the input, a leading '|' allowed."""
        self.expect_op("(")
        self.accept_op("|")
        if self.tok.is_op(")"):
            raise self.error("a query operator inside the parentheses")
        operators = [self.operator()]
        while self.accept_op("|"):
            operators.append(self.operator())
        self.expect_op(")")
        return operators

    def fork(self, pos: int) -> ast.Fork:
        """`fork [name=](ops) [name=](ops) ...`."""
        legs: list[ast.ForkLeg] = []
        while not self.at_operator_end():
            leg_pos = self.tok.pos
            name = None
            if not self.tok.is_op("("):
                name, _ = self.identifier("'(' and a subquery, or a name and '=' before it")
                self.expect_op("=")
            legs.append(ast.ForkLeg(leg_pos, name, self.subquery_operators()))
        if not legs:
            raise self.error("a subquery in parentheses after 'fork'", hint="T | fork (where A) (summarize count())")
        return ast.Fork(pos, legs)

    def facet(self, pos: int) -> ast.Facet:
        """`facet by Column [, Column ...] [with (ops)]`."""
        self.expect_word("by")
        columns = []
        while True:
            name, name_pos = self.identifier("a column name")
            columns.append(ast.Name(name_pos, name))
            if not self.accept_op(","):
                break
        with_operators = self.subquery_operators() if self.accept_word("with") else None
        return ast.Facet(pos, columns, with_operators)

    def scan(self, pos: int) -> ast.Scan:
        """`scan [with_match_id=Name] [declare (name:type[=default], ...)] with (step ...; ...)`."""
        match_id = None
        declares: list[ast.ScanDeclare] = []
        while True:
            if self.accept_word("with_match_id"):
                self.expect_op("=")
                match_id, _ = self.identifier("the match id column's name")
            elif self.accept_word("declare"):
                self.expect_op("(")
                while not self.tok.is_op(")"):
                    name, name_pos = self.identifier("a column name")
                    self.expect_op(":")
                    kind = self.type_name()
                    default = self.expression() if self.accept_op("=") else None
                    declares.append(ast.ScanDeclare(name, kind, default, name_pos))
                    if not self.accept_op(","):
                        break
                self.expect_op(")")
            else:
                break
        self.expect_word("with")
        self.expect_op("(")
        steps: list[ast.ScanStep] = []
        while self.tok.is_word("step"):
            self.advance()
            name, step_pos = self.identifier("a step name")
            output = "all"
            if self.accept_word("output"):
                self.expect_op("=")
                output = self.accept_word("all", "last", "none") or ""
                if not output:
                    raise self.error("all, last or none after 'output='")
            self.expect_op(":")
            condition = self.expression()
            assignments: list[tuple[str, ast.Expr, int]] = []
            if self.accept_op("=>"):
                while True:
                    column, column_pos = self.identifier("a declared column to assign")
                    self.expect_op("=")
                    assignments.append((column, self.expression(), column_pos))
                    if not self.accept_op(","):
                        break
            if not self.accept_op(";") and not self.tok.is_op(")"):
                raise self.error("';' after the step")
            steps.append(ast.ScanStep(name, output, condition, assignments, step_pos))
        if not steps:
            raise self.error("at least one `step name: condition;` in scan's with (...)")
        self.expect_op(")")
        return ast.Scan(pos, match_id, declares, steps)

    def make_series(self, pos: int) -> ast.MakeSeries:
        self.skip_hints()
        if self.tok.is_word("kind") and self.peek().is_op("="):
            self.advance()
            self.advance()
            self.advance()
        aggregates: list[tuple[ast.NamedExpr, ast.Expr | None]] = []
        while True:
            item = self.named_expr()
            default = None
            if self.tok.is_word("default") and self.peek().is_op("="):
                self.advance()
                self.advance()
                default = self.unary()
            aggregates.append((item, default))
            if not self.accept_op(","):
                break
        self.expect_word("on")
        axis = self.additive()
        start = stop = None
        step: ast.Expr | None = None
        if self.tok.is_word("in") and self.peek().is_word("range"):
            self.advance()
            self.advance()
            self.expect_op("(")
            start = self.expression()
            self.expect_op(",")
            stop = self.expression()
            self.expect_op(",")
            step = self.expression()
            self.expect_op(")")
        else:
            if self.accept_word("from"):
                start = self.additive()
            if self.accept_word("to"):
                stop = self.additive()
            self.expect_word("step")
            step = self.additive()
        by: list[ast.NamedExpr] = []
        if self.accept_word("by"):
            by = self.named_list()
        return ast.MakeSeries(pos, aggregates, axis, start, stop, step, by)

    def parse_kv(self, pos: int) -> ast.ParseKv:
        source = self.additive()
        self.expect_word("as")
        self.expect_op("(")
        keys: list[tuple[str, str, int]] = []
        while not self.tok.is_op(")"):
            name, name_pos = self.identifier("a key name")
            if name in RESERVED_NAMES:
                raise KqlSyntaxError(f"'{name}' is a reserved word and cannot name a column", self.text, name_pos,
                                     f"quote it: ['{name}']")
            key_type = "string"
            if self.accept_op(":"):
                key_type = self.type_name()
            keys.append((name, key_type, name_pos))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        options: dict[str, str] = {}
        if self.accept_word("with"):
            self.expect_op("(")
            while not self.tok.is_op(")"):
                option, _ = self.identifier("an option name")
                self.expect_op("=")
                value = self.advance()
                options[option] = str(value.value) if value.kind is Kind.STRING else value.text
                if not self.accept_op(","):
                    break
            self.expect_op(")")
        if not keys:
            raise KqlSyntaxError("parse-kv needs at least one key in as (...)", self.text, pos)
        return ast.ParseKv(pos, source, keys, options)

    def search_rest(self, pos: int) -> ast.Search:
        case_sensitive, tables = False, None
        if self.tok.is_word("kind") and self.peek().is_op("="):
            self.advance()
            self.advance()
            case_sensitive = self.advance().text == "case_sensitive"
        if self.tok.is_word("in") and self.peek().is_op("("):
            self.advance()
            self.advance()
            tables = []
            while not self.tok.is_op(")"):
                tables.append(self.identifier("a table name")[0])
                if not self.accept_op(","):
                    break
            self.expect_op(")")
        self.in_search = True
        try:
            predicate = _search_terms(self.expression(), case_sensitive)
        finally:
            self.in_search = False
        return ast.Search(pos, predicate, tables, case_sensitive)

    def find_rest(self, pos: int) -> ast.Find:
        withsource, tables = None, None
        if self.tok.is_word("withsource") and self.peek().is_op("="):
            self.advance()
            self.advance()
            withsource = self.identifier("a column name")[0]
        if self.tok.is_word("in") and self.peek().is_op("("):
            self.advance()
            self.advance()
            tables = []
            while not self.tok.is_op(")"):
                if self.tok.is_op("("):
                    self.advance()
                    tables.append(self.pipeline())
                    self.expect_op(")")
                else:
                    name_tok = self.tok
                    name = self.identifier("a table name")[0]
                    if self.tok.is_op("*") and self.tok.pos == name_tok.end:  # T*: the tables named T...
                        self.advance()
                        name += "*"
                    tables.append(name)
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            if not self.tok.is_word("where"):
                raise self.error("'where' and the predicate after find's table list")
        if self.tok.is_word("where"):
            self.advance()
        self.in_search = True
        try:
            predicate = _search_terms(self.expression())
        finally:
            self.in_search = False
        project, pack_all = None, False
        word = self.tok
        if word.is_word("project") and self.peek().is_op("-") and self.peek(2).is_word("smart"):
            self.advance()
            self.advance()
            self.advance()
        elif word.is_word("project"):
            self.advance()
            project = []
            while True:
                if self.tok.is_word("pack_all") and self.peek().is_op("("):
                    self.advance()
                    self.advance()
                    self.expect_op(")")
                    pack_all = True
                else:
                    name = self.identifier("a column name")[0]
                    type_name = self.type_name() if self.accept_op(":") else None
                    project.append((name, type_name))
                if not self.accept_op(","):
                    break
        return ast.Find(pos, predicate, tables, withsource, project, pack_all)

    def at_operator_end(self) -> bool:
        return self.tok.kind is Kind.EOF or self.tok.is_op("|", ";", ")")

    def skip_hints(self) -> None:
        """Skip `hint.name=value` pairs: hints steer Kusto's execution, never the result."""
        while self.tok.is_word("hint") and self.peek().is_op("."):
            self.advance()
            self.advance()
            self.identifier("a hint name")
            self.expect_op("=")
            self.advance()

    def skip_balanced(self) -> None:
        depth = 0
        while self.tok.kind is not Kind.EOF:
            if self.tok.is_op("(", "[", "{"):
                depth += 1
            elif self.tok.is_op(")", "]", "}"):
                depth -= 1
                if depth <= 0:
                    self.advance()
                    return
            self.advance()

    def skip_operator_rest(self) -> None:
        depth = 0
        while self.tok.kind is not Kind.EOF:
            if depth == 0 and self.tok.is_op("|", ";", ")"):
                return
            if self.tok.is_op("(", "[", "{"):
                depth += 1
            elif self.tok.is_op(")", "]", "}"):
                depth -= 1
            self.advance()

    def named_list(self, allow_empty: bool = False) -> list[ast.NamedExpr]:
        items: list[ast.NamedExpr] = []
        if allow_empty and self.at_operator_end():
            return items
        while True:
            items.append(self.named_expr())
            if not self.accept_op(","):
                return items

    def named_expr(self) -> ast.NamedExpr:
        tok = self.tok
        # (a, b) = expr
        if tok.is_op("(") and self._paren_names_then_assign():
            self.advance()
            names = []
            while not self.tok.is_op(")"):
                names.append(self.identifier("a column name")[0])
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            self.expect_op("=")
            return ast.NamedExpr(None, self.expression(), names)
        if tok.kind is Kind.IDENT and self.peek().is_op("="):
            if tok.text in RESERVED_NAMES:
                raise KqlSyntaxError(f"'{tok.text}' is a reserved word and cannot name a column", self.text, tok.pos,
                                     f"quote it: ['{tok.text}']")
            self.advance()
            self.advance()
            return ast.NamedExpr(tok.text, self.expression())
        if tok.is_op("[") and self.peek().kind is Kind.STRING and self.peek(2).is_op("]") and self.peek(3).is_op("="):
            name, _ = self.identifier()
            self.advance()
            return ast.NamedExpr(name, self.expression())
        return ast.NamedExpr(None, self.expression())

    def _paren_names_then_assign(self) -> bool:
        j = self.i + 1
        while j < len(self.tokens):
            t = self.tokens[j]
            if t.kind is Kind.IDENT or t.is_op(","):
                j += 1
                continue
            return t.is_op(")") and self.tokens[j + 1].is_op("=") if j + 1 < len(self.tokens) else False
        return False

    def pattern(self) -> tuple[str, int]:
        tok = self.tok
        if tok.is_op("["):
            return self.identifier()
        parts: list[str] = []
        prev: Token | None = None
        while self.tok.kind in (Kind.IDENT, Kind.INT) or self.tok.is_op("*"):
            if prev is not None and not self.adjacent(prev, self.tok):
                break
            prev = self.advance()
            parts.append(prev.text)
        if not parts:
            raise self.error("a column name or wildcard pattern")
        return "".join(parts), tok.pos

    def patterns(self) -> list[tuple[str, int]]:
        items = [self.pattern()]
        while self.accept_op(","):
            items.append(self.pattern())
        return items

    def renames(self) -> list[tuple[str, str, int]]:
        items = []
        while True:
            new, pos = self.identifier("a new column name")
            self.expect_op("=")
            old, _ = self.identifier("an existing column name")
            items.append((new, old, pos))
            if not self.accept_op(","):
                return items

    def reorder_patterns(self) -> list[tuple[str, str | None, int]]:
        items = []
        while True:
            pattern, pos = self.pattern()
            order = None
            if self.tok.kind is Kind.IDENT and self.tok.text in ("asc", "desc", "granny"):
                order = self.operator_name().text
            items.append((pattern, order, pos))
            if not self.accept_op(","):
                return items

    def sort_key(self) -> ast.SortKey:
        expr = self.expression()
        descending = True
        direction = self.accept_word("asc", "desc")
        if direction:
            descending = direction == "desc"
        nulls_first = None
        if self.accept_word("nulls"):
            where = self.accept_word("first", "last")
            if where is None:
                raise self.error("'first' or 'last' after 'nulls'")
            nulls_first = where == "first"
        return ast.SortKey(expr, descending, nulls_first)

    def sort_keys(self) -> list[ast.SortKey]:
        keys = [self.sort_key()]
        while self.accept_op(","):
            keys.append(self.sort_key())
        return keys

    def summarize(self, pos: int) -> ast.Summarize:
        self.skip_hints()
        aggregates: list[ast.NamedExpr] = []
        if not self.tok.is_word("by") and not self.at_operator_end():
            aggregates = self.named_list()
        by: list[ast.NamedExpr] = []
        if self.accept_word("by"):
            by = self.named_list()
        if not aggregates and not by:
            raise self.error("an aggregate or 'by'")
        return ast.Summarize(pos, aggregates, by)

    def join_parts(self, default_kind: str) -> tuple[str, ast.Pipeline, list[ast.JoinCondition]]:
        kind = default_kind
        while self.tok.kind is Kind.IDENT and (self.tok.text in ("kind",) or self.tok.text.startswith("hint")) and (
            self.peek().is_op("=", ".")
        ):
            word = self.advance().text
            while self.tok.is_op("."):
                self.advance()
                self.advance()
            self.expect_op("=")
            value = self.advance()
            if word == "kind":
                kind = value.text
        right_tok = self.tok
        if self.tok.is_op("("):
            self.advance()
            right = self.pipeline()
            self.expect_op(")")
        else:
            name, pos = self.identifier("the right side of the join: a table name or (query)")
            right = ast.Name(pos, name) if not self.tok.is_op("(") else self.call_rest(name, pos)
        if not isinstance(right, ast.Pipeline):
            right = ast.Pipeline(right_tok.pos, right, [])
        self.expect_word("on")
        conditions = []
        while True:
            conditions.append(self.join_condition())
            if not (self.accept_op(",") or self.accept_word("and")):
                break
        return kind, right, conditions

    def join_condition(self) -> ast.JoinCondition:
        tok = self.tok
        if tok.kind is Kind.IDENT and tok.text in ("$left", "$right"):
            first_side, first = self.side_column()
            self.expect_op("==")
            second_side, second = self.side_column()
            if first_side == second_side:
                raise KqlSyntaxError("a join condition must compare $left with $right", self.text, tok.pos)
            left, right = (first, second) if first_side == "$left" else (second, first)
            return ast.JoinCondition(left, right, tok.pos)
        name, pos = self.identifier("a join key: a column name or $left.Column == $right.Column")
        return ast.JoinCondition(name, name, pos)

    def side_column(self) -> tuple[str, str]:
        side = self.tok
        if not side.is_word("$left", "$right"):
            raise self.error("$left.Column or $right.Column")
        self.advance()
        self.expect_op(".")
        name, _ = self.identifier("a column name")
        return side.text, name

    def mv_expand(self, pos: int) -> ast.MvExpand:
        kind, item_index = "bag", None
        while self.tok.kind is Kind.IDENT and self.tok.text in ("kind", "with_itemindex", "bagexpansion") and self.peek().is_op("="):
            word = self.advance().text
            self.advance()
            value = self.advance().text
            if word in ("kind", "bagexpansion"):
                kind = value
            else:
                item_index = value
        items: list[tuple[ast.NamedExpr, str | None]] = []
        while True:
            item = self.named_expr()
            to_type = None
            if self.accept_word("to"):
                self.expect_word("typeof")
                self.expect_op("(")
                to_type = self.type_name()
                self.expect_op(")")
            items.append((item, to_type))
            if not self.accept_op(","):
                break
        limit = None
        if self.accept_word("limit"):
            limit = self.expression()
        return ast.MvExpand(pos, items, kind, item_index, limit)

    # ------------------------------------------------------------ scalar expressions

    def expression(self) -> ast.Expr:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise KqlSyntaxError(f"the expression is nested more than {MAX_NESTING} levels deep", self.text,
                                     self.tok.pos, "simplify the query or split it with let statements")
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> ast.Expr:
        left = self.and_expr()
        while self.tok.is_word("or"):
            tok = self.advance()
            left = ast.Binary(tok.pos, "or", left, self.and_expr())
        return left

    def and_expr(self) -> ast.Expr:
        left = self.comparison()
        while self.tok.is_word("and"):
            tok = self.advance()
            left = ast.Binary(tok.pos, "and", left, self.comparison())
        return left

    def comparison(self) -> ast.Expr:
        left = self.additive()
        while True:
            tok = self.tok
            op = tok.text
            if tok.kind is Kind.OP and op in _COMPARISONS:
                self.advance()
                left = ast.Binary(tok.pos, "!=" if op == "<>" else op, left, self.additive())
            elif (tok.kind is Kind.IDENT or tok.kind is Kind.OP) and op in _LIST_OPERATORS:
                self.advance()
                left = ast.InList(tok.pos, op, left, self.list_items(op))
            elif (tok.kind is Kind.IDENT or tok.kind is Kind.OP) and op in _STRING_OPERATORS:
                self.advance()
                left = ast.Binary(tok.pos, op, left, self.additive())
            elif tok.is_word("matches") and self.peek().is_word("regex"):
                self.advance()
                self.advance()
                left = ast.Binary(tok.pos, "matches regex", left, self.additive())
            elif tok.is_word("between") or tok.is_op("!between"):
                self.advance()
                self.expect_op("(")
                low = self.additive()
                self.expect_op("..")
                high = self.additive()
                self.expect_op(")")
                left = ast.Between(tok.pos, op == "!between", left, low, high)
            else:
                return left

    def list_items(self, op: str) -> list[ast.Expr]:
        self.expect_op("(")
        items: list[ast.Expr] = []
        while not self.tok.is_op(")"):
            items.append(self.pipeline())
            if not self.accept_op(","):
                break
        self.expect_op(")")
        if not items and op in ("has_any", "has_all"):
            return items
        return items

    def additive(self) -> ast.Expr:
        left = self.multiplicative()
        while self.tok.is_op("+", "-"):
            tok = self.advance()
            left = ast.Binary(tok.pos, tok.text, left, self.multiplicative())
        return left

    def multiplicative(self) -> ast.Expr:
        left = self.unary()
        while self.tok.is_op("*", "/", "%"):
            tok = self.advance()
            left = ast.Binary(tok.pos, tok.text, left, self.unary())
        return left

    def unary(self) -> ast.Expr:
        if self.tok.is_op("-", "+"):
            tok = self.advance()
            self.depth += 1
            try:
                if self.depth > MAX_NESTING:
                    raise KqlSyntaxError(f"more than {MAX_NESTING} signs in a row", self.text, tok.pos)
                operand = self.unary()
            finally:
                self.depth -= 1
            if tok.text == "-" and isinstance(operand, ast.Literal) and operand.type in ("long", "real", "timespan") and operand.value is not None:
                return ast.Literal(tok.pos, operand.type, -operand.value)  # type: ignore[operator]
            return ast.Unary(tok.pos, tok.text, operand)
        return self.postfix()

    def postfix(self) -> ast.Expr:
        expr = self.primary()
        while True:
            if self.tok.is_op(".") and self.peek().kind in (Kind.IDENT, Kind.TYPED) or (
                self.tok.is_op(".") and self.peek().is_op("[")
            ):
                self.advance()
                if self.tok.is_op("["):
                    name, _ = self.identifier("a property name")
                else:
                    t = self.advance()
                    name = t.text
                expr = ast.Member(expr.pos, expr, name)
            elif self.tok.is_op("[") and self._is_postfix_index():
                self.advance()
                index = self.expression()
                self.expect_op("]")
                expr = ast.Index(expr.pos, expr, index)
            else:
                return expr

    def _is_postfix_index(self) -> bool:
        prev = self.tokens[self.i - 1]
        return prev.kind in (Kind.IDENT,) or prev.is_op(")", "]")

    def primary(self) -> ast.Expr:
        tok = self.tok
        kind = tok.kind
        if self.in_search and kind is Kind.IDENT and self.peek().is_op(":") and self.peek(2).kind is Kind.STRING:
            self.advance()
            self.advance()  # Column:"term" in a search predicate
            return ast.SearchTerm(tok.pos, str(self.advance().value), tok.text)
        if kind is Kind.INT:
            self.advance()
            return ast.Literal(tok.pos, "long", tok.value)
        if kind is Kind.REAL:
            self.advance()
            return ast.Literal(tok.pos, "real", tok.value)
        if kind is Kind.STRING:
            self.advance()
            value = str(tok.value)
            # adjacent string literals concatenate
            while self.tok.kind is Kind.STRING:
                value += str(self.advance().value)
            return ast.Literal(tok.pos, "string", value)
        if kind is Kind.TIMESPAN:
            self.advance()
            return ast.Literal(tok.pos, "timespan", tok.value)
        if kind is Kind.TYPED:
            self.advance()
            return self.typed_literal(tok)
        if tok.is_op("("):
            self.advance()
            inner = self.pipeline()
            self.expect_op(")")
            return inner
        if tok.is_op("[") and self.peek().kind is Kind.STRING and self.peek(2).is_op("]"):
            name, pos = self.identifier()
            return ast.Name(pos, name)
        if tok.is_op("*"):
            self.advance()
            return ast.Star(tok.pos)
        if kind is Kind.IDENT:
            word = tok.text
            if word in ("true", "false"):
                self.advance()
                return ast.Literal(tok.pos, "bool", word == "true")
            if word == "dynamic" and self.peek().is_op("("):
                self.advance()
                self.advance()
                value = self.dynamic_value()
                self.expect_op(")")
                return ast.Literal(tok.pos, "dynamic", value)
            if word == "typeof" and self.peek().is_op("("):
                self.advance()
                self.advance()
                if self.tok.is_op("*") or self.peek().is_op(":"):  # a schema: typeof(*, Name:type, ...)
                    return self.schema_of(tok.pos)
                type_tok = self.advance()
                name = type_tok.text if type_tok.kind is Kind.IDENT else None
                if name is None:
                    raise self.error("a type name", type_tok)
                self.expect_op(")")
                return ast.TypeOf(tok.pos, name)
            # datatable/range/print/union start a table even inside parentheses; other words are names
            src = self.tabular_source() if word in ("datatable", "range", "print", "union") else None
            if src is not None:
                return ast.Pipeline(tok.pos, src, [])
            self.advance()
            if self.tok.is_op("("):
                return self.call_rest(word, tok.pos)
            return ast.Name(tok.pos, word)
        raise self.error("an expression")

    def call_rest(self, name: str, pos: int) -> ast.Call:
        self.expect_op("(")
        args: list[ast.Expr] = []
        while not self.tok.is_op(")"):
            if self.tok.kind is Kind.IDENT and self.peek().is_op("="):
                arg_name = self.advance()
                self.advance()
                args.append(ast.NamedArg(arg_name.pos, arg_name.text, self.pipeline()))
            else:
                args.append(self.pipeline())
            if not self.accept_op(","):
                break
        self.expect_op(")")
        return ast.Call(pos, name, args)

    def typed_literal(self, tok: Token) -> ast.Literal:
        word, raw = tok.value  # type: ignore[misc]
        lowered = raw.strip().lower()
        is_null = lowered == "null"
        if word in ("datetime", "date"):
            if is_null:
                return ast.Literal(tok.pos, "datetime", None)
            value = parse_datetime(raw)
            if value is None:  # Kusto reads datetime(2017 - 08 - 01) too (the documentation's examples write it)
                value = parse_datetime(_SPACED_DATE.sub(r"\1-\2-\3", raw))
            if value is None:
                raise KqlSyntaxError(f"invalid datetime literal {raw!r}", self.text, tok.pos,
                                     "write datetimes as datetime(2024-08-05 13:45:07) or ISO 8601")
            return ast.Literal(tok.pos, "datetime", value)
        if word in ("timespan", "time"):
            if is_null:
                return ast.Literal(tok.pos, "timespan", None)
            inner = raw.strip()
            ticks = None
            try:
                inner_tokens = tokenize(inner)
                if len(inner_tokens) == 2 and inner_tokens[0].kind is Kind.TIMESPAN:
                    ticks = inner_tokens[0].value
            except KqlSyntaxError:
                pass
            if ticks is None:
                ticks = parse_timespan(inner, TIMESPAN_UNITS)
            if ticks is None:
                raise KqlSyntaxError(f"invalid timespan literal {raw!r}", self.text, tok.pos,
                                     "examples: 1d, 2h, 30m, timespan(1.02:03:04)")
            return ast.Literal(tok.pos, "timespan", ticks)
        if word == "guid":
            if is_null:
                return ast.Literal(tok.pos, "guid", None)
            try:
                return ast.Literal(tok.pos, "guid", str(uuid.UUID(raw.strip())))
            except ValueError:
                raise KqlSyntaxError(f"invalid guid literal {raw!r}", self.text, tok.pos) from None
        kql_type = {"int32": "int", "int64": "long", "double": "real", "boolean": "bool"}.get(word, word)
        if is_null:
            return ast.Literal(tok.pos, kql_type, None)
        if kql_type == "bool":
            if lowered in ("true", "false", "1", "0"):
                return ast.Literal(tok.pos, "bool", lowered in ("true", "1"))
        elif kql_type in ("long", "int"):
            text = lowered.replace(" ", "")
            try:
                value = int(text, 16) if text.lstrip("+-").startswith("0x") else int(text)
                return ast.Literal(tok.pos, kql_type, value)
            except ValueError:
                pass
        elif kql_type in ("real", "decimal"):
            value_f = parse_real(lowered.replace(" ", ""))
            if value_f is not None:
                return ast.Literal(tok.pos, kql_type, value_f if kql_type == "real" else raw.strip())
        raise KqlSyntaxError(f"invalid {word} literal {raw!r}", self.text, tok.pos)

    def dynamic_value(self) -> object:
        tok = self.tok
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise KqlSyntaxError(f"the dynamic literal is nested more than {MAX_NESTING} levels deep", self.text, tok.pos)
            return self._dynamic_value(tok)
        finally:
            self.depth -= 1

    def _dynamic_value(self, tok: Token) -> object:
        if tok.is_op("["):
            self.advance()
            items = []
            while not self.tok.is_op("]"):
                items.append(self.dynamic_value())
                if not self.accept_op(","):
                    break
            self.expect_op("]")
            return items
        if tok.is_op("{"):
            self.advance()
            bag: dict[str, object] = {}
            while not self.tok.is_op("}"):
                key = self.advance()
                if key.kind is Kind.STRING:
                    k = str(key.value)
                elif key.kind is Kind.IDENT:
                    k = key.text
                else:
                    raise self.error("a property name", key)
                self.expect_op(":")
                bag[k] = self.dynamic_value()
                if not self.accept_op(","):
                    break
            self.expect_op("}")
            return bag
        if tok.is_op("-", "+"):
            self.advance()
            inner = self.dynamic_value()
            if not isinstance(inner, (int, float)) or isinstance(inner, bool):
                raise self.error("a number after the sign", tok)
            return -inner if tok.text == "-" else inner
        self.advance()
        if tok.kind is Kind.STRING:
            return tok.value
        if tok.kind in (Kind.INT, Kind.REAL):
            return tok.value
        if tok.kind is Kind.IDENT and tok.text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[tok.text]
        if tok.kind is Kind.TYPED:
            literal = self.typed_literal(tok)
            if literal.type == "datetime" and literal.value is not None:
                return literal.value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # type: ignore[union-attr]
            if literal.type == "timespan" and literal.value is not None:
                from kqlite.formatting import format_timespan_ticks

                return format_timespan_ticks(literal.value)  # type: ignore[arg-type]
            return literal.value
        if tok.kind is Kind.TIMESPAN:
            from kqlite.formatting import format_timespan_ticks

            return format_timespan_ticks(tok.value)  # type: ignore[arg-type]
        raise self.error("a JSON value (array, object, string, number, true, false, null)", tok)


def _search_terms(node: ast.Expr, case_sensitive: bool = False) -> ast.Expr:
    """In a search predicate, a bare literal in a boolean position means 'any column has this term'."""
    if isinstance(node, ast.Literal) and node.type == "string" and node.value is not None:
        return ast.SearchTerm(node.pos, str(node.value), None, case_sensitive)
    if isinstance(node, ast.SearchTerm):
        return ast.SearchTerm(node.pos, node.text, node.column, case_sensitive)
    if isinstance(node, ast.Literal) and node.type in ("long", "real"):
        # the engine searches only for text terms: a bare number matches no row
        return ast.Literal(node.pos, "bool", False)
    if isinstance(node, ast.Binary) and node.op in ("and", "or"):
        return ast.Binary(node.pos, node.op, _search_terms(node.left, case_sensitive),
                          _search_terms(node.right, case_sensitive))
    if isinstance(node, ast.Call) and node.name == "not" and len(node.args) == 1:
        return ast.Call(node.pos, "not", [_search_terms(node.args[0], case_sensitive)])
    return node
