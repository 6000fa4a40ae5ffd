"""URLs of the foundation's pages: the start page."""

from django.urls import path

from agents import views

app_name = "agents"
urlpatterns = [
    path("", views.home, name="home"),
]
