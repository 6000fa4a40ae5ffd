"""The review of possible duplicates: who may see it, what it shows, merge and dismiss."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from agents import roles
from cases.models import DuplicateCandidate, Person, PersonAccess, PersonMerge, Phone
from tests.base import PersonasTestCase, make_user

NOW = timezone.now()


class DuplicatePagesTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.national = make_user("nina", roles.ADMIN_NATIONAL)

    def add(self, first, last, territory, phone, born=date(1990, 1, 15)):
        person = Person.objects.create(
            territory=territory,
            first_name=first,
            last_name=last,
            birth_date=born,
            language_id="fr",
            created_at=NOW,
        )
        Phone.objects.create(person=person, number=phone)
        return person

    def pair(self, a, b, score=75):
        a, b = sorted([a, b], key=lambda p: p.pk)
        return DuplicateCandidate.objects.create(
            person_a=a,
            person_b=b,
            score=score,
            evidence={"name": 90.0, "birth_date": "equal", "phones": [], "address": None},
        )

    def setUp(self):
        self.mohamed = self.add("Mohamed", "Ouafi", self.t93, "+33611111111")
        self.muhammad = self.add("Muhammad", "Ouafi", self.t93, "+33622222222")
        self.here = self.pair(self.mohamed, self.muhammad)
        self.paris = self.pair(
            self.add("Jean", "Leroy", self.t75, "+33633333333"),
            self.add("Jean", "Leroy", self.t75, "+33644444444"),
            score=80,
        )
        self.list_url = reverse("intake:duplicate-list")
        self.detail_url = reverse("intake:duplicate-detail", args=[self.here.pk])

    def test_rights(self):
        for user, status in [
            (self.alice, 403),
            (self.bob, 403),
            (self.labfeed, 403),
            (self.carol, 200),
            (self.national, 200),
            (self.root, 200),
        ]:
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.list_url).status_code, status)
                self.assertEqual(self.client.get(self.detail_url).status_code, status)
        self.client.logout()
        self.assertEqual(self.client.get(self.list_url).status_code, 302)

    def test_a_pair_of_another_territory_is_not_found(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(self.detail_url).status_code, 404)
        url = reverse("intake:duplicate-merge", args=[self.here.pk])
        self.assertEqual(self.client.post(url, {"survivor": "a"}).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("intake:duplicate-dismiss", args=[self.here.pk])).status_code,
            404,
        )

    def test_wrong_method(self):
        self.client.force_login(self.carol)
        url = reverse("intake:duplicate-merge", args=[self.here.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(self.client.post(self.list_url).status_code, 405)

    def test_a_pair_with_a_person_in_a_neighbouring_territory_is_listed_to_both_admins(self):
        other = self.add("Mohammed", "Ouafi", self.t75, "+33655555555")
        cross = self.pair(self.mohamed, other)
        for user in (self.carol, self.dave):
            self.client.force_login(user)
            self.assertContains(self.client.get(self.list_url), f'data-testid="pair-{cross.pk}"')

    def test_the_list_shows_own_open_pairs_best_first_and_logs_the_reads(self):
        better = self.pair(
            self.add("Youssef", "Benali", self.t93, "+33666666666"),
            self.add("Yusuf", "Benali", self.t93, "+33677777777"),
            score=90,
        )
        self.client.force_login(self.carol)
        response = self.client.get(self.list_url)
        self.assertEqual(
            [p.pk for p in response.context["page"].object_list], [better.pk, self.here.pk]
        )
        self.assertNotContains(response, "LEROY")
        self.assertContains(response, "Même date de naissance")
        self.assertEqual(
            PersonAccess.objects.filter(user=self.carol, what="duplicate-list").count(), 4
        )

    def test_the_list_query_count_does_not_grow_with_pairs(self):
        self.client.force_login(self.carol)
        self.client.get(self.list_url)  # warm the session and the content types
        with self.assertNumQueries(17):
            self.client.get(self.list_url)
        for i in range(5):
            self.pair(
                self.add("Paul", f"Durand{i}", self.t93, f"+3368888888{i}"),
                self.add("Paul", f"Durand{i}", self.t93, f"+3369999999{i}"),
            )
        with self.assertNumQueries(17):
            self.client.get(self.list_url)

    def test_merge_then_undo_from_the_pair_page(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("intake:duplicate-merge", args=[self.here.pk]), {"survivor": "a"}, follow=True
        )
        self.assertContains(response, "a été fusionné(e) avec")
        merge = PersonMerge.objects.get()
        self.assertEqual(merge.survivor, self.here.person_a)
        self.assertNotContains(self.client.get(self.list_url), f"pair-{self.here.pk}")
        response = self.client.post(
            reverse("intake:duplicate-unmerge", args=[self.here.pk]), follow=True
        )
        self.assertContains(response, "La fusion a été annulée.")
        merge.refresh_from_db()
        self.assertIsNotNone(merge.undone_at)

    def test_merge_needs_a_survivor(self):
        self.client.force_login(self.carol)
        self.client.post(reverse("intake:duplicate-merge", args=[self.here.pk]))
        self.assertFalse(PersonMerge.objects.exists())

    def test_dismiss(self):
        self.client.force_login(self.carol)
        response = self.client.post(reverse("intake:duplicate-dismiss", args=[self.here.pk]))
        self.assertRedirects(response, self.list_url)
        self.here.refresh_from_db()
        self.assertEqual(
            (self.here.status, self.here.decided_by),
            (DuplicateCandidate.Status.DISMISSED, self.carol),
        )
