"""Writes on people and cases: the one intake under the API, the form and the CSV import."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from agents.models import Language, Territory
from calls.models import CallTask
from calls.services import enqueue_call, forget_call_details
from cases.models import Exposure, IndexCase, Person, PersonAccess, Phone

# Among equal deadlines, a patient zéro goes before a household contact, before other contacts.
PRIORITY_INDEX_INTERVIEW = 2
PRIORITY_HOUSEHOLD = 1
PRIORITY_CONTACT = 0


@dataclass(frozen=True)
class PersonData:
    """A person as intake received them: names, E.164 phones (first is main), language."""

    first_name: str
    last_name: str
    phones: list[str]
    language: Language
    birth_date: date | None = None
    address: str = ""


@dataclass(frozen=True)
class ContactData:
    person: PersonData
    exposure_type: str
    last_exposure_date: date


@dataclass
class RegisteredContact:
    exposure: Exposure
    task: CallTask


@dataclass
class IntakeResult:
    index_case: IndexCase
    created: bool
    task: CallTask | None = None
    contacts: list[RegisteredContact] = field(default_factory=list)


def _lock_phones(*, territory: Territory, persons: list[PersonData]) -> None:
    # Matching a person is read-then-insert: two intakes naming the same contact at once would
    # both miss and both insert. On PostgreSQL, a transaction lock per phone number serializes
    # them; taken in sorted order, all at once, so that two intakes never wait on each other.
    # SQLite needs none: its IMMEDIATE transactions already run one writer at a time.
    if connection.vendor != "postgresql":
        return
    keys = sorted({f"{territory.pk}:{number}" for data in persons for number in data.phones})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _find_or_create_person(*, territory: Territory, data: PersonData, now: datetime) -> Person:
    # The same name and a shared phone in the same territory is the same person: a contact
    # named twice must not be called twice.
    person = (
        Person.objects.filter(
            territory=territory,
            purged_at__isnull=True,
            first_name__iexact=data.first_name,
            last_name__iexact=data.last_name,
            phones__number__in=data.phones,
            phones__retired_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if person is None:
        person = Person.objects.create(
            territory=territory,
            first_name=data.first_name,
            last_name=data.last_name,
            language=data.language,
            birth_date=data.birth_date,
            address=data.address,
            created_at=now,
        )
    known = set(person.phones.values_list("number", flat=True)) if person.pk else set()
    position = len(known)
    for number in data.phones:
        if number not in known:
            Phone.objects.create(person=person, number=number, position=position)
            known.add(number)
            position += 1
    return person


@transaction.atomic
def add_contacts(*, index_case: IndexCase, contacts: list[ContactData], now: datetime) -> list[RegisteredContact]:
    """Record contacts of an index case and queue each one's call, due 24 h after identification."""
    _lock_phones(territory=index_case.territory, persons=[c.person for c in contacts])
    registered = []
    for contact in contacts:
        person = _find_or_create_person(territory=index_case.territory, data=contact.person, now=now)
        exposure, _ = Exposure.objects.get_or_create(
            index_case=index_case,
            person=person,
            defaults={
                "exposure_type": contact.exposure_type,
                "last_exposure_date": contact.last_exposure_date,
                "identified_at": now,
            },
        )
        task = enqueue_call(
            person=person,
            reason=CallTask.Reason.CONTACT_NOTIFICATION,
            territory=index_case.territory,
            language=person.language,
            deadline_at=exposure.identified_at + timedelta(hours=settings.CONTACT_DEADLINE_HOURS),
            priority=PRIORITY_HOUSEHOLD if contact.exposure_type == Exposure.Type.HOUSEHOLD else PRIORITY_CONTACT,
            exposure=exposure,
            now=now,
        )
        registered.append(RegisteredContact(exposure=exposure, task=task))
    return registered


def register_index_case(
    *,
    territory: Territory,
    person: PersonData,
    sampled_at: datetime,
    source: str,
    now: datetime,
    contacts: list[ContactData] = (),
    symptom_onset_on: date | None = None,
    external_ref: str = "",
    created_by=None,
) -> IntakeResult:
    """Register a patient zéro and their contacts in one transaction, queueing every call."""
    external_ref = external_ref.strip()
    for attempt in range(2):
        if external_ref:
            existing = IndexCase.objects.filter(territory=territory, external_ref=external_ref).first()
            if existing is not None:
                return _existing_result(existing)
        try:
            with transaction.atomic():
                return _register(
                    territory=territory,
                    person=person,
                    sampled_at=sampled_at,
                    source=source,
                    now=now,
                    contacts=contacts,
                    symptom_onset_on=symptom_onset_on,
                    external_ref=external_ref,
                    created_by=created_by,
                )
        except IntegrityError:
            # A concurrent intake committed the same reference, or queued the same contact:
            # once more, the second pass finds what the first one lost to and reuses it.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _register(
    *, territory, person, sampled_at, source, now, contacts, symptom_onset_on, external_ref, created_by
) -> IntakeResult:
    index_person = _find_or_create_person(territory=territory, data=person, now=now)
    index_case = IndexCase.objects.create(
        person=index_person,
        territory=territory,
        sampled_at=sampled_at,
        symptom_onset_on=symptom_onset_on,
        source=source,
        external_ref=external_ref,
        identified_at=now,
        created_by=created_by,
    )
    task = enqueue_call(
        person=index_person,
        reason=CallTask.Reason.INDEX_INTERVIEW,
        territory=territory,
        language=index_person.language,
        deadline_at=now + timedelta(hours=settings.INDEX_CASE_DEADLINE_HOURS),
        priority=PRIORITY_INDEX_INTERVIEW,
        index_case=index_case,
        now=now,
    )
    registered = add_contacts(index_case=index_case, contacts=list(contacts), now=now)
    return IntakeResult(index_case=index_case, created=True, task=task, contacts=registered)


def _existing_result(index_case: IndexCase) -> IntakeResult:
    exposures = list(index_case.exposures.order_by("pk"))
    # A contact's task may belong to an earlier exposure of the same person (one call per person).
    task_by_person = {}
    for task in CallTask.objects.filter(
        person__in=[e.person_id for e in exposures], reason=CallTask.Reason.CONTACT_NOTIFICATION
    ).order_by("created_at"):
        task_by_person[task.person_id] = task
    contacts = [RegisteredContact(exposure=e, task=task_by_person[e.person_id]) for e in exposures]
    task = index_case.call_tasks.filter(reason=CallTask.Reason.INDEX_INTERVIEW).order_by("-created_at").first()
    return IntakeResult(index_case=index_case, created=False, task=task, contacts=contacts)


def log_person_access(*, user, persons: list[Person], what: str, now: datetime) -> None:
    """Record that a member of staff read these persons' records."""
    PersonAccess.objects.bulk_create([PersonAccess(person=p, user=user, accessed_at=now, what=what) for p in persons])


@transaction.atomic
def purge_expired_personal_data(*, now: datetime, batch_size: int = 5000) -> int:
    """Erase the identity of persons past the retention period; aggregate figures survive."""
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    # A person still to be called keeps their identity until their last task closes.
    ids = list(
        Person.objects.filter(purged_at__isnull=True, created_at__lt=cutoff)
        .exclude(call_tasks__status__in=CallTask.OPEN_STATUSES)
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    Phone.objects.filter(person_id__in=ids).delete()
    forget_call_details(person_ids=ids)
    return Person.objects.filter(pk__in=ids, purged_at__isnull=True).update(
        first_name="", last_name="", birth_date=None, address="", purged_at=now
    )
