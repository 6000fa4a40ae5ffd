"""The CDR file imported from the admin: superusers only (a carrier's file holds every
territory's calls), all or nothing with the errors by line."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calls.models import CarrierCall, CarrierEvent
from tests.base import PersonasTestCase
from tests.calls.test_carrier_cdr import GOOD, HEADER

URL = reverse("admin:calls_carriercall_import_cdr")


class CdrAdminTests(PersonasTestCase):
    def upload(self, text: str):
        upload = SimpleUploadedFile("cdr.csv", text.encode(), content_type="text/csv")
        return self.client.post(
            URL, {"carrier": "sim", "file": upload}, headers={"accept-language": "en"}
        )

    def test_a_superuser_imports_a_file(self):
        self.client.force_login(self.root)
        self.assertContains(self.client.get(reverse("admin:calls_carriercall_changelist")), URL)
        response = self.upload(HEADER + GOOD)
        self.assertRedirects(response, reverse("admin:calls_carriercall_changelist"))
        self.assertEqual(CarrierCall.objects.count(), 3)

    def test_a_bad_file_shows_its_lines_and_writes_nothing(self):
        self.client.force_login(self.root)
        self.client.cookies["django_language"] = "en"
        response = self.upload(HEADER + GOOD + "c-9,,soon,,soon,,lost,x\n")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "line 5: started_at")
        self.assertContains(response, "line 5: status")
        self.assertFalse(CarrierEvent.objects.exists())

    def test_a_cpam_admin_may_not_import(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.assertEqual(self.upload(HEADER + GOOD).status_code, 403)
        self.assertFalse(CarrierCall.objects.exists())
