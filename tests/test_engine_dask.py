"""kt-clean batch --engine dask: shards equal the local batch's records, failures listed,
resumable, a killed worker changes no byte, object stores through a real S3 endpoint.

One LocalCluster of two worker processes serves the module (started once, ~3 s); the tests
pass its client to ``run_sharded``. The command-line tests run ``kt-clean`` as a child
process, which starts its own cluster. Dask, fsspec, pyarrow, zstandard, s3fs and moto are
in the ``test`` extra: the module skips only where they are genuinely not installed.
"""

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("fsspec")

from conftest import FULLNAV_SEED, PAGES, PRINT_SEED, ROOT  # noqa: E402
from kt_clean import batch as kb  # noqa: E402
from kt_clean.engines import shards as ks  # noqa: E402
from kt_clean.engines.dask import ShardOptions, run_sharded  # noqa: E402

CLI = [sys.executable, "-c", "from kt_clean.cli import main; main()"]
TEMPLATES = [PRINT_SEED, FULLNAV_SEED, *sorted(PAGES.glob("*.txt"))]


def variant(path, i):
    """A template page with its first long line made unique."""
    lines = path.read_text(encoding="utf-8").split("\n")
    k = next((j for j, line in enumerate(lines) if len(line) > 100), 0)
    lines[k] = f"Variant {i}: {lines[k]}"
    return "\n".join(lines)


def make_tree(root, n=60):
    """n template pages in three folders (one nested), and bad pages among them."""
    pages = root / "pages"
    for i in range(n):
        folder = pages / ("" if i % 3 == 0 else f"d{i % 3}") / ("deep" if i % 5 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"p{i:03d}.txt").write_text(variant(TEMPLATES[i % len(TEMPLATES)], i),
                                             encoding="utf-8")
    (pages / "empty.txt").write_bytes(b"")
    (pages / "d1" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    (pages / "d2" / "bad.txt").write_bytes(("naïve café " * 40).encode() + b"\xff\xfe")
    (pages / "d2" / "zipped.txt.gz").write_bytes(gzip.compress(PRINT_SEED.read_bytes()))
    (pages / "article.html").write_bytes((ROOT / "tests/fixtures/html/article.html").read_bytes())
    records = subprocess.run([*CLI, "strip", str(PRINT_SEED), str(FULLNAV_SEED)],
                             capture_output=True, check=True, cwd=ROOT).stdout
    (pages / "d1" / "records.ndjson").write_bytes(records)  # two pages in one file
    (pages / ".hidden.txt").write_bytes(PRINT_SEED.read_bytes())
    return pages


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("dask"))


@pytest.fixture(scope="module")
def client():
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def local_run(tree, tmp_path_factory):
    """The local engine's NDJSON stream and errors for the tree (one job: list order)."""
    out = tmp_path_factory.mktemp("local") / "articles.ndjson"
    summary = kb.run_batch(kb.BatchOptions(str(tree), ndjson=str(out), jobs=1, recursive=True))
    errors = out.parent / "articles.errors.ndjson"
    return out.read_bytes(), sorted(errors.read_text().splitlines()), summary


def shard_files(dest, fmt="ndjson.gz"):
    return sorted(p for p in dest.iterdir() if p.name.startswith("part-")
                  and p.name.endswith(fmt))


def union(dest, fmt="ndjson.gz"):
    """The shards' records in shard order, as NDJSON bytes."""
    out = b""
    for p in shard_files(dest, fmt):
        data = p.read_bytes()
        out += gzip.decompress(data) if fmt == "ndjson.gz" else data
    return out


def error_lines(dest):
    folder = dest / "_errors"
    return sorted(line for p in sorted(folder.glob("*.ndjson"))
                  for line in p.read_text().splitlines()) if folder.exists() else []


def snapshot(dest):
    """{name: bytes} of the shards, error lists and task records (the manifest apart)."""
    return {str(p.relative_to(dest)): p.read_bytes() for p in sorted(dest.rglob("*"))
            if p.is_file() and not p.name.startswith(".") and p.name != "_manifest.json"}


def options(tree, dest, **kw):
    base = {"sources": (str(tree),), "dest": str(dest), "recursive": True, "block_size": 7}
    base.update(kw)
    return ShardOptions(**base)


# -- equal to the local batch ---------------------------------------------------------------

