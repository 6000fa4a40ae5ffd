from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.urls import reverse

from tests.base import PersonasTestCase
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.models.rota import ClockEntry, Shift, ShiftPattern

PARIS = ZoneInfo("Europe/Paris")


class AdminWorkforceModelsTests(PersonasTestCase):
    """The workforce's rows in the Django admin: scoped to the territory, rule-bound rows
    read-only."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidate93 = Candidate.objects.create(
            territory=cls.t93, first_name="Nadia", last_name="Mercier", phone="+33611111111"
        )
        cls.candidate75 = Candidate.objects.create(
            territory=cls.t75, first_name="Paul", last_name="Durand", phone="+33622222222"
        )
        CandidateEvent.objects.create(
            candidate=cls.candidate93,
            to_stage=Candidate.Stage.APPLIED,
            at=datetime(2026, 11, 2, 9, tzinfo=PARIS),
        )
        TrainingSession.objects.create(
            territory=cls.t93, name="Cohorte Mercier", starts_on=date(2026, 12, 1), capacity=12
        )
        TrainingSession.objects.create(
            territory=cls.t75, name="Cohorte Durand", starts_on=date(2026, 12, 1), capacity=12
        )
        ShiftPattern.objects.create(
            territory=cls.t93, name="Matin Mercier", starts_at=time(8, 30), ends_at=time(13)
        )
        ShiftPattern.objects.create(
            territory=cls.t75, name="Matin Durand", starts_at=time(8, 30), ends_at=time(13)
        )
        for agent, plateau in (
            (cls.alice.agent, cls.saint_denis),
            (cls.erin.agent, cls.paris_plateau),
        ):
            Shift.objects.create(
                agent=agent,
                plateau=plateau,
                day=date(2026, 11, 30),
                starts_at=datetime(2026, 11, 30, 8, 30, tzinfo=PARIS),
                ends_at=datetime(2026, 11, 30, 13, tzinfo=PARIS),
            )
            ClockEntry.objects.create(
                agent=agent, clocked_in_at=datetime(2026, 11, 30, 8, 25, tzinfo=PARIS)
            )

    def get(self, user, url):
        self.client.force_login(user)
        return self.client.get(url)

    def test_it_lists_only_the_admins_territory(self):
        lists = [
            ("candidate", "Mercier", "Durand"),
            ("trainingsession", "Cohorte Mercier", "Cohorte Durand"),
            ("shiftpattern", "Matin Mercier", "Matin Durand"),
            ("shift", "Alice", "Erin"),
            ("clockentry", "Alice", "Erin"),
        ]
        for user, mine, theirs in ((self.carol, 1, 2), (self.dave, 2, 1)):
            for row in lists:
                with self.subTest(user=user.username, model=row[0]):
                    response = self.get(user, reverse(f"admin:workforce_{row[0]}_changelist"))
                    self.assertEqual(response.status_code, 200)
                    self.assertContains(response, row[mine])
                    self.assertNotContains(response, row[theirs])

    def test_it_keeps_candidates_and_shifts_to_their_pages(self):
        self.client.force_login(self.carol)
        shift = Shift.objects.get(agent=self.alice.agent)
        self.assertEqual(self.client.get(reverse("admin:workforce_candidate_add")).status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:workforce_shift_add")).status_code, 403)
        self.assertEqual(
            self.client.post(reverse("admin:workforce_shift_delete", args=[shift.pk])).status_code,
            403,
        )
        response = self.client.post(
            reverse("admin:workforce_candidate_change", args=[self.candidate93.pk]),
            {"stage": Candidate.Stage.HIRED},
        )
        self.assertEqual(response.status_code, 403)
        self.candidate93.refresh_from_db()
        self.assertEqual(self.candidate93.stage, Candidate.Stage.APPLIED)

    def test_it_does_not_open_another_territorys_candidate(self):
        response = self.get(
            self.carol, reverse("admin:workforce_candidate_change", args=[self.candidate75.pk])
        )
        self.assertEqual(response.status_code, 302)

    def test_a_cpam_admin_creates_a_training_session_in_their_own_territory(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("admin:workforce_trainingsession_add"),
            {
                "name": "Cohorte de décembre",
                "starts_on": "2026-12-07",
                "days": "2",
                "capacity": "15",
                "territory": self.t75.pk,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            TrainingSession.objects.get(name="Cohorte de décembre").territory, self.t93
        )


class AdminOldAddressesTests(PersonasTestCase):
    """The admin pages of the models that moved app keep their old addresses (bookmarks, links)."""

    def test_it_redirects_a_moved_workforce_model_to_its_new_app(self):
        self.client.force_login(self.carol)
        response = self.client.get("/admin/agents/contract/?kind=cdd")
        self.assertRedirects(response, "/admin/workforce/contract/?kind=cdd", status_code=301)
        self.assertEqual(self.client.get(response["Location"]).status_code, 200)

    def test_it_redirects_a_candidate_page(self):
        self.client.force_login(self.carol)
        response = self.client.get("/admin/agents/candidate/12/change/")
        self.assertEqual(
            (response.status_code, response["Location"]),
            (301, "/admin/workforce/candidate/12/change/"),
        )

    def test_it_leaves_the_models_that_stayed_alone(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get("/admin/agents/agent/").status_code, 200)
