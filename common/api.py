"""API glue shared by every app: the base view and the one place domain errors become HTTP codes."""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import OpenApiResponse
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import DomainError

BAD_INPUT = OpenApiResponse(
    description="Field errors, keyed by field (nested lists keep their positions)."
)
NOT_AUTHENTICATED = OpenApiResponse(description="No valid token or session.")
FORBIDDEN = OpenApiResponse(description="Not allowed for this role or in this territory.")


class ApiView(APIView):
    """An API view: authenticated by token or session, never redirected to the login page."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        # The API answers 401 itself; LoginRequiredMiddleware must not redirect it.
        return login_not_required(view)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.payload(), status=exc.http_status)
    return drf_exception_handler(exc, context)
