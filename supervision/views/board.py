"""The plateau board (live, polled by htmx) and the national overview."""

import logging
from html import escape

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agents import roles
from agents.access import access_territory_by_code
from agents.models import Agent, PauseReason, Territory
from agents.roles import role_required
from common.charts import bar_chart
from supervision.models import Alert
from supervision.selectors import board as selectors
from supervision.services.actions import may_release

logger = logging.getLogger(__name__)
_PK = 987654321
# The chart of calls per hour is computed at most this often per territory.
CHART_SECONDS = 60


def _url_of(name: str):
    """Return a builder of this view's URL for a pk: one reverse() instead of one per row."""
    head, tail = reverse(name, args=[_PK]).split(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"


class _RowRenderer:
    """Render the board's rows: a few hundred every few seconds per supervisor, so as one string
    per row with every text escaped (html.escape), rather than template tags or format_html(),
    which cost five and three times more."""

    def __init__(self):
        self.pause_url = _url_of("supervision:pause-agent")
        self.log_out_url = _url_of("supervision:log-out-agent")
        self.release_url = _url_of("supervision:confirm-release")
        self.message_url = reverse("supervision:messages") + "?agent="
        self.now = timezone.now()
        self.since = escape(_("since"))
        self.pause = escape(_("Pause"))
        self.release = escape(_("Give the call back"))
        self.log_out = escape(_("Log out"))
        self.message = escape(_("Message"))
        self.absent = escape(_("Absent"))
        self.rostered_since = _("rostered since %(time)s")
        self.off_rota = escape(_("Off the rota"))
        self.low_rates = escape(_("Under the thresholds of calls per active hour or time on calls"))
        # Counts grouped by thousands as the language writes them (« 12 345 »), without a call to
        # number_format per cell; both our languages group by three.
        separator = get_format("THOUSAND_SEPARATOR") if settings.USE_THOUSAND_SEPARATOR else ""
        self.separator = escape(separator)

    def count(self, value) -> str:
        return f"{int(value):,}".replace(",", self.separator)

    @staticmethod
    def button(url: str, testid: str, label: str) -> str:
        return (
            f'<button type="submit" form="board-actions" formaction="{escape(url)}"'
            ' class="button button--small"'
            f' data-testid="{testid}">{label}</button>'
        )

    def __call__(self, row: dict) -> str:
        status, colour, username = (
            escape(row["status"]),
            escape(row["colour"]),
            escape(row["username"]),
        )
        actions = ""
        if row["can_pause"]:
            actions += self.button(self.pause_url(row["agent_id"]), "pause-agent", self.pause)
        # A call only just taken is an interview starting, not a stuck lease: not offered. The
        # link asks for a confirmation first (a page: it works without JavaScript).
        held_since = row.get("held_since")
        if row["held_task_id"] and held_since and may_release(claimed_at=held_since, now=self.now):
            actions += (
                f'<a href="{escape(self.release_url(row["held_task_id"]))}"'
                ' class="button button--small" data-testid="release-lease">'
                f"{self.release}</a>"
            )
        if row["since_local"]:
            actions += self.button(self.log_out_url(row["agent_id"]), "log-out-agent", self.log_out)
        # A link to the compose form, not a form: it works without JavaScript, and the text is
        # written on a page of its own.
        actions += (
            f'<a href="{escape(self.message_url)}{int(row["agent_id"])}"'
            ' class="button button--small" data-testid="message-agent">'
            f"{self.message}</a>"
        )
        pause = since = ""
        timer = "–"
        if row["pause_reason"]:
            limit = escape(_("%(minutes)s min max") % {"minutes": row["pause_max_minutes"]})
            pause = (
                '<span class="deadline" data-testid="pause-reason">'
                f"{escape(row['pause_label'])} ({limit})</span>"
            )
        if row["since_local"]:
            since = f'<span class="deadline">{self.since} {escape(row["since_local"])}</span>'
            timer = (
                f'<span class="board-timer" data-since="{int(row["since_epoch"])}">'
                f"{escape(row['status_time'])}</span>"
            )
        roster = ""
        if row.get("roster") == "absent":
            planned = escape(self.rostered_since % {"time": row["shift_start_local"]})
            roster = (
                f'<span class="flag flag--absent" data-testid="roster-absent">{self.absent}</span>'
                f'<span class="deadline">{planned}</span>'
            )
        elif row.get("roster") == "off_rota":
            roster = (
                '<span class="flag flag--off-rota" data-testid="roster-off-rota">'
                f"{self.off_rota}</span>"
            )
        flags = " ".join(
            f'<span class="flag flag--{escape(kind)}" data-flag="{escape(kind)}">'
            f"{escape(label)}</span>"
            for kind, label in row["flag_labels"]
        )
        low = " under-threshold" if row["low_rates"] else ""
        low_title = f' title="{self.low_rates}"' if row["low_rates"] else ""
        return mark_safe(  # Every value above is escaped, or a number.
            f'<tr class="board-row{f" board-row--{colour}" if colour else ""}"'
            ' data-testid="board-row"'
            f' data-agent="{username}" data-status="{status}"'
            f' data-roster="{escape(row.get("roster", ""))}"'
            f' data-pause="{escape(row["pause_reason"])}" data-colour="{colour}">'
            f'<td><strong title="{username}">{escape(row["full_name"])}</strong>'
            f'<span class="deadline" data-testid="team">{escape(row["team"] or "–")}'
            f" · {escape(row['plateau'])}</span></td>"
            f"<td>{escape(row['language_list'])}</td>"
            f'<td><span class="status-dot status-dot--{status}"></span> '
            f"{escape(row['status_label'])}{pause}{since}{roster}</td>"
            f'<td class="num" data-testid="status-time">{timer}</td>'
            f'<td class="num" data-testid="calls-today">{self.count(row["calls"])}</td>'
            f'<td class="num" data-testid="reached-today">{self.count(row["reached"])}</td>'
            f'<td class="num col-more" data-testid="talk-time">{escape(row["talk_time"])}</td>'
            '<td class="num col-more" data-testid="talk-not-marked">'
            f"{self.count(row.get('talk_not_marked', 0))}</td>"
            f'<td class="num" data-testid="aht">{escape(row["aht_time"])}</td>'
            '<td class="num col-more" data-testid="short-calls">'
            f"{self.count(row['short_calls'])}</td>"
            f'<td data-testid="last-call">{escape(row["last_call_local"])}</td>'
            f'<td class="num col-more" data-testid="logged-in">{escape(row["logged_in_time"])}</td>'
            f'<td class="num" data-testid="active">{escape(row["active_time"])}</td>'
            f'<td class="num col-more{low}" data-testid="calls-per-active-hour"{low_title}>'
            f"{escape(row['per_hour_text'])}</td>"
            f'<td class="num col-more{low}" data-testid="on-call-share"{low_title}>'
            f"{escape(row['on_call_share_text'])}</td>"
            f'<td data-testid="flags">{flags}</td>'
            f'<td class="board-row__actions">{actions}</td>'
            "</tr>"
        )


def _board_context(request: HttpRequest) -> dict:
    territory = access_territory_by_code(user=request.user, code=request.GET.get("territory"))
    board = selectors.plateau_board(
        user=request.user, territory=territory, query=request.GET, now=timezone.now()
    )
    render_row = _RowRenderer()
    for row in board.rows:
        row["html"] = render_row(row)
    sort_links = {}
    for key in selectors.SORTS:
        query = request.GET.copy()
        query["sort"] = (
            f"-{key}" if board.filters.sort == key and not board.filters.descending else key
        )
        sort_links[key] = f"?{query.urlencode()}"
    return {
        "board": board,
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "sort_links": sort_links,
        "query": request.GET.urlencode(),
        "statuses": Agent.Status.choices,
        "flags": Alert.Kind.choices,
        "legend": _legend(board.status_counts),
        "board_territory": territory,
    }


def _legend(counts: dict[str, int]) -> list[dict]:
    """The board's status legend and status mix: each status (and the rostered agents not logged
    in) with its label, its agents, and its place in a bar of 100 (x and width, in percent)."""
    labels = dict(Agent.Status.choices) | {selectors.ROSTER_ABSENT: _("Absent")}
    total = sum(counts.values()) or 1
    legend, x = [], 0.0
    for status, count in counts.items():
        width = 100 * count / total
        legend.append(
            {
                "status": status,
                "label": labels[status],
                "count": count,
                "x": f"{x:.2f}",
                "width": f"{width:.2f}",
            }
        )
        x += width
    return legend


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def plateau_board(request: HttpRequest) -> HttpResponse:
    """Show the live board of the agents of the user's plateau or territory."""
    context = _board_context(request)
    if request.user.is_superuser:
        context["territories"] = selectors.user_territories(request.user)
    context["pause_reasons"] = list(PauseReason.objects.filter(active=True))
    context |= _chart_context(context["board_territory"])
    return render(request, "supervision/board.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def board_rows(request: HttpRequest) -> HttpResponse:
    """Render the board's live part again, for htmx polling."""
    return render(request, "supervision/_board_rows.html", _board_context(request))


def _chart_context(territory: Territory) -> dict:
    """The board's chart of calls per hour today, from the cache (CHART_SECONDS old at most) or
    computed live, also when the cache is down."""
    key = f"supervision:calls-per-hour:{territory.pk}"
    try:
        hours = cache.get(key)
    except Exception:
        logger.warning("Cache unavailable: calls per hour computed live")
        hours = None
    if hours is None:
        hours = selectors.calls_per_hour(territory=territory, now=timezone.now())
        try:
            cache.set(key, hours, timeout=CHART_SECONDS)
        except Exception:
            logger.warning("Cache unavailable: calls per hour not kept")
    chart = bar_chart(
        chart_id="calls-per-hour",
        title=_("Calls per hour today"),
        labels=[f"{hour:02d}h" for hour, _calls, _reached in hours],
        series=[
            (_("Calls"), "a", [calls for _hour, calls, _reached in hours]),
            (_("Reached"), "b", [reached for _hour, _calls, reached in hours]),
        ],
    )
    return {"chart": chart, "territory_code": territory.code, "chart_seconds": CHART_SECONDS}


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def board_chart(request: HttpRequest) -> HttpResponse:
    """The board's chart of calls per hour today, polled every minute."""
    territory = access_territory_by_code(user=request.user, code=request.GET.get("territory"))
    return render(request, "supervision/_board_chart.html", _chart_context(territory))


@require_GET
@role_required(roles.ADMIN_CPAM)
def national_overview(request: HttpRequest) -> HttpResponse:
    """Show each territory's totals (a CPAM admin: their own), from the boards' snapshots."""
    totals, grand = selectors.national_overview(user=request.user, now=timezone.now())
    return render(request, "supervision/national.html", {"totals": totals, "grand": grand})
