from django.db import migrations

from common.permissions import grant_permissions

# What a CPAM admin may do in the Django admin on this app's models (scoped to their territory).
ADMIN_CPAM_PERMISSIONS = {
    "calltask": ["view", "change"],
    "callattempt": ["view"],
    "retryrule": ["view", "change"],
    "smsmessage": ["view"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, group="admin_cpam", app_label="calls", permissions=ADMIN_CPAM_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0005_sla_index"),
        # The roles exist from there.
        ("agents", "0003_create_roles"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
