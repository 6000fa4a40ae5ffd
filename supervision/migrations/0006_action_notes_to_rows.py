"""The actions logged before 0005 kept the pause reason's code, or the previous owner's username, in
their note: move them into their rows, so the log shows labels and names instead of codes."""

from django.db import migrations


def notes_to_rows(apps, schema_editor):
    SupervisorAction = apps.get_model("supervision", "SupervisorAction")
    PauseReason = apps.get_model("agents", "PauseReason")
    Agent = apps.get_model("agents", "Agent")
    for reason in PauseReason.objects.all():
        SupervisorAction.objects.filter(kind="pause_agent", note=reason.code).update(
            pause_reason=reason, note=""
        )
    usernames = set(
        SupervisorAction.objects.filter(kind="reassign_callback")
        .exclude(note="")
        .values_list("note", flat=True)
        .distinct()
    )
    for agent_id, username in Agent.objects.filter(user__username__in=usernames).values_list(
        "pk", "user__username"
    ):
        SupervisorAction.objects.filter(kind="reassign_callback", note=username).update(
            previous_agent_id=agent_id, note=""
        )


def rows_to_notes(apps, schema_editor):
    SupervisorAction = apps.get_model("supervision", "SupervisorAction")
    for action in SupervisorAction.objects.filter(note="").exclude(
        pause_reason=None, previous_agent=None
    ).select_related("pause_reason", "previous_agent__user"):
        if action.pause_reason_id:
            action.note = action.pause_reason.code
        else:
            action.note = action.previous_agent.user.username
        action.save(update_fields=["note"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0005_action_pause_reason_and_previous_owner")]
    operations = [migrations.RunPython(notes_to_rows, rows_to_notes)]
