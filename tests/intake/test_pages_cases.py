from django.urls import reverse
from django.utils import timezone

from calls.services.intake import add_contacts
from cases.models import PersonAccess
from tests.base import PersonasTestCase, contact

LIST = reverse("intake:index-case-list")


class IndexCaseListTests(PersonasTestCase):
    def test_it_lists_the_territorys_cases_newest_first_with_their_contacts(self):
        self.register_case(self.t93, name="Ancien", phone="0601010101", external_ref="LAB-1")
        self.register_case(
            self.t93,
            name="Recent",
            phone="0602020202",
            contacts=[contact("Ana", "Silva", "0611111111"), contact("Bo", "Li", "0622222222")],
        )
        self.client.force_login(self.bob)
        response = self.client.get(LIST)
        cases = list(response.context["page"].object_list)
        self.assertEqual([c.person.last_name for c in cases], ["Recent", "Ancien"])
        self.assertEqual([c.contact_count for c in cases], [2, 0])
        self.assertContains(response, "LAB-1")

    def test_it_searches_by_name_and_reference(self):
        self.register_case(self.t93, name="Martin", phone="0601010101", external_ref="LAB-1")
        self.register_case(self.t93, name="Durand", phone="0602020202", external_ref="LAB-2")
        self.client.force_login(self.carol)
        for search, expected in [
            ("durand", ["Durand"]),
            ("paul martin", ["Martin"]),
            ("lab-1", ["Martin"]),
            ("zzz", []),
        ]:
            with self.subTest(search=search):
                page = self.client.get(LIST, {"q": search}).context["page"]
                self.assertEqual([c.person.last_name for c in page.object_list], expected)

    def test_it_shows_times_in_the_territorys_zone(self):
        case = self.register_case(self.t974).index_case
        self.client.force_login(self.root)
        response = self.client.get(LIST)
        local = timezone.localtime(case.identified_at, self.t974.zone)
        self.assertContains(response, local.strftime("%d/%m/%Y %H:%M"))

    def test_it_paginates_by_50(self):
        for n in range(51):
            self.register_case(self.t93, name=f"N{n}", phone=f"06010101{n:02d}")
        self.client.force_login(self.carol)
        self.assertEqual(len(self.client.get(LIST).context["page"].object_list), 50)
        self.assertEqual(len(self.client.get(LIST, {"page": 2}).context["page"].object_list), 1)

    def test_it_runs_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        self.register_case(
            self.t93,
            name="Un",
            phone="0601010101",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        # session, user, roles, territory, agent and territory for the header, count, page
        # 9 = 8 + the insert of the read log (issue 12).
        with self.assertNumQueries(9):
            self.assertEqual(self.client.get(LIST).status_code, 200)
        for n in range(4):
            self.register_case(
                self.t93,
                name=f"N{n}",
                phone=f"060202020{n}",
                contacts=[contact("Bo", f"Li{n}", f"062222222{n}")],
            )
        with self.assertNumQueries(9):
            response = self.client.get(LIST)
        self.assertEqual(len(response.context["page"].object_list), 5)


class IndexCaseDetailTests(PersonasTestCase):
    def test_it_shows_the_patient_zero_and_the_contacts_calls(self):
        result = self.register_case(
            self.t974,
            phone="0692123456",
            contacts=[contact("Ana", "Silva", "0611111111", exposure_type="household")],
        )
        self.client.force_login(self.root)
        response = self.client.get(reverse("intake:index-case-detail", args=[result.index_case.pk]))
        # Numbers as a caller in France reads them (issue 13), never raw E.164.
        self.assertContains(response, "0692 12 34 56")
        self.assertContains(response, "SILVA Ana")
        self.assertContains(response, "06 11 11 11 11")
        self.assertNotContains(response, "+262692123456")
        detail = response.context["detail"]
        self.assertEqual(detail.contacts[0].task, result.contacts[0].task)
        self.assertEqual(detail.interview_task, result.task)
        deadline = timezone.localtime(result.contacts[0].task.deadline_at, self.t974.zone)
        self.assertContains(response, deadline.strftime("%d/%m/%Y %H:%M"))

    def test_it_logs_each_person_shown(self):
        result = self.register_case(
            self.t93,
            contacts=[contact("Ana", "Silva", "0611111111"), contact("Bo", "Li", "0622222222")],
        )
        self.client.force_login(self.bob)
        self.client.get(reverse("intake:index-case-detail", args=[result.index_case.pk]))
        accesses = PersonAccess.objects.filter(user=self.bob, what="index-case-detail")
        shown = {result.index_case.person_id} | {c.exposure.person_id for c in result.contacts}
        self.assertEqual({a.person_id for a in accesses}, shown)
        self.assertEqual(accesses.count(), 3)

    def test_it_shows_the_call_of_a_contact_named_by_an_earlier_case(self):
        first = self.register_case(
            self.t93,
            name="Un",
            phone="0601010101",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        second = self.register_case(
            self.t93,
            name="Deux",
            phone="0602020202",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        self.client.force_login(self.carol)
        response = self.client.get(reverse("intake:index-case-detail", args=[second.index_case.pk]))
        self.assertEqual(response.context["detail"].contacts[0].task, first.contacts[0].task)

    def test_it_keeps_the_number_of_queries_constant(self):
        result = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        url = reverse("intake:index-case-detail", args=[result.index_case.pk])
        self.client.force_login(self.carol)
        # 15: the contacts' count for their pages and the calls made were added (issue 13).
        with self.assertNumQueries(15):
            self.client.get(url)
        for n in range(4):
            self.register_case(
                self.t93,
                name=f"N{n}",
                phone=f"060202020{n}",
                contacts=[contact("Bo", f"Li{n}", f"062222222{n}")],
            )
            add_contacts(
                index_case=result.index_case,
                contacts=[contact("Cy", f"Ma{n}", f"063333333{n}")],
                now=timezone.now(),
            )
        with self.assertNumQueries(15):
            response = self.client.get(url)
        self.assertEqual(len(response.context["detail"].contacts), 5)
