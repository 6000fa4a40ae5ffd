"""Writes on findings: a supervisor acknowledges one with a note."""

from datetime import datetime

from django.contrib.auth.models import User

from integrity.models import Finding


def acknowledge_finding(*, finding: Finding, user: User, note: str, now: datetime) -> bool:
    """Acknowledge a finding with a note; False if someone did already (it stays as they left
    it)."""
    done = Finding.objects.filter(pk=finding.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=now, note=note
    )
    if done:
        finding.acknowledged_by, finding.acknowledged_at, finding.note = user, now, note
    return bool(done)
