"""Name bindings of a script: let values, tabular lets, functions and their parameters, in nested scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Relation
from kqlite.syntax import ast


@dataclass
class ScalarBinding:
    value: Typed


@dataclass
class TabularBinding:
    expr: ast.Expr
    env: Env


@dataclass
class RelationBinding:
    relation: Relation


@dataclass
class FunctionBinding:
    definition: ast.FunctionDef
    env: Env
    name: str


@dataclass
class Env:
    bindings: dict[str, object] = field(default_factory=dict)
    parent: Env | None = None

    def lookup(self, name: str) -> object | None:
        env: Env | None = self
        while env is not None:
            if name in env.bindings:
                return env.bindings[name]
            env = env.parent
        return None

    def child(self) -> Env:
        return Env({}, self)


