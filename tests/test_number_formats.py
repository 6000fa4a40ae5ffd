"""Numbers on pages are grouped by thousands as French writes them (« 12 345 »); what machines read
stays plain: CSV cells, JSON, ids in attributes and URLs."""

import csv
import io
from datetime import timedelta

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format

from agents.models import AgentDay
from supervision.models import SlaDay
from supervision.services.board import refresh_boards
from tests.api.base import ApiTestCase
from tests.base import PersonasTestCase


def grouped(number: str) -> str:
    """12345 as the page's language groups it: « 12 345 » in French, with Django's space."""
    separator = get_format("THOUSAND_SEPARATOR")
    return f"{number[:-3]}{separator}{number[-3:]}"


class NumberFormatTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate(timezone=cls.t93.zone)
        SlaDay.objects.create(
            territory=cls.t93,
            day=cls.today - timedelta(days=1),
            contacts_due=12345,
            contacts_reached_in_time=12000,
            computed_at=timezone.now(),
        )

    def report_range(self) -> dict:
        day = (self.today - timedelta(days=1)).isoformat()
        return {"start": day, "end": day}

    def test_the_sla_report_groups_thousands(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:sla-report"), self.report_range())
        self.assertContains(response, grouped("12345"))
        self.assertNotContains(response, ">12345<")
        self.assertEqual(get_format("THOUSAND_SEPARATOR"), "\xa0")  # fr, Django 5.2

    def test_the_sla_csv_stays_plain(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:sla-report-csv"), self.report_range())
        body = b"".join(response.streaming_content).decode("utf-8")[1:]
        header, row = list(csv.reader(io.StringIO(body), delimiter=";"))[:2]
        self.assertEqual(row[2:4], ["12345", "12000"])
        share = next(i for i, name in enumerate(header) if name.endswith("(%)"))
        self.assertEqual(row[share], "97,2")  # the decimal comma, no separator

    def test_the_board_groups_thousands_and_keeps_ids_plain_in_attributes(self):
        cache.clear()
        AgentDay.objects.create(agent=self.alice.agent, day=self.today, calls=12345, reached=2)
        refresh_boards(now=timezone.now())
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:plateau"))
        self.assertContains(response, grouped("12345"))
        html = response.content.decode()
        # No attribute carries a grouped number: what a script or a URL reads stays plain.
        self.assertNotRegex(html, r'="[^"]*\d\xa0\d{3}[^"]*"')


class ApiNumberTests(ApiTestCase):
    def test_json_stays_plain(self):
        cache.clear()
        today = timezone.localdate(timezone=self.t93.zone)
        AgentDay.objects.create(agent=self.alice.agent, day=today, calls=12345)
        refresh_boards(now=timezone.now())
        self.as_token(self.bob)
        response = self.api.get(reverse("api:supervision-agents"))
        self.assertEqual(response.status_code, 200)
        rows = {row["username"]: row for row in response.json()}
        self.assertEqual(rows["alice"]["calls_today"], 12345)
        self.assertIn(b'"calls_today":12345', response.content.replace(b" ", b""))
