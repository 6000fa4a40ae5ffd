from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.base import PersonasTestCase
from tests.workforce.test_recruitment_services import NEW_PASSWORD, make_candidate, make_session
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession

Stage = Candidate.Stage
HEADER = "first_name,last_name,phone,email,languages,source"
ACTIONS = [
    "candidate-schedule-assessment",
    "candidate-assess",
    "candidate-enrol",
    "candidate-complete-training",
    "candidate-hire",
    "candidate-reject",
    "candidate-withdraw",
    "candidate-answered",
]


class RecruitmentPagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidate = make_candidate(cls.t93, "+33611000001", languages=("fr", "tr"))
        cls.session = make_session(cls.t93)

    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def pages(self) -> list[str]:
        return [
            reverse("workforce:recruitment-board"),
            reverse("workforce:candidate-list"),
            reverse("workforce:candidate-new"),
            reverse("workforce:candidate-import"),
            reverse("workforce:candidate-detail", args=[self.candidate.pk]),
            reverse("workforce:training-session-list"),
        ]

    def posts(self) -> list[str]:
        return [reverse(f"workforce:{name}", args=[self.candidate.pk]) for name in ACTIONS] + [
            reverse("workforce:training-session-new")
        ]


class AccessTests(RecruitmentPagesTestCase):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        for url in self.pages() + self.posts():
            with self.subTest(url=url):
                response = self.client.post(url) if url in self.posts() else self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_teleconseillers_and_supervisors(self):
        for user in (self.alice, self.bob, self.erin):
            self.client.force_login(user)
            for url in self.pages():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
            for url in self.posts():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.post(url, {"note": "x"}).status_code, 403)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.APPLIED)

    def test_it_opens_the_pages_to_cpam_admins_and_the_superuser(self):
        for user in (self.carol, self.root):
            self.client.force_login(user)
            for url in self.pages():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_hides_a_candidate_of_another_territory(self):
        self.client.force_login(self.dave)
        response = self.client.get(reverse("workforce:candidate-detail", args=[self.candidate.pk]))
        self.assertEqual(response.status_code, 404)
        for name in ACTIONS:
            with self.subTest(action=name):
                response = self.client.post(
                    reverse(f"workforce:{name}", args=[self.candidate.pk]),
                    {"score": "90", "passed": "1"},
                )
                self.assertEqual(response.status_code, 404)
        self.candidate.refresh_from_db()
        self.assertEqual((self.candidate.stage, self.candidate.events.count()), (Stage.APPLIED, 0))

    def test_it_shows_nothing_of_another_territory_in_lists_and_boards(self):
        make_candidate(self.t75, "+33622000001").languages.set([])
        self.client.force_login(self.dave)
        response = self.client.get(reverse("workforce:candidate-list"))
        self.assertNotContains(response, "+33611000001")
        self.assertContains(response, "+33622000001")
        response = self.client.get(reverse("workforce:recruitment-board"))
        counts = {row.stage: row.count for row in response.context["board"].stages}
        self.assertEqual(counts[Stage.APPLIED], 1)
        self.assertEqual(response.context["board"].languages, [])
        response = self.client.get(reverse("workforce:training-session-list"))
        self.assertNotContains(response, f'data-session-id="{self.session.pk}"')

    def test_it_refuses_wrong_methods(self):
        self.client.force_login(self.carol)
        cases = [
            ("post", url)
            for url in (reverse("workforce:recruitment-board"), reverse("workforce:candidate-list"))
        ]
        cases += [("post", reverse("workforce:candidate-detail", args=[self.candidate.pk]))]
        cases += [("post", reverse("workforce:training-session-list"))]
        cases += [
            ("put", reverse("workforce:candidate-new")),
            ("delete", reverse("workforce:candidate-import")),
        ]
        cases += [("get", url) for url in self.posts()]
        for method, url in cases:
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 405)

    def test_it_refuses_a_cpam_admin_without_a_territory_on_the_write_pages(self):
        orphan = User.objects.create_user("orphan", password="x")
        orphan.groups.add(*self.carol.groups.all())
        self.client.force_login(orphan)
        self.assertEqual(self.client.get(reverse("workforce:candidate-new")).status_code, 403)
        self.assertEqual(self.client.get(reverse("workforce:candidate-import")).status_code, 403)
        self.assertEqual(self.client.get(reverse("workforce:candidate-list")).status_code, 200)


