from django.urls import path

from ceiling.views import ClaimView

urlpatterns = [path("claim/", ClaimView.as_view())]
