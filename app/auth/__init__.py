"""The one access layer every blueprint goes through: who is asking (identity), whether the
endpoint's declared policy lets them (policy), and what part of the city they see (scope).

A view declares its policy with @requires(…) or @public; an endpoint without one stops the app
from starting, so nothing can ship unprotected.
"""
from .policy import Policy, check_every_endpoint, permits, policy_of, public, require, requires
from .identity import current_scope, current_user, init_app

__all__ = ["Policy", "check_every_endpoint", "permits", "policy_of", "public", "require",
           "requires", "current_scope", "current_user", "init_app"]
