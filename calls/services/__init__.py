"""Writes on the queue, split by domain: intake (queueing calls), dispatch (claims and leases),
outcomes (what a call did to its task), fallback (SMS and escalation) and sweeps (beat)."""
