"""Staffing needs: the arithmetic on a worked example, and the table read from the database
(forecast and observed volumes, observed handle times, the rota, contract ends, multilingual
agents, territory scoping, a constant number of queries)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError
from django.test import SimpleTestCase
from django.utils import timezone

from agents import roles
from agents.models import Agent, Language
from calls.models import CallAttempt, CallTask
from intake.services import register_index_case
from tests.base import PersonasTestCase, contact, make_user, person
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.models.staffing import StaffingParameters, VolumeForecast
from workforce.selectors.staffing import compute_need, productive_hours_per_agent, staffing_table
from workforce.services.staffing import VolumeEntry, save_staffing_parameters, save_volume_forecasts

DEFAULTS = {
    "index_handle_minutes": Decimal(30),
    "contact_handle_minutes": Decimal(15),
    "attempts_per_contact": Decimal("1.50"),
    "unanswered_attempt_minutes": Decimal("2.0"),
    "paid_hours_per_day": Decimal("7.00"),
    "occupancy": Decimal("0.85"),
    "shrinkage": Decimal("0.30"),
}


class ComputeNeedTests(SimpleTestCase):
    def test_it_computes_the_worked_example_of_the_issue(self):
        need = compute_need(index_cases=Decimal(20), contacts=Decimal(120), **DEFAULTS)
        # Workload: one answered call per person, 20 patients zéro × 30 min + 120 contacts × 15 min
        # = 600 + 1800 = 2400 min; then (20 + 120) people × (1.5 − 1) extra attempts × 2 min
        # = 140 × 0.5 × 2 = 140 min unanswered; 2400 + 140 = 2540 min = 42.333… h.
        self.assertEqual(need.workload_hours, Decimal(2540) / 60)
        # One agent-day: 7 paid hours × 0.85 occupancy × (1 − 0.30 shrinkage)
        # = 7 × 0.85 × 0.70 = 4.165 h.
        self.assertEqual(need.productive_hours, Decimal("4.165"))
        # Agents: 42.333… / 4.165 = 10.16… (10 × 4.165 = 41.65 < 42.333… < 11 × 4.165 = 45.815)
        # → 11.
        self.assertEqual(need.agents_needed, 11)

    def test_it_counts_no_unanswered_call_with_one_attempt_per_person(self):
        # attempts − 1 = 0: whatever an unanswered call costs, only the answered calls count,
        # 600 + 1800 = 2400 min = 40 h; 40 / 4.165 = 9.60… → 10 agents.
        for minutes in (Decimal(0), Decimal("2.0"), Decimal(30)):
            with self.subTest(unanswered_attempt_minutes=minutes):
                need = compute_need(
                    index_cases=Decimal(20),
                    contacts=Decimal(120),
                    **{
                        **DEFAULTS,
                        "attempts_per_contact": Decimal(1),
                        "unanswered_attempt_minutes": minutes,
                    },
                )
                self.assertEqual(need.workload_hours, Decimal(40))
                self.assertEqual(need.agents_needed, 10)

    def test_it_does_not_round_up_an_exact_multiple(self):
        # 3 agent-days of calls: 3 × 4.165 h = 12.495 h = 749.7 min
        # = 49.98 contacts × 15 min × 1 attempt.
        need = compute_need(
            index_cases=Decimal(0),
            contacts=Decimal("49.98"),
            **{**DEFAULTS, "attempts_per_contact": Decimal(1)},
        )
        self.assertEqual(need.workload_hours, Decimal("12.495"))
        self.assertEqual(need.agents_needed, 3)

    def test_it_needs_nobody_without_volume(self):
        need = compute_need(index_cases=Decimal(0), contacts=Decimal(0), **DEFAULTS)
        self.assertEqual(need.workload_hours, 0)
        self.assertEqual(need.agents_needed, 0)

    def test_it_needs_one_agent_for_one_call(self):
        # 1 × 15 min + 1 × (1.5 − 1) × 2 min = 15 + 1 = 16 min = 0.266… h: a fraction of an agent is
        # still an agent.
        need = compute_need(index_cases=Decimal(0), contacts=Decimal(1), **DEFAULTS)
        self.assertEqual(need.workload_hours, Decimal(16) / 60)
        self.assertEqual(need.agents_needed, 1)

    def test_it_computes_productive_hours_from_the_parameters(self):
        # 8 × 1 × (1 − 0.5) = 4 h.
        hours = productive_hours_per_agent(
            paid_hours_per_day=Decimal(8), occupancy=Decimal(1), shrinkage=Decimal("0.5")
        )
        self.assertEqual(hours, Decimal(4))


def local_noon(territory, day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=territory.zone)


class StaffingFixture(PersonasTestCase):
    """Territory 93 on its local today (day 0):

    - Turkish: over the last 7 complete days, 7 patients zéro, 14 contact notifications and
      7 follow-ups queued (plus one case 8 days ago and one today, both outside the window);
    - French: a forecast on day 0 of 20 patients zéro and 120 contacts (the worked example);
    - téléconseillers: alice (fr, tr; CDI), ali (tr; CDD ending day 2, not renewed), remi (fr; CDD
      ending day 1, renewed to day 30), cnam (fr; Assurance Maladie staff, no contract row),
      nocontract (fr; fixed-term recruit without a contract), gone (fr; account deactivated);
      bob (superviseur, fr) is no caller;
    - shifts: day 0 alice, ali, remi, gone; day 1 alice; paul of 75 is on shift day 0.
    - Paris (75) has its own French forecast on day 0 and Turkish calls: none of it shows in 93.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.day0 = timezone.localdate(timezone=cls.t93.zone)
        cls.days = [cls.day0 + timedelta(days=offset) for offset in range(7)]
        cls.fr = Language.objects.get(code="fr")
        cls.tr = Language.objects.get(code="tr")

        cls.index_tasks = []
        for offset in range(1, 8):
            result = cls.register_turkish(cls.t93, offset, count=2)
            cls.index_tasks.append(
                result.index_case.call_tasks.get(reason=CallTask.Reason.INDEX_INTERVIEW)
            )
            first_contact = result.contacts[0]
            follow_up = CallTask.objects.create(
                person=first_contact.task.person,
                reason=CallTask.Reason.FOLLOW_UP,
                territory=cls.t93,
                language=cls.tr,
                deadline_at=timezone.now() + timedelta(days=1),
            )
            CallTask.objects.filter(pk=follow_up.pk).update(
                created_at=local_noon(cls.t93, cls.day0 - timedelta(days=offset))
            )
        cls.register_turkish(cls.t93, 8, count=3)  # before the window
        cls.register_turkish(cls.t93, 0, count=3)  # today: not a complete day
        cls.register_turkish(cls.t75, 1, count=5)  # another territory

        VolumeForecast.objects.create(
            territory=cls.t93, language=cls.fr, day=cls.day0, index_cases=20, contacts=120
        )
        VolumeForecast.objects.create(
            territory=cls.t75, language=cls.fr, day=cls.day0, index_cases=2, contacts=3
        )

        Contract.objects.filter(agent=cls.alice.agent).delete()
        Contract.objects.create(
            agent=cls.alice.agent, kind=Contract.Kind.CDI, start_on=cls.day0 - timedelta(days=400)
        )
        cls.ali = cls.caller("ali", ("tr",), employer=Agent.Employer.FIXED_TERM)
        Contract.objects.create(
            agent=cls.ali.agent,
            kind=Contract.Kind.CDD,
            start_on=cls.day0 - timedelta(days=30),
            end_on=cls.day0 + timedelta(days=2),
        )
        cls.remi = cls.caller("remi", ("fr",), employer=Agent.Employer.FIXED_TERM)
        first = Contract.objects.create(
            agent=cls.remi.agent,
            kind=Contract.Kind.CDD,
            start_on=cls.day0 - timedelta(days=30),
            end_on=cls.day0 + timedelta(days=1),
        )
        Contract.objects.create(
            agent=cls.remi.agent,
            kind=Contract.Kind.CDD,
            start_on=cls.day0 + timedelta(days=2),
            end_on=cls.day0 + timedelta(days=30),
            renews=first,
        )
        cls.cnam = cls.caller("cnam", ("fr",))
        cls.nocontract = cls.caller("nocontract", ("fr",), employer=Agent.Employer.FIXED_TERM)
        cls.gone = cls.caller("gone", ("fr",))
        cls.gone.is_active = False
        cls.gone.save(update_fields=["is_active"])
        cls.paul = make_user(
            "paul",
            roles.TELECONSEILLER,
            territory=cls.t75,
            languages=("fr",),
            plateau=cls.paris_plateau,
        )

        for user in (cls.alice, cls.ali, cls.remi, cls.gone):
            cls.shift(user, cls.day0)
        cls.shift(cls.alice, cls.day0 + timedelta(days=1))
        cls.shift(cls.paul, cls.day0)

    @classmethod
    def register_turkish(cls, territory, days_ago: int, *, count: int):
        cls._phone = getattr(cls, "_phone", 10_000_000) + 1
        phone = f"06{cls._phone:08d}"
        contacts = []
        for _ in range(count):
            cls._phone += 1
            contacts.append(contact("Deniz", "Kaya", f"06{cls._phone:08d}", language="tr"))
        result = register_index_case(
            territory=territory,
            person=person("Ayşe", "Yilmaz", phone, language="tr"),
            sampled_at=timezone.now(),
            source="form",
            now=timezone.now(),
            contacts=contacts,
        )
        CallTask.objects.filter(index_case=result.index_case).update(
            created_at=local_noon(
                territory, timezone.localdate(timezone=territory.zone) - timedelta(days=days_ago)
            )
        )
        CallTask.objects.filter(exposure__index_case=result.index_case).update(
            created_at=local_noon(
                territory, timezone.localdate(timezone=territory.zone) - timedelta(days=days_ago)
            )
        )
        return result

    @classmethod
    def caller(cls, username: str, languages, **fields):
        return make_user(
            username,
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=languages,
            plateau=cls.saint_denis,
            **fields,
        )

    @classmethod
    def shift(cls, user, day):
        plateau = user.agent.plateau
        zone = user.agent.territory.zone
        Shift.objects.create(
            agent=user.agent,
            plateau=plateau,
            day=day,
            starts_at=datetime.combine(day, time(9), tzinfo=zone),
            ends_at=datetime.combine(day, time(17), tzinfo=zone),
        )

    def table(self, territory=None, days: int = 7):
        return staffing_table(territory=territory or self.t93, start=self.day0, days=days)

    @staticmethod
    def cell(table, code: str, day):
        row = next(row for row in table.rows if row.language.code == code)
        return next(cell for cell in row.cells if cell.day == day)


