"""Declared access policies, and the roles table they are checked against."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, g

from ..api.errors import Refused

POLICY_ATTRIBUTE = "_gridmap_policy"


@dataclass(frozen=True)
class Policy:
    permission: str | None = None   # None with public=False: any signed-in user
    public: bool = False            # anonymous visitors allowed
    basic: bool = False             # HTTP Basic accepted (desktop GIS clients); never on pages
    page: bool = False              # an HTML page: anonymous visitors are sent to the login page
    rate: str | None = None         # "login" or "public": the settings' rate limit applies
    csrf: bool = True               # False only where the view checks its own token (login)


def requires(permission: str | None = None, *, basic: bool = False, page: bool = False,
             rate: str | None = None) -> Callable:
    """Signed-in users whose role grants `permission` (or its ':own' form)."""
    def mark(view):
        setattr(view, POLICY_ATTRIBUTE, Policy(permission, basic=basic, page=page, rate=rate))
        return view
    return mark


def public(view=None, *, rate: str | None = None, page: bool = False, csrf: bool = True):
    """Anyone, signed in or not. A signed-in browser's writes still need the CSRF token."""
    def mark(v):
        setattr(v, POLICY_ATTRIBUTE, Policy(public=True, rate=rate, page=page, csrf=csrf))
        return v
    return mark(view) if view is not None else mark


def policy_of(view) -> Policy | None:
    return getattr(view, POLICY_ATTRIBUTE, None)


def check_every_endpoint(app: Flask) -> None:
    missing = sorted(endpoint for endpoint, view in app.view_functions.items()
                     if policy_of(view) is None)
    if missing:
        raise RuntimeError("These endpoints declare no access policy (use @requires or @public "
                           f"from app.auth): {', '.join(missing)}")


def permits(role: str | None, permission: str) -> str | None:
    """'all', 'own' (only the user's own records), or None."""
    if role is None:
        return None
    granted = current_app.config["GRIDMAP"].roles.get(role, frozenset())
    if permission in granted:
        return "all"
    if f"{permission}:own" in granted:
        return "own"
    return None


def require(permission: str) -> str:
    """For a view whose permission depends on the request (which collection, which action):
    the same table, checked at that point. Returns 'all' or 'own'."""
    user = g.get("user")
    reach = permits(user.role if user else None, permission)
    if reach is None:
        if user is None:
            raise Refused(403, "Forbidden", "auth.may_not", permission=permission)
        raise Refused(403, "Forbidden", "auth.role_may_not", role=user.role, permission=permission)
    return reach
