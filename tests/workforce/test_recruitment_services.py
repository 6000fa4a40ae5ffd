from datetime import date, timedelta
from unittest import mock

from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone, translation

from agents import roles
from agents.models import Agent, Language
from tests.base import PASSWORD, PersonasTestCase, make_user
from workforce import tasks
from workforce.exceptions import (
    CandidateInputRefused,
    CandidateTransitionRefused,
    TrainingSessionRefused,
)
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.selectors.recruitment import (
    candidates_for_list,
    pipeline_board,
    training_sessions_with_seats,
)
from workforce.services import recruitment as services
from workforce.services.contracts import fixed_term_end
from workforce.services.recruitment import TRANSITIONS, CandidateData

Stage = Candidate.Stage
NEW_PASSWORD = "Tracing-Center-2026"


def make_candidate(
    territory, phone: str, *, stage: str = Stage.APPLIED, languages=("fr",), **fields
) -> Candidate:
    """Put a candidate straight at a stage, as the pipeline would have left them."""
    candidate = Candidate.objects.create(
        territory=territory,
        first_name="Nadia",
        last_name="Haddad",
        phone=phone,
        stage=stage,
        **fields,
    )
    candidate.languages.set(Language.objects.filter(code__in=languages))
    return candidate


def make_session(
    territory, *, capacity: int = 2, starts_on: date | None = None, name: str = "Cohorte"
) -> TrainingSession:
    return TrainingSession.objects.create(
        territory=territory,
        name=name,
        starts_on=starts_on or timezone.localdate() + timedelta(days=3),
        capacity=capacity,
    )


class RecruitmentTestCase(PersonasTestCase):
    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.now = timezone.now()

    def trained(self, phone: str = "+33611000001", **fields) -> Candidate:
        session = make_session(self.t93)
        return make_candidate(
            self.t93,
            phone,
            stage=Stage.TRAINED,
            languages=("fr", "ar"),
            assessment_score=80,
            assessment_passed=True,
            training_session=session,
            email="nadia@example.org",
            **fields,
        )

    def hire(self, candidate: Candidate, **overrides) -> Candidate:
        arguments = {
            "candidate": candidate,
            "by": self.carol,
            "username": "nhaddad",
            "password": NEW_PASSWORD,
            "plateau": self.saint_denis,
            "team": self.team_a,
            "contract_kind": Contract.Kind.CDD,
            "months": 6,
            "start_on": date(2026, 1, 15),
            "now": self.now,
        }
        arguments.update(overrides)
        with mock.patch(
            "workforce.services.recruitment.timezone.localdate", return_value=date(2026, 1, 10)
        ):
            return services.hire_candidate(**arguments)


class AddCandidateTests(RecruitmentTestCase):
    def test_it_records_a_candidate_at_the_stage_applied_with_its_first_event(self):
        data = CandidateData(
            first_name="Nadia",
            last_name="Haddad",
            phone="+33611223344",
            languages=list(Language.objects.filter(code__in=["fr", "ar"])),
            source=Candidate.Source.TEMP_AGENCY,
        )
        candidate = services.add_candidate(
            territory=self.t93, data=data, by=self.carol, now=self.now
        )
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.APPLIED)
        self.assertEqual(candidate.last_heard_at, self.now)
        self.assertEqual(set(candidate.languages.values_list("code", flat=True)), {"fr", "ar"})
        event = candidate.events.get()
        self.assertEqual(
            (event.from_stage, event.to_stage, event.by), ("", Stage.APPLIED, self.carol)
        )

    def test_it_refuses_the_phone_of_an_open_candidate_but_not_of_a_closed_one(self):
        make_candidate(self.t93, "+33611223344")
        make_candidate(self.t93, "+33655667788", stage=Stage.REJECTED)
        data = CandidateData(first_name="A", last_name="B", phone="+33611223344", languages=[])
        with self.assertRaises(CandidateInputRefused) as raised:
            services.add_candidate(territory=self.t93, data=data, by=self.carol, now=self.now)
        self.assertIn("phone", raised.exception.errors)
        self.assertEqual(Candidate.objects.count(), 2)
        again = CandidateData(first_name="A", last_name="B", phone="+33655667788", languages=[])
        services.add_candidate(territory=self.t93, data=again, by=self.carol, now=self.now)
        # Another territory's open candidate with the same phone is another file.
        services.add_candidate(
            territory=self.t75,
            data=CandidateData(first_name="A", last_name="B", phone="+33611223344", languages=[]),
            by=None,
            now=self.now,
        )
        self.assertEqual(Candidate.objects.count(), 4)


