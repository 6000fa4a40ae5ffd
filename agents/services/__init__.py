"""Writes on the workforce, one module per domain; the staff services are re-exported here."""

from agents.services.staff import create_agent, create_territory, set_agent_status

__all__ = ["create_agent", "create_territory", "set_agent_status"]