class StaffingTableTests(StaffingFixture):
    def test_it_uses_the_forecast_when_there_is_one(self):
        table = self.table()
        cell = self.cell(table, "fr", self.day0)
        self.assertTrue(cell.volume.forecast)
        self.assertEqual((cell.volume.index_cases, cell.volume.contacts), (20, 120))
        # No connected call yet: default handle times, the worked example.
        # 20 × 30 + 120 × 15 + 140 × 0.5 × 2 = 600 + 1800 + 140 = 2540 min; 2540 / 60 = 42.333… h;
        # 42.333… / 4.165 = 10.16… → 11 agents.
        self.assertEqual(cell.need.workload_hours, Decimal(2540) / 60)
        self.assertEqual(cell.need.agents_needed, 11)
        self.assertEqual(table.productive_hours, Decimal("4.165"))

    def test_it_averages_the_last_seven_complete_days_otherwise(self):
        table = self.table()
        cell = self.cell(table, "tr", self.day0 + timedelta(days=3))
        self.assertFalse(cell.volume.forecast)
        # 7 interviews / 7 days = 1; (14 notifications + 7 follow-ups) / 7 days = 3. The case of
        # 8 days ago, today's and Paris's are left out.
        self.assertEqual(cell.volume.index_cases, Decimal(1))
        self.assertEqual(cell.volume.contacts, Decimal(3))
        # 1 × 30 + 3 × 15 + (1 + 3) × 0.5 × 2 = 30 + 45 + 4 = 79 min = 1.316… h;
        # 1.316… / 4.165 = 0.31… → 1 agent.
        self.assertEqual(cell.need.workload_hours, Decimal(79) / 60)
        self.assertEqual(cell.need.agents_needed, 1)
        # French has no call observed: the days without a forecast need nobody.
        later = self.cell(table, "fr", self.day0 + timedelta(days=1))
        self.assertFalse(later.volume.forecast)
        self.assertEqual(later.need.agents_needed, 0)

    def test_it_uses_observed_handle_times_with_enough_calls(self):
        yesterday = local_noon(self.t93, self.day0 - timedelta(days=1))
        task = self.index_tasks[0]
        attempts = []
        # 30 connected interviews: 15 of 20 min and 15 of 26 min, a mean of 23 min.
        for minutes in [20] * 15 + [26] * 15:
            attempts.append(self.attempt(task, yesterday, minutes))
        # Left out: a call never connected, and one 8 days ago.
        attempts.append(
            CallAttempt(
                task=task,
                agent=self.alice.agent,
                started_at=yesterday,
                ended_at=yesterday,
                outcome="no_answer",
            )
        )
        attempts.append(self.attempt(task, local_noon(self.t93, self.day0 - timedelta(days=8)), 90))
        # Only 29 contact calls: too few, the 15-minute default stays.
        contact_task = CallTask.objects.filter(
            territory=self.t93, reason=CallTask.Reason.CONTACT_NOTIFICATION
        ).first()
        attempts += [self.attempt(contact_task, yesterday, 2) for _ in range(29)]
        CallAttempt.objects.bulk_create(attempts)

        table = self.table()
        self.assertEqual(table.index_handle.minutes, Decimal(23))
        self.assertEqual(table.index_handle.observed_calls, 30)
        self.assertEqual(table.contact_handle.minutes, Decimal(15))
        self.assertFalse(table.contact_handle.observed)
        cell = self.cell(table, "fr", self.day0)
        # 20 × 23 + 120 × 15 + 140 × 0.5 × 2 = 460 + 1800 + 140 = 2400 min = 40 h;
        # 40 / 4.165 = 9.60… → 10 agents.
        self.assertEqual(cell.need.workload_hours, Decimal(40))
        self.assertEqual(cell.need.agents_needed, 10)

        save_staffing_parameters(
            territory=self.t93, **{**self.parameters(), "use_observed_handle_times": False}
        )
        table = self.table()
        self.assertEqual(table.index_handle.minutes, Decimal(30))
        # Back to 30 min: the worked example's 11 agents.
        self.assertEqual(self.cell(table, "fr", self.day0).need.agents_needed, 11)

    def attempt(self, task, connected_at, minutes: int) -> CallAttempt:
        return CallAttempt(
            task=task,
            agent=self.alice.agent,
            started_at=connected_at - timedelta(seconds=20),
            connected_at=connected_at,
            ended_at=connected_at + timedelta(minutes=minutes),
            outcome="reached",
        )

    @staticmethod
    def parameters() -> dict:
        return {
            "index_handle_minutes": 30,
            "contact_handle_minutes": 15,
            "use_observed_handle_times": True,
            "attempts_per_contact": Decimal("1.50"),
            "unanswered_attempt_minutes": Decimal("2.0"),
            "occupancy": Decimal("0.85"),
            "shrinkage": Decimal("0.30"),
            "paid_hours_per_day": Decimal("7.00"),
        }

    def test_it_applies_saved_parameters(self):
        # 8 h × 0.80 × (1 − 0.25) = 4.8 h; 20 × 30 + 120 × 15 + 140 × (2 − 1) × 3 = 600 + 1800 + 420
        # = 2820 min = 47 h; 47 / 4.8 = 9.79… → 10.
        save_staffing_parameters(
            territory=self.t93,
            **{
                **self.parameters(),
                "attempts_per_contact": Decimal(2),
                "unanswered_attempt_minutes": Decimal(3),
                "occupancy": Decimal("0.80"),
                "shrinkage": Decimal("0.25"),
                "paid_hours_per_day": Decimal(8),
            },
        )
        table = self.table()
        self.assertEqual(table.productive_hours, Decimal("4.8"))
        cell = self.cell(table, "fr", self.day0)
        self.assertEqual(cell.need.workload_hours, Decimal(47))
        self.assertEqual(cell.need.agents_needed, 10)

    def test_it_counts_the_agents_on_the_rota_in_each_of_their_languages(self):
        table = self.table()
        day1 = self.day0 + timedelta(days=1)
        # Day 0: French alice and remi (gone's account is closed), Turkish alice and ali.
        self.assertEqual(self.cell(table, "fr", self.day0).scheduled, 2)
        self.assertEqual(self.cell(table, "tr", self.day0).scheduled, 2)
        # alice counts in both languages, but once in the day's total: alice, ali, remi.
        total0 = table.totals[0]
        self.assertEqual(total0.scheduled, 3)
        self.assertEqual(self.cell(table, "fr", day1).scheduled, 1)
        self.assertEqual(table.totals[1].scheduled, 1)
        self.assertEqual(table.totals[2].scheduled, 0)
        # Gap against the rota: French day 0, 2 on the rota − 11 needed = −9.
        self.assertEqual(self.cell(table, "fr", self.day0).gap_rota, -9)
        # Total day 0: needed 11 (French) + 1 (Turkish) = 12; 3 − 12 = −9.
        self.assertEqual(total0.agents_needed, 12)
        self.assertEqual(total0.gap_rota, -9)

    def test_it_counts_the_agents_whose_contract_covers_the_day(self):
        table = self.table()
        # French: alice (CDI), remi (renewed), cnam (no contract needed); not nocontract, not gone.
        for offset in (0, 3):
            day = self.day0 + timedelta(days=offset)
            self.assertEqual(self.cell(table, "fr", day).available, 3)
        # Turkish: alice and ali until ali's contract ends on day 2, alice alone from day 3.
        self.assertEqual(self.cell(table, "tr", self.day0 + timedelta(days=2)).available, 2)
        self.assertEqual(self.cell(table, "tr", self.day0 + timedelta(days=3)).available, 1)
        self.assertEqual(table.totals[2].available, 4)
        self.assertEqual(table.totals[3].available, 3)
        # Gap against contracts: French day 0, 3 − 11 = −8; Turkish day 3, 1 − 1 = 0.
        self.assertEqual(self.cell(table, "fr", self.day0).gap_contracts, -8)
        self.assertEqual(self.cell(table, "tr", self.day0 + timedelta(days=3)).gap_contracts, 0)

    def test_it_shows_the_languages_with_volume_or_agents(self):
        VolumeForecast.objects.create(
            territory=self.t93, language_id="ar", day=self.day0 + timedelta(days=1), contacts=4
        )
        codes = [row.language.code for row in self.table().rows]
        self.assertCountEqual(codes, ["fr", "tr", "ar"])
        # bob speaks French but is no caller; zoe's Créole is in La Réunion.
        self.assertNotIn("rcf", codes)

    def test_it_keeps_each_territory_to_itself(self):
        table = self.table(self.t75)
        cell = self.cell(table, "fr", self.day0)
        self.assertEqual((cell.volume.index_cases, cell.volume.contacts), (2, 3))
        # Paris's Turkish calls: 1 interview and 5 contacts yesterday, over 7 days: 0.1 and 0.7.
        turkish = self.cell(table, "tr", self.day0)
        self.assertEqual(
            (turkish.volume.index_cases, turkish.volume.contacts), (Decimal("0.1"), Decimal("0.7"))
        )
        # paul alone is on the rota in Paris.
        self.assertEqual(cell.scheduled, 1)
        self.assertEqual(table.totals[0].scheduled, 1)

    def test_it_reads_the_table_in_a_constant_number_of_queries(self):
        # Parameters, forecasts, observed volumes, observed handle times, languages spoken, shifts,
        # contracts, language names.
        with self.assertNumQueries(8):
            small = staffing_table(territory=self.t93, start=self.day0, days=2)
        for code in ("ar", "snk", "zh"):
            VolumeForecast.objects.create(
                territory=self.t93, language_id=code, day=self.day0, contacts=10
            )
        self.caller("yann", ("ar", "fr", "zh"), employer=Agent.Employer.FIXED_TERM)
        with self.assertNumQueries(8):
            large = staffing_table(territory=self.t93, start=self.day0, days=14)
        self.assertEqual(len(small.rows) * len(small.days), 4)
        self.assertEqual(len(large.rows) * len(large.days), 5 * 14)


