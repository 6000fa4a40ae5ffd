"""The confirmation step of the workforce's destructive actions (issue 13): a page that says what
will happen, which posts back with `confirm=yes`; without that field the action writes nothing."""

from collections.abc import Sequence

from django.forms import BoundField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirm"


def confirmed(request: HttpRequest) -> bool:
    """Say whether a request comes from a confirmation page: a bare post (an old page's button, a
    double submit, a forged link) only shows the confirmation."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def render_confirmation(
    request: HttpRequest,
    *,
    title: str,
    facts: Sequence[tuple[str, str]],
    consequences: Sequence[str],
    confirm_label: str,
    back_url: str,
    back_label: str,
    hidden: Sequence[tuple[str, object]] = (),
    fields: Sequence[BoundField] = (),
    warning: str = "",
    danger: bool = True,
) -> HttpResponse:
    """Render the confirmation page: the facts (who, what, when), what will happen and what is
    lost, the button that confirms (posting `hidden` and `fields` again) and the way back."""
    return render(
        request,
        "workforce/confirm.html",
        {
            "title": title,
            "facts": facts,
            "consequences": consequences,
            "confirm_label": confirm_label,
            "back_url": back_url,
            "back_label": back_label,
            "hidden": hidden,
            "fields": fields,
            "warning": warning,
            "danger": danger,
        },
    )
