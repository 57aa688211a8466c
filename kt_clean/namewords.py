"""The words of names, jobs and page chrome that reading a byline needs, and the plain
byline's fast reading (:func:`plain_byline`).

A Korea Times page's byline (``By Lee Min-hyung``) is read here alone: the command line
does not load :mod:`kt_clean.bylines` (its patterns and header search) for it, which a
text page's start-up would pay for every page of a built-in layout.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The set of the whitespace-separated words of ``text``."""
    return frozenset(text.split())


#: Small words of names: ``Marna van der Merwe``, ``Ana de la Cruz``.
PARTICLES = frozenset({"van", "der", "den", "de", "da", "di", "del", "della", "dos", "du", "la",
                       "le", "von", "bin", "ibn", "al", "el", "y", "e", "ter", "ten", "and"})
#: Words of a job title or an organisation: a part with one of them is not a name.
ROLE_WORDS = words("""
    editor editors editorial writer writers reporter reporters correspondent
    correspondents columnist columnists contributor contributors contributing staff team
    desk director founder co-founder cofounder ceo coo cto cfo cmo president chief head
    manager lead senior junior associate assistant executive expert specialist analyst
    engineer developer designer strategist consultant dietitian nutritionist journalist
    producer author photographer officer marketing content digital newsroom news press
    media agency wire service services bureau magazine journal times post herald tribune
    guardian reuters ap afp bloomberg insider network group inc llc ltd company
    university college institute department school foundation association society center
    centre blog online guest member partner advisor adviser researcher scientist
    professor doctor physician coach trainer instructor teacher owner host anchor intern
    freelance freelancer copywriter publisher administrator admin moderator operations
    sales product community communications affiliate
""")
#: Words of a line that is no name (a sentence, a label).
NOT_NAME_WORDS = words("""
    the a an of to in on for with from is are was were be been by at as or not this that
    it its our your my we you i me us they their his her he she them about more all read
    share follow home menu login sign subscribe newsletter search contact cookie privacy
    policy terms comments comment reply views min minutes hours ago published updated
    posted back next previous top skip content main article articles blog photo image
    picture avatar headshot logo icon video
""")
#: Words of headings and page chrome, never of a person's name.
COMMON_WORDS = words("""
    facebook pinterest twitter e-mail linkedin whatsapp instagram youtube reddit tiktok
    get started
    guide guides tips best how what why when where which who top new news update updates
    coding development design contents table link links copy donate money disclosure
    advertiser advertising tags tag diary journal tools tool trends trend learn learning
    free online services service products product pricing price plans plan features
    overview introduction summary conclusion resources resource support help faq
    questions answers review reviews report reports insights solutions solution industry
    business marketing software data analysis health care healthy eating food travel
    planning management strategy strategies best-practices practices digital mobile app
    apps web website cloud security safety finance financial insurance education courses
    course program programs training class classes career careers jobs gardening garden
    home house kitchen recipes recipe photography camera video music related popular
    latest trending recent featured more most other first last book books read listen
    watch download print email save cart shop store buy order privacy cookies terms
    conditions rights reserved sitemap accessibility
""")

#: Words that make a plain-looking byline go the whole way: roles, the words its tail and
#: split patterns react to (``Jane Doe In Travel``, ``Jane and John``).
_NOT_PLAIN = frozenset({"in", "for", "on", "at", "and", "by", "updated", "published",
                        "posted", "last", "modified", "fact", "reviewed", "edited", "view",
                        "follow", "read", "share", "min", "logo", "image", "photo", "avatar",
                        "headshot"})


def plain_byline(text: str) -> str | None:
    """The name of the plainest byline, ``By Lee Min-hyung`` (two to four capitalised ASCII
    words, a hyphenated part allowed, none a role or a word the full reading reacts to), as
    :func:`kt_clean.bylines.authors_from_byline` reads it, without compiling its patterns: a
    Korea Times page's byline costs the command line's start-up nothing."""
    if text[:3] not in ("By ", "BY ", "by "):
        return None
    name = text[3:]
    parts = name.split(" ")
    if not 2 <= len(parts) <= 4 or len(set(parts)) < len(parts) or not name.isascii():
        return None
    for w in parts:
        low = w.casefold()
        rest = w[1:]
        if (not w[:1].isupper() or not rest or rest.count("-") > 1 or rest.endswith("-")
                or not rest.replace("-", "").isalpha() or not rest.replace("-", "").islower()
                or low in _NOT_PLAIN or low in ROLE_WORDS or low in NOT_NAME_WORDS):
            return None
    return name
