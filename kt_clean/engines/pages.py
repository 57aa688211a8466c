"""One page's work in an engine, exactly as the local batch does it.

:func:`clean_item` reads a page (a local path, with :func:`kt_clean.inputs.read_path`; or
bytes fetched from a store, with :func:`kt_clean.inputs.load_bytes`, which decodes them the
same way), cleans each of its documents with :func:`kt_clean.pipeline.article` and renders
it with :func:`kt_clean.render.render` as JSON: the calls of ``kt-clean extract --json`` and
of ``kt-clean batch``, under the page's time limit. What it gives back is plain data, so it
crosses a pipe or a network as it is.

:class:`PageConfig` is what every worker needs to clean pages the way the command was told:
it pickles small (layouts travel as their rule files' texts, the built-in ones by name) and
its :meth:`~PageConfig.fingerprint` names everything that changes an output.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .. import pipeline
from .._version import __version__
from ..errors import InputError, PageTimeout
from ..inputs import load_bytes, read_path
from ..inputs.warc import WebPage
from ..layouts import Layout, builtin_layouts
from ..layouts.builtin import read_layout_file
from ..layouts.schema import parse_layout
from ..limits import Limits
from ..render import render
from ..system import time_limit
from ..vocabulary import InputFormat

#: How layouts travel: ``("builtin", name, "")`` or ``("file", path, rule file text)``.
LayoutSpec = tuple[tuple[str, str, str], ...]


def layout_spec(layouts: tuple[Layout, ...] | None) -> LayoutSpec:
    """The layouts as data a worker can rebuild them from (``()``: the built-in ones)."""
    if layouts is None:
        return ()
    builtin = {lay.name: lay for lay in builtin_layouts()}
    if tuple(layouts) == tuple(builtin.values()):
        return ()
    spec: list[tuple[str, str, str]] = []
    for lay in layouts:
        if builtin.get(lay.name) is lay:
            spec.append(("builtin", lay.name, ""))
        else:
            spec.append(("file", lay.path, read_layout_file(lay.path)))
    return tuple(spec)


@functools.lru_cache(maxsize=4)
def layouts_of(spec: LayoutSpec) -> tuple[Layout, ...]:
    """The layouts a spec names, parsed once per process."""
    if not spec:
        return builtin_layouts()
    builtin = {lay.name: lay for lay in builtin_layouts()}
    return tuple(builtin[name] if kind == "builtin" else parse_layout(text, name)
                 for kind, name, text in spec)


@dataclass(frozen=True)
class PageConfig:
    """How to clean each page: the options of ``kt-clean batch`` that shape an output."""

    explain: bool = False
    encoding: str | None = None
    input_format: InputFormat = "auto"
    limits: Limits = field(default_factory=Limits)
    layouts: LayoutSpec = ()
    only: tuple[str, ...] = ()

    def fingerprint(self) -> dict[str, object]:
        """What shapes the outputs, as JSON data (rule files by their SHA-256)."""
        data = asdict(self)
        data["layouts"] = [[kind, name, hashlib.sha256(text.encode()).hexdigest()[:16]]
                           for kind, name, text in self.layouts] or "builtin"
        data["kt_clean"] = __version__
        return json.loads(json.dumps(data))  # type: ignore[no-any-return]


class Outcome(NamedTuple):
    """What became of one page: its JSON lines (one per document kept) and counts, or a
    failure ``reason`` and one-line ``error``."""

    source: str
    output: bytes = b""
    layouts: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()
    kept: int = 0
    removed: int = 0
    filtered: int = 0
    reason: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.reason is not None


def failure(source: str, reason: str, error: str) -> Outcome:
    return Outcome(source, reason=reason, error=error)


def clean_item(cfg: PageConfig, source: str, path: str | None, data: bytes | None,
               url: str | None = None, page: WebPage | None = None) -> Outcome:
    """Clean one page: the local file ``path`` (``source``, the name outputs and errors
    give it, is then the same path), or ``data`` read from a store; ``url``, the page's
    address when its container gives one, is a hint as ``extract``'s. Or ``page``, a
    record of a WARC archive (``source`` is then the archive, as errors name it): it is
    read as the local batch reads it (:meth:`WebPage.document`: its HTTP charset first, its
    URL as ``source`` and ``url``, the ``warc`` key). Never raises for a page: a bad one
    is an :class:`Outcome` with its reason."""
    layouts = layouts_of(cfg.layouts)
    try:
        with time_limit(cfg.limits.page_timeout):
            if page is not None:
                docs = [page.document(encoding=cfg.encoding, input_format=cfg.input_format,
                                      limits=cfg.limits)]
            elif data is None:  # a local file, named by its path
                docs = read_path(path or source, encoding=cfg.encoding,
                                 input_format=cfg.input_format, limits=cfg.limits)
            else:
                docs = load_bytes(data, source, encoding=cfg.encoding,
                                  input_format=cfg.input_format, limits=cfg.limits)
            if url is not None:  # as extract(url=...) does
                docs = [d.replace(url=url, layout=None) if d.labels is None else d
                        for d in docs]
            parts: list[str] = []
            names: list[str] = []
            types: list[str] = []
            kept = removed = filtered = 0
            for doc in docs:
                art = pipeline.article(doc, layouts, limits=cfg.limits)
                types.append(art.page_type)
                if cfg.only and art.page_type not in cfg.only:
                    filtered += 1
                    continue
                parts.append(render(art, "json", cfg.explain))
                names.append(art.layout)
                if art.document is not None:
                    k, r = art.document.characters()
                    kept += k
                    removed += r
    except PageTimeout as exc:
        return failure(source, "timeout", f"{source}: {exc}")
    except InputError as exc:
        return failure(source, exc.reason, str(exc))
    except Exception as exc:  # a bug must not stop the task nor hide the page
        return failure(source, "internal",
                       f"{source}: internal error: {type(exc).__name__}: {exc}")
    return Outcome(source, "".join(parts).encode("utf-8", "surrogateescape"), tuple(names),
                   tuple(types), kept, removed, filtered)
