"""The read log (cases.PersonAccess) as the audit page will query it: scoped, filtered by person,
user and period. The page itself (group dpo, CSV export) is still to do (issue 12 part 7)."""

from datetime import datetime

from django.db.models import Q, QuerySet

from agents import roles
from agents.access import RequestUser
from agents.models import scope_for_user
from cases.models import PersonAccess

MAX_DAYS = 366  # the widest period one query may cover


def person_accesses(
    *,
    user: RequestUser,
    start: datetime,
    end: datetime,
    person: str = "",
    username: str = "",
) -> QuerySet[PersonAccess]:
    """Return the reads of persons of the user's territory (every territory for a superuser or
    the data-protection officer) between start and end, newest first; person is an id or a word
    of a name."""
    everything = PersonAccess.objects.all()
    # The data-protection officer is national; anybody else sees their territory's persons.
    if roles.DPO in roles.roles_of(user):
        reads = everything
    else:
        reads = scope_for_user(everything, user, territory="person__territory_id")
    reads = reads.filter(accessed_at__gte=start, accessed_at__lt=end)
    if person.isdigit():
        reads = reads.filter(person_id=int(person))
    else:
        for word in person.split():
            reads = reads.filter(
                Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
            )
    if username:
        reads = reads.filter(user__username=username)
    return reads.select_related("person", "user").order_by("-accessed_at", "-pk")
