"""Kusto functions no SQL engine has, computed in Python: XML to JSON, gzip and zlib, Punycode, user agents.

Each takes a string and gives the result's text (JSON text for a dynamic result), or None where Kusto gives
null (an empty string, for a string result). The compiler calls them once per distinct value of the data
(kqlite.compile.functions.computed) and lets the engine join the answers back to the rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from typing import Any
from xml.parsers import expat

MAX_XML_BYTES = 1_048_576  # parse_xml(): longer text gives null, as documented


# ---------------------------------------------------------------- parse_xml


class _Element:
    __slots__ = ("attributes", "children", "name", "texts")

    def __init__(self, name: str, attributes: list[str]):
        self.name = name
        self.attributes = attributes  # expat's ordered list: name, value, name, value, ...
        self.children: list[tuple[str, Any]] = []  # (name, converted value) in document order; "#text" for text
        self.texts: list[str] = []  # the text being gathered since the last child element


def xml_to_json(text: str) -> str | None:
    """parse_xml(): an element becomes {name: value}; its attributes "@name", its text "#text" (the text alone
    when it has neither attributes nor elements), repeated child names an array, an empty element null.
    Only elements, attributes and text are kept (no declaration, comment or processing instruction);
    whitespace between elements is dropped. Values stay text. Not well-formed, or over 1 MB: None."""
    if not text or len(text.encode("utf-8")) > MAX_XML_BYTES:
        return None
    root = _Element("", [])
    stack = [root]

    def flush(element: _Element) -> None:
        joined = "".join(element.texts)
        element.texts.clear()
        if joined.strip():
            element.children.append(("#text", joined))

    def start(name: str, attributes: list[str]) -> None:
        flush(stack[-1])
        stack.append(_Element(name, attributes))

    def end(_name: str) -> None:
        element = stack.pop()
        flush(element)
        stack[-1].children.append((element.name, _element_value(element)))

    parser = expat.ParserCreate()  # no namespace processing: names as written, xmlns as attributes
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: stack[-1].texts.append(data)
    try:
        parser.Parse(text, True)
    except (expat.ExpatError, ValueError):
        return None
    if len(root.children) != 1 or root.children[0][0] == "#text":
        return None
    name, value = root.children[0]
    return json.dumps({name: value}, ensure_ascii=False, separators=(",", ":"))


def _element_value(element: _Element) -> Any:
    pairs = element.attributes
    members: dict[str, Any] = {"@" + pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
    if not members and all(name == "#text" for name, _ in element.children):
        texts = [value for _, value in element.children]
        if not texts:
            return None
        return texts[0] if len(texts) == 1 else texts
    for name, value in element.children:  # a name seen again turns its member into an array
        if name not in members:
            members[name] = value
        elif isinstance(members[name], _Repeated):
            members[name].append(value)
        else:
            members[name] = _Repeated([members[name], value])
    return members


class _Repeated(list):
    """The values of a child name that occurs more than once (a list, told apart from an element's own)."""


# ---------------------------------------------------------------- gzip and zlib

# Kusto's compressed strings store the data without compressing it (deflate's stored blocks): both documented
# examples decode to stored blocks, and a gzip header with no time, no flags and OS 255.
_GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])


def _stored_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(0, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def gzip_compress(text: str) -> str | None:
    if not text:
        return None
    data = text.encode("utf-8")
    body = _GZIP_HEADER + _stored_deflate(data) + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return base64.b64encode(body).decode("ascii")


def zlib_compress(text: str) -> str | None:
    if not text:
        return None
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 0)).decode("ascii")


def _decoded_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def gzip_decompress(text: str) -> str | None:
    """The UTF-8 text a base64 gzip stream holds; None where it is not one (or not UTF-8)."""
    return _decompressed(text, 16 + 15)  # gzip framing, window of 32 KB


def zlib_decompress(text: str) -> str | None:
    """The UTF-8 text a base64 zlib stream holds (window of 32 KB, the only size Kusto takes)."""
    return _decompressed(text, 15)


def _decompressed(text: str, wbits: int) -> str | None:
    data = _decoded_base64(text)
    if not data:
        return None
    try:
        unpacker = zlib.decompressobj(wbits)
        raw = unpacker.decompress(data) + unpacker.flush()
        if not unpacker.eof:
            return None
        return raw.decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------- Punycode (RFC 3492)

_LABEL_DOTS = re.compile("[.\u3002\uff0e\uff61]")  # IDNA's label separators: . and its ideographic forms


def punycode_encode(text: str) -> str | None:
    """punycode_from_string(): the Punycode of the text, without "xn--"."""
    if not text:
        return None
    try:
        return text.encode("punycode").decode("ascii")
    except UnicodeError:
        return None


def punycode_decode(text: str) -> str | None:
    """punycode_to_string(): the text a Punycode string (without "xn--") stands for."""
    if not text or not text.isascii():
        return None
    try:
        return text.encode("ascii").decode("punycode")
    except (UnicodeError, IndexError, ValueError):
        return None


def punycode_domain_encode(domain: str) -> str | None:
    """punycode_domain_to_string(): each label with other than ASCII characters as "xn--" + its Punycode, the
    labels joined by "." (the ideographic full stops separate labels too); case and spaces are kept."""
    if not domain:
        return None
    labels = []
    for label in _LABEL_DOTS.split(domain):
        if label.isascii():
            labels.append(label)
            continue
        encoded = punycode_encode(label)
        if encoded is None:
            return None
        labels.append("xn--" + encoded)
    return ".".join(labels)


