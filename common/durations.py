"""Durations as the pages show them: minutes and seconds, with the hours in front from an hour
on (5:07, 1:02:45)."""


def clock(seconds: int | float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
