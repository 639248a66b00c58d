"""SMTP transport configured by one URL.

``smtp://host:port`` (plain), ``smtp://user:pass@host:587?starttls=1`` (STARTTLS + login),
``smtps://user:pass@host:465`` (implicit TLS). Temporary (4xx) and permanent (5xx) errors are
told apart so callers can retry or give up.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse


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
