"""URLs of the staffing pages (urlpatterns) and API (api_urlpatterns)."""

urlpatterns: list = []
api_urlpatterns: list = []
