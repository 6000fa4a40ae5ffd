"""API authentication: tokens that expire (DESIGN.md §6)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from agents.services.sessions import token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) a token older than API_TOKEN_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token=token, now=timezone.now()):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Token expired."))
        return user, token
