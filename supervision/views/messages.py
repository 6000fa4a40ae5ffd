"""Messages to desks: the compose form (to one agent from the board's row, to a team, a plateau
or the whole territory) and the messages sent, with who has read them.

The messages are calls' rows (calls.models.DeskMessage): the desk, in calls, shows them.
"""

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import access_territory_by_code
from agents.models import Territory
from agents.roles import role_required
from calls.exceptions import MessageNotAllowed, MessageRefused
from supervision.forms import DeskMessageForm
from supervision.selectors import messages as selectors
from supervision.services import actions as services

supervisor_page = role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)


def _choices(territory: Territory, to: selectors.Recipients | None) -> list:
    choices = selectors.recipient_choices(territory=territory)
    if to is not None and to.agent is not None:
        # Written to from the board's row: that agent comes first, chosen.
        choices.insert(0, (f"agent:{to.agent.pk}", str(to.agent)))
    return choices


def _render(
    request: HttpRequest,
    *,
    territory: Territory,
    form: DeskMessageForm,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "territory": territory,
        "sent": selectors.sent_messages(user=request.user, territory=territory),
        "limit": selectors.SENT_LIMIT,
    }
    return render(request, "supervision/messages.html", context, status=status)


@require_GET
@supervisor_page
def desk_messages(request: HttpRequest) -> HttpResponse:
    """Show the compose form (?agent= writes to one agent) and the messages sent, with who read
    them."""
    territory = access_territory_by_code(user=request.user, code=request.GET.get("territory"))
    to = None
    initial = {"to": f"territory:{territory.pk}"}
    raw = request.GET.get("agent", "")
    if raw:
        agent = selectors.access_message_agent(
            user=request.user, pk=int(raw) if raw.isdigit() and len(raw) <= 18 else 0
        )
        territory = agent.territory
        to = selectors.Recipients(agent=agent)
        initial = {"to": f"agent:{agent.pk}"}
    form = DeskMessageForm(initial=initial, user=request.user, choices=_choices(territory, to))
    return _render(request, territory=territory, form=form)


@require_POST
@supervisor_page
def send_message(request: HttpRequest) -> HttpResponse:
    """Send a message to desks and log it; the form again with its errors (400) otherwise."""
    territory = access_territory_by_code(user=request.user, code=request.POST.get("territory"))
    recipients = selectors.find_recipients(user=request.user, to=request.POST.get("to", ""))
    form = DeskMessageForm(request.POST, user=request.user, choices=[])
    if recipients is not None:
        territory = _territory_of(recipients) or territory
    form.fields["to"].widget.choices = _choices(territory, recipients)
    if not form.is_valid():
        return _render(request, territory=territory, form=form, status=400)
    to = form.cleaned_data["to"]
    try:
        message = services.send_message(
            actor=request.user,
            body=form.cleaned_data["body"],
            now=timezone.now(),
            agent=to.agent,
            team=to.team,
            plateau=to.plateau,
            territory=to.territory,
        )
    except (MessageRefused, MessageNotAllowed) as refusal:
        form.add_error(None, refusal.message)
        return _render(request, territory=territory, form=form, status=400)
    count = message.receipts.count()
    flash.success(
        request,
        ngettext("Message sent to %(count)s desk.", "Message sent to %(count)s desks.", count)
        % {"count": count},
    )
    return redirect("supervision:messages")


def _territory_of(recipients: selectors.Recipients) -> Territory | None:
    if recipients.agent is not None:
        return recipients.agent.territory
    if recipients.team is not None:
        return recipients.team.plateau.territory
    if recipients.plateau is not None:
        return recipients.plateau.territory
    return recipients.territory
