from agents import roles


def staff(request) -> dict:
    """Expose the user's roles to templates, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_teleconseiller": roles.has_role(user, roles.TELECONSEILLER),
        "is_superviseur": roles.has_role(user, roles.SUPERVISEUR),
        "is_admin_cpam": roles.has_role(user, roles.ADMIN_CPAM),
        # The regional health agency's officers see the clusters of their region, nothing else.
        "is_ars": not user.is_superuser and roles.ARS in roles.roles_of(user),
        "is_national_admin": roles.is_national_admin(user),
        # Not has_role(): a superuser holds every role, and is not a doctor.
        "is_medecin": not user.is_superuser and roles.MEDECIN in roles.roles_of(user),
    }
