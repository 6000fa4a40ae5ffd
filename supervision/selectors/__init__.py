"""Reads for the supervisors' pages and API, always scoped with for_user(): escalations, the
plateau board (board), queue health (queue_health), SLA and productivity reports (reports)."""