def punycode_domain_decode(domain: str) -> str | None:
    """punycode_domain_from_string(): each "xn--" label decoded; the others kept."""
    if not domain or not domain.isascii():
        return None
    labels = []
    for label in domain.split("."):
        if label[:4].lower() == "xn--":
            decoded = punycode_decode(label[4:])
            if decoded is None:
                return None
            label = decoded
        labels.append(label)
    return ".".join(labels)


# ---------------------------------------------------------------- parse_user_agent

USER_AGENT_PARTS = ("browser", "os", "device")  # the look-for names, in the order the result lists them


def user_agent_json(text: str, look_for: tuple[str, ...]) -> str | None:
    """parse_user_agent(): what the uap-core patterns (ua-parser, the project Kusto's UAParser also reads) find in
    a user agent, for the parts asked for: Browser {Family, MajorVersion, MinorVersion, Patch},
    OperatingSystem {... PatchMinor}, Device {Family, Brand, Model}; a part not found is "" ("Other" family)."""
    from ua_parser import parse  # its patterns load on first use (0.1 s)

    if not text:
        return None
    found = parse(text)
    result: dict[str, dict[str, str]] = {}
    if "browser" in look_for:
        agent = found.user_agent
        result["Browser"] = _named(("Family", agent.family if agent else "Other"), ("MajorVersion", agent and agent.major),
                                   ("MinorVersion", agent and agent.minor), ("Patch", agent and agent.patch))
    if "os" in look_for:
        system = found.os
        result["OperatingSystem"] = _named(
            ("Family", system.family if system else "Other"), ("MajorVersion", system and system.major),
            ("MinorVersion", system and system.minor), ("Patch", system and system.patch),
            ("PatchMinor", system and system.patch_minor))
    if "device" in look_for:
        device = found.device
        result["Device"] = _named(("Family", device.family if device else "Other"),
                                  ("Brand", device and device.brand), ("Model", device and device.model))
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def _named(*pairs: tuple[str, str | None]) -> dict[str, str]:
    return {name: value or "" for name, value in pairs}


# ---------------------------------------------------------------- buildschema


class _Container(dict):
    """An object or array in a schema: its property names (and "indexer", an array's elements) -> their types."""


def schema_of(text: str) -> str | None:
    """buildschema() of the JSON array `text` of a group's values: the smallest schema admitting each of them.
    A primitive is "long", "double", "string" or "bool"; an object is a container of its properties' types; an
    array is a container whose "indexer" is its elements' type; a property of several types has them as a list
    (primitives and at most one container, merged), in the order first seen; nulls add nothing."""
    try:
        values = json.loads(text)
    except ValueError:
        return None
    types: list = []
    for value in values if isinstance(values, list) else []:
        _merge(types, value)
    return None if not types else json.dumps(_rendered(types), separators=(",", ":"))


def _merge(types: list, value: Any) -> None:
    """Add the type of `value` to the union `types` (a list of primitive names and at most one _Container)."""
    if value is None:
        return
    if isinstance(value, dict | list):
        container = next((t for t in types if isinstance(t, _Container)), None)
        if container is None:
            container = _Container()
            types.append(container)
        items = value.items() if isinstance(value, dict) else (("indexer", element) for element in value)
        for name, item in items:
            _merge(container.setdefault(name, []), item)
        return
    if isinstance(value, bool):
        name = "bool"
    elif isinstance(value, int):
        name = "long"
    elif isinstance(value, float):
        name = "double"
    else:
        name = "string"
    if name not in types:
        types.append(name)


def _rendered(types: list) -> Any:
    rendered = [{name: _rendered(inner) for name, inner in t.items() if inner} if isinstance(t, _Container) else t
                for t in types]
    return rendered[0] if len(rendered) == 1 else rendered


# ---------------------------------------------------------------- treepath


def tree_paths(text: str) -> str | None:
    """treepath(): every path below the root of a dynamic value, in the order first met: ['key'] for a property,
    [0] for the elements of an array (all of them, merged), each container's path before its children's."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    paths: dict[str, None] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                escaped = key.replace("\\", "\\\\").replace("'", "\\'")
                below = f"{path}['{escaped}']"
                paths.setdefault(below)
                walk(child, below)
        elif isinstance(node, list):
            below = f"{path}[0]"
            if node:
                paths.setdefault(below)
            for child in node:
                walk(child, below)

    walk(value, "")
    return json.dumps(list(paths), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- replace_strings


def replace_strings(text: str, lookups: list, rewrites: list) -> str:
    """replace_strings(): each lookup in turn replaced by its rewrite in what the earlier ones left untouched
    (their rewrites are not searched again), matches not overlapping; a lookup or rewrite that is not a string
    (or an empty lookup) replaces nothing. `text` itself when nothing matched."""
    pieces: list[tuple[str, bool]] = [(text, False)]  # (text, written by a rewrite)
    for lookup, rewrite in zip(lookups, rewrites, strict=False):
        if not isinstance(lookup, str) or not lookup or not isinstance(rewrite, str):
            continue
        next_pieces: list[tuple[str, bool]] = []
        for piece, written in pieces:
            if written or lookup not in piece:
                next_pieces.append((piece, written))
                continue
            parts = piece.split(lookup)
            for i, part in enumerate(parts):
                if i:
                    next_pieces.append((rewrite, True))
                if part:
                    next_pieces.append((part, False))
        pieces = next_pieces
    return "".join(piece for piece, _ in pieces)
