"""Writes on people and cases: identity across intakes, contacts, interviews, notifications,
retention."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents.models import Language, Territory
from cases.identity import name_key, publish_duplicate_search
from cases.models import (
    DuplicateCandidate,
    Exposure,
    IndexCase,
    Interview,
    IsolationRuleSet,
    Notification,
    Person,
    PersonAccess,
    PersonMerge,
    Phone,
)
from cases.places import PlaceData, find_or_create_places
from cases.tasks import detect_clusters
from common.admin_log import forget_admin_log


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
    # Where the exposure happened, when known (clusters are detected from it).
    place: PlaceData | None = None


logger = logging.getLogger(__name__)

# Past this many numbers, one intake locks its whole territory rather than each number: a
# lock per number of a 20,000-row import would exhaust PostgreSQL's lock table.
# The contacts one index case may list, by any way in: the form, the API, the CSV import.
MAX_CONTACTS = 100
_MAX_PHONE_LOCKS = 32


def lock_people(*, territory: Territory, persons: list[PersonData]) -> None:
    """Serialize intakes that could name the same people (PostgreSQL; SQLite already is)."""
    # Matching a person is read-then-insert: two intakes naming the same contact at once would
    # both miss and both insert. On PostgreSQL, transaction-level advisory locks serialize them:
    # every intake holds its territory's lock shared plus one exclusive lock per phone number,
    # all taken in sorted order, so that two intakes never wait on each other in a cycle; a large
    # import holds the territory's lock exclusively instead. SQLite needs none of this: its
    # IMMEDIATE transactions already run one writer at a time.
    if connection.vendor != "postgresql":
        return
    numbers = sorted({f"{territory.pk}:{number}" for data in persons for number in data.phones})
    territory_key = f"territory:{territory.pk}"
    with connection.cursor() as cursor:
        if len(numbers) > _MAX_PHONE_LOCKS:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [territory_key])
            return
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", [territory_key]
        )
        for key in numbers:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def lock_territories(*, territory_ids: list[int]) -> None:
    """Wait for the intakes under way in these territories and hold back new ones until the
    transaction ends (a merge: an intake must not name a person while they become a tombstone)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for pk in sorted(set(territory_ids)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"territory:{pk}"]
            )


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    # SQLite caps the number of parameters of one query: look things up in slices.
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _person_key(first_name: str, last_name: str, number: str) -> tuple[str, str, str]:
    return (first_name.casefold(), last_name.casefold(), number)


def find_or_create_persons(
    *, territory: Territory, people: list[PersonData], now: datetime
) -> list[Person]:
    """Return one person per entry, reusing a known one: same names and a shared phone."""
    # The same name and a shared phone in the same territory is the same person: a contact
    # named twice, by two cases or twice in one file, must not be called twice.
    numbers = sorted({n for data in people for n in data.phones})
    known: dict[tuple[str, str, str], int] = {}
    for chunk in _chunks(numbers):
        rows = (
            Phone.objects.in_service()
            .filter(
                number__in=chunk,
                person__territory=territory,
                person__purged_at__isnull=True,
                person__merged_into__isnull=True,
            )
            .order_by("person_id")
            .values_list("person_id", "person__first_name", "person__last_name", "number")
        )
        for person_id, first_name, last_name, number in rows:
            known.setdefault(_person_key(first_name, last_name, number), person_id)

    chosen: list[int | Person] = []
    new_by_key: dict[tuple[str, str, str], Person] = {}
    for data in people:
        keys = [_person_key(data.first_name, data.last_name, n) for n in data.phones]
        match = next((known[k] for k in keys if k in known), None) or next(
            (new_by_key[k] for k in keys if k in new_by_key), None
        )
        if match is None:
            match = Person(
                territory=territory,
                first_name=data.first_name,
                last_name=data.last_name,
                language=data.language,
                birth_date=data.birth_date,
                address=data.address,
                created_at=now,
                name_key=name_key(data.first_name, data.last_name),
            )
        if isinstance(match, Person):
            for k in keys:
                new_by_key.setdefault(k, match)
        chosen.append(match)

    created = list({id(p): p for p in new_by_key.values()}.values())
    Person.objects.bulk_create(created)
    publish_duplicate_search([p.pk for p in created])
    existing_ids = sorted({c for c in chosen if isinstance(c, int)})
    persons = Person.objects.in_bulk(existing_ids) if existing_ids else {}
    persons.update({p.pk: p for p in created})
    result = [persons[c] if isinstance(c, int) else c for c in chosen]

    numbers_of: dict[int, list[str]] = {}
    for chunk in _chunks(existing_ids):
        for person_id, number in (
            Phone.objects.filter(person_id__in=chunk)
            .order_by("position")
            .values_list("person_id", "number")
        ):
            numbers_of.setdefault(person_id, []).append(number)
    new_phones = []
    for person, data in zip(result, people, strict=True):
        held = numbers_of.setdefault(person.pk, [])
        for number in data.phones:
            if number not in held:
                new_phones.append(Phone(person=person, number=number, position=len(held)))
                held.append(number)
    Phone.objects.bulk_create(new_phones)
    return result


