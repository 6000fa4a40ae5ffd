"""Messages to desks from the supervision pages (issue 13): the compose form for one agent (the
board's row), a team, a plateau or the territory; the list of messages sent with who read them;
each sending in the action log; nothing across territories."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, Team
from agents.services.staff import set_agent_status
from calls.models import DeskMessage, DeskMessageReceipt
from calls.services.messages import MAX_BODY_CHARS
from supervision.models import SupervisorAction
from supervision.services.actions import send_message
from tests.base import PersonasTestCase, make_user

MESSAGES = reverse("supervision:messages")
SEND = reverse("supervision:send-message")


class MessagePagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
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
        cls.paris_team = Team.objects.create(plateau=cls.paris_plateau, name="Équipe P")

    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def post(self, to: str, body: str = "Briefing à 14 h en salle 2"):
        return self.client.post(SEND, {"to": to, "body": body})


class SendPageTests(MessagePagesTestCase):
    def test_a_supervisor_writes_to_the_floor_and_it_is_logged(self):
        self.client.force_login(self.bob)
        response = self.client.post(
            SEND, {"to": f"plateau:{self.saint_denis.pk}", "body": "Briefing à 14 h"}, follow=True
        )
        self.assertEqual(response.redirect_chain, [(MESSAGES, 302)])
        self.assertContains(response, "Message sent to 2 desks.")
        self.assertContains(response, "Briefing à 14 h")
        message = DeskMessage.objects.get()
        self.assertEqual(
            (message.scope, message.plateau, message.author, message.territory),
            (DeskMessage.Scope.PLATEAU, self.saint_denis, self.bob, self.t93),
        )
        self.assertEqual(
            set(message.receipts.values_list("agent__user__username", flat=True)),
            {"alice", "gina"},
        )
        action = SupervisorAction.objects.get()
        self.assertEqual(
            (action.kind, action.actor, action.territory, action.message, action.agent),
            (SupervisorAction.Kind.SEND_MESSAGE, self.bob, self.t93, message, None),
        )

    def test_a_cpam_admin_writes_to_a_team_and_to_the_territory(self):
        self.client.force_login(self.carol)
        self.assertRedirects(self.post(f"team:{self.team_b.pk}"), MESSAGES)
        self.assertRedirects(self.post(f"territory:{self.t93.pk}", "À tous"), MESSAGES)
        team, everyone = DeskMessage.objects.order_by("pk")
        self.assertEqual((team.scope, team.team), (DeskMessage.Scope.TEAM, self.team_b))
        self.assertEqual(team.receipts.get().agent, self.gina.agent)
        self.assertEqual(everyone.receipts.count(), 2)
        self.assertEqual(SupervisorAction.objects.count(), 2)

    def test_the_board_row_writes_to_one_agent(self):
        self.client.force_login(self.bob)
        page = self.client.get(MESSAGES, {"agent": self.alice.agent.pk})
        self.assertContains(
            page, f'<option value="agent:{self.alice.agent.pk}" selected>Alice Test</option>'
        )
        self.assertRedirects(self.post(f"agent:{self.alice.agent.pk}"), MESSAGES)
        message = DeskMessage.objects.get()
        self.assertEqual(
            (message.scope, message.agent), (DeskMessage.Scope.AGENT, self.alice.agent)
        )
        self.assertEqual(SupervisorAction.objects.get().agent, self.alice.agent)

    def test_the_board_offers_a_message_on_each_row(self):
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=timezone.now())
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:board-rows"))
        self.assertContains(response, f'href="{MESSAGES}?agent={self.alice.agent.pk}"')
        self.assertContains(response, 'data-testid="message-agent"')

    def test_the_form_says_what_is_wrong_and_sends_nothing(self):
        self.client.force_login(self.bob)
        for body, error in (
            ("", "Write the message."),
            ("x" * (MAX_BODY_CHARS + 1), "A message holds at most 500 characters"),
        ):
            with self.subTest(length=len(body)):
                response = self.post(f"plateau:{self.saint_denis.pk}", body)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, error, status_code=400)
        response = self.post("", "Bonjour")
        self.assertContains(response, "This field is required.", status_code=400)
        for to in ("agent:x", "team:99999", "everyone:1"):
            response = self.post(to, "Bonjour")
            self.assertContains(response, "Choose who receives the message.", status_code=400)
        empty = Team.objects.create(plateau=self.saint_denis, name="Équipe vide")
        response = self.post(f"team:{empty.pk}", "Bonjour")
        self.assertContains(response, "there is no agent there", status_code=400)
        self.assertFalse(DeskMessage.objects.exists())
        self.assertFalse(SupervisorAction.objects.exists())

    def test_the_text_is_escaped_on_the_pages(self):
        self.client.force_login(self.bob)
        self.post(f"agent:{self.alice.agent.pk}", '<img src=x onerror="alert(1)">')
        for url in (MESSAGES, reverse("supervision:action-log")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertNotContains(response, '<img src=x onerror="alert(1)">')
                self.assertContains(response, "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")


class IsolationTests(MessagePagesTestCase):
    def test_it_refuses_anonymous_agents_and_wrong_methods(self):
        response = self.client.get(MESSAGES)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertEqual(self.post(f"agent:{self.alice.agent.pk}").status_code, 302)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(MESSAGES).status_code, 403)
        self.assertEqual(self.post(f"agent:{self.gina.agent.pk}").status_code, 403)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(SEND).status_code, 405)
        self.assertEqual(self.client.post(MESSAGES).status_code, 405)
        self.assertFalse(DeskMessage.objects.exists())

    def test_a_supervisor_of_paris_cannot_write_to_seine_saint_denis(self):
        self.client.force_login(self.erin)
        for to in (
            f"agent:{self.alice.agent.pk}",
            f"team:{self.team_a.pk}",
            f"plateau:{self.saint_denis.pk}",
            f"territory:{self.t93.pk}",
        ):
            with self.subTest(to=to):
                response = self.post(to)
                self.assertContains(response, "Choose who receives the message.", status_code=400)
        self.assertEqual(self.client.get(MESSAGES, {"agent": self.alice.agent.pk}).status_code, 404)
        self.assertFalse(DeskMessage.objects.exists())
        self.assertFalse(SupervisorAction.objects.exists())

    def test_the_form_offers_only_the_own_territory(self):
        self.client.force_login(self.erin)
        page = self.client.get(MESSAGES)
        self.assertContains(page, f'value="plateau:{self.paris_plateau.pk}"')
        self.assertContains(page, f'value="team:{self.paris_team.pk}"')
        self.assertNotContains(page, f'value="plateau:{self.saint_denis.pk}"')
        self.assertNotContains(page, f'value="team:{self.team_a.pk}"')
        self.assertNotContains(page, "Équipe B")

    def test_the_list_shows_only_the_own_territory_with_who_read(self):
        now = timezone.now()
        ours = send_message(actor=self.bob, body="Pour le 93", now=now, plateau=self.saint_denis)
        send_message(actor=self.erin, body="Pour Paris", now=now, plateau=self.paris_plateau)
        DeskMessageReceipt.objects.filter(message=ours, agent=self.alice.agent).update(read_at=now)
        self.client.force_login(self.bob)
        page = self.client.get(MESSAGES)
        self.assertContains(page, "Pour le 93")
        self.assertNotContains(page, "Pour Paris")
        self.assertContains(page, '<strong data-testid="read-count">1 of 2</strong>', html=False)
        self.assertContains(page, 'data-testid="read-by">Alice Test')
        self.assertContains(page, 'data-testid="not-read-by">Gina Test')

    def test_the_list_costs_the_same_with_one_message_or_many(self):
        now = timezone.now()
        send_message(actor=self.bob, body="Un", now=now, plateau=self.saint_denis)
        self.client.force_login(self.bob)
        self.client.get(MESSAGES)
        with self.assertNumQueries(11) as one:
            self.client.get(MESSAGES)
        for n in range(5):
            send_message(actor=self.carol, body=f"m{n}", now=now, team=self.team_b)
        with self.assertNumQueries(len(one.captured_queries)):
            self.client.get(MESSAGES)
