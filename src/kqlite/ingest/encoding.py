"""The text encoding of an input, so that readers always get UTF-8.

Windows PowerShell writes UTF-16 (``Out-File``, ``>``) with a byte-order mark; older tools and Excel write
the ANSI code page (cp1252 in Western Europe and the US). Read as UTF-8, the first becomes junk and the
second loses its accented letters (``café.exe`` -> ``caf?.exe``). The encoding is told by the byte-order
mark (UTF-32, UTF-16, UTF-8), else by the NUL bytes of BOM-less UTF-16, else the text is UTF-8 if it
decodes as such, else cp1252: a guess, which the report states.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]*?\s)encoding\s*=\s*[\"'][^\"']*[\"']")
FALLBACK = "cp1252"


@dataclass(frozen=True)
class Decoded:
    data: bytes  # UTF-8
    encoding: str  # what the bytes were read as
    guessed: bool  # told by content, not by a byte-order mark


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the head looks like BOM-less UTF-16 text (ASCII letters with a NUL
    byte each), else None."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def to_utf8(data: bytes) -> Decoded | None:
    """`data` as UTF-8 text, or None when it already is (with or without its UTF-8 byte-order mark)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return Decoded(_declared_utf8(data[len(bom):].decode(encoding, errors="replace").encode()), encoding,
                           False)
    encoding = utf16_without_bom(data)
    if encoding is not None:
        return Decoded(_declared_utf8(data.decode(encoding, errors="replace").encode()), encoding, True)
    if _is_utf8(data):
        return None
    # cp1252 leaves five bytes undefined; they are kept as the Latin-1 characters they would be
    text = "".join(_cp1252(chunk) for chunk in _split_undefined(data))
    return Decoded(_declared_utf8(text.encode()), FALLBACK, True)


def _is_utf8(data: bytes, block: int = 16 << 20) -> bool:
    """Whether `data` decodes as UTF-8, checked block by block (a large file is never copied whole as text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), block):
            decoder.decode(data[start:start + block])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _cp1252(chunk: bytes) -> str:
    return chunk.decode(FALLBACK) if len(chunk) != 1 or chunk[0] not in _UNDEFINED else chunk.decode("latin-1")


_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_UNDEFINED_RE = re.compile(b"([\x81\x8d\x8f\x90\x9d])")


def _split_undefined(data: bytes) -> list[bytes]:
    return [part for part in _UNDEFINED_RE.split(data) if part]


def _declared_utf8(data: bytes) -> bytes:
    """An XML declaration names the encoding the parser applies: after transcoding it is UTF-8."""
    return _XML_DECLARATION.sub(rb"\1encoding='utf-8'", data, count=1)