@transaction.atomic
def record_contacts(
    *, index_case: IndexCase, contacts: list[ContactData], now: datetime
) -> list[Exposure]:
    """Record the contacts of an index case: one person each (a known one reused), one exposure
    each."""
    lock_people(territory=index_case.territory, persons=[c.person for c in contacts])
    persons = find_or_create_persons(
        territory=index_case.territory, people=[c.person for c in contacts], now=now
    )
    exposures = {
        e.person_id: e
        for e in Exposure.objects.filter(index_case=index_case, person__in=[p.pk for p in persons])
    }
    named = [c.place for c in contacts if c.place is not None]
    found = iter(
        find_or_create_places(territory=index_case.territory, places=named, now=now)
        if named
        else []
    )
    places = [next(found) if c.place is not None else None for c in contacts]
    new_exposures = []
    for person, contact, place in zip(persons, contacts, places, strict=True):
        if person.pk not in exposures:
            exposures[person.pk] = Exposure(
                index_case=index_case,
                person=person,
                exposure_type=contact.exposure_type,
                last_exposure_date=contact.last_exposure_date,
                identified_at=now,
                place=place,
            )
            new_exposures.append(exposures[person.pk])
    Exposure.objects.bulk_create(new_exposures)
    place_ids = sorted({e.place_id for e in new_exposures if e.place_id is not None})
    if place_ids:
        # After commit, with ids; a lost message is caught up by the sweep (cases.tasks).
        transaction.on_commit(lambda: _publish_detection(place_ids))
    return [exposures[person.pk] for person in persons]


def _publish_detection(place_ids: list[int]) -> None:
    try:
        detect_clusters.delay(place_ids)
    except Exception:
        # The broker is down: the rows hold the truth, cases.tasks.sweep_clusters catches up.
        logger.exception("Could not publish the cluster detection of places %s", place_ids)


def create_index_case(
    *,
    territory: Territory,
    person: PersonData,
    sampled_at: datetime,
    source: str,
    now: datetime,
    symptom_onset_on: date | None = None,
    external_ref: str = "",
    created_by: User | None = None,
) -> IndexCase:
    """Record a patient zéro (a known person reused) and their case."""
    [index_person] = find_or_create_persons(territory=territory, people=[person], now=now)
    return IndexCase.objects.create(
        person=index_person,
        territory=territory,
        sampled_at=sampled_at,
        symptom_onset_on=symptom_onset_on,
        source=source,
        external_ref=external_ref,
        identified_at=now,
        created_by=created_by,
    )


