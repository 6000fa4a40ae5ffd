"""Far dates at the desk (interview, notification, callback) are refused by field; nothing is
recorded and the call stays open."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from calls.models import CallAttempt, CallTask
from cases.models import Exposure, Interview, Notification
from tests.calls.test_desk import (
    DeskCallbackTests,
    DeskTestCase,
    a_contact,
    interview_data,
    outcome_data,
)

FAR_DATES = ("0001-01-01", "9999-12-31")


class DeskDateBoundsTests(DeskTestCase):
    contact_call = DeskCallbackTests.contact_call

    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    def test_the_interview_refuses_far_dates(self):
        assignment = self.claim()
        url = reverse("calls:record-outcome", args=[assignment.pk])
        for value in FAR_DATES:
            with self.subTest(symptom_onset_on=value):
                data = {
                    **outcome_data("reached"),
                    **interview_data(**{"interview-symptom_onset_on": value}),
                }
                response = self.client.post(url, data)
                self.assertIn("symptom_onset_on", response.context["script_form"].errors)
            with self.subTest(last_exposure_date=value):
                contact = a_contact("Awa", "0611111111", last_exposure_date=value)
                data = {**outcome_data("reached"), **interview_data(contact)}
                response = self.client.post(url, data)
                self.assertIn("last_exposure_date", response.context["contacts"].forms[0].errors)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(Interview.objects.exists())
        self.assertFalse(Exposure.objects.exclude(index_case=self.case).exists())
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)

    def test_the_notification_refuses_far_dates(self):
        assignment = self.contact_call()
        url = reverse("calls:record-outcome", args=[assignment.pk])
        for value in FAR_DATES:
            with self.subTest(last_exposure_date=value):
                data = {**outcome_data("reached"), "notification-last_exposure_date": value}
                response = self.client.post(url, data)
                self.assertIn("last_exposure_date", response.context["script_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertFalse(Notification.objects.exists())

    def test_a_callback_refuses_far_times_even_with_the_notification_given(self):
        assignment = self.contact_call()
        url = reverse("calls:record-outcome", args=[assignment.pk])
        far_ahead = (timezone.now() + timedelta(days=400)).astimezone(self.t93.zone)
        notification = {
            "notification-last_exposure_date": (
                timezone.localdate() - timedelta(days=1)
            ).isoformat(),
        }
        for value in ("0001-01-01T10:00", "9999-12-31T10:00", far_ahead.strftime("%Y-%m-%dT%H:%M")):
            with self.subTest(callback_at=value):
                data = {
                    **outcome_data("callback", callback_at=value, notification_given="on"),
                    **notification,
                }
                response = self.client.post(url, data)
                self.assertIn("callback_at", response.context["outcome_form"].errors)
        self.assertFalse(CallAttempt.objects.exists())
        self.assertEqual(
            CallTask.objects.get(pk=assignment.task_id).status, CallTask.Status.ASSIGNED
        )
