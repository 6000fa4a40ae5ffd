from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.api.base import ApiTestCase
from tests.workforce.test_recruitment_services import NEW_PASSWORD, make_candidate, make_session
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent

Stage = Candidate.Stage


class CandidatesApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidate = make_candidate(cls.t93, "+33611000001", languages=("fr", "tr"))
        cls.session = make_session(cls.t93)

    def list_url(self) -> str:
        return reverse("api:candidates")

    def detail_url(self, candidate: Candidate | None = None) -> str:
        return reverse("api:candidate-detail", args=[(candidate or self.candidate).pk])

    def move_url(self, candidate: Candidate | None = None) -> str:
        return reverse("api:candidate-transition", args=[(candidate or self.candidate).pk])

    def move(self, data: dict, candidate: Candidate | None = None, user=None):
        self.as_token(user or self.carol)
        return self.api.post(self.move_url(candidate), data, format="json")


class AccessTests(CandidatesApiTestCase):
    def test_it_answers_401_to_anonymous_callers(self):
        for method, url in (
            ("get", self.list_url()),
            ("post", self.list_url()),
            ("get", self.detail_url()),
            ("post", self.move_url()),
        ):
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.api, method)(url, {}, format="json").status_code, 401)

    def test_it_refuses_teleconseillers_and_supervisors(self):
        for user in (self.alice, self.bob):
            self.as_token(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.api.get(self.list_url()).status_code, 403)
                self.assertEqual(self.api.get(self.detail_url()).status_code, 403)
                response = self.api.post(self.move_url(), {"to": "rejected"}, format="json")
                self.assertEqual(response.status_code, 403)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.APPLIED)

    def test_it_hides_a_candidate_of_another_territory(self):
        self.as_token(self.dave)
        self.assertEqual(self.api.get(self.detail_url()).status_code, 404)
        self.assertEqual(
            self.api.post(self.move_url(), {"to": "rejected"}, format="json").status_code, 404
        )
        self.assertEqual(self.api.get(self.list_url()).json()["results"], [])
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.APPLIED)

    def test_it_refuses_wrong_methods(self):
        self.as_token(self.carol)
        for method, url in (
            ("put", self.list_url()),
            ("delete", self.detail_url()),
            ("post", self.detail_url()),
            ("get", self.move_url()),
        ):
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.api, method)(url).status_code, 405)


class ListTests(CandidatesApiTestCase):
    def test_it_lists_the_territorys_candidates_and_filters_by_stage(self):
        trained = make_candidate(self.t93, "+33611000002", stage=Stage.TRAINED)
        make_candidate(self.t75, "+33611000003")
        self.as_token(self.carol)
        body = self.api.get(self.list_url()).json()
        self.assertEqual(body["count"], 2)
        self.assertEqual({row["id"] for row in body["results"]}, {self.candidate.pk, trained.pk})
        row = next(row for row in body["results"] if row["id"] == self.candidate.pk)
        self.assertEqual(
            (row["territory"], row["phone"], sorted(row["languages"])),
            ("93", "+33611000001", ["fr", "tr"]),
        )
        self.assertEqual(
            sorted(row["allowed_moves"]), ["assessment_scheduled", "rejected", "withdrawn"]
        )
        body = self.api.get(self.list_url(), {"stage": "trained"}).json()
        self.assertEqual([row["id"] for row in body["results"]], [trained.pk])
        self.assertEqual(self.api.get(self.list_url(), {"stage": "nowhere"}).status_code, 400)

    def test_it_lets_the_superuser_see_every_territory(self):
        make_candidate(self.t75, "+33611000003")
        self.as_token(self.root)
        self.assertEqual(self.api.get(self.list_url()).json()["count"], 2)

    def test_it_lists_in_a_constant_number_of_queries(self):
        self.as_token(self.carol)
        with CaptureQueriesContext(connection) as before:
            self.api.get(self.list_url())
        for n in range(10):
            make_candidate(
                self.t93,
                f"+336110010{n:02d}",
                stage=Stage.ASSESSED,
                languages=("fr", "ar"),
                assessed_by=self.carol,
            )
        with self.assertNumQueries(len(before)):
            response = self.api.get(self.list_url())
        self.assertEqual(response.json()["count"], 11)


class CreateTests(CandidatesApiTestCase):
    def payload(self, **overrides) -> dict:
        return {
            "first_name": "Ana",
            "last_name": "Silva",
            "phone": "06 12 34 56 78",
            "languages": ["fr", "pt"],
            **overrides,
        }

    def test_it_creates_a_candidate_in_the_admins_territory(self):
        self.as_token(self.carol)
        response = self.api.post(self.list_url(), self.payload(source="temp_agency"), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        candidate = Candidate.objects.get(pk=response.json()["id"])
        self.assertEqual(
            (candidate.territory, candidate.phone, candidate.source),
            (self.t93, "+33612345678", "temp_agency"),
        )
        self.assertEqual(response.json()["stage"], "applied")
        self.assertEqual(candidate.events.get().by, self.carol)

    def test_it_refuses_another_territory_named_in_the_body(self):
        self.as_token(self.carol)
        response = self.api.post(self.list_url(), self.payload(territory="75"), format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Candidate.objects.count(), 1)

    def test_it_makes_the_superuser_name_the_territory(self):
        self.as_token(self.root)
        self.assertEqual(
            self.api.post(self.list_url(), self.payload(), format="json").status_code, 400
        )
        response = self.api.post(
            self.list_url(), self.payload(territory="974", phone="0692123456"), format="json"
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            (response.json()["territory"], response.json()["phone"]), ("974", "+262692123456")
        )

    def test_it_answers_field_errors(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.list_url(), self.payload(phone="+33611000001", languages=["xx"]), format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"phone", "languages"})
        self.assertEqual(Candidate.objects.count(), 1)


