"""Messages from supervisors on the desk (issue 13): sent to one agent, a team, a plateau or a
territory, resolved to recipients when sent, shown by the heartbeat until the agent marks each
read, never to anyone else."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Team
from calls.exceptions import MessageNotAllowed, MessageRefused
from calls.models import DeskMessage, DeskMessageReceipt
from calls.services.messages import (
    MAX_BODY_CHARS,
    acknowledge_desk_message,
    message_body_problem,
    send_desk_message,
)
from calls.services.retention import purge_expired_personal_data
from tests.base import make_user
from tests.calls.test_desk import DESK, DeskTestCase

HEARTBEAT = reverse("calls:heartbeat")


def read_url(message: DeskMessage) -> str:
    return reverse("calls:read-message", args=[message.pk])


class MessageTestCase(DeskTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # alice is in team A with bob (her supervisor); frank is on the same plateau, no team;
        # gina is in team B; zoe (974) and paul (75) are elsewhere.
        cls.team_b = Team.objects.create(plateau=cls.saint_denis, name="Équipe B")
        cls.gina = make_user(
            "gina",
            roles.TELECONSEILLER,
            territory=cls.t93,
            plateau=cls.saint_denis,
            team=cls.team_b,
        )
        cls.paul = make_user(
            "paul", roles.TELECONSEILLER, territory=cls.t75, plateau=cls.paris_plateau
        )

    def send(self, body: str = "Briefing à 14 h en salle 2", *, author=None, **target):
        return send_desk_message(author=author or self.bob, body=body, now=timezone.now(), **target)

    def recipients(self, message: DeskMessage) -> set[str]:
        return set(message.receipts.values_list("agent__user__username", flat=True))

    def beat(self, user=None) -> dict:
        """The desk's poll, as desk.js sends it (logged in as user first, if given)."""
        if user is not None:
            self.client.force_login(user)
        response = self.client.post(HEARTBEAT, headers={"accept": "application/json"})
        self.assertEqual(response.status_code, 200)
        return response.json()


class SendingTests(MessageTestCase):
    def test_it_reaches_one_agent(self):
        message = self.send(agent=self.alice.agent)
        self.assertEqual(
            (message.scope, message.territory, message.agent, message.author),
            (DeskMessage.Scope.AGENT, self.t93, self.alice.agent, self.bob),
        )
        self.assertEqual(self.recipients(message), {"alice"})

    def test_it_reaches_the_agents_of_a_team_not_its_supervisor(self):
        # bob is in team A too, but has no desk; he wrote it anyway.
        message = self.send(team=self.team_a)
        self.assertEqual(self.recipients(message), {"alice"})
        self.assertEqual(message.team, self.team_a)

    def test_it_reaches_the_floor_and_the_territory(self):
        floor = self.send(plateau=self.saint_denis)
        self.assertEqual(self.recipients(floor), {"alice", "frank", "gina"})
        everyone = self.send(author=self.carol, territory=self.t93)
        self.assertEqual(self.recipients(everyone), {"alice", "frank", "gina"})
        self.assertEqual(everyone.scope, DeskMessage.Scope.TERRITORY)

    def test_it_leaves_out_inactive_accounts(self):
        self.gina.is_active = False
        self.gina.save(update_fields=["is_active"])
        self.assertEqual(self.recipients(self.send(plateau=self.saint_denis)), {"alice", "frank"})

    def test_recipients_are_those_in_scope_when_it_is_sent(self):
        message = self.send(team=self.team_b)
        # frank joins team B afterwards: the message was not for him.
        self.frank.agent.team = self.team_b
        self.frank.agent.save(update_fields=["team"])
        self.assertEqual(self.recipients(message), {"gina"})
        self.assertEqual(self.beat(self.frank)["messages"], [])
        self.assertEqual(len(self.beat(self.gina)["messages"]), 1)

    def test_an_agent_cannot_send(self):
        with self.assertRaises(MessageNotAllowed):
            self.send(author=self.alice, agent=self.frank.agent)
        self.assertFalse(DeskMessage.objects.exists())

    def test_a_supervisor_of_another_territory_cannot_send(self):
        for target in (
            {"agent": self.alice.agent},
            {"team": self.team_a},
            {"plateau": self.saint_denis},
            {"territory": self.t93},
        ):
            with self.subTest(target=target), self.assertRaises(MessageNotAllowed):
                self.send(author=self.erin, **target)
        self.assertFalse(DeskMessage.objects.exists())
        self.assertFalse(DeskMessageReceipt.objects.exists())

    def test_it_refuses_an_empty_or_too_long_text(self):
        for body in ("", "   \n ", "x" * (MAX_BODY_CHARS + 1)):
            with self.subTest(length=len(body)), self.assertRaises(MessageRefused):
                self.send(body, agent=self.alice.agent)
        self.assertFalse(DeskMessage.objects.exists())
        # The bound is on the text as sent: surrounding blanks do not count.
        message = self.send("  " + "x" * MAX_BODY_CHARS + "\n", agent=self.alice.agent)
        self.assertEqual(message.body, "x" * MAX_BODY_CHARS)

    def test_the_body_rule_says_what_is_wrong(self):
        self.assertIsNone(message_body_problem("Pause café décalée"))
        self.assertIn("at most 500", message_body_problem("x" * 501))
        self.assertIn("501", message_body_problem("x" * 501))

    def test_it_refuses_a_team_with_no_agent_and_a_person_without_a_desk(self):
        empty = Team.objects.create(plateau=self.saint_denis, name="Équipe vide")
        with self.assertRaises(MessageRefused):
            self.send(team=empty)
        with self.assertRaises(MessageRefused):
            self.send(author=self.carol, agent=self.bob.agent)
        with self.assertRaises(MessageRefused):
            self.send(author=self.carol, agent=self.alice.agent, team=self.team_a)
        self.assertFalse(DeskMessage.objects.exists())


