"""Descriptions from web-edited catalogues: HTML markup and entities become plain text as they are read."""

import pytest

from museum_formats.markup import plain_text
from museum_formats.text import join_sentences


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Candlestick telephone.</p><p>Made by the GPO</p>", "Candlestick telephone. Made by the GPO"),
        ("<p>Made by Ericsson</p>\n<p>Used in Leeds</p>", "Made by Ericsson. Used in Leeds"),
        ("Two-valve receiver<br>walnut case<br/>", "Two-valve receiver. walnut case"),
        ("<ul><li>brass</li><li>mahogany</li></ul>", "brass. mahogany"),
        ("Arts &amp; Crafts&nbsp;lamp, &#8220;Swan&#8221; &#x2013; 1890", "Arts & Crafts lamp, “Swan” – 1890"),
        ("Fish &amp chips", "Fish & chips"),
        (
            '<div class="desc"><h3>Summary:</h3><p>A <i>Jacquard</i> <a href="/x">loom</a>.</p></div>',
            "Summary: A Jacquard loom.",
        ),
        ("<script>track()</script><style>p {}</style><!-- editor note -->Shuttle", "Shuttle"),
        ("&lt;p&gt;Escaped markup &amp;amp; all&lt;/p&gt;&lt;p&gt;Second&lt;/p&gt;", "Escaped markup & all. Second"),
        ("<P CLASS=body>Upper-case tags</P><BR>Next", "Upper-case tags. Next"),
    ],
)
def test_markup_becomes_plain_text_with_sentences_apart(markup, text):
    assert plain_text(markup) == text


@pytest.mark.parametrize(
    "kept", ["<object facet>", "voltage < 5 V, current > 2 A", "R&D laboratory", "ends with <b", "plain text"]
)
def test_text_that_is_not_html_stays_as_written(kept):
    assert plain_text(kept) == kept


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (['Es wird bescheinigt, "dass sie versichert sind."'], 'Es wird bescheinigt, "dass sie versichert sind."'),
        (["A bowl (made in Delft.)", "Blue"], "A bowl (made in Delft.) Blue."),
        (["He said “stop!”"], "He said “stop!”"),
        (['A "quoted" title'], 'A "quoted" title.'),
    ],
)
def test_a_sentence_closed_inside_quotes_or_brackets_gets_no_second_stop(parts, joined):
    # museum-digital's LIDO descriptions end with a quoted sentence: `... versichert sind."`
    assert join_sentences(parts) == joined


@pytest.mark.parametrize(
    ("written", "text"),
    [
        ("AL-DIMA&#x8a;QĪ [AL-QARAMĀNĪ]", "AL-DIMAŠQĪ [AL-QARAMĀNĪ]"),  # a BnF title, as a character reference
        ("al-Dima\x9aqī \u201cal-Qaramānī\u201d", "al-Dimašqī \u201cal-Qaramānī\u201d"),
        ("a\x81b", "ab"),  # undefined in cp1252
    ],
)
def test_c1_control_characters_become_the_cp1252_characters_they_were(written, text):
    assert plain_text(written) == text
