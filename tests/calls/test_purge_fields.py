"""The purge forgets every copy of a person: each field that can hold identifying data is listed by
introspection, so a field added later fails here until it is purged or allowlisted with a reason."""

from datetime import timedelta

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import override_settings
from django.utils import timezone

from calls.models import (
    Assignment,
    CallAttempt,
    CallDraft,
    CallTask,
    CarrierCall,
    CarrierEvent,
    SmsMessage,
    TaskEvent,
)
from calls.services.fallback import escalate
from calls.services.lifecycle import close_task
from calls.tasks import purge_expired_personal_data
from cases.models import (
    Cluster,
    ClusterCase,
    ClusterEvent,
    ClusterHandoff,
    Exposure,
    IndexCase,
    Person,
    PersonAccess,
    Phone,
    Place,
)
from cases.services import log_person_access
from integrity.models import Finding
from integrity.qa_models import Review, Scorecard
from integrity.services.findings import (
    forget_notes_of_purged_persons as forget_finding_notes_of_purged_persons,
)
from supervision.models import SlaDay, SupervisorAction
from supervision.services.actions import forget_notes_of_purged_persons
from tests.base import PersonasTestCase, contact

# Fields that stay after the purge, and why none of them identifies a person once the names,
# birth date, address, phones, file numbers and free texts are gone.
NOT_IDENTIFYING = {
    # Codes chosen from a fixed list (choices): what happened, not who it happened to.
    **dict.fromkeys(
        [
            "calls.Assignment.end_reason",
            "calls.Assignment.connected_source",
            "calls.CallAttempt.connected_source",
            "calls.CarrierCall.state",
            "calls.CarrierCall.answered_by",
            "calls.CarrierCall.final_status",
            "calls.CarrierEvent.type",
            "calls.CarrierEvent.source",
            "calls.CallAttempt.channel",
            "calls.CallAttempt.outcome",
            "calls.CallTask.reason",
            "calls.CallTask.escalation_reason",
            "calls.CallTask.status",
            "calls.CallTask.closed_reason",
            "calls.SmsMessage.kind",
            "calls.SmsMessage.wording",
            "calls.SmsMessage.status",
            "calls.SmsMessage.held",
            "calls.TaskEvent.kind",
            "calls.TaskEvent.from_status",
            "calls.TaskEvent.to_status",
            "calls.TaskEvent.reason",
            "cases.Exposure.exposure_type",
            "cases.IndexCase.source",
            "cases.PersonAccess.what",
            "cases.Cluster.status",
            "cases.ClusterEvent.kind",
            "cases.ClusterHandoff.status",
            "supervision.SupervisorAction.kind",
            "integrity.Finding.kind",
            "integrity.Review.state",
            # Identity across cases (issue 16): a duplicate pair's decision.
            "cases.DuplicateCandidate.status",
        ],
        "a code from a fixed list",
    ),
    # Technical references of the telephony and SMS providers: they point at their own logs,
    # which they purge on their own schedule, not at a person.
    "calls.CallAttempt.telephony_ref": "provider's call id",
    "calls.SmsMessage.provider_ref": "provider's message id",
    # The regional health agency's address and its mail server's answer: an agency, not a person.
    "cases.ClusterHandoff.to_email": "the ARS's address",
    "cases.ClusterHandoff.last_error": "the mail server's error about the ARS's address",
    **dict.fromkeys(
        [
            "calls.Assignment.carrier",
            "calls.Assignment.carrier_call_id",
            "calls.CallAttempt.carrier",
            "calls.CallAttempt.carrier_call_id",
            "calls.CarrierCall.carrier",
            "calls.CarrierCall.carrier_call_id",
            "calls.CarrierEvent.carrier",
            "calls.CarrierEvent.event_id",
        ],
        "the carrier's name and ids of its call and events (its CDR, not a person)",
    ),
    # Its row is deleted by the purge, fields and all (checked below).
    "calls.CallDraft.updated_at": "a draft's time; the draft is deleted",
    # Times of the workflow: the SLA figures and the day counters are computed from them.
    **dict.fromkeys(
        [
            "calls.Assignment.claimed_at",
            "calls.Assignment.lease_expires_at",
            "calls.Assignment.dialled_at",
            "calls.Assignment.connected_at",
            "calls.Assignment.closed_at",
            "calls.CallAttempt.started_at",
            "calls.CallAttempt.connected_at",
            "calls.CallAttempt.ended_at",
            "calls.CallTask.deadline_at",
            "calls.CallTask.not_before",
            "calls.CallTask.callback_at",
            "calls.CallTask.callable_until",
            "calls.CallTask.at_risk_since",
            "calls.CallTask.escalated_at",
            "calls.CallTask.lease_expires_at",
            "calls.CallTask.created_at",
            "calls.CallTask.first_attempt_at",
            "calls.CallTask.closed_at",
            # When a retry's time let it back into the fresh queue (issue 17).
            "calls.CallTask.rejoined_at",
            "calls.SmsMessage.created_at",
            "calls.SmsMessage.sent_at",
            # The outbox's retries (issue 12): when the next send is due, when one was taken.
            "calls.SmsMessage.next_attempt_at",
            "calls.SmsMessage.planned_on",
            "calls.SmsMessage.claimed_at",
            "calls.TaskEvent.target_at",
            "calls.TaskEvent.at",
            "cases.Exposure.identified_at",
            "cases.IndexCase.identified_at",
            "cases.IndexCase.sampled_at",
            "cases.Interview.recorded_at",
            "cases.Notification.recorded_at",
            "cases.Person.created_at",
            "cases.Person.purged_at",
            "cases.PersonAccess.accessed_at",
            # A cluster's timeline and its hand-off e-mail's tries (issue 16).
            "cases.ClusterCase.added_at",
            "cases.Cluster.detected_at",
            "cases.Cluster.handed_off_at",
            "cases.Cluster.taken_at",
            "cases.Cluster.ended_at",
            "cases.ClusterEvent.at",
            "cases.ClusterHandoff.created_at",
            "cases.ClusterHandoff.next_attempt_at",
            "cases.ClusterHandoff.claimed_at",
            "cases.ClusterHandoff.sent_at",
            "cases.Phone.retired_at",
            # Identity across cases (issue 16): when a pair was found and decided, a merge made
            # and undone (the rows say which persons, by id; names are the persons' own fields).
            "cases.Person.merged_at",
            "cases.DuplicateCandidate.found_at",
            "cases.DuplicateCandidate.decided_at",
            "cases.PersonMerge.at",
            "cases.PersonMerge.undone_at",
            "supervision.SupervisorAction.at",
            "integrity.Finding.day",
            "integrity.Finding.detected_at",
            "integrity.Finding.acknowledged_at",
            "integrity.Review.week",
            "integrity.Review.drawn_at",
            "integrity.Review.scored_at",
            # The carrier's times of the call: the evidence the counts are checked against.
            "calls.CarrierCall.started_at",
            "calls.CarrierCall.ringing_at",
            "calls.CarrierCall.answered_at",
            "calls.CarrierCall.ended_at",
            "calls.CarrierCall.updated_at",
            "calls.CarrierEvent.occurred_at",
            "calls.CarrierEvent.received_at",
        ],
        "a workflow time the aggregates are computed from",
    ),
    # Health dates kept for the epidemiological figures (delays from onset, isolation lengths):
    # without a name, birth date, address or phone they no longer point at anyone.
    **dict.fromkeys(
        [
            "cases.Exposure.last_exposure_date",
            "cases.IndexCase.symptom_onset_on",
            "cases.Interview.symptom_onset_on",
            "cases.Interview.isolation_until",
            "cases.Notification.isolation_until",
            "cases.Notification.test_on",
        ],
        "a health date for the aggregate figures",
    ),
}


