"""Title, byline, authors and dates from text dumps of pages no layout claims.

Hand-written dump snippets (w3m style) for each shape the generic cleaner reads above the
text (``kt_clean.cleaners.generic``), and unit tests of ``kt_clean.bylines``.
"""

import pytest

from kt_clean.article import iso_any
from kt_clean.bylines import (
    author_beside_date,
    authors_from_byline,
    byline_text,
    find_dates,
    is_desk,
    is_name,
    name_repeated,
    name_with_role,
)
from kt_clean.cleaners.generic import label_lines

NAV = """\
Skip to content
  • Home
  • News
  • Sports
  • Business
  • About us
  • Contact
Subscribe   Log in
"""

BODY = """\
The city council voted on Thursday to approve a new budget for the coming year, after
weeks of debate over how much money should go to schools, parks and road repairs.

Council members said the plan keeps taxes flat while adding more than forty teachers to
the district, a promise the mayor made during last year's campaign for the office.

Residents who spoke at the meeting were divided, with some praising the new spending and
others warning that the city would face a deficit within three years if growth slows.

The budget takes effect in January, and the council will review it again in the spring
when the state announces how much aid the city will receive for the following year.
"""


def page(header: str, nav: str = NAV) -> list[str]:
    """A dump: the site's navigation, the header lines given, then four paragraphs (one
    line each, as w3m prints a paragraph of a wide page)."""
    body = "\n\n".join(p.replace("\n", " ") for p in BODY.split("\n\n"))
    return (nav + "\n" + header + "\n" + body).splitlines()


def fields_of(header: str, nav: str = NAV) -> dict[str, list[str]]:
    lines = page(header, nav)
    labels, fields = label_lines(lines)
    assert len(labels) == len(lines)
    return fields


def day(fields: dict[str, list[str]], key: str = "published") -> str | None:
    value = fields.get(key)
    return (iso_any(value[0]) or "")[:10] if value else None


HEADLINE = "City council approves new budget after weeks of debate"


# -- bylines in their common shapes ---------------------------------------------------

@pytest.mark.parametrize("byline,authors", [
    ("By Jane Doe", ("Jane Doe",)),
    ("ByNina Pineda", ("Nina Pineda",)),
    ("Written by Jane Doe", ("Jane Doe",)),
    ("Author: Jane Doe", ("Jane Doe",)),
    ("Jane Doe | Staff Writer", ("Jane Doe",)),
    ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
])
def test_a_byline_under_the_headline_is_found_and_gives_the_authors(byline, authors):
    fields = fields_of(f"{HEADLINE}\n\n{byline}\n")
    assert fields["title"] == [HEADLINE]
    assert fields["byline"] == [byline]
    assert authors_from_byline(fields["byline"][0]) == authors


def test_a_name_under_a_by_label_is_the_byline():
    fields = fields_of(f"{HEADLINE}\n\nBy\nJane Doe\nNovember 14, 2025\n")
    assert fields["byline"] == ["Jane Doe"]
    assert fields["title"] == [HEADLINE]


def test_a_name_under_its_photo_is_the_byline():
    fields = fields_of(f"Picture of Jane Doe\nJane Doe\n\n{HEADLINE}\n")
    assert fields["byline"] == ["Jane Doe"]


def test_the_byline_and_its_date_glued_give_both():
    fields = fields_of(f"{HEADLINE}\n\nByNina Pineda WABC logo\nFriday, November 14, 2025\n")
    assert authors_from_byline(fields["byline"][0]) == ("Nina Pineda",)
    assert day(fields) == "2025-11-14"
    fields = fields_of(f"{HEADLINE}\n\nBy Korin MillerPublished: Jan 29, 2025\n")
    assert authors_from_byline(fields["byline"][0]) == ("Korin Miller",)
    assert day(fields) == "2025-01-29"


# -- dates in their common shapes -----------------------------------------------------

@pytest.mark.parametrize("dateline,iso", [
    ("Friday, November 14, 2025", "2025-11-14"),
    ("Nov. 14, 2025", "2025-11-14"),
    ("14 November 2025", "2025-11-14"),
    ("2025-11-14", "2025-11-14"),
    ("Published 3:04 PM EST Nov 14, 2025", "2025-11-14"),
    ("Published: November 14th, 2025 at 09:27 am", "2025-11-14"),
    ("NOVEMBER 14, 2025", "2025-11-14"),
    ("14.11.2025 · 6 min read", "2025-11-14"),
])
def test_a_dateline_near_the_headline_is_the_publication_date(dateline, iso):
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\n{dateline}\n")
    assert day(fields) == iso
    assert fields["title"] == [HEADLINE]