def test_the_shards_hold_the_local_batchs_records_byte_for_byte(tree, client, local_run,
                                                                 tmp_path):
    local_ndjson, local_errors, local = local_run
    dest = tmp_path / "shards"
    summary = run_sharded(options(tree, dest), client=client)
    # The comparison: the shards, read in shard order, are the local `batch --ndjson`
    # stream byte for byte; their error lists are the local errors file's lines.
    assert union(dest) == local_ndjson
    assert error_lines(dest) == local_errors
    reasons = {json.loads(x)["path"].rsplit("/", 1)[-1]: json.loads(x)["reason"]
               for x in error_lines(dest)}
    assert reasons == {"empty.txt": "empty", "image.png": "binary", "bad.txt": "undecodable"}
    for name in ("found", "seen", "cleaned", "failed", "filtered", "chars_kept",
                 "chars_removed", "reasons", "layouts", "page_types"):
        assert getattr(summary, name) == getattr(local, name), name
    n_tasks = -(-summary.found // 7)
    assert summary.tasks == n_tasks and len(shard_files(dest)) == n_tasks
    manifest = json.loads((dest / "_manifest.json").read_text())
    assert manifest["complete"] and manifest["tasks"] == n_tasks
    assert manifest["counts"]["records"] == local_ndjson.count(b"\n")
    assert manifest["counts"]["layouts"] == dict(sorted(local.layouts.items()))
    assert manifest["counts"]["failures"] == {"binary": 1, "empty": 1, "undecodable": 1}
    assert [s["name"] for s in manifest["shards"]] == [p.name for p in shard_files(dest)]
    for entry in manifest["shards"]:
        data = (dest / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["records"] == gzip.decompress(data).count(b"\n")
    assert not list(dest.rglob(".kt-clean-*"))  # no temporary file left


def test_explain_only_and_glob_mean_what_they_mean_locally(tree, client, tmp_path):
    local = tmp_path / "local.ndjson"
    opts = {"explain": True, "only": ("article",), "pattern": "*.txt"}
    expected = kb.run_batch(kb.BatchOptions(str(tree), ndjson=str(local), jobs=1,
                                            recursive=True, **opts))
    dest = tmp_path / "shards"
    summary = run_sharded(options(tree, dest, **opts), client=client)
    assert union(dest) == local.read_bytes()
    assert b'"removed": [' in local.read_bytes()
    assert summary.filtered == expected.filtered > 0
    assert summary.page_types == expected.page_types and summary.found == expected.found


def test_a_rerun_skips_finished_tasks_and_force_redoes_them(tree, client, tmp_path):
    dest = tmp_path / "shards"
    first = run_sharded(options(tree, dest), client=client)
    before = snapshot(dest)
    again = run_sharded(options(tree, dest), client=client)
    assert again.tasks_skipped == again.tasks == first.tasks
    assert again.skipped == first.cleaned and again.cleaned == 0
    assert again.failed == first.failed == again.earlier_failed  # still listed, exit 1
    assert snapshot(dest) == before
    (dest / "_tasks" / "part-00002.json").unlink()  # as if killed before it finished
    resumed = run_sharded(options(tree, dest), client=client)
    assert resumed.tasks_skipped == first.tasks - 1
    assert snapshot(dest) == before
    forced = run_sharded(options(tree, dest, force=True), client=client)
    assert forced.tasks_skipped == 0 and forced.cleaned == first.cleaned
    assert snapshot(dest) == before  # the same bytes when done again


def test_changed_pages_or_options_redo_only_what_they_change(tree, client, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(tree, pages)
    dest = tmp_path / "shards"
    run_sharded(options(pages, dest), client=client)
    page = pages / "p003.txt"  # among the first pages listed: task 0
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more paragraph.\n",
                    encoding="utf-8")
    again = run_sharded(options(pages, dest), client=client)
    assert again.tasks_skipped == again.tasks - 1
    zst = run_sharded(options(pages, dest, shard_format="ndjson.zst"), client=client)
    assert zst.tasks_skipped == 0
    names = {p.name for p in dest.iterdir() if p.name.startswith("part-")}
    assert names and all(n.endswith(".ndjson.zst") for n in names)  # no stale .gz shard


def test_zstd_and_parquet_shards_hold_the_same_records(tree, client, local_run, tmp_path):
    local_ndjson = local_run[0]
    expected = [json.loads(line) for line in local_ndjson.splitlines()]
    for fmt in ("ndjson.zst", "parquet"):
        dest = tmp_path / fmt
        run_sharded(options(tree, dest, shard_format=fmt), client=client)
        got = [rec for p in shard_files(dest, fmt) for rec in
               ks.decode_shard(p.read_bytes(), fmt)]
        assert got == expected, fmt


def test_names_that_are_not_utf8(client, tmp_path):
    """A folder and a page named in Latin-1 bytes: the NDJSON shard keeps the bytes (as the
    local --ndjson does), Parquet (UTF-8 only) shows U+FFFD, the manifest escapes them."""
    folder = os.fsdecode(os.fsencode(str(tmp_path)) + b"/pag\xe9s")
    os.mkdir(folder)
    shutil.copy(PRINT_SEED, os.fsdecode(os.fsencode(folder) + b"/caf\xe9.txt"))
    shutil.copy(FULLNAV_SEED, os.path.join(folder, "ok.txt"))
    local = tmp_path / "local.ndjson"
    kb.run_batch(kb.BatchOptions(folder, ndjson=str(local), jobs=1))
    run_sharded(ShardOptions(sources=(folder,), dest=str(tmp_path / "nd"), shard_format="ndjson"),
                client=client)
    assert (tmp_path / "nd" / "part-00000.ndjson").read_bytes() == local.read_bytes()
    summary = run_sharded(ShardOptions(sources=(folder,), dest=str(tmp_path / "pq"),
                                       shard_format="parquet"), client=client)
    assert summary.failed == 0
    rows = ks.decode_shard((tmp_path / "pq" / "part-00000.parquet").read_bytes(), "parquet")
    assert [r["source"].rsplit("/", 1)[-1] for r in rows] == ["caf\ufffd.txt", "ok.txt"]
    assert json.loads((tmp_path / "pq" / "_manifest.json").read_text())["inputs"]["sources"]


def test_parquet_has_a_column_per_json_key_and_removed_nested(tree, client, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from conftest import render_page

    dest = tmp_path / "pq"
    run_sharded(options(tree, dest, shard_format="parquet", explain=True), client=client)
    table = pq.read_table(shard_files(dest, "parquet")[0])
    keys = list(json.loads(render_page(str(FULLNAV_SEED), "json", explain=True)))
    # every key of the article JSON, in its order, and `warc` (a page of an archive's, null
    # for the others) where an archive's page has it: after `items`
    with_warc = [*keys[:keys.index("items") + 1], "warc", *keys[keys.index("items") + 1:]]
    assert table.schema.names == with_warc
    removed = table.schema.field("removed").type
    assert pa.types.is_list(removed) and pa.types.is_struct(removed.value_type)
    row = table.slice(0, 1).to_pylist()[0]
    assert row["removed"] and set(row["removed"][0]) == {"line", "text", "reason", "rule"}
    assert row["warc"] is None
    from test_warc import common_crawl_like, write

    write(tmp_path / "a.warc.gz", common_crawl_like()[:3])
    for explain in (False, True):  # the schema follows the keys (a new key needs a column)
        art = json.loads(render_page(str(tmp_path / "a.warc.gz"), "json", explain=explain))
        assert ks.article_schema(explain).names == list(art)


def test_every_page_fine_exits_0_and_an_empty_source_makes_an_empty_corpus(client,
                                                                            tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(3):
        (pages / f"a{i}.txt").write_text(variant(PRINT_SEED, i), encoding="utf-8")
    summary = run_sharded(options(pages, tmp_path / "out"), client=client)
    assert (summary.cleaned, summary.failed) == (3, 0)
    assert not (tmp_path / "out" / "_errors").exists()
    (tmp_path / "none").mkdir()
    empty = run_sharded(options(tmp_path / "none", tmp_path / "out2"), client=client)
    assert empty.tasks == 0 and json.loads((tmp_path / "out2/_manifest.json").read_text())[
        "shards"] == []


def test_several_sources_globs_and_files(tree, client, tmp_path):
    dest = tmp_path / "out"
    summary = run_sharded(ShardOptions(
        sources=(str(tree / "d1"), str(tree / "*.txt"), str(tree / "d2" / "zipped.txt.gz")),
        dest=str(dest), block_size=100), client=client)
    sources = [json.loads(x)["source"] for x in union(dest).splitlines()]
    d1 = sorted(p.name for p in (tree / "d1").iterdir() if p.suffix == ".txt")
    top = sorted(p.name for p in tree.glob("*.txt") if p.name not in ("empty.txt", ".hidden.txt"))
    assert sources[:len(d1)] == [str(tree / "d1" / n) for n in d1]
    # then records.ndjson's two pages, named as their stage records name them
    assert sources[len(d1):len(d1) + 2] == [str(PRINT_SEED), str(FULLNAV_SEED)]
    assert sources[-1] == str(tree / "d2" / "zipped.txt.gz")
    assert [s for s in sources if os.path.dirname(s) == str(tree)] == \
        [str(tree / n) for n in top]
    assert summary.reasons == {"binary": 1, "empty": 1}


# -- failures inside a worker ------------------------------------------------------------

def test_a_page_that_hangs_hits_its_time_limit_in_the_worker(client, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(4):
        (pages / f"a{i}.txt").write_text(variant(PRINT_SEED, i), encoding="utf-8")
    fifo = tmp_path / "fifo.txt"  # opening it blocks for ever: no writer
    os.mkfifo(fifo)
    t0 = time.monotonic()
    summary = run_sharded(ShardOptions(sources=(str(pages), str(fifo)), dest=str(tmp_path / "o"),
                                       timeout=0.5), client=client)
    assert time.monotonic() - t0 < 20
    assert (summary.cleaned, summary.failed, dict(summary.reasons)) == (4, 1, {"timeout": 1})
    [err] = error_lines(tmp_path / "o")
    assert json.loads(err)["path"] == str(fifo) and "time limit" in json.loads(err)["error"]


def _child_that(action):
    """A child command that runs ``action`` on pages whose name has KILL in it."""
    code = ("import os, signal, sys, time\nimport kt_clean.engines.child as c\n"
            "real = c.clean_item\n"
            "def clean(cfg, source, *rest):\n"
            f"    if 'KILL' in source: {action}\n"
            "    return real(cfg, source, *rest)\n"
            "c.clean_item = clean\nsys.exit(c.main(sys.argv))\n")
    return (sys.executable, "-c", code)


def _pages_with_a_killer(tmp_path):
    pages = [str(tmp_path / f"p{i}.txt") for i in range(6)]
    for i, p in enumerate(pages):
        with open(p, "w", encoding="utf-8") as f:
            f.write(variant(PRINT_SEED, i))
    killer = str(tmp_path / "KILL.txt")
    shutil.copy(PRINT_SEED, killer)
    return [(p, p, None, None) for p in pages[:3]] + [(killer, killer, None, None)] + \
        [(p, p, None, None) for p in pages[3:]]


def test_a_page_that_kills_its_process_is_lost_and_the_others_go_on(tmp_path, monkeypatch):
    from kt_clean.engines.child import PageProcess
    from kt_clean.engines.pages import PageConfig

    # As the OOM killer would: the process cleaning the page vanishes without a word.
    monkeypatch.setattr(PageProcess, "COMMAND", _child_that("os.kill(os.getpid(), 9)"))
    items = _pages_with_a_killer(tmp_path)
    proc = PageProcess(PageConfig())
    outcomes = list(proc.clean(items))
    proc.close()
    assert [o.source for o in outcomes] == [i[0] for i in items]  # in order, none missing
    assert [o.reason for o in outcomes] == [None] * 3 + ["lost"] + [None] * 3
    assert proc.started == 3  # the first child, one to try the page again, one for the rest
    assert outcomes[4].output == clean_here(items[4])


def test_pages_go_several_to_a_message_in_order_and_a_death_mid_message_loses_one(
        tmp_path, monkeypatch):
    """Pages are sent several to a message (the worker's cost per page is what lets a
    second worker add a core's worth): the answers keep the items' order, outcomes known
    beforehand keep their places, and a child killed by a page in the middle of a message
    loses that page only; every other page's output is what cleaning it here gives."""
    from kt_clean.engines.child import AHEAD_PAGES, PageProcess
    from kt_clean.engines.pages import PageConfig, failure

    log = tmp_path / "messages.log"
    code = ("import os, sys\nimport kt_clean.engines.child as c\n"
            "from multiprocessing.connection import Connection\n"
            "real_recv, real = Connection.recv_bytes, c.clean_item\n"
            "def recv(self, *a):\n"
            "    data = real_recv(self, *a)\n"
            f"    with open({str(log)!r}, 'a') as f: f.write('m\\n')\n"
            "    return data\n"
            "def clean(cfg, source, *rest):\n"
            "    if 'KILL' in source: os.kill(os.getpid(), 9)\n"
            "    return real(cfg, source, *rest)\n"
            "Connection.recv_bytes = recv\nc.clean_item = clean\nsys.exit(c.main(sys.argv))\n")
    monkeypatch.setattr(PageProcess, "COMMAND", (sys.executable, "-c", code))
    pages = []
    for i in range(3 * AHEAD_PAGES):
        p = str(tmp_path / f"p{i:02d}.txt")
        with open(p, "w", encoding="utf-8") as f:
            f.write(variant(PRINT_SEED, i))
        pages.append((p, p, None, None))
    killer = str(tmp_path / "KILL.txt")
    shutil.copy(PRINT_SEED, killer)
    known = failure("bad.txt", "empty", "bad.txt: empty file")
    items = [*pages[:5], known, *pages[5:25], (killer, killer, None, None), *pages[25:30],
             known, *pages[30:]]
    proc = PageProcess(PageConfig())
    outcomes = list(proc.clean(items))
    proc.close()
    sources = [i.source if hasattr(i, "reason") else i[0] for i in items]
    assert [o.source for o in outcomes] == sources
    reasons = [o.reason for o in outcomes]
    assert reasons[5] == reasons[32] == "empty" and reasons[26] == "lost"
    assert reasons.count(None) == len(pages)
    assert proc.started == 3  # the first child, one to try the page again, one for the rest
    for item, outcome in zip(items, outcomes):
        if outcome.reason is None:
            assert outcome.output == clean_here(item)
    # one message per configuration, then pages in fewer messages than pages
    messages = log.read_text().count("m") - proc.started
    assert messages < (len(pages) + 2) / 2


def test_a_page_deaf_to_the_alarm_is_stopped_by_the_worker(tmp_path, monkeypatch):
    """A page stuck in a long C call cannot be interrupted by the alarm: the keeper kills
    its child after the grace period; the page is a timeout, never retried."""
    import kt_clean.engines.child as kc
    from kt_clean.engines.pages import PageConfig
    from kt_clean.limits import Limits

    monkeypatch.setattr(kc.PageProcess, "COMMAND", _child_that(
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM}); time.sleep(60)"))
    monkeypatch.setattr(kc, "grace", lambda limit: 1.0)  # instead of 5 s
    items = _pages_with_a_killer(tmp_path)
    proc = kc.PageProcess(PageConfig(limits=Limits(page_timeout=0.2)))
    t0 = time.monotonic()
    outcomes = list(proc.clean(items))
    proc.close()
    assert time.monotonic() - t0 < 15
    assert [o.reason for o in outcomes] == [None] * 3 + ["timeout"] + [None] * 3
    assert "the worker was stopped" in outcomes[3].error
    assert proc.started == 2  # killed once, never retried


def clean_here(item):
    from kt_clean.engines.pages import PageConfig, clean_item

    return clean_item(PageConfig(), *item).output


def test_a_task_that_cannot_write_lists_its_pages_and_the_next_run_redoes_it(client,
                                                                             tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(3):
        (pages / f"a{i}.txt").write_text(variant(PRINT_SEED, i), encoding="utf-8")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "_tasks").write_text("a file where the task records go")
    summary = run_sharded(ShardOptions(sources=(str(pages),), dest=str(dest), retries=0),
                          client=client)
    assert (summary.tasks_failed, summary.failed, dict(summary.reasons)) == (1, 3, {"write": 3})
    errors = [json.loads(x) for x in error_lines(dest)]
    assert len(errors) == 3 and all("its task (part-00000) failed: FileExistsError" in e["error"]
                                    for e in errors)
    assert not json.loads((dest / "_manifest.json").read_text())["complete"]
    (dest / "_tasks").unlink()
    again = run_sharded(ShardOptions(sources=(str(pages),), dest=str(dest)), client=client)
    assert (again.tasks_skipped, again.cleaned, again.failed) == (0, 3, 0)
    assert error_lines(dest) == []  # the errors of the task that now passed are gone


def test_progress_is_reported_while_tasks_run(tree, client, tmp_path):
    seen = []
    summary = run_sharded(options(tree, tmp_path / "o", block_size=100), client=client,
                          on_progress=lambda s, failures: seen.append((s.seen, len(failures))))
    assert seen and seen[-1][0] == summary.seen == summary.found
    assert sum(n for _, n in seen) == summary.failed  # each failure handed over once


# -- a worker killed mid-run --------------------------------------------------------------

@pytest.fixture(scope="module")
def html_tree(tmp_path_factory):
    """HTML pages (~50 ms each): a run long enough to kill a worker in the middle."""
    pages = tmp_path_factory.mktemp("html") / "pages"
    pages.mkdir()
    html = (ROOT / "tests/fixtures/html/article.html").read_text(encoding="utf-8")
    for i in range(120):
        (pages / f"h{i:03d}.html").write_text(html.replace("<body>", f"<body><p>Page {i}</p>", 1),
                                              encoding="utf-8")
    (pages / "zz-empty.html").write_bytes(b"")
    return pages


def test_a_worker_killed_mid_run_changes_no_byte_of_the_shards(html_tree, client, tmp_path):
    calm = tmp_path / "calm"
    run_sharded(options(html_tree, calm, block_size=10), client=client)
    expected = snapshot(calm)
    assert len([n for n in expected if n.startswith("part-")]) == 13

    dest = tmp_path / "killed"
    box = {}
    runner = threading.Thread(target=lambda: box.update(
        summary=run_sharded(options(html_tree, dest, block_size=10), client=client)))
    runner.start()
    deadline = time.monotonic() + 60
    while not list((dest / "_tasks").glob("*.json")) if (dest / "_tasks").exists() else True:
        assert time.monotonic() < deadline, "no task finished"
        time.sleep(0.02)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)  # a worker process, in the middle of its next task
    runner.join(timeout=120)
    assert not runner.is_alive()
    summary = box["summary"]
    assert summary.tasks_failed == 0 and summary.reasons == {"empty": 1}
    assert snapshot(dest) == expected  # every shard, error list and record, byte for byte
    assert json.loads((dest / "_manifest.json").read_text()) == \
        json.loads((calm / "_manifest.json").read_text())
    client.wait_for_workers(2, timeout=60)  # the nanny started a new one


# -- the command line ----------------------------------------------------------------------

def test_the_command_runs_on_its_own_local_cluster(tree, local_run, tmp_path):
    dest = tmp_path / "out"
    report = tmp_path / "report.json"
    cmd = [*CLI, "batch", str(tree), "-o", str(dest), "-r", "--engine", "dask", "--jobs", "2",
           "--block-size", "25", "--report", str(report)]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("kt-clean: error: ")]
    assert len(errors) == 3 and all(str(tree) in e for e in errors)
    assert union(dest) == local_run[0]
    data = json.loads(report.read_text())
    assert (data["engine"], data["jobs"], data["tasks"], data["failed"]) == ("dask", 2, 3, 3)
    again = subprocess.run([*cmd, "-q"], capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert again.returncode == 1  # the failed pages are still failed
    assert json.loads(report.read_text())["tasks_skipped"] == 3
    assert "failed in tasks an earlier run finished" in again.stderr


def test_ctrl_c_stops_the_command_without_a_traceback_and_a_rerun_finishes(html_tree,
                                                                          tmp_path):
    dest = tmp_path / "out"
    cmd = [*CLI, "batch", str(html_tree), "-o", str(dest), "--engine", "dask", "--jobs", "2",
           "--block-size", "10"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(dest.glob("_tasks/*.json")):
        assert time.monotonic() < deadline and proc.poll() is None, "no task finished"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: to the command and its workers
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "Traceback" not in err.decode() and "interrupted" in err.decode()
    assert not (dest / "_manifest.json").exists()
    done = len(list(dest.glob("_tasks/*.json")))
    again = subprocess.run([*cmd, "-q", "--report", str(tmp_path / "r.json")], cwd=ROOT,
                           capture_output=True, text=True, timeout=180)
    assert again.returncode == 1 and "Traceback" not in again.stderr  # zz-empty.html fails
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["tasks_skipped"] >= done and report["cleaned"] + report["skipped"] == 120
    assert json.loads((dest / "_manifest.json").read_text())["complete"]


def test_usage_errors_before_any_work(tree, tmp_path):
    from typer.testing import CliRunner

    from kt_clean.cli import app

    runner = CliRunner()
    out = str(tmp_path / "out")
    cases = [
        (["batch", str(tree), "--ndjson", "-", "--engine", "dask"], "--ndjson"),
        (["batch", str(tree), "-o", out, "--engine", "dask", "-f", "text"], "--format"),
        (["batch", str(tree), str(tree), "-o", out], "--engine dask"),
        (["batch", "s3://bucket/pages/", "-o", out], "--engine dask"),
        (["batch", str(tree), "-o", out, "--shard-format", "parquet"], "--engine dask"),
        (["batch", str(tree), "-o", out, "--engine", "dask", "--storage-option", "novalue"],
         "KEY=VALUE"),
        (["batch", str(tree), "-o", out, "--scheduler", "tcp://127.0.0.1:1", "--jobs", "2"],
         "--jobs"),
        (["batch", str(tmp_path / "nope"), "-o", out, "--engine", "dask"], "no such file"),
        (["batch", str(tree), "-o", str(tree.parent), "--engine", "dask"], "must not be"),
        (["batch", str(tree), "-o", out, "--engine", "dask", "--shard-format", "csv"],
         "--shard-format"),
        (["batch", str(tree), "-o", out, "--engine", "dask", "--per-archive"],
         "a shard of its own"),
    ]
    for args, problem in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("kt-clean: error: ") and problem in result.stderr, args
        assert "Traceback" not in result.output
    assert not os.path.exists(out) or not os.listdir(out)


def test_a_scheduler_that_does_not_answer_is_a_usage_error(tree, tmp_path, monkeypatch):
    import socket

    from typer.testing import CliRunner

    import kt_clean.engines.dask as kd
    from kt_clean.cli import app

    monkeypatch.setattr(kd, "CONNECT_TIMEOUT", "2s")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(app, ["batch", str(tree), "-o", str(tmp_path / "out"),
                                      "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"kt-clean: error: --scheduler tcp://127.0.0.1:{port}: "
                                    "cannot connect")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_the_local_engine_imports_no_dask(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_bytes(PRINT_SEED.read_bytes())
    code = ("import sys\nfrom kt_clean.cli import main\nsys.argv = ['kt-clean', 'batch', "
            f"{str(pages)!r}, '-o', {str(tmp_path / 'out')!r}, '-q']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', "
            "'fsspec', 'pyarrow', 's3fs', 'zstandard') or m.startswith(('kt_clean.engines.dask', "
            "'kt_clean.engines.shards', 'kt_clean.engines.storage', 'kt_clean.engines.child', "
            "'kt_clean.cli.shards'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip() == "[]", run.stdout + run.stderr
    assert (tmp_path / "out" / "a.json").exists()


# -- object storage through a real S3 endpoint on 127.0.0.1 ------------------------------

SECRET = "kt-clean-test-secret-0123456789"


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on 127.0.0.1 (a thread of this process), reached over HTTP by the
    test and by the workers; the options give its address and credentials."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    opts = {"endpoint_url": f"http://{host}:{port}", "key": "kt-clean-test-key",
            "secret": SECRET, "client_kwargs": {"region_name": "eu-west-1"}}
    yield opts
    server.stop()


def s3fs_of(opts):
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, **opts)


def test_pages_from_one_bucket_shards_into_another_and_resume(tree, client, s3, tmp_path,
                                                             capsys):
    from typer.testing import CliRunner

    from kt_clean.cli import app

    fs = s3fs_of(s3)
    fs.mkdir("raw")
    fs.mkdir("corpus")
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            fs.pipe_file(f"raw/pages/{path.relative_to(tree)}", path.read_bytes())
    local = tmp_path / "local"
    run_sharded(options(tree, local), client=client)

    full = run_sharded(ShardOptions(sources=("s3://raw/pages/",), dest="s3://corpus/full/",
                                    recursive=True, block_size=7, storage_options=s3),
                       client=client)
    names = sorted(fs.ls("corpus/full"))
    shards = [n for n in names if n.rsplit("/", 1)[-1].startswith("part-")]
    assert len(shards) == full.tasks == len(shard_files(local))
    remote_records = [r for n in shards for r in ks.decode_shard(fs.cat_file(n), "ndjson.gz")]
    local_records = [json.loads(x) for x in union(local).splitlines()]
    # the same records; each page named by its URL instead of its path
    for rec in local_records:
        if rec["source"].startswith(str(tree)):
            rec["source"] = "s3://raw/pages" + rec["source"][len(str(tree)):]
    assert remote_records == local_records
    assert full.reasons == {"binary": 1, "empty": 1, "undecodable": 1}
    manifest = fs.cat_file("corpus/full/_manifest.json").decode()
    assert json.loads(manifest)["inputs"]["sources"] == ["s3://raw/pages/"]

    # An interrupted run (as Ctrl-C in the command), then the command to finish it.
    def interrupt(summary, failures):
        if summary.seen:
            raise KeyboardInterrupt

    part = run_sharded(ShardOptions(sources=("s3://raw/pages/",), dest="s3://corpus/again/",
                                    recursive=True, block_size=7, storage_options=s3),
                       client=client, on_progress=interrupt)
    assert part.interrupted and not fs.exists("corpus/again/_manifest.json")
    time.sleep(1)  # let tasks that were running when it stopped end
    args = ["batch", "s3://raw/pages/", "-o", "s3://corpus/again/", "-r", "--block-size", "7",
            "--scheduler", client.scheduler.address, "--report", str(tmp_path / "r.json"),
            *[f"--storage-option={k}={v}" for k, v in
              (("endpoint_url", s3["endpoint_url"]), ("key", s3["key"]), ("secret", SECRET),
               ("client_kwargs.region_name", "eu-west-1"))]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["tasks"] == full.tasks and report["failed"] == 3
    fs.invalidate_cache()
    for name in shards:
        again = name.replace("corpus/full/", "corpus/again/")
        assert fs.cat_file(again) == fs.cat_file(name), again  # the same bytes
    # the same manifest, however many runs it took: no time stamp in it
    assert fs.cat_file("corpus/again/_manifest.json").decode() == manifest
    # The secret reached the workers, never an output, a message or the report.
    everything = result.output + capsys.readouterr().err + manifest + \
        (tmp_path / "r.json").read_text()
    everything += "".join(fs.cat_file(n).decode("latin-1") for n in fs.find("corpus"))
    assert SECRET not in everything and s3["key"] not in everything


def test_a_missing_bucket_and_a_missing_library_are_one_line(client, s3, tmp_path):
    from kt_clean.errors import BatchError

    with pytest.raises(BatchError, match=r"^s3://no-such-bucket/x/: no such file or folder$"):
        run_sharded(ShardOptions(sources=("s3://no-such-bucket/x/",), dest=str(tmp_path / "o"),
                                 storage_options=s3), client=client)
    with pytest.raises(BatchError, match=r"^nosuchproto://a/b: .*"):
        run_sharded(ShardOptions(sources=("nosuchproto://a/b",), dest=str(tmp_path / "o")),
                    client=client)


def test_an_archive_kind_plugs_in_as_one_task_per_archive(tmp_path, monkeypatch):
    """The hook WARC input uses: a kind claimed by name, a reader of its pages (with
    their addresses); each archive is one task, one shard. Run in this process, as any
    engine's worker would run a task."""
    from kt_clean.engines import storage
    from kt_clean.engines.pages import PageConfig

    url = "https://www.koreatimes.co.kr/www2/common/morelist.asp?id=hkang"

    def read_pagelist(units, cfg):
        for u in units:
            with open(u.source, "rb") as f:
                for i, part in enumerate(f.read().split(b"\f\n")):
                    yield (f"{u.source}#{i}", None, part, f"{url}&n={i}")

    monkeypatch.setitem(storage.UNIT_KINDS, "pagelist", lambda name: name.endswith(".pages"))
    monkeypatch.setitem(ks.READERS, "pagelist", read_pagelist)
    pages = tmp_path / "in"
    pages.mkdir()
    for name in ("a.txt", "b.txt", "d.txt"):
        (pages / name).write_text(variant(PRINT_SEED, ord(name[0])), encoding="utf-8")
    listing = (PAGES / "kt-reporter-morelist.txt").read_bytes()
    (pages / "c.pages").write_bytes(b"\f\n".join([listing, listing, b""]))
    units = storage.list_units([str(pages)])
    assert [(os.path.basename(u.source), u.kind) for u in units] == [
        ("a.txt", "file"), ("b.txt", "file"), ("c.pages", "pagelist"), ("d.txt", "file")]
    cfg = ks.TaskConfig(storage.Destination(str(tmp_path / "out")), "ndjson", PageConfig())
    tasks = ks.plan(units, 5, cfg)
    assert [[os.path.basename(u.source) for u in t.units] for t in tasks] == [
        ["a.txt", "b.txt"], ["c.pages"], ["d.txt"]]
    result = ks.run_task(tasks[1], cfg)
    assert (result.pages, result.cleaned, result.reasons) == (3, 2, {"empty": 1})
    records = ks.decode_shard((tmp_path / "out" / "part-00001.ndjson").read_bytes(), "ndjson")
    assert [r["source"] for r in records] == [f"{pages}/c.pages#0", f"{pages}/c.pages#1"]
    assert [r["url"] for r in records] == [f"{url}&n=0", f"{url}&n=1"]
    assert {r["page_type"] for r in records} == {"list"}  # the address told the page type
    [error] = error_lines(tmp_path / "out")
    assert json.loads(error)["path"] == f"{pages}/c.pages#2"


# -- WARC archives --------------------------------------------------------------------------

MAX = 100_000  # --max-bytes of the archive runs: the big page fails, the others pass


def warc_records():
    """Common Crawl's kinds of record (test_warc's), and pages that fail alone: binary, over
    --max-bytes once decoded, a record too large to be read at all; and a page whose
    charset only its HTTP header gives."""
    from test_warc import common_crawl_like, http, record

    korean = ("<html><body><h1>한국 뉴스</h1>" + "<p>서울 시민들이 한강 공원에서 봄을 즐기고 "
              "있다.</p>" * 10 + "</body></html>").encode("euc-kr")
    records = common_crawl_like()
    records[3:3] = [
        record("response", "https://example.com/binary", http(
            "200 OK", b"\x00\x01\x02" * 400, ("Content-Type", "text/plain"))),
        record("response", "https://example.com/big", http(
            "200 OK", b"<html><body>" + b"<p>word</p>" * 20_000 + b"</body></html>",
            ("Content-Type", "text/html"))),
        record("response", "https://example.com/huge", http(
            "200 OK", b"<html><body>" + bytes(range(48, 58)) * 40_000 + b"</body></html>",
            ("Content-Type", "text/html"))),
        record("response", "https://ko.example/a", http(
            "200 OK", korean, ("Content-Type", "text/html; charset=euc-kr"))),
    ]
    return records


def make_warc_tree(root):
    """Archives among pages, as `kt-clean fetch -o DIR` and a crawl leave them: gzipped one
    record per member, plain, gzipped as a whole, cut short; fetch's lists beside them."""
    from test_warc import write

    pages = root / "warc"
    crawl = pages / "crawl"
    crawl.mkdir(parents=True)
    (pages / "a.txt").write_text(variant(PRINT_SEED, 1), encoding="utf-8")
    records = warc_records()
    write(crawl / "cc.warc.gz", records)
    data = b"".join(gzip.compress(r) for r in records)
    (crawl / "cut.warc.gz").write_bytes(data[:-300])  # inside its last record
    (crawl / "m.html").write_bytes((ROOT / "tests/fixtures/html/article.html").read_bytes())
    write(crawl / "plain.warc", records[:6], compress=False)
    write(crawl / "whole.warc.gz", records[:6], member_per_record=False)
    (crawl / "z.txt").write_text(variant(FULLNAV_SEED, 2), encoding="utf-8")
    line = '{"url": "https://example.com/x", "reason": "http", "error": "HTTP 404"}\n'
    for name in ("_errors.ndjson", "_skipped.ndjson", "cc.errors.ndjson"):
        (crawl / name).write_text(line)  # fetch's lists: never pages
    return pages


@pytest.fixture(scope="module")
def warc_tree(tmp_path_factory):
    return make_warc_tree(tmp_path_factory.mktemp("warc"))


@pytest.fixture(scope="module")
def warc_local(warc_tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("warc-local") / "articles.ndjson"
    summary = kb.run_batch(kb.BatchOptions(str(warc_tree), ndjson=str(out), jobs=1,
                                           recursive=True, max_bytes=MAX))
    errors = out.parent / "articles.errors.ndjson"
    return out.read_bytes(), errors.read_text().splitlines(), summary


def test_warc_archives_shard_record_for_record_as_the_local_batch_writes_them(
        warc_tree, warc_local, client, tmp_path):
    from kt_clean.inputs.warc import read_warc

    local_ndjson, local_errors, local = warc_local
    dest = tmp_path / "shards"
    summary = run_sharded(options(warc_tree, dest, block_size=2, max_bytes=MAX), client=client)
    # Records of several archives come in the order the folder is walked, each archive's
    # in record order: the shards, read in order, are the local --ndjson stream.
    assert union(dest) == local_ndjson
    assert error_lines(dest) == sorted(local_errors)
    crawl = warc_tree / "crawl"
    # one task per archive; the files between archives in blocks of their own
    plan = [["a.txt"], ["cc.warc.gz"], ["cut.warc.gz"], ["m.html"], ["plain.warc"],
            ["whole.warc.gz"], ["z.txt"]]
    assert summary.tasks == len(plan) and summary.archives == 4
    records = [rec for p in shard_files(dest) for rec in
               ks.decode_shard(p.read_bytes(), "ndjson.gz")]
    cc = [r for r in records if r.get("warc", {}).get("archive") == str(crawl / "cc.warc.gz")]
    pages = [p for p in read_warc(crawl / "cc.warc.gz", max_bytes=MAX, on_error=print)
             if not p.url.endswith(("/binary", "/big"))]
    assert [(r["source"], r["url"], r["warc"]["offset"], r["warc"]["record_id"])
            for r in cc] == [(p.url, p.url, p.offset, p.record_id) for p in pages]
    korean = next(r for r in cc if r["url"] == "https://ko.example/a")
    assert korean["encoding"] == "cp949" and "서울 시민들이" in korean["body"]  # the HTTP charset
    cut = [json.loads(x) for x in error_lines(dest) if "cut.warc.gz" in x]
    shard_of_cut = ks.decode_shard((dest / "part-00002.ndjson.gz").read_bytes(), "ndjson.gz")
    assert len(shard_of_cut) == len(cc) - 1  # its whole pages (the last one is cut) ...
    errors = [json.loads(x) for x in (dest / "_errors/part-00002.ndjson").read_text().splitlines()]
    assert [e["reason"] for e in errors] == ["binary", "too-large", "too-large", "undecodable"]
    assert errors[-1]["error"].startswith(f"{crawl / 'cut.warc.gz'}: the archive ends inside")
    assert {e["path"] for e in cut} == {str(crawl / "cut.warc.gz")}  # ... then one error
    assert "record too large" in errors[2]["error"] and "page too large" in errors[1]["error"]
    for name in ("failed", "reasons", "layouts", "page_types", "chars_kept", "chars_removed"):
        assert getattr(summary, name) == getattr(local, name), name
    # The local engine counts an archive gzipped as a whole (it cannot be seeked to) as one
    # page; here each of its pages counts.
    whole = len(list(read_warc(crawl / "whole.warc.gz")))  # 4 pages, 1 cleaned, 3 failed
    assert summary.found == summary.seen == local.found + whole - 1
    assert summary.cleaned == local.cleaned - 1 + 1
    manifest = json.loads((dest / "_manifest.json").read_text())
    assert manifest["inputs"]["pages"] == summary.found and manifest["complete"]


def test_an_archive_is_redone_when_it_changes_and_skipped_when_not(warc_tree, client,
                                                                 tmp_path):
    from test_warc import http, record

    pages = tmp_path / "warc"
    shutil.copytree(warc_tree, pages)
    dest = tmp_path / "shards"
    first = run_sharded(options(pages, dest, max_bytes=MAX), client=client)
    before = snapshot(dest)
    again = run_sharded(options(pages, dest, max_bytes=MAX), client=client)
    assert again.tasks_skipped == again.tasks == first.tasks
    assert (again.found, again.skipped, again.cleaned) == (first.found, first.cleaned, 0)
    assert snapshot(dest) == before
    with open(pages / "crawl" / "plain.warc", "ab") as f:  # a resumed crawl adds a record
        f.write(record("response", "https://example.com/new", http(
            "200 OK", PRINT_SEED.read_bytes(), ("Content-Type", "text/plain"))))
    grown = run_sharded(options(pages, dest, max_bytes=MAX), client=client)
    assert grown.tasks_skipped == grown.tasks - 1  # the archive's size is in its task's key
    assert grown.cleaned == 2 and grown.found == first.found + 1  # its old page and the new
    changed = {n for n, data in snapshot(dest).items() if before.get(n) != data}
    # a.txt, cc, cut, m.html, plain.warc: task 4
    assert changed == {"part-00004.ndjson.gz", "_tasks/part-00004.json"}
    os.utime(pages / "crawl" / "cc.warc.gz", ns=(1, 1))  # the same size, another version
    touched = run_sharded(options(pages, dest, max_bytes=MAX), client=client)
    assert touched.tasks_skipped == touched.tasks - 1


def test_archives_in_a_bucket_are_read_on_the_workers(warc_tree, warc_local, client, s3,
                                                      tmp_path):
    """The archives (and pages) in s3://, through moto's server: the same records as the
    local engine's, each archive named by its URL; fetch's lists beside them are no
    pages; the command says what failed and exits 1."""
    from typer.testing import CliRunner

    from kt_clean.cli import app

    fs = s3fs_of(s3)
    fs.mkdir("crawls")
    for path in sorted(warc_tree.rglob("*")):
        if path.is_file():
            fs.pipe_file(f"crawls/kt/{path.relative_to(warc_tree)}", path.read_bytes())
    dest = tmp_path / "out"
    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, [
        "batch", "s3://crawls/kt/", "-o", str(dest), "-r", "--block-size", "2",
        "--max-bytes", str(MAX), "--scheduler", client.scheduler.address, "-q",
        "--report", str(report),
        *[f"--storage-option={k}={v}" for k, v in
          (("endpoint_url", s3["endpoint_url"]), ("key", s3["key"]), ("secret", SECRET),
           ("client_kwargs.region_name", "eu-west-1"))]])
    assert result.exit_code == 1, result.output
    local_ndjson, local_errors, _ = warc_local
    here, there = str(warc_tree), "s3://crawls/kt"
    assert union(dest) == local_ndjson.replace(here.encode(), there.encode())
    assert error_lines(dest) == sorted(x.replace(here, there) for x in local_errors)
    printed = [line for line in result.stderr.splitlines() if line.startswith("kt-clean: error: ")]
    assert len(printed) == len(local_errors)
    assert all(there + "/crawl/" in line for line in printed)
    data = json.loads(report.read_text())
    assert (data["archives"], data["tasks"], data["pages_found"]) == (
        4, 7, data["pages_seen"])
    assert SECRET not in result.output + report.read_text()


def test_an_archive_is_streamed_never_held_whole(tmp_path):
    """The reader of a task keeps one record at a time (and its read-ahead block): over a
    12 MB archive on fsspec's memory:// store, the task's reader allocates a few MB."""
    import random
    import tracemalloc

    import fsspec
    from test_warc import http, record

    from kt_clean.engines.pages import PageConfig
    from kt_clean.engines.storage import Destination, list_units

    fs = fsspec.filesystem("memory")
    rng = random.Random(15)
    n = 360
    with fs.open("/kt-stream/a.warc.gz", "wb") as f:
        for i in range(n):
            body = b"<html><body><p>" + rng.randbytes(30_000).hex().encode() + b"</p></body></html>"
            f.write(gzip.compress(record("response", f"https://example.com/{i}", http(
                "200 OK", body, ("Content-Type", "text/html"))), compresslevel=1))
    try:
        [unit] = list_units(["memory://kt-stream/"])
        assert unit.kind == "warc" and unit.size > 12_000_000
        cfg = ks.TaskConfig(Destination(str(tmp_path)), "ndjson", PageConfig())
        tracemalloc.start()
        urls = [item[4].url for item in ks.READERS["warc"]([unit], cfg)]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        fs.rm("/kt-stream", recursive=True)
    assert urls == [f"https://example.com/{i}" for i in range(n)]
    assert peak < unit.size / 2, peak  # 3.4 MB here: a read block and a record or two


def test_the_progress_total_counts_archives_not_read_yet_by_their_size():
    from kt_clean.engines.dask import ShardSummary
    from kt_clean.engines.shards import Task, TaskResult
    from kt_clean.engines.storage import Unit

    summary = ShardSummary(found=10)
    assert summary.total_now() == 10  # files only: known
    summary.archives, summary.archive_bytes = 3, 3_000_000
    assert summary.total_now() is None  # no archive read yet: no guess
    archive = Task(1, (Unit("a.warc.gz", size=1_000_000, kind="warc"),), "k")
    summary.count_archive(archive, TaskResult(1, "k", "part-00001.ndjson.gz", pages=400))
    assert summary.found == 410 and summary.total_now() == 410 + 800
    files = Task(0, (Unit("x.txt", size=5),), "k")
    summary.count_archive(files, TaskResult(0, "k", "part-00000.ndjson.gz", pages=10))
    assert summary.found == 410  # files were found when listed
    for i in (2, 3):
        archive = Task(i, (Unit(f"{i}.warc.gz", size=1_000_000, kind="warc"),), "k")
        summary.count_archive(archive, TaskResult(i, "k", "p", pages=300))
    assert summary.total_now() == summary.found == 1010  # all read: no guess left
    unsized = ShardSummary(found=4, archives=1)  # a size no listing gave
    assert unsized.total_now() is None


# -- shards written as their pages come -----------------------------------------------------

def test_a_shard_is_encoded_as_its_pages_come_in_bounded_memory(tmp_path, monkeypatch):
    """A task of an archive of 40,000 pages must not hold its shard: each format is
    encoded on the way into its part (Parquet a row group at a time, zstd through a spool
    on disk), so writing 12 MB of lines allocates a few MB; the bytes are those of
    `encode_shard` (what a re-run writes); what the whole-shard writer gave: the same bytes
    for gzip, one zstd frame of the same lines, for Parquet the same table in row
    groups."""
    import hashlib
    import random
    import tracemalloc
    import zlib

    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    from conftest import render_page
    from kt_clean.engines import storage
    from kt_clean.engines.storage import Destination

    monkeypatch.setattr(storage, "SPOOL_BYTES", 1 << 20)
    monkeypatch.setattr(ks, "PARQUET_ROWS", 100)
    art = json.loads(render_page(str(FULLNAV_SEED), "json"))
    rng = random.Random(15)
    records = [{**art, "title": f"Page {i}", "body": rng.randbytes(6_000).hex()}
               for i in range(1_000)]
    lines = [(json.dumps(r, ensure_ascii=False) + "\n").encode() for r in records]
    assert sum(map(len, lines)) > 12_000_000
    for fmt in ks.SHARD_FORMATS:
        dest = Destination(str(tmp_path / fmt.replace(".", "-")))
        part = dest.part(ks.shard_name(0, fmt))
        writer = ks.ShardWriter(fmt, False, part)
        tracemalloc.start()
        for line in lines:
            writer.add(line)
        size, sha = writer.finish()
        part.commit()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < (5_000_000 if fmt == "parquet" else 3_000_000), (fmt, peak)
        data = (tmp_path / fmt.replace(".", "-") / ks.shard_name(0, fmt)).read_bytes()
        assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
        assert data == ks.encode_shard(lines, fmt, False), fmt  # what a re-run writes
        assert ks.decode_shard(data, fmt) == records, fmt
        assert writer.records == len(records)
        # the bytes (for Parquet, the table) the whole-shard writer gave for these lines
        raw = b"".join(lines)
        if fmt == "ndjson":
            assert data == raw
        elif fmt == "ndjson.gz":  # gzip.compress(raw, 6, mtime=0) on Python 3.11
            assert data == zlib.compress(raw, 6, wbits=31)
        elif fmt == "ndjson.zst":  # one frame that states its size, as compress(raw) gave
            assert zstandard.frame_content_size(data) == len(raw)
            assert zstandard.ZstdDecompressor().decompress(data) == raw
        else:
            written = pq.ParquetFile(pa.BufferReader(data))
            assert written.metadata.num_row_groups == 10  # of PARQUET_ROWS each
            assert written.read().equals(pa.Table.from_pylist(records,
                                                              schema=ks.article_schema(False)))
    assert not list(tmp_path.rglob(".kt-clean-*"))  # no temporary file left


def test_a_part_in_a_store_appears_whole_on_commit_and_never_on_abort(monkeypatch):
    import fsspec

    from kt_clean.engines import storage
    from kt_clean.engines.storage import Destination

    monkeypatch.setattr(storage, "SPOOL_BYTES", 1_000)
    fs = fsspec.filesystem("memory")
    dest = Destination("memory://kt-parts/out")
    try:
        for size in (500, 5_000):  # in memory; spooled to a temporary file
            part = dest.part(f"small-{size}" if size < 1_000 else f"big-{size}")
            part.write(b"x" * (size // 2))
            part.write(b"y" * (size - size // 2))
            spooled = part._spool.path
            assert (spooled is not None) == (size > 1_000)
            assert not fs.exists(f"/kt-parts/out/{part.name}")  # nothing until committed
            part.commit()
            assert fs.cat_file(f"/kt-parts/out/{part.name}") == b"x" * (size // 2) + \
                b"y" * (size - size // 2)
            assert spooled is None or not os.path.exists(spooled)
        dropped = dest.part("dropped")
        dropped.write(b"z" * 5_000)
        spooled = dropped._spool.path
        dropped.abort()
        assert not fs.exists("/kt-parts/out/dropped") and not os.path.exists(spooled)
    finally:
        fs.rm("/kt-parts", recursive=True)


def test_archives_over_http_are_streamed_from_the_server(warc_tree, client, tmp_path):
    """An archive given by its http(s):// URL (Common Crawl serves its files so) is read in
    one streamed GET by the worker: the same records as from the file."""
    pytest.importorskip("aiohttp")
    import functools
    import http.server

    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append((self.command, self.path, self.headers.get("Range")))

    handler = functools.partial(Handler, directory=str(warc_tree))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        names = ("crawl/cc.warc.gz", "crawl/cut.warc.gz")
        web = run_sharded(ShardOptions(sources=tuple(f"{base}/{n}" for n in names),
                                       dest=str(tmp_path / "web"), max_bytes=MAX),
                          client=client)
    finally:
        server.shutdown()
        server.server_close()
    disk = run_sharded(ShardOptions(sources=tuple(str(warc_tree / n) for n in names),
                                    dest=str(tmp_path / "disk"), max_bytes=MAX), client=client)
    assert web.tasks == disk.tasks == 2 and web.found == disk.found > 10
    gets = sorted((path, rng) for command, path, rng in requests if command == "GET")
    assert gets == [(f"/{n}", None) for n in names]  # one whole GET each, no range reads
    here, there = str(warc_tree).encode(), base.encode()
    assert union(tmp_path / "web") == union(tmp_path / "disk").replace(here, there)
    assert error_lines(tmp_path / "web") == [
        x.replace(str(warc_tree), base) for x in error_lines(tmp_path / "disk")]


def _failing_task(tmp_path, n=6):
    """A task of ``n`` pages, and its pages' folder."""
    from kt_clean.engines.storage import list_units

    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(n):
        (pages / f"p{i}.txt").write_text(variant(PRINT_SEED, i), encoding="utf-8")
    units = list_units([str(pages)])
    return ks.Task(0, tuple(units), "key")


@pytest.mark.parametrize("where", ["folder", "store"])
def test_a_task_that_fails_midway_leaves_no_shard_and_no_temporary_file(tmp_path, monkeypatch,
                                                                        where):
    """The shard is written as the pages come, so a task that fails after some of them
    (here the writer, on the fourth page; a Parquet row group and a spool on disk already
    written) must leave nothing: no shard, no task record, no temporary file beside the
    shards or in TMPDIR; and the next run writes the shard whole."""
    import tempfile

    import fsspec

    from kt_clean.engines import storage
    from kt_clean.engines.pages import PageConfig

    spool_dir = tmp_path / "tmpdir"
    spool_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    monkeypatch.setattr(storage, "SPOOL_BYTES", 2_000)  # the spool moves to a file at once
    monkeypatch.setattr(ks, "PARQUET_ROWS", 2)
    task = _failing_task(tmp_path)
    fs = fsspec.filesystem("memory")
    real_add = ks.ShardWriter.add
    try:
        for fmt in ("ndjson.gz", "ndjson.zst", "parquet"):
            out = tmp_path / fmt
            location = str(out) if where == "folder" else f"memory://kt-fail/{fmt}"
            cfg = ks.TaskConfig(storage.Destination(location), fmt, PageConfig())
            cfg.dest.prepare()
            def add(self, lines, added=[]):  # noqa: B006 (a new list for each format)
                if len(added) == 3:
                    raise OSError(28, "No space left on device")
                added.append(lines)
                real_add(self, lines)

            monkeypatch.setattr(ks.ShardWriter, "add", add)
            with pytest.raises(OSError, match="No space left"):
                ks.run_task(task, cfg)
            if where == "folder":
                left = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
            else:
                left = sorted(fs.find(f"/kt-fail/{fmt}"))
            assert left == [], (fmt, left)
            assert list(spool_dir.iterdir()) == [], fmt  # the spool's file is gone too
            monkeypatch.setattr(ks.ShardWriter, "add", real_add)
            result = ks.run_task(task, cfg)
            name = ks.shard_name(0, fmt)
            data = ((out / name).read_bytes() if where == "folder"
                    else fs.cat_file(f"/kt-fail/{fmt}/{name}"))
            assert result.records == len(task.units) == len(ks.decode_shard(data, fmt))
            assert list(spool_dir.iterdir()) == []
    finally:
        if fs.exists("/kt-fail"):
            fs.rm("/kt-fail", recursive=True)


def test_a_shard_that_cannot_be_renamed_into_place_leaves_no_temporary_file(tmp_path):
    """The last step of a shard on a file system is its rename: when it fails (a folder
    where the shard goes), the task raises and its temporary file is removed."""
    from kt_clean.engines.pages import PageConfig
    from kt_clean.engines.storage import Destination

    task = _failing_task(tmp_path, n=2)
    cfg = ks.TaskConfig(Destination(str(tmp_path / "out")), "ndjson.gz", PageConfig())
    (tmp_path / "out" / "part-00000.ndjson.gz").mkdir(parents=True)
    with pytest.raises(IsADirectoryError):
        ks.run_task(task, cfg)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-00000.ndjson.gz"]
    assert not (tmp_path / "out" / "_tasks").exists()  # no record: the next run redoes it


def test_parquet_shards_of_archives_have_the_warc_column(warc_tree, warc_local, client,
                                                         tmp_path):
    """A page read from an archive has the `warc` key; in Parquet it is a struct column,
    null for the pages that are files: the rows are the local batch's records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    dest = tmp_path / "pq"
    summary = run_sharded(options(warc_tree, dest, block_size=2, max_bytes=MAX,
                                  shard_format="parquet"), client=client)
    assert summary.tasks == 7
    expected = [json.loads(line) for line in warc_local[0].splitlines()]
    got = [rec for p in shard_files(dest, "parquet") for rec in
           ks.decode_shard(p.read_bytes(), "parquet")]
    assert got == expected
    assert sum("warc" in r for r in got) > 10 and any("warc" not in r for r in got)
    table = pa.concat_tables(pq.read_table(p) for p in shard_files(dest, "parquet"))
    warc = table.schema.field("warc").type
    assert pa.types.is_struct(warc) and warc.field("offset").type == pa.int64()
    rows = table.column("warc").to_pylist()
    assert [r is None for r in rows] == ["warc" not in r for r in expected]
    first = next(r for r in expected if "warc" in r)
    assert rows[expected.index(first)] == first["warc"]


def test_a_large_shard_goes_to_s3_as_a_multipart_upload_in_bounded_parts(s3, monkeypatch):
    """A shard past the spool's memory is uploaded from its file in parts (of 8 MB; s3fs
    would read a file under 100 MB whole into memory), as one multipart upload: the
    object appears whole on commit (its ETag says how many parts made it), never before."""
    import random

    from kt_clean.engines import storage
    from kt_clean.engines.storage import Destination

    monkeypatch.setattr(storage, "SPOOL_BYTES", 1 << 20)
    monkeypatch.setattr(storage, "UPLOAD_PART", 5 << 20)  # S3's least part
    fs = s3fs_of(s3)
    fs.mkdir("parts")
    dest = Destination("s3://parts/out", s3)
    part = dest.part("part-00000.ndjson")
    data = random.Random(15).randbytes(12 * 1024 * 1024)
    for i in range(0, len(data), 1 << 16):
        part.write(data[i:i + (1 << 16)])
    spooled = part._spool.path
    assert spooled is not None and not fs.exists("parts/out/part-00000.ndjson")
    part.commit()
    fs.invalidate_cache()
    assert fs.cat_file("parts/out/part-00000.ndjson") == data
    # 5 + 5 + 2 MB (s3fs alone would have read the 12 MB whole and sent one request)
    assert fs.info("parts/out/part-00000.ndjson")["ETag"].strip('"').endswith("-3")
    assert not os.path.exists(spooled)


def test_a_key_with_no_parquet_column_fails_the_shard_in_any_row():
    """pyarrow drops a key the schema lacks: a key added to the article JSON without its
    column must fail the Parquet shard (and the test above), whichever row has it first."""
    from conftest import render_page

    art = json.loads(render_page(str(FULLNAV_SEED), "json"))
    lines = [(json.dumps(rec) + "\n").encode() for rec in (art, {**art, "new_key": 1})]
    assert ks.decode_shard(ks.encode_shard(lines[:1], "parquet", False), "parquet") == [art]
    with pytest.raises(RuntimeError, match="no column for \\['new_key'\\]"):
        ks.encode_shard(lines, "parquet", False)
