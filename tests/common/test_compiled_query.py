"""common.compiled_query: a queryset compiled once gives what the queryset gives."""

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.db.transaction import TransactionManagementError

from agents.models import Agent
from common.compiled_query import CompiledQuery
from tests.base import PersonasTestCase

AGENT_BY_USERNAME = CompiledQuery(
    lambda username: Agent.objects.select_related("user", "territory", "plateau")
    .annotate(language_count=Count("languages"))
    .filter(user__username=username),
    str,
)
AGENTS_OF_TERRITORY_FROM = CompiledQuery(
    lambda code, pk: Agent.objects.filter(territory__code=code, pk__gte=pk).order_by("pk"),
    str,
    int,
)
AGENT_TO_LOCK = CompiledQuery(lambda pk: Agent.objects.select_for_update().filter(pk=pk), int)
# values_list() with an annotation named before a field: the tuple keeps the order asked for.
AGENT_ROWS = CompiledQuery(
    lambda code: Agent.objects.filter(territory__code=code)
    .annotate(language_count=Count("languages"))
    .order_by("pk")
    .values_list("language_count", "user__username", "status_since"),
    str,
)


class CompiledQueryTests(PersonasTestCase):
    def test_it_gives_the_instances_the_queryset_gives_with_their_relations(self):
        for user in (self.alice, self.zoe):
            with self.subTest(user=user.username):
                with self.assertNumQueries(1):
                    agent = AGENT_BY_USERNAME.get(user.username)
                    # The related rows are read by the same statement, as select_related's.
                    self.assertEqual(agent.user.username, user.username)
                    self.assertEqual(agent.territory, user.agent.territory)
                    plateau = agent.plateau
                expected = (
                    Agent.objects.annotate(language_count=Count("languages"))
                    .select_related("plateau")
                    .get(user=user)
                )
                self.assertEqual(agent.pk, expected.pk)
                self.assertEqual(agent.language_count, expected.language_count)
                self.assertEqual(plateau, expected.plateau)
        self.assertEqual(AGENT_BY_USERNAME.get("alice").language_count, 2)
        self.assertIsNone(AGENT_BY_USERNAME.get("zoe").plateau)

    def test_it_converts_values_as_the_orm_does(self):
        # SQLite gives datetimes as text: the backend's converters still run.
        agent = AGENT_BY_USERNAME.get("alice")
        expected = Agent.objects.get(user=self.alice)
        self.assertEqual(agent.status_since, expected.status_since)
        self.assertIsNotNone(agent.status_since.tzinfo)
        self.assertEqual(agent.user.date_joined, self.alice.date_joined)

    def test_it_puts_each_value_in_its_place(self):
        alice, bob, carol = self.alice.agent, self.bob.agent, self.carol.agent
        self.assertEqual(AGENTS_OF_TERRITORY_FROM.all("93", bob.pk), [bob, carol])
        self.assertEqual(AGENTS_OF_TERRITORY_FROM.all("93", alice.pk), [alice, bob, carol])
        self.assertEqual(AGENTS_OF_TERRITORY_FROM.all("974", alice.pk), [self.zoe.agent])
        self.assertEqual(AGENTS_OF_TERRITORY_FROM.all("2A", 0), [])

    def test_it_raises_does_not_exist_when_no_row_matches(self):
        with self.assertRaises(Agent.DoesNotExist):
            AGENT_BY_USERNAME.get("nobody")
        User.objects.create_user("nobody")  # a user without an agent profile
        with self.assertRaises(Agent.DoesNotExist):
            AGENT_BY_USERNAME.get("nobody")

    def test_it_raises_multiple_objects_returned_as_get_does(self):
        with self.assertRaises(Agent.MultipleObjectsReturned):
            AGENTS_OF_TERRITORY_FROM.get("93", 0)

    def test_it_refuses_a_lock_outside_a_transaction_and_takes_it_inside(self):
        pk = self.alice.agent.pk
        with transaction.atomic():
            self.assertEqual(AGENT_TO_LOCK.get(pk).pk, pk)
        # TestCase runs each test in a transaction: show the connection in autocommit, as a
        # request outside atomic() would have it.
        connection = transaction.get_connection()
        saved, connection.autocommit = connection.autocommit, True
        try:
            if connection.features.has_select_for_update:
                with self.assertRaises(TransactionManagementError):
                    AGENT_TO_LOCK.get(pk)
            else:  # SQLite: Django ignores select_for_update, and so does this
                self.assertEqual(AGENT_TO_LOCK.get(pk).pk, pk)
        finally:
            connection.autocommit = saved

    def test_it_refuses_what_it_cannot_compile_faithfully(self):
        prefetching = CompiledQuery(
            lambda pk: Agent.objects.prefetch_related("languages").filter(pk=pk), int
        )
        with self.assertRaisesMessage(ValueError, "prefetch_related"):
            prefetching.get(self.alice.agent.pk)
        twice = CompiledQuery(lambda pk: Agent.objects.filter(pk=pk, user_id=pk), int)
        with self.assertRaisesMessage(ValueError, "appears 2 times"):
            twice.get(1)

    def test_it_gives_values_list_tuples_as_the_queryset_does(self):
        for code in ("93", "974", "2A"):
            with self.subTest(territory=code):
                expected = list(
                    Agent.objects.filter(territory__code=code)
                    .annotate(language_count=Count("languages"))
                    .order_by("pk")
                    .values_list("language_count", "user__username", "status_since")
                )
                self.assertEqual(AGENT_ROWS.all(code), expected)
        self.assertEqual(AGENT_ROWS.all("974"), [(2, "zoe", self.zoe.agent.status_since)])
        # Neither flat nor named rows: what they give differs from a tuple.
        flat = CompiledQuery(
            lambda pk: Agent.objects.filter(pk=pk).values_list("status", flat=True), int
        )
        with self.assertRaisesMessage(ValueError, "values_list() tuples"):
            flat.get(self.alice.agent.pk)
