"""Line tests every cleaner shares: sentence ends, bullets, prose, subheadings.

One definition of each, so that the layout engine, the generic cleaner, the article builder
and the learner agree on what a heading, a bullet or a line of prose looks like.
"""

from __future__ import annotations

import re

#: A line ending in one of these closes a sentence or a clause: it is not a heading.
SENTENCE_END = tuple('.!?:;,"\'”’)…')
#: Marks a headline never ends with (it may end with ``?``, ``!`` or a quote).
NOT_A_HEADLINE_END = (".", ",", ":", ";")

#: Characters that start a bulleted line (menus, lists) in text dumps.
BULLETS = frozenset("•◦▪■□‣*·")
_BULLET = re.compile(r"^\s*(?:[•◦▪■□‣*·])\s*")
_LIST_ITEM = re.compile(r"^\s*(?:[•◦▪■□‣*·]|\d{1,3}[.)]\s)\s*")

#: A line with at least this many words and a sentence end is prose ...
PROSE_MIN_WORDS = 8
#: ... and so is one of at least this many characters (and ``PROSE_MIN_WORDS`` words).
PROSE_MIN_CHARS = 80

#: A subheading is a standalone line of at most this many characters ...
SUBHEADING_MAX_CHARS = 80
#: ... and words, with no sentence end, followed by a paragraph.
SUBHEADING_MAX_WORDS = 10


def ends_like_sentence(text: str) -> bool:
    """Whether the (stripped) line ends with a sentence or clause mark."""
    return text.endswith(SENTENCE_END)


def is_list_item(line: str) -> bool:
    """A line starting with a bullet or an item number (``3. ``, ``12) ``)."""
    return _LIST_ITEM.match(line) is not None


def without_bullet(text: str) -> str:
    """A kept line as it appears in the article: no indentation, no bullet."""
    line = text.strip()
    return _BULLET.sub("", line).strip() if line[:1] in BULLETS else line


def is_prose(text: str, words: int) -> bool:
    """A (stripped) line of running text, given its number of words: long enough, and a
    sentence (or very long); a bulleted line must be twice as long."""
    if is_list_item(text) and words < PROSE_MIN_WORDS * 2:
        return False
    return (words >= PROSE_MIN_WORDS and ends_like_sentence(text)) or (
        len(text) >= PROSE_MIN_CHARS and words >= PROSE_MIN_WORDS)


def is_subheading_text(text: str) -> bool:
    """A short line with no closing punctuation that starts like a title."""
    return (len(text) <= SUBHEADING_MAX_CHARS
            and len(text.split()) <= SUBHEADING_MAX_WORDS
            and not ends_like_sentence(text)
            and (text[0].isupper() or text[0].isdigit()))
