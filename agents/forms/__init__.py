"""Forms of the workforce pages, one module per domain."""