def test_the_dates_found_keep_the_time_and_read_in_iso_8601():
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\nPublished 3:04 PM EST Nov 14, 2025\n")
    assert fields["published"] == ["Nov 14, 2025 3:04 PM EST"]
    assert iso_any(fields["published"][0]) == "2025-11-14T15:04:00-05:00"


def test_published_and_updated_are_told_apart():
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\nPublished Nov 14, 2025 | "
                       "Updated Nov 16, 2025 10:00 AM\n")
    assert day(fields) == "2025-11-14"
    assert day(fields, "updated") == "2025-11-16"


def test_an_updated_date_alone_is_the_pages_date():
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\nUpdated on July 9, 2025\n")
    assert day(fields, "updated") == "2025-07-09"
    assert day(fields) == "2025-07-09"


def test_a_today_widget_or_a_date_in_the_site_header_is_not_the_publication_date():
    nav = "Friday, December 19, 2025\n" + NAV
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\n", nav)
    assert "published" not in fields
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\nNov 14, 2025\n", nav)
    assert day(fields) == "2025-11-14"
    fields = fields_of(f"Today is Friday, December 19, 2025\n{HEADLINE}\n\nBy Jane Doe\n")
    assert "published" not in fields


def test_a_date_inside_a_sentence_is_not_a_dateline():
    assert find_dates("Today: December 19, 2025") == []
    fields = fields_of("On Nov 3, 2025 the council met in a long session to discuss the "
                       "budget and many other things about the city and its schools\n"
                       f"\n{HEADLINE}\n")
    assert "published" not in fields


# -- the headline ---------------------------------------------------------------------

def test_the_headline_above_the_byline_wins_over_a_nearer_heading():
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\nNov 14, 2025\n\nShare this article\n"
                       "Listen to this article\nPhoto: a council meeting\n")
    assert fields["title"] == [HEADLINE]


@pytest.mark.parametrize("chrome", [
    "Your SEO journey starts here!",
    "Newsweek is a Trust Project member",
    "Sign up for our newsletter",
    "Table of Contents",
    "5 min read",
])
def test_a_tagline_badge_or_widget_is_not_the_title(chrome):
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\n\n{chrome}\n")
    assert fields["title"] == [HEADLINE]
    fields = fields_of(f"{chrome}\n")
    assert fields.get("title") != [chrome]


def test_a_list_entry_or_an_authors_contact_line_is_not_the_title():
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\n  • Follow Jane Doe on X\n"
                       "Jane Doe, Senior Editor\n")
    assert fields["title"] == [HEADLINE]


def test_the_headline_repeated_in_the_breadcrumb_is_the_title():
    fields = fields_of(f"Home > News > {HEADLINE}\n\nOur city\n\n{HEADLINE}\n\n"
                       "Read more from our newsroom\n")
    assert fields["title"] == [HEADLINE]


def test_a_headline_with_the_sites_name_after_it_loses_the_name():
    fields = fields_of(f"{HEADLINE} | Opinion\n")
    assert fields["title"] == [HEADLINE]


def test_a_headline_right_above_the_text_is_found():
    fields = fields_of(f"{HEADLINE}\n")
    assert fields["title"] == [HEADLINE]
    assert "byline" not in fields and "published" not in fields


def test_the_lines_found_are_labelled_as_kept_header_lines():
    lines = page(f"{HEADLINE}\n\nBy Jane Doe\nNov 14, 2025\n")
    labels, _ = label_lines(lines)
    roles = {lines[i].strip(): (lab.kept, lab.tag, lab.rule) for i, lab in enumerate(labels)}
    assert roles[HEADLINE] == (True, "title", "generic:title")
    assert roles["By Jane Doe"] == (True, "byline", "generic:byline")
    assert roles["Nov 14, 2025"] == (True, "dateline", "generic:dateline")


# -- authors from a byline ------------------------------------------------------------

