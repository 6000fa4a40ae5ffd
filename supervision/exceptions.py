"""What supervisors' actions refuse, as explicit errors."""

from common.exceptions import DomainError


class ActionRefused(DomainError):
    """This action does not apply to this agent or call in their present state."""

    code = "action_refused"
