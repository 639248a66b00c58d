"""The safety step before a run starts from the web: how many would get a message, the rendered
message of a sample recipient (HTML and text), a test copy to the starter's own address, and a
fingerprint of the preview that the start must confirm (so a changed selection is not sent blindly).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from email.utils import make_msgid

from flask_babel import lazy_gettext as _l

from loket.db import db
from loket.mail.outbox import queue_message
from loket.models import OutboxMessage, User
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.policies import can_start_reactivation, require
from loket.services.reactivation.compose import NearbyIndex, compose, users_with_orgs
from loket.services.reactivation.selection import Scope, count_recipients, recipients_query

TEST_KIND = "reactivation_test"


@dataclass
class RunPreview:
    """What starting a run with ``scope`` would do now."""

    scope: Scope
    count: int
    sample: User | None
    message: OutboxMessage | None  # rendered for the sample, never stored
    fingerprint: str


def _fingerprint(scope: Scope, count: int, sample_id: int | None) -> str:
    raw = json.dumps({"scope": scope.as_params(), "count": count, "sample": sample_id}, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def preview_run(actor: User, scope: Scope) -> RunPreview:
    """Count the recipients and render the message of the first one (a preview token: its links
    lead nowhere). Who may start a run for the scope may preview it."""
    require(
        can_start_reactivation(actor, scope.cluster_id),
        _l("Je mag alleen verzendrondes van je eigen cluster(s) voorbereiden."),
    )
    scope.validate()
    count = count_recipients(scope)
    first = db.session.scalar(recipients_query(scope).with_only_columns(User.id).limit(1))
    sample = users_with_orgs([first])[0] if first is not None else None
    message = compose(sample, None, NearbyIndex(), dry_run=True) if sample is not None else None
    return RunPreview(scope, count, sample, message, _fingerprint(scope, count, first))


def check_confirmation(actor: User, scope: Scope, confirm: str | None) -> RunPreview:
    """The preview again; ServiceError when ``confirm`` is not its fingerprint (not previewed, or
    the selection changed since)."""
    preview = preview_run(actor, scope)
    if not confirm or confirm != preview.fingerprint:
        raise ServiceError(
            _l(
                "De selectie is veranderd sinds het voorbeeld (of er is geen voorbeeld bekeken). "
                "Er is niets verstuurd: bekijk het nieuwe voorbeeld en bevestig opnieuw."
            )
        )
    return preview


def send_test(actor: User, scope: Scope) -> OutboxMessage:
    """Queue the sample's message to ``actor``'s own address (subject marked as a test); it leaves
    after the commit over the real mail server, and the audit log records it."""
    preview = preview_run(actor, scope)
    if preview.message is None or preview.sample is None:
        raise ServiceError(_l("Deze selectie heeft geen ontvangers, dus er is geen voorbeeld om te sturen."))
    if not actor.email:
        raise ServiceError(_l("Je account heeft geen e-mailadres om het voorbeeld naar te sturen."))
    m = preview.message
    domain = m.message_id.rsplit("@", 1)[-1].rstrip(">") if m.message_id else "loket"
    row = OutboxMessage(
        run_id=None,
        user_id=actor.id,
        kind=TEST_KIND,
        to_addr=actor.email,
        subject=f"[TEST] {m.subject}",
        body_text=m.body_text,
        body_html=m.body_html,
        headers={"Auto-Submitted": "auto-generated", "X-Loket-Test": "1"},
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain),
        attempts=0,
    )
    queue_message(row)
    record(
        actor, "email_run.test_send", row, to=actor.email, sample_user=preview.sample.id, count=preview.count
    )
    return row


__all__ = ["TEST_KIND", "RunPreview", "check_confirmation", "preview_run", "send_test"]