@pytest.mark.parametrize("byline,authors", [
    ("By Kim Bo-eun, Choi Ha-young", ("Kim Bo-eun", "Choi Ha-young")),
    ("by Jane Doe", ("Jane Doe",)),
    ("BY JANE DOE", ("JANE DOE",)),
    ("ByNina Pineda", ("Nina Pineda",)),
    ("Written by Jane Doe", ("Jane Doe",)),
    ("Written byby Jane Doe", ("Jane Doe",)),
    ("Posted by Jane Doe", ("Jane Doe",)),
    ("Words by Jane Doe", ("Jane Doe",)),
    ("Author: Jane Doe", ("Jane Doe",)),
    ("Authors: Jane Doe, John Roe", ("Jane Doe", "John Roe")),
    ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
    ("By Jane Doe & John Roe", ("Jane Doe", "John Roe")),
    ("By Ann Lee, Jane Doe and John Roe", ("Ann Lee", "Jane Doe", "John Roe")),
    ("Jane Doe | Staff Writer", ("Jane Doe",)),
    ("By Jane Doe, Senior Editor", ("Jane Doe",)),
    ("By Jane Doe | The Texas Newsroom", ("Jane Doe",)),
    ("By Jane Doe - Reuters", ("Jane Doe",)),
    ("By Jane Doe jane.doe@example.com", ("Jane Doe",)),
    ("By Jane Doe @janedoe", ("Jane Doe",)),
    ("By Jane Doe https://example.com/jane", ("Jane Doe",)),
    ("By Jane Doe Nov 14, 2025", ("Jane Doe",)),
    ("By Jane DoeNov 14, 2025 | 6 comments", ("Jane Doe",)),
    ("By Jane Doe 10:30 AM EST", ("Jane Doe",)),
    ("By Jane Doe – Updated Sep 9, 2025 at 1:00 PM EST | Fact-checked by John Roe",
     ("Jane Doe",)),
    ("By Jane Doe | Updated on 19-Dec-2025", ("Jane Doe",)),
    ("by Jane Doe· October 10, 2021", ("Jane Doe",)),
    ("On January 12, 2025 By Jane Doe In Travel, Travel Tips", ("Jane Doe",)),
    ("Posted by JaneD on Friday December 19, 2025 @08:00PM", ("JaneD",)),
    ("Dylan Bailey, MS, RD, FAND", ("Dylan Bailey, MS, RD, FAND",)),
    ("By Jane Doe, Ph.D.", ("Jane Doe, Ph.D",)),
    ("By Jane Doe Jane Doe", ("Jane Doe",)),
    ("The Investopedia Team", ("The Investopedia Team",)),
    ("By: Jane Doe, Sr. Director of Operations, Acme Van Lines", ("Jane Doe",)),
    ("By Dr Marna van der Merwe", ("Dr Marna van der Merwe",)),
])
def test_authors_from_a_byline(byline, authors):
    assert authors_from_byline(byline) == authors


@pytest.mark.parametrize("byline", [
    "", None, "By", "By ", "By J", "jane.doe@example.com", "https://example.com/jane",
    "Medically reviewed by Jane Doe, MD", "Reviewed by Jane Doe", "Edited by Jane Doe",
    "Photo by Jane Doe", "Sponsored by Acme", "By 2025-11-14",
])
def test_a_byline_of_no_author_gives_no_name(byline):
    assert authors_from_byline(byline) == ()


def test_no_name_is_empty_or_one_character():
    for byline in ("By A, B and Jane Doe", "By Jane Doe, ,", "Written by X & Jane Doe"):
        names = authors_from_byline(byline)
        assert names and all(len(n) > 1 for n in names)
        assert "Jane Doe" in names


def test_a_line_is_told_for_a_byline_or_not():
    for line in ("By Jane Doe", "ByJane Doe", "Written By: Jane Doe", "Jane Doe | Staff Writer",
                 "Nov 14, 2025 by Jane Doe", "  • by Jane Doe"):
        assert byline_text(line) is not None, line
    for line in ("By the way, the council met", "Bypass the queue", "Photo by Jane Doe",
                 "Medically reviewed by Jane Doe", "Stand by Me: a film review",
                 "A report by the city on the budget was published today"):
        assert byline_text(line) is None, line


def test_names_are_told_from_headings():
    assert is_name("Jane Doe") and is_name("Kim Bo-eun") and is_name("Dylan Bailey, MS, RD")
    for text in ("Table of Contents", "Copy Link", "Healthy Eating Tips", "Jane Doe:",
                 "The best", "Read more"):
        assert not is_name(text), text


