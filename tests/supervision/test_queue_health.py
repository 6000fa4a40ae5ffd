from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentDay, PauseReason, Territory
from agents.services.staff import set_agent_status
from calls.models import CallTask
from calls.services.dispatch import claim_next_task
from calls.services.fallback import escalate
from calls.services.outcomes import record_outcome
from calls.simulation import simulate
from calls.tasks import HEARTBEAT_KEY
from intake.services import register_index_case
from supervision.models import QueueProjection
from supervision.selectors.queue_health import queue_health
from supervision.services.hourly_calls import count_hourly_calls
from supervision.services.projection import refresh_projections
from supervision.tasks import project_queues
from tests.base import PersonasTestCase, contact, make_user, person

URL = reverse("supervision:queue-health")
PANEL_URL = reverse("supervision:queue-health-panel")
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Paris; calling hours 08:30–19:00


def register(territory, *, at, name="Martin", phone="0612345678", language="fr", contacts=()):
    return register_index_case(
        territory=territory,
        person=person("Paul", name, phone, language),
        sampled_at=at,
        source="form",
        now=at,
        contacts=list(contacts),
    )


def due_in(hours: float, now: datetime) -> datetime:
    """Return the registration time that puts a 24-hour deadline `hours` after now."""
    return now - timedelta(hours=24 - hours)


def set_deadline(task, deadline_at) -> None:
    CallTask.objects.filter(pk=task.pk).update(deadline_at=deadline_at)


class QueueHealthFixture(PersonasTestCase):
    """93: a backlog in French and Turkish, two agents working; 75: a backlog of its own."""

    @classmethod
    def build(cls, now):
        a = register(
            cls.t93,
            at=due_in(1, now),  # the patient zéro: due within 2 h
            contacts=[
                contact("Ana", "Silva", "0611111111"),
                contact("Rui", "Costa", "0622222222", language="tr"),
                contact("Eva", "Lima", "0633333333", language="tr"),
            ],
        )
        ana, rui, eva = (c.task for c in a.contacts)
        set_deadline(ana, now - timedelta(hours=1))
        escalate(
            task=ana, reason=CallTask.Escalation.MAX_ATTEMPTS, now=now
        )  # overdue and escalated
        set_deadline(rui, now + timedelta(hours=4))
        set_deadline(eva, now + timedelta(hours=12))
        # Rui asked to be called back by alice, Eva's retry is open to all: both due now.
        CallTask.objects.filter(pk=rui.pk).update(
            not_before=now - timedelta(minutes=5), reserved_for=cls.alice.agent
        )
        CallTask.objects.filter(pk=eva.pk).update(not_before=now - timedelta(minutes=1))
        b = register(
            cls.t93, at=now + timedelta(hours=6), name="Durand", phone="0644444444"
        )  # due later
        lea = register(cls.t93, at=due_in(20, now), name="Moreau", phone="0655555555").task
        CallTask.objects.filter(pk=lea.pk).update(
            not_before=now + timedelta(hours=1)
        )  # a callback not due yet
        done = register(cls.t93, at=due_in(3, now), name="Fini", phone="0666666666").task
        CallTask.objects.filter(pk=done.pk).update(status=CallTask.Status.DONE, closed_at=now)
        p = register(
            cls.t75,
            at=due_in(1, now),
            name="Parisien",
            phone="0677777777",
            contacts=[contact("Zoé", "Roux", "0688888888")],
        )
        escalate(task=p.contacts[0].task, reason=CallTask.Escalation.NO_PHONE, now=now)
        cls.b = b

    @classmethod
    def staff(cls, now):
        cls.frank = make_user(
            "frank", roles.TELECONSEILLER, territory=cls.t93, plateau=cls.saint_denis
        )
        cls.gina = make_user(
            "gina", roles.TELECONSEILLER, territory=cls.t93, languages=("fr", "tr")
        )
        cls.hugo = make_user(
            "hugo", roles.TELECONSEILLER, territory=cls.t75, languages=("fr", "tr")
        )
        set_agent_status(
            agent=cls.alice.agent, status=Agent.Status.READY, now=now - timedelta(hours=2)
        )
        set_agent_status(
            agent=cls.frank.agent, status=Agent.Status.READY, now=now - timedelta(hours=2)
        )
        set_agent_status(
            agent=cls.frank.agent, status=Agent.Status.ON_CALL, now=now - timedelta(minutes=3)
        )
        set_agent_status(
            agent=cls.gina.agent,
            status=Agent.Status.PAUSED,
            now=now - timedelta(minutes=3),
            pause_reason=PauseReason.objects.get(code="pause"),
        )
        set_agent_status(
            agent=cls.hugo.agent, status=Agent.Status.READY, now=now - timedelta(hours=1)
        )


