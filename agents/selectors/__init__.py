"""Reads of the workforce for pages, API and exports, one module per domain."""
