from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents import roles
from agents.models import Agent, Language, Plateau
from calls.models import CallAttempt
from cases.models import PersonAccess
from tests.base import PersonasTestCase, contact, make_user
from workforce.models.contracts import Contract


class AdminScopingTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case93 = cls.register_case(
            cls.t93,
            name="Mercier",
            phone="0611111111",
            contacts=[contact("Ana", "Silva", "0622222222")],
        )
        cls.case75 = cls.register_case(
            cls.t75,
            name="Durand",
            phone="0633333333",
            contacts=[contact("Luc", "Fabre", "0644444444")],
        )
        CallAttempt.objects.create(
            task=cls.case93.task, agent=cls.alice.agent, outcome=CallAttempt.Outcome.NO_ANSWER
        )
        CallAttempt.objects.create(
            task=cls.case75.task, agent=cls.erin.agent, outcome=CallAttempt.Outcome.NO_ANSWER
        )
        cls.person93 = cls.case93.index_case.person
        cls.person75 = cls.case75.index_case.person

    def get(self, user, url, **kwargs):
        self.client.force_login(user)
        return self.client.get(url, **kwargs)

    def test_it_lists_only_the_admins_territory(self):
        cases = [
            ("agents", "agent", "Alice", "Dave"),
            ("cases", "person", "Mercier", "Durand"),
            ("cases", "indexcase", "Mercier", "Durand"),
            ("cases", "exposure", "Silva", "Fabre"),
            ("calls", "calltask", "Mercier", "Durand"),
        ]
        for app_label, model_name, ours, theirs in cases:
            with self.subTest(model_name):
                response = self.get(
                    self.carol, reverse(f"admin:{app_label}_{model_name}_changelist")
                )
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, ours)
                self.assertNotContains(response, theirs)

    def test_it_lists_only_the_admins_plateaux_in_the_filters(self):
        response = self.get(self.carol, reverse("admin:agents_agent_changelist"))
        self.assertContains(response, "Saint-Denis")
        self.assertNotContains(response, "Paris Nord")
        self.assertNotContains(response, "CPAM de Paris")

    def test_it_hides_another_territorys_records(self):
        for url in [
            reverse("admin:agents_agent_change", args=[self.dave.agent.pk]),
            reverse("admin:agents_territory_change", args=[self.t75.pk]),
            reverse("admin:agents_plateau_change", args=[self.paris_plateau.pk]),
            reverse("admin:cases_person_change", args=[self.person75.pk]),
            reverse("admin:cases_indexcase_change", args=[self.case75.index_case.pk]),
            reverse("admin:calls_calltask_change", args=[self.case75.task.pk]),
        ]:
            with self.subTest(url):
                response = self.get(self.carol, url, follow=True)
                self.assertEqual(response.redirect_chain, [(reverse("admin:index"), 302)])
                for secret in ("Dave", "Durand", "Paris Nord", "CPAM de Paris"):
                    self.assertNotContains(response, secret)
        self.assertFalse(PersonAccess.objects.filter(person=self.person75).exists())

    def test_it_offers_only_the_admins_plateaux_on_the_agent_add_form(self):
        Plateau.objects.create(territory=self.t93, name="Bobigny")
        response = self.get(self.carol, reverse("admin:agents_agent_add"))
        self.assertEqual(response.status_code, 200)
        plateaux = response.context["adminform"].form.fields["plateau"].queryset
        self.assertEqual({p.name for p in plateaux}, {"Saint-Denis", "Bobigny"})
        self.assertNotContains(response, "Paris Nord")

    def agent_form(self, **overrides) -> dict:
        data = {
            "username": "nadia",
            "first_name": "Nadia",
            "last_name": "Belkacem",
            "email": "",
            "role": roles.TELECONSEILLER,
            "password1": "Welcome-Nadia-2027",
            "password2": "Welcome-Nadia-2027",
            "plateau": self.saint_denis.pk,
            "team": self.team_a.pk,
            "employer": Agent.Employer.FIXED_TERM,
            "provider_name": "",
            "contract_end": "2027-06-30",
            "languages": ["fr", "ar"],
        }
        return data | overrides

    def test_it_creates_an_agent_in_the_admins_territory(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("admin:agents_agent_add"), self.agent_form(territory=self.t75.pk)
        )
        agent = Agent.objects.get(user__username="nadia")
        self.assertRedirects(response, reverse("admin:agents_agent_changelist"))
        self.assertEqual(agent.territory, self.t93)
        self.assertEqual(set(agent.languages.values_list("code", flat=True)), {"fr", "ar"})
        self.assertTrue(agent.user.groups.filter(name=roles.TELECONSEILLER).exists())
        self.assertTrue(agent.user.check_password("Welcome-Nadia-2027"))
        contract = Contract.objects.get(agent=agent)
        self.assertEqual(
            (contract.kind, contract.end_on.isoformat()), (Contract.Kind.CDD, "2027-06-30")
        )

    def test_it_refuses_another_territorys_plateau_and_the_admin_role(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("admin:agents_agent_add"),
            self.agent_form(plateau=self.paris_plateau.pk, team="", role=roles.ADMIN_CPAM),
        )
        self.assertEqual(response.status_code, 200)
        form = response.context["adminform"].form
        self.assertIn("plateau", form.errors)
        self.assertIn("role", form.errors)
        self.assertFalse(User.objects.filter(username="nadia").exists())

    def test_it_pins_a_new_plateau_to_the_admins_territory(self):
        self.client.force_login(self.carol)
        self.client.post(
            reverse("admin:agents_plateau_add"),
            {"name": "Bobigny", "address": "", "territory": self.t75.pk},
        )
        self.assertEqual(Plateau.objects.get(name="Bobigny").territory, self.t93)

    def test_it_scopes_autocomplete_choices(self):
        response = self.get(
            self.carol,
            reverse("admin:autocomplete"),
            query_params={
                "term": "Test",
                "app_label": "workforce",
                "model_name": "contract",
                "field_name": "agent",
            },
        )
        names = {result["text"] for result in response.json()["results"]}
        self.assertEqual(names, {"Alice Test", "Bob Test", "Carol Test"})

    def test_it_logs_who_opens_a_person_record(self):
        response = self.get(
            self.carol, reverse("admin:cases_person_change", args=[self.person93.pk])
        )
        self.assertContains(response, "+33611111111")
        access = PersonAccess.objects.get(person=self.person93)
        self.assertEqual((access.user, access.what), (self.carol, "admin:person"))

    def test_it_finds_a_person_by_phone_as_typed(self):
        response = self.get(
            self.carol,
            reverse("admin:cases_person_changelist"),
            query_params={"q": "06 11 11 11 11"},
        )
        self.assertEqual(list(response.context["cl"].result_list), [self.person93])

    def test_it_sends_a_superviseur_to_the_admin_login(self):
        response = self.get(self.bob, reverse("admin:index"))
        self.assertRedirects(response, reverse("admin:login") + "?next=" + reverse("admin:index"))

    def test_it_shows_everything_to_a_superuser(self):
        for app_label, model_name, names in [
            ("agents", "agent", ("Alice", "Dave", "Zoe")),
            ("cases", "person", ("Mercier", "Durand")),
            ("cases", "indexcase", ("Mercier", "Durand")),
        ]:
            with self.subTest(model_name):
                response = self.get(
                    self.root, reverse(f"admin:{app_label}_{model_name}_changelist")
                )
                for name in names:
                    self.assertContains(response, name)

    def test_it_renders_every_admin_page_it_registers(self):
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            if opts.app_label not in ("agents", "cases", "calls"):
                continue
            for user in (self.root, self.carol):
                with self.subTest(model=opts.model_name, user=user.username):
                    changelist = self.get(
                        user, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                    )
                    self.assertEqual(changelist.status_code, 200)
                    obj = model_admin.get_queryset(changelist.wsgi_request).first()
                    if obj is not None:
                        change = self.get(
                            user,
                            reverse(
                                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
                            ),
                        )
                        self.assertEqual(change.status_code, 200)

    def test_it_keeps_language_and_call_attempts_read_only(self):
        self.client.force_login(self.root)
        self.assertEqual(self.client.get(reverse("admin:agents_language_add")).status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:calls_callattempt_add")).status_code, 403)
        attempt = CallAttempt.objects.first()
        response = self.client.post(
            reverse("admin:calls_callattempt_delete", args=[attempt.pk]), {"post": "yes"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Language.objects.filter(code="fr").exists())

    def test_it_lists_agents_in_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        url = reverse("admin:agents_agent_changelist")
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for n in range(5):
            make_user(
                f"extra{n}",
                roles.TELECONSEILLER,
                territory=self.t93,
                plateau=self.saint_denis,
                team=self.team_a,
            )
        with self.assertNumQueries(len(before.captured_queries)):
            self.client.get(url)

    def test_it_stores_a_phone_typed_in_the_admin_in_e164(self):
        self.client.force_login(self.carol)
        phone = self.person93.phones.get()
        data = {
            "first_name": "Paul",
            "last_name": "Mercier",
            "birth_date": "",
            "language": "fr",
            "address": "",
            "phones-TOTAL_FORMS": "2",
            "phones-INITIAL_FORMS": "1",
            "phones-0-id": phone.pk,
            "phones-0-person": self.person93.pk,
            "phones-0-number": phone.number,
            "phones-0-position": "0",
            "phones-1-person": self.person93.pk,
            "phones-1-number": "07 55 55 55 55",
            "phones-1-position": "1",
        }
        response = self.client.post(
            reverse("admin:cases_person_change", args=[self.person93.pk]), data
        )
        self.assertRedirects(response, reverse("admin:cases_person_changelist"))
        self.assertEqual(
            list(self.person93.phones.values_list("number", flat=True)),
            ["+33611111111", "+33755555555"],
        )

    def test_it_saves_only_the_fields_the_admin_changed(self):
        self.client.force_login(self.carol)
        task = self.case93.task
        data = {
            "priority": "5",
            "not_before": "",
            "language": "fr",
            "call_attempts-TOTAL_FORMS": "1",
            "call_attempts-INITIAL_FORMS": "1",
        }
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(
                reverse("admin:calls_calltask_change", args=[task.pk]), data
            )
        # Read before assertRedirects: its request resets the query log.
        updates = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('UPDATE "calls_calltask"')
        ]
        self.assertRedirects(response, reverse("admin:calls_calltask_changelist"))
        self.assertEqual(len(updates), 1)
        self.assertIn('"priority"', updates[0])
        self.assertNotIn('"status"', updates[0])
        task.refresh_from_db()
        self.assertEqual(task.priority, 5)
