"""Writes on a territory's opening hours (its floor's days and hours, public holidays apart)."""

from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from agents.exceptions import InvalidOpeningHours
from agents.models import OpeningHours, Territory


@transaction.atomic
def set_opening_hours(
    *, territory: Territory, weekday: int, opens_at: time | None, closes_at: time | None
) -> OpeningHours | None:
    """Set when the floor opens on a weekday (7: public holidays); no times means closed that
    day."""
    if not 0 <= weekday <= OpeningHours.PUBLIC_HOLIDAY:
        raise ValueError(f"unknown weekday {weekday!r}")
    if opens_at is None or closes_at is None:
        OpeningHours.objects.filter(territory=territory, weekday=weekday).delete()
        return None
    if opens_at >= closes_at:
        raise InvalidOpeningHours(_("The floor must close after it opens."))
    hours, _created = OpeningHours.objects.update_or_create(
        territory=territory,
        weekday=weekday,
        defaults={"opens_at": opens_at, "closes_at": closes_at},
    )
    return hours


@transaction.atomic
def save_opening_hours(*, territory: Territory, hours: dict[int, tuple[time, time] | None]) -> None:
    """Set the opening hours of several days at once, all or none."""
    for weekday, times in hours.items():
        opens_at, closes_at = times if times is not None else (None, None)
        set_opening_hours(
            territory=territory, weekday=weekday, opens_at=opens_at, closes_at=closes_at
        )
