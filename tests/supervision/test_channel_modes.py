"""The channel-mode page and the queue-health proposal: who may switch, the log, the banner."""

from unittest import mock

from django.urls import reverse

from agents import roles
from agents.models import Territory
from calls.models import SmsMessage
from supervision.models import SupervisorAction
from tests.base import PersonasTestCase, make_user

PAGE = reverse("supervision:channel-mode")
SWITCH = reverse("supervision:switch-sms-first")
QUEUE = reverse("supervision:queue-health")
Mode = Territory.ChannelMode

# The one function the simulator will replace: patched here to stand for a day that will miss.
PROJECTION = "supervision.selectors.channels.projected_misses"


def form(mode: str = Mode.SMS_ONLY, territory: str = "93", **extra) -> dict:
    return {
        "territory": territory,
        "mode": mode,
        "sms_only_exposure_types": ["close", "co_exposed"],
        "sms_daily_quota": "800",
        **extra,
    }


class ChannelModePageTests(PersonasTestCase):
    def mode_of(self, code: str) -> str:
        return Territory.objects.get(code=code).channel_mode

    def test_it_asks_an_anonymous_visitor_to_log_in(self):
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    def test_it_refuses_an_agent(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(PAGE).status_code, 403)
        self.assertEqual(self.client.post(PAGE, form()).status_code, 403)
        self.assertEqual(self.client.post(SWITCH, {"territory": "93"}).status_code, 403)
        self.assertEqual(self.mode_of("93"), Mode.CALL_FIRST)

    def test_it_shows_a_supervisor_the_mode_and_waiting_sms_but_refuses_the_switch(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="ask-admin"')
        self.assertNotContains(response, 'data-testid="save-channel-mode"')
        self.assertEqual(self.client.post(PAGE, form()).status_code, 403)
        self.assertEqual(self.client.post(SWITCH, {"territory": "93"}).status_code, 403)
        self.assertEqual(self.mode_of("93"), Mode.CALL_FIRST)
        self.assertFalse(SupervisorAction.objects.exists())

    def test_it_lets_the_cpam_admin_switch_and_logs_it(self):
        self.client.force_login(self.carol)
        response = self.client.post(PAGE, form())
        self.assertRedirects(response, f"{PAGE}?territory=93")
        t93 = Territory.objects.get(code="93")
        self.assertEqual(t93.channel_mode, Mode.SMS_ONLY)
        self.assertEqual(t93.sms_only_exposure_types, ["close", "co_exposed"])
        self.assertEqual(t93.sms_daily_quota, 800)
        action = SupervisorAction.objects.get()
        self.assertEqual(action.kind, SupervisorAction.Kind.CHANNEL_MODE)
        self.assertEqual((action.actor, action.territory), (self.carol, t93))
        self.assertIn("close", action.note)

    def test_it_refuses_sms_only_without_a_class_of_contacts(self):
        self.client.force_login(self.carol)
        response = self.client.post(PAGE, form(sms_only_exposure_types=[]))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.mode_of("93"), Mode.CALL_FIRST)

    def test_another_territorys_admin_cannot_switch_93(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(f"{PAGE}?territory=93").status_code, 404)
        self.assertEqual(self.client.post(PAGE, form()).status_code, 404)
        self.assertEqual(self.client.post(SWITCH, {"territory": "93"}).status_code, 404)
        self.assertEqual(self.mode_of("93"), Mode.CALL_FIRST)
        self.assertFalse(SupervisorAction.objects.exists())

    def test_a_national_admin_and_a_superuser_switch_any_territory(self):
        national = make_user("nadia", roles.ADMIN_NATIONAL)
        for user, code in ((national, "75"), (self.root, "93")):
            self.client.force_login(user)
            response = self.client.post(PAGE, form(mode=Mode.SMS_FIRST, territory=code))
            self.assertEqual(response.status_code, 302)
            self.assertEqual(self.mode_of(code), Mode.SMS_FIRST)
        self.assertEqual(SupervisorAction.objects.count(), 2)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.put(PAGE).status_code, 405)
        self.assertEqual(self.client.get(SWITCH).status_code, 405)

    def test_it_shows_messages_waiting_for_the_quota(self):
        self.client.force_login(self.bob)
        result = self.register_case(self.t93)
        SmsMessage.objects.create(
            task=result.task, phone="+33612345678", body="x", held=SmsMessage.Held.QUOTA
        )
        response = self.client.get(PAGE)
        self.assertEqual(response.context["waiting"].quota, 1)
        self.assertContains(response, 'data-testid="waiting-quota">1<')


class QueueHealthProposalTests(PersonasTestCase):
    def test_it_proposes_sms_first_with_the_projected_misses_and_switches_in_one_click(self):
        self.client.force_login(self.carol)
        with mock.patch(PROJECTION, return_value=37):
            response = self.client.get(QUEUE)
            self.assertContains(response, 'data-testid="channel-proposal"')
            self.assertContains(response, "37")
            self.assertContains(response, 'data-testid="switch-sms-first"')
            response = self.client.post(SWITCH, {"territory": "93"})
        self.assertRedirects(response, QUEUE)
        self.assertEqual(Territory.objects.get(code="93").channel_mode, Mode.SMS_FIRST)
        action = SupervisorAction.objects.get()
        self.assertEqual(action.kind, SupervisorAction.Kind.CHANNEL_MODE)
        self.assertIn("37", action.note)
        # Switched: the proposal is gone.
        with mock.patch(PROJECTION, return_value=37):
            response = self.client.get(QUEUE)
        self.assertNotContains(response, 'data-testid="channel-proposal"')

    def test_a_supervisor_sees_the_proposal_without_the_button(self):
        self.client.force_login(self.bob)
        with mock.patch(PROJECTION, return_value=5):
            response = self.client.get(QUEUE)
        self.assertContains(response, 'data-testid="channel-proposal"')
        self.assertNotContains(response, 'data-testid="switch-sms-first"')
        self.assertContains(response, 'data-testid="ask-admin"')

    def test_it_proposes_nothing_when_no_miss_is_projected(self):
        self.client.force_login(self.carol)
        with mock.patch(PROJECTION, return_value=0):
            response = self.client.get(QUEUE)
        self.assertNotContains(response, 'data-testid="channel-proposal"')
        self.assertContains(response, 'data-testid="channel-mode-line"')

    def test_the_page_reads_the_projection_through_the_swappable_function(self):
        self.client.force_login(self.carol)
        response = self.client.get(QUEUE)
        proposal = response.context["proposal"]
        self.assertEqual(proposal.projected_misses, response.context["health"].projected_misses)
