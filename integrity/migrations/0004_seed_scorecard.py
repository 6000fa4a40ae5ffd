from django.db import migrations

from common.permissions import grant_permissions

# The national default scorecard (issue 14, part 7): weights sum to 100.
CRITERIA = [
    ("Identité vérifiée", "Identity checked", 15),
    ("Script suivi", "Script followed", 15),
    ("Isolement expliqué", "Isolation explained", 25),
    ("Contacts recueillis", "Contacts collected", 25),
    ("Courtoisie et clarté", "Courtesy and clarity", 20),
]
NAME = "Grille nationale"

# Scorecards are national reference data: national admins write them, CPAM admins read them.
NATIONAL = {"scorecard": ["view", "add", "change"], "criterion": ["view", "add", "change", "delete"]}
CPAM = {"scorecard": ["view"], "criterion": ["view"], "review": ["view"]}


def seed(apps, schema_editor):
    Scorecard = apps.get_model("integrity", "Scorecard")
    Criterion = apps.get_model("integrity", "Criterion")
    card, created = Scorecard.objects.get_or_create(name=NAME, territory=None)
    if created:
        Criterion.objects.bulk_create(
            Criterion(scorecard=card, label_fr=fr, label_en=en, weight=weight, order=order)
            for order, (fr, en, weight) in enumerate(CRITERIA, start=1)
        )
    grant_permissions(apps, group="admin_national", app_label="integrity", permissions=NATIONAL)
    grant_permissions(apps, group="admin_cpam", app_label="integrity", permissions=CPAM)


class Migration(migrations.Migration):
    dependencies = [
        ("integrity", "0003_quality_review"),
        # The national role exists from there.
        ("agents", "0015_admin_national_role"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
