"""Writes on supervision's tables: day counters (counters), board snapshots and alerts (board,
alerts), supervisor actions (actions), SLA rollups (sla)."""
