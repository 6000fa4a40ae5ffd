"""Repair the callback times stored before the input bounds (issue 12): a callback or a "put back
from" time in the year 9999 parked a call for good, out of every queue (nothing owed may be lost).

Such a call becomes callable now (its `not_before` and booked callback time emptied) and a count
is logged. The filters compare in SQL, so values Python cannot read are repaired too. Nothing to
undo: the reverse leaves the repaired values.
"""

import logging
from datetime import UTC, datetime

from django.db import migrations
from django.db.models import Q

logger = logging.getLogger(__name__)

# common.bounds' widest range (copied: a migration keeps the values of its day).
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2101, 1, 1, tzinfo=UTC)


def _outside(field: str) -> Q:
    return Q(**{f"{field}__lt": EARLIEST_MOMENT}) | Q(**{f"{field}__gt": LATEST_MOMENT})


def repair(apps, schema_editor) -> dict[str, int]:
    CallTask = apps.get_model("calls", "CallTask")
    TaskEvent = apps.get_model("calls", "TaskEvent")
    counts = {
        "call not-before times": CallTask.objects.filter(_outside("not_before")).update(
            not_before=None
        ),
        "booked callback times": CallTask.objects.filter(_outside("callback_at")).update(
            callback_at=None
        ),
        "put-back target times": TaskEvent.objects.filter(_outside("target_at")).update(
            target_at=None
        ),
    }
    for what, count in counts.items():
        if count:
            logger.warning("Repaired %s out-of-range %s", count, what)
    return counts


class Migration(migrations.Migration):
    dependencies = [("calls", "0013_sms_not_sent_index")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
