"""The legal limits of a CDD to start from, and who may change them: national admins change them,
CPAM admins read them."""

from datetime import date

from django.db import migrations

from common.permissions import grant_permissions

# Code du travail: 2 renewals (art. L1243-13, since the Rebsamen law n° 2015-994 of 17 August
# 2015), 18 months in all (art. L1242-8). From before the service's first contract.
VALID_FROM = date(2015, 8, 19)
SOURCE = "Code du travail, art. L1243-13 (loi n° 2015-994 du 17 août 2015) et L1242-8"


def seed_rule(apps, schema_editor):
    FixedTermRule = apps.get_model("workforce", "FixedTermRule")
    FixedTermRule.objects.get_or_create(
        valid_from=VALID_FROM,
        defaults={"max_renewals": 2, "max_total_months": 18, "source": SOURCE},
    )
    grant_permissions(
        apps,
        group="admin_national",
        app_label="workforce",
        permissions={"fixedtermrule": ["view", "add", "change", "delete"]},
    )
    grant_permissions(
        apps, group="admin_cpam", app_label="workforce", permissions={"fixedtermrule": ["view"]}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0005_fixed_term_rules_and_limit_override"),
        ("agents", "0015_admin_national_role"),
    ]
    operations = [migrations.RunPython(seed_rule, migrations.RunPython.noop)]