class QueueHealthFiguresTests(QueueHealthFixture):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.build(NOW)
        cls.staff(NOW)
        today = date(2026, 1, 15)
        # Today's counters: alice made 6 calls in an hour on call and in wrap-up, frank 2 in half an
        # hour.
        AgentDay.objects.update_or_create(
            agent=cls.alice.agent,
            day=today,
            defaults={"calls": 6, "on_call_seconds": 1800, "wrap_up_seconds": 1800},
        )
        AgentDay.objects.update_or_create(
            agent=cls.frank.agent, day=today, defaults={"calls": 2, "on_call_seconds": 1800}
        )
        AgentDay.objects.update_or_create(
            agent=cls.hugo.agent, day=today, defaults={"calls": 50, "on_call_seconds": 3600}
        )

    def health(self, user=None, territory=None):
        # The page reads the projections the periodic job made: make them first, as beat does.
        refresh_projections(now=NOW)
        return queue_health(user=user or self.bob, territory=territory, now=NOW)

    def test_it_counts_the_backlog_by_language_and_deadline(self):
        health = self.health()
        by_language = {lang.code: lang for lang in health.languages}
        self.assertEqual(
            by_language["fr"].buckets,
            {"overdue": 1, "lt_2h": 1, "lt_6h": 0, "lt_24h": 1, "later": 1},
        )
        self.assertEqual(
            by_language["tr"].buckets,
            {"overdue": 0, "lt_2h": 0, "lt_6h": 1, "lt_24h": 1, "later": 0},
        )
        self.assertEqual((by_language["fr"].escalated, by_language["tr"].escalated), (1, 0))
        self.assertEqual(health.totals, [1, 1, 1, 2, 1])
        self.assertEqual(health.total, 6)
        # The most urgent language first.
        self.assertEqual([lang.code for lang in health.languages], ["fr", "tr"])

    def test_it_splits_patients_zero_and_contacts(self):
        by_reason = {row.reason: row for row in self.health().by_reason}
        self.assertEqual(by_reason["index_interview"].cells, [0, 1, 0, 1, 1])
        self.assertEqual(by_reason["contact_notification"].cells, [1, 0, 1, 1, 0])
        self.assertEqual(by_reason["follow_up"].total, 0)

    def test_it_counts_callbacks_due_and_escalations_waiting(self):
        health = self.health()
        self.assertEqual(
            (health.callbacks_owned, health.callbacks_open, health.callbacks_due), (1, 1, 2)
        )
        self.assertEqual(health.escalations, 1)

    def test_it_counts_the_agents_ready_and_working_per_language(self):
        by_language = {lang.code: lang for lang in self.health().languages}
        # alice is ready (fr, tr), frank on a call (fr); gina is paused; hugo works in 75.
        self.assertEqual((by_language["fr"].ready, by_language["fr"].working), (1, 2))
        self.assertEqual((by_language["tr"].ready, by_language["tr"].working), (1, 1))

    def test_it_projects_misses_with_the_queue_simulator(self):
        by_language = {lang.code: lang for lang in self.health().languages}
        fr, tr = by_language["fr"], by_language["tr"]
        # The observed rates are still shown: fr 8 calls in 1.5 active hours; tr alice's 6.
        self.assertEqual((fr.calls_per_hour, tr.calls_per_hour), (5.3, 6.0))
        self.assertEqual((fr.due_within_24h, tr.due_within_24h), (2, 2))
        # Two agents and nine calling hours for four calls: the simulation keeps every one; its
        # capacity is the people it reaches or notifies in time, not a rate times hours.
        self.assertEqual((fr.projected_misses, tr.projected_misses), (0, 0))
        self.assertEqual((fr.capacity_24h, tr.capacity_24h), (2, 2))

    def test_it_projects_misses_when_the_backlog_outruns_the_agents(self):
        # Fifteen more Turkish contacts due within 1 h 30: alice alone speaks Turkish.
        register(
            self.t93,
            at=due_in(1.5, NOW),
            name="Yilmaz",
            phone="0699999999",
            contacts=[contact(f"C{i}", "Kaya", f"06120{i:05d}", language="tr") for i in range(15)],
        )
        # Arabic: a call due today, nobody to take it; Spanish: an agent with no call made yet.
        register(self.t93, at=due_in(5, NOW), name="Haddad", phone="0698888888", language="ar")
        register(self.t93, at=due_in(30, NOW), name="Benali", phone="0697777777", language="ar")
        register(self.t93, at=due_in(3, NOW), name="Garcia", phone="0696666666", language="es")
        ivan = make_user("ivan", roles.TELECONSEILLER, territory=self.t93, languages=("es",))
        set_agent_status(
            agent=ivan.agent, status=Agent.Status.READY, now=NOW - timedelta(minutes=10)
        )
        health = self.health()
        by_language = {lang.code: lang for lang in health.languages}
        tr, ar, es = by_language["tr"], by_language["ar"], by_language["es"]
        self.assertEqual(tr.buckets["lt_2h"], 15)
        # A contact call takes minutes: one agent cannot make 15 (and the others) in 1 h 30.
        self.assertGreaterEqual(tr.projected_misses, 10)
        self.assertEqual(tr.projected_misses + tr.capacity_24h, tr.due_within_24h)
        self.assertEqual((ar.working, ar.due_within_24h), (0, 1))
        self.assertEqual((ar.capacity_24h, ar.projected_misses), (0, 1))
        # No call made yet is no rate, but the projection does not need one.
        self.assertIsNone(es.calls_per_hour)
        self.assertEqual(es.projected_misses, 0)
        self.assertEqual(
            health.projected_misses, sum(lang.projected_misses for lang in health.languages)
        )

    def test_in_sms_first_the_contacts_notified_are_not_projected_as_missed(self):
        register(
            self.t93,
            at=due_in(1.5, NOW),
            name="Yilmaz",
            phone="0699999999",
            contacts=[contact(f"C{i}", "Kaya", f"06120{i:05d}", language="tr") for i in range(15)],
        )
        call_first = {lang.code: lang for lang in self.health().languages}["tr"]
        self.assertGreaterEqual(call_first.projected_misses, 10)
        Territory.objects.filter(pk=self.t93.pk).update(channel_mode="sms_first")
        sms_first = {lang.code: lang for lang in self.health().languages}["tr"]
        # Every Turkish call due is a contact who had the first notice: notified, not missed.
        self.assertEqual(sms_first.projected_misses, 0)

    def test_sms_only_contacts_waiting_for_their_notice_are_not_in_the_projection(self):
        before = {lang.code: lang for lang in self.health().languages}["tr"]
        CallTask.objects.filter(territory=self.t93, language_id="tr").update(
            not_before=F("deadline_at")
        )
        after = {lang.code: lang for lang in self.health().languages}["tr"]
        self.assertEqual(before.capacity_24h + before.projected_misses, 2)
        self.assertEqual((after.capacity_24h, after.projected_misses), (0, 0))

    def test_the_projection_is_simulated_once_until_its_inputs_change(self):
        # A minute past the hour: the deadlines, whole hours from NOW, are off the quarter-hour
        # steps the inputs are rounded to.
        start = NOW + timedelta(minutes=1)
        with mock.patch("supervision.services.projection.simulate", wraps=simulate) as run:
            self.assertEqual(refresh_projections(now=start), 2)  # 93 and 75
            self.assertEqual(refresh_projections(now=start + timedelta(seconds=20)), 0)
            self.assertEqual(run.call_count, 2)
            register(self.t93, at=due_in(2, NOW), name="Nouveau", phone="0612121212")
            self.assertEqual(refresh_projections(now=start + timedelta(seconds=30)), 1)
            # The next period projects again even with nothing changed (the clock moves on).
            self.assertEqual(refresh_projections(now=start + timedelta(minutes=2)), 2)
            self.assertEqual(run.call_count, 5)

    def test_the_page_reads_the_projection_and_never_runs_the_simulator(self):
        refresh_projections(now=NOW)
        with mock.patch("supervision.services.projection.simulate") as run:
            health = queue_health(user=self.bob, territory=None, now=NOW + timedelta(seconds=30))
            self.client.force_login(self.bob)
            self.assertEqual(self.client.get(URL).status_code, 200)
        run.assert_not_called()
        self.assertEqual(health.projection_at, NOW)
        self.assertFalse(health.projection_late)
        self.assertEqual(health.projection_pending, [])

    def test_before_the_first_projection_a_language_with_calls_due_shows_none(self):
        health = queue_health(user=self.bob, territory=None, now=NOW)
        by_language = {lang.code: lang for lang in health.languages}
        self.assertEqual(health.projection_pending, ["93"])
        self.assertIsNone(health.projection_at)
        self.assertEqual(
            (by_language["fr"].projected_misses, by_language["tr"].capacity_24h), (None, None)
        )
        self.assertEqual(health.projected_misses, 0)

    def test_a_projection_the_job_left_behind_is_shown_as_late_with_its_time(self):
        refresh_projections(now=NOW - timedelta(minutes=10))
        health = queue_health(user=self.bob, territory=None, now=NOW)
        self.assertEqual(health.projection_at, NOW - timedelta(minutes=10))
        self.assertTrue(health.projection_late)
        # Its figures are still shown: those of ten minutes ago.
        self.assertEqual({lang.code: lang for lang in health.languages}["tr"].capacity_24h, 2)
        refresh_projections(now=NOW - timedelta(minutes=4))
        self.assertFalse(queue_health(user=self.bob, territory=None, now=NOW).projection_late)

    def test_a_territory_whose_simulation_fails_keeps_its_last_projection(self):
        refresh_projections(now=NOW - timedelta(minutes=10))
        register(self.t93, at=due_in(2, NOW), name="Nouveau", phone="0612121212")
        register(self.t75, at=due_in(2, NOW), name="Nouvelle", phone="0613131313")

        def broken_in_93(scenario):
            if scenario.territories[0].code == "93":
                raise RuntimeError("simulator down")
            return simulate(scenario)

        with (
            mock.patch("supervision.services.projection.simulate", side_effect=broken_in_93),
            self.assertLogs("supervision.services.projection", "ERROR"),
        ):
            # 93 fails and is logged; 75 (after it in order) is still projected.
            self.assertEqual(refresh_projections(now=NOW), 1)
        projected = dict(QueueProjection.objects.values_list("territory__code", "computed_at"))
        self.assertEqual(projected, {"93": NOW - timedelta(minutes=10), "75": NOW})
        self.assertTrue(queue_health(user=self.bob, territory=None, now=NOW).projection_late)

    def test_the_national_view_sums_the_projection_of_every_territory(self):
        national = {lang.code: lang for lang in self.health(self.root).languages}
        by_territory = [
            {lang.code: lang for lang in self.health(self.root, territory).languages}
            for territory in (self.t93, self.t75)
        ]
        for code in ("fr", "tr"):
            with self.subTest(language=code):
                self.assertEqual(
                    national[code].capacity_24h,
                    sum(t[code].capacity_24h for t in by_territory if code in t),
                )
                self.assertEqual(
                    national[code].due_within_24h,
                    sum(t[code].due_within_24h for t in by_territory if code in t),
                )
        self.assertGreater(national["fr"].capacity_24h, by_territory[0]["fr"].capacity_24h)

    def test_the_job_is_on_beats_schedule(self):
        entry = settings.CELERY_BEAT_SCHEDULE["project-queues"]
        self.assertEqual(entry["task"], project_queues.name)
        self.assertEqual(
            entry["schedule"], timedelta(seconds=settings.QUEUE_HEALTH_PROJECTION_SECONDS)
        )

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        health = self.health(self.erin)
        by_language = {lang.code: lang for lang in health.languages}
        self.assertEqual(health.territory, self.t75)
        self.assertEqual(set(by_language), {"fr", "tr"})
        self.assertEqual(
            by_language["fr"].buckets,
            {"overdue": 0, "lt_2h": 2, "lt_6h": 0, "lt_24h": 0, "later": 0},
        )
        self.assertEqual((by_language["fr"].ready, by_language["tr"].ready), (1, 1))
        self.assertEqual(
            (by_language["fr"].calls_per_hour, health.escalations, health.callbacks_due),
            (50.0, 1, 0),
        )

    def test_it_shows_a_superuser_one_territory_or_all(self):
        self.assertEqual(self.health(self.root, territory=self.t75).total, 2)
        health = self.health(self.root)
        self.assertIsNone(health.territory)
        self.assertEqual(health.total, 8)
        self.assertEqual(health.escalations, 2)
        # Across territories with several time zones, no hourly chart.
        self.assertIsNone(health.calls_today)

    def test_it_counts_the_calls_per_local_hour_today_and_yesterday(self):
        t93 = self.t93
        t93.calling_hours_start, t93.calling_hours_end = time(0, 0), time(23, 59)
        t93.save()
        agent = make_user("kim", roles.TELECONSEILLER, territory=t93, languages=("fr", "tr")).agent

        def call(at):
            set_agent_status(agent=agent, status=Agent.Status.READY, now=at)
            assignment = claim_next_task(agent=agent, now=at)
            record_outcome(
                assignment=assignment,
                agent=agent,
                outcome="no_answer",
                now=at + timedelta(minutes=1),
            )

        # 10:20 Paris the day before yesterday, 23:30 Paris yesterday (22:30 UTC), 09:10 and 09:40
        # today.
        for at in (
            NOW - timedelta(hours=47, minutes=40),
            NOW - timedelta(hours=10, minutes=30),
            NOW - timedelta(minutes=50),
            NOW - timedelta(minutes=20),
        ):
            call(at)
        health = self.health()
        self.assertEqual(health.calls_today[9], 2)
        self.assertEqual(sum(health.calls_today), 2)
        self.assertEqual(health.calls_yesterday[23], 1)
        self.assertEqual(sum(health.calls_yesterday), 1)
        # Nothing of 93 in 75's chart.
        self.assertEqual(sum(self.health(self.erin).calls_today), 0)


