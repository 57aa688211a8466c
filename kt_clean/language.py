"""The language of a text, in microseconds and with no model to load.

Two signals, as the small identifiers of the field use: the script (Hangul is Korean, kana
Japanese, Han without kana Chinese, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari), and
for Latin script the share of each language's most frequent function words. py3langid is
more general but loads its model for 0.8 s on first use, which every command's start-up
would pay; ``bench/language.py`` compares the two on the dev pages (``docs/quality.md``).
"""

from __future__ import annotations

import re
from collections import Counter

#: The most frequent function words of each Latin-script language (ISO 639-1 codes); words
#: shared by several languages count for each of them.
_STOPWORDS: dict[str, frozenset[str]] = {code: frozenset(words.split()) for code, words in {
    "en": "the of and to in is that for it with as was on are be by this you at from have or "
          "an they which not but we his her has their were been will would there what can all",
    "de": "der die und das ist nicht zu den von mit sich des auf für im dem ein eine auch als "
          "es an wird aus er hat dass sie nach bei um noch wie über so zum oder aber werden",
    "fr": "le la les de des et est un une du en que qui dans pour pas au sur par ce il elle "
          "plus avec ne se sont aux ou nous vous mais leur cette été comme son ses",
    "es": "el la de que y en los las del se un una por con no para es al lo como más pero sus "
          "le ha me si sin sobre este ya entre cuando todo esta ser son también fue",
    "it": "il di che la è e per un una in del non sono della le si con da al dei gli ma come "
          "più anche nel alla questo ha lo cui se delle nella tra essere",
    "pt": "de que e o a do da em um para é com não uma os no se na por mais as dos como mas "
          "ao ele das à seu sua ou quando muito nos já também só pelo pela",
    "nl": "de het een en van ik te dat die in is niet op zijn voor met als ze er maar om hij "
          "aan ook bij nog wel wat worden door naar uit dan kan",
    "sv": "och att det som en på är av för med till den har de inte om ett han men var jag "
          "sig från vi så kan när nu ska också efter",
    "da": "og i at det er en til på de med for af den som ikke har et han men var jeg sig fra "
          "vi så kan når nu skal også efter eller",
    "no": "og i det er som en til på å de med for av den ikke har et han men var jeg seg fra "
          "vi så kan når nå skal også etter eller",
    "fi": "ja on ei se että oli hän mutta kun tai ovat jos niin joka myös kuin sen ole mitä "
          "tämä vain voi ovat hänen",
    "pl": "i w na z się nie do że to jest o jak po a co przez od za są być tak ale dla jego "
          "czy jej tym może już",
    "cs": "a se na v je že s z do to jsou o jak ale by pro jako jeho po nebo také jsem byl "
          "bylo být které který",
    "tr": "ve bir bu da de için ile çok daha olarak gibi en ne ama sonra kadar olan var her "
          "değil mi ya şey",
    "id": "yang dan di itu dengan untuk tidak ini dari dalam akan pada juga saya ke karena "
          "ada bisa atau oleh sudah mereka",
    "ro": "și în de la a cu nu că pe o un se este din care mai pentru sunt sau ca ce fost "
          "acest lui",
    "hu": "a az és hogy nem is egy meg de van ez csak már volt még mint el ki sem vagy lesz "
          "minden azt",
}.items()}

#: word -> the languages it is a function word of (one lookup a distinct word of the text)
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in _STOPWORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _code)

_WORD = re.compile(r"[^\W\d_]+")
#: Scripts that name their language (or the first of its languages) on their own.
_SCRIPTS = (
    (re.compile(r"[\uac00-\ud7a3\u1100-\u11ff]"), "ko"),
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
)
#: A language needs this many function-word hits, and this share of the words, to be named.
MIN_HITS = 3
MIN_SHARE = 0.08
#: The text looked at: its start, which is enough and bounds the time on any page.
SAMPLE_CHARS = 1_500
_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f]")


def identify(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or ``None`` when it cannot be told (too
    little text, or a language it does not know)."""
    sample = text[:SAMPLE_CHARS]
    words = _WORD.findall(sample.casefold())
    letters = sum(map(len, words))
    if letters < 20:
        return None
    # Japanese before Chinese: Japanese text mixes kana with Han characters.
    if len(_NON_LATIN.findall(sample)) > letters * 0.3:
        scripts = [(len(rx.findall(sample)), code) for rx, code in _SCRIPTS]
        if scripts[1][0] > 0.05 * letters:
            return "ja"
        best = max(scripts)
        if best[0] > 0.3 * letters:
            return best[1]
    if len(words) < 5:
        return None
    scores = dict.fromkeys(_STOPWORDS, 0)
    for w, n in Counter(words).items():  # counted in C: this runs on every page
        for code in _LANGS_OF.get(w, ()):
            scores[code] += n
    code, hits = max(scores.items(), key=lambda kv: kv[1])
    if hits < MIN_HITS or hits < MIN_SHARE * len(words):
        return None
    return code
