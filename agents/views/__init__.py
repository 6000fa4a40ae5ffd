"""Pages of the workforce, one module per domain."""
