"""What intake refuses, as explicit errors."""

from common.exceptions import CsvImportError


class ContactImportError(CsvImportError):
    """The contacts file was refused; ``errors`` says why, with line numbers."""
