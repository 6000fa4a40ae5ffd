"""Issue 17 part 3: the board job computes every territory's snapshot at once (one agents query
per time zone, one for languages, calls held and the rota) and gives the rows the snapshot of
each territory alone gives; its queries do not grow with the territories or the agents."""

from datetime import time, timedelta

from agents import roles
from agents.models import Agent, Plateau, Territory
from calls.services.dispatch import claim_next_task
from supervision.services.board import compute_snapshot, compute_snapshots, refresh_boards
from tests.base import make_user
from tests.supervision.test_board import T0, BoardTestCase, M
from workforce.models.rota import Shift

Status = Agent.Status
# 22:30 in Paris, 01:30 the next day in La Réunion: two local days in one run.
LATE = T0.replace(hour=21, minute=30)


class BoardBatchTests(BoardTestCase):
    def setUp(self):
        super().setUp()
        self.t93.calling_hours_start, self.t93.calling_hours_end = time(0, 0), time(23, 59)
        self.t93.save()
        for _ in range(2):
            self.make_task()
        self.set_status(self.alice, Status.READY, LATE - 3 * 60 * M)
        claim_next_task(agent=self.alice.agent, now=LATE - 2 * M)  # a call held
        self.set_status(self.anna, Status.PAUSED, LATE - 20 * M, reason="pause")
        self.set_status(self.zoe, Status.READY, LATE - 30 * M)  # since 01:00 Réunion, today
        plateau = Plateau.objects.create(territory=self.t974, name="Saint-Denis (974)")
        self.rostered = make_user("remi", roles.TELECONSEILLER, territory=self.t974)
        Shift.objects.create(
            agent=self.rostered.agent,
            plateau=plateau,
            day=(LATE + 4 * 60 * M).date(),
            starts_at=LATE - 30 * M,
            ends_at=LATE + 6 * 60 * M,
        )

    def test_the_batch_gives_each_territorys_own_snapshot(self):
        territories = list(Territory.objects.order_by("pk"))
        batch = compute_snapshots(territories=territories, now=LATE)
        alone = [compute_snapshot(territory=t, now=LATE) for t in territories]
        self.assertEqual(batch, alone)
        rows = {r["username"]: r for s in batch for r in s["rows"]}
        # The data exercises what the batch splits: two local days, languages, a call held,
        # a rostered agent absent.
        self.assertEqual({s["day"] for s in batch}, {LATE.date(), LATE.date() + timedelta(1)})
        self.assertIsNotNone(rows["alice"]["held_task_id"])
        self.assertEqual(rows["zoe"]["languages"], ["fr", "rcf"])
        self.assertEqual(rows["remi"]["roster"], "absent")
        self.assertEqual(rows["zoe"]["ready_seconds"], 30 * 60)

    def test_its_queries_do_not_grow_with_the_territories_or_the_agents(self):
        # Territories; the roster, the agents of each time zone (Paris, La Réunion), languages,
        # calls held; open alerts, then raise (in a savepoint), alert counts, undelivered SMS
        # counts. Both runs raise alerts and clear none.
        queries = 1 + 1 + 2 + 2 + 1 + 3 + 2
        with self.assertNumQueries(queries):
            refresh_boards(now=LATE)
        for i in range(4):
            territory = Territory.objects.create(
                code=f"0{i + 1}", name=f"CPAM {i}", timezone="Europe/Paris"
            )
            for j in range(5):
                user = make_user(f"agent{i}{j}", roles.TELECONSEILLER, territory=territory)
                self.set_status(user, Status.READY, LATE - 10 * M)
        with self.assertNumQueries(queries):
            self.assertEqual(refresh_boards(now=LATE + M), 7)
