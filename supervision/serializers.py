"""Serializers of the supervision API (DESIGN.md §7)."""

from rest_framework import serializers

from agents.models import Agent
from cases.models import Cluster, ClusterEvent, Place


class SupervisedAgentSerializer(serializers.Serializer):
    """One row of a board snapshot, in the names of the API contract."""

    username = serializers.CharField()
    status = serializers.ChoiceField(choices=Agent.Status.choices)
    status_since = serializers.DateTimeField()
    calls_today = serializers.IntegerField(source="calls")
    reached_today = serializers.IntegerField(source="reached")
    last_call_at = serializers.DateTimeField(allow_null=True)


class BucketsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(help_text="Deadline passed.")
    lt_2h = serializers.IntegerField(help_text="Deadline within 2 hours.")
    lt_6h = serializers.IntegerField(help_text="Deadline within 2 to 6 hours.")
    lt_24h = serializers.IntegerField(help_text="Deadline within 6 to 24 hours.")
    later = serializers.IntegerField(help_text="Deadline in more than 24 hours.")


class LanguageHealthSerializer(serializers.Serializer):
    language = serializers.CharField(source="code")
    backlog = BucketsSerializer(
        source="buckets", help_text="Open calls (queued, held, escalated) by time to deadline."
    )
    backlog_total = serializers.IntegerField(source="total")
    escalated = serializers.IntegerField()
    agents_ready = serializers.IntegerField(source="ready")
    agents_working = serializers.IntegerField(
        source="working", help_text="Ready, on a call or in wrap-up."
    )
    due_within_24h = serializers.IntegerField(help_text="Queued or held calls due within 24 hours.")
    calls_per_active_hour = serializers.FloatField(
        source="calls_per_hour",
        allow_null=True,
        help_text="Observed today; null until the sample means something. Not used to project.",
    )
    capacity_24h = serializers.IntegerField(
        allow_null=True,
        help_text="Calls due within 24 h the queue simulator reaches or notifies in time.",
    )
    projected_misses = serializers.IntegerField(
        allow_null=True,
        help_text="Calls due within 24 h the queue simulator does not reach or notify in time; "
        "null while a territory with calls due in this language has no projection yet.",
    )


class ReasonBacklogSerializer(serializers.Serializer):
    reason = serializers.CharField()
    backlog = BucketsSerializer(source="buckets")
    backlog_total = serializers.IntegerField(source="total")


class CallbacksSerializer(serializers.Serializer):
    owned = serializers.IntegerField(source="callbacks_owned")
    open = serializers.IntegerField(source="callbacks_open")
    total = serializers.IntegerField(source="callbacks_due")


class QueueHealthSerializer(serializers.Serializer):
    territory = serializers.CharField(source="territory.code", allow_null=True, default=None)
    computed_at = serializers.DateTimeField(source="now")
    languages = LanguageHealthSerializer(many=True)
    backlog_by_reason = ReasonBacklogSerializer(source="by_reason", many=True)
    callbacks_due = CallbacksSerializer(source="*")
    escalations_waiting = serializers.IntegerField(source="escalations")
    projection_computed_at = serializers.DateTimeField(
        source="projection_at",
        allow_null=True,
        help_text="When the oldest projection summed here was computed (a periodic job); null "
        "before the first.",
    )
    projection_late = serializers.BooleanField(
        help_text="The projection is older than 5 periods of its job: its figures are those of "
        "then."
    )


# --- Clusters (issue 16): the list, and the export (version 1, docs/api.md) -------------------


class ClusterPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Place.Type.choices)
    address = serializers.CharField()
    postcode = serializers.CharField()


class ClusterRowSerializer(serializers.Serializer):
    """One cluster of the list."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Cluster.Status.choices)
    place = ClusterPlaceSerializer()
    territory = serializers.CharField(source="territory.code", help_text="Département code.")
    cases = serializers.IntegerField(source="case_count", help_text="Confirmed cases.")
    detected_at = serializers.DateTimeField()
    handed_off_at = serializers.DateTimeField(allow_null=True)


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ExportClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Cluster.Status.choices)
    detected_at = serializers.DateTimeField()
    handed_off_at = serializers.DateTimeField(allow_null=True)
    handed_off_by = serializers.CharField(allow_null=True)
    taken_by = serializers.CharField(allow_null=True, help_text="The ARS officer who took it.")
    reason = serializers.CharField(help_text="Why the ARS closed or returned it.")
    territory = CodeNameSerializer()
    region = CodeNameSerializer(allow_null=True)


class ExportRuleSerializer(serializers.Serializer):
    min_cases = serializers.IntegerField()
    window_days = serializers.IntegerField()


class ExportSummarySerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    contacts = serializers.IntegerField(help_text="Contacts of these cases, wherever exposed.")
    contacts_at_place = serializers.IntegerField()
    contacts_notified = serializers.IntegerField(
        help_text="Contacts an agent reached and told the instructions."
    )
    first_sample_date = serializers.DateField(allow_null=True)
    last_sample_date = serializers.DateField(allow_null=True)


class ExportContactsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    at_place = serializers.IntegerField()
    notified = serializers.IntegerField()


class ExportCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_ref = serializers.CharField(help_text="The laboratory's or doctor's file number.")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField(allow_null=True, help_text="E.164.")
    sample_date = serializers.DateField()
    symptom_onset_date = serializers.DateField(allow_null=True)
    last_exposure_at_place = serializers.DateField(allow_null=True)
    contacts = ExportContactsSerializer()


class ExportEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=ClusterEvent.Kind.choices)
    by = serializers.CharField(allow_null=True)
    note = serializers.CharField()


class ClusterExportSerializer(serializers.Serializer):
    """A cluster as the ARS receives it: the e-mail's attachment, the page's download, this \
answer (format "tracing-center/cluster", version 1)."""

    format = serializers.CharField()
    version = serializers.IntegerField()
    exported_at = serializers.DateTimeField()
    cluster = ExportClusterSerializer()
    place = ClusterPlaceSerializer()
    rule = ExportRuleSerializer(allow_null=True)
    summary = ExportSummarySerializer()
    cases = ExportCaseSerializer(many=True)
    timeline = ExportEventSerializer(many=True)


class ClusterReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Read by the CPAM's admins: no names, please."
    )


class ClusterStatusSerializer(serializers.Serializer):
    """A cluster's state after an ARS action."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Cluster.Status.choices)
    taken_by = serializers.CharField(source="taken_by.username", allow_null=True, default=None)
    reason = serializers.CharField()
