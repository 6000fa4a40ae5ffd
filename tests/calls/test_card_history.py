"""The card tells the story (issue 13): every earlier call to the person (when, who, what came of
it, how long, what was noted), their age, their other roles in the territory's cases, and their
numbers as people read them."""

import re
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls import selectors
from calls.models import Assignment, CallAttempt, CallTask
from cases.models import Exposure, Person, PersonAccess
from cases.services import record_interview
from tests.base import contact
from tests.calls.test_desk import DESK, DeskTestCase

# A fixed moment, far from any clock change: 10:05 UTC is 11:05 in Paris, 14:05 in La Réunion.
MOMENT = datetime(2026, 11, 17, 10, 5, tzinfo=UTC)


def attempt_rows(html: str) -> list[str]:
    """The attempt rows of a page, in order, tags stripped and spaces squeezed."""
    rows = re.findall(r'<li class="attempt-row".*?</li>', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


class CardHistoryTestCase(DeskTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.t974.calling_hours_start, cls.t974.calling_hours_end = time(0, 0), time(23, 59)
        cls.t974.save()
        # Paul Martin, patient zéro of the class's case (cls.case), is also named as a household
        # contact by Fatou Sow's case: the same person (same names, same number).
        cls.sow_case = cls.register_case(
            cls.t93,
            name="Sow",
            phone="0699887766",
            external_ref="LAB-93-SOW",
            contacts=[contact("Paul", "Martin", "0612345678", exposure_type="household")],
        ).index_case
        cls.martin = cls.case.person
        cls.interview = CallTask.objects.get(person=cls.martin, reason="index_interview")
        cls.notification = CallTask.objects.get(person=cls.martin, reason="contact_notification")
        # Alice's next call is Martin's interview: every other call of 93 is due later.
        CallTask.objects.filter(territory=cls.t93).exclude(pk=cls.interview.pk).update(
            deadline_at=cls.interview.deadline_at + timedelta(hours=6)
        )

    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    @staticmethod
    def attempt(task, agent, minutes: int, outcome: str, notes: str = "", **fields):
        started = MOMENT + timedelta(minutes=minutes)
        return CallAttempt.objects.create(
            task=task,
            agent=agent,
            outcome=outcome,
            notes=notes,
            started_at=started,
            ended_at=fields.pop("ended_at", started + timedelta(minutes=1)),
            **fields,
        )

    def held_card(self):
        self.assertEqual(self.claim().task, self.interview)
        return self.client.get(DESK)


class CardHistoryTests(CardHistoryTestCase):
    def test_it_lists_every_earlier_call_latest_first_with_agent_outcome_talk_time_and_notes(self):
        frank = self.frank.agent
        self.attempt(self.interview, frank, 0, "no_answer", phone="+33612345678")
        self.attempt(
            self.interview,
            self.alice.agent,
            90,
            "callback",
            "Rappeler après 18 h, il est au travail",
            phone="+33148000000",
            connected_at=MOMENT + timedelta(minutes=90),
            ended_at=MOMENT + timedelta(minutes=93, seconds=25),
        )
        self.attempt(self.interview, frank, 30, "voicemail", "Message laissé")
        response = self.held_card()
        rows = attempt_rows(response.content.decode())
        self.assertEqual(len(rows), 3)
        latest, middle, first = rows
        # Times in Paris (the territory's zone), the date then hours and minutes.
        self.assertIn("11/17/2026 12:35", latest)
        self.assertIn("Callback requested", latest)
        self.assertIn("Alice Test", latest)
        self.assertIn("01 48 00 00 00", latest)
        self.assertIn("talk time 3:25", latest)
        self.assertIn("Rappeler après 18 h, il est au travail", latest)
        self.assertIn("11/17/2026 11:35", middle)
        self.assertIn("Voicemail", middle)
        self.assertIn("Frank Test", middle)
        self.assertIn("Message laissé", middle)
        self.assertNotIn("talk time", middle)  # never answered
        self.assertIn("11/17/2026 11:05", first)
        self.assertIn("No answer", first)
        self.assertIn("06 12 34 56 78", first)
        for row in rows:
            # Calls on the task on screen need not say what they were for.
            self.assertNotIn("Patient zéro interview", row)
            # The human label, never the code.
            self.assertNotIn("no_answer", row)
        self.assertContains(response, "Earlier calls")
        history = response.context["card"].history
        self.assertEqual((history.total, history.more), (3, 0))

    def test_it_shows_the_outcome_in_the_agents_language(self):
        self.attempt(self.interview, self.frank.agent, 0, "callback", "rappeler")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        rows = attempt_rows(self.held_card().content.decode())
        self.assertIn("Rappel demandé", rows[0])
        self.assertIn("17/11/2026 11:05", rows[0])

    def test_it_says_so_on_a_first_call(self):
        response = self.held_card()
        self.assertContains(response, "First call to this person.")
        self.assertEqual(attempt_rows(response.content.decode()), [])

    def test_it_shows_a_call_made_on_the_persons_other_task_and_says_which(self):
        self.attempt(self.notification, self.frank.agent, 0, "busy", "Occupé, rappeler")
        self.attempt(self.interview, self.frank.agent, 10, "no_answer")
        rows = attempt_rows(self.held_card().content.decode())
        self.assertEqual(len(rows), 2)
        self.assertNotIn("Contact notification", rows[0])
        self.assertIn("Busy", rows[1])
        self.assertIn("Occupé, rappeler", rows[1])
        self.assertIn("Contact notification · contact of SOW Paul (case LAB-93-SOW)", rows[1])

    def test_it_escapes_the_notes(self):
        self.attempt(self.interview, self.frank.agent, 0, "refused", '<script>alert("x")</script>')
        response = self.held_card()
        self.assertNotContains(response, '<script>alert("x")</script>')
        self.assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")

    def test_it_shows_the_latest_ten_and_counts_the_others(self):
        for minutes in range(12):
            self.attempt(self.interview, self.frank.agent, minutes, "no_answer", f"essai {minutes}")
        response = self.held_card()
        rows = attempt_rows(response.content.decode())
        self.assertEqual(len(rows), selectors.CARD_HISTORY_LIMIT)
        self.assertIn("essai 11", rows[0])
        self.assertIn("essai 2", rows[-1])
        # Three in sight, the others folded away, and the two oldest only counted.
        self.assertContains(response, "7 earlier calls")
        self.assertContains(response, "and 2 calls before, not shown")
        history = response.context["card"].history
        self.assertEqual((history.total, history.more), (12, 2))

    def test_it_reads_the_history_in_a_fixed_number_of_queries(self):
        self.claim()
        assignment = selectors.held_assignment(agent=self.alice.agent)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.client.get(DESK)
            return len(captured)

        self.attempt(self.interview, self.frank.agent, 0, "no_answer")
        few = queries()
        for minutes in range(1, 8):
            task = self.notification if minutes % 2 else self.interview
            agent = self.frank.agent if minutes % 3 else self.alice.agent
            self.attempt(task, agent, minutes, "busy", "notes")
        self.assertEqual(queries(), few)
        # The card alone: the phones, the instructions' rule set, the attempts with their
        # agents, tasks and cases (one query with their count), the person's cases and
        # exposures.
        with self.assertNumQueries(5):
            card = selectors.desk_card(assignment=assignment, now=timezone.now())
        self.assertEqual(len(card.history.rows), 8)
        with self.assertNumQueries(0):
            for row in card.history.rows:
                str(row.attempt.agent.user.get_full_name())
                str(row.task.exposure.index_case.person if row.task.exposure else "")
                str(row.task.index_case.person if row.task.index_case else "")


class PersonFileHistoryTests(CardHistoryTestCase):
    def test_the_persons_file_shows_each_call_with_its_notes_and_what_it_was_for(self):
        self.attempt(self.notification, self.frank.agent, 0, "no_answer", "<b>Pas de réponse</b>")
        self.attempt(self.interview, self.frank.agent, 5, "busy", phone="+33612345678")
        response = self.client.get(reverse("calls:person", args=[self.martin.pk]))
        rows = attempt_rows(response.content.decode())
        self.assertEqual(len(rows), 2)
        self.assertIn("Patient zéro interview · case", rows[0])
        self.assertIn("06 12 34 56 78", rows[0])
        self.assertIn("Contact notification · contact of SOW Paul", rows[1])
        self.assertContains(response, "&lt;b&gt;Pas de réponse&lt;/b&gt;")


class CardIdentityTests(CardHistoryTestCase):
    def card_at(self, now: datetime, person: Person | None = None):
        person = person or self.martin
        task = CallTask.objects.filter(person=person).order_by("deadline_at").first()
        # Closed at once: the card is read as the desk reads it, with no lease to keep.
        assignment = Assignment.objects.create(
            task=task, agent=self.frank.agent, lease_expires_at=now, closed_at=now
        )
        assignment = selectors.get_assignment_for_agent(agent=self.frank.agent, pk=assignment.pk)
        return selectors.desk_card(assignment=assignment, now=now)

    def test_it_shows_the_age_and_the_birth_date(self):
        # 36 on 1 January, whatever today is (the 1st of January included).
        born = date(timezone.localdate().year - 36, 1, 1)
        Person.objects.filter(pk=self.martin.pk).update(birth_date=born)
        response = self.held_card()
        self.assertContains(response, f"36 years old, born 01/01/{born.year}")
        self.assertEqual(response.context["card"].age_years, 36)

    def test_it_says_discreetly_when_the_birth_date_is_not_known(self):
        response = self.held_card()
        self.assertContains(response, '<span class="muted">birth date not known</span>')

    def test_it_counts_a_baby_in_months(self):
        Person.objects.filter(pk=self.martin.pk).update(birth_date=date(2026, 3, 31))
        self.martin.refresh_from_db()
        card = self.card_at(datetime(2026, 11, 30, 12, tzinfo=UTC))
        self.assertEqual((card.age_years, card.age_months), (0, 8))

    def test_it_computes_the_age_at_the_territorys_today(self):
        # Born on 3 December: at 21:00 UTC on the 2nd, it is already the 3rd in La Réunion
        # (01:00), still the 2nd in Paris (22:00).
        zoe_case = self.register_case(self.t974, name="Payet", phone="0692123456").index_case
        for person in (self.martin, zoe_case.person):
            Person.objects.filter(pk=person.pk).update(birth_date=date(1990, 12, 3))
        evening = datetime(2026, 12, 2, 21, tzinfo=UTC)
        self.assertEqual(self.card_at(evening).age_years, 35)
        self.assertEqual(self.card_at(evening, zoe_case.person).age_years, 36)

    def test_unit_ages(self):
        for born, day, months in [
            (date(1990, 3, 12), date(2026, 12, 3), 440),
            (date(1990, 12, 5), date(2026, 12, 3), 431),
            (date(2026, 1, 31), date(2026, 2, 28), 1),  # the last day of a shorter month
            (date(2026, 1, 31), date(2026, 2, 27), 0),
            (date(2026, 12, 3), date(2026, 12, 3), 0),
        ]:
            with self.subTest(born=born, day=day):
                self.assertEqual(selectors.age_in_months(born, day), months)


class CardRolesTests(CardHistoryTestCase):
    def test_it_names_the_persons_other_role_in_the_territorys_cases(self):
        response = self.held_card()
        roles = response.context["card"].roles
        self.assertEqual(
            [(r.index_case, r.exposure.exposure_type) for r in roles],
            [(self.sow_case, "household")],
        )
        self.assertContains(response, "Also household contact of SOW Paul (case LAB-93-SOW)")
        # The call's own role is the card's badge, not an "also".
        self.assertNotContains(response, "Also patient zéro")

    def test_it_warns_when_that_patient_zero_asked_not_to_be_named(self):
        response = self.held_card()
        self.assertNotContains(response, 'data-testid="not-to-be-named"')
        for consent, shown in ((False, True), (True, False)):
            with self.subTest(consent=consent):
                record_interview(
                    index_case=self.sow_case,
                    symptomatic=False,
                    symptom_onset_on=None,
                    consent_to_name=consent,
                    support_needed=False,
                    recorded_by=self.frank,
                    now=timezone.now(),
                )
                response = self.client.get(DESK)
                self.assertEqual(
                    'data-testid="not-to-be-named"' in response.content.decode(), shown
                )
                self.sow_case.interview.delete()

    def test_it_logs_the_read_of_each_person_it_names(self):
        self.attempt(self.notification, self.frank.agent, 0, "busy")
        self.held_card()
        logged = PersonAccess.objects.filter(what="desk", user=self.alice)
        self.assertEqual(
            set(logged.values_list("person_id", flat=True)),
            {self.martin.pk, self.sow_case.person_id},
        )
        self.client.get(reverse("calls:person", args=[self.martin.pk]))
        logged = PersonAccess.objects.filter(what="desk-person", user=self.alice)
        self.assertEqual(
            set(logged.values_list("person_id", flat=True)),
            {self.martin.pk, self.sow_case.person_id},
        )

    def test_the_contacts_card_says_the_person_is_also_a_patient_zero(self):
        CallTask.objects.filter(pk=self.notification.pk).update(
            deadline_at=self.interview.deadline_at - timedelta(hours=1)
        )
        self.assertEqual(self.claim().task, self.notification)
        response = self.client.get(DESK)
        self.assertContains(response, f"Also patient zéro of case #{self.case.pk}")
        self.assertNotContains(response, "Also household contact")

    def test_it_never_shows_a_role_or_a_call_from_another_territory(self):
        # A Paul Martin with the same number named by a Paris case is Paris's person, not 93's;
        # and a Paris case naming 93's Paul Martin himself stays Paris's business.
        paris = self.register_case(
            self.t75,
            name="Durand",
            contacts=[contact("Paul", "Martin", "0612345678", exposure_type="close")],
        )
        paris_martin = paris.index_case.exposures.get().person
        self.assertNotEqual(paris_martin, self.martin)
        Exposure.objects.create(
            index_case=paris.index_case,
            person=self.martin,
            exposure_type="co_exposed",
            last_exposure_date=timezone.localdate(),
        )
        paris_task = CallTask.objects.get(person=paris_martin)
        self.attempt(paris_task, self.frank.agent, 0, "reached", "Confidentiel Paris")
        response = self.held_card()
        self.assertEqual(
            [(r.index_case, r.exposure) for r in response.context["card"].roles],
            [(self.sow_case, self.notification.exposure)],
        )
        self.assertNotContains(response, "DURAND")
        self.assertNotContains(response, "Also close contact")
        self.assertNotContains(response, "Also co-exposed")
        self.assertNotContains(response, "Confidentiel Paris")


class CardZoneAndPhonesTests(CardHistoryTestCase):
    def test_a_reunion_card_shows_reunion_time_and_national_numbers(self):
        case = self.register_case(self.t974, name="Payet", phone="0692123456").index_case
        task = CallTask.objects.get(person=case.person)
        self.attempt(task, self.zoe.agent, 0, "no_answer", phone="+262692123456")
        self.client.force_login(self.zoe)
        self.assertEqual(self.claim(self.zoe).task, task)
        response = self.client.get(DESK)
        rows = attempt_rows(response.content.decode())
        self.assertEqual(len(rows), 1)
        self.assertIn("11/17/2026 14:05", rows[0])
        self.assertIn("0692 12 34 56", rows[0])
        self.assertNotIn("11:05", rows[0])
        # The button reads nationally; the softphone dials E.164.
        self.assertContains(response, '<span class="phone">0692 12 34 56</span>')
        self.assertContains(response, 'href="tel:+262692123456"')

    def test_the_card_shows_numbers_in_national_form_and_dials_e164(self):
        response = self.held_card()
        self.assertContains(response, '<span class="phone">06 12 34 56 78</span>')
        self.assertContains(response, '<span class="phone">01 48 00 00 00</span>')
        self.assertContains(response, 'href="tel:+33612345678"')
        self.assertNotContains(response, "+33 6 12 34 56 78")
