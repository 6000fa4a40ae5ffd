"""Reads of the foundation shared by the apps above it: a territory's opening hours."""

from datetime import date

from agents.models import OpeningHours, Territory
from agents.public_holidays import holiday_name


def opening_hours_of(*, territory: Territory) -> dict[int, OpeningHours]:
    """Return the territory's opening hours by weekday (0 Monday … 6 Sunday, 7 public holidays)."""
    return {row.weekday: row for row in OpeningHours.objects.filter(territory=territory)}


def opening_hours_on(
    *, territory: Territory, day: date, hours: dict[int, OpeningHours] | None = None
) -> OpeningHours | None:
    """Return the hours the floor keeps on a day (its public-holiday row on a holiday), None if
    closed."""
    if hours is None:
        hours = opening_hours_of(territory=territory)
    weekday = OpeningHours.PUBLIC_HOLIDAY if holiday_name(territory, day) else day.weekday()
    return hours.get(weekday)
