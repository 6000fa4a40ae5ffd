from django.db import migrations

PAUSE_REASONS = [
    # code, French, English, minutes before the pause is flagged
    ("dejeuner", "Pause déjeuner", "Lunch break", 60),
    ("pause", "Pause courte", "Short break", 15),
    ("formation", "Formation", "Training", 120),
    ("reunion", "Réunion", "Meeting", 60),
    ("technique", "Problème technique", "Technical problem", 20),
    ("debrief", "Débrief avec le superviseur", "Debrief with supervisor", 20),
]


def seed(apps, schema_editor):
    PauseReason = apps.get_model("agents", "PauseReason")
    for code, fr, en, minutes in PAUSE_REASONS:
        PauseReason.objects.get_or_create(code=code, defaults={"label_fr": fr, "label_en": en, "max_minutes": minutes})


class Migration(migrations.Migration):
    dependencies = [("agents", "0004_pause_reasons_and_status_log")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
