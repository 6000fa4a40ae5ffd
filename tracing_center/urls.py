from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agents import views as agents_views
from calls.views import desk as calls_views
from tracing_center import health

urlpatterns = [
    # For load balancers and monitoring: anonymous, nothing personal (tracing_center/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("agents.urls")),
    path("workforce/", include("workforce.urls")),
    path("cases/", include("intake.urls")),
    path("desk/", include("calls.urls")),
    path("supervision/", include("supervision.urls")),
    path("integrity/", include("integrity.urls")),
    # Without a ?next=, a téléconseiller lands on her desk, a supervisor on the board.
    path("accounts/login/", agents_views.LoginView.as_view(), name="login"),
    # An agent who logs out goes offline and gives back the call they held.
    path("accounts/logout/", calls_views.logout, name="logout"),
    # Every user changes their password; a forgotten one is reset by e-mail (console by default).
    path(
        "accounts/password_change/",
        agents_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        agents_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The language switch must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The admin pages of models that moved to another app keep their old addresses.
    re_path(
        r"^admin/agents/(?P<rest>(?:candidate|candidateevent|clockentry|contract|shift|shiftpattern"
        r"|staffingparameters|trainingsession|volumeforecast)/.*)$",
        RedirectView.as_view(url="/admin/workforce/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracing_center.api_urls")),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        # Swagger UI's page carries one inline <style> block; its scripts are our static files.
        login_not_required(
            csp_update({"style-src": ["'unsafe-inline'"]})(
                SpectacularSwaggerSplitView.as_view(url_name="api-schema")
            )
        ),
        name="api-docs",
    ),
]
