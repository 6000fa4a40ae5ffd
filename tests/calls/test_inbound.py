"""Inbound calls: a person who calls the platform is found, their file opened, the call recorded
against their open or escalated task."""

from datetime import time, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentDay
from agents.services.staff import set_agent_status
from calls.exceptions import InvalidOutcome, LeaseLost
from calls.forms import INBOUND_OPENED_SALT
from calls.models import Assignment, CallAttempt, CallTask, SmsMessage
from calls.services.dispatch import claim_next_task
from calls.services.fallback import escalate, queue_fallback_sms
from calls.services.inbound import record_inbound_call
from calls.services.outcomes import record_outcome
from cases.models import Exposure, Interview, Notification, Person, PersonAccess, Phone
from cases.services import erase_identities
from tests.base import PersonasTestCase, contact, make_user
from tests.calls.test_desk import a_contact, interview_data, outcome_data

SEARCH = reverse("calls:search")


def person_url(person: Person) -> str:
    return reverse("calls:person", args=[person.pk])


def inbound_url(task: CallTask) -> str:
    return reverse("calls:record-inbound", args=[task.person_id, task.pk])


def notification_data(**answers) -> dict:
    data = {
        "notification-last_exposure_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "notification-certificate_needed": "on",
    }
    data.update(answers)
    return data


class InboundTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for territory in (cls.t93, cls.t75):
            territory.calling_hours_start, territory.calling_hours_end = time(0, 0), time(23, 59)
            territory.save()
        cls.frank = make_user("frank", roles.TELECONSEILLER, territory=cls.t93, languages=("fr",))
        result = cls.register_case(
            cls.t93,
            name="Martin",
            phone="0612345678",
            external_ref="LAB-93-0042",
            contacts=[contact("Awa", "Diallo", "0611111111", exposure_type="household")],
        )
        cls.case = result.index_case
        cls.martin = cls.case.person
        cls.interview_task = result.task
        cls.awa = result.contacts[0].exposure.person
        cls.contact_task = result.contacts[0].task
        # The same number in Paris: another person, out of sight of the agents of 93.
        cls.paris = cls.register_case(cls.t75, name="Dupont", phone="0612345678").index_case.person

    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def escalate_with_sms(self, task: CallTask) -> CallTask:
        """The contact was not reached: the fallback SMS asked them to call back."""
        now = timezone.now()
        CallTask.objects.filter(pk=task.pk).update(attempts=5)
        task.refresh_from_db()
        queue_fallback_sms(task=task, now=now)
        escalate(task=task, reason=CallTask.Escalation.MAX_ATTEMPTS, now=now)
        task.refresh_from_db()
        return task

    def claim_for(self, user) -> Assignment:
        now = timezone.now()
        set_agent_status(agent=user.agent, status=Agent.Status.READY, now=now)
        assignment = claim_next_task(agent=user.agent, now=now)
        self.assertIsNotNone(assignment)
        return assignment

    def opened_token(self, person: Person) -> str:
        """The form's signed start of the call, as the file page gives it."""
        self.client.force_login(self.alice)
        response = self.client.get(person_url(person))
        self.assertEqual(response.status_code, 200)
        return response.context["outcome_form"].initial["opened"]


