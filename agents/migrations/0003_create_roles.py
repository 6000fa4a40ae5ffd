from django.contrib.auth.management import create_permissions
from django.db import migrations

# What a CPAM admin may do in the Django admin; every admin queryset is scoped to their territory.
ADMIN_CPAM_PERMISSIONS = {
    "agents": {
        "territory": ["view", "change"],
        "plateau": ["view", "add", "change"],
        "team": ["view", "add", "change", "delete"],
        "agent": ["view", "add", "change"],
        "contract": ["view", "add", "change"],
        "language": ["view"],
    },
    "cases": {
        "person": ["view", "change"],
        "phone": ["view", "add", "change"],
        "indexcase": ["view", "add", "change"],
        "exposure": ["view", "add", "change"],
    },
    "calls": {
        "calltask": ["view", "change"],
        "callattempt": ["view"],
    },
}
ROLES = ["teleconseiller", "superviseur", "admin_cpam", "lab_feed"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after the last migration; the admin role needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    admin = Group.objects.get(name="admin_cpam")
    for app_label, models in ADMIN_CPAM_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            admin.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_load_languages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0001_people_and_cases"),
        ("calls", "0001_queue_and_attempts"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
