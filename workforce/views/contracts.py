"""Contracts pages of a CPAM admin: the list with its end alerts, an agent's contracts (renew, end
early with the shifts it cancels shown first, convert to a CDI, add one), the bulk renewal and the
headcount by language for the next four weeks.

Each action is a POST that ends with a message and a redirect, or the page again with field errors.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import roles
from agents.access import access_agent, access_own_territory
from agents.models import Agent, Territory
from agents.roles import role_required
from workforce.exceptions import (
    AgentDeactivated,
    BulkRenewalRefused,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotConvertible,
    ContractNotRenewable,
    ContractOverlap,
    FixedTermLimitExceeded,
    InvalidContractDates,
    RotaChangedSincePreview,
)
from workforce.forms.contracts import (
    AddContractForm,
    BulkRenewalFilterForm,
    BulkRenewalForm,
    ContractFilterForm,
    ConvertContractForm,
    EndContractForm,
    HeadcountForm,
    RenewContractForm,
)
from workforce.models.contracts import Contract
from workforce.selectors import contracts as selectors
from workforce.services import contracts as services
from workforce.views.confirmation import confirmed, render_confirmation

PAGE_SIZE = 50
REFUSALS = (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotConvertible,
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
    add_form: AddContractForm | None = None,
    convert_form: ConvertContractForm | None = None,
    renew_form: RenewContractForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    contracts = selectors.with_days_left(selectors.agent_contracts(agent=agent), now=now)
    latest = contracts[-1] if contracts else None
    today = timezone.localdate(now, timezone=agent.territory.zone)
    can_renew = (
        latest is not None
        and latest.kind == Contract.Kind.CDD
        and not latest.renewed
        and latest.closed_at is None
        and agent.user.is_active
    )
    context = {
        "agent": agent,
        "contracts": contracts,
        "latest": latest,
        "can_renew": can_renew,
        # A CDD that could be renewed can become a CDI instead.
        "can_convert": can_renew,
        "convert_window": services.conversion_window(contract=latest) if can_renew else None,
        "can_end": latest is not None and not latest.renewed and latest.closed_at is None,
        "can_add": latest is None or (latest.end_on is not None and latest.end_on < today),
        "renew_form": renew_form or RenewContractForm(),
        # Where the chain stands against the legal limits of a CDD, before anyone tries.
        "fixed_term": selectors.fixed_term_standing(contract=latest) if can_renew else None,
        "end_form": EndContractForm(initial={"end_on": today}),
        "convert_form": convert_form
        or ConvertContractForm(
            initial={
                "start_on": latest.end_on + timedelta(days=1)
                if latest is not None and latest.end_on
                else today
            }
        ),
        "add_form": add_form
        or AddContractForm(initial={"kind": Contract.Kind.CDD, "start_on": today}),
    }
    return render(request, "workforce/contracts/agent_contracts.html", context, status=status)


@require_GET
@contract_manager
def agent_contracts(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Show an agent's contracts, renewals in order, with the renew, end and add actions."""
    agent = access_agent(user=request.user, pk=agent_id)
    return _render_agent_contracts(request, agent)


def _render_renew_confirmation(
    request: HttpRequest, contract: Contract, form: RenewContractForm
) -> HttpResponse:
    """The renewal's confirmation: who, the new dates, the legal limits, what cannot be undone."""
    months = form.cleaned_data["months"]
    preview = selectors.renewal_preview(contract=contract, months=months)
    if preview.refusal is not None and not preview.overridable:
        messages.error(request, preview.refusal.message)
        return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    assert preview.start_on is not None and preview.end_on is not None
    agent = contract.agent
    standing = selectors.fixed_term_standing(contract=contract)
    start, end = (
        date_format(preview.start_on, "SHORT_DATE_FORMAT"),
        date_format(preview.end_on, "SHORT_DATE_FORMAT"),
    )
    reason = form.cleaned_data["override_reason"].strip()
    warning = ""
    if preview.overridable:
        assert preview.refusal is not None
        warning = (
            str(preview.refusal.message)
            + " "
            + (
                _("Your reason is recorded in the contract's history.")
                if reason
                else _("To renew all the same, give the reason below.")
            )
        )
    return render_confirmation(
        request,
        title=_("Renew the contract of %(agent)s?") % {"agent": agent},
        facts=[
            (_("Agent"), f"{agent} ({agent.user.username})"),
            (
                _("Current contract"),
                _("%(kind)s from %(start)s to %(end)s")
                % {
                    "kind": contract.get_kind_display(),
                    "start": date_format(contract.start_on, "SHORT_DATE_FORMAT"),
                    "end": date_format(contract.end_on, "SHORT_DATE_FORMAT"),
                },
            ),
            (
                _("Renewal"),
                _("%(months)d months, from %(start)s to %(end)s")
                % {"months": months, "start": start, "end": end},
            ),
            (
                _("Legal limits of a CDD"),
                _("renewals so far: %(renewals)d of %(max)d; until %(last)s at the latest")
                % {
                    "renewals": standing.renewals,
                    "max": standing.limits.max_renewals,
                    "last": date_format(standing.last_day, "SHORT_DATE_FORMAT"),
                },
            ),
        ],
        warning=warning,
        consequences=[
            _(
                "A new fixed-term contract (CDD) from %(start)s to %(end)s is added to the "
                "history of %(agent)s; the current one stays, marked renewed."
            )
            % {"start": start, "end": end, "agent": agent},
            _(
                "The account stays active until %(end)s, and the current contract's end alert "
                "leaves the list."
            )
            % {"end": end},
            _("Once confirmed, the renewal cannot be withdrawn from these pages."),
        ],
        hidden=[("months", months)]
        + ([] if preview.overridable else [("override_reason", reason)]),
        fields=[form["override_reason"]] if preview.overridable else [],
        confirm_label=_("Renew until %(end)s") % {"end": end},
        danger=False,
        back_url=reverse("workforce:agent-contracts", args=[agent.pk]),
        back_label=_("Back without renewing"),
    )


