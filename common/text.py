"""Text as the system compares it: one rule for names of people and of places."""

import re

from unidecode import unidecode

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def plain_text(text: str) -> str:
    """Return text transliterated to ASCII, in lower case, with every run of punctuation and
    spaces made one space ("  École Jules-Ferry " → "ecole jules ferry", "Cœur" → "coeur",
    "Мария" → "mariia")."""
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", unidecode(text or "").lower()).split())
