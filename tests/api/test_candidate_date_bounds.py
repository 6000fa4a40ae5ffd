from tests.api.test_candidates import CandidatesApiTestCase
from workforce.models.recruitment import CandidateEvent


class CandidateDateBoundsTests(CandidatesApiTestCase):
    def test_it_refuses_far_dates_by_field_and_moves_nothing(self):
        stage = self.candidate.stage
        events = CandidateEvent.objects.count()
        for value in ("0001-01-01T10:00:00", "9999-12-31T10:00:00+02:00", "1999-12-31T10:00"):
            with self.subTest(assessment_at=value):
                response = self.move({"to": "assessment_scheduled", "assessment_at": value})
                self.assertEqual(response.status_code, 400)
                self.assertIn("assessment_at", response.json())
        for value in ("0001-01-01", "9999-12-31"):
            with self.subTest(start_on=value):
                response = self.move({"to": "hired", "start_on": value})
                self.assertEqual(response.status_code, 400)
                self.assertIn("start_on", response.json())
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.stage, stage)
        self.assertEqual(CandidateEvent.objects.count(), events)
