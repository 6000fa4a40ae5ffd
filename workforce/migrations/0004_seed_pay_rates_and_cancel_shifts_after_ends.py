"""National pay rates to start from, the CPAM admin's rights on them, and the shifts left on the
rota after contracts that already ended, cancelled as the end sweep now does."""

from datetime import date
from decimal import Decimal

from django.db import migrations
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from common.permissions import grant_permissions

# Documented assumptions (docs/workforce.md), to be set by each CPAM in the Django admin: the
# base is the 2026 SMIC (gross hourly minimum wage) for staff and fixed-term recruits; providers'
# agents are paid by their provider and doctors by their own arrangement, so they have no base
# here (hours only). Sundays +50 %, public holidays +100 %.
SMIC_2026 = Decimal("12.02")
NATIONAL_RATES = {
    "cnam": SMIC_2026,
    "fixed_term": SMIC_2026,
    "provider": None,
    "doctor": None,
}
# Before the service's first payroll: every month finds a rate.
VALID_FROM = date(2020, 1, 1)


def seed_rates(apps, schema_editor):
    PayRate = apps.get_model("workforce", "PayRate")
    for employer, hourly_rate in NATIONAL_RATES.items():
        PayRate.objects.get_or_create(
            territory=None,
            employer=employer,
            valid_from=VALID_FROM,
            defaults={
                "hourly_rate": hourly_rate,
                "sunday_premium_percent": Decimal(50),
                "holiday_premium_percent": Decimal(100),
            },
        )


def grant(apps, schema_editor):
    # National rows are read-only for a CPAM admin (workforce.admin.PayRateAdmin).
    grant_permissions(
        apps,
        group="admin_cpam",
        app_label="workforce",
        permissions={"payrate": ["view", "add", "change", "delete"]},
    )


def cancel_shifts_after_ends(apps, schema_editor):
    Contract = apps.get_model("workforce", "Contract")
    Shift = apps.get_model("workforce", "Shift")
    contracts = Contract.objects.filter(agent_id=OuterRef("agent_id"))
    ended_before = contracts.filter(closed_at__isnull=False, end_on__lt=OuterRef("day"))
    covering = contracts.filter(start_on__lte=OuterRef("day")).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=OuterRef("day"))
    )
    Shift.objects.filter(cancelled_at__isnull=True).filter(Exists(ended_before)).exclude(
        Exists(covering)
    ).update(cancelled_at=timezone.now(), cancellation_reason="contract_end")


class Migration(migrations.Migration):
    dependencies = [("workforce", "0003_shift_cancellation_pay_rates")]
    operations = [
        migrations.RunPython(seed_rates, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(cancel_shifts_after_ends, migrations.RunPython.noop),
    ]
