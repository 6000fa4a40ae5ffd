"""Granting model permissions to a role from a data migration, with the migration's own models."""

from django.contrib.auth.management import create_permissions


def grant_permissions(
    apps, *, group: str, app_label: str, permissions: dict[str, list[str]]
) -> None:
    """Give `group` these permissions ({model: [action, …]}) on the models of one app.

    Django creates permissions after the last migration; a role that needs them now creates them
    first, from the migration's historical models (`apps`), so that the grant does not depend on
    where the models live in today's code.
    """
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}" for model, actions in permissions.items() for action in actions
    ]
    found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    Group.objects.get(name=group).permissions.add(*found)


def revoke_permissions(
    apps, *, group: str, app_label: str, permissions: dict[str, list[str]]
) -> None:
    """Take these permissions ({model: [action, …]}) on one app's models away from `group`."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}" for model, actions in permissions.items() for action in actions
    ]
    found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    Group.objects.get(name=group).permissions.remove(*found)
