"""The workforce's models, one module per domain; importing them here registers them with Django."""

from workforce.models import contracts, pay, recruitment, rota, staffing  # noqa: F401
