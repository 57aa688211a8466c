"""Cheap HTML sniffing (stdlib only)."""

from __future__ import annotations

import re

_HEAD_RE = re.compile(
    r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_KNOWN = (
    "a|abbr|article|aside|b|blockquote|body|br|button|div|dl|dd|dt|em|figure|figcaption|footer|"
    "form|h[1-6]|head|header|hr|html|i|iframe|img|input|li|link|main|meta|nav|ol|option|p|pre|"
    "script|section|select|span|strong|style|table|tbody|td|th|thead|title|tr|ul"
)
_TAG_RE = re.compile(rf"</?(?:{_KNOWN})(?=[\s/>])[^<>]{{0,2000}}>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """True when ``text`` is (very probably) an HTML document or fragment.

    A doctype / ``<html`` / ``<head`` / ``<body`` at the start decides; otherwise the
    number of well-known tags in the first 4 KB does. Text dumps (even ones quoting a
    tag or two) and JSON lines (which may carry HTML inside strings) are ``False``.
    """
    if not text:
        return False
    s = text[:8192].lstrip("\ufeff \t\r\n")[:4096]
    if not s or s[0] in "{[":
        return False
    if _HEAD_RE.match(s):
        return True
    n = len(_TAG_RE.findall(s))
    if s[0] == "<" and n >= 3:
        return True
    return n >= 10
