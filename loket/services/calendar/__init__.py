"""The school calendar: official school holidays per region (``holidays_table``, loaded by admins from a
CSV), a school's own days off (``days_off``), the region of a school (``regions``) and the warnings a
proposed activity date gets (``warnings``: outside the periods, weekend, public or school holiday,
own day off, early or late)."""

from loket.services.calendar.days_off import add_day_off, days_off_of, remove_day_off
from loket.services.calendar.holidays_table import HolidayFileError, holidays_for, load_holidays
from loket.services.calendar.regions import region_of
from loket.services.calendar.warnings import DateWarning, warnings_for

__all__ = [
    "DateWarning",
    "HolidayFileError",
    "add_day_off",
    "days_off_of",
    "holidays_for",
    "load_holidays",
    "region_of",
    "remove_day_off",
    "warnings_for",
]
