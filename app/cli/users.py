"""flask users create|set-password|set-role|set-scope|disable|list."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import db
from ..messages import Message
from ..models import USER_ROLES, AppUser, Area
from ..services.accounts import accounts
from .words import Group, Refusal, echo, language, option


@click.group("users", cls=Group, help=Message("cli.help.users"))
def users_group():
    pass


def _fail(error: accounts.AccountError):
    raise Refusal(error)


@users_group.command("create", help=Message("cli.help.users.create"))
@click.argument("username")
@option("--role", type=click.Choice(USER_ROLES), required=True, help=Message("cli.help.users.role"))
@option("--password", prompt=Message("cli.users.password"), hide_input=True, confirmation_prompt=True,
        help=Message("cli.help.users.password"))
@option("--scope-area", help=Message("cli.help.users.scope_area"))
@option("--scope-grids", help=Message("cli.help.users.scope_grids"))
@option("--worker", help=Message("cli.help.users.worker"))
@option("--department", help=Message("cli.help.users.department"))
@option("--name", "display_name", help=Message("cli.help.users.name"))
@with_appcontext
def create(username, role, password, scope_area, scope_grids, worker, department, display_name):
    session = db.session()
    if role not in ("admin", "worker", "department") and not scope_area and not scope_grids:
        raise Refusal(Message("cli.users.needs_scope", role=role))
    try:
        user = accounts.create_user(session, username, password, role, scope_area_code=scope_area,
                                    scope_grid_codes=_codes(scope_grids), worker_code=worker,
                                    display_name=display_name, department_code=department)
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    echo("cli.users.created", username=user.username, role=user.role)


@users_group.command("set-password", help=Message("cli.help.users.set_password"))
@click.argument("username")
@option("--password", prompt=Message("cli.users.new_password"), hide_input=True, confirmation_prompt=True,
        help=Message("cli.help.users.password"))
@with_appcontext
def set_password(username, password):
    session = db.session()
    user = _user(session, username)
    try:
        accounts.set_password(session, user, password)
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    echo("cli.users.password_set", username=username)


@users_group.command("set-role", help=Message("cli.help.users.set_role"))
@click.argument("username")
@click.argument("role", type=click.Choice(USER_ROLES))
@with_appcontext
def set_role(username, role):
    session = db.session()
    user = _user(session, username)
    user.role = role
    session.commit()
    echo("cli.users.role_set", username=username, role=role)


@users_group.command("set-scope", help=Message("cli.help.users.set_scope"))
@click.argument("username")
@option("--area", help=Message("cli.help.users.area"))
@option("--grids", help=Message("cli.help.users.scope_grids"))
@with_appcontext
def set_scope(username, area, grids):
    session = db.session()
    user = _user(session, username)
    try:
        accounts.set_scope(session, user, area, _codes(grids))
    except accounts.AccountError as error:
        _fail(error)
    session.commit()
    echo("cli.users.scope_set", username=username, scope=" ".join(filter(None, (area, grids))))


@users_group.command("disable", help=Message("cli.help.users.disable"))
@click.argument("username")
@with_appcontext
def disable(username):
    session = db.session()
    user = _user(session, username)
    accounts.disable(session, user)
    session.commit()
    echo("cli.users.disabled", username=username)


@users_group.command("list", help=Message("cli.help.users.list"))
@with_appcontext
def list_users():
    said_in = language()
    session = db.session()
    rows = session.execute(select(AppUser, Area.code).outerjoin(Area, Area.id == AppUser.scope_area_id)
                           .order_by(AppUser.username)).all()
    for user, area in rows:
        scope = area or ",".join(user.scope_grid_codes or []) or (
            Message("cli.users.everything").say(said_in) if user.role == "admin" else "—")
        state = Message("cli.users.active" if user.active else "cli.users.inactive").say(said_in)
        click.echo(f"{user.username:<16} {user.role:<9} {state:<8} {scope}")


def _user(session, username: str) -> AppUser:
    try:
        return accounts.find_user(session, username)
    except accounts.AccountError as error:
        _fail(error)


def _codes(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None
