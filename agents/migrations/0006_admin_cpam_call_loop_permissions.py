from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "agents": {"pausereason": ["view", "add", "change"], "agentstatusperiod": ["view"]},
    "calls": {"retryrule": ["view", "change"], "smsmessage": ["view"]},
    "cases": {"isolationruleset": ["view", "add", "change"], "interview": ["view"], "notification": ["view"]},
    "supervision": {"agentday": ["view"]},
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="admin_cpam")
    for app_label, models in PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model.lower()}" for action in actions]
            admin.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_seed_pause_reasons"),
        ("calls", "0003_seed_retry_rules"),
        ("cases", "0003_seed_isolation_rules"),
        ("supervision", "0001_agent_day_counters"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
