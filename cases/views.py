"""The contact rows shared by the intake form and the desk's interview: one responder, one rule."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from agents.models import Language
from cases.forms import CONTACTS_PREFIX, ContactForm
from cases.services import MAX_CONTACTS

TOTAL_FORMS = f"{CONTACTS_PREFIX}-TOTAL_FORMS"


def with_extra_row(data):
    """Return the posted form data with one more (empty) contact row, up to MAX_CONTACTS."""
    data = data.copy()
    try:
        total = int(data.get(TOTAL_FORMS, "0"))
    except ValueError:
        total = 0
    data[TOTAL_FORMS] = str(min(max(total, 0) + 1, MAX_CONTACTS))
    return data


def render_contact_row(request: HttpRequest) -> HttpResponse:
    """Render the next empty row of a contacts formset, numbered from ?<prefix>-TOTAL_FORMS
    (shared by the intake form and the desk's interview); 204 once the list is full."""
    try:
        index = int(request.GET.get(TOTAL_FORMS, ""))
    except ValueError:
        return HttpResponseBadRequest()
    if index < 0:
        return HttpResponseBadRequest()
    if index >= MAX_CONTACTS:
        return HttpResponse(status=204)
    # ?language=: the patient zéro's, a new contact's default (an unknown code is ignored).
    language = request.GET.get("language", "")
    default_language = language if Language.objects.filter(code=language).exists() else None
    form = ContactForm(
        prefix=f"{CONTACTS_PREFIX}-{index}",
        empty_permitted=True,
        use_required_attribute=False,
        default_language=default_language,
    )
    context = {"form": form, "index": index, "next_total_forms": index + 1, "show_errors": False}
    return render(request, "cases/_contact_form.html", context)
