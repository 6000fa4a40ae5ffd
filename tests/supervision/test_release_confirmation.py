"""« Libérer l'appel »: offered only for a call held past RELEASE_AFTER_SECONDS, confirmed on a
page of its own (no JavaScript needed), refused by the service before the threshold too."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import Assignment, CallTask
from supervision.exceptions import ActionRefused
from supervision.models import SupervisorAction
from supervision.services.actions import release_lease
from supervision.services.board import refresh_boards
from tests.supervision.test_actions import ACTION_LOG, ActionTestCase

BOARD = reverse("supervision:plateau")


def confirm_url(assignment: Assignment) -> str:
    return reverse("supervision:confirm-release", args=[assignment.task_id])


class ReleaseThresholdTests(ActionTestCase):
    def hold_a_fresh_call(self, user, *, seconds: int = 20) -> Assignment:
        self.clock = timezone.now() - timedelta(seconds=seconds + 20)
        return self.hold_a_call(user)

    def test_the_service_refuses_a_call_taken_moments_ago(self):
        assignment = self.hold_a_fresh_call(self.alice)
        with (
            translation.override("en"),
            self.assertRaisesMessage(ActionRefused, "less than 120 seconds"),
        ):
            release_lease(
                actor=self.bob,
                task=assignment.task,
                now=assignment.claimed_at + timedelta(seconds=119),
            )
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)
        self.assertFalse(SupervisorAction.objects.exists())
        release_lease(
            actor=self.bob, task=assignment.task, now=assignment.claimed_at + timedelta(seconds=120)
        )
        assignment.refresh_from_db()
        self.assertEqual(assignment.end_reason, Assignment.EndReason.RELEASED)

    def test_a_post_before_the_threshold_is_refused_with_a_message(self):
        assignment = self.hold_a_fresh_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("supervision:release-lease", args=[assignment.task_id]), follow=True
        )
        self.assertEqual([m.level_tag for m in response.context["messages"]], ["error"])
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(task.status, CallTask.Status.ASSIGNED)

    @override_settings(RELEASE_AFTER_SECONDS=600)
    def test_the_threshold_is_a_setting(self):
        # Held about ten minutes (the clock of ActionTestCase), under a threshold of 600 s + a bit.
        assignment = self.hold_a_call(self.alice)
        with self.assertRaises(ActionRefused):
            release_lease(
                actor=self.bob,
                task=assignment.task,
                now=assignment.claimed_at + timedelta(minutes=9),
            )

    def test_the_board_offers_the_release_only_past_the_threshold(self):
        old = self.hold_a_call(self.alice)
        fresh = self.hold_a_fresh_call(self.anna)
        cache.clear()
        refresh_boards(now=timezone.now())
        self.client.force_login(self.bob)
        response = self.client.get(BOARD)
        # A link to the confirmation, not a button that releases at once.
        self.assertContains(response, f'href="{confirm_url(old)}"')
        self.assertNotContains(response, confirm_url(fresh))
        self.assertNotContains(
            response, reverse("supervision:release-lease", args=[old.task_id]) + '"'
        )

    def test_the_actions_page_offers_the_release_only_past_the_threshold(self):
        old = self.hold_a_call(self.alice)
        fresh = self.hold_a_fresh_call(self.anna)
        self.client.force_login(self.bob)
        response = self.client.get(ACTION_LOG)
        self.assertContains(response, f'href="{confirm_url(old)}?next={ACTION_LOG}"')
        self.assertNotContains(response, confirm_url(fresh))
        self.assertContains(response, 'data-testid="release-later"')


class ReleaseConfirmationTests(ActionTestCase):
    def test_it_asks_before_releasing(self):
        assignment = self.hold_a_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.get(confirm_url(assignment), {"next": ACTION_LOG})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="confirm-release-button"')
        self.assertContains(
            response,
            f'action="{reverse("supervision:release-lease", args=[assignment.task_id])}"',
        )
        self.assertContains(response, f'<input type="hidden" name="next" value="{ACTION_LOG}">')
        self.assertContains(response, f'href="{ACTION_LOG}" data-testid="cancel-release"')
        # Asking changes nothing.
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)
        # Confirmed: released, back to where the supervisor came from.
        response = self.client.post(
            reverse("supervision:release-lease", args=[assignment.task_id]), {"next": ACTION_LOG}
        )
        self.assertRedirects(response, ACTION_LOG)
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)

    def test_it_says_when_a_fresh_call_may_be_released(self):
        self.clock = timezone.now() - timedelta(seconds=40)
        assignment = self.hold_a_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.get(confirm_url(assignment))
        self.assertContains(response, 'data-testid="release-too-early"')
        self.assertNotContains(response, 'data-testid="confirm-release-button"')

    def test_it_says_when_nobody_holds_the_call(self):
        task = self.make_task()
        self.client.force_login(self.bob)
        response = self.client.get(confirm_url(Assignment(task=task)))
        self.assertContains(response, 'data-testid="release-nobody"')

    def test_it_goes_back_to_the_board_rather_than_elsewhere(self):
        assignment = self.hold_a_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.get(confirm_url(assignment), {"next": "https://evil.example/"})
        self.assertContains(response, f'href="{BOARD}" data-testid="cancel-release"')

    def test_it_is_scoped_like_the_action(self):
        assignment = self.hold_a_call(self.alice)
        url = confirm_url(assignment)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.client.force_login(self.anna)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get(url).status_code, 404)
