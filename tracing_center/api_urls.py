"""Public API v1 (DESIGN.md §7): one APIView per operation."""

app_name = "api"
urlpatterns: list = []