@require_http_methods(["GET", "POST"])
@contract_manager
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew a CDD for 3 or 6 months, once the admin has confirmed the new dates (GET ?months= or a
    post without the confirmation shows them)."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    form = RenewContractForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a renewal of 3 or 6 months."))
        return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    if not confirmed(request):
        return _render_renew_confirmation(request, contract, form)
    try:
        renewal = services.renew_contract(
            contract=contract,
            months=form.cleaned_data["months"],
            override_reason=form.cleaned_data["override_reason"],
            by=request.user,
        )
    except FixedTermLimitExceeded as breach:
        # The page again, the limit named above the reason that would override it.
        form.add_error(None, breach.message)
        return _render_agent_contracts(request, contract.agent, renew_form=form, status=409)
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Contract renewed until %(end)s.")
            % {"end": date_format(renewal.end_on, "SHORT_DATE_FORMAT")},
        )
    return redirect("workforce:agent-contracts", agent_id=contract.agent_id)


def _render_end(
    request: HttpRequest, contract: Contract, form: EndContractForm, *, status: int = 200
) -> HttpResponse:
    """The end page: the new last day, and once it is valid, the shifts it cancels to confirm."""
    context: dict = {"contract": contract, "agent": contract.agent, "form": form}
    if form.is_valid() and not form.has_error("end_on"):
        end_on = form.cleaned_data["end_on"]
        try:
            services.check_end(contract=contract, end_on=end_on, renewed=contract.renewed)
        except InvalidContractDates as invalid:
            form.add_error("end_on", invalid.message)
        else:
            context.update(
                end_on=end_on,
                deactivated_on=end_on + timedelta(days=1),
                shifts=selectors.shifts_cancelled_by_end(contract=contract, end_on=end_on),
            )
    return render(request, "workforce/contracts/end_contract.html", context, status=status)


@require_http_methods(["GET", "POST"])
@contract_manager
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a contract early: show the shifts after the new last day, which the end cancels, then
    end it on confirmation; the account is deactivated the day after the new last day."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    back = redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    if contract.renewed or contract.closed_at is not None:
        messages.error(request, _("This contract can no longer be ended: see its history."))
        return back
    if request.method == "GET":
        data = request.GET if "end_on" in request.GET else None
        today = timezone.localdate(timezone=contract.agent.territory.zone)
        return _render_end(request, contract, EndContractForm(data, initial={"end_on": today}))
    form = EndContractForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["previewed"]):
        # Nothing ends before the admin has seen the shifts it cancels.
        return _render_end(request, contract, form, status=200 if form.is_valid() else 400)
    end_on = form.cleaned_data["end_on"]
    try:
        ended = services.end_contract(
            contract=contract,
            end_on=end_on,
            by=request.user,
            expected_shift_ids=form.cleaned_data["shift"],
        )
    except InvalidContractDates as invalid:
        form.add_error("end_on", invalid.message)
        return _render_end(request, contract, form, status=400)
    except RotaChangedSincePreview as changed:
        messages.error(request, changed.message)
        return _render_end(request, contract, EndContractForm({"end_on": end_on}), status=409)
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
        return back
    messages.success(
        request,
        _("The contract now ends on %(end)s. Shifts cancelled: %(count)d.")
        % {
            "end": date_format(end_on, "SHORT_DATE_FORMAT"),
            "count": len(ended.cancelled_shifts),
        },
    )
    return back


