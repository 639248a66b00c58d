"""Descriptions written as plain text or Markdown, rendered to safe HTML.

Two locks: Python-Markdown runs without its raw-HTML support (typed HTML stays visible text), and
its output goes through the ``nh3`` sanitiser (ammonia) with a short list of tags and only http(s)
and mailto links, which get ``rel="nofollow noopener"``. No images (nothing is loaded from
elsewhere), no inline styles, no scripts. Pure: no Flask.
"""

from __future__ import annotations

import threading

import markdown
import nh3
from markupsafe import Markup

TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "code",
        "pre",
        "h3",
        "h4",
        "hr",
    }
)
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


_local = threading.local()  # a Markdown converter is not thread-safe; building one costs ~0.5 ms


def _converter() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _build()
    return md.reset()


def _build() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "nl2br"], output_format="html")
    md.preprocessors.deregister("html_block")  # raw HTML blocks become text, not markup
    md.inlinePatterns.deregister("html")  # inline tags too
    md.inlinePatterns.deregister("image_link")  # ![alt](url): no images from elsewhere
    md.inlinePatterns.deregister("image_reference")
    return md


def to_html(text: str | None) -> Markup:
    """``text`` (plain or Markdown) as sanitised HTML; headings are demoted below the page's h2."""
    if not text or not text.strip():
        return Markup("")
    html = _converter().convert(text)
    for level, to in (("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{level}>", f"<{to}>").replace(f"</{level}>", f"</{to}>")
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised above


def excerpt(text: str | None, length: int = 200) -> str:
    """The first ``length`` characters of the description as plain text (for cards and lists)."""
    plain = nh3.clean(_converter().convert(text or ""), tags=set())
    plain = " ".join(plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"
