from django.db import migrations

from common.permissions import grant_permissions

# What a CPAM admin may do in the Django admin on this app's models (scoped to their territory).
ADMIN_CPAM_PERMISSIONS = {
    "person": ["view", "change"],
    "phone": ["view", "add", "change"],
    "indexcase": ["view", "add", "change"],
    "exposure": ["view", "add", "change"],
    "isolationruleset": ["view", "add", "change"],
    "interview": ["view"],
    "notification": ["view"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, group="admin_cpam", app_label="cases", permissions=ADMIN_CPAM_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_seed_isolation_rules"),
        # The roles exist from there.
        ("agents", "0003_create_roles"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
