from datetime import datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentStatusPeriod, PauseReason
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallAttempt, CallTask
from calls.services.dispatch import claim_next_task
from cases.models import Exposure, Interview, IsolationRuleSet, Notification, PersonAccess
from tests.base import PersonasTestCase, contact, make_user

DESK = reverse("calls:desk")


def outcome_data(outcome: str, **extra) -> dict:
    data = {
        "outcome": outcome,
        "notes": "",
        "callback_at": "",
        "callback_for": "mine",
        "language": "",
    }
    data.update(extra)
    return data


def interview_data(*contacts: dict, **answers) -> dict:
    data = {
        "interview-symptomatic": "on",
        "interview-symptom_onset_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "interview-consent_to_name": "on",
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "100",
    }
    data.update(answers)
    for i, values in enumerate(contacts):
        row = {
            "first_name": "",
            "last_name": "",
            "phone": "",
            "language": "fr",
            "exposure_type": "",
            "last_exposure_date": "",
        }
        row.update(values)
        data.update({f"contacts-{i}-{key}": value for key, value in row.items()})
    return data


def a_contact(first_name: str, phone: str, **values) -> dict:
    return {
        "first_name": first_name,
        "last_name": "Diallo",
        "phone": phone,
        "language": "fr",
        "exposure_type": "household",
        "last_exposure_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        **values,
    }


class DeskTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Calls may be made at any hour in these tests.
        for territory in (cls.t93, cls.t75):
            territory.calling_hours_start, territory.calling_hours_end = time(0, 0), time(23, 59)
            territory.save()
        cls.frank = make_user(
            "frank",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr",),
            plateau=cls.saint_denis,
        )
        cls.case = cls.register_case(cls.t93, name="Martin", phone="0612345678").index_case
        cls.case.person.phones.create(number="+33148000000", position=1)

    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def claim(self, user=None) -> Assignment:
        agent = (user or self.alice).agent
        now = timezone.now()
        set_agent_status(agent=agent, status=Agent.Status.READY, now=now)
        assignment = claim_next_task(agent=agent, now=now)
        self.assertIsNotNone(assignment)
        return assignment

    def messages_of(self, response) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]


class DeskAccessTests(DeskTestCase):
    def post_urls(self, pk: int) -> list[str]:
        return [
            reverse("calls:set-status"),
            reverse("calls:claim-next"),
            reverse("calls:dial", args=[pk]),
            reverse("calls:connected", args=[pk]),
            reverse("calls:renew", args=[pk]),
            reverse("calls:record-outcome", args=[pk]),
            reverse("calls:save-draft", args=[pk]),
            reverse("calls:resume-draft", args=[pk]),
        ]

    def test_it_sends_anonymous_users_to_the_login_page(self):
        assignment = self.claim()
        for method, url in [("get", DESK), ("get", reverse("calls:contact-row"))] + [
            ("post", url) for url in self.post_urls(assignment.pk)
        ]:
            with self.subTest(url=url):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_the_desk_to_supervisors_admins_and_a_superuser_without_a_desk(self):
        assignment = self.claim()
        for user in (self.bob, self.carol, self.root, self.labfeed):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(DESK).status_code, 403)
                self.assertEqual(
                    self.client.get(
                        reverse("calls:contact-row") + "?contacts-TOTAL_FORMS=1"
                    ).status_code,
                    403,
                )
                for url in self.post_urls(assignment.pk):
                    self.assertEqual(self.client.post(url, {"status": "ready"}).status_code, 403)
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)

    def test_it_refuses_get_on_the_post_endpoints(self):
        assignment = self.claim()
        self.client.force_login(self.alice)
        for url in self.post_urls(assignment.pk):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(self.client.post(DESK).status_code, 405)
        self.assertEqual(self.client.post(reverse("calls:contact-row")).status_code, 405)

    def test_it_hides_another_agents_assignment(self):
        franks = self.claim(self.frank)
        self.client.force_login(self.alice)
        for url in self.post_urls(franks.pk)[2:]:
            with self.subTest(url=url):
                response = self.client.post(
                    url, {**outcome_data("no_answer"), "number": "+33612345678"}
                )
                self.assertEqual(response.status_code, 404)
        franks.refresh_from_db()
        self.assertIsNone(franks.closed_at)
        self.assertIsNone(franks.dialled_at)
        self.assertFalse(CallAttempt.objects.exists())

    def test_it_links_the_desk_in_the_navigation_of_a_teleconseiller_only(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("agents:home")), 'data-testid="nav-desk"')
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(reverse("agents:home")), 'data-testid="nav-desk"')


class DeskStatusTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)
        self.agent = self.alice.agent

    def test_it_shows_the_status_bar_and_the_next_call_button(self):
        response = self.client.get(DESK)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="status-bar"')
        self.assertContains(response, 'id="next-call"')
        self.assertContains(response, f'data-since="{int(self.agent.status_since.timestamp())}"')
        self.assertContains(response, "js/desk.js")
        # The active pause reasons only.
        self.assertEqual(
            list(response.context["pause_reasons"]), list(PauseReason.objects.filter(active=True))
        )
        self.assertNotContains(response, 'id="contact-card"')

    def test_it_sets_the_agent_ready_and_logs_the_period(self):
        response = self.client.post(reverse("calls:set-status"), {"status": "ready"})
        self.assertRedirects(response, DESK)
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.READY)
        self.assertTrue(
            AgentStatusPeriod.objects.filter(
                agent=self.agent, status="ready", ended_at__isnull=True
            ).exists()
        )

    def test_it_pauses_with_a_reason_only(self):
        response = self.client.post(
            reverse("calls:set-status"), {"status": "paused", "pause_reason": ""}
        )
        self.assertRedirects(response, DESK)
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.OFFLINE)
        self.assertEqual(len(self.messages_of(response)), 1)

        lunch = PauseReason.objects.get(code="dejeuner")
        self.client.post(
            reverse("calls:set-status"), {"status": "paused", "pause_reason": lunch.pk}
        )
        self.agent.refresh_from_db()
        self.assertEqual((self.agent.status, self.agent.pause_reason), (Agent.Status.PAUSED, lunch))

    def test_it_refuses_an_inactive_pause_reason_and_a_status_set_by_the_calls(self):
        retired = PauseReason.objects.create(
            code="old", label_fr="Ancienne", label_en="Old", active=False
        )
        self.client.post(
            reverse("calls:set-status"), {"status": "paused", "pause_reason": retired.pk}
        )
        self.client.post(reverse("calls:set-status"), {"status": "on_call"})
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.OFFLINE)

    def test_it_answers_htmx_with_the_desk_partial(self):
        response = self.client.post(
            reverse("calls:set-status"), {"status": "ready"}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, 'id="desk"')
        self.assertContains(response, 'data-status="ready"')

    def test_it_says_so_when_the_agent_is_not_ready(self):
        response = self.client.post(reverse("calls:claim-next"), follow=True)
        self.assertContains(response, "Set your status to Ready")
        self.assertFalse(Assignment.objects.exists())

    def test_it_says_so_when_no_call_is_available(self):
        CallTask.objects.update(status=CallTask.Status.DONE, closed_at=timezone.now())
        self.client.post(reverse("calls:set-status"), {"status": "ready"})
        response = self.client.post(reverse("calls:claim-next"), follow=True)
        self.assertContains(response, "No call available right now")
        self.assertFalse(Assignment.objects.exists())

    def test_it_refuses_a_pause_while_holding_a_call(self):
        self.claim()
        lunch = PauseReason.objects.get(code="dejeuner")
        self.client.post(
            reverse("calls:set-status"), {"status": "paused", "pause_reason": lunch.pk}
        )
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.ON_CALL)

    def test_going_offline_gives_the_held_call_back(self):
        assignment = self.claim()
        self.client.post(reverse("calls:set-status"), {"status": "offline"})
        assignment.refresh_from_db()
        task = assignment.task
        task.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.QUEUED, None))
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.OFFLINE)

    def test_logging_out_gives_the_held_call_back_and_goes_offline(self):
        assignment = self.claim()
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        assignment.refresh_from_db()
        assignment.task.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)
        self.assertEqual(assignment.task.status, CallTask.Status.QUEUED)
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.OFFLINE)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_logging_out_still_works_for_a_user_without_a_desk(self):
        self.client.force_login(self.root)
        response = self.client.post(reverse("logout"))
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)


class DeskCallTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)
        self.agent = self.alice.agent

    def test_it_claims_the_next_call_and_shows_its_card(self):
        self.client.post(reverse("calls:set-status"), {"status": "ready"})
        response = self.client.post(reverse("calls:claim-next"))
        self.assertRedirects(response, DESK)
        assignment = Assignment.objects.get(agent=self.agent)
        response = self.client.get(DESK)
        self.assertContains(response, f'data-assignment-id="{assignment.pk}"')
        self.assertContains(response, "MARTIN Paul")
        self.assertContains(response, 'data-testid="script-interview"')
        self.assertContains(response, 'href="tel:+33612345678"')
        self.assertContains(response, 'href="tel:+33148000000"')
        self.assertContains(
            response, f'data-deadline="{int(assignment.task.deadline_at.timestamp())}"'
        )
        self.assertContains(response, 'id="renew-form"')
        self.assertContains(response, 'data-renew-seconds="300"')
        # The rule set in force today, and its instructions.
        rules = (
            IsolationRuleSet.objects.filter(valid_from__lte=timezone.localdate())
            .order_by("-valid_from")
            .first()
        )
        self.assertEqual(response.context["card"].rule_set, rules)
        self.assertContains(response, rules.index_instructions[:40])
        # Reading the card is logged.
        self.assertTrue(
            PersonAccess.objects.filter(
                user=self.alice, person=assignment.task.person, what="desk"
            ).exists()
        )
        # The outcome choices are numbered 1 to 9 for the keyboard.
        self.assertEqual(len(response.context["outcome_form"].fields["outcome"].choices), 9)

    def test_it_marks_an_overdue_and_an_urgent_deadline(self):
        assignment = self.claim()
        CallTask.objects.filter(pk=assignment.task_id).update(
            deadline_at=timezone.now() + timedelta(minutes=90)
        )
        self.assertContains(self.client.get(DESK), "countdown--urgent")
        CallTask.objects.filter(pk=assignment.task_id).update(
            deadline_at=timezone.now() - timedelta(minutes=1)
        )
        self.assertContains(self.client.get(DESK), "countdown--overdue")

    def test_it_dials_through_the_telephony_system(self):
        assignment = self.claim()
        with mock.patch("calls.views.desk.telephony.get_backend") as get_backend:
            get_backend.return_value.carrier = ""  # The log: no carrier call id to keep.
            response = self.client.post(
                reverse("calls:dial", args=[assignment.pk]), {"number": "+33148000000"}
            )
        self.assertRedirects(response, DESK)
        get_backend.return_value.dial.assert_called_once_with(
            agent=self.agent, number="+33148000000", assignment_id=assignment.pk, voicemail=None
        )
        assignment.refresh_from_db()
        self.assertEqual(assignment.phone, "+33148000000")
        self.assertIsNotNone(assignment.dialled_at)

    def test_it_dials_only_the_persons_numbers(self):
        assignment = self.claim()
        with mock.patch("calls.views.desk.telephony.get_backend") as get_backend:
            self.client.post(
                reverse("calls:dial", args=[assignment.pk]), {"number": "+33699999999"}
            )
        get_backend.return_value.dial.assert_not_called()
        assignment.refresh_from_db()
        self.assertIsNone(assignment.dialled_at)

    def test_it_says_so_when_the_telephony_system_fails(self):
        from calls.exceptions import TelephonyError

        assignment = self.claim()
        with mock.patch("calls.views.desk.telephony.get_backend") as get_backend:
            get_backend.return_value.dial.side_effect = TelephonyError("down")
            response = self.client.post(
                reverse("calls:dial", args=[assignment.pk]), {"number": "+33612345678"}, follow=True
            )
        self.assertContains(response, "dial the number by hand")

    def test_it_stamps_the_answer(self):
        assignment = self.claim()
        with mock.patch("calls.views.desk.telephony.get_backend") as get_backend:
            get_backend.return_value.carrier = ""
            self.client.post(
                reverse("calls:dial", args=[assignment.pk]), {"number": "+33612345678"}
            )
        self.assertRegex(self.client.get(DESK).content.decode(), r'id="connected"[^>]*autofocus')
        self.client.post(reverse("calls:connected", args=[assignment.pk]))
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.connected_at)

    def test_it_renews_the_lease(self):
        assignment = self.claim()
        Assignment.objects.filter(pk=assignment.pk).update(
            lease_expires_at=timezone.now() + timedelta(minutes=1)
        )
        response = self.client.post(
            reverse("calls:renew", args=[assignment.pk]), headers={"Accept": "application/json"}
        )
        self.assertEqual(response.status_code, 200)
        assignment.refresh_from_db()
        self.assertGreater(
            assignment.lease_expires_at,
            timezone.now() + timedelta(minutes=settings.LEASE_MINUTES - 1),
        )
        self.assertEqual(
            response.json()["lease_expires_at"], assignment.lease_expires_at.isoformat()
        )

    def test_it_answers_409_when_the_lease_is_lost(self):
        assignment = self.claim()
        Assignment.objects.filter(pk=assignment.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        response = self.client.post(
            reverse("calls:renew", args=[assignment.pk]), headers={"Accept": "application/json"}
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "lease_lost")
        # Without JavaScript: a message on the desk.
        response = self.client.post(reverse("calls:renew", args=[assignment.pk]), follow=True)
        self.assertContains(response, "no longer yours")

    def test_no_answer_queues_the_call_again_and_leaves_the_agent_in_wrap_up(self):
        assignment = self.claim()
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
        )
        self.assertRedirects(response, DESK)
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(
            (task.status, task.attempts, task.lease_holder), (CallTask.Status.QUEUED, 1, None)
        )
        attempt = CallAttempt.objects.get()
        self.assertEqual((attempt.outcome, attempt.accepted), ("no_answer", True))
        self.agent.refresh_from_db()
        self.assertEqual(self.agent.status, Agent.Status.WRAP_UP)
        self.assertFalse(Interview.objects.exists())
        # Straight on to the next call: the button has the focus.
        response = self.client.get(DESK)
        self.assertNotContains(response, 'id="contact-card"')
        self.assertRegex(response.content.decode(), r'id="next-call"[^>]*autofocus')

    def test_reached_on_an_interview_records_it_with_the_contacts_and_their_calls(self):
        assignment = self.claim()
        data = {
            **outcome_data("reached", notes="Fine"),
            **interview_data(
                a_contact("Awa", "0611111111"),
                a_contact("Moussa", "0622222222", exposure_type="close"),
                {},
            ),
        }
        data["contacts-TOTAL_FORMS"] = "3"
        before = timezone.now()
        response = self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertRedirects(response, DESK)

        interview = Interview.objects.get(index_case=self.case)
        onset = timezone.localdate() - timedelta(days=2)
        rules = interview.rule_set
        self.assertEqual(interview.symptom_onset_on, onset)
        self.assertEqual(
            interview.isolation_until, onset + timedelta(days=rules.index_isolation_days)
        )
        self.assertTrue(interview.consent_to_name)
        self.assertFalse(interview.support_needed)
        self.assertEqual(interview.recorded_by, self.alice)

        exposures = Exposure.objects.filter(index_case=self.case).order_by("pk")
        self.assertEqual([e.person.first_name for e in exposures], ["Awa", "Moussa"])
        tasks = CallTask.objects.filter(
            reason=CallTask.Reason.CONTACT_NOTIFICATION, exposure__in=exposures
        )
        self.assertEqual(tasks.count(), 2)
        for task in tasks:
            self.assertEqual(task.status, CallTask.Status.QUEUED)
            self.assertEqual(task.deadline_at, task.exposure.identified_at + timedelta(hours=24))
            self.assertGreaterEqual(task.exposure.identified_at, before)
        done = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(done.status, CallTask.Status.DONE)
        self.assertEqual(CallAttempt.objects.get().outcome, "reached")

    def test_a_bad_contact_phone_writes_nothing(self):
        assignment = self.claim()
        data = {
            **outcome_data("reached"),
            **interview_data(a_contact("Awa", "0611111111"), a_contact("Moussa", "12")),
        }
        response = self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertEqual(response.status_code, 200)
        contacts = response.context["contacts"]
        self.assertIn("phone", contacts.forms[1].errors)
        self.assertContains(response, "field--error")
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(Interview.objects.exists())
        self.assertFalse(Exposure.objects.exists())
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)
        self.assertEqual(
            CallTask.objects.get(pk=assignment.task_id).status, CallTask.Status.ASSIGNED
        )

    def test_reached_needs_the_onset_date_of_a_symptomatic_patient(self):
        assignment = self.claim()
        data = {**outcome_data("reached"), **interview_data(**{"interview-symptom_onset_on": ""})}
        response = self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertIn("symptom_onset_on", response.context["script_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())

    def test_another_outcome_ignores_the_unfinished_script(self):
        assignment = self.claim()
        data = {**outcome_data("busy"), **interview_data(a_contact("Moussa", "12"))}
        self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertEqual(CallAttempt.objects.get().outcome, "busy")
        self.assertFalse(Exposure.objects.exists())

    def test_add_a_contact_without_javascript_shows_one_more_row_and_records_nothing(self):
        assignment = self.claim()
        data = {
            **outcome_data("reached"),
            **interview_data(a_contact("Awa", "0611111111")),
            "add_contact": "1",
        }
        response = self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["contacts"].total_form_count(), 2)
        self.assertContains(response, 'value="Awa"')
        self.assertFalse(CallAttempt.objects.exists())

    def test_it_serves_an_empty_contact_row(self):
        response = self.client.get(reverse("calls:contact-row"), {"contacts-TOTAL_FORMS": "2"})
        self.assertContains(response, 'name="contacts-2-phone"')
        self.assertContains(response, 'value="3"')
        self.assertEqual(
            self.client.get(
                reverse("calls:contact-row"), {"contacts-TOTAL_FORMS": "x"}
            ).status_code,
            400,
        )

    def test_a_callback_needs_a_future_time_in_the_persons_zone(self):
        assignment = self.claim()
        url = reverse("calls:record-outcome", args=[assignment.pk])
        response = self.client.post(url, outcome_data("callback"))
        self.assertIn("callback_at", response.context["outcome_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())

        zone = self.t93.zone
        # Before the deadline (24 hours after the registration).
        local = (
            (timezone.now() + timedelta(hours=20)).astimezone(zone).replace(second=0, microsecond=0)
        )
        self.client.post(
            url, outcome_data("callback", callback_at=local.strftime("%Y-%m-%dT%H:%M"))
        )
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(task.not_before, local)
        self.assertEqual(task.reserved_for, self.agent)

    def test_a_callback_open_to_all_has_no_owner(self):
        assignment = self.claim()
        at = (timezone.now() + timedelta(hours=3)).astimezone(self.t93.zone)
        self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("callback", callback_at=at.strftime("%Y-%m-%dT%H:%M"), callback_for="all"),
        )
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertIsNone(task.reserved_for)
        self.assertIsNotNone(task.not_before)

    def test_a_callback_time_is_read_in_the_persons_territory_zone(self):
        case = self.register_case(self.t974, name="Payet", phone="0692123456").index_case
        zoe = self.zoe.agent
        self.t974.calling_hours_start, self.t974.calling_hours_end = time(0, 0), time(23, 59)
        self.t974.save()
        set_agent_status(agent=zoe, status=Agent.Status.READY, now=timezone.now())
        assignment = claim_next_task(agent=zoe, now=timezone.now())
        self.assertEqual(assignment.task.index_case, case)
        self.client.force_login(self.zoe)
        day = timezone.localdate() + timedelta(days=1)
        # Far from its deadline, whatever the hour the test runs at.
        CallTask.objects.filter(pk=assignment.task_id).update(
            deadline_at=timezone.now() + timedelta(days=3)
        )
        self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("callback", callback_at=f"{day.isoformat()}T10:00"),
        )
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(task.not_before, datetime.combine(day, time(10, 0), tzinfo=self.t974.zone))

    def test_language_barrier_requeues_in_the_persons_language(self):
        assignment = self.claim()
        self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("language_barrier", language="tr"),
        )
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual((task.status, task.language_id), (CallTask.Status.QUEUED, "tr"))

    def test_a_lost_lease_records_the_attempt_refused_and_nothing_else(self):
        assignment = self.claim()
        Assignment.objects.filter(pk=assignment.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        data = {**outcome_data("reached"), **interview_data(a_contact("Awa", "0611111111"))}
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]), data, follow=True
        )
        self.assertContains(response, "no longer yours")
        self.assertNotContains(response, 'id="contact-card"')
        attempt = CallAttempt.objects.get()
        self.assertFalse(attempt.accepted)
        self.assertFalse(Interview.objects.exists())
        self.assertFalse(Exposure.objects.exists())

    def test_reached_on_a_contact_records_the_notification(self):
        self.register_case(
            self.t93,
            name="Other",
            phone="0633333333",
            contacts=[contact("Ana", "Silva", "0644444444")],
        )
        CallTask.objects.filter(reason=CallTask.Reason.INDEX_INTERVIEW).update(
            status=CallTask.Status.DONE, closed_at=timezone.now()
        )
        assignment = self.claim()
        self.assertEqual(assignment.task.reason, CallTask.Reason.CONTACT_NOTIFICATION)
        response = self.client.get(DESK)
        self.assertContains(response, 'data-testid="script-notification"')

        last = timezone.localdate() - timedelta(days=1)
        data = {
            **outcome_data("reached"),
            "notification-last_exposure_date": last.isoformat(),
            "notification-certificate_needed": "on",
        }
        self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        notification = Notification.objects.get(exposure=assignment.task.exposure)
        rules = notification.rule_set
        self.assertEqual(
            notification.isolation_until, last + timedelta(days=rules.contact_isolation_days)
        )
        self.assertEqual(
            notification.test_on,
            max(last + timedelta(days=rules.contact_test_days), timezone.localdate()),
        )
        self.assertTrue(notification.certificate_needed)
        self.assertFalse(notification.support_referral)
        self.assertEqual(
            Exposure.objects.get(pk=assignment.task.exposure_id).last_exposure_date, last
        )

    def test_it_refuses_a_script_without_rules_in_force(self):
        assignment = self.claim()
        IsolationRuleSet.objects.all().delete()
        data = {**outcome_data("reached"), **interview_data()}
        response = self.client.post(reverse("calls:record-outcome", args=[assignment.pk]), data)
        self.assertTrue(response.context["script_form"].non_field_errors())
        self.assertFalse(CallAttempt.objects.exists())