class HeartbeatTests(MessageTestCase):
    def test_the_heartbeat_carries_the_unread_messages(self):
        now = timezone.now()
        message = send_desk_message(
            author=self.bob, body="Briefing à 14 h", now=now, team=self.team_a
        )
        older = send_desk_message(
            author=self.carol, body="Hier", now=now - timedelta(days=2), agent=self.alice.agent
        )
        first, second = self.beat(self.alice)["messages"]
        local = timezone.localtime(now, ZoneInfo("Europe/Paris"))
        self.assertEqual(
            second,
            {
                "id": str(message.pk),
                "author": "Bob Test",
                "scope": "to your team",
                # The time in the territory's zone; the day too when it is not today.
                "time": local.strftime("%H:%M"),
                "sent_at": local.isoformat(),
                "body": "Briefing à 14 h",
                "read_url": read_url(message),
            },
        )
        self.assertEqual((first["id"], first["author"]), (str(older.pk), "Carol Test"))
        two_days_ago = timezone.localtime(now - timedelta(days=2), ZoneInfo("Europe/Paris"))
        self.assertIn(str(two_days_ago.year), first["time"])

    def test_each_scope_is_said_to_the_agent(self):
        self.send("a", agent=self.alice.agent)
        self.send("b", team=self.team_a)
        self.send("c", plateau=self.saint_denis)
        self.send("d", author=self.carol, territory=self.t93)
        shown = self.beat(self.alice)["messages"]
        self.assertEqual(
            [(m["body"], m["scope"]) for m in shown],
            [
                ("a", "to you"),
                ("b", "to your team"),
                ("c", "to the floor"),
                ("d", "to the whole territory"),
            ],
        )

    def test_agents_see_only_their_own_messages(self):
        self.send(agent=self.alice.agent)
        self.send("Équipe B seulement", team=self.team_b)
        self.assertEqual(
            [m["body"] for m in self.beat(self.gina)["messages"]], ["Équipe B seulement"]
        )
        self.assertEqual(self.beat(self.frank)["messages"], [])
        self.assertEqual(self.beat(self.paul)["messages"], [])

    def test_a_message_stays_until_it_is_read(self):
        message = self.send(agent=self.alice.agent)
        for _beat in range(3):
            self.assertEqual(len(self.beat(self.alice)["messages"]), 1)
        response = self.client.post(read_url(message), headers={"accept": "application/json"})
        self.assertEqual(response.json(), {"read": message.pk})
        self.assertEqual(self.beat(self.alice)["messages"], [])

    def test_the_heartbeat_costs_the_same_with_one_message_or_many(self):
        self.send(agent=self.alice.agent)
        self.beat(self.alice)
        # Session, user, roles, agent (with its territory: the zone of the times); the
        # heartbeat's conditional write; the call held; the unread messages with their authors.
        with self.assertNumQueries(7):
            self.beat()
        for n in range(15):
            self.send(f"message {n}", team=self.team_a)
        with self.assertNumQueries(7):
            shown = self.beat()["messages"]
        self.assertEqual(len(shown), 16)