class QueueHealthPageTests(QueueHealthFixture):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        cls.build(now)
        cls.staff(now)

    def test_it_sends_anonymous_users_to_the_login_page(self):
        for url in (URL, PANEL_URL):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            self.client.force_login(user)
            for url in (URL, PANEL_URL):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.bob)
        for url in (URL, PANEL_URL):
            self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_shows_the_board_with_a_polled_panel(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(URL)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["health"].total, 6)
                self.assertContains(response, f'hx-get="{PANEL_URL}"')
                self.assertContains(response, 'hx-trigger="poll" data-poll-seconds="10"')
                self.assertContains(
                    response,
                    '<span class="kpi__value" data-testid="backlog-total">6</span>',
                    html=True,
                )
                self.assertContains(response, '<svg class="chart__svg"')
                self.assertNotContains(response, "style=")

    def test_its_panel_is_the_figures_alone(self):
        self.client.force_login(self.bob)
        response = self.client.get(PANEL_URL, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "supervision/_queue_health_panel.html")
        self.assertTemplateNotUsed(response, "base.html")
        self.assertContains(
            response, '<span class="kpi__value" data-testid="escalations">1</span>', html=True
        )

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        # Naming another territory does not help: only a superuser chooses one.
        for url in (URL, PANEL_URL, f"{URL}?territory=93", f"{PANEL_URL}?territory=93"):
            with self.subTest(url=url):
                response = self.client.get(url)
                health = response.context["health"]
                self.assertEqual(
                    (health.territory, health.total, health.escalations), (self.t75, 2, 1)
                )
                self.assertNotContains(response, 'data-language="tr"><th scope="row">')

    def test_it_lets_a_superuser_choose_a_territory(self):
        self.client.force_login(self.root)
        response = self.client.get(URL)
        self.assertEqual(response.context["health"].total, 8)
        self.assertContains(response, 'name="territory"')
        response = self.client.get(URL, {"territory": "75"})
        self.assertEqual(response.context["health"].total, 2)
        self.assertContains(response, f'hx-get="{PANEL_URL}?territory=75"')
        response = self.client.get(PANEL_URL, {"territory": "93"})
        self.assertEqual(response.context["health"].total, 6)

    def test_it_answers_an_unknown_territory_with_a_form_error(self):
        self.client.force_login(self.root)
        response = self.client.get(URL, {"territory": "999"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertNotIn("health", response.context)

    def test_its_query_count_does_not_grow_with_the_backlog_or_the_agents(self):
        self.client.force_login(self.bob)
        cache.clear()
        cache.set(HEARTBEAT_KEY, timezone.now(), timeout=None)
        # Session, user, groups, the user's territory (scoping), the territory, the backlog, the
        # agents working, their day counters, the projections the periodic job made (the page
        # runs no simulation), the calls per hour (the hourly counters, then the attempts since
        # the last one counted), the SMS waiting for the morning or the quota and the header's
        # agent and territory (the panel has no header).
        with self.assertNumQueries(14):
            self.client.get(URL)
        with self.assertNumQueries(11):
            self.client.get(PANEL_URL)
        now = timezone.now()
        for i in range(5):
            register(
                self.t93,
                at=due_in(i + 0.5, now),
                name=f"Extra{i}",
                phone=f"06444444{i:02d}",
                language=("ar", "es", "tr", "fr", "de")[i],
                contacts=[
                    contact(
                        f"C{i}", "X", f"06555555{i:02d}", language=("pt", "ro", "it", "pl", "ru")[i]
                    )
                ],
            )
            agent = make_user(
                f"extra{i}", roles.TELECONSEILLER, territory=self.t93, languages=("fr", "ar", "es")
            ).agent
            set_agent_status(agent=agent, status=Agent.Status.READY, now=now)
            AgentDay.objects.update_or_create(
                agent=agent, day=timezone.localdate(now, self.t93.zone), defaults={"calls": 3}
            )
        # The same once the periodic jobs have counted the hours over and made the projections.
        count_hourly_calls(now=now)
        refresh_projections(now=now)
        with self.assertNumQueries(14):
            response = self.client.get(URL)
        self.assertEqual(response.context["health"].total, 16)
        self.assertIsNotNone(response.context["health"].projection_at)
        with self.assertNumQueries(11):
            self.client.get(PANEL_URL)


class QueueHealthSampleTests(QueueHealthFixture):
    """One 20-second call is not a rate: the observed rate waits for a minimum sample, and the
    projection never reads it (it simulates the calls)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.build(NOW)
        cls.staff(NOW)

    def counters(self, user, *, calls: int, active_seconds: int) -> None:
        AgentDay.objects.update_or_create(
            agent=user.agent,
            day=date(2026, 1, 15),
            defaults={"calls": calls, "on_call_seconds": active_seconds},
        )

    def turkish(self):
        QueueProjection.objects.all().delete()  # simulated afresh from the counters of now
        refresh_projections(now=NOW)
        health = queue_health(user=self.bob, territory=None, now=NOW)
        return {lang.code: lang for lang in health.languages}["tr"]

    def test_one_short_call_gives_no_rate_and_does_not_move_the_projection(self):
        self.counters(self.alice, calls=1, active_seconds=20)
        short = self.turkish()
        self.assertIsNone(short.calls_per_hour)
        self.counters(self.alice, calls=40, active_seconds=3600)
        busy = self.turkish()
        self.assertEqual(busy.calls_per_hour, 40.0)
        # "180 calls an hour" or 40: the simulated projection is the same.
        self.assertEqual(
            (short.capacity_24h, short.projected_misses), (busy.capacity_24h, busy.projected_misses)
        )

    def test_enough_calls_but_too_short_a_time_is_not_enough(self):
        self.counters(self.alice, calls=8, active_seconds=10 * 60)
        self.assertIsNone(self.turkish().calls_per_hour)

    def test_the_minimum_sample_gives_a_rate(self):
        self.counters(self.alice, calls=5, active_seconds=15 * 60)
        self.assertEqual(self.turkish().calls_per_hour, 20.0)
