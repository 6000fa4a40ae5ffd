"""Sane ranges for the dates people and laboratories type: one function per kind of date, called
by the API's serializers, the pages' forms and the CSV import alike (docs/api.md, "Input bounds").

A date out of its range is refused with a field error: year 1 or 9999 is a typing slip, and
once stored it breaks every page that reads it back.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The earliest birth date anyone alive can have, with room for the registers' errors.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# The widest range any other date may take, whatever its kind: far enough for the contracts and
# the rota planned ahead, near enough that adding a few weeks never leaves Python's dates.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The largest id a row can have (BigAutoField: signed 64 bits on SQLite and PostgreSQL). An id
# beyond it cannot even be looked up (SQLite raises OverflowError on `pk__in` and on a foreign
# key's filter; Django guards only `pk=`): an input id field takes it as max_value, to answer 400
# on that field instead.
MAX_ID = 2**63 - 1


def check_past_date(value: date, *, today: date, earliest: date) -> date:
    """Refuse a date in the future or before `earliest`; return it otherwise."""
    if value > today:
        raise ValidationError(_("The date is in the future."), code="future")
    if value < earliest:
        raise ValidationError(
            _("The date is before %(date)s.") % {"date": date_format(earliest)}, code="too_old"
        )
    return value


def recent_window_start(today: date) -> date:
    return today - timedelta(days=settings.RECENT_DATE_MAX_AGE_DAYS)


def check_sample_date(value: date, *, today: date) -> date:
    """A test's sample: taken in the last RECENT_DATE_MAX_AGE_DAYS days."""
    return check_past_date(value, today=today, earliest=recent_window_start(today))


def check_onset_date(value: date, *, today: date) -> date:
    """The first symptoms: in the last RECENT_DATE_MAX_AGE_DAYS days."""
    return check_past_date(value, today=today, earliest=recent_window_start(today))


def check_exposure_date(value: date, *, today: date) -> date:
    """A contact's last exposure: in the last RECENT_DATE_MAX_AGE_DAYS days."""
    return check_past_date(value, today=today, earliest=recent_window_start(today))


def check_birth_date(value: date, *, today: date) -> date:
    return check_past_date(value, today=today, earliest=EARLIEST_BIRTH_DATE)


def check_plain_date(value: date) -> date:
    """Any other date (contracts, shifts, reports): between EARLIEST_DATE and LATEST_DATE."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("The date must be between %(first)s and %(last)s.")
            % {"first": date_format(EARLIEST_DATE), "last": date_format(LATEST_DATE)},
            code="out_of_range",
        )
    return value


def check_future_moment(value: datetime, *, now: datetime) -> datetime:
    """A time planned ahead (a callback, an assessment): at most FUTURE_MAX_DAYS from now."""
    if value > now + timedelta(days=settings.FUTURE_MAX_DAYS):
        raise ValidationError(
            _("The time is more than %(days)d days ahead.") % {"days": settings.FUTURE_MAX_DAYS},
            code="too_far",
        )
    return value


def parse_bounded_date(value: str | None) -> date | None:
    """Return the ISO date of a query string, or None when absent, wrong or out of range: the
    pages then fall back to their default (today), as for any other unreadable value."""
    try:
        return check_plain_date(date.fromisoformat(value or ""))
    except (ValueError, ValidationError):
        return None


def check_plain_moment(value: datetime) -> datetime:
    """A time of any other kind (an assessment, a target): on a day check_plain_date accepts."""
    check_plain_date(value.date())
    return value