class SearchTests(InboundTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    def found(self, query: str, user=None) -> list[Person]:
        if user is not None:
            self.client.force_login(user)
        response = self.client.get(SEARCH, {"q": query})
        self.assertEqual(response.status_code, 200)
        return response.context["found"].persons

    def test_it_finds_a_person_by_phone_in_national_and_international_forms(self):
        for query in (
            "0612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "+33612345678",
            "+33 6 12 34 56 78",
            "0033 6 12 34 56 78",
        ):
            with self.subTest(query=query):
                self.assertEqual(self.found(query), [self.martin])

    def test_it_finds_a_person_by_the_last_six_digits_of_a_number_or_more(self):
        self.assertEqual(self.found("34 56 78"), [self.martin])
        self.assertEqual(self.found("2345678"), [self.martin])
        self.assertEqual(self.found("45678"), [])

    def test_it_finds_a_person_by_a_number_retired_as_wrong(self):
        Phone.objects.filter(person=self.awa).update(retired_at=timezone.now())
        self.assertEqual(self.found("06 11 11 11 11"), [self.awa])

    def test_it_finds_people_by_name_word_by_word(self):
        self.assertEqual(self.found("martin"), [self.martin])
        self.assertEqual(self.found("Paul MARTIN"), [self.martin])
        self.assertEqual(self.found("martin paul"), [self.martin])
        self.assertEqual(self.found("awa"), [self.awa])
        self.assertEqual(self.found("paul diallo"), [])
        # "Paul" alone: the patient zéro of 93 only, not the one in Paris.
        self.assertEqual(self.found("paul"), [self.martin])

    def test_it_finds_a_patient_zero_by_the_reference_of_their_case(self):
        self.assertEqual(self.found("LAB-93-0042"), [self.martin])
        self.assertEqual(self.found("lab-93-0042"), [self.martin])
        self.assertEqual(self.found("LAB-93"), [])

    def test_it_never_finds_a_person_of_another_territory(self):
        self.assertNotIn(self.paris, self.found("0612345678"))
        self.assertEqual(self.found("dupont"), [])
        # Zoe, in La Réunion, finds nobody of Seine-Saint-Denis.
        self.assertEqual(self.found("0612345678", user=self.zoe), [])
        self.assertEqual(self.found("martin", user=self.zoe), [])
        self.assertEqual(self.found("LAB-93-0042", user=self.zoe), [])

    def test_it_never_shows_a_purged_person(self):
        # Erased: names blanked, numbers deleted; the case and its reference remain.
        erase_identities(person_ids=[self.martin.pk], now=timezone.now())
        self.assertEqual(self.found("LAB-93-0042"), [])
        self.assertEqual(self.found("0612345678"), [])
        # Marked purged with a name left (a purge in progress): still never shown.
        Person.objects.filter(pk=self.awa.pk).update(purged_at=timezone.now())
        self.assertEqual(self.found("awa"), [])
        self.assertEqual(self.found("0611111111"), [])
        self.assertEqual(self.client.get(person_url(self.awa)).status_code, 404)

    def test_it_logs_each_person_listed_and_nothing_for_an_empty_search(self):
        Phone.objects.create(person=self.awa, number="+33612345678", position=1)
        self.assertEqual(set(self.found("0612345678")), {self.martin, self.awa})
        rows = PersonAccess.objects.filter(what="desk-search")
        self.assertEqual(
            sorted(rows.values_list("person_id", "user_id")),
            sorted([(self.martin.pk, self.alice.pk), (self.awa.pk, self.alice.pk)]),
        )
        self.found("nobody-by-this-name")
        self.assertEqual(self.client.get(SEARCH).status_code, 200)
        self.assertEqual(self.client.get(SEARCH, {"q": "a"}).status_code, 200)
        self.assertEqual(PersonAccess.objects.filter(what="desk-search").count(), 2)

    def test_it_lists_the_persons_calls_and_pins_its_query_count(self):
        self.client.get(SEARCH, {"q": "martin"})  # warm the session and the user's roles
        # Session, user, groups, agent with territory; the case references, the people, their
        # phones and their tasks; the access log; the page header's agent and territory.
        with self.assertNumQueries(11):
            response = self.client.get(SEARCH, {"q": "diallo"})
        self.assertContains(response, 'data-testid="search-result"', count=1)
        self.assertEqual(response.context["found"].rows[0].tasks, [self.contact_task])
        self.assertIn("no-store", response["Cache-Control"])

    def test_the_desk_has_the_search_box(self):
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'id="desk-search-q"')
        self.assertContains(response, f'action="{SEARCH}"')