def test_a_headline_over_its_deck_gives_the_title_and_the_subtitle():
    deck = "Members said the plan keeps taxes flat while adding forty teachers"
    fields = fields_of(f"{HEADLINE}\n\n{deck}\n\nPublished 12 May 2024\n")
    assert fields["title"] == [HEADLINE]
    assert fields["subtitle"] == [deck]
    assert day(fields) == "2024-05-12"


# -- shapes of the header found on many sites -------------------------------------------

def test_an_images_text_is_not_the_title():
    long = "Jane Doe Smiling At The Camera In Front Of The Old City Hall Building"
    for image in (f"{long}'s avatar", f"Picture of {long}", f"{long} headshot",
                  f"An avatar representing {long}", f"{long}.jpg"):
        fields = fields_of(f"{HEADLINE}\n\n{image}\nJane Doe\nNov 14, 2025\n")
        assert fields["title"] == [HEADLINE], image


#: A heading under the headline, longer than it and in title case (so no deck).
OTHER = "Our Guide To The New Budget For Every Family In The City This Coming Year"


def test_a_date_right_above_the_headline_is_the_blogs_header():
    deck = OTHER
    fields = fields_of(f"Nov 14, 2025\n\n{HEADLINE}\n\n{deck}\n")
    assert fields["title"] == [HEADLINE]
    assert day(fields) == "2025-11-14"


@pytest.mark.parametrize("crumb", [
    f"  • Home\n  • News\n  • {HEADLINE}\n",
    f"Home Local News {HEADLINE}\n",
    f"Hero image for blog post {HEADLINE}\n",
])
def test_the_headline_repeated_as_a_breadcrumbs_entry_is_the_title(crumb):
    fields = fields_of(f"{crumb}\n{HEADLINE}\n\n{OTHER}\n")
    assert fields["title"] == [HEADLINE]


@pytest.mark.parametrize("row,author", [
    ("Jane Doe | Nov 14, 2025", "Jane Doe"),
    ("Jane Doe November 14, 2025", "Jane Doe"),
    ("Nov 14, 2025 · 5 min read · Jane Doe", "Jane Doe"),
    ("11/14/2025 • Local News • Jane Doe", "Jane Doe"),
    ("Jane Doe•Updated on Nov 14, 2025 •5 min read", "Jane Doe"),
    ("12 Comments | Jane Doe |    Last Updated: November 14, 2025", "Jane Doe"),
])
def test_a_name_beside_the_date_is_the_author(row, author):
    fields = fields_of(f"{HEADLINE}\n\n{row}\n")
    assert authors_from_byline(fields["byline"][0]) == (author,)
    assert day(fields) == "2025-11-14"


def test_a_name_beside_a_date_gives_way_to_a_byline():
    fields = fields_of(f"{HEADLINE}\n\nBy John Roe\nCity Hall November 14, 2025\n")
    assert authors_from_byline(fields["byline"][0]) == ("John Roe",)


@pytest.mark.parametrize("header,author", [
    ("By\n  • Jane Doe\n", "Jane Doe"),                      # a label over a list entry
    ("Written by:\n\n  • Jane Doe\n  • John Roe\n", "Jane Doe"),
    ("Jane Doe\nSenior Editor\n", "Jane Doe"),               # a name over its job
    ("Jane Doe Founder & Lead Reviewer\nUpdated Nov 14, 2025\n", "Jane Doe"),
    ("Jane DoeJane Doe\n", "Jane Doe"),                      # printed twice
    ("  • Jane DoeJane DoeJane Doe\n  • Last Updated Nov 6, 2025\n", "Jane Doe"),
    ("The Acme Editorial Team\nNov 14, 2025\n", "The Acme Editorial Team"),  # a desk
    ("  • Jane Doe\n  • Nov 14, 2025\n", "Jane Doe"),        # list entries
])
def test_a_name_without_by_is_the_author(header, author):
    fields = fields_of(f"{HEADLINE}\n\n{header}")
    assert fields["title"] == [HEADLINE]
    assert authors_from_byline(fields["byline"][0])[0] == author


def test_a_posted_by_line_taken_for_the_first_paragraph_is_still_the_byline():
    fields = fields_of(f"{HEADLINE}\n\nPosted by JaneD on Friday November 14, 2025 @08:00PM "
                       "from the long-budget-debate dept.\n")
    assert authors_from_byline(fields["byline"][0]) == ("JaneD",)
    assert day(fields) == "2025-11-14"


