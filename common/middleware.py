"""Response headers every page shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"


class NoStoreMiddleware:
    """Keep personal data out of browser and proxy caches.

    Every answer to a logged-in user, and every API answer (authenticated by token inside the
    view), gets `Cache-Control: no-store, private` unless the view chose its own caching. The
    login page and static files stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (user is not None and user.is_authenticated) or request.path.startswith("/api/")
        if personal and not response.has_header("Cache-Control"):
            response["Cache-Control"] = NO_STORE
        return response
