"""Writes on the foundation: territories, agents and their status, day counters, sessions."""
