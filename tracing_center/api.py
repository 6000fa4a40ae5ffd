"""Project-wide API glue: the base view and the one place domain errors become HTTP codes."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A refusal by a service that the caller can understand; subclasses set the HTTP status."""

    http_status = status.HTTP_409_CONFLICT
    code = "conflict"

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message or self.__class__.__doc__ or ""

    def payload(self) -> dict:
        """Return the response body: detail and code, plus the plain facts a subclass set on the
        instance (LeaseLost's attempt_id), which the client needs to act on the refusal."""
        facts = {
            name: value
            for name, value in vars(self).items()
            if name != "message" and not name.startswith("_") and (value is None or isinstance(value, str | int | float))
        }
        return {"detail": str(self.message), "code": self.code, **facts}


class ApiView(APIView):
    """An API view: authenticated by token or session, never redirected to the login page."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        # The API answers 401 itself; LoginRequiredMiddleware must not redirect it.
        view.login_required = False
        return view


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.payload(), status=exc.http_status)
    return drf_exception_handler(exc, context)
