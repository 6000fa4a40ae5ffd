import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "languages.json"


def load_languages(apps, schema_editor):
    Language = apps.get_model("agents", "Language")
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    Language.objects.bulk_create(
        [Language(code=row["code"], name_fr=row["name_fr"], name_en=row["name_en"]) for row in rows],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_workforce")]
    operations = [migrations.RunPython(load_languages, migrations.RunPython.noop)]
