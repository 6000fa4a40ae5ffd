"""What a supervisor does to an agent or a call, each logged as a SupervisorAction in the same
transaction as the change it made."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, PauseReason, Plateau, Team, Territory
from agents.services.sessions import end_sessions, revoke_tokens
from agents.services.staff import set_agent_status, set_channel_mode
from calls.models import Assignment, CallTask, DeskMessage
from calls.services.dispatch import move_callback, release_assignment
from calls.services.messages import send_desk_message
from calls.services.presence import change_status, go_offline
from supervision.exceptions import ActionRefused
from supervision.models import SupervisorAction

Kind = SupervisorAction.Kind


def _log(
    *,
    actor: User,
    kind: str,
    territory_id: int,
    now: datetime,
    agent: Agent | None = None,
    task: CallTask | None = None,
    note: str = "",
    pause_reason: PauseReason | None = None,
    previous_agent: Agent | None = None,
    message: DeskMessage | None = None,
) -> SupervisorAction:
    return SupervisorAction.objects.create(
        actor=actor,
        territory_id=territory_id,
        kind=kind,
        agent=agent,
        task=task,
        note=note,
        at=now,
        pause_reason=pause_reason,
        previous_agent=previous_agent,
        message=message,
    )


def may_release(*, claimed_at: datetime, now: datetime) -> bool:
    """Say whether a call held since then may be given back: a call only just taken is an
    interview starting, not a stuck lease."""
    return (now - claimed_at).total_seconds() >= settings.RELEASE_AFTER_SECONDS


@transaction.atomic
def release_lease(*, actor: User, task: CallTask, now: datetime) -> Assignment:
    """Give a held call back to the queue (a stuck lease); its holder goes to wrap-up, and her
    desk says so. Refused before RELEASE_AFTER_SECONDS."""
    assignment = (
        Assignment.objects.select_related("agent").filter(task=task, closed_at__isnull=True).first()
    )
    if assignment is None:
        raise ActionRefused(str(_("Nobody holds this call.")))
    if not may_release(claimed_at=assignment.claimed_at, now=now):
        raise ActionRefused(
            str(
                _(
                    "This call was taken less than %(seconds)s seconds ago: the interview is "
                    "starting. Try again later if it is still stuck."
                )
                % {"seconds": settings.RELEASE_AFTER_SECONDS}
            )
        )
    release_assignment(assignment=assignment, now=now, reason=Assignment.EndReason.RELEASED)
    holder = assignment.agent
    if holder.status == Agent.Status.ON_CALL:
        # Without a call the holder is no longer on one: the board must say so.
        set_agent_status(agent=holder, status=Agent.Status.WRAP_UP, now=now)
    _log(
        actor=actor,
        kind=Kind.RELEASE_LEASE,
        territory_id=task.territory_id,
        agent=holder,
        task=task,
        now=now,
    )
    return assignment


def callback_candidates(*, task: CallTask, agents: list[Agent]) -> list[Agent]:
    """Return the agents who may take this callback: of its territory, speaking its language."""
    return [
        a
        for a in agents
        if a.territory_id == task.territory_id
        and a.pk != task.reserved_for_id
        and task.language_id in {lang.pk for lang in a.languages.all()}
    ]


@transaction.atomic
def reassign_callback(*, actor: User, task: CallTask, to: Agent | None, now: datetime) -> CallTask:
    """Give an owned callback to another agent of its territory who speaks its language, or to
    all."""
    if to is not None and not callback_candidates(task=task, agents=[to]):
        raise ActionRefused(
            str(_("This agent cannot take this callback: another territory or language."))
        )
    previous = task.reserved_for
    if not move_callback(task=task, to=to):
        raise ActionRefused(str(_("This callback is no longer waiting for its owner.")))
    task.reserved_for = to
    _log(
        actor=actor,
        kind=Kind.REASSIGN_CALLBACK,
        territory_id=task.territory_id,
        agent=to,
        task=task,
        previous_agent=previous,
        now=now,
    )
    return task


@transaction.atomic
def pause_agent(
    *,
    actor: User,
    agent: Agent,
    pause_reason: PauseReason,
    now: datetime,
    note: str = "",
) -> Agent:
    """Put a logged-in agent in pause; refused while they are on a call (CallInProgress)."""
    if agent.status == Agent.Status.OFFLINE:
        raise ActionRefused(str(_("This agent is offline.")))
    agent = change_status(
        agent=agent, status=Agent.Status.PAUSED, pause_reason=pause_reason, now=now
    )
    _log(
        actor=actor,
        kind=Kind.PAUSE_AGENT,
        territory_id=agent.territory_id,
        agent=agent,
        pause_reason=pause_reason,
        note=note,
        now=now,
    )
    return agent


@transaction.atomic
def log_out_agent(*, actor: User, agent: Agent, now: datetime, note: str = "") -> int:
    """Set an agent offline, giving back their call, and end their sessions; return how many."""
    go_offline(agent=agent, now=now, reason=Assignment.EndReason.LOGGED_OUT)
    ended = end_sessions(user_id=agent.user_id, now=now)
    # Its API client too: otherwise the agent sets themself ready again at once.
    revoke_tokens(user_id=agent.user_id)
    _log(
        actor=actor,
        kind=Kind.LOG_OUT_AGENT,
        territory_id=agent.territory_id,
        agent=agent,
        note=note,
        now=now,
    )
    return ended


@transaction.atomic
def send_message(
    *,
    actor: User,
    body: str,
    now: datetime,
    agent: Agent | None = None,
    team: Team | None = None,
    plateau: Plateau | None = None,
    territory: Territory | None = None,
) -> DeskMessage:
    """Send a message to the desks of one agent, a team, a plateau or a territory (the rows are
    calls', whose desk shows them) and log it; refused (MessageRefused, MessageNotAllowed) as a
    whole."""
    message = send_desk_message(
        author=actor,
        body=body,
        now=now,
        agent=agent,
        team=team,
        plateau=plateau,
        territory=territory,
    )
    _log(
        actor=actor,
        kind=Kind.SEND_MESSAGE,
        territory_id=message.territory_id,
        agent=agent,
        message=message,
        now=now,
    )
    return message


@transaction.atomic
def forget_notes_of_purged_persons() -> int:
    """Blank the notes of supervisor actions on calls whose person was purged (the notes may name
    them); the action, its author and time stay. Supervision's own step of the purge: calls
    cannot reach this table."""
    return (
        SupervisorAction.objects.filter(task__person__purged_at__isnull=False)
        .exclude(note="")
        .update(note="")
    )


@transaction.atomic
def switch_channel_mode(
    *,
    actor: User,
    territory: Territory,
    mode: str,
    now: datetime,
    sms_only_exposure_types: list[str] | None = None,
    sms_daily_quota: int | None = None,
    projected_misses: int | None = None,
) -> SupervisorAction:
    """Switch a territory's channel mode (and its SMS-only types and quota, given) and log it,
    with the projected misses that prompted it when it came from the queue-health proposal."""
    previous = territory.get_channel_mode_display()
    set_channel_mode(
        territory=territory,
        mode=mode,
        sms_only_exposure_types=sms_only_exposure_types,
        sms_daily_quota=sms_daily_quota,
    )
    note = f"{previous} → {territory.get_channel_mode_display()}"
    if territory.channel_mode == Territory.ChannelMode.SMS_ONLY:
        note += f" ({', '.join(territory.sms_only_exposure_types)})"
    if projected_misses is not None:
        note += " · " + str(_("projected misses: %(n)s") % {"n": projected_misses})
    return _log(actor=actor, kind=Kind.CHANNEL_MODE, territory_id=territory.pk, now=now, note=note)