class PipelineTests(RecruitmentTestCase):
    def test_it_takes_a_candidate_from_application_to_hiring(self):
        candidate = make_candidate(
            self.t93, "+33611000001", languages=("fr", "ar"), email="nadia@example.org"
        )
        session = make_session(self.t93)
        at = self.now + timedelta(days=2)
        steps = [
            lambda now: services.schedule_assessment(
                candidate=candidate, at=at, by=self.carol, now=now
            ),
            lambda now: services.record_assessment(
                candidate=candidate, score=72, passed=True, by=self.carol, now=now
            ),
            lambda now: services.enrol_in_training(
                candidate=candidate, session=session, by=self.carol, now=now
            ),
            lambda now: services.complete_training(candidate=candidate, by=self.carol, now=now),
        ]
        for minutes, step in enumerate(steps, start=1):
            step(self.now + timedelta(minutes=minutes))
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.TRAINED)
        self.assertEqual(candidate.assessment_at, at)
        self.assertEqual(
            (candidate.assessment_score, candidate.assessment_passed, candidate.assessed_by),
            (72, True, self.carol),
        )
        self.assertEqual(candidate.training_session, session)
        self.assertEqual(candidate.stage_changed_at, self.now + timedelta(minutes=4))
        self.assertEqual(candidate.last_heard_at, self.now + timedelta(minutes=4))
        self.hire(candidate, now=self.now + timedelta(minutes=5))
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.HIRED)
        self.assertEqual(
            list(candidate.events.order_by("at").values_list("from_stage", "to_stage")),
            [
                (Stage.APPLIED, Stage.ASSESSMENT_SCHEDULED),
                (Stage.ASSESSMENT_SCHEDULED, Stage.ASSESSED),
                (Stage.ASSESSED, Stage.IN_TRAINING),
                (Stage.IN_TRAINING, Stage.TRAINED),
                (Stage.TRAINED, Stage.HIRED),
            ],
        )
        self.assertTrue(all(event.by == self.carol for event in candidate.events.all()))

    def test_it_follows_the_transition_table_for_every_stage_and_every_move(self):
        session = make_session(self.t93, capacity=50)
        moves = {
            Stage.ASSESSMENT_SCHEDULED: lambda c: services.schedule_assessment(
                candidate=c, at=self.now, by=self.carol, now=self.now
            ),
            Stage.ASSESSED: lambda c: services.record_assessment(
                candidate=c, score=60, passed=True, by=self.carol, now=self.now
            ),
            Stage.IN_TRAINING: lambda c: services.enrol_in_training(
                candidate=c, session=session, by=self.carol, now=self.now
            ),
            Stage.TRAINED: lambda c: services.complete_training(
                candidate=c, by=self.carol, now=self.now
            ),
            Stage.HIRED: lambda c: self.hire(c, username=f"hire{c.pk}"),
            Stage.REJECTED: lambda c: services.reject_candidate(
                candidate=c, by=self.carol, now=self.now
            ),
            Stage.WITHDRAWN: lambda c: services.withdraw_candidate(
                candidate=c, by=self.carol, now=self.now
            ),
        }
        number = 0
        for stage in Stage.values:
            for to, move in moves.items():
                number += 1
                with self.subTest(stage=stage, to=to):
                    extra = {"assessment_passed": True} if stage == Stage.ASSESSED else {}
                    if stage == Stage.HIRED:
                        extra["agent"] = make_user(
                            f"hired{number}", roles.TELECONSEILLER, territory=self.t93
                        ).agent
                    candidate = make_candidate(
                        self.t93, f"+336120000{number:02d}", stage=stage, **extra
                    )
                    if to in TRANSITIONS[stage]:
                        move(candidate)
                        candidate.refresh_from_db()
                        self.assertEqual(candidate.stage, to)
                        self.assertEqual(candidate.events.get().to_stage, to)
                    else:
                        with self.assertRaises(CandidateTransitionRefused):
                            move(candidate)
                        candidate.refresh_from_db()
                        self.assertEqual(candidate.stage, stage)
                        self.assertFalse(candidate.events.exists())

    def test_it_lets_a_failed_assessment_go_only_to_rejected(self):
        candidate = make_candidate(self.t93, "+33611000002", stage=Stage.ASSESSMENT_SCHEDULED)
        services.record_assessment(
            candidate=candidate, score=30, passed=False, by=self.bob, now=self.now
        )
        session = make_session(self.t93)
        with self.assertRaises(CandidateTransitionRefused):
            services.enrol_in_training(
                candidate=candidate, session=session, by=self.carol, now=self.now
            )
        with self.assertRaises(CandidateTransitionRefused):
            services.withdraw_candidate(candidate=candidate, by=self.carol, now=self.now)
        candidate.refresh_from_db()
        self.assertEqual((candidate.stage, candidate.assessed_by), (Stage.ASSESSED, self.bob))
        services.reject_candidate(
            candidate=candidate, by=self.carol, now=self.now, note="Score too low"
        )
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.REJECTED)
        self.assertEqual(candidate.events.last().note, "Score too low")

    def test_it_refuses_a_score_out_of_0_to_100(self):
        candidate = make_candidate(self.t93, "+33611000003", stage=Stage.ASSESSMENT_SCHEDULED)
        with self.assertRaises(CandidateInputRefused):
            services.record_assessment(
                candidate=candidate, score=101, passed=True, by=self.carol, now=self.now
            )
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.ASSESSMENT_SCHEDULED)
        self.assertIsNone(candidate.assessment_score)

    def test_it_records_an_answer_only_for_an_open_candidate(self):
        old = self.now - timedelta(days=20)
        candidate = make_candidate(self.t93, "+33611000004", last_heard_at=old)
        services.record_candidate_answer(candidate=candidate, now=self.now)
        candidate.refresh_from_db()
        self.assertEqual((candidate.last_heard_at, candidate.stage), (self.now, Stage.APPLIED))
        closed = make_candidate(self.t93, "+33611000005", stage=Stage.NO_ANSWER, last_heard_at=old)
        with self.assertRaises(CandidateTransitionRefused):
            services.record_candidate_answer(candidate=closed, now=self.now)
        closed.refresh_from_db()
        self.assertEqual(closed.last_heard_at, old)


