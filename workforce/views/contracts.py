"""Contracts pages of a CPAM admin: the list with its end alerts, an agent's contracts (renew, end
early, add one) and the headcount by language for the next four weeks.

Each action is a POST that ends with a message and a redirect, or the page again with field errors.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import access_agent, access_own_territory
from agents.models import Agent, Territory
from agents.roles import role_required
from workforce.exceptions import (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotRenewable,
    ContractOverlap,
    InvalidContractDates,
)
from workforce.forms.contracts import (
    AddContractForm,
    ContractFilterForm,
    EndContractForm,
    HeadcountForm,
    RenewContractForm,
)
from workforce.models.contracts import Contract
from workforce.selectors import contracts as selectors
from workforce.services import contracts as services

PAGE_SIZE = 50
REFUSALS = (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotRenewable,
    ContractOverlap,
)

contract_manager = role_required(roles.ADMIN_CPAM)


@require_GET
@contract_manager
def contract_list(request: HttpRequest) -> HttpResponse:
    """List the contracts of the admin's territory, soonest end first, under the pending end
    alerts."""
    now = timezone.now()
    form = ContractFilterForm(request.GET)
    contracts = selectors.contracts_for_list(user=request.user, now=now, **form.filters())
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "contracts": selectors.with_days_left(page.object_list, now=now),
        "alerts": selectors.with_days_left(
            selectors.contract_end_alerts(user=request.user), now=now
        ),
        "alert_limit": selectors.ALERT_LIMIT,
        "query": query.urlencode(),
    }
    return render(request, "workforce/contracts/contract_list.html", context)


def _render_agent_contracts(
    request: HttpRequest,
    agent: Agent,
    *,
    end_form: EndContractForm | None = None,
    add_form: AddContractForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    contracts = selectors.with_days_left(selectors.agent_contracts(agent=agent), now=now)
    latest = contracts[-1] if contracts else None
    today = timezone.localdate(now, timezone=agent.territory.zone)
    context = {
        "agent": agent,
        "contracts": contracts,
        "latest": latest,
        "can_renew": latest is not None
        and latest.kind == Contract.Kind.CDD
        and not latest.renewed
        and latest.closed_at is None
        and agent.user.is_active,
        "can_end": latest is not None and not latest.renewed and latest.closed_at is None,
        "can_add": latest is None or (latest.end_on is not None and latest.end_on < today),
        "renew_form": RenewContractForm(),
        "end_form": end_form or EndContractForm(initial={"end_on": today}),
        "add_form": add_form
        or AddContractForm(initial={"kind": Contract.Kind.CDD, "start_on": today}),
    }
    return render(request, "workforce/contracts/agent_contracts.html", context)


@require_GET
@contract_manager
def agent_contracts(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Show an agent's contracts, renewals in order, with the renew, end and add actions."""
    agent = access_agent(user=request.user, pk=agent_id)
    return _render_agent_contracts(request, agent)


@require_POST
@contract_manager
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew a CDD for 3 or 6 months."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    form = RenewContractForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a renewal of 3 or 6 months."))
        return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    try:
        renewal = services.renew_contract(contract=contract, months=form.cleaned_data["months"])
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Contract renewed until %(end)s.")
            % {"end": date_format(renewal.end_on, "SHORT_DATE_FORMAT")},
        )
    return redirect("workforce:agent-contracts", agent_id=contract.agent_id)


@require_POST
@contract_manager
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a contract early; the account is deactivated the day after its new last day."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    form = EndContractForm(request.POST)
    if form.is_valid():
        try:
            services.end_contract(contract=contract, end_on=form.cleaned_data["end_on"])
        except InvalidContractDates as invalid:
            form.add_error("end_on", invalid.message)
        except REFUSALS as refusal:
            messages.error(request, refusal.message)
            return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
        else:
            messages.success(
                request,
                _("The contract now ends on %(end)s.")
                % {"end": date_format(form.cleaned_data["end_on"], "SHORT_DATE_FORMAT")},
            )
            return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    return _render_agent_contracts(request, contract.agent, end_form=form)


@require_POST
@contract_manager
def contract_add(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Give an agent a new contract (a CDI, or a CDD), reactivating a departed agent's account."""
    agent = access_agent(user=request.user, pk=agent_id)
    form = AddContractForm(request.POST)
    if form.is_valid():
        try:
            services.add_contract(agent=agent, **form.cleaned_data)
        except InvalidContractDates as invalid:
            form.add_error(invalid.field, invalid.message)
        except ContractOverlap as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Contract added."))
            return redirect("workforce:agent-contracts", agent_id=agent.pk)
    return _render_agent_contracts(request, agent, add_form=form)


@require_POST
@contract_manager
def contract_alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a contract's end alert as seen."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    if services.acknowledge_contract_alert(contract=contract, now=timezone.now()):
        messages.success(request, _("Alert acknowledged."))
    else:
        messages.info(request, _("This alert was already acknowledged."))
    return redirect("workforce:contract-list")


def _headcount_territory(request: HttpRequest, form: HeadcountForm) -> Territory:
    if not request.user.is_superuser:
        return access_own_territory(request.user)
    chosen = form.cleaned_data.get("territory") if form.is_valid() else None
    territory = chosen or Territory.objects.order_by("code").first()
    if territory is None:
        raise PermissionDenied
    return territory


@require_GET
@contract_manager
def headcount(request: HttpRequest) -> HttpResponse:
    """Show the téléconseillers by language, and how many leave in each of the next four weeks."""
    form = HeadcountForm(request.GET or None)
    territory = _headcount_territory(request, form)
    today = timezone.localdate(timezone=territory.zone)
    context = {
        "form": form if request.user.is_superuser else None,
        "territory": territory,
        "today": today,
        "headcount": selectors.headcount(territory=territory, today=today),
    }
    return render(request, "workforce/contracts/headcount.html", context)
