"""flask users create|set-password|set-role|set-scope|disable|list."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import db
from ..models import USER_ROLES, AppUser, Area
from ..services.accounts import accounts


@click.group("users", help="Accounts: create them, change password, role or scope, disable them.")
def users_group():
    pass


def _fail(error: Exception):
    raise click.ClickException(str(error))


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(USER_ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--scope-area", help="area code (city, district, street or community)")
@click.option("--scope-grids", help="comma-separated grid codes")
@click.option("--worker", help="the worker code a worker account belongs to")
@click.option("--department", help="the department code a department account belongs to")
@click.option("--name", "display_name", help="the person's name as colleagues read it (王敏)")
@with_appcontext
def create(username, role, password, scope_area, scope_grids, worker, department, display_name):
    """Create an account."""
    session = db.session()
    if role not in ("admin", "worker", "department") and not scope_area and not scope_grids:
        _fail(click.UsageError(f"A {role} sees only their scope: give --scope-area or --scope-grids."))
    try:
        user = accounts.create_user(session, username, password, role, scope_area_code=scope_area,
                                    scope_grid_codes=_codes(scope_grids), worker_code=worker,
                                    display_name=display_name, department_code=department)
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    click.echo(f"created {user.username} ({user.role})")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
@with_appcontext
def set_password(username, password):
    """Give an account a new password (the demo accounts' before production; a worker who
    forgot theirs). Its login sessions end; its API tokens stay."""
    session = db.session()
    user = _user(session, username)
    try:
        accounts.set_password(session, user, password)
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    click.echo(f"{username} has a new password; their sessions are signed out")


@users_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(USER_ROLES))
@with_appcontext
def set_role(username, role):
    session = db.session()
    user = _user(session, username)
    user.role = role
    session.commit()
    click.echo(f"{username} is now {role}")


@users_group.command("set-scope")
@click.argument("username")
@click.option("--area", help="area code")
@click.option("--grids", help="comma-separated grid codes")
@with_appcontext
def set_scope(username, area, grids):
    session = db.session()
    user = _user(session, username)
    try:
        accounts.set_scope(session, user, area, _codes(grids))
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    click.echo(f"{username} sees {area or ''}{' ' if area and grids else ''}{grids or ''}".rstrip())


@users_group.command("disable")
@click.argument("username")
@with_appcontext
def disable(username):
    """Disable an account: its sessions end, its tokens stop working, and its open live
    streams end within seconds in every serving process."""
    session = db.session()
    user = _user(session, username)
    accounts.disable(session, user)
    session.commit()
    click.echo(f"{username} is disabled")


@users_group.command("list")
@with_appcontext
def list_users():
    session = db.session()
    rows = session.execute(select(AppUser, Area.code).outerjoin(Area, Area.id == AppUser.scope_area_id)
                           .order_by(AppUser.username)).all()
    for user, area in rows:
        scope = area or ",".join(user.scope_grid_codes or []) or ("everything" if user.role == "admin" else "—")
        click.echo(f"{user.username:<16} {user.role:<9} {'active' if user.active else 'disabled':<8} {scope}")


def _user(session, username: str) -> AppUser:
    try:
        return accounts.find_user(session, username)
    except accounts.AccountError as error:
        _fail(error)


def _codes(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None
