"""Read models for supervision (per-agent day counters) arrive with the call loop."""
