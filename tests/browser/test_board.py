import os
from datetime import time, timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Agent, AgentDay, PauseReason, Plateau, Territory
from agents.services.staff import set_agent_status
from intake.services import register_index_case
from supervision.services.board import refresh_boards
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase
from workforce.models.rota import Shift

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


@override_settings(BOARD_POLL_SECONDS=1)
class BoardBrowserTests(BrowserTestCase):
    def setUp(self):
        # Snapshots of earlier tests' territories (ids are reused) must not show here.
        cache.clear()
        # Calling hours around the clock, so that the test passes at any hour.
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        plateau = Plateau.objects.create(territory=self.territory, name="Saint-Denis")
        make_user(
            "agent93",
            roles.TELECONSEILLER,
            territory=self.territory,
            languages=("fr",),
            plateau=plateau,
        )
        make_user("super93", roles.SUPERVISEUR, territory=self.territory, plateau=plateau)
        self.plateau = plateau
        now = timezone.now()
        register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=1),
        )

    HIDE = (
        "Object.defineProperty(document, 'visibilityState', "
        "{configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    SHOW = HIDE.replace("'hidden'", "'visible'")

    def open_board(self, **page_options):
        page = self.new_page(**page_options)
        self.polls, self.pending = [], set()
        page.on(
            "request", lambda request: "board/rows" in request.url and self.polls.append(request)
        )
        page.on(
            "request", lambda request: "board/rows" in request.url and self.pending.add(request)
        )
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", lambda request: self.pending.discard(request))
        # Before the context closes: a poll still running in the server when the test's database
        # is flushed would lock its tables.
        self.addCleanup(self.stop_polling, page)
        self.log_in(page, "super93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('supervision:plateau')}")
        return page

    def stop_polling(self, page) -> None:
        page.evaluate(self.HIDE)
        for _ in range(100):
            if not self.pending:
                break
            page.wait_for_timeout(50)

    def test_the_board_shows_a_call_recorded_in_another_browser_within_the_refresh_period(self):
        errors = []
        board = self.open_board()
        board.on("console", lambda message: message.type == "error" and errors.append(message.text))
        board.on("pageerror", lambda error: errors.append(str(error)))
        board.wait_for_selector("[data-testid=board-empty]")

        # The agent, in another browser context, takes a call and records it.
        desk = self.new_page()
        self.log_in(desk, "agent93", PASSWORD)
        desk.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        desk.click("[data-testid=status-ready]")
        desk.wait_for_selector("#current-status[data-status=ready]")
        # The periodic job (no beat runs in tests): the board polls it in within a second.
        refresh_boards(now=timezone.now())
        row = "[data-testid=board-row][data-agent=agent93]"
        board.wait_for_selector(f"{row}[data-status=ready]", timeout=3_000)
        self.assertEqual(board.text_content(f"{row} [data-testid=calls-today]").strip(), "0")

        desk.click("[data-testid=next-call]")
        desk.wait_for_selector("[data-testid=contact-card]")
        desk.click("input[name=outcome][value=no_answer]")
        desk.click("[data-testid=record-outcome]")
        desk.wait_for_selector("[data-testid=next-call]")
        refresh_boards(now=timezone.now())

        board.wait_for_selector(f"{row}[data-status=wrap_up]", timeout=3_000)
        self.assertEqual(board.text_content(f"{row} [data-testid=calls-today]").strip(), "1")
        self.assertEqual(board.text_content(f"{row} [data-testid=reached-today]").strip(), "0")
        # Without a reload: the page's own filters are still there, and no script broke the CSP.
        self.assertEqual(board.locator("[data-testid=board-filters]").count(), 1)
        self.assertEqual(errors, [])

        # The supervisor puts the agent in pause from their row, with the reason chosen above.
        board.select_option("#pause-reason", "debrief")
        board.click(f"{row} [data-testid=pause-agent]")
        board.wait_for_selector(".message--success")
        refresh_boards(now=timezone.now())
        board.wait_for_selector(f"{row}[data-status=paused][data-pause=debrief]", timeout=3_000)

    def test_it_stops_polling_while_the_tab_is_hidden(self):
        board = self.open_board()
        board.wait_for_timeout(2_500)
        self.assertGreaterEqual(len(self.polls), 1)
        board.evaluate(self.HIDE)
        board.wait_for_timeout(300)
        seen = len(self.polls)
        board.wait_for_timeout(2_500)
        self.assertEqual(len(self.polls), seen)
        board.evaluate(self.SHOW)
        board.wait_for_timeout(1_500)
        self.assertGreater(len(self.polls), seen)

    def test_a_supervisor_sees_a_rostered_agent_who_is_not_logged_in(self):
        absent = make_user(
            "absent93",
            roles.TELECONSEILLER,
            territory=self.territory,
            languages=("fr",),
            plateau=self.plateau,
        )
        started = timezone.now() - timedelta(minutes=40)
        Shift.objects.create(
            agent=absent.agent,
            plateau=self.plateau,
            day=timezone.localdate(started, timezone=self.territory.zone),
            starts_at=started,
            ends_at=started + timedelta(hours=7),
        )
        refresh_boards(now=timezone.now())
        page = self.open_board()
        row = page.locator('[data-testid=board-row][data-agent="absent93"]')
        expect(row).to_have_attribute("data-roster", "absent")
        expect(row.locator("[data-testid=roster-absent]")).to_be_visible()
        shift_start = started.astimezone(self.territory.zone).strftime("%H:%M")
        expect(row).to_contain_text(shift_start)
        page.screenshot(path="test-results/board-absent.png", full_page=True)

    def test_the_board_fits_1440_px_and_shouts_an_idle_agent(self):
        """Issue 13: at 1440×900 every column that matters shows without horizontal scroll; an
        agent ready and idle for long, or paused past the reason's limit, stands out in a strong
        colour with the time; the legend names each status; the other columns come on demand."""
        now = timezone.now()
        for n in range(12):
            user = make_user(
                f"agent{n:02d}",
                roles.TELECONSEILLER,
                territory=self.territory,
                languages=("fr", "en", "ar"),
                plateau=self.plateau,
            )
            if n == 0:
                set_agent_status(
                    agent=user.agent, status=Agent.Status.READY, now=now - timedelta(minutes=20)
                )
            elif n == 1:
                reason = PauseReason.objects.filter(active=True, max_minutes__isnull=False).first()
                set_agent_status(
                    agent=user.agent,
                    status=Agent.Status.PAUSED,
                    pause_reason=reason,
                    now=now - timedelta(minutes=reason.max_minutes + 10),
                )
            else:
                set_agent_status(agent=user.agent, status=Agent.Status.READY, now=now)
        refresh_boards(now=now)
        page = self.open_board(locale="fr-FR", width=1440)
        idle = page.locator('[data-testid=board-row][data-agent="agent00"]')
        expect(idle).to_have_attribute("data-colour", "ready_alert")

        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 1440)
        # The last column (the actions) ends inside the window.
        actions = page.locator('[data-testid=board-row][data-agent="agent00"] td').last
        box = actions.bounding_box()
        self.assertLessEqual(box["x"] + box["width"], 1440)

        # Strong colours: amber for the idle agent, red for the pause overrun; the time in bold.
        background = idle.evaluate("row => getComputedStyle(row).backgroundColor")
        self.assertEqual(background, "rgb(255, 214, 102)")
        over = page.locator('[data-testid=board-row][data-agent="agent01"]')
        expect(over).to_have_attribute("data-colour", "paused_over")
        self.assertEqual(
            over.evaluate("row => getComputedStyle(row).backgroundColor"), "rgb(255, 179, 179)"
        )
        weight = idle.locator("[data-testid=status-time]").evaluate(
            "cell => getComputedStyle(cell).fontWeight"
        )
        self.assertGreaterEqual(int(weight), 700)

        # A labelled legend, and a status mix.
        expect(page.locator("[data-testid=legend-ready]")).to_contain_text("Prêt")
        expect(page.locator("[data-testid=legend-paused]")).to_contain_text("En pause")
        expect(page.locator("[data-testid=status-mix] rect")).not_to_have_count(0)
        expect(page.locator("[data-testid=board-chart] svg")).to_be_visible()

        # Talk time and the like on demand, kept across a refresh.
        talk = idle.locator("[data-testid=talk-time]")
        expect(talk).to_be_hidden()
        page.check("[data-testid=board-more-columns]")
        expect(talk).to_be_visible()
        refresh_boards(now=timezone.now())
        page.wait_for_timeout(1_500)
        expect(
            page.locator('[data-testid=board-row][data-agent="agent00"] [data-testid=talk-time]')
        ).to_be_visible()
        page.screenshot(path="test-results/board-1440.png", full_page=True)

    def test_the_calls_not_marked_show_beside_the_talk_time_on_a_desk_and_a_phone(self):
        agent = Agent.objects.get(user__username="agent93")
        now = timezone.now()
        set_agent_status(agent=agent, status=Agent.Status.READY, now=now - timedelta(minutes=1))
        # A crafted day: five calls, three of them conversations recorded without « Décroché ».
        AgentDay.objects.update_or_create(
            agent=agent,
            day=timezone.localdate(now, agent.territory.zone),
            defaults={"calls": 5, "reached": 2, "talk_seconds": 600, "talk_not_marked": 3},
        )
        refresh_boards(now=now)
        for width in (1440, 390):
            with self.subTest(width=width):
                page = self.open_board(locale="fr-FR", width=width)
                cell = page.locator(
                    "[data-testid=board-row][data-agent=agent93] [data-testid=talk-not-marked]"
                )
                # With the talk time, on demand.
                expect(cell).to_be_hidden()
                if width == 390:
                    # The page itself never scrolls sideways: the table scrolls in its frame.
                    self.assertLessEqual(
                        page.evaluate("document.documentElement.scrollWidth"), width
                    )
                page.check("[data-testid=board-more-columns]")
                expect(cell).to_have_text("3")
                if width == 390:
                    self.assertLessEqual(
                        page.evaluate("document.documentElement.scrollWidth"), width
                    )
                if SCREENSHOTS:
                    page.screenshot(
                        path=os.path.join(SCREENSHOTS, f"board-not-marked-{width}.png"),
                        full_page=True,
                    )
                    report = f"{self.live_server_url}{reverse('supervision:productivity-report')}"
                    page.goto(report)
                    page.screenshot(
                        path=os.path.join(SCREENSHOTS, f"report-not-marked-{width}.png"),
                        full_page=True,
                    )
