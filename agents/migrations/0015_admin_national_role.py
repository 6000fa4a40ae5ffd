from django.db import migrations

from common.permissions import grant_permissions, revoke_permissions

# Issue 12 part 6: the reference data every CPAM shares is changed by a national role only. A CPAM
# admin's edit of it changed every other CPAM's behaviour (a 93 admin's retry rule escalated a
# Paris task after one attempt), so CPAM admins keep reading it and lose adding and changing it.
# Each app moves the permissions on its own models (calls 0009, cases 0005).
NATIONAL = {"pausereason": ["view", "add", "change"]}
TAKEN_FROM_CPAM = {"pausereason": ["add", "change"]}


def create_national_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="admin_national")
    grant_permissions(apps, group="admin_national", app_label="agents", permissions=NATIONAL)
    revoke_permissions(apps, group="admin_cpam", app_label="agents", permissions=TAKEN_FROM_CPAM)


def drop_national_role(apps, schema_editor):
    grant_permissions(apps, group="admin_cpam", app_label="agents", permissions=TAKEN_FROM_CPAM)
    apps.get_model("auth", "Group").objects.filter(name="admin_national").delete()


class Migration(migrations.Migration):
    dependencies = [("agents", "0014_agent_last_seen_at")]
    operations = [migrations.RunPython(create_national_role, drop_national_role)]
