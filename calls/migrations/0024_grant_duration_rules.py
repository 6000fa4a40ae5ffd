from django.db import migrations

from common.permissions import grant_permissions

# Like the retry rules: national admins change this shared reference data; CPAM admins read it.
NATIONAL = {"durationrule": ["view", "change", "add", "delete"]}
CPAM = {"durationrule": ["view"]}


def grant(apps, schema_editor):
    grant_permissions(apps, group="admin_national", app_label="calls", permissions=NATIONAL)
    grant_permissions(apps, group="admin_cpam", app_label="calls", permissions=CPAM)


class Migration(migrations.Migration):
    dependencies = [("calls", "0023_seed_duration_rules"), ("agents", "0015_admin_national_role")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
