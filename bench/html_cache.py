#!/usr/bin/env python3
"""Per-page work of the HTML benchmarks and of the HTML line model's training, cached.

    python bench/html_cache.py [--data DIR] [--cache DIR] [--workers 2] [--limit N]

For every WCXB-dev page (``html/ID.html.gz``) it keeps, in ``CACHE/pages/ID.pkl`` (default
``/tmp/model-cache``; never in the repository):

* the page's rendered lines exactly as kt-clean reads them (``kt_clean.inputs.html``);
* the blocks of the extractors kt-clean consults, on the same tree: trafilatura (full mode,
  kt-clean's configuration; and ``fast=True``) and readability-lxml;
* the baselines' texts, as a user would run them on the page's HTML: trafilatura's
  ``extract`` (default settings), readability-lxml's ``Document.summary``, jusText (English
  stoplist); and the CPU time of each;
* the training target of every rendered line (its tokens aligned with the gold text, as
  ``bench/train_classifier.py`` does for the text dumps).

These are the expensive parts (about 0.4 s a page); features and models are made from
them in seconds. Entries carry a key: ``CACHE_VERSION`` (raise it when what they hold
changes) and a digest of the code that makes it (``RENDER_CODE``: decoding, parsing,
rendering, the extractors' adapters), so that a page is made again when that code changes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import pickle
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from _report import code_digest  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
DEFAULT_CACHE = Path("/tmp/model-cache")
#: The version of what an entry holds; an entry of another version is made again.
CACHE_VERSION = "1"


#: The code whose changes change what an entry holds: the page's decoding, parsing and
#: rendered lines, and the extractors' blocks on its tree.
RENDER_CODE = ("kt_clean/inputs/decode.py", "kt_clean/inputs/html.py",
               "kt_clean/html/parse.py", "kt_clean/html/render.py",
               "kt_clean/html/trafilatura_adapter.py", "kt_clean/html/readability_adapter.py")


def key() -> str:
    return f"{CACHE_VERSION}-{code_digest(REPO / f for f in RENDER_CODE)}"


def site_of(url: str) -> str:
    """The site a page belongs to: its host without ``www.`` (the unit of grouped folds)."""
    host = urlsplit(url).hostname or url
    return host[4:] if host.startswith("www.") else host


def load_meta(data: Path) -> dict[str, dict]:
    """id -> {"type", "url", "site"} from meta.jsonl (types.tsv as a fallback for types)."""
    meta: dict[str, dict] = {}
    mj = data / "meta.jsonl"
    if mj.exists():
        for line in mj.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                meta[r["id"]] = {"type": r.get("page_type", ""), "url": r.get("url", ""),
                                 "site": site_of(r.get("url", "") or r["id"])}
    return meta


def _blocks_fast(root):
    from trafilatura import bare_extraction

    from kt_clean.html.trafilatura_adapter import tf_blocks

    try:
        doc = bare_extraction(root, include_comments=True, include_tables=True,
                              include_images=False, include_formatting=False,
                              include_links=False, output_format="xml", with_metadata=False,
                              fast=True)
    except RecursionError:
        return []
    return tf_blocks(doc.body) if doc is not None else []


def rd_text(html: str) -> str:
    from readability import Document

    from kt_clean.html.parse import parse_html
    from kt_clean.html.render import tree_blocks

    summary = Document(html).summary(html_partial=True)
    return "\n\n".join(t for _, t in tree_blocks(parse_html(summary))) if summary.strip() else ""


def justext_text(raw: bytes) -> str:
    import justext

    paras = justext.justext(raw, justext.get_stoplist("English"))
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def _timed(fn, *args):
    t = time.process_time()
    try:
        out, err = fn(*args), None
    except Exception as exc:  # a baseline failing on a page is part of the figures
        out, err = None, f"{type(exc).__name__}: {str(exc)[:100]}"
    return out, time.process_time() - t, err


def build_page(pid: str, data: Path) -> dict:
    """Everything the cache keeps about one page."""
    import trafilatura

    from kt_clean.html.readability_adapter import run_readability
    from kt_clean.html.trafilatura_adapter import run_trafilatura, tf_blocks
    from kt_clean.inputs.html import html_document

    with gzip.open(data / "html" / f"{pid}.html.gz") as f:
        raw = f.read()
    html = raw.decode("utf-8", "replace")
    gold = (data / "gold" / f"{pid}.txt").read_text(encoding="utf-8", errors="replace")
    out: dict = {"id": pid, "key": key(), "gold": gold, "times": {}, "errors": {}}
    try:
        doc = html_document(raw, f"{pid}.html")
        out["lines"] = list(doc.lines)
        root = doc.derived("html_root", lambda d: None)
    except Exception as exc:
        out["lines"], root = [], None
        out["errors"]["read"] = f"{type(exc).__name__}: {str(exc)[:100]}"
    if root is not None:
        tf, out["times"]["tf_full"], _ = _timed(
            lambda r: tf_blocks(d.body) if (d := run_trafilatura(r)) is not None else [], root)
        out["tf_full"] = tf or []
        out["tf_fast"], out["times"]["tf_fast"], _ = _timed(_blocks_fast, root)
        out["tf_fast"] = out["tf_fast"] or []
        out["rd"], out["times"]["rd"], _ = _timed(run_readability, root)
        out["rd"] = out["rd"] or []
    for name, fn, arg in (("base_trafilatura", lambda h: trafilatura.extract(h) or "", html),
                          ("base_readability", rd_text, html),
                          ("base_justext", justext_text, raw)):
        text, out["times"][name], err = _timed(fn, arg)
        out[name] = text or ""
        if err:
            out["errors"][name] = err
    out["target"] = line_targets(out["lines"], gold)
    return out


def line_targets(lines: list[str], gold: str) -> list[bool]:
    """Per rendered line: is it part of the gold text (its tokens aligned with the gold's,
    as for the text dumps' training targets)."""
    import train_classifier as tc

    if not lines:
        return []
    return [bool(x) for x in tc.line_labels(lines, gold)]


def _work(args):
    pid, data, cache = args
    logging.disable(logging.CRITICAL)
    path = Path(cache) / "pages" / f"{pid}.pkl"
    page = build_page(pid, Path(data))
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(page))
    tmp.replace(path)
    return pid


