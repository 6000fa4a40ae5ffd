"""What the services of cases refuse, as explicit errors (409 in the API, a message on pages)."""

from django.utils.translation import gettext_lazy as _

from common.exceptions import DomainError


class InvalidClusterTransition(DomainError):
    """This cluster is not in a state that allows this action."""

    code = "invalid_transition"

    def __init__(self, *, status: str, status_label: str):
        super().__init__(
            _("This cluster is “%(status)s”: this action is no longer possible.")
            % {"status": status_label}
        )
        self.status = status


class NoArsAddress(DomainError):
    """The region of this territory has no ARS e-mail address: ask a national administrator to
    set it."""

    code = "no_ars_address"