class TransitionTests(CandidatesApiTestCase):
    def test_it_moves_a_candidate_through_the_pipeline(self):
        at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
        response = self.move({"to": "assessment_scheduled", "assessment_at": at.isoformat()})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["stage"], "assessment_scheduled")
        response = self.move({"to": "assessed", "score": 85, "passed": True, "note": "Clear voice"})
        self.assertEqual(response.json()["assessed_by"], "carol")
        response = self.move({"to": "in_training", "training_session": self.session.pk})
        self.assertEqual(response.json()["training_session"], self.session.pk)
        response = self.move({"to": "trained"})
        self.assertEqual(response.json()["allowed_moves"], ["hired", "rejected", "withdrawn"])
        start = timezone.localdate() + timedelta(days=3)
        response = self.move(
            {
                "to": "hired",
                "username": "asilva",
                "password": NEW_PASSWORD,
                "plateau": self.saint_denis.pk,
                "team": self.team_a.pk,
                "contract_kind": "cdd",
                "months": 6,
                "start_on": start.isoformat(),
            }
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["stage"], "hired")
        self.assertEqual([event["to_stage"] for event in body["events"]][-2:], ["trained", "hired"])
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.assessment_at, at)
        contract = Contract.objects.get(agent=self.candidate.agent)
        self.assertEqual((contract.kind, contract.start_on), ("cdd", start))
        self.assertEqual(self.candidate.agent.user.username, "asilva")

    def test_it_answers_409_to_a_refused_move_and_writes_nothing(self):
        response = self.move({"to": "trained"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "candidate_transition_refused")
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, Stage.APPLIED)
        self.assertFalse(CandidateEvent.objects.exists())

    def test_it_answers_409_for_a_full_session(self):
        full = make_session(self.t93, capacity=1, name="Full")
        make_candidate(self.t93, "+33611000004", stage=Stage.IN_TRAINING, training_session=full)
        candidate = make_candidate(
            self.t93, "+33611000005", stage=Stage.ASSESSED, assessment_passed=True
        )
        response = self.move({"to": "in_training", "training_session": full.pk}, candidate)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "training_session_refused")

    def test_it_answers_400_for_missing_fields_or_another_territorys_session(self):
        candidate = make_candidate(
            self.t93, "+33611000006", stage=Stage.ASSESSED, assessment_passed=True
        )
        paris = make_session(self.t75)
        response = self.move({"to": "in_training"}, candidate)
        self.assertEqual((response.status_code, list(response.json())), (400, ["training_session"]))
        response = self.move({"to": "in_training", "training_session": paris.pk}, candidate)
        self.assertEqual((response.status_code, list(response.json())), (400, ["training_session"]))
        response = self.move({"to": "no_answer"}, candidate)
        self.assertEqual((response.status_code, list(response.json())), (400, ["to"]))
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.ASSESSED)

    def test_a_cpam_admin_cannot_hire_a_cpam_admin(self):
        # Issue 12 part 6: only a national admin makes CPAM admins, on every channel.
        candidate = make_candidate(self.t93, "+33611000008", stage=Stage.TRAINED)
        response = self.move(
            {
                "to": "hired",
                "username": "asilva",
                "password": NEW_PASSWORD,
                "plateau": self.saint_denis.pk,
                "role": "admin_cpam",
                "contract_kind": "cdi",
                "start_on": timezone.localdate().isoformat(),
            },
            candidate,
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("role", response.json())
        self.assertFalse(User.objects.filter(username="asilva").exists())

    def test_it_refuses_a_taken_username_and_creates_nothing(self):
        candidate = make_candidate(self.t93, "+33611000007", stage=Stage.TRAINED)
        users = User.objects.count()
        response = self.move(
            {
                "to": "hired",
                "username": "ALICE",
                "password": "123",
                "plateau": self.saint_denis.pk,
                "contract_kind": "cdd",
                "start_on": timezone.localdate().isoformat(),
            },
            candidate,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"username", "password", "months"})
        response = self.move(
            {
                "to": "hired",
                "username": "asilva",
                "password": NEW_PASSWORD,
                "plateau": self.paris_plateau.pk,
                "contract_kind": "cdi",
                "start_on": timezone.localdate().isoformat(),
            },
            candidate,
        )
        self.assertEqual((response.status_code, list(response.json())), (400, ["plateau"]))
        candidate.refresh_from_db()
        self.assertEqual((candidate.stage, candidate.agent), (Stage.TRAINED, None))
        self.assertEqual(User.objects.count(), users)