class TrainingCapacityTests(RecruitmentTestCase):
    def test_it_refuses_a_full_session_and_frees_the_seat_of_one_who_withdraws(self):
        session = make_session(self.t93, capacity=1)
        first = make_candidate(
            self.t93, "+33611000011", stage=Stage.ASSESSED, assessment_passed=True
        )
        second = make_candidate(
            self.t93, "+33611000012", stage=Stage.ASSESSED, assessment_passed=True
        )
        services.enrol_in_training(candidate=first, session=session, by=self.carol, now=self.now)
        with self.assertRaisesMessage(TrainingSessionRefused, "full"):
            services.enrol_in_training(
                candidate=second, session=session, by=self.carol, now=self.now
            )
        second.refresh_from_db()
        self.assertEqual((second.stage, second.training_session), (Stage.ASSESSED, None))
        self.assertFalse(second.events.exists())
        services.withdraw_candidate(candidate=first, by=self.carol, now=self.now)
        services.enrol_in_training(candidate=second, session=session, by=self.carol, now=self.now)
        second.refresh_from_db()
        self.assertEqual(second.stage, Stage.IN_TRAINING)
        seats = training_sessions_with_seats(user=self.carol).get(pk=session.pk)
        self.assertEqual((seats.seats_taken, seats.seats_free), (1, 0))

    def test_it_counts_trained_and_hired_candidates_as_seats_taken(self):
        session = make_session(self.t93, capacity=2)
        make_candidate(self.t93, "+33611000013", stage=Stage.TRAINED, training_session=session)
        make_candidate(self.t93, "+33611000014", stage=Stage.REJECTED, training_session=session)
        self.trained("+33611000015")
        hired = make_candidate(
            self.t93, "+33611000016", stage=Stage.TRAINED, training_session=session
        )
        self.hire(hired)
        waiting = make_candidate(
            self.t93, "+33611000017", stage=Stage.ASSESSED, assessment_passed=True
        )
        with self.assertRaises(TrainingSessionRefused):
            services.enrol_in_training(
                candidate=waiting, session=session, by=self.carol, now=self.now
            )

    def test_it_refuses_a_session_of_another_territory_or_already_over(self):
        candidate = make_candidate(
            self.t93, "+33611000018", stage=Stage.ASSESSED, assessment_passed=True
        )
        paris = make_session(self.t75)
        over = make_session(self.t93, starts_on=timezone.localdate() - timedelta(days=5))
        for session in (paris, over):
            with self.subTest(session=session.pk), self.assertRaises(TrainingSessionRefused):
                services.enrol_in_training(
                    candidate=candidate, session=session, by=self.carol, now=self.now
                )
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.ASSESSED)
        # A session in its second (last) day still takes a late candidate.
        ongoing = make_session(
            self.t93,
            starts_on=timezone.localdate(self.now, timezone=self.t93.zone) - timedelta(days=1),
        )
        services.enrol_in_training(
            candidate=candidate, session=ongoing, by=self.carol, now=self.now
        )