class ListAndBoardTests(RecruitmentPagesTestCase):
    def count_queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_it_pins_the_number_of_queries_of_the_lists_and_the_board(self):
        self.client.force_login(self.carol)
        urls = [
            reverse("workforce:recruitment-board"),
            reverse("workforce:candidate-list"),
            reverse("workforce:candidate-list") + "?stage=applied&language=fr&q=nad",
            reverse("workforce:training-session-list"),
        ]
        before = {url: self.count_queries(url) for url in urls}
        for n in range(12):
            make_candidate(
                self.t93,
                f"+336110010{n:02d}",
                stage=[stage for stage in Stage.values if stage != Stage.HIRED][n % 8],
                languages=("fr", "ar", "tr")[: 1 + n % 3],
            )
            make_session(self.t93, name=f"S{n}")
        for url in urls:
            with self.subTest(url=url), self.assertNumQueries(before[url]):
                self.client.get(url)

    def test_it_counts_per_stage_and_per_language(self):
        make_candidate(self.t93, "+33611000002", stage=Stage.TRAINED, languages=("fr",))
        make_candidate(self.t93, "+33611000003", stage=Stage.WITHDRAWN, languages=("ar",))
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:recruitment-board"))
        board = response.context["board"]
        counts = {row.stage: row.count for row in board.stages}
        self.assertEqual(
            (
                counts[Stage.APPLIED],
                counts[Stage.TRAINED],
                counts[Stage.WITHDRAWN],
                counts[Stage.HIRED],
            ),
            (1, 1, 1, 0),
        )
        self.assertEqual((board.total, board.open_total), (3, 2))
        french = next(row for row in board.languages if row.code == "fr")
        self.assertEqual(french.total, 2)
        self.assertContains(
            response, reverse("workforce:candidate-list") + "?language=fr&amp;stage=trained"
        )

    def test_it_lists_a_candidate_closed_for_no_answer_with_its_stage_and_dates(self):
        closed = make_candidate(
            self.t93,
            "+33611000004",
            stage=Stage.NO_ANSWER,
            last_heard_at=timezone.now() - timedelta(days=31),
        )
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:candidate-list"), {"stage": "no_answer"})
        self.assertContains(response, f'data-candidate-id="{closed.pk}" data-stage="no_answer"')
        self.assertContains(response, "No answer")
        self.assertContains(response, "Last heard from")
        self.assertNotContains(response, f'data-candidate-id="{self.candidate.pk}"')

    def test_it_filters_by_language_source_and_search(self):
        other = make_candidate(
            self.t93, "+33611000005", languages=("ar",), source=Candidate.Source.TEMP_AGENCY
        )
        Candidate.objects.filter(pk=other.pk).update(last_name="Zidane")
        self.client.force_login(self.carol)
        for query, shown in (
            ({"language": "ar"}, other),
            ({"source": "temp_agency"}, other),
            ({"q": "zid"}, other),
        ):
            with self.subTest(query=query):
                response = self.client.get(reverse("workforce:candidate-list"), query)
                ids = [candidate.pk for candidate in response.context["page"].object_list]
                self.assertEqual(ids, [shown.pk])


