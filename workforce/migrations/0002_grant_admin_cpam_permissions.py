from django.db import migrations

from common.permissions import grant_permissions

# What a CPAM admin may do in the Django admin on this app's models (scoped to their territory).
ADMIN_CPAM_PERMISSIONS = {
    "contract": ["view", "add", "change"],
    "candidate": ["view", "add", "change"],
    "candidateevent": ["view"],
    "trainingsession": ["view", "add", "change"],
    "shiftpattern": ["view", "add", "change", "delete"],
    "shift": ["view"],
    "clockentry": ["view"],
    "staffingparameters": ["view", "change"],
    "volumeforecast": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, group="admin_cpam", app_label="workforce", permissions=ADMIN_CPAM_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0001_models_from_agents"),
        # The roles exist from there.
        ("agents", "0003_create_roles"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
