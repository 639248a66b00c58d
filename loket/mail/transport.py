"""Mail transport configured by one URL.

``smtp://host:port`` (plain), ``smtp://user:pass@host:587?starttls=1`` (STARTTLS + login),
``smtps://user:pass@host:465`` (implicit TLS). Temporary (4xx) and permanent (5xx) errors are
told apart so callers can retry or give up.

``file:///path/to/dir`` (development's default: ``<instance>/mail``) writes each message to
``<dir>/<time>-<id>.eml`` instead, with a log line; ``/dev/mail`` lists them.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

log = logging.getLogger(__name__)


class TemporarySendError(Exception):
    """A 4xx answer or a connection problem: try again later."""


class PermanentSendError(Exception):
    """A 5xx answer: this message will never be accepted."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    verify_tls: bool = True

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse ``smtp://`` / ``smtps://`` URLs; raises ValueError naming what is wrong."""
        u = urlparse(url)
        if u.scheme not in ("smtp", "smtps"):
            raise ValueError(f"LOKET_SMTP_URL must start with smtp:// or smtps://, got {url!r}")
        if not u.hostname:
            raise ValueError(f"LOKET_SMTP_URL has no host: {url!r}")
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        use_ssl = u.scheme == "smtps"
        return cls(
            host=u.hostname,
            port=u.port or (465 if use_ssl else 25),
            ssl=use_ssl,
            starttls=q.get("starttls", "0").lower() in ("1", "true", "yes"),
            username=unquote(u.username) if u.username else None,
            password=unquote(u.password) if u.password else None,
            timeout=float(q.get("timeout", 30)),
            verify_tls=q.get("verify", "1").lower() not in ("0", "false", "no"),
        )


class SmtpTransport:
    """A reusable SMTP connection; reconnects when the server drops it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if not self.settings.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.ssl:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self._context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    conn.starttls(context=self._context())
            if s.username:
                conn.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentSendError(f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporarySendError(f"cannot connect to SMTP {s.host}:{s.port}: {exc}") from exc
        return conn

    def send(self, msg: EmailMessage, envelope_from: str | None = None) -> None:
        """Send one message; raises TemporarySendError or PermanentSendError."""
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.send_message(msg, from_addr=envelope_from)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            self.close()
            if codes and all(c >= 500 for c in codes):
                raise PermanentSendError(f"recipient refused: {exc.recipients}") from exc
            raise TemporarySendError(f"recipient temporarily refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code >= 500:
                raise PermanentSendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporarySendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporarySendError(str(exc)) from exc
        if refused:
            raise PermanentSendError(f"recipients refused: {refused}")

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._conn.quit()
            self._conn = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mail_dir(url: str) -> Path | None:
    """The folder of a ``file://`` mail URL (``file:///abs/dir``), else None."""
    u = urlparse(url)
    if u.scheme != "file":
        return None
    path = unquote(u.netloc + u.path)
    if not path:
        raise ValueError(f"LOKET_SMTP_URL file:// needs a folder, e.g. file:///srv/loket/mail, got {url!r}")
    return Path(path)


class FileTransport:
    """Development delivery: each message becomes ``<dir>/<UTC time>-<id>.eml`` and one log line.
    Nothing leaves the machine; the file is what an SMTP server would have received."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, msg: EmailMessage, envelope_from: str | None = None) -> Path:
        """Write ``msg``; raises TemporarySendError when the folder cannot be written."""
        ident = re.sub(r"[^A-Za-z0-9]+", "", str(msg.get("Message-ID") or ""))[:24] or uuid.uuid4().hex[:12]
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{ident}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / name
            path.write_bytes(msg.as_bytes())
        except OSError as exc:
            raise TemporarySendError(f"cannot write mail to {self.folder}: {exc}") from exc
        log.info("mail to %s (%s) written to %s", msg.get("To"), msg.get("Subject"), path)
        return path

    def close(self) -> None:
        """Nothing to close (the same interface as SmtpTransport)."""

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
