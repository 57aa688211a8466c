"""NDJSON records: the stage records one command writes and the next one reads."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from ..errors import InputError
from ..model import RECORD_VERSION, Document


@cache
def _re(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on first use (most commands read no record: their start-up
    does not pay for these patterns)."""
    return re.compile(pattern)


def looks_like_record(line: str) -> bool:
    """Whether a line starts a kt-clean stage record (``{"kt_clean": 1, ...``)."""
    return line.startswith("{") and f'"kt_clean": {RECORD_VERSION}' in line[:64]


#: The start of an article record (``extract --json``), whose first keys are fixed.
_ARTICLE_START = r'\{"source": "(?:[^"\\]|\\.)*", "layout": '
#: What kt-clean says of an article record given where a page or a stage record goes.
ARTICLE_PROBLEM = ("an article record (the output of 'extract --json'), not a page or a "
                   "stage record: it is the end of the pipeline, and its lines are gone; "
                   "give the page itself (or the records of 'detect --json' or 'strip')")


def looks_like_article(line: str) -> bool:
    """Whether a line is an article record of ``extract --json`` / ``emit --json``."""
    # (the literal start first: the pattern compiles only for a line that may be one)
    return line.startswith('{"source": "') and _re(_ARTICLE_START).match(line) is not None


def parse_records(text: str, source: str,
                  on_error: Callable[[InputError], None] | None = None) -> Iterator[Document]:
    """The documents in an NDJSON stream of records (blank lines are skipped).

    A bad record raises :class:`InputError`, or, with ``on_error``, is handed to it and
    skipped, so that the good records around it are still read.
    """
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                yield parse_record(line, f"{source}:{number}")
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(exc)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]!r} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def parse_record(line: str, where: str) -> Document:
    """One record's document; ``where`` (``file:line``) names it in errors."""
    try:
        record = json.loads(line, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        # ("Unterminated string starting at" ends in "at" already)
        raise InputError(where, f"invalid NDJSON record: {exc.msg.removesuffix(' at')} at "
                                f"column {exc.colno}", "bad-record") from None
    except RecursionError:
        raise InputError(where, "invalid NDJSON record: nested too deeply",
                         "bad-record") from None
    except ValueError as exc:  # a non-finite number, an integer of thousands of digits
        why = "an integer with too many digits" if "digits" in str(exc) else _one_line(str(exc))
        raise InputError(where, f"invalid NDJSON record: {why}", "bad-record") from None
    if not isinstance(record, dict):
        raise InputError(where, "invalid NDJSON record: not a JSON object", "bad-record")
    if "kt_clean" not in record and looks_like_article(line):
        raise InputError(where, ARTICLE_PROBLEM, "input")
    problem = _type_problem(record)
    if problem is not None:
        raise InputError(where, f"bad kt-clean record: {problem}", "bad-record")
    if _re(_ESCAPED_SURROGATE).search(line):
        record = _without_surrogates(record)
    try:
        return Document.from_record(record)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise InputError(where, _one_line(str(exc)), "bad-record") from None


def _type_problem(record: dict[str, Any]) -> str | None:
    """What is of the wrong type in a record (a record is a contract: a ``layout`` of 3 or
    a ``confidence`` of ``"high"`` is refused rather than echoed)."""
    for key in ("layout", "page_type", "url", "encoding", "input_format"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key!r} must be a string or null"
    confidence = record.get("confidence")
    if confidence is not None and (isinstance(confidence, bool)
                                   or not isinstance(confidence, int | float)
                                   or not 0 <= confidence <= 1):
        return "'confidence' must be a number from 0 to 1"
    for key, kind, name in (("evidence", list, "a list"), ("labels", list, "a list"),
                            ("fields", dict, "an object"), ("meta", dict, "an object")):
        value = record.get(key)
        if value is not None and not isinstance(value, kind):
            return f"{key!r} must be {name}"
    evidence = record.get("evidence") or []
    if not all(isinstance(e, str) for e in evidence):
        return "'evidence' must be a list of strings"
    fields = record.get("fields") or {}
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
               for v in fields.values()):
        return "'fields' must map names to lists of strings"
    return None


def _without_surrogates(value: Any) -> Any:
    """Lone surrogates (``"\\ud800"``, which no UTF-8 output can hold) as U+FFFD."""
    if isinstance(value, str):
        return _re(_SURROGATE).sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


_SURROGATE = "[\ud800-\udfff]"
#: a surrogate escaped in JSON (``\\ud800``): only then can a decoded record hold one
_ESCAPED_SURROGATE = r"\\u[dD][89a-fA-F]"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
