"""Contracts: renewals, the alert before the end, the end carried out. (To be written.)"""

from datetime import datetime


def alert_contract_ends(*, now: datetime) -> int:
    """Raise the alert on contracts ending within CONTRACT_END_ALERT_DAYS without a renewal."""
    raise NotImplementedError


def end_expired_contracts(*, now: datetime) -> int:
    """Deactivate the accounts of agents whose last contract ended yesterday or before."""
    raise NotImplementedError
