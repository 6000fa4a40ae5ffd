from django.urls import reverse

from tests.base import PASSWORD, PersonasTestCase


class LoginLandingTests(PersonasTestCase):
    """Each role lands where its work is; a ?next= page wins."""

    def log_in(self, username: str, next_url: str = ""):
        url = reverse("login") + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, {"username": username, "password": PASSWORD})

    def test_it_lands_a_teleconseiller_on_her_desk(self):
        response = self.log_in("alice")
        self.assertRedirects(response, reverse("calls:desk"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("calls:desk")).status_code, 200)

    def test_it_lands_a_supervisor_on_the_board(self):
        response = self.log_in("bob")
        self.assertRedirects(
            response, reverse("supervision:plateau"), fetch_redirect_response=False
        )

    def test_it_lands_an_admin_and_the_superuser_on_the_start_page(self):
        for username in ("carol", "root"):
            with self.subTest(username=username):
                self.client.logout()
                response = self.log_in(username)
                self.assertRedirects(
                    response, reverse("agents:home"), fetch_redirect_response=False
                )

    def test_a_next_page_wins_over_the_roles_landing(self):
        response = self.log_in("alice", next_url=reverse("workforce:my-week"))
        self.assertRedirects(response, reverse("workforce:my-week"), fetch_redirect_response=False)

    def test_a_next_page_on_another_site_is_ignored(self):
        response = self.log_in("alice", next_url="https://evil.example.org/")
        self.assertRedirects(response, reverse("calls:desk"), fetch_redirect_response=False)

    def test_a_logged_in_agent_opening_the_login_page_goes_to_her_desk(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("login"))
        self.assertRedirects(response, reverse("calls:desk"), fetch_redirect_response=False)
