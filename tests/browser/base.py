"""Browser tests: Playwright driving Debian's Chromium against a live server."""

import os
import shutil
import time

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

FLUSH_ATTEMPTS = 4
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine's network is closed: background calls to Google's hosts only slow the start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
class BrowserTestCase(StaticLiveServerTestCase):
    # Keep migration data (languages, roles) after each test's flush.
    serialized_rollback = True

    @classmethod
    def setUpClass(cls):
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            raise RuntimeError(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
        # test itself are still synchronous.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        # Playwright runs the test in a greenlet, where Django's connection handler hands out a
        # fresh connection object that lacks the snapshot serialized_rollback restores from.
        cls._serialized_contents = getattr(
            connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None
        )
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )

    @classmethod
    def _share_snapshot(cls):
        connection = connections[DEFAULT_DB_ALIAS]
        if cls._serialized_contents is not None and not hasattr(
            connection, "_test_serialized_contents"
        ):
            connection._test_serialized_contents = cls._serialized_contents

    @classmethod
    def _fixture_setup(cls):
        cls._share_snapshot()
        super()._fixture_setup()

    def _fixture_teardown(self):
        # Without the snapshot in sight, the flush would re-run post_migrate and collide with it.
        self._share_snapshot()
        # A request the browser sent just before its page closed may still hold a row lock (an
        # outcome locking its territory's SMS slots): PostgreSQL then picks the flush's TRUNCATE
        # as a deadlock's victim. The request ends within moments; flush again.
        for attempt in range(FLUSH_ATTEMPTS):
            try:
                super()._fixture_teardown()
                return
            except (OperationalError, CommandError) as error:
                if "deadlock" not in str(error.__cause__ or error) or attempt == FLUSH_ATTEMPTS - 1:
                    raise
                time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe

    def new_page(self, *, locale: str = "en-US", width: int | None = None):
        viewport = {"width": width, "height": 900} if width else None
        context = self.browser.new_context(locale=locale, viewport=viewport)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def log_in(self, page, username: str, password: str) -> None:
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.locator("form[action*='login'] [type=submit], main form [type=submit]").first.click()
        page.wait_for_load_state()
