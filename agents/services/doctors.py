"""Writes on the doctors who declare patients (issue 16)."""

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import transaction

from agents import roles
from agents.models import Doctor, Territory


@transaction.atomic
def create_doctor(
    *,
    username: str,
    password: str | None,
    first_name: str,
    last_name: str,
    rpps: str,
    territories: Iterable[Territory] = (),
    email: str = "",
) -> Doctor:
    """Create a doctor's account: a user in the medecin role, with their RPPS number and where
    they practise (None as password: unusable until they reset it by e-mail)."""
    user = User.objects.create_user(
        username, email, password, first_name=first_name, last_name=last_name
    )
    user.groups.add(Group.objects.get(name=roles.MEDECIN))
    doctor = Doctor.objects.create(user=user, rpps=rpps)
    doctor.territories.set(territories)
    return doctor
