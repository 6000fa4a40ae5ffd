"""Reads for the plateau board, the national overview and the supervision API: the cached
snapshots (supervision.services.board), scoped to the user's territory, filtered and sorted here.

No query grows with the number of agents: the rows, and the choices of the filters, come from
the snapshot.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.access import RequestUser
from agents.models import Agent, Language, Territory
from calls.models import CallAttempt
from common.durations import clock
from supervision.models import Alert
from supervision.services.board import (
    ROSTER_ABSENT,
    snapshot_for,
    snapshots_for,
    totals_for,
)

Status = Agent.Status

# Sort keys of the board: the GET value, and how to sort rows by it (None last).
SORTS = {
    "name": lambda r: (r["last_name"].lower(), r["full_name"].lower()),
    "team": lambda r: (r["team"].lower(), r["last_name"].lower()),
    "status": lambda r: (r["status"], -r["status_seconds"]),
    "time": lambda r: r["status_seconds"],
    "calls": lambda r: r["calls"],
    "reached": lambda r: r["reached"],
    "talk": lambda r: r["talk_seconds"],
    # .get: a snapshot cached before the figure was added lacks it until the next refresh.
    "not_marked": lambda r: r.get("talk_not_marked", 0),
    "aht": lambda r: r["aht_seconds"],
    "short": lambda r: r["short_calls"],
    "last_call": lambda r: r["last_call_at"],
    "logged_in": lambda r: r["logged_in_seconds"],
    "active": lambda r: r["active_seconds"],
    "per_hour": lambda r: r.get("calls_per_active_hour"),
    "on_call_share": lambda r: r.get("on_call_share"),
    "flags": lambda r: len(r["flags"]),
}
DEFAULT_SORT = "name"
FLAG_ANY = "any"


def user_territories(user: RequestUser) -> list[Territory]:
    """Return the territories whose boards the user may see (one query)."""
    return list(Territory.objects.for_user(user).order_by("code"))


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    return clock(seconds)


def _number(value: float | None) -> str:
    return "–" if value is None else number_format(value, 1)


def _percent(value: int | None) -> str:
    return "–" if value is None else f"{value} %"


@dataclass(frozen=True)
class BoardFilters:
    plateau: int | None = None
    team: int | None = None
    language: str = ""
    status: str = ""
    flag: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False

    @classmethod
    def from_query(cls, query: QueryDict, *, default_plateau: int | None) -> "BoardFilters":
        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if value.isdigit() else None

        sort = query.get("sort", DEFAULT_SORT)
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            sort, descending = DEFAULT_SORT, False
        status = query.get("status", "")
        flag = query.get("flag", "")
        return cls(
            # A supervisor sees their own plateau unless they choose another (or all: "").
            plateau=number("plateau") if "plateau" in query else default_plateau,
            team=number("team"),
            language=query.get("language", "")[:3],
            status=status if status in Status.values or status == ROSTER_ABSENT else "",
            flag=flag if flag in Alert.Kind.values or flag == FLAG_ANY else "",
            sort=sort,
            descending=descending,
        )

    def keep(self, row: dict) -> bool:
        return (
            (self.plateau is None or row["plateau_id"] == self.plateau)
            and (self.team is None or row["team_id"] == self.team)
            and (not self.language or self.language in row["languages"])
            and (
                not self.status
                or row["status"] == self.status
                or (self.status == ROSTER_ABSENT and row.get("roster") == ROSTER_ABSENT)
            )
            and (
                not self.flag
                or (row["flags"] if self.flag == FLAG_ANY else self.flag in row["flags"])
            )
        )


@dataclass
class Board:
    territory: dict
    computed_at: datetime
    rows: list[dict]
    total: int
    status_counts: dict[str, int]
    plateaux: list[tuple[int, str]]
    teams: list[tuple[int, str]]
    languages: list[tuple[str, str]]
    filters: BoardFilters
    territories: list[Territory] = field(default_factory=list)


def _display(row: dict, *, english: bool, zone: ZoneInfo, labels: dict, flags: dict) -> dict:
    """Add to a snapshot row what the page shows, formatted here once rather than by template
    filters in a loop of hundreds of rows."""
    logged_in = row["status"] != Status.OFFLINE
    return {
        **row,
        "language_list": ", ".join(row["languages"]).upper(),
        "since_local": row["status_since"].astimezone(zone).strftime("%H:%M") if logged_in else "",
        "since_epoch": int(row["status_since"].timestamp()),
        "last_call_local": row["last_call_at"].astimezone(zone).strftime("%H:%M")
        if row["last_call_at"]
        else "–",
        "can_pause": row["status"] in (Status.READY, Status.WRAP_UP, Status.ON_CALL),
        "status_label": labels[row["status"]],
        "pause_label": (row["pause_label_en"] if english else row["pause_label_fr"])
        or row["pause_reason"],
        "status_time": _duration(row["status_seconds"]),
        "talk_time": _duration(row["talk_seconds"]),
        "aht_time": _duration(row["aht_seconds"]),
        "logged_in_time": _duration(row["logged_in_seconds"]),
        "active_time": _duration(row["active_seconds"]),
        "per_hour_text": _number(row.get("calls_per_active_hour")),
        "on_call_share_text": _percent(row.get("on_call_share")),
        "low_rates": row.get("low_rates", False),
        "flag_labels": [(kind, flags.get(kind, kind)) for kind in row["flags"]],
        "shift_start_local": row["shift_starts_at"].astimezone(zone).strftime("%H:%M")
        if row.get("shift_starts_at")
        else "",
    }


def _sorted(rows: list[dict], *, sort: str, descending: bool) -> list[dict]:
    key = SORTS[sort]
    present = [r for r in rows if key(r) is not None]
    absent = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=descending) + absent


def plateau_board(
    *,
    user: RequestUser,
    territory: Territory,
    query: QueryDict,
    now: datetime,
) -> Board:
    """Return the board of one territory the user may see, filtered and sorted by the query."""
    default_plateau = None
    if (
        not user.is_superuser
        and roles.has_role(user, roles.SUPERVISEUR)
        and not roles.has_role(user, roles.ADMIN_CPAM)
    ):
        agent = getattr(user, "agent", None)
        if agent is not None and agent.territory_id == territory.pk:
            default_plateau = agent.plateau_id
    filters = BoardFilters.from_query(query, default_plateau=default_plateau)
    snapshot = snapshot_for(territory=territory, now=now)
    all_rows = snapshot["rows"]
    english = (get_language() or "fr").startswith("en")
    language_names = dict(Language.objects.values_list("code", "name_en" if english else "name_fr"))
    zone = ZoneInfo(snapshot["territory"]["timezone"])
    # Translated once, not once per row.
    labels = {value: str(label) for value, label in Status.choices}
    flags = {kind: str(label) for kind, label in Alert.Kind.choices}
    rows = [
        _display(r, english=english, zone=zone, labels=labels, flags=flags)
        for r in all_rows
        if filters.keep(r)
    ]
    status_counts = dict.fromkeys([*Status.values, ROSTER_ABSENT], 0)
    for r in rows:
        status_counts[r["status"]] += 1
        if r.get("roster") == ROSTER_ABSENT:
            status_counts[ROSTER_ABSENT] += 1
    codes = sorted({code for r in all_rows for code in r["languages"]})
    return Board(
        territory=snapshot["territory"],
        computed_at=snapshot["computed_at"],
        rows=_sorted(rows, sort=filters.sort, descending=filters.descending),
        total=len(all_rows),
        status_counts=status_counts,
        plateaux=sorted(
            {(r["plateau_id"], r["plateau"]) for r in all_rows if r["plateau_id"]},
            key=lambda p: p[1],
        ),
        teams=sorted(
            {(r["team_id"], r["team"]) for r in all_rows if r["team_id"]}, key=lambda t: t[1]
        ),
        languages=[(code, language_names.get(code, code)) for code in codes],
        filters=filters,
    )


@dataclass(frozen=True)
class TerritoryTotals:
    territory: dict
    computed_at: datetime
    agents: int
    by_status: dict[str, int]
    calls: int
    reached: int
    flagged: int
    absent: int = 0


def national_overview(
    *,
    user: RequestUser,
    now: datetime,
) -> tuple[list[TerritoryTotals], TerritoryTotals | None]:
    """Return each territory's totals the user may see, and their sum (None when empty)."""
    totals = [TerritoryTotals(**t) for t in totals_for(territories=user_territories(user), now=now)]
    if not totals:
        return [], None
    grand = TerritoryTotals(
        territory={"id": None, "code": "", "name": str(_("All territories")), "timezone": ""},
        computed_at=min(t.computed_at for t in totals),
        agents=sum(t.agents for t in totals),
        by_status={s: sum(t.by_status[s] for t in totals) for s in Status.values},
        calls=sum(t.calls for t in totals),
        reached=sum(t.reached for t in totals),
        flagged=sum(t.flagged for t in totals),
        absent=sum(t.absent for t in totals),
    )
    return totals, grand


