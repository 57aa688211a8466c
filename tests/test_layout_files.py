"""Layout rule files are validated when loaded; user layouts add to or replace built-in ones."""

import pytest

import kt_clean
from conftest import PRINT_SEED
from kt_clean.errors import LayoutError
from kt_clean.layouts import builtin_layouts, layout_named, load_layouts, parse_layout

MINIMAL = """
[layout]
name = "demo"
threshold = 2

[[signature]]
id = "masthead"
pattern = '^DEMO NEWS$'
weight = 1

[[signature]]
id = "footer"
pattern = '^© Demo'
weight = 1

[article]
start = '^DEMO NEWS$'
start_offset = 1
end = ['^© Demo']

[[header]]
role = "title"
"""

DEMO_PAGE = ("DEMO NEWS\n\nA headline for the demo\n\nFirst paragraph of the article, long "
             "enough to be prose.\n\nSecond paragraph.\n\n© Demo 2024\n")


def test_builtin_layouts_load():
    assert [lay.name for lay in builtin_layouts()] == [
        "amn-desktop", "close-list", "close-desktop", "full-nav-menu", "full-nav",
        "mytimes-list", "mytimes", "newszone-list", "photo-gallery", "posted-first", "print",
        "reporter-list", "table-body"]


def test_a_user_layout_detects_and_strips_a_new_site(tmp_path):
    (tmp_path / "demo.toml").write_text(MINIMAL, encoding="utf-8")
    layouts = load_layouts([tmp_path])
    doc = kt_clean.strip(kt_clean.from_text(DEMO_PAGE), layouts)
    assert doc.layout == "demo" and doc.evidence == ("masthead", "footer")
    art = kt_clean.article(doc, layouts)
    assert art.title == "A headline for the demo"
    assert art.body.startswith("First paragraph") and "© Demo" not in art.body
    # the built-in layouts still apply alongside it
    assert kt_clean.detect(kt_clean.read(str(PRINT_SEED))[0], layouts).layout == "print"


@pytest.mark.parametrize("change,message", [
    (("pattern = '^DEMO NEWS$'", "pattern = '^(DEMO'"), "bad regular expression"),
    (("pattern = '^DEMO NEWS$'", "pattern = '.*'"), "matches the empty line"),
    (("threshold = 2", "threshold = 5"), "threshold must be"),
    (("weight = 1\n", "weight = 1\ncolour = 'red'\n"), "unknown key(s) in signature[0]: colour"),
    (('name = "demo"', 'name = "Demo Site"'), "must be lowercase"),
    (('role = "title"', 'role = "headlin"'), "is not one of"),
    (("[article]", "[articles]"), "needs 'article'"),
    (("threshold = 2", "threshold = 2\nrequire_any = ['nope']"), "require_any names no signature"),
    (("[[header]]", "[[rule]]\nid = 'x'\npattern = 'x'\n\n[[header]]"), "needs exactly one of"),
    (("[layout]", "[layout"), "not valid TOML"),
])
def test_malformed_rule_files_fail_loudly_with_the_file_name(change, message):
    text = MINIMAL.replace(*change)
    assert text != MINIMAL
    with pytest.raises(LayoutError) as exc:
        parse_layout(text, "my.toml")
    assert str(exc.value).startswith("my.toml: ") and message in str(exc.value)


def test_user_layout_with_a_builtin_name_replaces_it(tmp_path):
    (tmp_path / "print.toml").write_text(MINIMAL.replace('name = "demo"', 'name = "print"'),
                                         encoding="utf-8")
    layouts = load_layouts([tmp_path / "print.toml"])
    assert [lay.name for lay in layouts].count("print") == 1
    assert kt_clean.detect(kt_clean.read(str(PRINT_SEED))[0], layouts).layout == "unknown"


def test_empty_layout_folder_is_an_error(tmp_path):
    with pytest.raises(LayoutError, match=r"no \*\.toml"):
        load_layouts([tmp_path])


