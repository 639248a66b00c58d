"""Reading the development mail folder (``file://`` mail URL, see ``loket.mail.transport``): the
written messages newest first, and one message's headers and text, for the ``/dev/mail`` page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

NAME = re.compile(r"^[0-9TZ]+-[A-Za-z0-9]+\.eml$")  # what FileTransport writes, nothing else


@dataclass(frozen=True)
class Letter:
    """One written message: its file name, headers and text part."""

    name: str
    subject: str
    to: str
    written_at: datetime
    text: str


def _read(path: Path) -> Letter:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    return Letter(
        name=path.name,
        subject=str(msg.get("Subject") or ""),
        to=str(msg.get("To") or ""),
        written_at=datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC),
        text=body.get_content() if body is not None else "",
    )


def letters(folder: Path, limit: int = 200) -> list[Letter]:
    """The newest ``limit`` messages in ``folder``, newest first (none when it does not exist)."""
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)
    return [_read(folder / name) for name in names[:limit]]


def letter(folder: Path, name: str) -> Letter | None:
    """The message called ``name`` in ``folder``, or None (also for a name FileTransport never
    writes, such as ``../x``)."""
    if not NAME.match(name) or not (folder / name).is_file():
        return None
    return _read(folder / name)
