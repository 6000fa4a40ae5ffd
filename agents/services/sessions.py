"""Ending a user's live sessions and API tokens (logout, forced logout, end of contract)."""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from rest_framework.authtoken.models import Token


def end_sessions(*, user_id: int, now: datetime) -> int:
    """Delete the user's live sessions; return how many.

    Sessions are not indexed by user: every unexpired one is decoded, a rare action's cost
    (about a second per 10,000 sessions). With a cache-only session engine, sessions cannot be
    listed, and none are ended.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    keys = [
        session.session_key
        for session in model.objects.filter(expire_date__gt=now).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user_id)
    ]
    for key in keys:
        # Through the store: a cached_db session is removed from the cache too.
        store(session_key=key).delete()
    return len(keys)


def revoke_tokens(*, user_id: int) -> int:
    """Delete the user's API token; return how many were deleted.

    Called wherever a session ends for a reason the user's API client must share: logout, forced
    logout, a password change or reset, the end of the last contract. The next login gets a new
    token.
    """
    deleted, _by_model = Token.objects.filter(user_id=user_id).delete()
    return deleted


def revoke_tokens_on_logout(
    sender: object, request: object, user: object, **kwargs: object
) -> None:
    """The `user_logged_out` receiver: every logout (the site's, the admin site's) revokes the
    user's API token too."""
    user_id = getattr(user, "pk", None)
    if user_id is not None:
        revoke_tokens(user_id=user_id)


def token_expired(*, token: Token, now: datetime) -> bool:
    """Whether a token is older than API_TOKEN_HOURS (a working day by default)."""
    return token.created <= now - timedelta(hours=settings.API_TOKEN_HOURS)
