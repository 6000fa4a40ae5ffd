"""The clock `make screenshots` runs its throwaway demo on (demo/screenshots.py)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from demo.screenshots import DEMO_TIME, shifted_clock

PARIS = ZoneInfo("Europe/Paris")


def test_the_clock_starts_at_the_demo_time_in_paris_and_runs_at_the_real_pace():
    real = [datetime(2026, 12, 3, 6, 20, tzinfo=UTC)]
    clock = shifted_clock(lambda: real[0])

    assert clock().astimezone(PARIS).time() == DEMO_TIME == time(15, 30)
    assert clock().astimezone(PARIS).date() == real[0].astimezone(PARIS).date()
    real[0] += timedelta(seconds=90)
    assert clock().astimezone(PARIS).time() == time(15, 31, 30)


def test_late_in_the_evening_the_clock_goes_back_to_the_same_day():
    # 23:30 UTC is already tomorrow in Paris: the demo day is Paris's day.
    clock = shifted_clock(lambda: datetime(2026, 12, 3, 23, 30, tzinfo=UTC))

    assert clock() == datetime(2026, 12, 4, 15, 30, tzinfo=PARIS)
