from django.db import migrations

from common.permissions import grant_permissions

# A CPAM admin reads the carrier's records of their territory's calls and keeps its voicemail
# drops (scoped to their territory in the admin).
ADMIN_CPAM_PERMISSIONS = {
    "carriercall": ["view"],
    "voicemaildrop": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    grant_permissions(
        apps, group="admin_cpam", app_label="calls", permissions=ADMIN_CPAM_PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [("calls", "0020_carrier_evidence"), ("agents", "0003_create_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
