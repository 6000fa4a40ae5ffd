"""The start page of every member of staff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the staff member's start page: what their role lets them do."""
    return render(request, "agents/home.html")
