"""Render an email (text + HTML) from the templates in ``web/templates/email``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(name: str, locale: str = "nl", **context) -> Rendered:
    """Render ``email/<name>.txt`` and ``email/<name>.html``; the subject is the text's first line."""
    context.setdefault("base_url", current_app.config["LOKET_BASE_URL"])
    with force_locale(locale or "nl"):
        text = render_template(f"email/{name}.txt", **context)
        html = render_template(f"email/{name}.html", **context)
    subject, _, body = text.partition("\n")
    return Rendered(subject=subject.strip(), text=body.lstrip("\n"), html=html)


def absolute_url(path: str) -> str:
    """A deep link for emails: works from a request and from the CLI."""
    return current_app.config["LOKET_BASE_URL"] + path
