"""What intake refuses, as explicit errors."""

from common.exceptions import CsvImportError, DomainError


class ContactImportError(CsvImportError):
    """The contacts file was refused; ``errors`` says why, with line numbers."""


class ImportTakenOver(Exception):
    """The sweep took the job back while this worker ran it: this run must record nothing."""


class MergeRefused(DomainError):
    """These two persons cannot be merged, or the merge cannot be undone, as asked."""
