"""Where a patient lives decides which CPAM calls them: a French postcode's département, and the
territory of that département. The one rule of the doctors' form and API."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agents.models import Territory

_POSTCODE = re.compile(r"^\d{5}$")
# The overseas départements: their postcodes start with their three-digit code.
_OVERSEAS = ("971", "972", "973", "974", "976")


def is_postcode(code: str) -> bool:
    """Whether a string is shaped like a French postcode: five digits (no spaces)."""
    return bool(_POSTCODE.match(code))


def departement_of_postcode(postcode: str) -> str:
    """Return the département code of a French postcode: its first two digits, three overseas
    (971–976), 2A or 2B in Corsica (200xx–201xx, 202xx–206xx)."""
    code = postcode.replace(" ", "").strip()
    if not is_postcode(code) or code.startswith("00"):
        raise ValidationError(_("A French postcode has five digits."), code="postcode_format")
    if code.startswith("97"):
        if code[:3] in _OVERSEAS:
            return code[:3]
        raise ValidationError(
            _("No département has the postcode %(postcode)s.") % {"postcode": code},
            code="postcode_unknown",
        )
    if code.startswith("20"):
        if code[2] in "01":
            return "2A"
        if code[2] in "23456":
            return "2B"
        raise ValidationError(
            _("No département has the postcode %(postcode)s.") % {"postcode": code},
            code="postcode_unknown",
        )
    return code[:2]


def territory_for_postcode(postcode: str) -> Territory:
    """Return the territory (CPAM) that calls the people living at this postcode; a postcode of
    a département with no territory in the system is refused."""
    code = departement_of_postcode(postcode)
    territory = Territory.objects.filter(code=code).first()
    if territory is None:
        raise ValidationError(
            _(
                "The postcode %(postcode)s is in the département %(code)s, which has no CPAM on "
                "this system yet: call the CPAM of the patient's département."
            )
            % {"postcode": postcode.strip(), "code": code},
            code="postcode_no_territory",
        )
    return territory
