"""The client's address, behind a known number of trusted reverse proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the address the outermost trusted proxy saw, or REMOTE_ADDR without proxies.

    Each proxy appends the address it received from to X-Forwarded-For; entries left of those are
    the client's own claim and cannot be trusted.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
