"""Template filters for people's details."""

from django import template

from common.phones import display_for

register = template.Library()


@register.filter
def phone(e164: str, region: str = "FR") -> str:
    """{{ number|phone:territory.phone_region }}: the number as a caller there reads it."""
    return display_for(e164, region or "FR")


@register.filter
def case_ref(index_case) -> str:
    """{{ index_case|case_ref }}: the laboratory's or doctor's reference, else the case number."""
    return index_case.external_ref or f"#{index_case.pk}"
