"""The hire form proposes a free username (initial and last name, in lowercase ASCII) and the
territory's plateau when it has only one."""

from django.contrib.auth.models import User
from django.urls import reverse

from agents.models import Plateau
from tests.base import PersonasTestCase
from tests.workforce.test_recruitment_services import make_candidate
from workforce.models.recruitment import Candidate
from workforce.selectors.recruitment import suggested_username


class SuggestedUsernameTests(PersonasTestCase):
    def test_it_folds_accents_and_drops_what_is_not_a_letter(self):
        self.assertEqual(
            suggested_username(first_name="Élodie", last_name="N'Diaye-Martin"), "endiayemartin"
        )
        self.assertEqual(suggested_username(first_name="Çağla", last_name="Öztürk"), "cozturk")

    def test_it_is_unique_whatever_the_case(self):
        User.objects.create_user("NHaddad")
        User.objects.create_user("nhaddad2")
        self.assertEqual(suggested_username(first_name="Nadia", last_name="Haddad"), "nhaddad3")

    def test_a_name_without_letters_still_gets_one(self):
        self.assertEqual(suggested_username(first_name="", last_name="李"), "agent")


class HireFormTests(PersonasTestCase):
    def detail(self, candidate: Candidate):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:candidate-detail", args=[candidate.pk]))
        return response.context["forms"]["hire"]

    def test_it_suggests_a_username_and_the_only_plateau(self):
        candidate = make_candidate(self.t93, "+33611000099", stage=Candidate.Stage.TRAINED)
        form = self.detail(candidate)
        self.assertEqual(form["username"].value(), "nhaddad")
        self.assertEqual(form["plateau"].value(), self.saint_denis.pk)
        self.assertIn('value="nhaddad"', str(form["username"]))

    def test_it_leaves_the_plateau_to_choose_when_there_are_several(self):
        Plateau.objects.create(territory=self.t93, name="Bobigny")
        candidate = make_candidate(self.t93, "+33611000099", stage=Candidate.Stage.TRAINED)
        self.assertIsNone(self.detail(candidate)["plateau"].value())