class HireTests(RecruitmentTestCase):
    def test_it_creates_the_account_the_agent_and_a_cdd_in_one_step(self):
        candidate = self.trained()
        self.hire(candidate)
        candidate.refresh_from_db()
        user = User.objects.get(username="nhaddad")
        self.assertTrue(user.check_password(NEW_PASSWORD))
        self.assertEqual(
            (user.first_name, user.last_name, user.email), ("Nadia", "Haddad", "nadia@example.org")
        )
        self.assertEqual(roles.roles_of(user), {roles.TELECONSEILLER})
        agent = user.agent
        self.assertEqual(candidate.agent, agent)
        self.assertEqual(
            (agent.territory, agent.plateau, agent.team), (self.t93, self.saint_denis, self.team_a)
        )
        self.assertEqual(agent.employer, Agent.Employer.FIXED_TERM)
        self.assertEqual(set(agent.languages.values_list("code", flat=True)), {"fr", "ar"})
        contract = agent.contracts.get()
        self.assertEqual(
            (contract.kind, contract.start_on, contract.end_on),
            (Contract.Kind.CDD, date(2026, 1, 15), date(2026, 7, 14)),
        )
        event = candidate.events.get()
        self.assertEqual(
            (event.from_stage, event.to_stage, event.by), (Stage.TRAINED, Stage.HIRED, self.carol)
        )

    def test_it_hires_on_a_cdi_without_an_end(self):
        candidate = self.trained()
        self.hire(candidate, contract_kind=Contract.Kind.CDI, months=None, team=None)
        contract = Contract.objects.get(agent__user__username="nhaddad")
        self.assertEqual((contract.kind, contract.end_on), (Contract.Kind.CDI, None))

    def test_it_computes_the_end_of_a_3_month_cdd_at_a_month_end(self):
        # The same rule as a renewal's: from 30 November, three months run to the end of February.
        self.assertEqual(fixed_term_end(start_on=date(2026, 11, 30), months=3), date(2027, 2, 28))
        self.assertEqual(fixed_term_end(start_on=date(2026, 1, 1), months=3), date(2026, 3, 31))

    def assert_nothing_hired(self, candidate: Candidate, users_before: int) -> None:
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.TRAINED)
        self.assertIsNone(candidate.agent)
        self.assertFalse(candidate.events.exists())
        self.assertEqual(User.objects.count(), users_before)
        self.assertFalse(Agent.objects.filter(user__username__in=["nhaddad", "Alice"]).exists())
        self.assertEqual(Contract.objects.count(), 1)  # alice's, from the personas

    def test_it_creates_nothing_when_the_username_is_taken(self):
        candidate = self.trained()
        users_before = User.objects.count()
        with self.assertRaises(CandidateInputRefused) as raised:
            self.hire(candidate, username="Alice")
        self.assertEqual(list(raised.exception.errors), ["username"])
        self.assert_nothing_hired(candidate, users_before)

    def test_it_creates_nothing_when_the_username_is_taken_between_the_check_and_the_insert(self):
        candidate = self.trained()
        users_before = User.objects.count()
        with (
            mock.patch("workforce.services.recruitment.hiring_errors", return_value={}),
            self.assertRaises(CandidateInputRefused),
        ):
            self.hire(candidate, username="alice")
        self.assert_nothing_hired(candidate, users_before)
        self.assertTrue(User.objects.get(username="alice").check_password(PASSWORD))

    def test_it_refuses_bad_hiring_details_field_by_field(self):
        candidate = self.trained()
        users_before = User.objects.count()
        cases = {
            "password": {"password": "short"},
            "plateau": {"plateau": self.paris_plateau, "team": None},
            "months": {"months": 4},
            "start_on": {"start_on": date(2025, 1, 1)},
        }
        for field, overrides in cases.items():
            with self.subTest(field=field), self.assertRaises(CandidateInputRefused) as raised:
                self.hire(candidate, **overrides)
            self.assertIn(field, raised.exception.errors)
        self.assert_nothing_hired(candidate, users_before)

    def test_it_hires_only_a_trained_candidate(self):
        candidate = make_candidate(self.t93, "+33611000021", stage=Stage.IN_TRAINING)
        users_before = User.objects.count()
        with self.assertRaises(CandidateTransitionRefused):
            self.hire(candidate)
        self.assertEqual(User.objects.count(), users_before)


