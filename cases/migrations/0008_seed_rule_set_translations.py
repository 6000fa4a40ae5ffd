"""The isolation instructions in English (issue 13), for the rule sets shipped; national admins
add other languages, CPAM admins read them."""

from datetime import date

from django.db import migrations

from common.permissions import grant_permissions

ENGLISH = {
    date(2022, 1, 3): {
        "index_instructions": (
            "Isolate for 7 full days from the day your symptoms began (or from your test if you "
            "have no symptoms). Wear a mask, air your home, tell your employer. You can ask for "
            "sick leave on declare.ameli.fr."
        ),
        "contact_instructions": (
            "Get tested (antigen or PCR) today, then take self-tests on day 2 and day 4. Isolate "
            "for 7 days after the last contact if you are not vaccinated. Wear a mask and limit "
            "your contacts."
        ),
    },
    date(2022, 3, 21): {
        "index_instructions": (
            "Isolate for 7 full days from the day your symptoms began (5 days with a negative test "
            "and no symptoms for 48 hours). Wear a mask and tell your contacts."
        ),
        "contact_instructions": (
            "No isolation. Get tested 2 days after the last contact. Wear a mask and avoid contact "
            "with vulnerable people for 7 days."
        ),
    },
}


def seed(apps, schema_editor):
    IsolationRuleSet = apps.get_model("cases", "IsolationRuleSet")
    RuleSetTranslation = apps.get_model("cases", "RuleSetTranslation")
    Language = apps.get_model("agents", "Language")
    if Language.objects.filter(code="en").exists():
        for rule_set in IsolationRuleSet.objects.filter(valid_from__in=ENGLISH):
            RuleSetTranslation.objects.get_or_create(
                rule_set=rule_set, language_id="en", defaults=ENGLISH[rule_set.valid_from]
            )
    grant_permissions(
        apps,
        group="admin_national",
        app_label="cases",
        permissions={"rulesettranslation": ["view", "add", "change", "delete"]},
    )
    grant_permissions(
        apps, group="admin_cpam", app_label="cases", permissions={"rulesettranslation": ["view"]}
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_rule_set_translations"), ("agents", "0016_dpo_role")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
