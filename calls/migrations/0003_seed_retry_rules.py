from django.db import migrations

RULES = [
    # outcome, closes the task, delay (min), next phone, max attempts
    ("reached", True, 0, False, 5),
    ("refused", True, 0, False, 5),
    ("not_concerned", True, 0, False, 5),
    ("no_answer", False, 60, True, 5),
    ("busy", False, 15, False, 5),
    ("voicemail", False, 60, True, 5),
    # The number is retired; the next one is dialled at once.
    ("wrong_number", False, 0, True, 5),
    ("callback", False, 0, False, 6),
    ("language_barrier", False, 0, False, 6),
]


def seed(apps, schema_editor):
    RetryRule = apps.get_model("calls", "RetryRule")
    for outcome, closes, delay, next_phone, max_attempts in RULES:
        RetryRule.objects.get_or_create(
            outcome=outcome,
            defaults={"closes_task": closes, "delay_minutes": delay, "try_next_phone": next_phone, "max_attempts": max_attempts},
        )


class Migration(migrations.Migration):
    dependencies = [("calls", "0002_retry_policy_callbacks_sms")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
