"""docs/article.schema.json: made from the model (kt_clean.schema) with the descriptions of
docs/formats.md, and every record kt-clean writes for the test pages is valid under it."""

import json
import os
import re

import pytest
from jsonschema import Draft202012Validator

import kt_clean
from conftest import PAGES, ROOT
from kt_clean.schema import article_schema

SCHEMA_FILE = ROOT / "docs" / "article.schema.json"
HTML = ROOT / "tests" / "fixtures" / "html"


def formats_descriptions():
    """{key: its meaning} from the article JSON table of docs/formats.md, as plain text."""
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    table = text[text.index("## Article JSON"):text.index("## Text")]
    out = {}
    for key, meaning in re.findall(r"^\| `(\w+)` \| [^|]+ \| (.*) \|$", table, re.M):
        meaning = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", meaning)  # links: their text
        out[key] = meaning.replace("\\|", "|")
    return out


def made():
    return json.dumps(article_schema(formats_descriptions()), ensure_ascii=False,
                      indent=2) + "\n"


def test_the_schema_file_is_the_one_made_from_the_model():
    if os.environ.get("KT_CLEAN_WRITE_DOCS") == "1":
        SCHEMA_FILE.write_text(made(), encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == made(), (
        "docs/article.schema.json is stale: KT_CLEAN_WRITE_DOCS=1 .venv/bin/python -m pytest "
        "tests/test_schema.py, and review the diff")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert all("description" in p for p in schema["properties"].values())


def real_records():
    pages = [*sorted((ROOT / "seeds").glob("*.txt")), *sorted(PAGES.glob("*.txt")),
             *sorted(HTML.glob("*.html"))]
    for page in pages:
        try:
            art = kt_clean.extract(str(page))
        except kt_clean.KtCleanError:
            continue
        yield page.name, json.loads(kt_clean.render(art, "json", explain=True))


def test_every_record_written_for_the_test_pages_is_valid():
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    records = list(real_records())
    assert len(records) >= 25
    assert {r["page_type"] for _, r in records} >= {"article", "list"}
    assert any(r["items"] for _, r in records) and any(r["removed"] for _, r in records)
    for name, record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, f"{name}: {errors[:3]}"
        plain = {k: v for k, v in record.items() if k not in ("sources", "removed")}
        assert not list(validator.iter_errors(plain))


def test_a_page_read_from_a_warc_archive_is_valid_with_its_warc_key(tmp_path):
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = (b"<html><head><title>A headline</title></head><body><h1>A headline</h1><p>"
            + b"Words of a sentence in a paragraph of the article. " * 12 + b"</p></body></html>")
    archive = tmp_path / "pages.warc.gz"
    with open(archive, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://example.com/a.html", "response", payload=io.BytesIO(page),
            http_headers=headers))
    [doc] = kt_clean.read(archive)
    record = json.loads(kt_clean.render(kt_clean.extract(doc), "json"))
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert record["warc"]["status"] == 200 and record["url"] == "https://example.com/a.html"
    assert not [e.message for e in validator.iter_errors(record)]
    record["warc"]["offset"] = "0"  # of another type: refused
    assert list(validator.iter_errors(record))


@pytest.mark.parametrize("change", [
    lambda r: r.pop("title"),
    lambda r: r.update(authors="Kim"),
    lambda r: r.update(page_type="essay"),
    lambda r: r.update(page_type_confidence=1.5),
    lambda r: r["items"].append({"title": 3}),
])
def test_the_schema_refuses_a_record_of_another_shape(change):
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    [(_, record)] = [r for r in real_records() if r[0].startswith("003_")]
    record["items"] = []
    assert validator.is_valid(record)
    change(record)
    assert not validator.is_valid(record)
