"""Celery task names are a contract with queued messages and beat: moving code keeps them."""

from django.conf import settings
from django.test import SimpleTestCase

from tracing_center.celery import app

# The names as they were before the apps were restructured (issue 10): messages already queued,
# and every beat schedule, refer to these.
TASK_NAMES = {
    "agents.tasks.alert_contract_ends",
    "agents.tasks.close_unanswered_candidates",
    "agents.tasks.end_expired_contracts",
    "agents.tasks.open_started_contracts",
    "calls.tasks.close_reached_duplicates",
    # Added with the escalation lifecycle (issue 11): a late task's period runs out.
    "calls.tasks.escalate_overdue",
    "calls.tasks.expire_leases",
    "calls.tasks.fallback_at_deadline",
    "calls.tasks.flag_at_risk",
    # Added with the beat and worker heartbeat (issue 12).
    "calls.tasks.heartbeat",
    "calls.tasks.release_callbacks",
    # Added with the fresh queue (issue 17): due retries back in deadline order.
    "calls.tasks.rejoin_due_retries",
    # Added with the SMS outbox (issue 12): the sweep that (re)publishes what is due.
    "calls.tasks.republish_sms",
    "calls.tasks.send_sms",
    # Added with the desk heartbeat (issue 11).
    "calls.tasks.set_absent_agents_offline",
    "cases.tasks.purge_expired_personal_data",
    # Added with clusters (issue 16): detection after an intake, the sweep, the hand-off e-mail.
    "cases.tasks.detect_clusters",
    "cases.tasks.sweep_clusters",
    "cases.tasks.send_cluster_handoff",
    # Added with identity across cases (issue 16): duplicates after an intake, and the sweep.
    "cases.tasks.find_duplicate_candidates",
    "cases.tasks.sweep_duplicate_candidates",
    # Added with contact imports as background jobs (issue 13).
    "intake.tasks.run_contact_import",
    # Added with integrity (issue 14): findings from the evidence.
    "integrity.tasks.detect_duration_findings",
    "integrity.tasks.detect_day_flags",
    "integrity.tasks.reconcile_carrier",
    # Added with quality review (issue 14, part 7): the weekly sample of calls to score.
    "integrity.tasks.draw_qa_sample",
    "intake.tasks.sweep_contact_imports",
    "supervision.tasks.refresh_boards",
    "supervision.tasks.roll_up_sla",
    "supervision.tasks.count_hourly_calls",
    # Added with the projection out of the request (issue 17): queue health's projected misses.
    "supervision.tasks.project_queues",
    "supervision.tasks.forget_purged_notes",
    "integrity.tasks.forget_purged_notes",
}


class TaskNameTests(SimpleTestCase):
    def setUp(self):
        # What a worker does at start: import every installed app's tasks module.
        app.loader.import_default_modules()
        self.registered = {name for name in app.tasks if not name.startswith("celery.")}

    def test_a_worker_registers_every_task_under_its_name(self):
        self.assertEqual(self.registered, TASK_NAMES)

    def test_every_beat_entry_names_a_registered_task(self):
        scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        self.assertEqual(scheduled - self.registered, set())