class CandidateFormTests(RecruitmentPagesTestCase):
    def test_it_records_a_candidate_in_the_admins_territory(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("workforce:candidate-new"),
            {
                "first_name": "Ana",
                "last_name": "Silva",
                "phone": "06 12 34 56 78",
                "languages": ["fr", "pt"],
                "source": "referral",
            },
        )
        candidate = Candidate.objects.get(last_name="Silva")
        self.assertRedirects(response, reverse("workforce:candidate-detail", args=[candidate.pk]))
        self.assertEqual(
            (candidate.territory, candidate.phone, candidate.stage),
            (self.t93, "+33612345678", Stage.APPLIED),
        )
        self.assertEqual(candidate.events.get().by, self.carol)

    def test_it_shows_field_errors_and_records_nothing(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("workforce:candidate-new"),
            {
                "first_name": "Ana",
                "last_name": "Silva",
                "phone": "+33611000001",
                "languages": ["fr"],
                "source": "referral",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("phone", response.context["form"].errors)
        self.assertEqual(Candidate.objects.count(), 1)

    def test_it_asks_the_superuser_for_the_territory(self):
        self.client.force_login(self.root)
        data = {
            "first_name": "Ana",
            "last_name": "Silva",
            "phone": "0692 12 34 56",
            "languages": ["fr"],
            "source": "referral",
        }
        response = self.client.post(reverse("workforce:candidate-new"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("territory", response.context["form"].errors)
        response = self.client.post(
            reverse("workforce:candidate-new"), {**data, "territory": self.t974.pk}
        )
        candidate = Candidate.objects.get(last_name="Silva")
        self.assertEqual((candidate.territory, candidate.phone), (self.t974, "+262692123456"))


class CandidateImportTests(RecruitmentPagesTestCase):
    def upload(self, *lines: str, user=None):
        self.client.force_login(user or self.carol)
        content = "\r\n".join([HEADER, *lines]).encode()
        return self.client.post(
            reverse("workforce:candidate-import"),
            {"file": SimpleUploadedFile("candidates.csv", content, content_type="text/csv")},
        )

    def test_it_imports_every_row(self):
        response = self.upload(
            "Ana,Silva,06 12 34 56 78,ana@example.org,fr pt,temp_agency",
            'Omar,Diallo,0698765432,,"fr;snk",',
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2 candidates imported.")
        omar = Candidate.objects.get(last_name="Diallo")
        self.assertEqual(
            (omar.phone, omar.source, omar.territory),
            ("+33698765432", Candidate.Source.JOB_BOARD, self.t93),
        )
        self.assertEqual(set(omar.languages.values_list("code", flat=True)), {"fr", "snk"})
        self.assertEqual(
            CandidateEvent.objects.filter(to_stage=Stage.APPLIED, by=self.carol).count(), 2
        )

    def test_it_imports_nothing_when_one_row_is_wrong(self):
        response = self.upload(
            "Ana,Silva,06 12 34 56 78,ana@example.org,fr,temp_agency",
            "Omar,Diallo,not a phone,,fr,",
            "Lea,Martin,06 11 00 00 01,,xx,nowhere",
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["errors"]
        self.assertTrue(errors[0].startswith("line 3: phone: "), errors)
        self.assertIn(
            "line 4: phone: a candidate with this phone is already open: +33611000001", errors
        )
        self.assertIn("line 4: languages: Unknown language code(s): xx", errors)
        self.assertTrue(any(error.startswith("line 4: source: ") for error in errors))
        self.assertContains(response, "nothing was imported", status_code=400)
        self.assertEqual(Candidate.objects.count(), 1)

    def test_it_refuses_a_phone_twice_in_the_file(self):
        response = self.upload("Ana,Silva,0612345678,,fr,", "Ana,Silva,+33612345678,,fr,")
        self.assertEqual(
            response.context["errors"], ["line 3: phone: the same phone as line 2: +33612345678"]
        )
        self.assertEqual(Candidate.objects.count(), 1)

    def test_it_refuses_a_file_without_the_columns(self):
        self.client.force_login(self.carol)
        content = b"name,phone\r\nAna,0612345678\r\n"
        response = self.client.post(
            reverse("workforce:candidate-import"), {"file": SimpleUploadedFile("c.csv", content)}
        )
        self.assertTrue(
            response.context["errors"][0].startswith(
                "line 1: missing column(s): first_name, last_name"
            )
        )


class DetailAndMovesTests(RecruitmentPagesTestCase):
    def post(self, name: str, data: dict, candidate: Candidate | None = None):
        self.client.force_login(self.carol)
        return self.client.post(
            reverse(f"workforce:{name}", args=[(candidate or self.candidate).pk]), data
        )

    def test_it_offers_only_the_moves_of_the_current_stage(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:candidate-detail", args=[self.candidate.pk]))
        self.assertContains(response, 'data-testid="schedule-assessment"')
        self.assertContains(response, 'data-testid="answered"')
        for testid in ("record-assessment", "enrol", "complete-training", "hire"):
            self.assertNotContains(response, f'data-testid="{testid}"')

    def test_it_schedules_the_assessment_in_the_territorys_time(self):
        response = self.post("candidate-schedule-assessment", {"assessment_at": "2026-03-02T14:30"})
        self.assertRedirects(
            response, reverse("workforce:candidate-detail", args=[self.candidate.pk])
        )
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.ASSESSMENT_SCHEDULED)
        self.assertEqual(
            self.candidate.assessment_at, datetime(2026, 3, 2, 14, 30, tzinfo=self.t93.zone)
        )
        reunion = make_candidate(self.t974, "+262692000001")
        self.client.force_login(self.root)
        self.client.post(
            reverse("workforce:candidate-schedule-assessment", args=[reunion.pk]),
            {"assessment_at": "2026-03-02T14:30"},
        )
        reunion.refresh_from_db()
        self.assertEqual(reunion.assessment_at, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))

    def test_it_refuses_a_move_the_stage_does_not_allow_and_writes_nothing(self):
        response = self.post("candidate-complete-training", {})
        self.assertRedirects(
            response,
            reverse("workforce:candidate-detail", args=[self.candidate.pk]),
            fetch_redirect_response=False,
        )
        response = self.client.get(response["Location"])
        self.assertContains(response, "cannot move to")
        self.candidate.refresh_from_db()
        self.assertEqual((self.candidate.stage, self.candidate.events.count()), (Stage.APPLIED, 0))

    def test_it_shows_the_errors_of_an_invalid_form(self):
        candidate = make_candidate(self.t93, "+33611000009", stage=Stage.ASSESSMENT_SCHEDULED)
        response = self.post("candidate-assess", {"score": "120"}, candidate)
        self.assertEqual(response.status_code, 400)
        self.assertIn("score", response.context["forms"]["assess"].errors)
        self.assertIn("passed", response.context["forms"]["assess"].errors)
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.ASSESSMENT_SCHEDULED)

    def test_it_enrols_only_in_a_session_of_the_territory_with_a_free_seat(self):
        candidate = make_candidate(
            self.t93, "+33611000010", stage=Stage.ASSESSED, assessment_passed=True
        )
        paris = make_session(self.t75)
        self.client.force_login(self.carol)
        page = self.client.get(reverse("workforce:candidate-detail", args=[candidate.pk]))
        self.assertContains(page, 'data-testid="enrol"')
        self.assertContains(page, f'<option value="{self.session.pk}"')
        self.assertNotContains(page, f'<option value="{paris.pk}"')
        response = self.post("candidate-enrol", {"training_session": paris.pk}, candidate)
        self.assertEqual(response.status_code, 400)
        response = self.post("candidate-enrol", {"training_session": self.session.pk}, candidate)
        self.assertEqual(response.status_code, 302)
        candidate.refresh_from_db()
        self.assertEqual(
            (candidate.stage, candidate.training_session), (Stage.IN_TRAINING, self.session)
        )

    def test_it_hires_from_the_detail_page(self):
        candidate = make_candidate(
            self.t93, "+33611000011", stage=Stage.TRAINED, languages=("fr", "tr")
        )
        self.client.force_login(self.carol)
        page = self.client.get(reverse("workforce:candidate-detail", args=[candidate.pk]))
        for field in ("username", "password", "plateau", "contract_kind", "months", "start_on"):
            self.assertContains(page, f'name="{field}"')
        self.assertContains(page, 'data-testid="hire"')
        start = timezone.localdate() + timedelta(days=7)
        response = self.post(
            "candidate-hire",
            {
                "username": "nhaddad",
                "password": NEW_PASSWORD,
                "plateau": self.saint_denis.pk,
                "team": self.team_a.pk,
                "role": "teleconseiller",
                "contract_kind": "cdd",
                "months": "3",
                "start_on": start.isoformat(),
            },
            candidate,
        )
        self.assertRedirects(
            response,
            reverse("workforce:candidate-detail", args=[candidate.pk]),
            fetch_redirect_response=False,
        )
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.HIRED)
        self.assertEqual(candidate.agent.user.username, "nhaddad")
        self.assertEqual(Contract.objects.get(agent=candidate.agent).start_on, start)
        # Hired from next week: the account opens on the first day, and the admin is told so.
        self.assertFalse(candidate.agent.user.is_active)
        page = self.client.get(reverse("workforce:candidate-detail", args=[candidate.pk]))
        self.assertContains(page, "The account opens on the contract&#x27;s first day")

    def test_a_cpam_admin_cannot_hire_a_cpam_admin(self):
        # Issue 12 part 6: only a national admin makes CPAM admins, on every channel.
        candidate = make_candidate(self.t93, "+33611000013", stage=Stage.TRAINED)
        self.client.force_login(self.carol)
        data = {
            "username": "nhaddad",
            "password": NEW_PASSWORD,
            "plateau": self.saint_denis.pk,
            "role": "admin_cpam",
            "contract_kind": "cdi",
            "start_on": timezone.localdate().isoformat(),
        }
        response = self.post("candidate-hire", data, candidate)
        self.assertEqual(response.status_code, 400)
        self.assertIn("role", response.context["forms"]["hire"].errors)
        self.assertFalse(User.objects.filter(username="nhaddad").exists())

    def test_it_shows_a_username_clash_as_a_field_error_and_creates_nothing(self):
        candidate = make_candidate(self.t93, "+33611000012", stage=Stage.TRAINED)
        users = User.objects.count()
        data = {
            "username": "bob",
            "password": NEW_PASSWORD,
            "plateau": self.saint_denis.pk,
            "role": "teleconseiller",
            "contract_kind": "cdi",
            "start_on": timezone.localdate().isoformat(),
        }
        response = self.post("candidate-hire", data, candidate)
        self.assertEqual(response.status_code, 400)
        self.assertIn("username", response.context["forms"]["hire"].errors)
        # The same when another request takes the name between the form's check and the insert.
        with (
            mock.patch("workforce.services.recruitment.hiring_errors", return_value={}),
            mock.patch("workforce.forms.recruitment.hiring_errors", return_value={}),
        ):
            response = self.post("candidate-hire", data, candidate)
        self.assertEqual(response.status_code, 400)
        self.assertIn("username", response.context["forms"]["hire"].errors)
        candidate.refresh_from_db()
        self.assertEqual((candidate.stage, candidate.agent), (Stage.TRAINED, None))
        self.assertEqual(User.objects.count(), users)

    def test_it_records_an_answer_reject_and_withdrawal(self):
        old = timezone.now() - timedelta(days=10)
        Candidate.objects.filter(pk=self.candidate.pk).update(last_heard_at=old)
        self.post("candidate-answered", {})
        self.candidate.refresh_from_db()
        self.assertGreater(self.candidate.last_heard_at, old)
        self.post("candidate-withdraw", {"note": "Found another job", "confirm": "yes"})
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.WITHDRAWN)
        response = self.post("candidate-reject", {})
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.WITHDRAWN)
        page = self.client.get(response["Location"])
        self.assertContains(page, "Found another job")
        self.assertNotContains(page, 'data-testid="answered"')


class ClosingConfirmationTests(RecruitmentPagesTestCase):
    """Rejecting a candidate, or recording that they withdrew, closes the file for good: a page says
    so first, and only its confirmation closes it."""

    def post(self, name: str, data: dict):
        self.client.force_login(self.carol)
        return self.client.post(reverse(f"workforce:{name}", args=[self.candidate.pk]), data)

    def test_it_asks_before_closing_the_file(self):
        for name, label in (
            ("candidate-reject", "Reject the candidate"),
            ("candidate-withdraw", "Record the withdrawal"),
        ):
            with self.subTest(name=name):
                response = self.post(name, {"note": "Pas joignable le soir"})
                self.assertEqual(response.status_code, 200)
                self.assertTemplateUsed(response, "workforce/confirm.html")
                self.assertContains(response, label)
                self.assertContains(response, "cannot be reopened")
                self.assertContains(response, 'name="note" value="Pas joignable le soir"')
                self.assertContains(response, 'name="confirm" value="yes"')
                self.candidate.refresh_from_db()
                self.assertEqual(self.candidate.stage, Stage.APPLIED)

    def test_the_confirmation_closes_it_with_the_note(self):
        response = self.post("candidate-reject", {"note": "Profil incomplet", "confirm": "yes"})
        self.assertRedirects(
            response, reverse("workforce:candidate-detail", args=[self.candidate.pk])
        )
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.REJECTED)
        self.assertTrue(
            CandidateEvent.objects.filter(
                candidate=self.candidate, note="Profil incomplet"
            ).exists()
        )


