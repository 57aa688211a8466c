"""The JSON Schema of the article record (``extract --json``), made from the model.

Each key of :meth:`Article.to_dict <kt_clean.model.Article.to_dict>`, in its order, gets its
type from the :class:`~kt_clean.model.Article` field of that name (``str | None`` is a string
or null, ``tuple[str, ...]`` an array of strings); the keys that are no field of their own
(``body``, ``subheadings``, ``items``, and ``sources`` and ``removed`` of ``--explain``) are
typed from what ``to_dict`` builds them of; ``warc``, which only a page read from a WARC
archive has, is described here. ``docs/article.schema.json`` is this schema with
the descriptions of ``docs/formats.md``, and a test checks it against real output.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from .model import Article, Item, Removed
from .vocabulary import PAGE_TYPES

#: Keys only ``--explain`` adds.
EXPLAIN_KEYS = ("sources", "removed")
#: Keys only some pages have: ``warc`` (a page read from a WARC archive), after the rest.
OPTIONAL: dict[str, dict[str, Any]] = {
    "warc": {"type": "object", "properties": {
        "archive": {"type": ["string", "null"]},
        "offset": {"type": ["integer", "null"]},
        "record_id": {"type": ["string", "null"]},
        "date": {"type": ["string", "null"]},
        "status": {"type": ["integer", "null"]},
        "content_type": {"type": ["string", "null"]},
        "truncated": {"type": ["string", "null"]},
    }, "required": ["archive", "offset", "record_id", "date", "status", "content_type",
                    "truncated"], "additionalProperties": False},
}


def _json_type(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a Python type hint of the model."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [_json_type(a) for a in typing.get_args(hint)]
        names = [o["type"] for o in options]
        if all(isinstance(n, str) for n in names):
            return {"type": names}
        raise TypeError(f"no JSON type for {hint!r}")
    if hint is type(None):
        return {"type": "null"}
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _json_type(args[0])}
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
        hints = typing.get_type_hints(hint)  # a NamedTuple: an object of its fields
        return {"type": "object", "properties": {f: _json_type(hints[f])
                                                 for f in hint._fields},
                "required": list(hint._fields), "additionalProperties": False}
    raise TypeError(f"no JSON type for {hint!r}")


def article_schema(descriptions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one article record; ``descriptions`` by key."""
    hints = typing.get_type_hints(Article)
    derived: dict[str, Any] = {
        "body": str,
        "subheadings": tuple[str, ...],
        "items": tuple[Item, ...],
        "removed": tuple[Removed, ...],
    }
    properties: dict[str, Any] = {}
    sample = Article(source="", layout="").to_dict(explain=True)
    for key in sample:
        if key == "sources":
            prop: dict[str, Any] = {"type": "object",
                                    "additionalProperties": {"type": "string"}}
        else:
            prop = _json_type(derived.get(key, hints.get(key)))
        if key == "page_type":
            prop["enum"] = list(PAGE_TYPES)
        if key == "page_type_confidence":
            prop.update(minimum=0, maximum=1)
        if descriptions and key in descriptions:
            prop = {"description": descriptions[key], **prop}
        properties[key] = prop
    for key, prop in OPTIONAL.items():
        if descriptions and key in descriptions:
            prop = {"description": descriptions[key], **prop}
        properties[key] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kt-clean article record",
        "description": ("One page's article, as `kt-clean extract --json` writes it (one "
                        "object per line). Keys are a contract: not renamed or removed "
                        "within a major version; new keys may be added, so readers should "
                        "ignore keys they do not know. `sources` and `removed` appear only "
                        "with --explain. See docs/formats.md."),
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in EXPLAIN_KEYS and k not in OPTIONAL],
        "additionalProperties": True,
    }
