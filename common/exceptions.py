"""The base of every domain error: a refusal a caller can understand, mapped once to HTTP."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class DomainError(Exception):
    """A refusal by a service that the caller can understand; subclasses set the HTTP status."""

    http_status = status.HTTP_409_CONFLICT
    code = "conflict"

    def __init__(self, message: str = ""):
        super().__init__(message)
        # The docstring is the default message, wrapped in the source: one line of it.
        self.message = message or " ".join((self.__class__.__doc__ or "").split())

    def payload(self) -> dict:
        """Return the response body: detail and code, plus the plain facts a subclass set on the
        instance (LeaseLost's attempt_id), which the client needs to act on the refusal."""
        facts = {
            name: value
            for name, value in vars(self).items()
            if name != "message"
            and not name.startswith("_")
            and (value is None or isinstance(value, str | int | float))
        }
        return {"detail": str(self.message), "code": self.code, **facts}


class CsvImportError(Exception):
    """The file was refused; ``errors`` says why, one message per problem, with line numbers."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"
