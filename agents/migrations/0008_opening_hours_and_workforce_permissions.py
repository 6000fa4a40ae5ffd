from datetime import time

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "candidate": ["view", "add", "change"],
    "candidateevent": ["view"],
    "trainingsession": ["view", "add", "change"],
    "openinghours": ["view", "add", "change", "delete"],
    "shiftpattern": ["view", "add", "change", "delete"],
    "shift": ["view"],
    "clockentry": ["view"],
    "staffingparameters": ["view", "change"],
    "volumeforecast": ["view", "add", "change", "delete"],
}


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
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="admin_cpam")
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="agents", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("agents", "0007_recruitment_rota_staffing")]
    operations = [
        migrations.RunPython(seed_opening_hours, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
