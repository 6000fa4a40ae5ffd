"""The Django admin's change log names the objects it records (their ``__str__``): an app that
forgets a person blanks the entries about its own objects with this helper."""

from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models


def forget_admin_log(*, model: type[models.Model], object_ids: Iterable[int]) -> int:
    """Blank the name and the change message of the admin log entries about these objects; who
    changed what kind of object, and when, stays."""
    ids = [str(pk) for pk in object_ids]
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return (
        LogEntry.objects.filter(content_type=content_type, object_id__in=ids)
        .exclude(object_repr="", change_message="")
        .update(object_repr="", change_message="")
    )


def log_admin_change(*, user, objects: Iterable[models.Model], message: str) -> None:
    """Write a change by a service into the admin log (merges of persons…), beside the admin's
    own entries, so that the admin's history of an object tells it too."""
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                user=user,
                content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                action_flag=CHANGE,
                change_message=message,
            )
            for obj in objects
        ]
    )