def test_a_written_by_line_under_the_text_is_the_byline_when_the_header_has_none():
    more = [line for line in page("")[-7:] for _ in range(3)]  # the text goes on
    lines = page(f"{HEADLINE}\n") + more + ["", "Written by Jane Doe", "", "Related posts"]
    _, fields = label_lines(lines)
    assert authors_from_byline(fields["byline"][0]) == ("Jane Doe",)
    lines = page(f"{HEADLINE}\n\nBy John Roe\n") + more + ["", "Written by Jane Doe"]
    _, fields = label_lines(lines)
    assert authors_from_byline(fields["byline"][0]) == ("John Roe",)


def test_dates_glued_to_a_category_or_with_a_dotted_time_are_read():
    fields = fields_of(f"{HEADLINE}\n\nNovember 14, 2025/Local News/City Hall\n")
    assert day(fields) == "2025-11-14"
    fields = fields_of(f"{HEADLINE}\n\nFri 14 Nov 2025 12.00 CETLast modified on Mon 17 Nov "
                       "2025 16.40 CET\n")
    assert iso_any(fields["published"][0]) == "2025-11-14T12:00:00"
    assert day(fields, "updated") == "2025-11-17"


def test_the_date_under_the_headline_wins_over_a_news_ticker_above_it():
    ticker = "  • [ November 26, 2025 ] Mayor opens the new park downtown Local news\n"
    fields = fields_of(f"{ticker}{HEADLINE}\n\nNov 14, 2025 12\n")
    assert day(fields) == "2025-11-14"


def test_the_header_starts_at_the_first_print_of_a_repeated_headline():
    fields = fields_of(f"Nov 14, 2025\n{HEADLINE}\nShare\nPrint\nEmail\n{HEADLINE}\n"
                       "By Jane Doe\n")
    assert fields["title"] == [HEADLINE]
    assert day(fields) == "2025-11-14"


def test_images_and_counters_do_not_push_the_headline_out_of_the_header():
    icons = "".join(f"[icon-{k}]\n{k}\n" for k in range(40))
    fields = fields_of(f"{HEADLINE}\n\nBy Jane Doe\n{icons}")
    assert fields["title"] == [HEADLINE]
    assert authors_from_byline(fields["byline"][0]) == ("Jane Doe",)


def test_names_beside_dates_roles_or_themselves():
    assert author_beside_date("Jane Doe | Nov 14, 2025") == "Jane Doe"
    assert author_beside_date("12/19/2025 • Friday Philosophy • Jane Doe") == "Jane Doe"
    assert author_beside_date("Nov 14, 2025 · 6 Comments") is None
    assert author_beside_date("Published Nov 14, 2025") is None
    assert author_beside_date("Jane Doe") is None
    assert is_desk("The Upwork Team") and is_desk("Team SimplyThrilled")
    assert not is_desk("Join Our Team") and not is_desk("Meet the Team")
    assert name_with_role("Jane Doe Senior Editor") == "Jane Doe"
    assert name_with_role("HR Shared Services explained: Benefits, functions") is None
    assert name_with_role("Meet Our Senior Editor") is None
    assert name_repeated("Jane Doe Jane Doe") == "Jane Doe"
    assert name_repeated("Jane DoeJane DoeJane Doe") == "Jane Doe"
    assert name_repeated("Jane Doe") is None and name_repeated("Read more Read more") is None


def test_bylines_behind_a_photo_or_with_by_printed_twice():
    assert byline_text("Written byby Rebecca MacFarlane") == "Written by Rebecca MacFarlane"
    line = "Avatar photo by Jill Barshay August 25, 2025August 29, 2025"
    assert authors_from_byline(byline_text(line)) == ("Jill Barshay",)
    assert authors_from_byline(byline_text("[headshot] By Jane Doe")) == ("Jane Doe",)
    # a photo's credit stays none
    for line in ("Image by Freepik", "Photos by John Smith", "Photo by Jane Doe"):
        assert byline_text(line) is None, line
    fields = fields_of(f"{HEADLINE}\n\n[JD_headshot]Jane Doe\nNovember 14, 2025\n")
    assert authors_from_byline(fields["byline"][0]) == ("Jane Doe",)


def test_a_one_word_name_under_a_by_or_author_label():
    for label in ("By", "Author"):
        fields = fields_of(f"{HEADLINE}\n\n{label}\nLauren\nNovember 14, 2025\n")
        assert fields["byline"] == ["Lauren"], label
    # a label over a word that is no name gives none
    assert fields_of(f"{HEADLINE}\n\nBy\nShare\nNovember 14, 2025\n").get("byline") is None


