from django.db import migrations

# The reasons that can hide a day: the Flemish provider's agents sat in "training" all day.
CAPS = {"formation": 120, "reunion": 60}


def seed(apps, schema_editor):
    PauseReason = apps.get_model("agents", "PauseReason")
    for code, minutes in CAPS.items():
        PauseReason.objects.filter(code=code, daily_cap_minutes__isnull=True).update(
            daily_cap_minutes=minutes
        )


class Migration(migrations.Migration):
    dependencies = [("agents", "0019_pause_caps")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
