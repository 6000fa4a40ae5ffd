"""Repair the dates stored before the input bounds (issue 12): a sample, onset, exposure or birth
date of year 1 or 9999 was accepted, stored (year 1 in Paris time is a BC timestamp in UTC that
PostgreSQL keeps but Python cannot read back) and then broke every page that read it.

Each such value is replaced by the nearest thing the row knows for sure, and a count is logged:
- a sample time, required: the time the case was identified (registered), which follows it;
- a last exposure date, required: the day the contact was identified;
- an onset or birth date, optional: emptied.
The filters compare in SQL, so rows whose value Python cannot read are repaired too. Nothing to
undo: the reverse leaves the repaired values.
"""

import logging
from datetime import UTC, date, datetime

from django.db import migrations
from django.db.models import F, Q
from django.db.models.functions import TruncDate

logger = logging.getLogger(__name__)

# common.bounds' widest ranges (copied: a migration keeps the values of its day).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2101, 1, 1, tzinfo=UTC)


def _outside(field: str, first, last) -> Q:
    return Q(**{f"{field}__lt": first}) | Q(**{f"{field}__gt": last})


def repair(apps, schema_editor) -> dict[str, int]:
    Person = apps.get_model("cases", "Person")
    IndexCase = apps.get_model("cases", "IndexCase")
    Exposure = apps.get_model("cases", "Exposure")
    counts = {
        "index case sample times": IndexCase.objects.filter(
            _outside("sampled_at", EARLIEST_MOMENT, LATEST_MOMENT)
        ).update(sampled_at=F("identified_at")),
        "index case onset dates": IndexCase.objects.filter(
            _outside("symptom_onset_on", EARLIEST_DATE, LATEST_DATE)
        ).update(symptom_onset_on=None),
        "exposure dates": Exposure.objects.filter(
            _outside("last_exposure_date", EARLIEST_DATE, LATEST_DATE)
        ).update(last_exposure_date=TruncDate("identified_at")),
        "birth dates": Person.objects.filter(
            _outside("birth_date", EARLIEST_BIRTH_DATE, LATEST_DATE)
        ).update(birth_date=None),
    }
    for what, count in counts.items():
        if count:
            logger.warning("Repaired %s out-of-range %s", count, what)
    return counts


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_national_reference_data")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