def persons_past_retention(*, now: datetime) -> QuerySet[Person]:
    """Select the persons whose identity is past the retention period and not yet erased."""
    return Person.objects.filter(
        purged_at__isnull=True, created_at__lt=now - timedelta(days=settings.RETENTION_DAYS)
    )


@transaction.atomic
def erase_identities(*, person_ids: list[int], now: datetime) -> int:
    """Erase these persons' identity and phones, the laboratory's file number of their cases and
    the admin log's entries naming them; their cases and aggregate figures stay."""
    phone_ids = list(Phone.objects.filter(person_id__in=person_ids).values_list("pk", flat=True))
    case_ids = list(IndexCase.objects.filter(person_id__in=person_ids).values_list("pk", flat=True))
    exposure_ids = list(
        Exposure.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    forget_admin_log(model=Person, object_ids=person_ids)
    forget_admin_log(model=Phone, object_ids=phone_ids)
    forget_admin_log(model=IndexCase, object_ids=case_ids)
    forget_admin_log(model=Exposure, object_ids=exposure_ids)
    interviews = Interview.objects.filter(index_case_id__in=case_ids)
    forget_admin_log(model=Interview, object_ids=interviews.values_list("pk", flat=True))
    notifications = Notification.objects.filter(exposure_id__in=exposure_ids)
    forget_admin_log(model=Notification, object_ids=notifications.values_list("pk", flat=True))
    IndexCase.objects.filter(pk__in=case_ids).exclude(external_ref="").update(external_ref="")
    Phone.objects.filter(pk__in=phone_ids).delete()
    return Person.objects.filter(pk__in=person_ids, purged_at__isnull=True).update(
        first_name="",
        last_name="",
        birth_date=None,
        address="",
        name_key="",
        purged_at=now,
    )


def log_person_access(*, user: User, persons: list[Person], what: str, now: datetime) -> None:
    """Record that a member of staff read these persons' records."""
    PersonAccess.objects.bulk_create(
        [PersonAccess(person=p, user=user, accessed_at=now, what=what) for p in persons]
    )


@transaction.atomic
def retire_phone(*, person: Person, number: str, now: datetime) -> int:
    """Take a wrong number out of service; the person and their other numbers stay."""
    return Phone.objects.filter(person=person, number=number, retired_at__isnull=True).update(
        retired_at=now
    )


@transaction.atomic
def set_person_language(*, person: Person, language: Language) -> Person:
    """Correct the language a person speaks (found out during a call)."""
    Person.objects.filter(pk=person.pk).update(language=language)
    person.language = language
    return person


# --- The desk's scripts: a patient zéro's interview, a contact's notification ---------------


def isolation_rules_on(*, day: date) -> IsolationRuleSet | None:
    """Return the isolation rule set in force on this day (the latest that started by then), or
    None."""
    return IsolationRuleSet.objects.filter(valid_from__lte=day).order_by("-valid_from").first()


def index_isolation_until(
    *, rule_set: IsolationRuleSet, index_case: IndexCase, symptom_onset_on: date | None
) -> date:
    """Return a patient zéro's last day of isolation: from symptom onset, or from the sample without
    symptoms."""
    start = symptom_onset_on or timezone.localdate(
        index_case.sampled_at, timezone=index_case.territory.zone
    )
    return start + timedelta(days=rule_set.index_isolation_days)


def contact_isolation_until(*, rule_set: IsolationRuleSet, last_exposure_date: date) -> date:
    """Return a contact's last day of isolation, counted from their last exposure."""
    return last_exposure_date + timedelta(days=rule_set.contact_isolation_days)


def contact_test_on(*, rule_set: IsolationRuleSet, last_exposure_date: date, today: date) -> date:
    """Return the day a contact should get tested: N days after the last exposure, or today if that
    day is past."""
    return max(last_exposure_date + timedelta(days=rule_set.contact_test_days), today)


def _rules_in_force(*, territory: Territory, now: datetime) -> tuple[IsolationRuleSet, date]:
    today = timezone.localdate(now, timezone=territory.zone)
    rule_set = isolation_rules_on(day=today)
    if rule_set is None:
        # The desk's forms check this first: reaching here means the rules were deleted meanwhile.
        raise IsolationRuleSet.DoesNotExist(
            f"no isolation rule set in force on {today.isoformat()}"
        )
    return rule_set, today


@transaction.atomic
def record_interview(
    *,
    index_case: IndexCase,
    symptomatic: bool,
    symptom_onset_on: date | None,
    consent_to_name: bool,
    support_needed: bool,
    recorded_by: User,
    now: datetime,
) -> Interview:
    """Record a patient zéro's interview (the calls app records and queues the contacts they
    named)."""
    rule_set, _today = _rules_in_force(territory=index_case.territory, now=now)
    onset = symptom_onset_on if symptomatic else None
    interview = Interview.objects.create(
        index_case=index_case,
        symptomatic=symptomatic,
        symptom_onset_on=onset,
        isolation_until=index_isolation_until(
            rule_set=rule_set, index_case=index_case, symptom_onset_on=onset
        ),
        consent_to_name=consent_to_name,
        support_needed=support_needed,
        rule_set=rule_set,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    if onset is not None and index_case.symptom_onset_on != onset:
        # The patient zéro's own account is the better source than the lab's form.
        index_case.symptom_onset_on = onset
        index_case.save(update_fields=["symptom_onset_on"])
    return interview


@transaction.atomic
def record_notification(
    *,
    exposure: Exposure,
    last_exposure_date: date,
    certificate_needed: bool,
    support_referral: bool,
    recorded_by: User,
    now: datetime,
) -> Notification:
    """Record what a contact was told: isolation end and test date by the rules in force,
    certificate, support."""
    rule_set, today = _rules_in_force(territory=exposure.index_case.territory, now=now)
    if exposure.last_exposure_date != last_exposure_date:
        # The contact corrected the date on the phone: their word counts over the patient zéro's.
        exposure.last_exposure_date = last_exposure_date
        exposure.save(update_fields=["last_exposure_date"])
    return Notification.objects.create(
        exposure=exposure,
        isolation_until=contact_isolation_until(
            rule_set=rule_set, last_exposure_date=last_exposure_date
        ),
        test_on=contact_test_on(
            rule_set=rule_set, last_exposure_date=last_exposure_date, today=today
        ),
        certificate_needed=certificate_needed,
        support_referral=support_referral,
        rule_set=rule_set,
        recorded_by=recorded_by,
        recorded_at=now,
    )


# --- Identity across cases: merging two persons, and undoing it -----------------------------

# What a merge does to each model with a foreign key to Person (checked by introspection in
# tests/intake/test_merge.py): "moved" rows go to the survivor (and back on undo); "kept" rows stay
# with the person they were written about.
PERSON_LINKS = {
    "cases.Phone.person": "moved (a number both persons had stays with the merged one)",
    "cases.IndexCase.person": "moved",
    "cases.Exposure.person": "moved (one exposure per index case: a second one stays)",
    "calls.CallTask.person": "moved by calls.services.identity (attempts, callbacks, SMS with it)",
    "cases.PersonAccess.person": "kept: the access log says what was read, and is not rewritten",
    "cases.Person.merged_into": "kept: the tombstone's link to its survivor",
    "cases.DuplicateCandidate.person_a": "kept: the pair's decision is its history",
    "cases.DuplicateCandidate.person_b": "kept: the pair's decision is its history",
    "cases.PersonMerge.survivor": "kept: the merge's own record",
    "cases.PersonMerge.merged": "kept: the merge's own record",
}


def move_person_rows(*, survivor: Person, merged: Person, now: datetime) -> dict[str, list[int]]:
    """Move the merged person's phones, index cases and exposures to the survivor (a number or
    an index case the survivor already has is not duplicated), make the merged person a
    tombstone, and return the ids moved per model."""
    held = set(Phone.objects.filter(person=survivor).values_list("number", flat=True))
    phones = list(
        Phone.objects.filter(person=merged).exclude(number__in=held).order_by("position", "pk")
    )
    position = Phone.objects.filter(person=survivor).count()
    for offset, phone in enumerate(phones):
        phone.person, phone.position = survivor, position + offset
    Phone.objects.bulk_update(phones, ["person", "position"])
    cases = list(IndexCase.objects.filter(person=merged).values_list("pk", flat=True))
    IndexCase.objects.filter(pk__in=cases).update(person=survivor)
    named_by = Exposure.objects.filter(person=survivor).values("index_case_id")
    exposures = list(
        Exposure.objects.filter(person=merged)
        .exclude(index_case_id__in=named_by)
        .values_list("pk", flat=True)
    )
    Exposure.objects.filter(pk__in=exposures).update(person=survivor)
    Person.objects.filter(pk=merged.pk).update(merged_into=survivor, merged_at=now)
    merged.merged_into, merged.merged_at = survivor, now
    return {
        "cases.Phone": [p.pk for p in phones],
        "cases.IndexCase": cases,
        "cases.Exposure": exposures,
    }


def move_person_rows_back(*, survivor: Person, merged: Person, moved: dict[str, list[int]]) -> None:
    """Undo move_person_rows: exactly the rows it moved go back, and the person lives again."""
    Phone.objects.filter(pk__in=moved.get("cases.Phone", []), person=survivor).update(person=merged)
    IndexCase.objects.filter(pk__in=moved.get("cases.IndexCase", []), person=survivor).update(
        person=merged
    )
    Exposure.objects.filter(pk__in=moved.get("cases.Exposure", []), person=survivor).update(
        person=merged
    )
    Person.objects.filter(pk=merged.pk).update(merged_into=None, merged_at=None)
    merged.merged_into, merged.merged_at = None, None


@transaction.atomic
def dismiss_candidate(
    *, candidate: DuplicateCandidate, by: User, now: datetime
) -> DuplicateCandidate:
    """Record that the pair is not the same person: it is never proposed again."""
    DuplicateCandidate.objects.filter(pk=candidate.pk).update(
        status=DuplicateCandidate.Status.DISMISSED, decided_by=by, decided_at=now
    )
    candidate.refresh_from_db()
    return candidate


def record_merge(
    *,
    survivor: Person,
    merged: Person,
    by: User,
    now: datetime,
    moved: dict[str, list[int]],
    closed_tasks: list[dict],
) -> PersonMerge:
    """Keep what a merge moved, close the pair's candidate as merged, and log the merge on both
    persons."""
    a, b = sorted([survivor.pk, merged.pk])
    candidate = DuplicateCandidate.objects.filter(person_a_id=a, person_b_id=b).first()
    if candidate is not None:
        DuplicateCandidate.objects.filter(pk=candidate.pk).update(
            status=DuplicateCandidate.Status.MERGED, decided_by=by, decided_at=now
        )
    log_person_access(user=by, persons=[survivor, merged], what="merge", now=now)
    return PersonMerge.objects.create(
        survivor=survivor,
        merged=merged,
        candidate=candidate,
        by=by,
        at=now,
        moved=moved,
        closed_tasks=closed_tasks,
    )


def record_unmerge(*, merge: PersonMerge, by: User, now: datetime) -> PersonMerge:
    """Mark the merge undone, its pair as not the same person, and log it on both persons."""
    PersonMerge.objects.filter(pk=merge.pk).update(undone_by=by, undone_at=now)
    if merge.candidate_id is not None:
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=DuplicateCandidate.Status.DISMISSED, decided_by=by, decided_at=now
        )
    log_person_access(user=by, persons=[merge.survivor, merge.merged], what="unmerge", now=now)
    merge.refresh_from_db()
    return merge
