"""One demo account per role, named after the role, so that a first-time user can try each
view. Created by `flask setup-demo` (never in production)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...messages import Both, Message, Said
from ...models import USER_ROLES, AppUser, Area, Grid, Worker, WorkerAssignment
from . import accounts

# The demo's people, so that the wall and a case's history read as they would in a city;
# the worker account goes by its worker's name.
DEMO_NAMES = {"admin": "李建国", "operator": "王敏", "planner": "陈晓东", "reviewer": "赵丽华",
              "filer": "孙志强", "viewer": "周婷", "department": "刘伟"}
DEMO_DEPARTMENT = "SZ"      # the department account works for the municipal works office


class NoDivision(Said, ValueError):
    pass


def ensure_demo_accounts(session: Session, password: str) -> list[tuple[str, Message]]:
    """Creates the missing ones; returns (username, what they see) for every demo account."""
    city = session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id))
    if city is None:
        raise NoDivision("demo.no_division")
    worker, grid = session.execute(
        select(Worker, Grid).join(WorkerAssignment, WorkerAssignment.worker_id == Worker.id)
        .join(Grid, Grid.id == WorkerAssignment.grid_id)
        .where(Worker.role == "full_time", WorkerAssignment.valid_to.is_(None), Grid.valid_to.is_(None))
        .order_by(Grid.code).limit(1)).one()
    shown = []
    for role in USER_ROLES:
        existing = session.scalar(select(AppUser).where(AppUser.username == role))
        if existing is not None and existing.display_name is None:
            existing.display_name = DEMO_NAMES.get(role)       # a demo made before names
        if existing is None:
            accounts.create_user(session, role, password, role,
                                 scope_area_code=None if role in ("admin", "worker") else city.code,
                                 worker_code=worker.code if role == "worker" else None,
                                 department_code=DEMO_DEPARTMENT if role == "department" else None,
                                 allow_short_password=True, display_name=DEMO_NAMES.get(role))
        shown.append((role, Message("demo.sees.everything") if role == "admin" else
                      Message("demo.sees.grid", grid=grid.code, worker=Both(worker.name_zh, worker.name_en))
                      if role == "worker" else
                      Message("demo.sees.department", department=DEMO_DEPARTMENT) if role == "department" else
                      Message("demo.sees.area", area=Both(city.name_zh, city.name_en))))
    return shown
