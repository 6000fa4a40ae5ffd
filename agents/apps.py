from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = _("Floors and agents")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from agents.middleware import remember_password_change_required

        # Every login page (the site's, the admin's) goes through this signal.
        user_logged_in.connect(remember_password_change_required, dispatch_uid="password-change")
