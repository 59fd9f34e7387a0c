"""A few households in the demo worker's grid, so that the register is not an empty page on
first sight: made up (names drawn from common ones, ID numbers valid in form and made up, phones
in the 170 range), written through the same path as a worker's, with their versions."""
from __future__ import annotations

import random

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ...models import HouseUnit
from ..accounts.scope import Scope
from . import entries, identity
from .access import PERMISSIONS, Reader

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("秀英", "桂兰", "建国", "志强", "丽娟", "晓东", "明", "婷", "伟", "静", "军", "磊", "芳", "浩然", "子涵")
BUILDINGS = 6


def _person(rng: random.Random, relation: str, born: int) -> dict:
    first17 = f"110105{born}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    person = {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": relation,
              "id_number": first17 + identity.id_check_digit(first17)}
    if relation == "head":
        person["phone"] = f"170{rng.randint(10_000_000, 99_999_999)}"
    return person


def seed(session: Session, worker_id: int) -> int:
    """Households in the worker's grid when the register is empty; how many were made."""
    if session.scalar(select(func.count()).select_from(HouseUnit)):
        return 0
    buildings = session.scalars(text("""
        SELECT b.id FROM building b JOIN worker_assignment a ON a.grid_id = b.grid_id AND a.valid_to IS NULL
        WHERE a.worker_id = :w AND b.households > 0 ORDER BY b.households DESC, b.id LIMIT :n"""),
        {"w": worker_id, "n": BUILDINGS}).all()
    writer = Reader("system:setup-demo", Scope(everything=True), frozenset(PERMISSIONS))
    rng = random.Random(28)
    made = 0
    for building in buildings:
        for floor in range(1, rng.randint(3, 5)):
            born = rng.randint(1940, 1995)
            people = [_person(rng, "head", born)]
            if born < 1950 and rng.random() < 0.5:
                people[0]["care_tags"] = ["elderly_alone"]
            else:
                people += [_person(rng, "spouse", born + rng.randint(-3, 3))]
                if born > 1960:
                    people.append(_person(rng, "child", born + rng.randint(24, 32)))
            use = rng.choice(("owner", "owner", "rented"))
            if use == "rented":
                for p in people:
                    p["registration"] = "floating"
            entries.add_household(session, writer, building, {"entrance": "1", "floor": floor,
                                                              "room": f"{floor}0{rng.randint(1, 4)}", "use": use},
                                  people)
            made += 1
    return made