class ReadingTests(MessageTestCase):
    def test_read_stamps_the_receipt_once(self):
        message = self.send(plateau=self.saint_denis)
        self.client.force_login(self.alice)
        response = self.client.post(read_url(message))
        self.assertRedirects(response, DESK)
        receipt = DeskMessageReceipt.objects.get(message=message, agent=self.alice.agent)
        first = receipt.read_at
        self.assertIsNotNone(first)
        # Read again (another tab): nothing changes.
        self.client.post(read_url(message), headers={"accept": "application/json"})
        receipt.refresh_from_db()
        self.assertEqual(receipt.read_at, first)
        self.assertFalse(acknowledge_desk_message(receipt=receipt, now=timezone.now()))
        # The others have not read it.
        self.assertEqual(
            DeskMessageReceipt.objects.filter(message=message, read_at__isnull=True).count(), 2
        )

    def test_nobody_reads_a_message_sent_to_someone_else(self):
        message = self.send(agent=self.alice.agent)
        self.client.force_login(self.frank)
        self.assertEqual(self.client.post(read_url(message)).status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.post(reverse("calls:read-message", args=[message.pk + 999])).status_code,
            404,
        )
        self.assertFalse(DeskMessageReceipt.objects.filter(read_at__isnull=False).exists())

    def test_the_read_action_refuses_anonymous_supervisors_and_get(self):
        message = self.send(agent=self.alice.agent)
        response = self.client.post(read_url(message))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(read_url(message)).status_code, 403)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(read_url(message)).status_code, 405)


class DeskPageTests(MessageTestCase):
    def test_the_desk_shows_unread_messages_when_it_loads(self):
        read = self.send("Déjà lu", agent=self.alice.agent)
        self.send("Pause décalée à 16 h", plateau=self.saint_denis)
        DeskMessageReceipt.objects.filter(message=read).update(read_at=timezone.now())
        self.client.force_login(self.alice)
        response = self.client.get(DESK)
        self.assertContains(response, 'data-testid="desk-messages"')
        self.assertContains(response, "Pause décalée à 16 h")
        self.assertContains(response, "to the floor")
        self.assertNotContains(response, "Déjà lu")
        self.assertContains(response, 'data-testid="desk-message-read"', count=2)  # + template

    def test_without_messages_the_panel_is_hidden(self):
        self.client.force_login(self.alice)
        response = self.client.get(DESK)
        self.assertContains(response, 'aria-labelledby="desk-messages-title" hidden')
        self.assertContains(response, 'role="status"')

    def test_the_text_is_escaped(self):
        self.send('<script>alert("x")</script><b>gras</b>', agent=self.alice.agent)
        self.client.force_login(self.alice)
        response = self.client.get(DESK)
        self.assertNotContains(response, '<script>alert("x")</script>')
        self.assertNotContains(response, "<b>gras</b>")
        self.assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
        # In the JSON it is text; desk.js puts it in with textContent.
        [shown] = self.beat(self.alice)["messages"]
        self.assertEqual(shown["body"], '<script>alert("x")</script><b>gras</b>')

    def test_the_search_page_has_the_panel_for_the_poll_to_fill(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("calls:search"))
        self.assertContains(response, 'id="desk-messages-list"')
        self.assertContains(response, 'id="desk-message-template"')

    def test_a_message_is_kept_across_a_release_of_the_call(self):
        # Messages live apart from the card: taking a call or losing it leaves them in place.
        self.claim()
        self.send(agent=self.alice.agent)
        self.client.force_login(self.alice)
        response = self.client.get(DESK)
        self.assertContains(response, 'data-testid="contact-card"')
        self.assertContains(response, "Briefing à 14 h en salle 2")
        self.assertEqual(len(self.beat(self.alice)["messages"]), 1)

    def test_only_the_latest_bound_of_unread_is_sent_oldest_first(self):
        now = timezone.now()
        for n in range(25):
            send_desk_message(
                author=self.bob,
                body=f"m{n}",
                now=now + timedelta(seconds=n),
                agent=self.alice.agent,
            )
        shown = self.beat(self.alice)["messages"]
        self.assertEqual([m["body"] for m in shown], [f"m{n}" for n in range(20)])


class RetentionTests(MessageTestCase):
    def test_the_purge_deletes_messages_past_the_retention_period_read_or_not(self):
        now = timezone.now()
        old = send_desk_message(
            author=self.bob,
            body="M. Martin rappellera",
            now=now - timedelta(days=91),
            territory=self.t93,
        )
        recent = self.send("Briefing", territory=self.t93)
        with override_settings(RETENTION_DAYS=90):
            purge_expired_personal_data(now=now)

        self.assertFalse(DeskMessage.objects.filter(pk=old.pk).exists())
        self.assertFalse(DeskMessageReceipt.objects.filter(message_id=old.pk).exists())
        self.assertTrue(recent.receipts.exists())
