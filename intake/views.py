"""Pages of the intake: index case list and detail, the registration form, the CSV import and
the doctors' declarations."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from agents import roles
from agents.access import access_own_doctor, access_own_territory_unless_superuser
from agents.models import Territory
from agents.roles import role_required
from cases.forms import CONTACTS_PREFIX, ContactFormSet
from cases.identity import merge_undo_deadline
from cases.models import IndexCase
from cases.services import MAX_CONTACTS, dismiss_candidate, log_person_access
from cases.views import render_contact_row, with_extra_row
from common.csv_files import excel_csv_response
from common.exceptions import DomainError
from intake import selectors
from intake.forms import (
    ContactImportForm,
    DoctorDeclarationForm,
    IndexCaseEditForm,
    IndexCaseForm,
)
from intake.import_jobs import live_progress, submit_contact_import
from intake.imports import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    PLACE_COLUMNS,
    STAGE_RECORDING,
    template_rows,
)
from intake.services import (
    add_contacts_later,
    doctor_external_ref,
    merge_persons,
    register_index_case,
    unmerge_persons,
    update_index_case,
)

CASE_MANAGERS = (roles.ADMIN_CPAM, roles.SUPERVISEUR)
PAGE_SIZE = 50


@require_GET
@role_required(*CASE_MANAGERS)
def index_case_list(request: HttpRequest) -> HttpResponse:
    """List the index cases of the user's territory, newest first; a search finds a case by any
    of its people's names or phone numbers."""
    search = request.GET.get("q", "").strip()[:100]
    # A phone number searched is read in the user's numbering region.
    territory = access_own_territory_unless_superuser(request.user) if search else None
    region = territory.phone_region if territory is not None else "FR"
    cases = selectors.index_cases_for_list(user=request.user, search=search, region=region)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    matched = selectors.matched_contacts(cases=list(page.object_list), search=search, region=region)
    for case in page.object_list:
        case.matched_contacts = matched.get(case.pk, [])
    # The list shows names: log the persons of the page shown (a search as such).
    log_person_access(
        user=request.user,
        persons=[case.person for case in page.object_list]
        + [person for people in matched.values() for person in people],
        what="case-search" if search else "case-list",
        now=timezone.now(),
    )
    query = urlencode({"q": search}) if search else ""
    return render(
        request, "intake/index_case_list.html", {"page": page, "search": search, "query": query}
    )


@require_GET
@role_required(*CASE_MANAGERS)
def index_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a patient zéro, a page of their contacts and the calls made to them; log the read of
    each person shown."""
    index_case = selectors.get_index_case_for_user(user=request.user, pk=pk)
    detail = selectors.index_case_detail(index_case=index_case, page=request.GET.get("page"))
    log_person_access(
        user=request.user, persons=detail.persons, what="index-case-detail", now=timezone.now()
    )
    context = {"detail": detail, "index_case": index_case, "page": detail.contacts_page}
    return render(request, "intake/index_case_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*CASE_MANAGERS)
def index_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a patient zéro's identity and case."""
    index_case = selectors.get_index_case_for_user(user=request.user, pk=pk)
    form = IndexCaseEditForm(request.POST or None, index_case=index_case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        update_index_case(
            index_case=index_case,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            language=data["language"],
            sampled_at=form.sampled_at(),
            symptom_onset_on=data["symptom_onset_on"],
            external_ref=data["external_ref"],
        )
        messages.success(request, _("The index case was updated."))
        return redirect("intake:index-case-detail", pk=index_case.pk)
    log_person_access(
        user=request.user, persons=[index_case.person], what="index-case-edit", now=timezone.now()
    )
    return render(request, "intake/index_case_edit.html", {"form": form, "index_case": index_case})


@require_http_methods(["GET", "POST"])
@role_required(*CASE_MANAGERS)
def index_case_add_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    """Add contacts named after the intake: each one's call is queued, due 24 h from now."""
    index_case = selectors.get_index_case_for_user(user=request.user, pk=pk)
    territory = index_case.territory
    context = {"index_case": index_case, "max_contacts": MAX_CONTACTS, "show_errors": True}
    # New contacts start in the patient zéro's language.
    form_kwargs = {"territory": territory, "default_language": index_case.person.language_id}
    if request.method == "GET":
        formset = ContactFormSet(prefix=CONTACTS_PREFIX, form_kwargs=form_kwargs)
        return render(
            request, "intake/index_case_add_contacts.html", context | {"formset": formset}
        )
    adding_row = "add_contact" in request.POST
    data = with_extra_row(request.POST) if adding_row else request.POST
    formset = ContactFormSet(data, prefix=CONTACTS_PREFIX, form_kwargs=form_kwargs)
    context["formset"] = formset
    if adding_row or not formset.is_valid():
        context["show_errors"] = not adding_row
        return render(request, "intake/index_case_add_contacts.html", context)
    contacts = formset.contacts()
    if not contacts:
        messages.warning(request, _("No contact was filled in: nothing was recorded."))
        return render(request, "intake/index_case_add_contacts.html", context)
    added = add_contacts_later(index_case=index_case, contacts=contacts, now=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)d contact added; their call is queued.",
            "%(count)d contacts added; their calls are queued.",
            len(added),
        )
        % {"count": len(added)},
    )
    return redirect("intake:index-case-detail", pk=index_case.pk)