class TrainingSessionPageTests(RecruitmentPagesTestCase):
    def test_it_opens_a_session_in_the_admins_territory(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("workforce:training-session-new"),
            {
                "name": "Avril",
                "starts_on": "2026-04-06",
                "days": "2",
                "capacity": "12",
                "plateau": self.saint_denis.pk,
            },
        )
        self.assertRedirects(response, reverse("workforce:training-session-list"))
        session = TrainingSession.objects.get(name="Avril")
        self.assertEqual(
            (session.territory, session.capacity, session.plateau), (self.t93, 12, self.saint_denis)
        )

    def test_it_refuses_a_plateau_of_another_territory_and_asks_the_superuser_for_a_territory(self):
        self.client.force_login(self.carol)
        data = {
            "name": "Avril",
            "starts_on": "2026-04-06",
            "days": "2",
            "capacity": "12",
            "plateau": self.paris_plateau.pk,
        }
        response = self.client.post(reverse("workforce:training-session-new"), data)
        self.assertEqual(response.status_code, 400)
        self.client.force_login(self.root)
        response = self.client.post(
            reverse("workforce:training-session-new"), {**data, "plateau": ""}
        )
        self.assertIn("territory", response.context["form"].errors)
        self.assertFalse(TrainingSession.objects.filter(name="Avril").exists())

    def test_it_shows_seats_taken_and_free(self):
        make_candidate(
            self.t93, "+33611000013", stage=Stage.IN_TRAINING, training_session=self.session
        )
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:training-session-list"))
        self.assertContains(response, '<td class="num" data-testid="seats-taken">1</td>')
        self.assertContains(response, '<td class="num" data-testid="seats-free">1</td>')
