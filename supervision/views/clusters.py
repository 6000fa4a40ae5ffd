"""The cluster pages: the list, a cluster's page with its JSON export, the CPAM's hand-off to
the ARS and the ARS's actions (docs/clusters.md)."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.roles import role_required
from cases import clusters as cluster_services
from cases.exceptions import InvalidClusterTransition, NoArsAddress
from cases.handoffs import export_cluster, hand_off_cluster, retry_failed_handoff
from cases.models import Cluster
from cases.services import log_person_access
from supervision.forms import ClusterFilterForm, ClusterReasonForm
from supervision.selectors import clusters as selectors

# Who sees the cluster pages: the CPAM admins (their territory), the ARS (their region), the
# national admins (everything). Superviseurs and téléconseillers work the calls, not clusters.
CLUSTER_ROLES = (roles.ADMIN_CPAM, roles.ARS, roles.ADMIN_NATIONAL)


def may_hand_off(user) -> bool:
    """A CPAM admin (of the cluster's territory: the scoping saw to it) or a national admin."""
    return roles.is_national_admin(user) or roles.ADMIN_CPAM in roles.roles_of(user)


def may_act_as_ars(user) -> bool:
    """An officer of the cluster's region (the scoping saw to it), or a superuser."""
    return user.is_superuser or roles.ARS in roles.roles_of(user)


@require_GET
@role_required(*CLUSTER_ROLES)
def cluster_list(request: HttpRequest) -> HttpResponse:
    """List the clusters the user may see, newest first, filtered by status."""
    form = ClusterFilterForm(request.GET)
    clusters = list(
        selectors.clusters_for(user=request.user, status=form.selected_status())[
            : selectors.LIST_LIMIT
        ]
    )
    context = {"form": form, "clusters": clusters, "limit": selectors.LIST_LIMIT}
    return render(request, "supervision/clusters.html", context)


@require_GET
@role_required(*CLUSTER_ROLES)
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a cluster: its place, figures, cases and their contacts at the place, timeline, and
    the actions the user may take."""
    cluster = selectors.access_cluster(user=request.user, pk=pk)
    detail = selectors.cluster_detail(cluster=cluster)
    log_person_access(
        user=request.user,
        persons=detail.persons_shown(),
        what=f"cluster:{cluster.pk}",
        now=timezone.now(),
    )
    context = {
        "detail": detail,
        "cluster": cluster,
        "reason_form": ClusterReasonForm(),
        "cpam_side": may_hand_off(request.user),
        "may_hand_off": may_hand_off(request.user) and cluster.status == Cluster.Status.DETECTED,
        "may_act_as_ars": may_act_as_ars(request.user),
        "Status": Cluster.Status,
    }
    return render(request, "supervision/cluster_detail.html", context)


@require_GET
@role_required(*CLUSTER_ROLES)
def cluster_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the cluster's JSON export (the document the ARS receives)."""
    cluster = selectors.access_cluster(user=request.user, pk=pk)
    now = timezone.now()
    payload = export_cluster(cluster=cluster, now=now)
    log_person_access(
        user=request.user,
        persons=[case.person for case in cluster.cases.select_related("person")],
        what=f"cluster-export:{cluster.pk}",
        now=now,
    )
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="cluster-{cluster.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)
def hand_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand a detected cluster to the region's ARS (the e-mail leaves after commit)."""
    cluster = selectors.access_cluster(user=request.user, pk=pk)
    try:
        handoff = hand_off_cluster(cluster=cluster, by=request.user, now=timezone.now())
    except (InvalidClusterTransition, NoArsAddress) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Cluster handed off: the e-mail to %(email)s is on its way.")
            % {"email": handoff.to_email},
        )
    return redirect("supervision:cluster", pk=cluster.pk)


@require_POST
@role_required(roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)
def retry_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    """Send again a hand-off e-mail that failed after every try."""
    cluster = selectors.access_cluster(user=request.user, pk=pk)
    handoff = selectors.cluster_detail(cluster=cluster).handoff
    if handoff is not None and retry_failed_handoff(handoff=handoff):
        messages.success(request, _("The e-mail to the ARS will be sent again."))
    else:
        messages.info(request, _("This e-mail is not failed."))
    return redirect("supervision:cluster", pk=cluster.pk)


def _ars_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    cluster = selectors.access_cluster(user=request.user, pk=pk)
    now = timezone.now()
    try:
        if action == "take":
            cluster_services.take_cluster(cluster=cluster, by=request.user, now=now)
            messages.success(request, _("The cluster is under investigation."))
        else:
            form = ClusterReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason."))
                return redirect("supervision:cluster", pk=cluster.pk)
            reason = form.cleaned_data["reason"]
            if action == "close":
                cluster_services.close_cluster(
                    cluster=cluster, by=request.user, reason=reason, now=now
                )
                messages.success(request, _("The cluster is closed."))
            else:
                cluster_services.return_cluster(
                    cluster=cluster, by=request.user, reason=reason, now=now
                )
                messages.success(request, _("The cluster is returned to the CPAM."))
    except InvalidClusterTransition as exc:
        messages.error(request, str(exc.message))
    return redirect("supervision:cluster", pk=cluster.pk)


@require_POST
@role_required(roles.ARS)
def take(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a handed-off cluster under investigation by the ARS."""
    return _ars_action(request, pk, "take")


@require_POST
@role_required(roles.ARS)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a cluster, with the reason."""
    return _ars_action(request, pk, "close")


@require_POST
@role_required(roles.ARS)
def give_back(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a cluster to its CPAM, with the reason."""
    return _ars_action(request, pk, "return")
