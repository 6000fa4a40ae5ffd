from collections import Counter
from datetime import timedelta
from io import StringIO

import phonenumbers
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentDay, Territory
from calls.models import CallAttempt, CallTask, CarrierCall
from cases.models import Cluster, DuplicateCandidate, IndexCase, Person, Phone, Place
from common.passwords import FrenchCommonPasswordValidator
from demo import doctors
from demo import loader as demo
from integrity import invoices, qa
from integrity.invoice_models import ProviderInvoice
from integrity.models import Finding, Review
from supervision.models import QueueProjection
from supervision.services.projection import territories_with_calls_due
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, TrainingSession
from workforce.models.rota import Shift
from workforce.models.staffing import VolumeForecast

# The past week's calls written by demo.integrity_month.demo_week.
PAST_WEEK = "call_attempts__carrier_call_id__startswith"


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


class LoadDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.started_at = timezone.now()
        cls.output = load_demo()
        cls.finished_at = timezone.now()

    def test_it_creates_the_three_territories(self):
        self.assertEqual(
            list(Territory.objects.values_list("code", "timezone", "phone_region")),
            [
                ("75", "Europe/Paris", "FR"),
                ("93", "Europe/Paris", "FR"),
                ("974", "Indian/Reunion", "RE"),
            ],
        )

    def test_it_creates_a_workforce_of_about_forty(self):
        self.assertEqual(Agent.objects.count(), 40)
        for code in ("93", "75", "974"):
            staff = Agent.objects.filter(territory__code=code)
            for role in roles.STAFF_ROLES:
                self.assertTrue(staff.filter(user__groups__name=role).exists(), f"{role} in {code}")
        self.assertTrue(
            Agent.objects.filter(
                employer=Agent.Employer.PROVIDER, provider_name="Callvia Bruxelles"
            ).exists()
        )
        self.assertFalse(Contract.objects.filter(agent__employer=Agent.Employer.PROVIDER).exists())
        lengths = {
            (c.end_on - c.start_on).days for c in Contract.objects.filter(kind=Contract.Kind.CDD)
        }
        self.assertEqual(lengths, {91, 182})
        self.assertTrue(Agent.objects.filter(territory__code="974", languages__code="rcf").exists())
        self.assertTrue(Agent.objects.filter(territory__code="93", languages__code="snk").exists())

    def test_it_queues_sixty_patients_zero_and_contacts_due_over_the_next_day(self):
        # Today's cases, not the last week's history (demo.integrity_month: its calls are the
        # carrier simulator's "mi-…").
        # (The doctor's declarations are the next test's; six cases at the nursing home and the
        # school are demo.clusters'.)
        cases = IndexCase.objects.exclude(**{f"call_tasks__{PAST_WEEK}": "mi-"}).exclude(
            created_by__username=doctors.USERNAME
        )
        self.assertEqual(cases.count(), 66)
        self.assertGreater(cases.filter(territory__code="93").count(), 30)
        tasks = (
            CallTask.objects.exclude(**{PAST_WEEK: "mi-"})
            .exclude(exposure__index_case__created_by__username=doctors.USERNAME)
            .filter(reason=CallTask.Reason.CONTACT_NOTIFICATION)
        )
        self.assertGreater(tasks.count(), 60)
        deadlines = list(tasks.values_list("deadline_at", flat=True))
        self.assertTrue(
            all(self.finished_at <= d <= self.started_at + timedelta(hours=24) for d in deadlines)
        )
        self.assertGreaterEqual(
            sum(d < self.finished_at + timedelta(hours=2) for d in deadlines), 3
        )
        self.assertEqual(
            CallTask.objects.exclude(**{PAST_WEEK: "mi-"})
            .exclude(index_case__created_by__username=doctors.USERNAME)
            .filter(reason=CallTask.Reason.INDEX_INTERVIEW)
            .count(),
            66,
        )

    def test_queue_health_has_its_projection_without_waiting_for_the_job(self):
        projected = set(QueueProjection.objects.values_list("territory__code", flat=True))
        due = {t.code for t in territories_with_calls_due(now=timezone.now())}
        self.assertTrue(due)
        self.assertLessEqual(due, projected)

    def test_a_doctor_declared_three_patients_at_different_stages(self):
        # Issue 16: the doctor of Seine-Saint-Denis logs in with the demo's password.
        self.assertIn(demo.Login(doctors.USERNAME, roles.MEDECIN, "93"), demo.demo_logins())
        self.assertIn(doctors.USERNAME, self.output)
        request = RequestFactory().post(reverse("login"))
        user = authenticate(request, username=doctors.USERNAME, password=demo.DEMO_PASSWORD)
        self.assertIsNotNone(user)
        self.assertEqual(list(user.doctor.territories.values_list("code", flat=True)), ["93"])
        self.assertFalse(Agent.objects.filter(user=user).exists())
        cases = IndexCase.objects.filter(created_by=user)
        self.assertEqual(cases.count(), 3)
        self.assertEqual(set(cases.values_list("source", "territory__code")), {("doctor", "93")})
        self.client.force_login(user)
        response = self.client.get(reverse("intake:declaration-list"))
        self.assertEqual(response.status_code, 200)
        stages = [
            [d.patient.progress, *(c.progress for c in d.contacts)]
            for d in response.context["declarations"]
        ]
        self.assertEqual(
            stages,
            [["queued", "queued", "queued"], ["reached", "reached"], ["reached", "escalated"]],
        )
        self.assertContains(response, "GAR-2026-117")

    def test_it_has_a_week_of_work_a_provider_invoice_and_findings_to_open(self):
        # Issue 14: `make run` shows the evidence at work.
        territory = Territory.objects.get(code="93")
        today = timezone.localdate(self.finished_at, timezone=territory.zone)
        days = set(
            AgentDay.objects.filter(agent__territory=territory).values_list("day", flat=True)
        )
        self.assertTrue({today - timedelta(days=n) for n in range(1, 8)} <= days)
        self.assertTrue(CarrierCall.objects.filter(carrier_call_id__startswith="mi-93-").exists())
        invoice = ProviderInvoice.objects.get(territory=territory)
        self.assertEqual(invoice.provider, "Callvia Bruxelles")
        report = invoices.reconcile(invoice)
        self.assertGreater(report.disputed_count, 0)
        self.assertLess(report.disputed_count, len(report.lines))
        kinds = set(Finding.objects.filter(territory=territory).values_list("kind", flat=True))
        self.assertTrue({Finding.Kind.PAUSE_OVER_CAP, Finding.Kind.UNANSWERED_OUTCOMES} <= kinds)
        supervisor = User.objects.get(username="superviseur93")
        self.client.force_login(supervisor)
        page = self.client.get(reverse("integrity:findings"))
        self.assertContains(page, "Pause au-delà de son plafond journalier, non confirmée")
        page = self.client.get(reverse("integrity:invoice", args=[invoice.pk]))
        self.assertEqual(page.status_code, 403)  # invoices are the CPAM admin's
        self.client.force_login(User.objects.get(username="admin93"))
        page = self.client.get(reverse("integrity:invoice", args=[invoice.pk]))
        self.assertContains(page, "Callvia Bruxelles")

    def test_it_gives_people_phones_of_their_territory(self):
        for number in Phone.objects.values_list("number", flat=True):
            self.assertTrue(phonenumbers.is_valid_number(phonenumbers.parse(number)), number)
        reunion = set(
            Phone.objects.filter(person__territory__code="974").values_list("number", flat=True)
        )
        self.assertTrue(all(n.startswith(("+262692", "+262693")) for n in reunion))
        self.assertTrue(
            Phone.objects.exclude(number__startswith="+33")
            .exclude(number__startswith="+262")
            .exists()
        )
        languages = list(Person.objects.values_list("language_id", flat=True))
        self.assertGreater(languages.count("fr"), len(languages) / 2)
        self.assertGreater(len(set(languages)), 5)

    def test_it_documents_logins_that_work(self):
        # Published in the README: refused to anyone choosing a password (issue 12 part 9), but
        # otherwise as strong as the policy asks. The demo's accounts get it without validation.
        stock = [
            validator
            for validator in get_default_password_validators()
            if not isinstance(validator, FrenchCommonPasswordValidator)
        ]
        validate_password(demo.DEMO_PASSWORD, User(username="agent93"), stock)
        with self.assertRaises(ValidationError):
            validate_password(demo.DEMO_PASSWORD, User(username="agent93"))
        request = RequestFactory().post("/accounts/login/")
        for username in ("agent93", "superviseur93", "admin93", "admin"):
            with self.subTest(username):
                user = authenticate(request, username=username, password=demo.DEMO_PASSWORD)
                self.assertEqual(user.username if user else None, username)
                self.assertIn(username, self.output)
        self.assertIn(demo.DEMO_PASSWORD, self.output)
        self.assertTrue(User.objects.get(username="admin").is_superuser)
        self.assertTrue(User.objects.get(username="admin93").is_staff)

    def test_it_has_a_nursing_home_cluster_to_hand_off_and_a_school_not_yet_one(self):
        # Issue 16: detected through the detection service, status detected.
        cluster = Cluster.objects.get()
        self.assertEqual(
            (cluster.place.name, cluster.place.type, cluster.territory.code, cluster.status),
            ("EHPAD Les Tilleuls", Place.Type.NURSING_HOME, "93", Cluster.Status.DETECTED),
        )
        self.assertEqual(cluster.cases.count(), 4)
        school = Place.objects.get(type=Place.Type.SCHOOL)
        self.assertEqual(school.exposures.values("index_case").distinct().count(), 2)
        self.assertEqual(Territory.objects.get(code="93").region.code, "11")
        request = RequestFactory().post("/accounts/login/")
        ars = authenticate(request, username="ars-idf", password=demo.DEMO_PASSWORD)
        self.assertIsNotNone(ars)
        self.assertIn("ars-idf", self.output)
        self.client.force_login(ars)
        page = self.client.get(reverse("supervision:clusters"))
        self.assertContains(page, "EHPAD Les Tilleuls")
        self.client.force_login(User.objects.get(username="admin93"))
        page = self.client.get(reverse("supervision:cluster", args=[cluster.pk]))
        self.assertContains(page, 'data-testid="hand-off"')

    def test_it_loads_only_once(self):
        counts = (User.objects.count(), Person.objects.count(), CallTask.objects.count())
        output = load_demo()
        self.assertIn("demo already loaded", output)
        self.assertIn("agent93", output)
        self.assertEqual(
            (User.objects.count(), Person.objects.count(), CallTask.objects.count()), counts
        )

    def test_it_refuses_to_run_without_debug_unless_forced(self):
        with self.assertRaises(CommandError):
            call_command("load_demo", stdout=StringIO())


