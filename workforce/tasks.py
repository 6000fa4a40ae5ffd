"""Background jobs of the workforce: thin, idempotent sweeps run by beat."""

from celery import shared_task
from django.utils import timezone

from workforce.services import contracts, recruitment


@shared_task(name="agents.tasks.close_unanswered_candidates")
def close_unanswered_candidates() -> int:
    """Close as "no answer" the candidates silent for CANDIDATE_NO_ANSWER_DAYS."""
    return recruitment.close_unanswered_candidates(now=timezone.now())


@shared_task(name="agents.tasks.alert_contract_ends")
def alert_contract_ends() -> int:
    """Raise the alert on contracts ending within CONTRACT_END_ALERT_DAYS without a renewal."""
    return contracts.alert_contract_ends(now=timezone.now())


@shared_task(name="agents.tasks.end_expired_contracts")
def end_expired_contracts() -> int:
    """Deactivate the accounts of agents whose last contract ended, releasing their callbacks."""
    return contracts.end_expired_contracts(now=timezone.now())


@shared_task(name="agents.tasks.open_started_contracts")
def open_started_contracts() -> int:
    """Open the accounts of agents whose contract starts today."""
    return contracts.open_started_contracts(now=timezone.now())
