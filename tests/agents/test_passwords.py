"""Passwords: every user changes theirs, a forgotten one is reset by e-mail, and an agent whose
password someone else chose changes it at their first login before anything else."""

import re
from datetime import date

from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from agents import roles
from agents.models import Language
from tests.base import PASSWORD, PersonasTestCase
from workforce.services.staff import create_agent

NEW_PASSWORD = "Another-Secret-77"


class PasswordChangeTests(PersonasTestCase):
    def test_it_lets_any_user_change_their_password_in_french(self):
        self.client.force_login(self.bob)
        page = self.client.get(reverse("password_change"))
        self.assertContains(page, "Changer mon mot de passe")
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password(NEW_PASSWORD))
        # Still logged in: Django keeps the session that changed the password.
        self.assertEqual(self.client.get(reverse("agents:home")).status_code, 200)

    def test_it_refuses_a_wrong_old_password_with_a_field_error(self):
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["old_password"])
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password(PASSWORD))

    def test_the_page_needs_a_login(self):
        response = self.client.get(reverse("password_change"))
        self.assertRedirects(response, f"{reverse('login')}?next={reverse('password_change')}")

    def test_every_page_links_to_it(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("agents:home")), reverse("password_change"))


class PasswordResetTests(PersonasTestCase):
    def reset_link(self) -> str:
        self.assertEqual(len(mail.outbox), 1)
        return re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    def test_the_login_page_offers_it_and_anonymous_users_reach_it(self):
        self.assertContains(self.client.get(reverse("login")), reverse("password_reset"))
        self.assertEqual(self.client.get(reverse("password_reset")).status_code, 200)

    def test_it_resets_a_forgotten_password_through_an_e_mailed_link(self):
        response = self.client.post(reverse("password_reset"), {"email": "bob@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertIn("bob", mail.outbox[0].body)
        form_page = self.client.get(self.reset_link(), follow=True)
        self.assertContains(form_page, "Choisir un nouveau mot de passe")
        response = self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password(NEW_PASSWORD))

    def test_a_used_link_does_not_work_twice(self):
        self.client.post(reverse("password_reset"), {"email": "bob@example.org"})
        link = self.reset_link()
        page = self.client.get(link, follow=True)
        self.client.post(
            page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertContains(self.client.get(link, follow=True), "Ce lien a expiré")

    def test_an_unknown_address_sends_nothing_and_says_nothing(self):
        response = self.client.post(reverse("password_reset"), {"email": "nobody@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(mail.outbox, [])


class FirstLoginTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.hired = create_agent(
            username="newbie",
            password=PASSWORD,
            first_name="New",
            last_name="Hire",
            role=roles.TELECONSEILLER,
            territory=cls.t93,
            languages=[Language.objects.get(code="fr")],
            today=date(2026, 1, 1),
            plateau=cls.saint_denis,
            email="newbie@example.org",
            contract_end=date(2027, 1, 1),
            temporary_password=True,
        )

    def log_in(self, username: str = "newbie"):
        return self.client.post(reverse("login"), {"username": username, "password": PASSWORD})

    def test_a_new_hire_must_choose_their_own_password_before_anything_else(self):
        self.log_in()
        for url in (reverse("agents:home"), reverse("calls:desk"), reverse("workforce:my-week")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(response, f"{reverse('password_change')}?next={url}")
        page = self.client.get(reverse("password_change"))
        self.assertContains(page, "choisissez le vôtre")

    def test_once_changed_the_agent_works_and_goes_back_where_they_were(self):
        self.log_in()
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
                "next": reverse("calls:desk"),
            },
        )
        self.assertRedirects(response, reverse("calls:desk"))
        self.hired.refresh_from_db()
        self.assertFalse(self.hired.password_change_required)
        self.assertEqual(self.client.get(reverse("agents:home")).status_code, 200)

    def test_a_reset_by_e_mail_counts_as_choosing_their_own(self):
        self.client.post(reverse("password_reset"), {"email": "newbie@example.org"})
        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        page = self.client.get(link, follow=True)
        self.client.post(
            page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.hired.refresh_from_db()
        self.assertFalse(self.hired.password_change_required)

    def test_it_refuses_an_outside_next_address(self):
        self.log_in()
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
                "next": "https://evil.example.com/",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))

    def test_colleagues_whose_password_is_their_own_are_not_stopped(self):
        self.log_in("alice")
        self.assertEqual(self.client.get(reverse("agents:home")).status_code, 200)

    def test_the_api_is_not_redirected(self):
        self.log_in()
        response = self.client.post(
            reverse("api:set-my-status"), {"status": "ready"}, "application/json"
        )
        self.assertNotEqual(response.status_code, 302)

    def test_hiring_through_the_api_and_the_admin_marks_the_password_temporary(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("api:create-agent"),
            {
                "username": "apihire",
                "password": NEW_PASSWORD,
                "first_name": "Api",
                "last_name": "Hire",
                "role": "teleconseiller",
                "territory": "93",
                "languages": ["fr"],
            },
            "application/json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(User.objects.get(username="apihire").agent.password_change_required)
