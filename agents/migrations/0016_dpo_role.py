from django.db import migrations


def create_dpo(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="dpo")


def drop_dpo(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="dpo").delete()


class Migration(migrations.Migration):
    # The data-protection officer's role (issue 12): no model permission, one page (the audit).
    dependencies = [("agents", "0015_admin_national_role")]

    operations = [migrations.RunPython(create_dpo, drop_dpo)]
