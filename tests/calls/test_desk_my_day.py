"""The agent's own day on her desk: calls, people reached, talk time, pause (issue 13, part 4)."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, AgentDay, PauseReason
from agents.selectors import own_day
from agents.services.staff import set_agent_status
from calls.models import Assignment
from calls.services.outcomes import mark_connected
from tests.calls.test_desk import DeskTestCase, outcome_data

HX = {"HX-Request": "true"}


class OwnDaySelectorTests(DeskTestCase):
    def test_it_reads_todays_counters_in_the_territorys_zone(self):
        agent = self.alice.agent
        # 23:30 UTC on 14 January is 00:30 on the 15th in Paris: the 15th's row is today.
        now = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
        AgentDay.objects.create(agent=agent, day=now.date(), calls=9, reached=9)
        AgentDay.objects.create(
            agent=agent,
            day=now.date() + timedelta(days=1),
            calls=3,
            reached=2,
            talk_seconds=754,
            talk_not_marked=1,
            paused_seconds=600,
        )
        Agent.objects.filter(pk=agent.pk).update(status=Agent.Status.OFFLINE)
        agent.refresh_from_db()
        day = own_day(agent=agent, now=now)
        self.assertEqual(
            (day.calls, day.reached, day.talk_seconds, day.talk_not_marked, day.paused_seconds),
            (3, 2, 754, 1, 600),
        )
        self.assertEqual((day.talk, day.paused), ("12:34", "10:00"))

    def test_it_counts_the_pause_she_is_in_from_midnight_at_the_earliest(self):
        agent = self.alice.agent
        now = datetime(2026, 1, 15, 0, 30, tzinfo=UTC)  # 01:30 in Paris
        Agent.objects.filter(pk=agent.pk).update(
            status=Agent.Status.PAUSED,
            status_since=datetime(2026, 1, 14, 22, 0, tzinfo=UTC),
            pause_reason=PauseReason.objects.filter(active=True).first(),
        )
        agent.refresh_from_db()
        day = own_day(agent=agent, now=now)
        # Paused since 23:00 Paris time: only the 90 minutes after midnight are today's.
        self.assertEqual(day.paused_seconds, 90 * 60)
        self.assertEqual(day.paused, "1:30:00")

    def test_a_day_without_a_row_is_all_zeros(self):
        day = own_day(agent=self.frank.agent, now=timezone.now())
        self.assertEqual((day.calls, day.reached, day.talk_seconds, day.paused_seconds), (0,) * 4)


class OwnDayOnTheDeskTests(DeskTestCase):
    def figures(self, response) -> dict:
        day = response.context["own_day"]
        return {"calls": day.calls, "reached": day.reached, "not_marked": day.talk_not_marked}

    def test_the_desk_shows_her_day_and_draws_it_again_after_each_outcome(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'data-testid="my-day"')
        self.assertEqual(self.figures(response), {"calls": 0, "reached": 0, "not_marked": 0})

        assignment = self.claim()
        mark_connected(assignment=assignment, agent=self.alice.agent, now=timezone.now())
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("no_answer"),
            headers=HX,
        )
        self.assertEqual(self.figures(response), {"calls": 1, "reached": 0, "not_marked": 0})
        self.assertContains(response, '<dd data-testid="my-day-calls">1</dd>', html=False)

    def test_a_conversation_without_answered_shows_as_not_marked(self):
        self.client.force_login(self.alice)
        assignment = self.claim()
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]),
            outcome_data("refused"),
            headers=HX,
        )
        self.assertEqual(self.figures(response), {"calls": 1, "reached": 0, "not_marked": 1})
        self.assertContains(response, "+ 1 call not marked")

    def test_her_pause_shows_in_her_day(self):
        self.client.force_login(self.alice)
        reason = PauseReason.objects.filter(active=True).first()
        set_agent_status(
            agent=self.alice.agent,
            status=Agent.Status.PAUSED,
            now=timezone.now() - timedelta(minutes=5),
            pause_reason=reason,
        )
        response = self.client.get(reverse("calls:desk"))
        self.assertGreaterEqual(response.context["own_day"].paused_seconds, 5 * 60)

    def test_the_answered_prompt_is_on_the_card_until_the_call_is_answered(self):
        self.client.force_login(self.alice)
        assignment = self.claim()
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'id="answered-prompt"')
        self.assertContains(response, 'data-outcomes="reached refused callback language_barrier')
        self.client.post(reverse("calls:connected", args=[assignment.pk]))
        self.assertIsNotNone(Assignment.objects.get(pk=assignment.pk).connected_at)
        self.assertNotContains(self.client.get(reverse("calls:desk")), 'id="answered-prompt"')

    def test_the_interview_records_on_enter_without_javascript(self):
        # The form's first submit button is the one a browser's Enter presses: it has no name,
        # so the post records the call rather than adding a row.
        self.client.force_login(self.alice)
        self.claim()
        content = self.client.get(reverse("calls:desk")).content.decode()
        form = content[content.index('id="outcome-form"') :]
        first_submit = form.index('type="submit"')
        self.assertLess(first_submit, form.index('name="add_contact"'))
        self.assertIn('data-testid="enter-saves"', form[first_submit - 200 : first_submit + 200])
