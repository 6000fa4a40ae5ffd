"""Places where exposures happened: one row per place of a territory, found again whatever the
spelling of its name and address (docs/clusters.md)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agents.models import Territory
from agents.postcodes import is_postcode
from cases.models import Place
from common.text import plain_text


@dataclass(frozen=True)
class PlaceData:
    """A place as intake received it."""

    name: str
    type: str
    address: str = ""
    postcode: str = ""


def place_data(*, name: str, type: str, address: str = "", postcode: str = "") -> PlaceData | None:
    """Return the place a contact names (None when every field is empty), or raise a
    ValidationError keyed by place_name, place_type, place_postcode: the one rule of the form,
    the API and the CSV import."""
    name, type, address, postcode = (v.strip() for v in (name, type, address, postcode))
    if not (name or type or address or postcode):
        return None
    errors = {}
    if not name:
        errors["place_name"] = _("Name the place, or leave all its fields empty.")
    if type not in Place.Type.values:
        errors["place_type"] = (
            _("Unknown type of place: %(value)s (expected one of: %(choices)s)")
            % {"value": type, "choices": ", ".join(Place.Type.values)}
            if type
            else _("Choose the type of place.")
        )
    if postcode and not is_postcode(postcode):
        errors["place_postcode"] = _("A postcode has 5 digits.")
    if errors:
        raise ValidationError(errors)
    return PlaceData(name=name, type=type, address=address, postcode=postcode)


def normalise(text: str) -> str:
    """Return a name or address as compared: lower case, no accents, no punctuation, one space
    between words ("  École Jules-Ferry " → "ecole jules ferry")."""
    return plain_text(text)


def place_key(data: PlaceData) -> tuple[str, str]:
    return normalise(data.name), normalise(data.address)


def find_or_create_places(
    *, territory: Territory, places: list[PlaceData], now: datetime
) -> list[Place]:
    """Return one place per entry, reusing the territory's place of the same normalised name and
    address (the first spelling and type given are kept)."""
    keys = [place_key(data) for data in places]
    first_of: dict[tuple[str, str], PlaceData] = {}
    for key, data in zip(keys, places, strict=True):
        first_of.setdefault(key, data)
    # Insert what may be new, ignoring the rows that exist (or that a concurrent intake has just
    # inserted: the unique constraint decides), then read them all back.
    Place.objects.bulk_create(
        [
            Place(
                territory=territory,
                name=data.name.strip(),
                type=data.type,
                address=data.address.strip(),
                postcode=data.postcode.strip(),
                normalised_name=key[0],
                normalised_address=key[1],
                created_at=now,
            )
            for key, data in first_of.items()
        ],
        ignore_conflicts=True,
    )
    found = {
        (place.normalised_name, place.normalised_address): place
        for place in Place.objects.filter(
            territory=territory, normalised_name__in={key[0] for key in first_of}
        )
    }
    return [found[key] for key in keys]


def find_or_create_place(*, territory: Territory, data: PlaceData, now: datetime) -> Place:
    """Return the territory's place of this name and address, created if it is new."""
    [place] = find_or_create_places(territory=territory, places=[data], now=now)
    return place