class LoadDemoWorkforceTests(TestCase):
    """The demo's workforce side: a rota for this week, a pipeline at every stage, contract ends to
    decide."""

    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_it_staffs_every_day_of_this_week_on_every_floor(self):
        for territory in Territory.objects.all():
            today = timezone.localdate(timezone=territory.zone)
            monday = today - timedelta(days=today.weekday())
            days = set(
                Shift.objects.filter(agent__territory=territory, day__gte=monday).values_list(
                    "day", flat=True
                )
            )
            with self.subTest(territory=territory.code):
                self.assertTrue({monday + timedelta(days=n) for n in range(7)} <= days)
        agent93 = User.objects.get(username="agent93").agent
        self.assertEqual(
            Shift.objects.filter(
                agent=agent93, day__gte=monday, day__lt=monday + timedelta(days=7)
            ).count(),
            5,
        )

    def test_it_fills_the_pipeline_and_closes_the_silent_candidates(self):
        stages = set(Candidate.objects.filter(territory__code="93").values_list("stage", flat=True))
        expected = {
            "applied",
            "assessment_scheduled",
            "assessed",
            "in_training",
            "trained",
            "rejected",
            "withdrawn",
            "no_answer",
        }
        self.assertEqual(stages, expected)
        self.assertEqual(TrainingSession.objects.filter(territory__code="93").count(), 3)

    def test_it_raises_the_alerts_of_contracts_ending_within_two_weeks(self):
        alerted = Contract.objects.filter(end_alerted_at__isnull=False)
        self.assertEqual(
            set(alerted.values_list("agent__user__username", flat=True)),
            {"aissata.doucoure", "lina.zhang", "mei.wang", "kevin.fontaine"},
        )

    def test_it_expects_a_week_of_volumes_in_seine_saint_denis(self):
        forecasts = VolumeForecast.objects.filter(territory__code="93")
        self.assertEqual(forecasts.values("day").distinct().count(), 7)
        self.assertEqual(
            set(forecasts.values_list("language_id", flat=True)), set(demo.VOLUME_FORECAST_93)
        )

    def test_it_has_a_pair_of_possible_duplicates_to_review_in_seine_saint_denis(self):
        # Found by the duplicate search during the load: « Ouafi », named by two patients zéro as
        # Mohamed and Muhammad, one birth date, two phones; and no pair among the random people.
        pair = DuplicateCandidate.objects.select_related("person_a", "person_b").get()
        self.assertEqual(pair.status, DuplicateCandidate.Status.OPEN)
        self.assertEqual(
            {pair.person_a.first_name, pair.person_b.first_name}, {"Mohamed", "Muhammad"}
        )
        self.assertEqual(pair.person_a.territory.code, "93")
        self.assertEqual(pair.evidence["birth_date"], "equal")
        named_by = {
            e.index_case.person_id
            for p in (pair.person_a, pair.person_b)
            for e in p.exposures.all()
        }
        self.assertEqual(len(named_by), 2)
        admin = next(a for a in demo.AGENTS if a.role == roles.ADMIN_CPAM and a.territory == "93")
        self.client.force_login(User.objects.get(username=admin.username))
        response = self.client.get(reverse("intake:duplicate-list"))
        self.assertContains(response, f'data-testid="pair-{pair.pk}"')

    def test_it_puts_this_weeks_sample_in_the_quality_review_list(self):
        # The morning is played only on floors open now and the demo's week of Seine-Saint-Denis
        # can start in last week: every agent with connected calls in a week has her sample of
        # that week (beat drew last week's on Monday), of at most QA_SAMPLE_PER_AGENT calls.
        attempts = CallAttempt.objects.filter(
            connected_at__isnull=False, ended_at__isnull=False
        ).select_related("task__territory")
        connected = Counter(
            (a.agent_id, qa.week_start(timezone.localdate(a.started_at, a.task.territory.zone)))
            for a in attempts
        )
        expected = {key: min(n, settings.QA_SAMPLE_PER_AGENT) for key, n in connected.items()}
        drawn = Counter(Review.objects.values_list("agent_id", "week"))
        self.assertEqual(dict(drawn), expected)
        self.assertTrue(drawn)
        self.assertFalse(Review.objects.exclude(attempt__agent_id=F("agent_id")).exists())