def agents_for_api(*, user: RequestUser, now: datetime, territory_code: str = "") -> list[dict]:
    """Return the board rows of the user's territory (a superuser: every territory, or one)."""
    territories = Territory.objects.for_user(user).order_by("code")
    if territory_code:
        territories = territories.filter(code=territory_code)
    rows = []
    for snapshot in snapshots_for(territories=list(territories), now=now):
        rows.extend(snapshot["rows"])
    return rows


def calls_per_hour(*, territory: Territory, now: datetime) -> list[tuple[int, int, int]]:
    """Return (hour, calls, reached) for each hour of the territory's day so far, from its first
    call (or its opening hour when none yet): the board's chart. One query over the day's
    attempts of the territory's agents."""
    zone = territory.zone
    local_now = now.astimezone(zone)
    day_start = datetime.combine(local_now.date(), time.min, tzinfo=zone)
    rows = (
        CallAttempt.objects.filter(
            agent__territory=territory, started_at__gte=day_start, started_at__lte=now
        )
        .annotate(hour=ExtractHour("started_at", tzinfo=zone))
        .values("hour")
        .annotate(calls=Count("pk"), reached=Count("pk", filter=Q(outcome="reached")))
        .order_by("hour")
    )
    by_hour = {row["hour"]: (row["calls"], row["reached"]) for row in rows}
    first = min([*by_hour, territory.calling_hours_start.hour, local_now.hour])
    return [(hour, *by_hour.get(hour, (0, 0))) for hour in range(first, local_now.hour + 1)]
