"""Background jobs of the queue: thin, idempotent, taking ids."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from calls.models import SmsMessage
from calls.sms import SmsError, get_backend


@shared_task(name="calls.tasks.send_sms")
def send_sms(sms_id: int) -> str:
    """Send one queued SMS; a redelivered message finds it taken and sends nothing."""
    # Claim the message first: at most once is the promise ("SMS once, never twice").
    with transaction.atomic():
        claimed = SmsMessage.objects.filter(pk=sms_id, status=SmsMessage.Status.QUEUED).update(status=SmsMessage.Status.SENDING)
    if not claimed:
        return "skipped"
    sms = SmsMessage.objects.get(pk=sms_id)
    try:
        reference = get_backend().send(to=sms.phone, body=sms.body)
    except SmsError as exc:
        SmsMessage.objects.filter(pk=sms_id).update(status=SmsMessage.Status.FAILED, error=str(exc)[:255])
        return "failed"
    SmsMessage.objects.filter(pk=sms_id).update(status=SmsMessage.Status.SENT, provider_ref=reference, sent_at=timezone.now())
    return "sent"
