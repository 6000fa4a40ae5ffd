from django.db import migrations

from common.permissions import grant_permissions

# What a CPAM admin may do in the Django admin on the foundation's models; every admin queryset is
# scoped to their territory. Each app grants the permissions on its own models (cases 0004,
# calls 0006, workforce 0002).
ADMIN_CPAM_PERMISSIONS = {
    "territory": ["view", "change"],
    "plateau": ["view", "add", "change"],
    "team": ["view", "add", "change", "delete"],
    "agent": ["view", "add", "change"],
    "language": ["view"],
}
ROLES = ["teleconseiller", "superviseur", "admin_cpam", "lab_feed"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    grant_permissions(apps, group="admin_cpam", app_label="agents", permissions=ADMIN_CPAM_PERMISSIONS)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_load_languages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
