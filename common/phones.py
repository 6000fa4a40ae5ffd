"""Phone numbers: read what people type, store E.164."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A national number such as 0692 12 34 56 belongs to La Réunion, not to metropolitan France:
# after the territory's own region, the other French numbering regions are tried in turn.
FRENCH_REGIONS = ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF")


def to_e164(raw: str, *, region: str = "FR") -> str:
    """Return the number in E.164, reading a national number in the territory's region first."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("A phone number is required."), code="required")
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = [region] + [r for r in FRENCH_REGIONS if r != region]
    for candidate_region in regions:
        try:
            number = phonenumbers.parse(text, candidate_region)
        except phonenumbers.NumberParseException:
            break
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if text.startswith("+"):
            break  # An international number does not depend on the region: no use trying others.
    raise ValidationError(
        _("Invalid phone number: %(value)s"), code="invalid_phone", params={"value": raw}
    )


def display(e164: str) -> str:
    """Return the number as people read it: national form at home, international abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def display_for(e164: str, region: str) -> str:
    """Return the number as a caller of `region` reads it: national form ("06 12 34 56 78") for
    a number of that region (or of France's other numbering regions from a French territory),
    international form otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number)
    same = home == region or (home in FRENCH_REGIONS and region in FRENCH_REGIONS)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
