"""The service's time zone: dates and times that people read (deadlines, rounds, "today" on a
dashboard, the scheduler's daily jobs) are Dutch local time. Pure module."""

from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