def models_about_persons() -> set[type[models.Model]]:
    """Person and every model that reaches it through foreign keys (task, exposure, index case…)."""
    found: set[type[models.Model]] = {Person}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in found:
                continue
            if any(
                f.is_relation and f.concrete and f.related_model in found
                for f in model._meta.get_fields()
            ):
                found.add(model)
                grew = True
    return found


def text_and_date_fields() -> list[tuple[type[models.Model], models.Field, str]]:
    kinds = (models.CharField, models.TextField, models.EmailField, models.DateField)
    return [
        (model, field, f"{model._meta.label}.{field.name}")
        for model in models_about_persons()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds)
    ]


def holding_data(model: type[models.Model], field: models.Field) -> models.QuerySet:
    if field.null:
        return model._default_manager.filter(**{f"{field.name}__isnull": False})
    return model._default_manager.exclude(**{field.name: ""})


@override_settings(RETENTION_DAYS=90)
class PurgeEveryFieldTests(PersonasTestCase):
    def setUp(self):
        now = timezone.now()
        result = self.register_case(
            self.t93, contacts=[contact("Ana", "Silva", "0611111111")], external_ref="LAB-42"
        )
        self.task = result.task
        Person.objects.update(address="3 rue de la Paix", birth_date=now.date())
        assignment = Assignment.objects.create(
            task=self.task,
            agent=self.alice.agent,
            lease_expires_at=now,
            phone="+33612345678",
            closed_at=now,
        )
        # An interrupted call's draft: the whole row goes (its fields are free text).
        CallDraft.objects.create(
            assignment=assignment, fields={"notes": ["M. Martin tousse"]}, updated_at=now
        )
        CallAttempt.objects.create(
            task=self.task,
            assignment=assignment,
            agent=self.alice.agent,
            phone="+33612345678",
            outcome=CallAttempt.Outcome.NO_ANSWER,
            notes="M. Martin rappelle après 18 h",
        )
        SmsMessage.objects.create(
            task=self.task, phone="+33612345678", body="Bonjour M. Martin", error="+33612345678"
        )
        # The carrier's record of the call: the number goes, the evidence stays.
        carrier_call = CarrierCall.objects.create(
            carrier="sim",
            carrier_call_id="sim-1",
            assignment=assignment,
            number="+33612345678",
            state=CarrierCall.State.COMPLETED,
        )
        CarrierEvent.objects.create(
            carrier="sim",
            event_id="ev-1",
            call=carrier_call,
            type=CarrierEvent.Type.COMPLETED,
            occurred_at=now,
            payload={"to": "+33612345678"},
        )
        escalate(task=self.task, reason=CallTask.Escalation.DEADLINE, now=now)
        TaskEvent.objects.filter(task=self.task).update(note="Voir avec Mme Martin")
        SupervisorAction.objects.create(
            actor=self.bob,
            territory=self.t93,
            kind=SupervisorAction.Kind.RELEASE_LEASE,
            task=self.task,
            note="Appel de M. Martin bloqué",
            at=now,
        )
        Finding.objects.create(
            territory=self.t93,
            agent=self.alice.agent,
            day=now.date(),
            kind=Finding.Kind.CALL_TOO_SHORT,
            attempt=CallAttempt.objects.get(task=self.task),
            evidence={"connected_seconds": 12},
            detected_at=now,
            note="M. Martin a raccroché",
        )
        Review.objects.create(
            territory=self.t93,
            attempt=CallAttempt.objects.get(task=self.task),
            agent=self.alice.agent,
            week=now.date() - timedelta(days=now.weekday()),
            scorecard=Scorecard.objects.get(territory=None, active=True),
            state=Review.State.SCORED,
            reviewer=self.bob,
            scores={},
            total=80,
            notes="M. Martin a bien compris l'isolement",
            drawn_at=now,
            scored_at=now,
        )
        # A cluster at the place of the contact's exposure, handed off, with free texts (issue 16).
        place = Place.objects.create(
            territory=self.t93, name="EHPAD", type="nursing_home", normalised_name="ehpad"
        )
        Exposure.objects.update(place=place)
        cluster = Cluster.objects.create(
            place=place,
            territory=self.t93,
            status=Cluster.Status.RETURNED,
            handed_off_at=now,
            taken_at=now,
            ended_at=now,
            reason="M. Martin y travaille",
        )
        ClusterCase.objects.create(cluster=cluster, index_case=self.task.index_case)
        ClusterEvent.objects.create(
            cluster=cluster, kind=ClusterEvent.Kind.RETURNED, note="M. Martin y travaille"
        )
        ClusterHandoff.objects.create(
            cluster=cluster,
            to_email="ars@example.org",
            payload={"cases": [{"last_name": "Martin"}]},
            next_attempt_at=now,
            claimed_at=now,
            sent_at=now,
            last_error="550 ars@example.org",
        )
        for obj in [
            *Person.objects.all(),
            *Phone.objects.all(),
            *IndexCase.objects.all(),
            *Exposure.objects.all(),
            *CallTask.objects.all(),
            assignment,
        ]:
            LogEntry.objects.create(
                user=self.root,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
                object_repr=str(obj),
                action_flag=CHANGE,
                change_message=f"Changed {obj}",
            )
        log_person_access(user=self.bob, persons=list(Person.objects.all()), what="t", now=now)
        # The other tasks (the contact's) are done: only the escalated one waits a decision.
        CallTask.objects.exclude(pk=self.task.pk).update(status=CallTask.Status.DONE, closed_at=now)
        Person.objects.update(created_at=now - timedelta(days=91))

    def test_every_field_that_can_identify_is_listed_and_filled_by_this_fixture(self):
        # No stale entry in the allowlist: each names a field that exists.
        self.assertEqual(NOT_IDENTIFYING.keys() - {f[2] for f in text_and_date_fields()}, set())
        for model, field, label in text_and_date_fields():
            if label in NOT_IDENTIFYING:
                continue
            with self.subTest(field=label):
                self.assertTrue(holding_data(model, field).exists(), "the fixture must fill it")

    def test_the_purge_blanks_every_identifying_field(self):
        self.assertEqual(purge_expired_personal_data.delay().get(), 2)
        forget_notes_of_purged_persons()
        forget_finding_notes_of_purged_persons()

        for model, field, label in text_and_date_fields():
            if label in NOT_IDENTIFYING:
                continue
            with self.subTest(field=label):
                self.assertFalse(holding_data(model, field).exists())
        self.assertFalse(
            LogEntry.objects.exclude(object_repr="").exists()
            or LogEntry.objects.exclude(change_message="").exists()
        )
        self.assertFalse(CallDraft.objects.exists())
        self.assertEqual(CarrierEvent.objects.get().payload, {})
        self.assertEqual(ClusterHandoff.objects.get().payload, {})
        self.assertEqual(CarrierCall.objects.get().state, CarrierCall.State.COMPLETED)

    def test_it_reaches_an_escalated_call_and_closes_it_for_retention(self):
        purge_expired_personal_data.delay().get()

        self.task.refresh_from_db()
        self.assertEqual(
            (self.task.status, self.task.closed_reason),
            (CallTask.Status.CLOSED, CallTask.ClosedReason.RETENTION),
        )
        event = TaskEvent.objects.get(task=self.task, kind=TaskEvent.Kind.CLOSED)
        self.assertEqual(
            (event.from_status, event.reason, event.by),
            (CallTask.Status.ESCALATED, CallTask.ClosedReason.RETENTION, None),
        )

    def test_it_reaches_a_call_a_supervisor_closed(self):
        close_task(
            actor=self.bob,
            task=self.task,
            reason=CallTask.ClosedReason.UNREACHABLE,
            now=timezone.now(),
            note="Messagerie de M. Martin pleine",
        )
        self.assertEqual(purge_expired_personal_data.delay().get(), 2)
        event = TaskEvent.objects.get(task=self.task, kind=TaskEvent.Kind.CLOSED)
        self.assertEqual((event.reason, event.note), (CallTask.ClosedReason.UNREACHABLE, ""))

    def test_a_call_still_owed_keeps_its_person(self):
        # Late but still queued: a call is owed (queued and assigned both block the purge).
        CallTask.objects.filter(pk=self.task.pk).update(
            status=CallTask.Status.QUEUED, escalation_reason="", escalated_at=None
        )
        self.assertEqual(purge_expired_personal_data.delay().get(), 1)
        self.assertIsNone(Person.objects.get(pk=self.task.person_id).purged_at)
        self.assertFalse(Assignment.objects.filter(phone="").exists())

    def test_it_keeps_the_aggregates_and_is_idempotent(self):
        SlaDay.objects.create(
            territory=self.t93, day=timezone.localdate(), contacts_due=1, computed_at=timezone.now()
        )
        counts = [
            m.objects.count()
            for m in (CallTask, CallAttempt, Assignment, SmsMessage, TaskEvent, PersonAccess)
        ]
        sla = list(SlaDay.objects.values())

        self.assertEqual(purge_expired_personal_data.delay().get(), 2)
        self.assertEqual(purge_expired_personal_data.delay().get(), 0)

        self.assertEqual(
            [
                m.objects.count()
                for m in (CallTask, CallAttempt, Assignment, SmsMessage, TaskEvent, PersonAccess)
            ],
            [counts[0], counts[1], counts[2], counts[3], counts[4] + 1, counts[5]],
        )
        self.assertEqual(list(SlaDay.objects.values()), sla)
        self.assertEqual(IndexCase.objects.count(), 1)
        self.assertEqual(Exposure.objects.count(), 1)
