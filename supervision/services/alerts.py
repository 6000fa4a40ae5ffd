"""Alerts: agents flagged on the boards, raised and cleared by the periodic job, acknowledged by
supervisors."""

from datetime import datetime

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet

from calls.models import SmsMessage
from supervision.models import Alert, SupervisorAction

ALL_TERRITORIES = "all"


def alert_count_key(territory_id: int | str) -> str:
    return f"supervision:open-alerts:{territory_id}"


def undelivered_sms_key(territory_id: int | str) -> str:
    return f"supervision:undelivered-sms:{territory_id}"


@transaction.atomic
def sync_alerts(*, conditions: set[tuple[int, str]], now: datetime) -> tuple[int, int]:
    """Make the open alerts match the (agent id, kind) conditions that hold now: raise the new
    ones, clear the ended ones; return (raised, cleared). Running it twice changes nothing."""
    open_alerts = list(Alert.objects.open().values_list("pk", "agent_id", "kind"))
    already = {(agent_id, kind) for _pk, agent_id, kind in open_alerts}
    ended = [pk for pk, agent_id, kind in open_alerts if (agent_id, kind) not in conditions]
    cleared = (
        Alert.objects.filter(pk__in=ended, cleared_at__isnull=True).update(cleared_at=now)
        if ended
        else 0
    )
    new = [
        Alert(agent_id=agent_id, kind=kind, raised_at=now)
        for agent_id, kind in sorted(conditions - already)
    ]
    # The constraint (one open alert per agent and kind) settles a race with a concurrent run.
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    return len(new), cleared


def _per_territory(
    queryset: QuerySet, *, territory: str, territory_ids: list[int]
) -> dict[int | str, int]:
    """Count the rows per territory (the `territory` lookup) and in all, in one query; a
    territory with none counts 0."""
    counts: dict[int | str, int] = dict.fromkeys(territory_ids, 0)
    rows = queryset.values(territory).annotate(n=Count("pk")).order_by().values_list(territory, "n")
    for territory_id, n in rows:
        counts[territory_id] = n
    counts[ALL_TERRITORIES] = sum(n for key, n in counts.items() if key != ALL_TERRITORIES)
    return counts


def count_open_alerts(*, territory_ids: list[int]) -> dict[int | str, int]:
    """Count the open alerts nobody acknowledged yet, per territory and in all (one query)."""
    return _per_territory(
        Alert.objects.open().filter(acknowledged_at__isnull=True),
        territory="agent__territory_id",
        territory_ids=territory_ids,
    )


def count_undelivered_sms(*, territory_ids: list[int]) -> dict[int | str, int]:
    """Count the SMS the gateway refused (failing or failed), per territory and in all."""
    return _per_territory(
        SmsMessage.objects.undelivered(),
        territory="task__territory_id",
        territory_ids=territory_ids,
    )


def cache_open_alert_counts(*, territory_ids: list[int], timeout: int) -> None:
    """Store the badges' counts (open alerts, undelivered SMS) in the cache, so that pages show
    them without a query."""
    alerts = count_open_alerts(territory_ids=territory_ids)
    sms = count_undelivered_sms(territory_ids=territory_ids)
    cache.set_many(
        {alert_count_key(key): n for key, n in alerts.items()}
        | {undelivered_sms_key(key): n for key, n in sms.items()},
        timeout=timeout,
    )


@transaction.atomic
def acknowledge_alert(*, alert: Alert, user: User, note: str, now: datetime) -> bool:
    """Acknowledge an alert with a note, logged as a supervisor action; False if someone did
    already."""
    done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=now, note=note
    )
    if not done:
        return False
    SupervisorAction.objects.create(
        actor=user,
        territory_id=alert.agent.territory_id,
        kind=SupervisorAction.Kind.ACKNOWLEDGE_ALERT,
        agent=alert.agent,
        note=note,
        at=now,
    )
    alert.acknowledged_by, alert.acknowledged_at, alert.note = user, now, note
    # The badge counts what is left to look at: one fewer at once, not at the next refresh.
    transaction.on_commit(lambda: _decrement_counts(alert.agent.territory_id))
    return True


def _decrement_counts(territory_id: int) -> None:
    for key in (alert_count_key(territory_id), alert_count_key(ALL_TERRITORIES)):
        try:
            if cache.get(key):
                cache.decr(key)
        except ValueError:
            pass  # Expired in between: the next refresh writes it again.
