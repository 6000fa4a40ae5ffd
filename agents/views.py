"""The start page of every member of staff, and the password pages around Django's own views."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from agents import roles
from agents.middleware import forget_password_change_required
from agents.services.sessions import revoke_tokens
from agents.services.staff import record_password_changed


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the staff member's start page: what their role lets them do."""
    return render(request, "agents/home.html")


def start_page_for(user) -> str:
    """Return where a member of staff lands after logging in: a téléconseiller at her desk, a
    supervisor on the plateau board, a doctor on their declared patients, anyone else (CPAM
    admin, superuser) on the start page."""
    if user.is_superuser or roles.has_role(user, roles.ADMIN_CPAM):
        return reverse("agents:home")
    if roles.has_role(user, roles.SUPERVISEUR):
        return reverse("supervision:plateau")
    if roles.has_role(user, roles.TELECONSEILLER):
        return reverse("calls:desk")
    if roles.ARS in roles.roles_of(user):
        # A regional health agency's officer works on the clusters only.
        return reverse("supervision:clusters")
    if roles.has_role(user, roles.MEDECIN):
        return reverse("intake:declaration-list")
    return reverse("agents:home")


class LoginView(auth_views.LoginView):
    """Django's login; without a ?next=, each role lands where its work is."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return start_page_for(self.request.user)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; a first-login change required of the agent is then done."""

    def form_valid(self, form):
        response = super().form_valid(form)
        record_password_changed(user=form.user)
        revoke_tokens(user_id=form.user.pk)
        forget_password_change_required(self.request)
        return response

    def get_success_url(self) -> str:
        # Back where the forced change interrupted them, if that is a page of this site.
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}
        ):
            return target
        return super().get_success_url()


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset by e-mail; a password chosen this way is the user's own too."""

    def form_valid(self, form):
        response = super().form_valid(form)
        record_password_changed(user=form.user)
        revoke_tokens(user_id=form.user.pk)
        return response
