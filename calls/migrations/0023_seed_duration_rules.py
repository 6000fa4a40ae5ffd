from django.db import migrations

RULES = [
    # outcome, reason ("" = any reason), min s, max s, wrap-up limit s
    # A contact told of their exposure, the isolation and the tests cannot be told in under 60 s.
    ("reached", "contact_notification", 60, 45 * 60, 5 * 60),
    # A patient-zéro interview collects the contacts: under 5 minutes it was not done.
    ("reached", "index_interview", 5 * 60, 90 * 60, 10 * 60),
    ("reached", "follow_up", 30, 30 * 60, 3 * 60),
    ("refused", "", 10, 20 * 60, 2 * 60),
    ("callback", "", 10, 15 * 60, 2 * 60),
    ("language_barrier", "", 5, 10 * 60, 2 * 60),
    ("not_concerned", "", 10, 15 * 60, 2 * 60),
    ("wrong_number", "", None, 5 * 60, 60),
    ("no_answer", "", None, None, 60),
    ("busy", "", None, None, 60),
    ("voicemail", "", None, 3 * 60, 60),
]


def seed(apps, schema_editor):
    DurationRule = apps.get_model("calls", "DurationRule")
    for outcome, reason, low, high, wrap_up in RULES:
        DurationRule.objects.get_or_create(
            outcome=outcome,
            reason=reason,
            defaults={"min_seconds": low, "max_seconds": high, "wrap_up_limit_seconds": wrap_up},
        )


class Migration(migrations.Migration):
    dependencies = [("calls", "0022_duration_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
