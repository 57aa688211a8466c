"""Cheap HTML sniffing (stdlib only)."""

from __future__ import annotations

import functools
import re

_HEAD = (r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
         r"(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])")
_KNOWN = (
    "a|abbr|article|aside|b|blockquote|body|br|button|div|dl|dd|dt|em|figure|figcaption|footer|"
    "form|h[1-6]|head|header|hr|html|i|iframe|img|input|li|link|main|meta|nav|ol|option|p|pre|"
    "script|section|select|span|strong|style|table|tbody|td|th|thead|title|tr|ul"
)
_TAG = rf"</?(?:{_KNOWN})(?=[\s/>])[^<>]{{0,2000}}>"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The compiled patterns, on first use: text pages (no ``<``) never need them."""
    return re.compile(_HEAD, re.IGNORECASE | re.DOTALL), re.compile(_TAG, re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """True when ``text`` is (very probably) an HTML document or fragment.

    A doctype / ``<html`` / ``<head`` / ``<body`` at the start decides; otherwise the
    number of well-known tags in the first 4 KB does. Text dumps (even ones quoting a
    tag or two) and JSON lines (which may carry HTML inside strings) are ``False``.
    """
    if not text:
        return False
    s = text[:8192].lstrip("\ufeff \t\r\n")[:4096]
    if not s or s[0] in "{[" or "<" not in s:  # every tag pattern below needs a "<"
        return False
    head_re, tag_re = _patterns()
    if head_re.match(s):
        return True
    n = len(tag_re.findall(s))
    if s[0] == "<" and n >= 3:
        return True
    return n >= 10
