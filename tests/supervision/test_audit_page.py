"""Issue 12 part 7: the audit page (the read log) for the data-protection officer and CPAM
admins, with its CSV export."""

from django.urls import reverse
from django.utils import timezone

from agents import roles
from cases.models import PersonAccess
from cases.services import log_person_access
from tests.base import PersonasTestCase, make_user

PAGE = reverse("supervision:audit")
EXPORT = reverse("supervision:audit-export")


class AuditPageTests(PersonasTestCase):
    def setUp(self):
        now = timezone.now()
        self.dpo = make_user("dpo_user", roles.DPO)
        self.p93 = self.register_case(self.t93).index_case.person
        self.p75 = self.register_case(self.t75, name="Durand", phone="0633333333").index_case.person
        log_person_access(user=self.bob, persons=[self.p93], what="t", now=now)
        log_person_access(user=self.erin, persons=[self.p75], what="t", now=now)

    def rows(self, user, **params):
        self.client.force_login(user)
        response = self.client.get(PAGE, params)
        self.assertEqual(response.status_code, 200)
        return [(a.user.username, a.person_id) for a in response.context["page"].object_list]

    def test_anonymous_goes_to_login_and_other_roles_are_refused(self):
        for url in (PAGE, EXPORT):
            with self.subTest(url=url):
                self.client.logout()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("login", response["Location"])
                for user in (self.alice, self.bob, self.labfeed):
                    self.client.force_login(user)
                    self.assertEqual(self.client.get(url).status_code, 403)
                self.client.force_login(self.carol)
                self.assertEqual(self.client.post(url).status_code, 405)

    def test_a_cpam_admin_sees_their_territory_and_the_dpo_every_one(self):
        self.assertEqual(self.rows(self.carol), [("bob", self.p93.pk)])
        self.assertEqual(self.rows(self.dave), [("erin", self.p75.pk)])
        self.assertEqual(len(self.rows(self.dpo)), 2)
        # Another territory's person is simply not found (a list: no 404 to give).
        self.assertEqual(self.rows(self.carol, person=str(self.p75.pk)), [])

    def test_it_filters_by_person_user_and_period_with_sane_bounds(self):
        self.assertEqual(self.rows(self.dpo, person="durand"), [("erin", self.p75.pk)])
        self.assertEqual(self.rows(self.dpo, username="bob"), [("bob", self.p93.pk)])
        self.assertEqual(self.rows(self.dpo, start="2020-01-01", end="2020-01-31"), [])
        self.client.force_login(self.dpo)
        for start, end in [("2020-01-01", "2026-01-01"), ("2026-02-01", "2026-01-01")]:
            response = self.client.get(PAGE, {"start": start, "end": end})
            self.assertIsNone(response.context["page"])
            self.assertTrue(response.context["form"].errors)

    def test_reading_the_log_is_not_logged_and_its_query_count_is_pinned(self):
        self.client.force_login(self.dpo)
        before = PersonAccess.objects.count()
        # session, user, groups (twice: the decorator and the scope), count, page.
        with self.assertNumQueries(6):
            self.client.get(PAGE)
        self.assertEqual(PersonAccess.objects.count(), before)

    def test_the_csv_export_lists_the_reads_and_is_logged(self):
        self.client.force_login(self.carol)
        response = self.client.get(EXPORT)
        self.assertEqual(response.status_code, 200)
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = content.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn(f";bob;{self.p93.pk};Martin;Paul;t", lines[1])
        self.assertEqual(
            list(PersonAccess.objects.filter(what="audit-export").values_list("user", "person")),
            [(self.carol.pk, self.p93.pk)],
        )

    def test_an_empty_period_says_so(self):
        self.client.force_login(self.carol)
        page = self.client.get(
            reverse("supervision:audit"), {"start": "2001-01-01", "end": "2001-01-31"}
        )
        self.assertContains(page, 'data-testid="audit-rows"')
        self.assertContains(page, 'colspan="4"')
        self.assertEqual(len(page.context["page"].object_list), 0)
