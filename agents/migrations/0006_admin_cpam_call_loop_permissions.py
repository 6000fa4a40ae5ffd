from django.db import migrations

from common.permissions import grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        group="admin_cpam",
        app_label="agents",
        permissions={"pausereason": ["view", "add", "change"], "agentstatusperiod": ["view"]},
    )


class Migration(migrations.Migration):
    dependencies = [("agents", "0005_seed_pause_reasons")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
