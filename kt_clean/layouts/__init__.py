"""Layouts: rule files that say how a site's pages look, and how they are applied.

- :mod:`.schema`: the records of a rule file and the checks that load it;
- :mod:`.patterns`: what each pattern allows (literals, whole-line texts), worked out once;
- :mod:`.matching`: the page index the patterns run against;
- :mod:`.detect`: which layout a page is, with the evidence;
- :mod:`.apply`: one label per line from a layout's rules;
- :mod:`.builtin`: the rule files shipped in ``rules/``, their cache, and loading users' files.

The format of a rule file is documented in ``docs/layouts.md``.
"""

from __future__ import annotations

from .apply import apply_layout, known_chrome, label_body
from .builtin import (
    BUILTIN_CACHE,
    BUILTIN_DIR,
    builtin_cache,
    builtin_layouts,
    builtin_sources,
    load_layouts,
    load_rules_folder,
    patterns_of,
)
from .detect import Detection, detect, layout_named, score_layout
from .matching import PageIndex, page_index
from .patterns import FACTS, LazyPattern, line_texts, required_literals
from .schema import Layout, Pattern, Rule, Signature, Slot, Zone, build_layout, parse_layout

__all__ = [
    "BUILTIN_CACHE",
    "BUILTIN_DIR",
    "FACTS",
    "Detection",
    "Layout",
    "LazyPattern",
    "PageIndex",
    "Pattern",
    "Rule",
    "Signature",
    "Slot",
    "Zone",
    "apply_layout",
    "build_layout",
    "builtin_cache",
    "builtin_layouts",
    "builtin_sources",
    "detect",
    "known_chrome",
    "label_body",
    "layout_named",
    "line_texts",
    "load_layouts",
    "load_rules_folder",
    "page_index",
    "parse_layout",
    "patterns_of",
    "required_literals",
    "score_layout",
]
