"""Supervisors' pages, one module per board or report."""
