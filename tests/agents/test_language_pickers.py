"""Language pickers: French and the territory's usual languages first, then all of them; typing
filters the list (static/js/pickers.js, checked in the browser tests)."""

import re

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agents.forms import PINNED_LANGUAGES, pinned_language_codes
from agents.models import Language
from tests.base import PersonasTestCase, make_user


def first_group(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    group = re.search(r"<optgroup[^>]*>(.*?)</optgroup>", select, re.S).group(1)
    return re.findall(r'<option value="([^"]+)"', group)


class PinnedLanguageTests(PersonasTestCase):
    def setUp(self):
        cache.clear()

    def test_french_comes_first_then_the_languages_most_spoken_on_the_floors(self):
        # 93: alice speaks fr and tr; two more agents speak Soninké.
        make_user("sidi", "teleconseiller", territory=self.t93, languages=("fr", "snk"))
        make_user("awa", "teleconseiller", territory=self.t93, languages=("snk", "wo"))
        codes = pinned_language_codes(self.t93)
        self.assertEqual(codes[:2], ["fr", "snk"])
        self.assertIn("tr", codes)
        self.assertLessEqual(len(codes), PINNED_LANGUAGES)

    def test_another_territorys_languages_are_not_pinned(self):
        make_user("zhang", "teleconseiller", territory=self.t75, languages=("zh",))
        self.assertNotIn("zh", pinned_language_codes(self.t93))
        self.assertEqual(pinned_language_codes(None), ["fr"])

    def test_the_intake_form_pins_the_users_territory_languages_and_still_lists_all(self):
        self.client.force_login(self.carol)
        html = self.client.get(reverse("intake:index-case-new")).content.decode()
        pinned = first_group(html, "language")
        self.assertEqual(pinned[0], "fr")
        self.assertIn("tr", pinned)
        self.assertIn('data-language-picker=""', html)
        select = re.search(r'<select name="language"[^>]*>(.*?)</select>', html, re.S).group(1)
        everything = re.findall(r'<option value="([a-z]{2,3})"', select)
        self.assertEqual(len(set(everything)), Language.objects.count())
        self.assertEqual(len(everything), Language.objects.count())  # none listed twice

    def test_the_candidate_form_pins_them_too(self):
        self.client.force_login(self.carol)
        html = self.client.get(reverse("workforce:candidate-new")).content.decode()
        self.assertEqual(first_group(html, "languages")[:2], ["fr", "tr"])

    def test_a_pinned_language_is_chosen_like_any_other(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("intake:index-case-new"),
            {
                "first_name": "Ana",
                "last_name": "Silva",
                "phone": "0612345678",
                "language": "tr",
                "sampled_on": timezone.localdate().isoformat(),
                "contacts-TOTAL_FORMS": "0",
                "contacts-INITIAL_FORMS": "0",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
