"""KQL scalar functions, one module per domain; `Functions` combines them into one table (name -> builder)."""

from kqlite.compile.functions.bags import BagFunctions
from kqlite.compile.functions.binary import BinaryFunctions
from kqlite.compile.functions.codepoints import CodepointFunctions
from kqlite.compile.functions.computed import ComputedFunctions
from kqlite.compile.functions.core import CoreFunctions
from kqlite.compile.functions.datetime import DatetimeFunctions
from kqlite.compile.functions.dynamic import DynamicFunctions
from kqlite.compile.functions.geo import GeoFunctions
from kqlite.compile.functions.logic import LogicFunctions
from kqlite.compile.functions.math import MathFunctions
from kqlite.compile.functions.network import NetworkFunctions
from kqlite.compile.functions.parsing import ParsingFunctions
from kqlite.compile.functions.schema import SchemaFunctions
from kqlite.compile.functions.series import SeriesFunctions
from kqlite.compile.functions.sketches import SketchFunctions
from kqlite.compile.functions.statistics import StatisticsFunctions
from kqlite.compile.functions.strings import StringFunctions
from kqlite.compile.functions.text import TextFunctions
from kqlite.compile.functions.units import UnitFunctions
from kqlite.compile.functions.urls import UrlFunctions
from kqlite.compile.functions.values import ValueFunctions
from kqlite.compile.functions.windows import WindowFunctions


class Functions(
    CoreFunctions,
    StringFunctions,
    LogicFunctions,
    DatetimeFunctions,
    DynamicFunctions,
    WindowFunctions,
    NetworkFunctions,
    SchemaFunctions,
    UrlFunctions,
    SeriesFunctions,
    MathFunctions,
    BinaryFunctions,
    TextFunctions,
    BagFunctions,
    ParsingFunctions,
    GeoFunctions,
    ComputedFunctions,
    CodepointFunctions,
    ValueFunctions,
    SketchFunctions,
    UnitFunctions,
    StatisticsFunctions,
):
    """Every KQL scalar function kqlite compiles; `table` maps a KQL name to its builder."""


__all__ = ["Functions"]
