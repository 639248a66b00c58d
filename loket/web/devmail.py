"""Development only: the mail Loket wrote to ``instance/mail`` (``file://`` mail URL) instead of
sending it, newest first, each with its text and clickable links, so a newcomer running
``make run`` can open the confirmation link of the address they registered with.

Every route answers 404 in production and whenever mail is not written to a folder.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup, escape

from loket.mail import devbox
from loket.mail.transport import mail_dir

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
URL = re.compile(r"https?://[^\s<>\"']+")


def _folder():
    """The mail folder when the page is enabled, else a 404."""
    if current_app.config["LOKET_ENV"] == "production":
        abort(404)
    folder = mail_dir(current_app.config["LOKET_SMTP_URL"])
    if folder is None:
        abort(404)
    return folder


def linkify(text: str) -> Markup:
    """Escaped plain text with its http(s) links as anchors."""
    out, last = [], 0
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,);")
        out += [escape(text[last : m.start()]), Markup('<a href="{0}">{0}</a>').format(url)]
        last = m.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.get("/")
def inbox():
    folder = _folder()
    return render_template("dev/mail_list.html", letters=devbox.letters(folder), folder=folder)


@bp.get("/<name>")
def message(name: str):
    found = devbox.letter(_folder(), name)
    if found is None:
        abort(404)
    return render_template("dev/mail_message.html", letter=found, body=linkify(found.text))
