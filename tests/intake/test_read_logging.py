"""Issue 12 part 7: every page that shows a person's name or phone logs the read, lists and
searches included (the case list, the escalations page, the admin changelists and searches)."""

from django.urls import reverse
from django.utils import timezone

from calls.models import CallTask
from calls.services.fallback import escalate
from cases.models import PersonAccess
from tests.base import PersonasTestCase, contact


class ReadLoggingTests(PersonasTestCase):
    def setUp(self):
        self.case = self.register_case(
            self.t93, contacts=[contact("Ana", "Silva", "0611111111")], external_ref="LAB-7"
        )
        self.index_person = self.case.index_case.person
        self.other = self.register_case(self.t75, name="Durand", phone="0633333333")

    def logged(self, what: str) -> set[tuple[str, int]]:
        return set(PersonAccess.objects.filter(what=what).values_list("user__username", "person"))

    def test_the_case_list_logs_the_persons_of_the_page(self):
        self.client.force_login(self.bob)
        self.client.get(reverse("intake:index-case-list"))
        self.assertEqual(self.logged("case-list"), {("bob", self.index_person.pk)})

    def test_a_case_search_logs_the_persons_found(self):
        self.client.force_login(self.carol)
        self.client.get(reverse("intake:index-case-list"), {"q": "martin"})
        self.assertEqual(self.logged("case-search"), {("carol", self.index_person.pk)})
        self.client.get(reverse("intake:index-case-list"), {"q": "zzz"})
        self.assertEqual(PersonAccess.objects.filter(what="case-search").count(), 1)

    def test_the_escalations_page_logs_the_persons_shown(self):
        escalate(task=self.case.task, reason=CallTask.Escalation.DEADLINE, now=timezone.now())
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("supervision:escalations")).status_code, 200)
        self.assertEqual(self.logged("escalations"), {("bob", self.index_person.pk)})

    def test_the_admin_changelists_log_the_persons_of_the_page(self):
        self.client.force_login(self.carol)
        for model, expected in [
            ("cases_person", "admin-list:person"),
            ("cases_indexcase", "admin-list:indexcase"),
            ("cases_exposure", "admin-list:exposure"),
            ("calls_calltask", "admin-list:calltask"),
        ]:
            with self.subTest(model=model):
                response = self.client.get(reverse(f"admin:{model}_changelist"))
                self.assertEqual(response.status_code, 200)
                persons = {p for _u, p in self.logged(expected)}
                self.assertIn(self.index_person.pk, persons)
                # Scoped: the other territory's person is neither shown nor logged.
                self.assertNotIn(self.other.index_case.person_id, persons)

    def test_an_admin_search_by_phone_logs_the_persons_found(self):
        self.client.force_login(self.carol)
        response = self.client.get(
            reverse("admin:cases_person_changelist"), {"q": "06 12 34 56 78"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.logged("admin-search:person"), {("carol", self.index_person.pk)})