class PersonFileTests(InboundTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    def test_it_shows_the_file_with_its_calls_attempts_and_sms_and_logs_the_read(self):
        task = self.escalate_with_sms(self.contact_task)
        now = timezone.now()
        CallAttempt.objects.create(
            task=task, agent=self.frank.agent, outcome="no_answer", started_at=now, ended_at=now
        )
        response = self.client.get(person_url(self.awa))
        self.assertEqual(response.status_code, 200)
        file = response.context["file"]
        self.assertEqual(file.tasks, [task])
        self.assertEqual(len(file.attempts), 1)
        self.assertEqual(
            [row.message for row in file.sms], list(SmsMessage.objects.filter(task=task))
        )
        self.assertEqual(len(file.sms), 1)
        self.assertContains(response, 'data-testid="sms-row"', count=1)
        self.assertContains(response, 'data-testid="attempt"', count=1)
        self.assertContains(response, 'data-testid="script-notification"')
        self.assertContains(response, 'data-testid="inbound-form"')
        self.assertEqual(response.context["task"], task)
        # Awa, and the patient zéro her call as a contact names.
        accesses = PersonAccess.objects.filter(what="desk-person")
        self.assertEqual(
            sorted(accesses.values_list("person_id", "user_id")),
            sorted([(self.awa.pk, self.alice.pk), (self.martin.pk, self.alice.pk)]),
        )
        self.assertIn("no-store", response["Cache-Control"])

    def test_it_offers_the_form_for_the_chosen_open_call(self):
        follow_up = CallTask.objects.create(
            person=self.martin,
            reason=CallTask.Reason.FOLLOW_UP,
            territory=self.t93,
            language_id="fr",
            deadline_at=self.interview_task.deadline_at + timedelta(hours=1),
        )
        response = self.client.get(person_url(self.martin))
        self.assertEqual(response.context["task"], self.interview_task)  # the earliest deadline
        self.assertContains(response, 'data-testid="script-interview"')
        self.assertContains(response, 'data-testid="choose-task"', count=1)
        response = self.client.get(person_url(self.martin), {"task": follow_up.pk})
        self.assertEqual(response.context["task"], follow_up)
        # A task of somebody else is not offered.
        response = self.client.get(person_url(self.martin), {"task": self.contact_task.pk})
        self.assertEqual(response.context["task"], self.interview_task)

    def test_it_says_so_when_there_is_no_open_call(self):
        CallTask.objects.filter(pk=self.contact_task.pk).update(
            status=CallTask.Status.DONE, closed_at=timezone.now()
        )
        response = self.client.get(person_url(self.awa))
        self.assertContains(response, 'data-testid="no-open-call"')
        self.assertNotContains(response, 'data-testid="inbound-form"')

    def test_it_warns_that_a_colleague_holds_the_call(self):
        self.claim_for(self.frank)  # the interview: the earliest deadline
        response = self.client.get(person_url(self.martin))
        self.assertContains(response, 'data-testid="held-warning"')


class InboundAccessTests(InboundTestCase):
    def urls(self) -> list[tuple[str, str]]:
        return [
            ("get", SEARCH + "?q=martin"),
            ("get", person_url(self.martin)),
            ("post", inbound_url(self.interview_task)),
        ]

    def test_it_sends_anonymous_users_to_the_login_page(self):
        for method, url in self.urls():
            with self.subTest(url=url):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_supervisors_admins_feeds_and_a_superuser_without_a_desk(self):
        for user in (self.bob, self.carol, self.root, self.labfeed):
            self.client.force_login(user)
            for method, url in self.urls():
                with self.subTest(user=user.username, url=url):
                    data = outcome_data("reached") if method == "post" else None
                    self.assertEqual(getattr(self.client, method)(url, data).status_code, 403)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(PersonAccess.objects.exists())

    def test_it_hides_the_people_of_another_territory(self):
        self.client.force_login(self.zoe)
        self.assertEqual(self.client.get(person_url(self.martin)).status_code, 404)
        response = self.client.post(
            inbound_url(self.interview_task), {**outcome_data("not_concerned")}
        )
        self.assertEqual(response.status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(person_url(self.paris)).status_code, 404)
        # A task of one person posted under another person's file.
        url = reverse("calls:record-inbound", args=[self.awa.pk, self.interview_task.pk])
        self.assertEqual(self.client.post(url, outcome_data("not_concerned")).status_code, 404)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(PersonAccess.objects.exclude(user=self.alice).exists())

    def test_it_refuses_the_wrong_methods(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(SEARCH, {"q": "martin"}).status_code, 405)
        self.assertEqual(self.client.post(person_url(self.martin)).status_code, 405)
        self.assertEqual(self.client.get(inbound_url(self.interview_task)).status_code, 405)
        self.assertFalse(PersonAccess.objects.exists())


class RecordInboundCallTests(InboundTestCase):
    def post(self, task: CallTask, data: dict, *, opened: str | None = None):
        opened = self.opened_token(task.person) if opened is None else opened
        return self.client.post(inbound_url(task), {**data, "opened": opened})

    def test_a_contact_who_calls_back_after_the_sms_is_notified_and_their_task_done(self):
        task = self.escalate_with_sms(self.contact_task)
        opened = self.opened_token(self.awa)
        before = timezone.now()
        response = self.post(
            task, {**outcome_data("reached"), **notification_data()}, opened=opened
        )
        after = timezone.now()
        self.assertRedirects(response, person_url(self.awa), fetch_redirect_response=False)

        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.DONE)
        self.assertEqual(task.escalation_reason, "")
        self.assertIsNotNone(task.closed_at)
        attempt = CallAttempt.objects.get(task=task)
        self.assertEqual(attempt.channel, CallAttempt.Channel.INBOUND)
        self.assertEqual((attempt.agent, attempt.assignment), (self.alice.agent, None))
        self.assertEqual((attempt.outcome, attempt.accepted), ("reached", True))
        # Server times: from the opening of the file (signed into the form) to the outcome.
        self.assertLessEqual(attempt.started_at, before)
        self.assertEqual(attempt.connected_at, attempt.started_at)
        self.assertTrue(before <= attempt.ended_at <= after)
        notification = Notification.objects.get(exposure=task.exposure)
        self.assertTrue(notification.certificate_needed)
        self.assertEqual(notification.recorded_by, self.alice)
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.calls, day.reached, day.refused_outcomes), (1, 1, 0))
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Agent.Status.WRAP_UP)
        # Off the supervisors' escalation list.
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:escalations"))
        self.assertNotIn(task, response.context["escalated"])

    def test_a_patient_zero_who_calls_in_is_interviewed_and_their_contacts_queued(self):
        task = self.interview_task
        data = {
            **outcome_data("reached", notes="Called back after the SMS"),
            **interview_data(a_contact("Moussa", "0622222222"), a_contact("Fatou", "0633333333")),
        }
        response = self.post(task, data)
        self.assertRedirects(response, person_url(self.martin), fetch_redirect_response=False)
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.DONE)
        self.assertTrue(Interview.objects.filter(index_case=self.case).exists())
        names = set(
            Exposure.objects.filter(index_case=self.case).values_list(
                "person__first_name", flat=True
            )
        )
        self.assertEqual(names, {"Awa", "Moussa", "Fatou"})
        queued = CallTask.objects.filter(
            exposure__index_case=self.case,
            person__first_name__in=["Moussa", "Fatou"],
            status=CallTask.Status.QUEUED,
        )
        self.assertEqual(queued.count(), 2)
        attempt = CallAttempt.objects.get(task=task)
        self.assertEqual((attempt.channel, attempt.notes), ("inbound", "Called back after the SMS"))

    def test_a_bad_answer_writes_nothing(self):
        task = self.escalate_with_sms(self.contact_task)
        data = {**outcome_data("reached"), **notification_data()}
        data["notification-last_exposure_date"] = ""
        response = self.post(task, data)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["show_errors"])
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.ESCALATED)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(Notification.objects.exists())

    def test_an_outcome_that_needs_no_one_on_the_line_is_refused(self):
        response = self.post(self.interview_task, outcome_data("no_answer"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("outcome", response.context["outcome_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())
        with self.assertRaises(InvalidOutcome):
            record_inbound_call(
                task=self.interview_task,
                agent=self.alice.agent,
                outcome="busy",
                now=timezone.now(),
            )
        self.assertFalse(CallAttempt.objects.exists())

    def test_a_forged_start_is_ignored_and_the_call_starts_when_recorded(self):
        forged = signing.dumps(
            {"person": self.awa.pk, "at": (timezone.now() - timedelta(hours=1)).timestamp()},
            salt="another-salt",
        )
        other_person = signing.dumps(
            {"person": self.martin.pk, "at": (timezone.now() - timedelta(minutes=5)).timestamp()},
            salt=INBOUND_OPENED_SALT,
        )
        for opened in (forged, other_person, "garbage"):
            CallTask.objects.filter(pk=self.contact_task.pk).update(
                status=CallTask.Status.QUEUED, closed_at=None
            )
            with self.subTest(opened=opened[:10]):
                self.client.force_login(self.alice)
                before = timezone.now()
                self.post(self.contact_task, outcome_data("not_concerned"), opened=opened)
                attempt = CallAttempt.objects.latest("pk")
                self.assertGreaterEqual(attempt.started_at, before)
                self.assertEqual(attempt.started_at, attempt.ended_at)

    def test_it_refuses_while_a_colleague_holds_the_call_and_writes_nothing(self):
        franks = self.claim_for(self.frank)
        self.assertEqual(franks.task, self.interview_task)
        data = {**outcome_data("reached"), **interview_data()}
        response = self.post(self.interview_task, data)
        self.assertEqual(response.status_code, 409)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(Interview.objects.exists())
        task = CallTask.objects.get(pk=self.interview_task.pk)
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.ASSIGNED, franks.agent))
        # The form comes back as typed, to send again once Frank has finished.
        self.assertEqual(response.context["outcome_form"].data["outcome"], "reached")
        self.assertFalse(AgentDay.objects.filter(agent=self.alice.agent, calls__gt=0).exists())

    def test_it_refuses_a_call_the_agent_holds_themselves(self):
        self.claim_for(self.alice)
        response = self.post(self.interview_task, outcome_data("not_concerned"))
        self.assertEqual(response.status_code, 409)
        self.assertFalse(CallAttempt.objects.exists())

    def test_an_expired_lease_is_given_back_and_its_late_outcome_refused(self):
        franks = self.claim_for(self.frank)
        Assignment.objects.filter(pk=franks.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        CallTask.objects.filter(pk=franks.task_id).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        self.post(self.interview_task, {**outcome_data("reached"), **interview_data()})
        task = CallTask.objects.get(pk=self.interview_task.pk)
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.DONE, None))
        franks.refresh_from_db()
        self.assertIsNotNone(franks.closed_at)
        with self.assertRaises(LeaseLost):
            record_outcome(
                assignment=franks, agent=self.frank.agent, outcome="reached", now=timezone.now()
            )
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.DONE)
        self.assertEqual(
            sorted(CallAttempt.objects.values_list("channel", "accepted")),
            [("inbound", True), ("outbound", False)],
        )

    def test_a_call_closed_already_is_not_recorded_again(self):
        token = self.opened_token(self.awa)
        self.post(self.contact_task, {**outcome_data("reached"), **notification_data()})
        response = self.post(
            self.contact_task, {**outcome_data("reached"), **notification_data()}, opened=token
        )
        self.assertRedirects(response, person_url(self.awa), fetch_redirect_response=False)
        self.assertEqual(CallAttempt.objects.count(), 1)
        self.assertEqual(Notification.objects.count(), 1)

    def test_a_callback_asked_on_an_escalated_call_goes_back_to_the_queue(self):
        task = self.escalate_with_sms(self.contact_task)
        callback_at = timezone.localtime(timezone.now() + timedelta(hours=3), self.t93.zone)
        data = outcome_data("callback", callback_at=callback_at.strftime("%Y-%m-%dT%H:%M"))
        self.post(task, data)
        task.refresh_from_db()
        # The fallback is not sent again: the person called us. The callback is Alice's.
        self.assertEqual(task.status, CallTask.Status.QUEUED)
        self.assertEqual(task.not_before, callback_at.replace(second=0, microsecond=0))
        self.assertEqual(task.reserved_for, self.alice.agent)
        self.assertEqual(task.escalation_reason, "")
        self.assertEqual(SmsMessage.objects.filter(task=task).count(), 1)
        self.assertEqual(AgentDay.objects.get(agent=self.alice.agent).reached, 0)

    def test_a_refusal_closes_the_call(self):
        self.post(self.contact_task, outcome_data("refused"))
        task = CallTask.objects.get(pk=self.contact_task.pk)
        self.assertEqual(task.status, CallTask.Status.CLOSED)

    def test_the_agent_holding_an_outbound_call_stays_on_it(self):
        franks = self.claim_for(self.frank)  # Martin's interview
        self.client.force_login(self.frank)
        response = self.client.get(person_url(self.awa))
        token = response.context["outcome_form"].initial["opened"]
        self.client.post(
            inbound_url(self.contact_task),
            {**outcome_data("reached"), **notification_data(), "opened": token},
        )
        self.assertEqual(CallTask.objects.get(pk=self.contact_task.pk).status, CallTask.Status.DONE)
        self.frank.agent.refresh_from_db()
        self.assertEqual(self.frank.agent.status, Agent.Status.ON_CALL)
        franks.refresh_from_db()
        self.assertIsNone(franks.closed_at)
