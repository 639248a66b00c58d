"""In-app notifications and their email (``inbox``), bundled into a daily digest (``digest``)."""

from loket.services.notifications.digest import send_digests
from loket.services.notifications.inbox import mark_all_read, mark_read, notify, page_for, unread_count

__all__ = ["mark_all_read", "mark_read", "notify", "page_for", "send_digests", "unread_count"]
