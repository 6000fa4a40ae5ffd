"""Never lose an interview: the desk keeps a draft of the card as the agent types, restores it on
reload, keeps it when the call is taken away, and tells the desk within seconds what a supervisor
did (issue 13)."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, PauseReason
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallDraft, CallTask
from calls.services.dispatch import claim_next_task, release_assignment
from supervision.services.actions import log_out_agent, pause_agent, release_lease
from tests.calls.test_desk import DESK, DeskTestCase, a_contact, interview_data, outcome_data

HEARTBEAT = reverse("calls:heartbeat")


def typed(**extra) -> dict:
    """An interview half-way: symptoms, one contact named, notes."""
    return {
        **interview_data(a_contact("Amina", "0611223344")),
        **outcome_data("", notes="Tousse depuis lundi, vit avec sa sœur"),
        **extra,
    }


class DraftTestCase(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    def save(self, assignment: Assignment, data: dict | None = None):
        return self.client.post(
            reverse("calls:save-draft", args=[assignment.pk]),
            typed() if data is None else data,
            headers={"accept": "application/json"},
        )

    def release(self, assignment: Assignment) -> None:
        """A supervisor gives the call back (the threshold is tested in supervision)."""
        with override_settings(RELEASE_AFTER_SECONDS=0):
            release_lease(actor=self.bob, task=assignment.task, now=timezone.now())

    def beat(self, assignment: Assignment | None = None) -> dict:
        response = self.client.post(
            HEARTBEAT,
            {"assignment": assignment.pk if assignment else ""},
            headers={"accept": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()


class DraftSavingTests(DraftTestCase):
    def test_it_keeps_what_the_agent_types(self):
        assignment = self.claim()
        response = self.save(assignment)
        self.assertEqual(response.status_code, 200)
        self.assertIn("saved_at", response.json())
        draft = CallDraft.objects.get(assignment=assignment)
        self.assertEqual(draft.fields["notes"], ["Tousse depuis lundi, vit avec sa sœur"])
        self.assertEqual(draft.fields["contacts-0-first_name"], ["Amina"])
        self.assertNotIn("csrfmiddlewaretoken", draft.fields)
        # Typing on: the same row, the latest fields.
        self.save(assignment, typed(notes="Rappeler sa sœur"))
        self.assertEqual(CallDraft.objects.get().fields["notes"], ["Rappeler sa sœur"])

    def test_it_restores_the_fields_on_reload(self):
        assignment = self.claim()
        self.save(assignment)
        response = self.client.get(DESK)
        self.assertContains(response, "Tousse depuis lundi, vit avec sa sœur</textarea>")
        self.assertContains(response, 'value="Amina"')
        self.assertContains(response, 'value="0611223344"')
        onset = (timezone.localdate() - timedelta(days=2)).isoformat()
        self.assertContains(response, f'value="{onset}"')
        self.assertContains(response, 'name="interview-consent_to_name" id="id_interview-consent')
        self.assertRegex(
            response.content.decode(),
            r'<input type="checkbox" name="interview-consent_to_name"[^>]* checked',
        )
        self.assertContains(response, "Restored as typed at")
        # Shown as typed, not judged: no field marked invalid, no error listed.
        self.assertNotContains(response, "aria-invalid")
        self.assertNotContains(response, "errorlist")

    def test_a_desk_without_a_draft_shows_empty_fields(self):
        self.claim()
        response = self.client.get(DESK)
        self.assertNotContains(response, "Restored as typed at")
        self.assertContains(response, 'data-draft-url="')

    def test_it_refuses_a_draft_to_another_agent(self):
        assignment = self.claim()
        self.client.force_login(self.frank)
        self.assertEqual(self.save(assignment).status_code, 404)
        self.assertFalse(CallDraft.objects.exists())

    def test_it_refuses_a_draft_on_another_assignment_of_hers(self):
        first = self.claim()
        self.release(first)
        # She goes on to another call: her old card may no longer write.
        second_case = self.register_case(self.t93, name="Durand", phone="0622334455").index_case
        self.assertIsNotNone(second_case)
        second = self.claim()
        self.assertNotEqual(second.pk, first.pk)
        response = self.save(first)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "lease_lost")
        self.assertIn("supervisor", response.json()["detail"])
        self.assertFalse(CallDraft.objects.exists())
        self.assertEqual(self.save(second).status_code, 200)

    @override_settings(DESK_DRAFT_MAX_BYTES=2048)
    def test_it_bounds_the_size_of_a_draft(self):
        assignment = self.claim()
        response = self.save(assignment, typed(notes="x" * 3000))
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["code"], "draft_too_large")
        self.assertFalse(CallDraft.objects.exists())

    def test_it_refuses_a_body_past_what_django_reads(self):
        assignment = self.claim()
        fields = {f"field-{i}": "x" for i in range(1500)}
        self.assertEqual(self.save(assignment, fields).status_code, 400)
        self.assertFalse(CallDraft.objects.exists())


class DraftLifeTests(DraftTestCase):
    def test_it_drops_the_draft_once_the_outcome_is_recorded(self):
        assignment = self.claim()
        self.save(assignment)
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            {**typed(), "outcome": "reached"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CallTask.objects.get(pk=assignment.task_id).status, CallTask.Status.DONE)
        self.assertFalse(CallDraft.objects.exists())

    def test_it_drops_the_callers_draft_on_a_call_still_owed(self):
        assignment = self.claim()
        self.save(assignment, typed(outcome="no_answer"))
        self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
        )
        self.assertEqual(CallTask.objects.get(pk=assignment.task_id).status, CallTask.Status.QUEUED)
        self.assertFalse(CallDraft.objects.exists())

    def test_it_keeps_the_draft_when_the_lease_is_lost(self):
        assignment = self.claim()
        self.save(assignment)
        self.release(assignment)
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            {**typed(), "outcome": "reached"},
            follow=True,
        )
        self.assertIn("no longer yours", " ".join(self.messages_of(response)))
        self.assertTrue(CallDraft.objects.filter(assignment=assignment).exists())

    def test_a_release_says_why_the_lease_ended(self):
        assignment = self.claim()
        self.release(assignment)
        assignment.refresh_from_db()
        self.assertEqual(assignment.end_reason, Assignment.EndReason.RELEASED)

    def test_it_shows_the_draft_to_the_next_agent_after_a_release(self):
        assignment = self.claim()
        self.save(assignment)
        self.release(assignment)
        franks = self.claim(self.frank)
        self.assertEqual(franks.task_id, assignment.task_id)
        self.client.force_login(self.frank)
        response = self.client.get(DESK)
        panel = response.context["interrupted"]
        self.assertEqual(panel.agent, self.alice.agent)
        self.assertIn(("Notes", "Tousse depuis lundi, vit avec sa sœur"), panel.lines)
        contact = dict(panel.lines)["Contact 1"]
        self.assertEqual(contact.split(", ")[:3], ["Amina", "Diallo", "0611223344"])
        # In words: a date as dates are shown, a language by its name.
        self.assertIn("French", contact)
        onset = timezone.localdate() - timedelta(days=2)
        self.assertEqual(dict(panel.lines)["Symptom onset date"], onset.strftime("%m/%d/%Y"))
        self.assertContains(response, 'data-testid="interrupted-call"')
        self.assertContains(response, "Notes of the previous, interrupted call")
        # His own fields start empty: the answers were given to a colleague.
        self.assertFalse(response.context["outcome_form"].is_bound)
        self.assertNotContains(response, 'value="Amina"')

        # He takes them over: they come into his form, from his own draft.
        response = self.client.post(reverse("calls:resume-draft", args=[franks.pk]), follow=True)
        self.assertContains(response, 'value="Amina"')
        self.assertContains(response, "Tousse depuis lundi, vit avec sa sœur</textarea>")
        self.assertEqual(
            CallDraft.objects.get(assignment=franks).fields["notes"],
            ["Tousse depuis lundi, vit avec sa sœur"],
        )
        # Once he records his outcome on the call still owed, hers stays for the next one.
        self.client.post(
            reverse("calls:record-outcome", args=[franks.pk]), outcome_data("no_answer")
        )
        self.assertEqual(
            list(CallDraft.objects.values_list("assignment", flat=True)), [assignment.pk]
        )

    def test_it_puts_her_own_draft_back_in_the_fields_when_she_takes_the_call_again(self):
        assignment = self.claim()
        self.save(assignment)
        self.release(assignment)
        again = self.claim()
        self.assertEqual(again.task_id, assignment.task_id)
        response = self.client.get(DESK)
        self.assertIsNone(response.context["interrupted"])
        self.assertContains(response, 'value="Amina"')
        self.assertContains(response, "Restored as typed at")

    def test_a_release_keeps_the_draft(self):
        # (The purge deletes it with the person's details: tests/calls/test_purge_fields.py.)
        assignment = self.claim()
        self.save(assignment)
        self.release(assignment)
        self.assertEqual(CallDraft.objects.get().assignment_id, assignment.pk)


class DeskLearnsOfSupervisorActionsTests(DraftTestCase):
    def test_the_poll_says_nothing_changed_while_the_call_is_hers(self):
        assignment = self.claim()
        state = self.beat(assignment)
        self.assertEqual(
            (state["status"], state["assignment"], state["ended"]),
            (Agent.Status.ON_CALL, assignment.pk, None),
        )

    def test_the_poll_tells_the_desk_its_call_was_released(self):
        assignment = self.claim()
        self.release(assignment)
        state = self.beat(assignment)
        self.assertEqual((state["assignment"], state["status"]), (None, Agent.Status.WRAP_UP))
        self.assertEqual(state["ended"]["reason"], Assignment.EndReason.RELEASED)
        self.assertIn("Your supervisor gave this call back", state["ended"]["notice"])
        self.assertIn("What you typed is kept", state["ended"]["notice"])

    def test_the_poll_tells_a_forced_pause(self):
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=timezone.now())
        reason = PauseReason.objects.filter(active=True).first()
        pause_agent(actor=self.bob, agent=self.alice.agent, pause_reason=reason, now=timezone.now())
        state = self.beat()
        self.assertEqual(state["status"], Agent.Status.PAUSED)
        self.assertIn(str(reason), state["status_notice"])

    def test_the_poll_of_an_agent_logged_out_by_a_supervisor_goes_to_the_login_page(self):
        assignment = self.claim()
        self.save(assignment)
        log_out_agent(actor=self.bob, agent=self.alice.agent, now=timezone.now())
        response = self.client.post(
            HEARTBEAT, {"assignment": assignment.pk}, headers={"accept": "application/json"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        assignment.refresh_from_db()
        self.assertEqual(assignment.end_reason, Assignment.EndReason.LOGGED_OUT)
        self.assertTrue(CallDraft.objects.filter(assignment=assignment).exists())

    def test_the_poll_names_the_lease_expiry_and_going_offline(self):
        for reason, words in [
            (Assignment.EndReason.EXPIRED, "time reserved for this call ran out"),
            (Assignment.EndReason.OFFLINE, "You were set offline"),
        ]:
            with self.subTest(reason=reason):
                assignment = self.claim()
                release_assignment(assignment=assignment, now=timezone.now(), reason=reason)
                self.assertIn(words, self.beat(assignment)["ended"]["notice"])

    def test_the_poll_ignores_what_is_not_an_id(self):
        for shown in ("abc", "9" * 40, "-1"):
            with self.subTest(shown=shown):
                response = self.client.post(
                    HEARTBEAT, {"assignment": shown}, headers={"accept": "application/json"}
                )
                self.assertIsNone(response.json()["ended"])

    def test_the_poll_ignores_an_assignment_of_another_agent(self):
        franks = self.claim(self.frank)
        release_assignment(
            assignment=franks, now=timezone.now(), reason=Assignment.EndReason.RELEASED
        )
        self.assertIsNone(self.beat(franks)["ended"])

    def test_the_poll_costs_a_handful_of_queries(self):
        assignment = self.claim()
        self.beat(assignment)
        # Session, user, roles, agent; the heartbeat's conditional write (matching no row within
        # 30 s); the call held; the unread messages (tests/calls/test_desk_messages.py).
        with self.assertNumQueries(7):
            self.beat(assignment)

    def test_the_desk_page_polls_every_few_seconds(self):
        response = self.client.get(DESK)
        self.assertContains(response, 'data-poll-seconds="3"')
        self.assertContains(response, 'id="desk-notice"')

    def test_a_new_call_claimed_elsewhere_shows_in_the_poll(self):
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=timezone.now())
        assignment = claim_next_task(agent=self.alice.agent, now=timezone.now())
        state = self.beat()
        self.assertEqual((state["assignment"], state["ended"]), (assignment.pk, None))
