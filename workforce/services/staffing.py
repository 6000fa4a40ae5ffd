"""Staffing needs: the territory's workload parameters and its expected volumes per language and
day."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from agents.models import Language, Territory
from workforce.models.staffing import StaffingParameters, VolumeForecast


@dataclass(frozen=True)
class VolumeEntry:
    language: Language
    day: date
    index_cases: int
    contacts: int


@transaction.atomic
def save_staffing_parameters(
    *,
    territory: Territory,
    index_handle_minutes: int,
    contact_handle_minutes: int,
    use_observed_handle_times: bool,
    attempts_per_contact: Decimal,
    unanswered_attempt_minutes: Decimal,
    occupancy: Decimal,
    shrinkage: Decimal,
    paid_hours_per_day: Decimal,
) -> StaffingParameters:
    """Create or update the territory's staffing parameters."""
    parameters, _created = StaffingParameters.objects.update_or_create(
        territory=territory,
        defaults={
            "index_handle_minutes": index_handle_minutes,
            "contact_handle_minutes": contact_handle_minutes,
            "use_observed_handle_times": use_observed_handle_times,
            "attempts_per_contact": attempts_per_contact,
            "unanswered_attempt_minutes": unanswered_attempt_minutes,
            "occupancy": occupancy,
            "shrinkage": shrinkage,
            "paid_hours_per_day": paid_hours_per_day,
        },
    )
    return parameters


@transaction.atomic
def clear_volume_forecasts(*, territory: Territory, keys: Iterable[tuple[Language, date]]) -> int:
    """Delete the forecasts of these languages and days, so their observed average applies again."""
    deleted = 0
    for language, day in keys:
        count, _per_model = VolumeForecast.objects.filter(
            territory=territory, language=language, day=day
        ).delete()
        deleted += count
    return deleted


@transaction.atomic
def save_volume_forecasts(
    *,
    territory: Territory,
    entries: Iterable[VolumeEntry],
    clear: Iterable[tuple[Language, date]] = (),
) -> list[VolumeForecast]:
    """Record the expected volumes (creating or replacing each day's) and clear others: all or
    nothing."""
    clear_volume_forecasts(territory=territory, keys=clear)
    saved = []
    for entry in entries:
        forecast, _created = VolumeForecast.objects.update_or_create(
            territory=territory,
            language=entry.language,
            day=entry.day,
            defaults={"index_cases": entry.index_cases, "contacts": entry.contacts},
        )
        saved.append(forecast)
    return saved
