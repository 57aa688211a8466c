"""The words every stage shares: roles, reason codes, failure reasons, formats, names.

One table for each, read by the rule-file checks, the diff view, the batch report and the
docs test, so that a code known in one place is known in all (``docs/formats.md`` lists them
for users).
"""

from __future__ import annotations

import re
from typing import Literal, get_args

#: Layout name of pages that no layout rule file claims.
UNKNOWN = "unknown"

#: Roles a kept line may have.
ROLES: frozenset[str] = frozenset({
    "title", "subtitle", "byline", "dateline", "section", "caption", "body", "subheading",
    "contact", "blank", "item",
    # the entries of a list page: a headline, its summary, a kicker above it, its date
    "headline", "summary", "kicker", "entry-date",
    # a story printed as one line (captions, byline and paragraphs glued): split when the
    # article is built
    "run-on",
})

#: What a page is: an article; a list of headlines or teasers (section, reporter, columnist,
#: search and collection pages); a forum thread; a product page; documentation; a service
#: page (a business's offer, contact or pricing page); a photo gallery; or a page that shows
#: nothing of its own (only site chrome).
PageType = Literal["article", "list", "forum", "product", "documentation", "service",
                   "gallery", "empty"]
PAGE_TYPES: tuple[PageType, ...] = ("article", "list", "forum", "product", "documentation",
                                    "service", "gallery", "empty")

#: Why a line was removed: each built-in reason code and a short description of it.
#: A rule file may declare codes of its own in a ``[reasons]`` table (``docs/layouts.md``);
#: any other code is a typo and fails when the file is loaded.
REASONS: dict[str, str] = {
    "nav": "site map, section menus",
    "settings": "font-size widget, settings",
    "share": "share buttons",
    "crawl-date": "date the page was saved",
    "related": "related articles, top stories",
    "headlines": "other headlines",
    "photo-news": "photo-news list",
    "footer": "corporate footer",
    "widget": "page controls",
    "duplicate-caption": "caption printed twice",
    "duplicate": "repeated line",
    "advertisement": "an ad's label in the text",
    "paywall": "subscriber prompt, paywall",
    "player": "audio player",
    "references": "reference list, bibliography",
    "short": "short line outside the text",
    "boilerplate": "page chrome",
    "blank": "empty line outside the article",
}

#: Why a page failed (the ``reason`` of an ``_errors.ndjson`` line), with a description.
FAILURE_REASONS: dict[str, str] = {
    "empty": "the file is empty or holds only whitespace",
    "binary": "the file is binary data, not a page",
    "undecodable": "the bytes cannot be decoded (encoding, gzip data)",
    "too-large": ("the input is over --max-bytes (compressed or not), over a million lines, or "
                  "HTML over 5,000,000 characters without its scripts and styles"),
    "unreadable": "the file cannot be read (missing, a folder, a device, permissions)",
    "bad-record": "an NDJSON record of an earlier stage is malformed",
    "timeout": "the page took longer than the time limit",
    "outside": "a symlink or output name leads outside its folder",
    "name-collision": "two pages of a folder would write the same output file",
    "write": "the output cannot be written",
    "lost": "the worker process cleaning the page died",
    "internal": "a bug in kt-clean (please report it)",
    "input": "another problem with the input",
}

#: Output formats of ``emit`` / ``extract`` / ``render`` (``batch``: not ``csv``).
Format = Literal["text", "json", "markdown", "csv"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: What an input is; ``auto`` tells them apart.
InputFormat = Literal["auto", "text", "html", "ndjson"]
INPUT_FORMATS: tuple[InputFormat, ...] = get_args(InputFormat)

#: A layout's name: lowercase letters, digits, ``.``, ``_`` or ``-``, not ``unknown``.
_LAYOUT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
LAYOUT_NAME_RULE = "lowercase letters, digits, '.', '_' or '-' (and not 'unknown')"


def is_layout_name(name: str) -> bool:
    """Whether ``name`` may name a layout (see :data:`LAYOUT_NAME_RULE`)."""
    return bool(_LAYOUT_NAME.fullmatch(name)) and name != UNKNOWN


def layout_name_from(text: str) -> str:
    """A valid layout name made from a file or folder name (``My Site.toml`` -> ``my-site``)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "learned"
    return name if is_layout_name(name) else "learned"
