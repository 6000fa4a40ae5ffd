"""Writes on findings: a supervisor acknowledges one with a note; the note is forgotten once the
call's person is purged."""

from datetime import datetime

from django.contrib.auth.models import User

from integrity.models import Finding
from integrity.qa_models import Review


def acknowledge_finding(*, finding: Finding, user: User, note: str, now: datetime) -> bool:
    """Acknowledge a finding with a note; False if someone did already (it stays as they left
    it)."""
    done = Finding.objects.filter(pk=finding.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=now, note=note
    )
    if done:
        finding.acknowledged_by, finding.acknowledged_at, finding.note = user, now, note
    return bool(done)


def forget_notes_of_purged_persons() -> int:
    """Blank the free texts about calls whose person was purged (they may name them): findings'
    acknowledgement notes and quality reviewers' notes; the findings, their evidence figures, the
    scores and who wrote them stay. Integrity's own step of the purge: calls cannot reach these
    tables (like supervision's action notes)."""
    purged = {"attempt__task__person__purged_at__isnull": False}
    findings = Finding.objects.filter(**purged).exclude(note="").update(note="")
    reviews = Review.objects.filter(**purged).exclude(notes="").update(notes="")
    return findings + reviews
