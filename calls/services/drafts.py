"""Drafts of the desk's card: what an agent has typed on a call, kept on the server while she
types, so that a reload, a lost lease or a supervisor's release never loses an interview
(docs/queue.md, "Drafts")."""

import json
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict

from agents.models import Agent
from calls.exceptions import DraftTooLarge, LeaseLost
from calls.models import Assignment, CallDraft, CallTask

# The form's own token and buttons are not what the agent typed.
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "add_contact"})


def draft_fields(data: QueryDict) -> dict[str, list[str]]:
    """Return the card's fields as a draft keeps them (every value of each name, as posted);
    DraftTooLarge past DESK_DRAFT_MAX_BYTES."""
    fields = {name: data.getlist(name) for name in data if name not in NOT_KEPT}
    if len(json.dumps(fields).encode()) > settings.DESK_DRAFT_MAX_BYTES:
        raise DraftTooLarge
    return fields


@transaction.atomic
def save_draft(
    *, assignment: Assignment, agent: Agent, fields: dict[str, list[str]], now: datetime
) -> CallDraft:
    """Keep what the agent typed on the call she holds; LeaseLost once it is no longer hers."""
    # The assignment's row lock orders a save against the outcome (record_outcome locks it too):
    # a draft is never written after the outcome that discards it.
    held = (
        Assignment.objects.select_for_update()
        .filter(pk=assignment.pk, agent=agent, closed_at__isnull=True)
        .first()
    )
    if held is None:
        raise LeaseLost
    try:
        with transaction.atomic():
            draft, _ = CallDraft.objects.update_or_create(
                assignment=held, defaults={"fields": fields, "updated_at": now}
            )
    except IntegrityError:
        # Two saves of a first draft crossed (SQLite takes no row lock): the other one created it.
        CallDraft.objects.filter(assignment=held).update(fields=fields, updated_at=now)
        draft = CallDraft.objects.get(assignment=held)
    return draft


def discard_drafts(*, assignment: Assignment, task: CallTask) -> None:
    """Drop the drafts an accepted outcome makes useless: the agent's own on this task (this
    call's, and an earlier one of hers it restored), and every draft of the task once the task is
    over (the person reached, or the call closed)."""
    if task.status in CallTask.OPEN_STATUSES:
        # Still owed: an interrupted colleague's draft stays for whoever calls next.
        CallDraft.objects.filter(
            assignment__task=task, assignment__agent=assignment.agent_id
        ).delete()
    else:
        CallDraft.objects.filter(assignment__task=task).delete()