def _render_intake(request, form, formset, *, show_errors: bool = True) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "show_errors": show_errors,
        "max_contacts": MAX_CONTACTS,
    }
    return render(request, "intake/index_case_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*CASE_MANAGERS)
def index_case_new(request: HttpRequest) -> HttpResponse:
    """Register a patient zéro and their contacts: all of it, or nothing and the form again."""
    territory = access_own_territory_unless_superuser(request.user)
    territories = Territory.objects.for_user(request.user)
    if request.method == "GET":
        form = IndexCaseForm(territory=territory, territories=territories)
        formset = ContactFormSet(prefix=CONTACTS_PREFIX, form_kwargs={"territory": territory})
        return _render_intake(request, form, formset)

    # Without JavaScript, "add a contact" submits the form: show it again with one more row.
    adding_row = "add_contact" in request.POST
    data = with_extra_row(request.POST) if adding_row else request.POST
    form = IndexCaseForm(data, territory=territory, territories=territories)
    form_valid = form.is_valid()
    # Phones are read in the chosen territory's numbering region, so the case form goes first.
    formset = ContactFormSet(
        data, prefix=CONTACTS_PREFIX, form_kwargs={"territory": form.chosen_territory()}
    )
    if adding_row:
        return _render_intake(request, form, formset, show_errors=False)
    if not (form_valid and formset.is_valid()):
        return _render_intake(request, form, formset)

    result = register_index_case(
        territory=form.chosen_territory(),
        person=form.person_data(),
        sampled_at=form.sampled_at(),
        symptom_onset_on=form.cleaned_data["symptom_onset_on"],
        external_ref=form.cleaned_data["external_ref"],
        contacts=formset.contacts(),
        source="form",
        now=timezone.now(),
        created_by=request.user,
    )
    if result.created:
        count = len(result.contacts)
        messages.success(
            request,
            ngettext(
                "Index case #%(id)d registered with %(count)d contact.",
                "Index case #%(id)d registered with %(count)d contacts.",
                count,
            )
            % {"id": result.index_case.pk, "count": count},
        )
    else:
        messages.warning(
            request,
            _("An index case with the reference %(ref)s already exists: nothing new was recorded.")
            % {"ref": result.index_case.external_ref},
        )
    return redirect("intake:index-case-detail", pk=result.index_case.pk)


@require_GET
@role_required(*CASE_MANAGERS)
def contact_form_row(request: HttpRequest) -> HttpResponse:
    """Return one more empty contact row for the intake form (htmx)."""
    return render_contact_row(request)


@require_http_methods(["GET", "POST"])
@role_required(*CASE_MANAGERS)
def contact_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of contacts: a worker checks every row, then records all or none; the job's
    page shows its progress. The same file posted again while it runs leads to that job."""
    territory = access_own_territory_unless_superuser(request.user)
    territories = Territory.objects.for_user(request.user)
    form = ContactImportForm(
        request.POST or None, request.FILES or None, territory=territory, territories=territories
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        submitted = submit_contact_import(
            territory=form.chosen_territory(),
            user=request.user,
            file_name=upload.name,
            content=b"".join(upload.chunks()),
            now=timezone.now(),
            language=translation.get_language() or "",
        )
        if not submitted.created:
            messages.info(
                request,
                _("This file is already being imported for this territory: here is its progress."),
            )
        return redirect("intake:contact-import-detail", pk=submitted.job.pk)
    context = {
        "form": form,
        "imports": selectors.recent_contact_imports(user=request.user),
        "columns": COLUMNS,
        "place_columns": PLACE_COLUMNS,
        "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    return render(request, "intake/contact_import.html", context)


@require_GET
@role_required(*CASE_MANAGERS)
def contact_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an import: its progress while it runs, then the people it named or its errors."""
    job = live_progress(selectors.get_contact_import_for_user(user=request.user, pk=pk))
    return render(request, "intake/contact_import_detail.html", _import_context(request, job))


@require_GET
@role_required(*CASE_MANAGERS)
def contact_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress part of an import's page (htmx polling); once the job has ended, the whole
    page is reloaded to show the result."""
    job = live_progress(selectors.get_contact_import_for_user(user=request.user, pk=pk))
    if not job.in_progress:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("intake:contact-import-detail", pk=job.pk)
    return render(request, "intake/_contact_import_progress.html", _import_context(request, job))


def _import_context(request: HttpRequest, job) -> dict:
    result = []
    if job.state == job.State.DONE:
        result = selectors.contact_import_result(job=job)
        # The result names people: log the read of each person shown.
        log_person_access(
            user=request.user,
            persons=[row.index_case.person for row in result]
            + [person for row in result for person in row.contacts],
            what="contact-import-result",
            now=timezone.now(),
        )
    percent = 0
    if job.rows_total:
        # The checking is the quick tenth of the work, the recording the rest.
        share = job.rows_done / job.rows_total
        percent = round(100 * (0.1 + 0.9 * share if job.stage == STAGE_RECORDING else 0.1 * share))
    return {
        "job": job,
        "result": result,
        "percent": percent,
        "poll_seconds": 1,
        "max_rows": MAX_ROWS,
    }


@require_GET
@role_required(*CASE_MANAGERS)
def contact_import_template(request: HttpRequest) -> StreamingHttpResponse:
    """Download an empty contacts file: the header the import expects and two example rows."""
    header, *rows = template_rows(today=timezone.localdate())
    return excel_csv_response(filename="contacts-template.csv", header=header, rows=rows)


# --- Doctors' declarations (issue 16): a doctor declares a patient and their contacts, and follows
# only those; the case goes to the territory of the patient's postcode.


def _render_declaration(request, form, formset, *, show_errors: bool = True) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "show_errors": show_errors,
        "max_contacts": MAX_CONTACTS,
    }
    return render(request, "intake/declaration_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(roles.MEDECIN)
def declaration_new(request: HttpRequest) -> HttpResponse:
    """Declare a patient and their household and close contacts: all of it, or nothing and the
    form again. Every call is queued in the patient's territory, like any other intake."""
    doctor = access_own_doctor(request.user)
    pinned = doctor.territories.order_by("code").first()
    if request.method == "GET":
        form = DoctorDeclarationForm(pinned_territory=pinned)
        formset = ContactFormSet(prefix=CONTACTS_PREFIX, form_kwargs={"territory": pinned})
        return _render_declaration(request, form, formset)

    adding_row = "add_contact" in request.POST
    data = with_extra_row(request.POST) if adding_row else request.POST
    form = DoctorDeclarationForm(data, pinned_territory=pinned)
    form_valid = form.is_valid()
    # Contacts' phones are read in the patient's territory's numbering region.
    formset = ContactFormSet(
        data, prefix=CONTACTS_PREFIX, form_kwargs={"territory": form.chosen_territory() or pinned}
    )
    if adding_row:
        return _render_declaration(request, form, formset, show_errors=False)
    if not (form_valid and formset.is_valid()):
        return _render_declaration(request, form, formset)
    territory = form.chosen_territory()
    assert territory is not None  # the postcode was valid
    result = register_index_case(
        territory=territory,
        person=form.person_data(),
        sampled_at=form.sampled_at(),
        symptom_onset_on=form.cleaned_data["symptom_onset_on"],
        external_ref=doctor_external_ref(
            rpps=doctor.rpps, file_number=form.cleaned_data["external_ref"]
        ),
        contacts=formset.contacts(),
        source=IndexCase.Source.DOCTOR,
        now=timezone.now(),
        created_by=request.user,
    )
    if result.created:
        count = len(result.contacts)
        messages.success(
            request,
            ngettext(
                "Patient declared with %(count)d contact: the CPAM (%(territory)s) calls them "
                "within 24 h.",
                "Patient declared with %(count)d contacts: the CPAM (%(territory)s) calls them "
                "within 24 h.",
                count,
            )
            % {"count": count, "territory": territory.name},
        )
    else:
        messages.warning(
            request,
            _("You had already declared the file %(ref)s: nothing new was recorded.")
            % {"ref": form.cleaned_data["external_ref"]},
        )
    return redirect("intake:declaration-detail", pk=result.index_case.pk)


@require_GET
@role_required(roles.MEDECIN)
def declaration_contact_row(request: HttpRequest) -> HttpResponse:
    """Return one more empty contact row for the declaration form (htmx)."""
    return render_contact_row(request)


@require_GET
@role_required(roles.MEDECIN)
def declaration_list(request: HttpRequest) -> HttpResponse:
    """The doctor's home: the patients they declared, newest first, and where each patient and
    contact stands; the read of every person shown is logged."""
    page = Paginator(
        selectors.declarations_of(user=request.user), selectors.DECLARATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    declarations = selectors.declarations_progress(cases=list(page.object_list), now=now)
    log_person_access(
        user=request.user,
        persons=[p for d in declarations for p in d.persons],
        what="declaration-list",
        now=now,
    )
    return render(
        request, "intake/declaration_list.html", {"page": page, "declarations": declarations}
    )


@require_GET
@role_required(roles.MEDECIN)
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One declared patient and their contacts, with each one's progress; another doctor's
    declaration is a 404."""
    index_case = selectors.get_declaration_for_doctor(user=request.user, pk=pk)
    now = timezone.now()
    (declaration,) = selectors.declarations_progress(cases=[index_case], now=now)
    log_person_access(
        user=request.user, persons=declaration.persons, what="declaration-detail", now=now
    )
    return render(request, "intake/declaration_detail.html", {"declaration": declaration})


# --- Identity across cases: the review of duplicate pairs (CPAM admins, national admins) -------

DUPLICATE_REVIEWERS = (roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)


@require_GET
@role_required(*DUPLICATE_REVIEWERS)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """List the pairs of persons who may be the same, best score first, side by side."""
    page = selectors.duplicates_to_review(user=request.user, page=request.GET.get("page"))
    log_person_access(
        user=request.user,
        persons=[p for pair in page.object_list for p in (pair.person_a, pair.person_b)],
        what="duplicate-list",
        now=timezone.now(),
    )
    return render(request, "intake/duplicate_list.html", {"page": page})


@require_GET
@role_required(*DUPLICATE_REVIEWERS)
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a pair side by side, to choose the surviving person and merge, or dismiss it."""
    pair = selectors.get_duplicate_candidate_for_user(user=request.user, pk=pk)
    log_person_access(
        user=request.user,
        persons=[pair.person_a, pair.person_b],
        what="duplicate-detail",
        now=timezone.now(),
    )
    merge = selectors.latest_merge_of(pair)
    context = {
        "pair": pair,
        "merge": merge,
        "undo_until": merge_undo_deadline(merge.at) if merge else None,
        "can_undo": bool(
            merge and merge.undone_at is None and timezone.now() <= merge_undo_deadline(merge.at)
        ),
    }
    return render(request, "intake/duplicate_detail.html", context)


@require_POST
@role_required(*DUPLICATE_REVIEWERS)
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the pair into the person chosen to survive."""
    pair = selectors.get_duplicate_candidate_for_user(user=request.user, pk=pk)
    chosen = request.POST.get("survivor")
    if pair.status != pair.Status.OPEN or chosen not in ("a", "b"):
        messages.error(request, _("Choose the person who stays."))
        return redirect("intake:duplicate-detail", pk=pair.pk)
    survivor, merged = (
        (pair.person_a, pair.person_b) if chosen == "a" else (pair.person_b, pair.person_a)
    )
    try:
        merge_persons(survivor=survivor, merged=merged, by=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(merged)s was merged into %(survivor)s.")
            % {"merged": merged, "survivor": survivor},
        )
    return redirect("intake:duplicate-detail", pk=pair.pk)


@require_POST
@role_required(*DUPLICATE_REVIEWERS)
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the pair is not the same person: it is never proposed again."""
    pair = selectors.get_duplicate_candidate_for_user(user=request.user, pk=pk)
    if pair.status == pair.Status.OPEN:
        dismiss_candidate(candidate=pair, by=request.user, now=timezone.now())
        messages.success(request, _("Recorded: not the same person."))
    return redirect("intake:duplicate-list")


@require_POST
@role_required(*DUPLICATE_REVIEWERS)
def duplicate_unmerge(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the pair's merge (within MERGE_UNDO_DAYS)."""
    pair = selectors.get_duplicate_candidate_for_user(user=request.user, pk=pk)
    merge = selectors.latest_merge_of(pair)
    if merge is None:
        raise Http404
    try:
        result = unmerge_persons(merge=merge, by=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The merge was undone."))
        for note in result.notes:
            messages.warning(request, note)
    return redirect("intake:duplicate-detail", pk=pair.pk)
