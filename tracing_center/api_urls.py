"""Public API v1 (DESIGN.md §7): each app's routes (its urls.api_urlpatterns), one APIView per
operation."""

from django.urls import include, path

from agents import urls as agents_urls
from calls import urls as calls_urls
from intake import urls as intake_urls
from supervision import urls as supervision_urls
from workforce import urls as workforce_urls

app_name = "api"
urlpatterns = [
    path("", include(app.api_urlpatterns))
    for app in (agents_urls, intake_urls, calls_urls, supervision_urls, workforce_urls)
]
