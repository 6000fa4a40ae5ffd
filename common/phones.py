"""Phone numbers: read what people type, store E.164, and say why a number is refused."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType, ValidationResult

# A national number such as 0692 12 34 56 belongs to La Réunion, not to metropolitan France:
# after the territory's own region, the other French numbering regions are tried in turn.
FRENCH_REGIONS = ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
REGION_NAMES = {
    "FR": _("metropolitan France"),
    "RE": _("La Réunion"),
    "GP": _("Guadeloupe"),
    "MQ": _("Martinique"),
    "GF": _("French Guiana"),
    "YT": _("Mayotte"),
    "PM": _("Saint-Pierre-et-Miquelon"),
    "BL": _("Saint-Barthélemy"),
    "MF": _("Saint-Martin"),
    "NC": _("New Caledonia"),
    "PF": _("French Polynesia"),
    "WF": _("Wallis and Futuna"),
}
# Lines that are not a person's: a call centre does not call them back (a premium-rate number
# costs the caller, the others are services).
_SERVICE_TYPES = {
    PhoneNumberType.PREMIUM_RATE: _("a premium-rate number"),
    PhoneNumberType.SHARED_COST: _("a shared-cost service number"),
    PhoneNumberType.TOLL_FREE: _("a toll-free service number"),
    PhoneNumberType.UAN: _("a company's service number"),
    PhoneNumberType.VOICEMAIL: _("a voicemail access number"),
}
_SEPARATORS = re.compile(r"[\s.\-/()\u00a0\u202f]")


def to_e164(raw: str, *, region: str = "FR") -> str:
    """Return the number in E.164, reading a national number in the territory's region first;
    refuse it with the reason explain_invalid gives."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("A phone number is required."), code="required")
    number = _read(text, region)
    if number is not None and phonenumbers.number_type(number) not in _SERVICE_TYPES:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(
        _("Invalid phone number: %(value)s — %(reason)s"),
        code="invalid_phone",
        params={"value": raw, "reason": explain_invalid(raw, region=region)},
    )


def _read(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """Return the valid number `text` stands for, read in `region`, then in France's other
    numbering regions; None if none reads it."""
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = [region] + [r for r in FRENCH_REGIONS if r != region]
    for candidate_region in regions:
        try:
            number = phonenumbers.parse(text, candidate_region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
        if text.startswith("+"):
            return None  # An international number does not depend on the region.
    return None


def explain_invalid(raw: str, *, region: str = "FR") -> str:
    """Return why `raw` is not a number the call centre can call, read from a territory whose
    numbering region is `region` (empty when it is one)."""
    text = (raw or "").strip()
    if not text:
        return str(_("A phone number is required."))
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = _SEPARATORS.sub("", text)
    international = digits.startswith("+")
    digits = digits.removeprefix("+")
    if not digits.isdigit():
        return str(_("it holds characters other than digits, spaces, dots, dashes and a leading +"))
    number = _read(text, region)
    if number is not None:
        kind = _SERVICE_TYPES.get(phonenumbers.number_type(number))
        return str(_("this is %(kind)s, not a person's line") % {"kind": kind}) if kind else ""
    if international:
        return _explain_international(digits)
    return _explain_national(digits, region)


def _explain_international(digits: str) -> str:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return str(_("+%(code)s is not a country calling code") % {"code": digits[:3]})
        return str(_("too short to be a phone number"))
    code = number.country_code
    national = str(number.national_number)
    # An overseas number written with another code (+33 692…, or Mayotte's +269 for +262).
    for other in FRENCH_REGIONS:
        found = _valid_in(f"0{national}", other)
        if found is not None and found.country_code != code:
            # +262 serves La Réunion and Mayotte: the number's own range tells which.
            home = phonenumbers.region_code_for_number(found)
            return str(
                _(
                    "this is a number of %(place)s written with the code +%(code)s; "
                    "%(place)s's numbers start with +%(right)s: %(suggestion)s"
                )
                % {
                    "place": REGION_NAMES.get(home or other, REGION_NAMES[other]),
                    "code": code,
                    "right": found.country_code,
                    "suggestion": _international(found),
                }
            )
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return str(_("too short for a number with the code +%(code)s") % {"code": code})
    if reason == ValidationResult.TOO_LONG:
        return str(_("too long for a number with the code +%(code)s") % {"code": code})
    return str(
        _("no number with the code +%(code)s starts with these digits: check them") % {"code": code}
    )


def _explain_national(digits: str, region: str) -> str:
    if region in FRENCH_REGIONS:
        count = len(digits)
        expected = 10 if digits.startswith("0") else 9
        if count < expected:
            return str(
                _("too short: a French number has 10 digits starting with 0 (%(count)d given)")
                % {"count": count}
            )
        if count > expected:
            return str(
                _(
                    "too long: a French number has 10 digits starting with 0 (%(count)d given); "
                    "a foreign number starts with + or 00 and its country code"
                )
                % {"count": count}
            )
        return str(
            _(
                "no number in metropolitan France or overseas starts with %(prefix)s: "
                "check the digits, or write a foreign number with + and its country code"
            )
            % {"prefix": _national_prefix(digits)}
        )
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return str(_("too short to be a phone number"))
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return str(_("too short for a national number"))
    if reason == ValidationResult.TOO_LONG:
        return str(_("too long for a national number: a foreign number starts with + or 00"))
    return str(_("no national number starts with these digits: check them"))


def _national_prefix(digits: str) -> str:
    """The first four digits as written at home: 0 and the three after it."""
    return ("0" + digits.removeprefix("0"))[:4]


def _valid_in(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _international(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


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
