from datetime import date

from django.db import migrations

RULE_SETS = [
    {
        "name": "Doctrine de janvier 2022",
        "valid_from": date(2022, 1, 3),
        "index_isolation_days": 7,
        "contact_isolation_days": 7,
        "contact_test_days": 0,
        "index_instructions": (
            "Isolez-vous 7 jours pleins à partir de la date du début des symptômes (ou du prélèvement si vous n'avez "
            "pas de symptômes). Portez un masque, aérez, prévenez votre employeur. Un arrêt de travail peut être "
            "demandé sur declare.ameli.fr."
        ),
        "contact_instructions": (
            "Faites un test (antigénique ou PCR) dès aujourd'hui, puis des autotests à J+2 et J+4. Isolez-vous 7 "
            "jours après le dernier contact si vous n'êtes pas vacciné. Portez un masque et limitez vos contacts."
        ),
    },
    {
        "name": "Doctrine de mars 2022",
        "valid_from": date(2022, 3, 21),
        "index_isolation_days": 7,
        "contact_isolation_days": 0,
        "contact_test_days": 2,
        "index_instructions": (
            "Isolez-vous 7 jours pleins à partir de la date du début des symptômes (5 jours si test négatif et "
            "absence de symptômes depuis 48 h). Portez un masque et prévenez vos contacts."
        ),
        "contact_instructions": (
            "Pas d'isolement. Faites un test 2 jours après le dernier contact. Portez un masque et évitez le contact "
            "avec les personnes fragiles pendant 7 jours."
        ),
    },
]


def seed(apps, schema_editor):
    IsolationRuleSet = apps.get_model("cases", "IsolationRuleSet")
    for rule in RULE_SETS:
        IsolationRuleSet.objects.get_or_create(valid_from=rule["valid_from"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_isolation_rules_interviews_notifications")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
