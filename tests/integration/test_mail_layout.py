"""One layout for every mail: HTML mails extend email/_base.html, text mails end with email/_footer.txt."""

from __future__ import annotations

import re
from pathlib import Path

from loket.db import db
from loket.services.reactivation import Scope, create_run, execute_run
from tests.conftest import Mailbox
from tests.helpers.reactivation import dormant_population
from tests.integration.test_auth_register import school_form

EMAIL = Path(__file__).resolve().parents[2] / "loket" / "web" / "templates" / "email"
MAILS = sorted({p.stem for p in EMAIL.iterdir() if not p.name.startswith("_")})
EXTENDS = re.compile(r"""{%\s*extends\s+["']email/([\w.]+)["']\s*%}""")
INCLUDES = re.compile(r"""{%\s*include\s+["']email/([\w.]+)["']\s*%}""")


def _chain(name: str, pattern: re.Pattern[str]) -> list[str]:
    """The templates a mail reaches by following extends (or includes) from ``name``."""
    seen = [name]
    while m := pattern.search((EMAIL / seen[-1]).read_text(encoding="utf-8")):
        seen.append(m.group(1))
    return seen


def test_every_html_mail_extends_the_base_and_only_the_base_has_a_head():
    assert {"verify_email", "digest", "match_notice", "reactivation"} <= set(MAILS)
    for mail in MAILS:
        assert _chain(f"{mail}.html", EXTENDS)[-1] == "_base.html", mail
    heads = [p.name for p in EMAIL.glob("*.html") if "<head>" in p.read_text(encoding="utf-8")]
    assert heads == ["_base.html"]


def test_every_text_mail_ends_with_the_shared_footer():
    for mail in MAILS:
        assert _chain(f"{mail}.txt", INCLUDES)[-1] == "_footer.txt", mail
    signed = [p.name for p in EMAIL.glob("*.txt") if "Het team van Loket" in p.read_text(encoding="utf-8")]
    assert signed == ["_footer.txt"]


def test_a_verification_mail_has_the_common_header_and_signature(client, mailbox: Mailbox):
    assert client.post("/aanmelden", data=school_form()).status_code == 302
    (msg,) = mailbox.to("anna@school.example")
    html, text = mailbox.html_of(msg), mailbox.text_of(msg).replace("\r\n", "\n")
    assert html.count("<head>") == 1 and '<html lang="nl">' in html
    assert (
        html.index(">Loket</p>") < html.index("Beste Anna de Vries,") < html.index("E-mailadres bevestigen")
    )
    assert html.count("Met vriendelijke groet,") == 1 and "Afmelden" not in html  # no unsubscribe here
    assert text.rstrip().endswith("Met vriendelijke groet,\nHet team van Loket")


def test_a_reactivation_mail_has_the_unsubscribe_link_in_the_footer(make, mailbox: Mailbox):
    (user,) = dormant_population(make, 1)
    db.session.commit()
    run = create_run(None, Scope(inactive_days=365))
    db.session.commit()
    assert execute_run(run.id).sent == 1
    (msg,) = mailbox.to(user.email)
    html, text = mailbox.html_of(msg), mailbox.text_of(msg).replace("\r\n", "\n")
    footer = html[html.index("Het team van Loket") :]
    assert "<hr>" in footer and "/afmelden/" in footer and "Afmelden</a>" in footer
    tail = text[text.index("Het team van Loket") :]
    assert "Meld je af:" in tail and "http://loket.test/afmelden/" in tail