def test_rules_that_do_not_fit_fall_back_to_the_generic_cleaner():
    # The print signatures match, but the page has no font-size anchor for the article.
    text = PRINT_SEED.read_text(encoding="utf-8").replace("ⓕ font-size", "font size")
    doc = kt_clean.strip(kt_clean.from_text(text))
    assert doc.layout == "print" and "rules-did-not-fit" in doc.evidence
    # the generic cleaner labels the page, except the lines the design's chrome rules
    # (those that apply anywhere) know: they stay removed, by those rules
    anywhere = {f"print:{r.id}" for r in layout_named("print").rules
                if r.where == "anywhere" and not r.kept}
    assert anywhere
    assert all(lab.rule.startswith("generic:") or (lab.rule in anywhere and not lab.kept)
               for lab in doc.labels)
    assert any(lab.rule in anywhere for lab in doc.labels)
    assert kt_clean.article(doc).body


def test_builtin_cache_is_current():
    """kt_clean/layouts/rules/builtin.json must be made from the rule files beside it; after
    editing one, run `python -m kt_clean.layouts`."""
    from kt_clean.layouts import BUILTIN_CACHE, builtin_cache

    with open(BUILTIN_CACHE, encoding="utf-8") as f:
        assert f.read() == builtin_cache(), "stale: run python -m kt_clean.layouts"


def test_builtin_layouts_from_cache_equal_those_parsed_from_toml():
    from kt_clean.layouts import BUILTIN_DIR, builtin_sources

    def plain(value):  # patterns (compiled, or compiled on first use) as their text
        if hasattr(value, "pattern") and hasattr(value, "search"):
            return ("re", value.pattern)
        if isinstance(value, tuple):
            return tuple(plain(v) for v in value)
        return value

    parsed = tuple(parse_layout(text, f"kt_clean/layouts/rules/{name}")
                   for name, text in builtin_sources().items())
    assert plain(builtin_layouts()) == plain(parsed)
    assert "re" in str(plain(parsed))
    assert sorted(f.name for f in __import__("pathlib").Path(BUILTIN_DIR).glob("*.toml")) == [
        lay.path.rsplit("/", 1)[1] for lay in builtin_layouts()]


def test_an_edited_rule_file_wins_over_a_stale_cache(tmp_path):
    import shutil

    from kt_clean.layouts import BUILTIN_DIR, load_rules_folder

    for f in sorted(__import__("pathlib").Path(BUILTIN_DIR).iterdir()):
        shutil.copy(f, tmp_path / f.name)
    names = [lay.name for lay in load_rules_folder(str(tmp_path))]
    assert "print" in names and "print-edited" not in names
    toml = tmp_path / "koreatimes-print.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'name = "print"', 'name = "print-edited"'), encoding="utf-8")
    edited = [n.replace("print", "print-edited") if n == "print" else n for n in names]
    assert [lay.name for lay in load_rules_folder(str(tmp_path))] == edited
    (tmp_path / "builtin.json").write_text("{not json", encoding="utf-8")
    assert [lay.name for lay in load_rules_folder(str(tmp_path))] == edited


WITH_RULE = MINIMAL + """
[[rule]]
id = "menu"
pattern = '^Menu$'
reason = "nav"
"""


def test_a_misspelled_reason_code_fails_loudly_with_a_suggestion():
    for typo, meant in (("relatd", "related"), ("footr", "footer")):
        text = WITH_RULE.replace('reason = "nav"', f'reason = "{typo}"')
        with pytest.raises(LayoutError, match=f"{typo!r} is not a reason code; did you mean "
                                              f"{meant!r}"):
            parse_layout(text, "mine.toml")
    with pytest.raises(LayoutError, match="'relatd' is not a reason code"):
        parse_layout(MINIMAL.replace("[article]", '[article]\nafter_reason = "relatd"'),
                     "mine.toml")


def test_a_rule_file_may_declare_reason_codes_of_its_own():
    text = WITH_RULE.replace('reason = "nav"', 'reason = "newsletter-box"') + (
        '\n[reasons]\nnewsletter-box = "newsletter sign-up boxes"\n')
    layout = parse_layout(text, "mine.toml")
    assert [r.tag for r in layout.rules] == ["newsletter-box"]
    with pytest.raises(LayoutError, match="'newsletter-box' is not a reason code"):
        parse_layout(WITH_RULE.replace('reason = "nav"', 'reason = "newsletter-box"'), "mine.toml")
