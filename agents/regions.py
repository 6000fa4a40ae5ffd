"""The static table of French regions and the region of each département (agents/data/regions.json):
read by the migration that creates the regions and by whatever creates a territory."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"


@cache
def _table() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def region_names() -> dict[str, str]:
    """Return every region's INSEE code and name."""
    return dict(_table()["regions"])


def region_code_for(departement_code: str) -> str | None:
    """Return the INSEE code of the region a département belongs to ("93" → "11"), or None."""
    return _table()["departements"].get(departement_code.strip().upper())
