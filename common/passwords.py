"""A password validator for the French passwords Django's English list does not know."""

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Compared lowercased and without trailing digits and punctuation: "Azerty123!" is "azerty".
FRENCH_COMMON_PASSWORDS = frozenset(
    {
        "azerty",
        "azertyuiop",
        "motdepasse",
        "soleil",
        "bonjour",
        "doudou",
        "chouchou",
        "loulou",
        "marseille",
        "paris",
        "jetaime",
        "nicolas",
        "julien",
        "camille",
        "coucou",
        "chocolat",
        "princesse",
        "qwertz",
        "france",
        "tracingcenter",
        "covid",
        "covid19",
        "cpam",
        "ameli",
        "securitesociale",
    }
)
# The README publishes the demo's password: nobody may choose it for a real account.
PUBLISHED_PASSWORDS = frozenset({"demo-tracing-2026"})


def _stem(password: str) -> str:
    return re.sub(r"[\d\W_]+$", "", password.lower())


class FrenchCommonPasswordValidator:
    """Refuse common French passwords and the demo's published password."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        lowered = password.lower()
        if lowered in PUBLISHED_PASSWORDS or _stem(password) in FRENCH_COMMON_PASSWORDS:
            raise ValidationError(
                _("This password is too common or published."), code="password_too_common"
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be a commonly used or published password.")
