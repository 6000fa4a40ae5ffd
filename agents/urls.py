"""URLs of the foundation's pages: the start page."""

from django.urls import path

from agents import api, views

app_name = "agents"
urlpatterns = [
    path("", views.home, name="home"),
]
api_urlpatterns = [
    path("auth/token/", api.ObtainTokenView.as_view(), name="obtain-token"),
    path("territories/", api.CreateTerritoryView.as_view(), name="create-territory"),
]
