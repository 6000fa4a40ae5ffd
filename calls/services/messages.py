"""Messages from supervisors to the desks: to one agent, a team, a plateau (the floor) or a whole
territory (issue 13).

The rows and these services live in calls, beside the desk that shows the messages, although
supervision's pages write them: each app imports only from those before it (DESIGN.md §1), and
the desk's heartbeat (calls) must read them while calls may not import supervision. Supervision
calls send_desk_message and logs the sending in its own action log, in the same transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agents import roles
from agents.models import Agent, Plateau, Team, Territory, staff_territory_id
from calls.exceptions import MessageNotAllowed, MessageRefused
from calls.models import DeskMessage, DeskMessageReceipt

Scope = DeskMessage.Scope
MAX_BODY_CHARS = DeskMessage._meta.get_field("body").max_length or 500


def message_body_problem(body: str) -> str | None:
    """Say what is wrong with a message's text (empty, too long), or None: the one rule the
    compose form and the service both apply."""
    text = body.strip()
    if not text:
        return _("Write the message.")
    if len(text) > MAX_BODY_CHARS:
        return _("A message holds at most %(max)s characters (this one has %(count)s).") % {
            "max": MAX_BODY_CHARS,
            "count": len(text),
        }
    return None


def may_send_messages(*, user: User, territory_id: int) -> bool:
    """Say whether the user may write to the desks of this territory: its supervisors and CPAM
    admins (a superuser anywhere); never a téléconseiller."""
    if user.is_superuser:
        return True
    return (
        roles.has_role(user, roles.SUPERVISEUR, roles.ADMIN_CPAM)
        and staff_territory_id(user) == territory_id
    )


def desk_agents() -> QuerySet[Agent]:
    """Return the agents who have a desk to show a message on: active téléconseillers."""
    return Agent.objects.filter(user__is_active=True, user__groups__name=roles.TELECONSEILLER)


def _target(
    *,
    agent: Agent | None,
    team: Team | None,
    plateau: Plateau | None,
    territory: Territory | None,
) -> tuple[str, int, dict]:
    """Return the scope, the territory and the recipients' filter of exactly one target."""
    given = [t for t in (agent, team, plateau, territory) if t is not None]
    if len(given) != 1:
        raise MessageRefused(_("Choose who receives the message."))
    if agent is not None:
        return Scope.AGENT, agent.territory_id, {"pk": agent.pk}
    if team is not None:
        return Scope.TEAM, team.plateau.territory_id, {"team": team}
    if plateau is not None:
        return Scope.PLATEAU, plateau.territory_id, {"plateau": plateau}
    assert territory is not None
    return Scope.TERRITORY, territory.pk, {"territory": territory}


@transaction.atomic
def send_desk_message(
    *,
    author: User,
    body: str,
    now: datetime,
    agent: Agent | None = None,
    team: Team | None = None,
    plateau: Plateau | None = None,
    territory: Territory | None = None,
) -> DeskMessage:
    """Send a message to the desks of one agent, a team, a plateau or a territory: one receipt
    per téléconseiller in scope now (later arrivals do not get it)."""
    scope, territory_id, recipients = _target(
        agent=agent, team=team, plateau=plateau, territory=territory
    )
    if not may_send_messages(user=author, territory_id=territory_id):
        raise MessageNotAllowed
    problem = message_body_problem(body)
    if problem is not None:
        raise MessageRefused(problem)
    agent_ids = list(
        desk_agents()
        .filter(**recipients)
        .exclude(user=author)
        .values_list("pk", flat=True)
        .distinct()
    )
    if not agent_ids:
        if scope == Scope.AGENT:
            raise MessageRefused(_("This person has no desk to show a message on."))
        raise MessageRefused(_("Nobody would receive this message: there is no agent there."))
    message = DeskMessage.objects.create(
        territory_id=territory_id,
        scope=scope,
        agent=agent,
        team=team,
        plateau=plateau,
        author=author,
        body=body.strip(),
        sent_at=now,
    )
    DeskMessageReceipt.objects.bulk_create(
        [DeskMessageReceipt(message=message, agent_id=pk) for pk in agent_ids], batch_size=1000
    )
    return message


def acknowledge_desk_message(*, receipt: DeskMessageReceipt, now: datetime) -> bool:
    """Mark a message read by its recipient (« Lu »); say whether it was unread (a second click,
    or another tab, changes nothing)."""
    updated = DeskMessageReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(
        read_at=now
    )
    return bool(updated)


def forget_old_messages(*, now: datetime) -> int:
    """Delete the messages sent before the retention period (RETENTION_DAYS), read or not, with
    their receipts: they are free text, into which a supervisor may have typed a person's name.
    The action log keeps that a message was sent, by whom and to whom. Returns the count."""
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    _deleted, per_model = DeskMessage.objects.filter(sent_at__lt=cutoff).delete()
    return per_model.get(DeskMessage._meta.label, 0)