def load_page(cache: Path, pid: str) -> dict | None:
    path = cache / "pages" / f"{pid}.pkl"
    if not path.exists():
        return None
    page = pickle.loads(path.read_bytes())
    return page if page.get("key") == key() else None


def ids_of(data: Path) -> list[str]:
    return sorted(p.name[: -len(".html.gz")] for p in (data / "html").glob("*.html.gz"))


def ensure(data: Path, cache: Path, workers: int = 2, limit: int = 0,
           verbose: bool = True) -> list[str]:
    """Build the missing or stale pages of the cache; the ids of all pages."""
    from multiprocessing import get_context

    ids = ids_of(data)
    if limit:
        ids = ids[:limit]
    (cache / "pages").mkdir(parents=True, exist_ok=True)
    k = key()
    todo = []
    for pid in ids:
        path = cache / "pages" / f"{pid}.pkl"
        if path.exists():
            try:
                with path.open("rb") as f:
                    if pickle.load(f).get("key") == k:
                        continue
            except Exception:
                pass
        todo.append(pid)
    if todo and verbose:
        print(f"html cache: {len(todo)} of {len(ids)} pages to make in {cache}", file=sys.stderr)
    t0 = time.time()
    if todo:
        ctx = get_context("fork")
        with ctx.Pool(max(1, workers)) as pool:
            for n, _ in enumerate(pool.imap_unordered(
                    _work, [(p, str(data), str(cache)) for p in todo], chunksize=4), 1):
                if verbose and n % 100 == 0:
                    print(f"  {n}/{len(todo)} pages, {time.time() - t0:.0f}s", file=sys.stderr,
                          flush=True)
    return ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if not (args.data / "html").is_dir():
        print(f"html_cache: no data at {args.data}; nothing to do")
        return 0
    ids = ensure(args.data, args.cache, args.workers, args.limit)
    print(f"html cache: {len(ids)} pages ready in {args.cache}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