@override_settings(CANDIDATE_NO_ANSWER_DAYS=30)
class NoAnswerSweepTests(RecruitmentTestCase):
    def test_it_closes_the_silent_candidates_once_however_often_it_runs(self):
        silent = self.now - timedelta(days=31)
        closing = [
            make_candidate(self.t93, "+33611000031", stage=stage, last_heard_at=silent)
            for stage in (Stage.APPLIED, Stage.ASSESSMENT_SCHEDULED, Stage.ASSESSED, Stage.TRAINED)
        ]
        recent = make_candidate(
            self.t93, "+33611000035", last_heard_at=self.now - timedelta(days=29)
        )
        in_training = make_candidate(
            self.t93, "+33611000036", stage=Stage.IN_TRAINING, last_heard_at=silent
        )
        rejected = make_candidate(
            self.t93, "+33611000037", stage=Stage.REJECTED, last_heard_at=silent
        )

        self.assertEqual(services.close_unanswered_candidates(now=self.now), 4)
        self.assertEqual(
            services.close_unanswered_candidates(now=self.now + timedelta(minutes=1)), 0
        )

        for candidate, stage in zip(
            closing,
            (Stage.APPLIED, Stage.ASSESSMENT_SCHEDULED, Stage.ASSESSED, Stage.TRAINED),
            strict=True,
        ):
            candidate.refresh_from_db()
            self.assertEqual(
                (candidate.stage, candidate.stage_changed_at), (Stage.NO_ANSWER, self.now)
            )
            event = candidate.events.get()
            self.assertEqual(
                (event.from_stage, event.to_stage, event.by, event.at),
                (stage, Stage.NO_ANSWER, None, self.now),
            )
        for candidate, stage in (
            (recent, Stage.APPLIED),
            (in_training, Stage.IN_TRAINING),
            (rejected, Stage.REJECTED),
        ):
            candidate.refresh_from_db()
            self.assertEqual(candidate.stage, stage)
        self.assertEqual(CandidateEvent.objects.count(), 4)

    def test_it_spares_a_candidate_who_answered_recently(self):
        candidate = make_candidate(
            self.t93, "+33611000038", last_heard_at=self.now - timedelta(days=40)
        )
        services.record_candidate_answer(candidate=candidate, now=self.now - timedelta(days=2))
        self.assertEqual(services.close_unanswered_candidates(now=self.now), 0)
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.APPLIED)

    def test_it_leaves_a_failed_assessment_to_the_admins_rejection(self):
        failed = make_candidate(
            self.t93,
            "+33611000042",
            stage=Stage.ASSESSED,
            last_heard_at=self.now - timedelta(days=40),
            assessment_passed=False,
        )
        self.assertEqual(services.close_unanswered_candidates(now=self.now), 0)
        failed.refresh_from_db()
        self.assertEqual(failed.stage, Stage.ASSESSED)

    @override_settings(CANDIDATE_NO_ANSWER_DAYS=7)
    def test_it_reads_the_delay_from_the_settings(self):
        make_candidate(self.t93, "+33611000039", last_heard_at=self.now - timedelta(days=8))
        self.assertEqual(services.close_unanswered_candidates(now=self.now), 1)

    def test_it_runs_as_a_celery_task(self):
        candidate = make_candidate(
            self.t93, "+33611000040", last_heard_at=timezone.now() - timedelta(days=45)
        )
        result = tasks.close_unanswered_candidates.delay()
        self.assertEqual(result.get(), 1)
        candidate.refresh_from_db()
        self.assertEqual(candidate.stage, Stage.NO_ANSWER)

    def test_it_shows_a_closed_candidate_in_the_list_and_on_the_board(self):
        candidate = make_candidate(
            self.t93, "+33611000041", last_heard_at=self.now - timedelta(days=31)
        )
        services.close_unanswered_candidates(now=self.now)
        self.assertEqual(
            list(candidates_for_list(user=self.carol, stage=Stage.NO_ANSWER)), [candidate]
        )
        board = pipeline_board(user=self.carol)
        counts = {row.stage: row.count for row in board.stages}
        self.assertEqual(counts[Stage.NO_ANSWER], 1)
        self.assertEqual(board.open_total, 0)
        self.assertEqual(
            board.languages[0].counts[list(Stage.values).index(Stage.NO_ANSWER)],
            (Stage.NO_ANSWER, 1),
        )