def test_a_long_headline_may_hold_a_word_of_the_chrome():
    long = "I Ran My Own Newsletter Through My AI Analysis Tool and What I Found"
    fields = fields_of(f"{long}\n\nJane Doe\nNovember 14, 2025\n\na husky dog eating\n")
    assert fields["title"] == [long]
    # ... a short line with it stays chrome
    assert fields_of("Our Newsletter\n").get("title") != ["Our Newsletter"]


def test_a_year_glued_to_a_time_or_a_count_is_read():
    assert find_dates("Updated November 11, 20228:23 PM ET Originally published "
                      "November 9, 202211:01 AM ET") == [
        ("updated", "November 11, 2022 8:23 PM"), ("published", "November 9, 2022 11:01 AM")]
    assert find_dates("Mar 27, 20255 mins") == [("published", "Mar 27, 2025")]
    assert find_dates("2025-11-0314 min read") == [("published", "2025-11-03")]
    # other digits glued to a year leave no date
    assert find_dates("Nov 14, 20251234") == [] and find_dates("Jan 5, 20261") == []


def test_two_dates_printed_without_a_space_are_both_read():
    # a theme's update and publication <time> elements, printed side by side by w3m
    assert find_dates("May 21, 2025April 24, 2025 by The Ritualist") == [
        ("published", "May 21, 2025"), ("published", "April 24, 2025")]
    assert find_dates("July 4, 2025February 9, 2026 Updated onFebruary 9, 2026") == [
        ("published", "July 4, 2025"), ("published", "February 9, 2026"),
        ("updated", "February 9, 2026")]
    # a month's name glued to any other number still starts no date
    assert find_dates("Room 12May 3, 2025") == [] and find_dates("No. 7Jan 5, 2026") == []


def test_a_dateline_under_the_text_dates_a_page_whose_header_has_none():
    more = ("Residents will be able to read the full plan on the city's website from "
            "Monday, the clerk said after the meeting ended late on Thursday night.")
    lines = page(f"{HEADLINE}\n\nBy Jane Doe\n") + ["", more] * 6
    for late in (["Published August 13, 2025"], ["Published On: 13 August 2025"],
                 ["Publish date", "", "13 August 2025"], ["Posted on 2025-08-13 by jdoe"]):
        labels, fields = label_lines([*lines, "", "Share this", "", *late])
        assert day(fields) == "2025-08-13", late
        at = len(lines) + 3 + len(late) - 1
        assert labels[at].tag == "dateline" and labels[at].rule == "generic:late-dateline"
    # a comment's date under the text has no label: it dates nothing
    labels, fields = label_lines([*lines, "", "Sharon says", "July 14, 2015 at 3:53 pm"])
    assert "published" not in fields


def test_a_headline_over_its_standfirst_with_the_byline_under_that():
    fields = fields_of(f"Related: Markets rally as rates hold steady\nNovember 1, 2025\n\n"
                       f"{HEADLINE}\n\nThe council's plan keeps taxes flat and adds forty "
                       "teachers, the mayor said on Thursday.\n\nJane Doe\nNovember 14, 2025\n")
    assert fields["title"] == [HEADLINE]
    assert day(fields) == "2025-11-14"


def test_a_headline_may_end_with_an_abbreviation():
    head = "The Hottest Real Estate Markets in the U.S."
    assert fields_of(f"{head}\n\nBy Jane Doe\n")["title"] == [head]


def test_dates_after_a_label_colon_and_a_brand_named_today():
    assert find_dates("Last updated:Sep 4, 2025") == [("updated", "Sep 4, 2025")]
    assert find_dates("Updated Dec. 23, 2024, 1:24 PM EST / Source: TODAY") == [
        ("updated", "Dec. 23, 2024 1:24 PM EST")]
    # a widget naming today is still none, and a number is no date's start
    assert find_dates("Today is Monday, November 17, 2025") == []
    assert find_dates("Today: Nov 17, 2025") == []
    assert find_dates("v1.2025-11-14") == []


def test_explain_names_the_byline_line_that_also_gave_the_date():
    import kt_clean

    text = "\n".join(page(f"{HEADLINE}\n\nJane DoeBy Jane DoeNovember 14, 202520 Mins Read\n"))
    art = kt_clean.extract(text.encode(), source="p.txt")
    assert art.authors == ("Jane Doe",) and art.published == "2025-11-14"
    sources = dict(art.sources)
    assert sources["published"] == sources["authors"]
    assert sources["published"].endswith("(generic:byline)")


