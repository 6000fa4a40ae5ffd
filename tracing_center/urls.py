from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.contrib.auth.decorators import login_not_required

urlpatterns = [
    path("admin/", admin.site.urls),
]