class StaffingServicesTests(StaffingFixture):
    def test_it_saves_parameters_once_per_territory(self):
        save_staffing_parameters(territory=self.t93, **StaffingTableTests.parameters())
        save_staffing_parameters(
            territory=self.t93, **{**StaffingTableTests.parameters(), "index_handle_minutes": 40}
        )
        parameters = StaffingParameters.objects.get(territory=self.t93)
        self.assertEqual(parameters.index_handle_minutes, 40)
        self.assertEqual(StaffingParameters.objects.count(), 1)

    def test_it_upserts_and_clears_forecasts(self):
        day1 = self.day0 + timedelta(days=1)
        save_volume_forecasts(
            territory=self.t93,
            entries=[
                VolumeEntry(language=self.fr, day=self.day0, index_cases=5, contacts=6),
                VolumeEntry(language=self.tr, day=day1, index_cases=7, contacts=8),
            ],
        )
        forecast = VolumeForecast.objects.get(territory=self.t93, language=self.fr, day=self.day0)
        self.assertEqual((forecast.index_cases, forecast.contacts), (5, 6))
        self.assertEqual(VolumeForecast.objects.filter(territory=self.t93).count(), 2)

        save_volume_forecasts(territory=self.t93, entries=[], clear=[(self.fr, self.day0)])
        self.assertFalse(
            VolumeForecast.objects.filter(territory=self.t93, language=self.fr).exists()
        )
        # Paris's forecast of the same language and day is untouched.
        self.assertTrue(
            VolumeForecast.objects.filter(
                territory=self.t75, language=self.fr, day=self.day0
            ).exists()
        )

    def test_it_saves_all_forecasts_or_none(self):
        day1 = self.day0 + timedelta(days=1)
        with self.assertRaises(IntegrityError):
            save_volume_forecasts(
                territory=self.t93,
                entries=[
                    VolumeEntry(language=self.tr, day=day1, index_cases=7, contacts=8),
                    VolumeEntry(language=self.fr, day=day1, index_cases=-1, contacts=8),
                ],
                clear=[(self.fr, self.day0)],
            )
        self.assertFalse(VolumeForecast.objects.filter(territory=self.t93, day=day1).exists())
        self.assertTrue(
            VolumeForecast.objects.filter(
                territory=self.t93, language=self.fr, day=self.day0
            ).exists()
        )
