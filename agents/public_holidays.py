"""French public holidays of a territory, from the `holidays` package (Alsace-Moselle and overseas
départements have their own)."""

from datetime import date
from functools import lru_cache

import holidays
from django.utils.translation import get_language

from agents.models import Territory

# Départements whose public holidays differ from metropolitan France's, by the package's
# subdivision: Moselle, the Collectivité européenne d'Alsace (Bas-Rhin and Haut-Rhin), overseas.
SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@lru_cache(maxsize=256)
def _holidays(subdivision: str | None, year: int, language: str) -> dict[date, str]:
    return dict(holidays.France(subdiv=subdivision, years=year, language=language))


def holidays_of(territory: Territory, year: int) -> dict[date, str]:
    """Return the territory's public holidays of a year, named in the user's language."""
    language = "en_US" if (get_language() or "fr").startswith("en") else "fr"
    return _holidays(SUBDIVISIONS.get(territory.code), year, language)


def holiday_name(territory: Territory, day: date) -> str | None:
    """Return the name of the public holiday on this day in this territory, or None."""
    return holidays_of(territory, day.year).get(day)