@pytest.mark.parametrize("row,author", [
    ("Dec. 19, 2025 · Niko Matsakis on behalf of Vision Doc group", "Niko Matsakis"),
    ("Dec 26, 2025 • [e5f6d14d49] Mahua Das in Project Management", "Mahua Das"),
    ("Nawaz Dhandala @nawazdhandala • Jan 26, 2026 • Reading time", "Nawaz Dhandala"),
])
def test_a_name_beside_the_date_without_what_follows_it(row, author):
    assert author_beside_date(row) == author


@pytest.mark.parametrize("line,authors", [
    ("by Meaghan Weeden ● December 23, 2025 ● 6 min read", ("Meaghan Weeden",)),
    ("Published: Mar 8, 2024 · Modified: May 19, 2025 by Jessica Robinson · This post may "
     "contain affiliate links", ("Jessica Robinson",)),
    ("AnthonyBy AnthonyJanuary 4, 2026Updated:January 8, 20262 Comments", ("Anthony",)),
    ("By thegrangehallFebruary 16, 2026No Comments", ("thegrangehall",)),
    ("• Picture of Liam Austin By Liam Austin", ("Liam Austin",)),
    ("by jsteinhardt", ("jsteinhardt",)),
])
def test_bylines_with_bullets_users_photos_and_glued_dates(line, authors):
    assert authors_from_byline(byline_text(line)) == authors


def test_no_byline_from_a_sentence_or_a_sponsor():
    long = ("By storing data on the cloud, applications and files can be accessed from "
            "anywhere with an internet connection, which matters to remote and global teams "
            "and to businesses that rely on real-time collaboration.")
    assert byline_text(long) is None or authors_from_byline(byline_text(long)) == ()
    assert byline_text("Presented By Carahsoft") is None
    assert authors_from_byline("by the way") == ()


def test_a_posts_filing_line_under_the_text_dates_it():
    more = ("Residents will be able to read the full plan on the city's website from "
            "Monday, the clerk said after the meeting ended late on Thursday night.")
    lines = page(f"{HEADLINE}\n\nBy Jane Doe\n") + ["", more] * 6
    for late, iso in (("December 3, 2025. Updated: December 7, 2025", "2025-12-03"),
                      ("Monday, August 11th, 2025 at 11:00 am | Categories: Helena, MT",
                       "2025-08-11"),
                      ("June 9, 2020 · 6 Comments", "2020-06-09")):
        labels, fields = label_lines([*lines, "", late])
        assert day(fields) == iso, late
        assert labels[-1].rule == "generic:late-dateline"


def test_the_dateline_right_above_a_headline_at_the_windows_top():
    # the headline is as far above the text as the header is looked for (notes between)
    head = ["Menu", "", "Last updated:", "Dec 12, 2025", "", HEADLINE, "", "Written By",
            "Jane Doe", ""]
    lines = head + [f"Note {k}:" for k in range(27)] + [""] + page("", nav="")[1:]
    labels, fields = label_lines(lines)
    assert fields["title"] == [HEADLINE] and fields["byline"] == ["Jane Doe"]
    assert day(fields) == "2025-12-12" and labels[3].tag == "dateline"


def test_the_plain_byline_shortcut_reads_as_the_whole_reading(monkeypatch):
    # the shortcut for "By Lee Min-hyung" (no pattern compiled, kt_clean.bylines not even
    # loaded) gives what the full reading gives, and leaves every other shape to it
    import kt_clean.bylines as bylines
    from kt_clean.article import _authors_from_byline
    from kt_clean.namewords import plain_byline

    plain = ("By Lee Min-hyung", "By Kim Bo-eun", "BY John Smith", "by Anna Maria Lopez")
    for byline in plain:
        assert plain_byline(byline) is not None
        assert _authors_from_byline(byline) == authors_from_byline(byline)
    monkeypatch.setattr(bylines, "_plain_byline", lambda text: None)  # the whole reading
    for byline in plain:
        assert authors_from_byline(byline) == (plain_byline(byline),)
    for byline in ("By Staff Reporter", "By Jane In", "By Jane Doe Jane", "By Jane doe",
                   "By Marna van der Merwe", "By Jane Doe and John Roe", "By J. Doe"):
        assert plain_byline(byline) is None, byline
