from datetime import time

from django.conf import settings
from django.db import migrations

from common.permissions import grant_permissions

def _hour(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def seed_opening_hours(apps, schema_editor):
    """Open every existing floor every day, public holidays included, at the default hours."""
    Territory = apps.get_model("agents", "Territory")
    OpeningHours = apps.get_model("agents", "OpeningHours")
    opens, closes = (_hour(value) for value in settings.DEFAULT_OPENING_HOURS)
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(territory=territory, weekday=weekday, opens_at=opens, closes_at=closes)
            for territory in Territory.objects.all()
            for weekday in range(8)
        ],
        ignore_conflicts=True,
    )


def grant(apps, schema_editor):
    # The workforce's models of the time were granted by the workforce app (its 0002).
    permissions = {"openinghours": ["view", "add", "change", "delete"]}
    grant_permissions(apps, group="admin_cpam", app_label="agents", permissions=permissions)


class Migration(migrations.Migration):
    dependencies = [("agents", "0007_recruitment_rota_staffing")]
    operations = [
        migrations.RunPython(seed_opening_hours, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
