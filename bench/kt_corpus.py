"""Pages of one site for the template-learning benchmark: the two Korea Times templates
(print and full-nav, as in seeds/) wrapped around varied article text.

Every page varies what varies on the real site: headline, section, dates, reporters and
their emails, caption present or not (long or short), deck, Updated line, subheadings,
paragraph count, the related teaser, the headline and photo-news lists, the crawl date, and
the section menu shown at the top. The chrome (site map, settings, share buttons, footer)
is the templates'. Deterministic for a given seed.

    from kt_corpus import make_pages
    pages = make_pages("full-nav", 200, seed=1)   # list of str
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB = "\u00a0"
SEEDS = {"print": ROOT / "seeds" / "000_565ea5bced93b1ee.txt",
         "full-nav": ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt"}

REPORTERS = ["Lee Min-hyung", "Kim Bo-eun", "Choi Ha-young", "Park Jae-hyuk", "Kim Yoo-chul",
             "Jung Da-min", "Kim Rahn", "Kang Hyun-kyung", "Yi Whan-woo", "Nam Hyun-woo",
             "Lee Kyung-min", "Bahk Eun-ji", "Kwak Yeon-soo", "Ko Dong-hwan", "Yoon Ja-young"]
SECTIONS = ["Politics", "Foreign Affairs", "Defense Affairs", "Economy", "Finance", "IT",
            "Culture", "Sports", "Opinion", "Entertainment", "World", "Education"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.values())
    import re

    sents = re.findall(r"[A-Z][^.!?\n]{30,220}[.!?]", text)
    return sorted({s.strip() for s in sents if "•" not in s})


SENTS = _sentences()
WORDS = sorted({w for s in SENTS for w in s.split() if w.isalpha() and len(w) > 3})


def _title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    return " ".join([words[0].capitalize(), *words[1:]])


def _para(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTS, rng.randint(1, 4)))


def _email(name: str) -> str:
    family, given = name.split(" ", 1)
    return f"{given.replace('-', '').lower()[:6]}{family.lower()}@koreatimes.co.kr"


def _body(rng: random.Random) -> list[str]:
    """Paragraphs, with a subheading now and then."""
    out = []
    for _ in range(rng.randint(3, 14)):
        if out and rng.random() < 0.12:
            out.append(" ".join(rng.sample(WORDS, rng.randint(2, 4))).capitalize())
        out.append(_para(rng))
    return out


def _article(rng: random.Random) -> dict:
    reporters = rng.sample(REPORTERS, 2 if rng.random() < 0.2 else 1)
    y, mo, d = 2019, rng.randint(1, 12), rng.randint(1, 28)
    h, mi = rng.randint(0, 23), rng.randint(0, 59)
    caption = None
    if rng.random() < 0.6:
        caption = _para(rng) + " / Yonhap" if rng.random() < 0.5 else " ".join(
            rng.sample(WORDS, rng.randint(2, 5))).title()
    return {
        "title": _title(rng), "section": rng.choice(SECTIONS), "reporters": reporters,
        "posted": f"{y}-{mo:02d}-{d:02d}{NB}{h:02d}:{mi:02d}",
        "updated": f"{y}-{mo:02d}-{d:02d}{NB}{min(h + 1, 23):02d}:{mi:02d}" if rng.random() < 0.6 else None,
        "caption": caption, "deck": _title(rng) if rng.random() < 0.4 else None,
        "body": _body(rng),
    }


def _print_page(rng: random.Random, a: dict) -> str:
    steps = "\n".join(f"  • {s}" for s in ["-2", "-1", "0", "+1", "+2"])
    share = "\n".join(f"  • {s} share button" for s in ["Facebook", "Twitter", "Kakao", "Mail", "Link"])
    head = ("Settings\n\n" if rng.random() < 0.8 else "\n") + "ⓕ font-size\n\n" + steps + "\n\n"
    head += a["title"] + "\n\n" + share + "\n"
    if a["caption"]:
        head += a["caption"] + ("\n\n" if rng.random() < 0.3 else "\n") + a["caption"] + "\n\n"
    if a["deck"]:
        head += a["deck"] + "\n\n"
    head += "By " + ", ".join(a["reporters"]) + "\n\n"
    body = "\n\n".join(a["body"])
    contact = "\n\n".join(f"{r} {_email(r)}" for r in a["reporters"])
    return head + body + "\n\n\n" + contact + "\n\n\nX\nCLOSE\n\nTop 10 Stories\n\ngo top LETTER"


_FULLNAV = SEEDS["full-nav"].read_text(encoding="utf-8").split("\n")
_TOP = _FULLNAV[:10]
_TREE = _FULLNAV[25:121]
_FOOTER = _FULLNAV[211:]


def _fullnav_page(rng: random.Random, a: dict) -> str:
    menu = [rng.choice(["National", "Opinion", "Economy", "Biz & Tech", "Culture"])]
    menu += [f"  • {s}" for s in rng.sample(SECTIONS, rng.randint(4, 9))]
    crawl = f"{rng.choice(DAYS)}, {rng.choice(MONTHS)} {rng.randint(1, 28)}, 2019 | {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    block = [f"    {a['section']}", f"    {a['title']}", f"    Posted : {a['posted']}"]
    if a["updated"]:
        block.append(f"    Updated : {a['updated']}")
    block.append("    By " + ", ".join(a["reporters"]))
    block.append("")
    if a["caption"] and len(a["caption"]) < 200:
        block.append(f"    {a['caption']}")
    block.append("\n\n".join(f"    {p}" for p in a["body"]))
    tail = ["", "", "", f"    {_email(a['reporters'][0])} More articles by this reporter", ""]
    tail += [f"    {_title(rng)}", f"    {_para(rng)[:150]}...", "", "", f"    {NB}"]
    tail += [f"    • {_title(rng)}" for _ in range(rng.randint(8, 16))]
    for _ in range(rng.randint(3, 7)):
        tail += ["", f"    • {_title(rng)}"]
    tail += ["", f"    {_title(rng)}"]
    return "\n".join(_TOP + menu + [crawl] + _TREE + block + tail + _FOOTER)


def make_pages(layout: str, n: int, seed: int = 1) -> list[str]:
    """``n`` pages of the ``print`` or ``full-nav`` template."""
    rng = random.Random(f"{layout}:{seed}")
    build = _print_page if layout == "print" else _fullnav_page
    return [build(rng, _article(rng)) for _ in range(n)]


if __name__ == "__main__":
    import sys

    print(make_pages(sys.argv[1] if len(sys.argv) > 1 else "print", 1, int(sys.argv[2]) if len(sys.argv) > 2 else 1)[0])
