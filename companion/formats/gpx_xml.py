"""The XML under a GPX file: a pyexpat parser that refuses DTDs, fed in chunks, whose errors
become one-line RouteErrors. Why pyexpat, and what the refusal stops: formats/gpx.py's docstring.
"""

from __future__ import annotations

import pyexpat
from collections.abc import Callable
from typing import BinaryIO, NoReturn

from companion.core.models import RouteError
from companion.formats._common import one_line

# A RouteError for a line of the file: "SOURCE: line N: MESSAGE".
Fail = Callable[[int, str], RouteError]

_CHUNK = 1 << 20
_HANDLERS = (
    "StartElementHandler",
    "EndElementHandler",
    "CharacterDataHandler",
    "StartDoctypeDeclHandler",
    "EntityDeclHandler",
    "UnparsedEntityDeclHandler",
    "ExternalEntityRefHandler",
)
_TRUNCATION_CODES = {
    pyexpat.errors.codes[pyexpat.errors.XML_ERROR_NO_ELEMENTS],
    pyexpat.errors.codes[pyexpat.errors.XML_ERROR_UNCLOSED_TOKEN],
    pyexpat.errors.codes[pyexpat.errors.XML_ERROR_PARTIAL_CHAR],
}


def safe_parser(fail: Fail) -> pyexpat.XMLParserType:
    """A parser with buffered text that refuses any DTD or entity declaration as it is met."""
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_dtd(*_args: object) -> NoReturn:
        raise fail(
            parser.CurrentLineNumber,
            "DTD and entity declarations (<!DOCTYPE ...>, <!ENTITY ...>) are not allowed "
            "in a route file",
        )

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.UnparsedEntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    return parser


def parse_all(
    parser: pyexpat.XMLParserType,
    data: bytes | BinaryIO,
    *,
    source: str,
    fail: Fail,
    after_chunk: Callable[[int], None],
    seen_root: Callable[[], bool],
) -> None:
    """Run `parser` over `data`, calling `after_chunk(line)` after each chunk of a stream.

    `seen_root()` says whether the root element was met, so a failure before it reads "not an
    XML file". The handlers are dropped at the end, as they close over the reader's lists.
    """
    total = 0
    try:
        if isinstance(data, bytes | bytearray):
            total = len(data)
            parser.Parse(bytes(data), True)
        else:
            while chunk := data.read(_CHUNK):
                total += len(chunk)
                parser.Parse(chunk, False)
                after_chunk(parser.CurrentLineNumber)
            parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        raise _xml_error(exc, total, source, seen_root()) from None
    except LookupError as exc:  # encoding="UTF1e11" in the XML declaration
        raise fail(
            parser.CurrentLineNumber,
            f"{one_line(str(exc))} in the XML declaration; save the file as UTF-8",
        ) from None
    except RecursionError:  # pragma: no cover - expat is not recursive; belt and braces
        raise RouteError(f"{source}: the XML is nested too deeply") from None
    finally:
        # The handlers close over this parser: drop them so the point lists are freed now,
        # not at the next cycle collection (20 MB on a 200k-point file).
        for name in _HANDLERS:
            setattr(parser, name, None)


def _xml_error(exc: pyexpat.ExpatError, total: int, source: str, seen_root: bool) -> RouteError:
    if total == 0:
        return RouteError(f"{source}: the file is empty")
    reason = pyexpat.ErrorString(exc.code) or "not well-formed"
    if not seen_root:
        return RouteError(f"{source}: line {exc.lineno}: not an XML file ({reason}); expected GPX")
    if exc.code in _TRUNCATION_CODES:
        return RouteError(
            f"{source}: line {exc.lineno}: the file ends before the XML is complete "
            f"({reason}); is it truncated?"
        )
    return RouteError(f"{source}: line {exc.lineno}, column {exc.offset + 1}: XML error: {reason}")
