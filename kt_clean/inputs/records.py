"""NDJSON records: the stage records one command writes and the next one reads."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..errors import InputError
from ..model import RECORD_VERSION, Document


def looks_like_record(line: str) -> bool:
    """Whether a line starts a kt-clean stage record (``{"kt_clean": 1, ...``)."""
    return line.startswith("{") and f'"kt_clean": {RECORD_VERSION}' in line[:64]


def parse_records(text: str, source: str) -> Iterator[Document]:
    """The documents in an NDJSON stream of records (blank lines are skipped)."""
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield parse_record(line, f"{source}:{number}")


def parse_record(line: str, where: str) -> Document:
    """One record's document; ``where`` (``file:line``) names it in errors."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"invalid NDJSON record: {exc.msg} at column {exc.colno}",
                         "bad-record") from None
    if not isinstance(record, dict):
        raise InputError(where, "invalid NDJSON record: not a JSON object", "bad-record")
    try:
        return Document.from_record(record)
    except ValueError as exc:
        raise InputError(where, str(exc), "bad-record") from None
