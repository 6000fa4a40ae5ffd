"""Reads for the messages to desks: whom a supervisor may write to, and the messages sent in a
territory with who has read them. The rows are calls' (calls.models.DeskMessage)."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from agents.access import RequestUser
from agents.models import Agent, Plateau, Team, Territory
from calls.models import DeskMessage, DeskMessageReceipt
from calls.services.messages import desk_agents

# The page lists the latest messages; older ones are in the action log.
SENT_LIMIT = 30


@dataclass(frozen=True)
class Recipients:
    """Whom a message goes to, as the compose form offers it: one of these."""

    agent: Agent | None = None
    team: Team | None = None
    plateau: Plateau | None = None
    territory: Territory | None = None


def find_recipients(*, user: RequestUser, to: str) -> Recipients | None:
    """Read a recipient written as "kind:id" (agent, team, plateau, territory) among those the
    user may see; None for anything else, another territory's included."""
    kind, _, raw = to.partition(":")
    if not raw.isdigit() or len(raw) > 18:
        return None
    pk = int(raw)
    if kind == "agent":
        agent = desk_agents().filter(pk__in=Agent.objects.for_user(user).values("pk")).filter(pk=pk)
        found = agent.select_related("user").first()
        return Recipients(agent=found) if found else None
    if kind == "team":
        team = Team.objects.for_user(user).select_related("plateau").filter(pk=pk).first()
        return Recipients(team=team) if team else None
    if kind == "plateau":
        plateau = Plateau.objects.for_user(user).filter(pk=pk).first()
        return Recipients(plateau=plateau) if plateau else None
    if kind == "territory":
        territory = Territory.objects.for_user(user).filter(pk=pk).first()
        return Recipients(territory=territory) if territory else None
    return None


def access_message_agent(*, user: RequestUser, pk: int) -> Agent:
    """Return an agent of the user's territory who has a desk to write to; 404 otherwise."""
    return get_object_or_404(
        desk_agents()
        .filter(pk__in=Agent.objects.for_user(user).values("pk"))
        .select_related("user"),
        pk=pk,
    )


def recipient_choices(*, territory: Territory) -> list[tuple[str, object]]:
    """Return the groups a message may go to in a territory, as the form's grouped choices: the
    whole territory, each plateau (floor), each team."""
    plateaux = list(Plateau.objects.filter(territory=territory).order_by("name"))
    teams = list(
        Team.objects.filter(plateau__territory=territory)
        .select_related("plateau")
        .order_by("plateau__name", "name")
    )
    everyone = _("Every agent of %(territory)s") % {"territory": territory}
    choices: list[tuple[str, object]] = [(f"territory:{territory.pk}", everyone)]
    if plateaux:
        choices.append(
            (_("A plateau (the floor)"), [(f"plateau:{p.pk}", p.name) for p in plateaux])
        )
    if teams:
        choices.append((_("A team"), [(f"team:{t.pk}", str(t)) for t in teams]))
    return choices


@dataclass(frozen=True)
class SentMessage:
    """A message sent to desks, with who has read it (and when) and who has not yet."""

    message: DeskMessage
    read: list[DeskMessageReceipt]
    unread: list[DeskMessageReceipt]

    @property
    def total(self) -> int:
        return len(self.read) + len(self.unread)

    @property
    def recipients(self) -> str:
        """Name whom it was sent to: the agent, the team, the plateau or the territory."""
        message = self.message
        target = message.agent or message.team or message.plateau or message.territory
        return str(target) if target is not None else "–"


def sent_messages(*, user: RequestUser, territory: Territory) -> list[SentMessage]:
    """Return the latest messages sent to the territory's desks, each with its receipts (who
    read it, when): two queries however many."""
    receipts = DeskMessageReceipt.objects.select_related("agent__user").order_by(
        "read_at", "agent__user__last_name", "agent__user__first_name", "pk"
    )
    messages = (
        DeskMessage.objects.for_user(user)
        .filter(territory=territory)
        .select_related("author", "agent__user", "team__plateau", "plateau", "territory")
        .prefetch_related(Prefetch("receipts", queryset=receipts))
        .order_by("-sent_at", "-pk")[:SENT_LIMIT]
    )
    return [
        SentMessage(
            message=message,
            read=[r for r in message.receipts.all() if r.read_at is not None],
            unread=[r for r in message.receipts.all() if r.read_at is None],
        )
        for message in messages
    ]
