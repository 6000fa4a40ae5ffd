from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = _("Floors and agents")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from agents.middleware import remember_password_change_required
        from agents.services.sessions import revoke_tokens_on_logout

        # Every login and logout page (the site's, the admin's) goes through these signals.
        user_logged_in.connect(remember_password_change_required, dispatch_uid="password-change")
        user_logged_out.connect(revoke_tokens_on_logout, dispatch_uid="revoke-tokens-on-logout")
