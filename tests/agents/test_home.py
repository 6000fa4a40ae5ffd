from django.urls import reverse

from tests.base import PersonasTestCase


class HomeTests(PersonasTestCase):
    def test_it_shows_a_manager_the_intake_pages(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, reverse("intake:index-case-list"))
        self.assertContains(response, reverse("intake:index-case-new"))
        self.assertContains(response, reverse("intake:contact-import"))

    def test_it_shows_the_user_name_and_territory(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, "Bob Test")
        self.assertContains(response, "CPAM de la Seine-Saint-Denis")

    def test_it_sends_a_teleconseiller_to_their_desk(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("agents:home"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, reverse("intake:index-case-new"))
        self.assertContains(response, 'data-testid="home-desk"')
        self.assertContains(response, reverse("calls:desk"))

    def test_it_gives_the_superuser_everything(self):
        self.client.force_login(self.root)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, reverse("intake:contact-import"))

    def test_it_offers_the_language_switch_and_a_post_logout(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, f'action="{reverse("set_language")}"')
        self.assertContains(response, f'action="{reverse("logout")}"')
        self.assertContains(response, 'name="language" value="en"')

    def test_it_switches_to_english(self):
        self.client.force_login(self.carol)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, '<html lang="en">')

    def test_it_logs_out_with_a_post(self):
        self.client.force_login(self.carol)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"))
        self.assertEqual(self.client.get(reverse("agents:home")).status_code, 302)

    def test_it_loads_htmx_and_the_stylesheet_from_our_own_static_files(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, "/static/django_htmx/htmx-2.min.js")
        self.assertContains(response, "/static/css/app.css")
        self.assertNotContains(response, "<script>")
        self.assertNotContains(response, "style=")
