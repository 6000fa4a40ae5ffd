from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from agents import roles
from agents.models import Agent
from tests.api.base import ApiTestCase
from tests.base import make_user
from workforce.models.contracts import Contract


class CreateAgentTests(ApiTestCase):
    url_name = "api:create-agent"

    def new_agent(self, **overrides) -> dict:
        return {
            "username": "fatou",
            "password": "Long-enough-pass-42",
            "first_name": "Fatou",
            "last_name": "Diallo",
            "role": "teleconseiller",
            "territory": "93",
            "languages": ["fr", "snk"],
            "plateau": self.saint_denis.pk,
            **overrides,
        }

    def test_it_creates_the_account_profile_and_contract(self):
        contract_end = timezone.localdate() + timedelta(days=90)
        response = self.post(
            self.new_agent(contract_end=contract_end.isoformat()), user=self.carol, session=True
        )
        self.assertEqual(response.status_code, 201)
        user = User.objects.get(username="fatou")
        self.assertTrue(user.check_password("Long-enough-pass-42"))
        self.assertEqual(
            (user.first_name, user.last_name, user.is_staff), ("Fatou", "Diallo", False)
        )
        self.assertEqual(list(user.groups.values_list("name", flat=True)), ["teleconseiller"])
        agent = user.agent
        self.assertEqual(agent.territory, self.t93)
        self.assertEqual(agent.plateau, self.saint_denis)
        self.assertEqual(set(agent.languages.values_list("code", flat=True)), {"fr", "snk"})
        self.assertEqual(agent.employer, Agent.Employer.FIXED_TERM)
        contract = agent.contracts.get()
        self.assertEqual((contract.kind, contract.end_on), (Contract.Kind.CDD, contract_end))
        self.assertEqual(
            response.json(),
            {
                "id": agent.pk,
                "username": "fatou",
                "role": "teleconseiller",
                "territory": "93",
                "languages": ["fr", "snk"],
                "plateau": self.saint_denis.pk,
                "contract_end": contract_end.isoformat(),
            },
        )
        self.assertNotIn("password", response.json())

    def test_it_refuses_a_cdd_beyond_the_legal_18_months(self):
        contract_end = timezone.localdate() + timedelta(days=600)
        response = self.post(
            self.new_agent(contract_end=contract_end.isoformat()), user=self.carol, session=True
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "cdd_max_length")
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_lets_a_superuser_create_an_admin_anywhere(self):
        data = self.new_agent(
            username="gilles", role="admin_cpam", territory="75", plateau=None, languages=["fr"]
        )
        response = self.post(data, user=self.root)
        self.assertEqual(response.status_code, 201)
        user = User.objects.get(username="gilles")
        self.assertTrue(user.is_staff)
        self.assertEqual(user.agent.territory, self.t75)
        self.assertEqual(user.agent.contracts.get().kind, Contract.Kind.CDI)
        self.assertEqual(response.json()["contract_end"], None)

    def test_it_asks_anonymous_callers_to_authenticate(self):
        self.assertEqual(self.post(self.new_agent()).status_code, 401)
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_refuses_other_roles(self):
        for user in (self.alice, self.bob, self.labfeed):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(self.new_agent(), user=user).status_code, 403)
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_refuses_an_admin_of_another_territory(self):
        response = self.post(self.new_agent(), user=self.dave)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_refuses_another_territory_before_reading_the_rest(self):
        # Never field errors (hence hints) about another territory's request.
        response = self.post(self.new_agent(username="alice", languages=["xx"]), user=self.dave)
        self.assertEqual(response.status_code, 403)

    def test_it_refuses_other_methods(self):
        self.as_token(self.carol)
        self.assertEqual(self.api.get(self.url).status_code, 405)
        self.assertEqual(self.api.put(self.url, self.new_agent(), format="json").status_code, 405)

    def test_it_refuses_an_unknown_territory(self):
        response = self.post(self.new_agent(territory="99"), user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["territory"])

    def test_it_refuses_a_plateau_of_another_territory(self):
        response = self.post(self.new_agent(plateau=self.paris_plateau.pk), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["plateau"])
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_refuses_an_unknown_language(self):
        response = self.post(self.new_agent(languages=["fr", "xx"]), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"languages": ["unknown language code: xx"]})

    def test_it_requires_a_language(self):
        response = self.post(self.new_agent(languages=[]), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertIn("languages", response.json())

    def test_it_refuses_a_taken_username(self):
        response = self.post(self.new_agent(username="Alice"), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["username"])
        self.assertEqual(User.objects.filter(username__iexact="alice").count(), 1)

    def test_it_runs_the_password_validators(self):
        response = self.post(self.new_agent(password="fatou1"), user=self.carol)
        self.assertEqual(response.status_code, 400)
        errors = response.json()["password"]
        self.assertGreaterEqual(len(errors), 2)  # too short and too similar to the username
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_it_refuses_a_contract_that_ended(self):
        yesterday = timezone.localdate() - timedelta(days=1)
        response = self.post(self.new_agent(contract_end=yesterday.isoformat()), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["contract_end"])

    def test_it_refuses_an_unknown_role(self):
        for role in ("lab_feed", "superuser", ""):
            with self.subTest(role=role):
                response = self.post(self.new_agent(role=role), user=self.carol)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), ["role"])

    def test_it_refuses_a_team_of_another_plateau(self):
        response = self.post(self.new_agent(plateau=None, team=self.team_a.pk), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["team"])

    def test_it_requires_the_name_of_a_provider(self):
        response = self.post(self.new_agent(employer="provider"), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["provider_name"])
        response = self.post(
            self.new_agent(employer="provider", provider_name="Acme Appels"), user=self.carol
        )
        self.assertEqual(response.status_code, 201)
        self.assertFalse(Contract.objects.filter(agent__user__username="fatou").exists())


class CpamAdminCreationTests(ApiTestCase):
    """Issue 12 part 6: only a national admin (or a superuser) makes CPAM admins."""

    url_name = "api:create-agent"

    def new_admin(self) -> dict:
        return {
            "username": "fatou",
            "password": "Long-enough-pass-42",
            "first_name": "Fatou",
            "last_name": "Diallo",
            "role": "admin_cpam",
            "territory": "93",
            "languages": ["fr"],
        }

    def test_a_cpam_admin_cannot_create_a_cpam_admin(self):
        for session in (True, False):
            with self.subTest(session=session):
                response = self.post(self.new_admin(), user=self.carol, session=session)
                self.assertEqual(response.status_code, 400)
                self.assertIn("role", response.json())
        self.assertFalse(User.objects.filter(username="fatou").exists())

    def test_a_national_admin_can(self):
        nina = make_user("nina", roles.ADMIN_NATIONAL)
        response = self.post(self.new_admin(), user=nina)
        self.assertEqual(response.status_code, 201, response.content)
        user = User.objects.get(username="fatou")
        self.assertEqual(list(user.groups.values_list("name", flat=True)), ["admin_cpam"])
