"""Descriptions are Markdown rendered safely: no raw HTML, no scripts, no javascript: links, no
images from elsewhere; links get rel="nofollow noopener"."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from loket.richtext import excerpt, to_html


def tags_of(html: str) -> list[tuple[str, list]]:
    """The real elements (with attributes) in ``html``; escaped text is not an element."""
    found: list[tuple[str, list]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_markdown_is_rendered():
    html = str(to_html("Een **gastles** over *zonne-energie*\n\n- panelen\n- omvormers"))
    assert "<strong>gastles</strong>" in html and "<em>zonne-energie</em>" in html
    assert "<li>panelen</li>" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "tekst <script>alert(1)</script> tekst",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">klik</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(x)">x</div>',
    ],
)
def test_raw_html_stays_text(text):
    html = str(to_html(text))
    assert tags_of(html) == [("p", [])], html  # only the paragraph; the tags typed are text
    assert "&lt;" in html  # shown as the text that was typed


def test_javascript_links_lose_their_target():
    html = str(to_html("[klik](javascript:alert(1)) en [data](data:text/html;base64,AAAA)"))
    assert "javascript:" not in html and "data:" not in html
    assert "klik" in html


def test_images_are_not_loaded():
    html = str(
        to_html("![logo](https://tracker.example/pixel.png) en ![ref][1]\n\n[1]: https://x.example/a.png")
    )
    assert "<img" not in html


def test_links_get_nofollow_noopener():
    html = str(to_html("Meer op [onze site](https://example.org/les) of <https://example.org>"))
    assert 'href="https://example.org/les"' in html
    assert html.count('rel="nofollow noopener"') == 2


def test_headings_stay_below_the_page_headings_and_empty_is_empty():
    assert "<h3>Kop</h3>" in str(to_html("# Kop"))
    assert str(to_html("   ")) == ""


def test_excerpt_is_plain_text():
    assert excerpt("**Vet** en [link](https://x.example)\n\nTweede alinea") == "Vet en link Tweede alinea"
    assert excerpt("a" * 500, 50).endswith("…") and len(excerpt("a" * 500, 50)) == 50