@require_POST
@contract_manager
def contract_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a CDD into a CDI from a day; the CDD ends the day before."""
    contract = selectors.access_contract(user=request.user, pk=pk)
    form = ConvertContractForm(request.POST)
    if form.is_valid():
        try:
            cdi = services.convert_to_cdi(contract=contract, start_on=form.cleaned_data["start_on"])
        except InvalidContractDates as invalid:
            form.add_error("start_on", invalid.message)
        except REFUSALS as refusal:
            messages.error(request, refusal.message)
            return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
        else:
            messages.success(
                request,
                _("Permanent contract (CDI) from %(start)s.")
                % {"start": date_format(cdi.start_on, "SHORT_DATE_FORMAT")},
            )
            return redirect("workforce:agent-contracts", agent_id=contract.agent_id)
    return _render_agent_contracts(request, contract.agent, convert_form=form, status=400)


@require_POST
@contract_manager
def contract_add(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Give an agent a new contract (a CDI, or a CDD), reactivating a departed agent's account."""
    agent = access_agent(user=request.user, pk=agent_id)
    form = AddContractForm(request.POST)
    if form.is_valid():
        try:
            services.add_contract(agent=agent, by=request.user, **form.cleaned_data)
        except InvalidContractDates as invalid:
            form.add_error(invalid.field, invalid.message)
        except (ContractOverlap, FixedTermLimitExceeded) as refusal:
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


def _render_bulk_renewal(
    request: HttpRequest,
    filters: BulkRenewalFilterForm,
    *,
    refused: list | None = None,
    refusal_message: str = "",
    selected: set[int] | None = None,
    override_form: BulkRenewalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Refused contracts: listed above the preview, where some of them may no longer be (renewed
    # by someone else meanwhile), and marked in it.
    context: dict = {
        "form": filters,
        "refused": refused or [],
        "refusal_message": refusal_message,
        "override_form": override_form or BulkRenewalForm(),
    }
    if filters.is_valid():
        data = filters.cleaned_data
        match = selectors.bulk_renewal_candidates(
            user=request.user,
            ending_by=data["ending_by"],
            months=data["months"],
            plateau=data["plateau"],
            language=data["language"],
        )
        # Days left, set on each contract in its territory's zone.
        selectors.with_days_left([row.contract for row in match.rows], now=timezone.now())
        context.update(
            match=match,
            months=data["months"],
            selected={row.contract.pk for row in match.renewable} if selected is None else selected,
            max_rows=services.MAX_BULK_RENEWAL,
        )
    return render(request, "workforce/contracts/bulk_renewal.html", context, status=status)


@require_http_methods(["GET", "POST"])
@contract_manager
def contract_bulk_renewal(request: HttpRequest) -> HttpResponse:
    """Renew fixed-term contracts together: those of a plateau ending by a day (in a language),
    shown first with their new dates or why they cannot be renewed; then all the ticked ones, or
    none and the reasons."""
    if request.method == "GET":
        filters = BulkRenewalFilterForm(
            request.GET if "ending_by" in request.GET else None, user=request.user
        )
        return _render_bulk_renewal(request, filters)
    filters = BulkRenewalFilterForm(request.POST, user=request.user)
    form = BulkRenewalForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _render_bulk_renewal(
            request, filters, selected=set(), override_form=form, status=400
        )
    if not confirmed(request):
        # The preview is the confirmation: a post that does not come from it renews nothing.
        messages.info(
            request,
            _("Nothing was renewed: check the contracts and their new dates, then confirm."),
        )
        return _render_bulk_renewal(
            request, filters, selected=set(form.cleaned_data["contract"]), override_form=form
        )
    contracts = selectors.access_contracts(user=request.user, pks=form.cleaned_data["contract"])
    try:
        renewals = services.renew_contracts(
            contracts=contracts,
            months=form.cleaned_data["months"],
            override_reason=form.cleaned_data["override_reason"],
            by=request.user,
        )
    except BulkRenewalRefused as refusal:
        chosen = {contract.pk for contract in contracts} - {
            contract.pk for contract, _reason in refusal.refused
        }
        return _render_bulk_renewal(
            request,
            filters,
            refused=refusal.refused,
            refusal_message=refusal.message,
            selected=chosen,
            override_form=form,
            status=409,
        )
    messages.success(request, _("Contracts renewed: %(count)d.") % {"count": len(renewals)})
    kept = {
        key: request.POST.get(key, "") for key in ("ending_by", "plateau", "language", "months")
    }
    return redirect(f"{reverse('workforce:contract-bulk-renewal')}?{urlencode(kept)}")


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