class DeskCallbackTests(DeskTestCase):
    """A callback after the deadline needs the notification given during the call."""

    def contact_call(self) -> Assignment:
        CallTask.objects.filter(index_case=self.case).update(
            status=CallTask.Status.DONE, closed_at=timezone.now()
        )
        contact_task = (
            self.register_case(
                self.t93,
                name="Durand",
                phone="0699999999",
                contacts=[contact("Ana", "Silva", "0611111111")],
            )
            .contacts[0]
            .task
        )
        CallTask.objects.exclude(pk=contact_task.pk).filter(status="queued").update(
            status=CallTask.Status.DONE, closed_at=timezone.now()
        )
        self.client.force_login(self.alice)
        assignment = self.claim()
        self.assertEqual(assignment.task_id, contact_task.pk)
        return assignment

    def test_a_callback_after_the_deadline_is_refused_without_the_notification(self):
        assignment = self.contact_call()
        after = (assignment.task.deadline_at + timedelta(hours=2)).astimezone(self.t93.zone)
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("callback", callback_at=after.strftime("%Y-%m-%dT%H:%M")),
        )
        self.assertIn("callback_at", response.context["outcome_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertContains(response, 'name="notification_given"')

    def test_with_the_notification_given_the_contact_is_reached_and_called_back_later(self):
        assignment = self.contact_call()
        after = (
            (assignment.task.deadline_at + timedelta(hours=2))
            .astimezone(self.t93.zone)
            .replace(second=0, microsecond=0)
        )
        notification = {
            "notification-last_exposure_date": (
                timezone.localdate() - timedelta(days=1)
            ).isoformat(),
            "notification-certificate_needed": "on",
        }
        self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            {
                **outcome_data(
                    "callback",
                    callback_at=after.strftime("%Y-%m-%dT%H:%M"),
                    notification_given="on",
                ),
                **notification,
            },
        )
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(task.status, CallTask.Status.DONE)
        self.assertEqual(CallAttempt.objects.get().outcome, CallAttempt.Outcome.REACHED)
        self.assertTrue(Notification.objects.filter(exposure=task.exposure).exists())
        follow_up = CallTask.objects.get(reason=CallTask.Reason.FOLLOW_UP)
        self.assertEqual((follow_up.not_before, follow_up.reserved_for), (after, self.alice.agent))

    def test_a_follow_up_of_a_patient_zero_carries_the_interview(self):
        # Notified but not interviewed: the interview comes with the follow-up.
        follow_up = CallTask.objects.create(
            person=self.case.person,
            reason=CallTask.Reason.FOLLOW_UP,
            index_case=self.case,
            territory=self.t93,
            language_id="fr",
            deadline_at=timezone.now() + timedelta(hours=1),
        )
        CallTask.objects.filter(index_case=self.case, reason="index_interview").update(
            status=CallTask.Status.DONE, closed_at=timezone.now()
        )
        self.client.force_login(self.alice)
        self.assertEqual(self.claim().task_id, follow_up.pk)
        response = self.client.get(DESK)
        self.assertContains(response, 'data-testid="script-interview"')
