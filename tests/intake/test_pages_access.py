from django.contrib.auth.models import User
from django.urls import reverse

from cases.models import PersonAccess
from tests.base import PASSWORD, PersonasTestCase, contact


class PagesAccessTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case93 = cls.register_case(
            cls.t93,
            name="Seinesaintdenis",
            external_ref="LAB-93",
            contacts=[contact("Ana", "Silva", "0611111111")],
        ).index_case
        cls.case_pages = [
            reverse("intake:index-case-list"),
            reverse("intake:index-case-detail", args=[cls.case93.pk]),
            reverse("intake:index-case-new"),
            reverse("intake:contact-form-row") + "?contacts-TOTAL_FORMS=1",
            reverse("intake:contact-import"),
        ]

    def test_it_sends_anonymous_users_to_the_login_page(self):
        for url in [reverse("agents:home"), *self.case_pages]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_the_cases_pages_to_a_teleconseiller(self):
        self.client.force_login(self.alice)
        for url in self.case_pages:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(reverse("intake:index-case-new"), {}).status_code, 403)
        self.assertEqual(self.client.post(reverse("intake:contact-import"), {}).status_code, 403)

    def test_it_refuses_the_cases_pages_to_a_lab_feed(self):
        self.client.force_login(self.labfeed)
        for url in self.case_pages:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_opens_the_cases_pages_to_managers_and_the_superuser(self):
        for user in (self.bob, self.carol, self.root):
            self.client.force_login(user)
            for url in self.case_pages:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_hides_an_index_case_of_another_territory(self):
        self.client.force_login(self.dave)
        response = self.client.get(reverse("intake:index-case-detail", args=[self.case93.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"Seinesaintdenis", response.content)
        self.assertFalse(PersonAccess.objects.exists())

    def test_it_lists_nothing_of_another_territory(self):
        self.register_case(self.t75, name="Parisien")
        self.client.force_login(self.dave)
        response = self.client.get(reverse("intake:index-case-list"))
        self.assertContains(response, "PARISIEN")
        self.assertNotContains(response, "SEINESAINTDENIS")
        self.assertNotContains(response, "LAB-93")
        response = self.client.get(reverse("intake:index-case-list"), {"q": "LAB-93"})
        self.assertNotContains(response, "SEINESAINTDENIS")

    def test_it_refuses_wrong_methods(self):
        self.client.force_login(self.carol)
        cases = [
            ("put", reverse("intake:index-case-new")),
            ("delete", reverse("intake:index-case-new")),
            ("put", reverse("intake:contact-import")),
            ("post", reverse("intake:index-case-list")),
            ("post", reverse("intake:index-case-detail", args=[self.case93.pk])),
            ("delete", reverse("intake:index-case-detail", args=[self.case93.pk])),
            ("post", reverse("intake:contact-form-row")),
            ("post", reverse("agents:home")),
        ]
        for method, url in cases:
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 405)

    def test_it_renders_the_login_page_in_french_by_default(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="fr">')
        self.assertContains(response, 'name="username"')
        self.assertContains(response, 'name="password"')
        self.assertContains(response, 'type="password"')

    def test_it_logs_in_and_lands_on_home(self):
        response = self.client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
        self.assertRedirects(response, reverse("agents:home"))

    def test_it_shows_the_error_of_a_wrong_password(self):
        response = self.client.post(reverse("login"), {"username": "carol", "password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertContains(response, 'class="alert alert--error"')

    def test_it_refuses_a_role_without_a_territory_on_the_write_pages(self):
        orphan = User.objects.create_user("orphan", password=PASSWORD)
        orphan.groups.add(*self.carol.groups.all())
        self.client.force_login(orphan)
        self.assertEqual(self.client.get(reverse("intake:index-case-new")).status_code, 403)
        self.assertEqual(self.client.get(reverse("intake:contact-import")).status_code, 403)
