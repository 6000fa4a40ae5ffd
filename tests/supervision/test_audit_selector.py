from datetime import timedelta

from django.utils import timezone

from cases.services import log_person_access
from supervision.selectors.audit import person_accesses
from tests.base import PersonasTestCase


class PersonAccessesTests(PersonasTestCase):
    def setUp(self):
        self.now = timezone.now()
        self.p93 = self.register_case(self.t93).index_case.person
        self.p75 = self.register_case(self.t75, name="Durand", phone="0633333333").index_case.person
        log_person_access(user=self.bob, persons=[self.p93], what="t", now=self.now)
        log_person_access(user=self.erin, persons=[self.p75], what="t", now=self.now)

    def reads(self, user, **filters):
        start, end = self.now - timedelta(days=1), self.now + timedelta(days=1)
        return [
            (a.user.username, a.person_id)
            for a in person_accesses(user=user, start=start, end=end, **filters)
        ]

    def test_a_cpam_admin_sees_their_territory_only_and_a_superuser_all(self):
        self.assertEqual(self.reads(self.carol), [("bob", self.p93.pk)])
        self.assertEqual(len(self.reads(self.root)), 2)
        self.assertEqual(self.reads(self.alice), [])

    def test_it_filters_by_person_user_and_period(self):
        self.assertEqual(self.reads(self.root, person=str(self.p75.pk)), [("erin", self.p75.pk)])
        self.assertEqual(self.reads(self.root, person="durand"), [("erin", self.p75.pk)])
        self.assertEqual(self.reads(self.root, username="bob"), [("bob", self.p93.pk)])
        later = person_accesses(
            user=self.root, start=self.now + timedelta(hours=1), end=self.now + timedelta(days=1)
        )
        self.assertFalse(later.exists())
