from django.db import migrations

from common.permissions import grant_permissions, revoke_permissions

# Issue 12 part 6 (see agents 0015): national admins change this shared reference data; CPAM
# admins only read it.
NATIONAL = {"isolationruleset": ["view", "add", "change"]}
TAKEN_FROM_CPAM = {"isolationruleset": ["add", "change"]}


def move_to_national(apps, schema_editor):
    grant_permissions(apps, group="admin_national", app_label="cases", permissions=NATIONAL)
    revoke_permissions(apps, group="admin_cpam", app_label="cases", permissions=TAKEN_FROM_CPAM)


def give_back_to_cpam(apps, schema_editor):
    grant_permissions(apps, group="admin_cpam", app_label="cases", permissions=TAKEN_FROM_CPAM)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_grant_admin_cpam_permissions"),
        ("agents", "0015_admin_national_role"),
    ]
    operations = [migrations.RunPython(move_to_national, give_back_to_cpam)]
