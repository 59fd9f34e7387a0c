"""Moving the register's personal numbers to a new key (GRIDMAP_REGISTER_KEY), from the one
being retired (GRIDMAP_REGISTER_KEY_PREVIOUS): each secret is opened with the old key and kept
again with the new, its finding key made again (the HMAC key changes with it); the versions'
copies too. Masks do not change: the numbers do not.

A batch at a time, each committed: a rotation stopped half-way is run again and goes on,
since a secret the new key already opens is only made again. While it runs, numbers not yet
moved still open (protect.reveal tries the retired key), though searching by a number finds
only those moved: run it when the register is quiet."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Said
from ..accounts import audit
from .protect import Unreadable, protect, reveal

BATCH = 500
# table → (number, its kind) for each number it holds
NUMBERS = {"resident": (("id_number", "id_number"), ("phone", "phone")),
           "organisation": (("contact_phone", "phone"),)}


class CannotRotate(Said):
    pass


@dataclass
class Rotated:
    numbers: int = 0            # secrets kept again under the new key
    versions: int = 0           # versions whose copies were
    unreadable: int = 0         # secrets neither key opens (left as they are, and counted)


def _opened(secret: bytes, old: str, new: str) -> str | None:
    for master in (old, new):
        try:
            return reveal(secret, master)
        except Unreadable:
            continue
    return None


def rotate(session: Session, old: str | None, new: str,
           progress: Callable[[str, int], None] = lambda what, n: None) -> Rotated:
    if not old:
        raise CannotRotate("register.rotate_no_previous")
    if old == new:
        raise CannotRotate("register.rotate_same")
    done = Rotated()
    for table, numbers in NUMBERS.items():
        last = 0
        while True:
            rows = session.execute(text(
                f"SELECT id, {', '.join(f'{n}_secret' for n, _ in numbers)} FROM {table} "
                f"WHERE id > :last AND ({' OR '.join(f'{n}_secret IS NOT NULL' for n, _ in numbers)}) "
                f"ORDER BY id LIMIT {BATCH}"), {"last": last}).all()
            if not rows:
                break
            for row in rows:
                for (name, kind), secret in zip(numbers, row[1:]):
                    if secret is None:
                        continue
                    value = _opened(secret, old, new)
                    if value is None:
                        done.unreadable += 1
                        continue
                    kept = protect(kind, value, new)
                    session.execute(text(f"UPDATE {table} SET {name}_secret = :secret, {name}_key = :key "
                                         "WHERE id = :id"), {"secret": kept.secret, "key": kept.key, "id": row[0]})
                    done.numbers += 1
            last = rows[-1][0]
            session.commit()
            progress("numbers", len(rows))
    done.versions = _versions(session, old, new, progress, done)
    audit.record(session, "key_rotated", "register", None, None,
                 {"numbers": done.numbers, "versions": done.versions, "unreadable": done.unreadable})
    session.commit()
    return done


def _versions(session: Session, old: str, new: str, progress, done: Rotated) -> int:
    """The versions keep each number as its secret and finding key, base64 in their data."""
    kinds = {"resident": NUMBERS["resident"], "organisation": NUMBERS["organisation"]}
    changed, last = 0, 0
    while True:
        rows = session.execute(text(
            "SELECT id, kind, data FROM register_version WHERE id > :last AND kind = ANY(:kinds) "
            f"ORDER BY id LIMIT {BATCH}"), {"last": last, "kinds": list(kinds)}).all()
        if not rows:
            return changed
        for id_, kind, data in rows:
            touched = False
            for name, number_kind in kinds[kind]:
                secret = data.get(f"{name}_secret")
                if not secret:
                    continue
                value = _opened(base64.b64decode(secret), old, new)
                if value is None:
                    done.unreadable += 1
                    continue
                kept = protect(number_kind, value, new)
                data[f"{name}_secret"] = base64.b64encode(kept.secret).decode()
                data[f"{name}_key"] = base64.b64encode(kept.key).decode()
                touched = True
            if touched:
                session.execute(text("UPDATE register_version SET data = CAST(:data AS jsonb) WHERE id = :id"),
                                {"data": json.dumps(data, ensure_ascii=False), "id": id_})
                changed += 1
        last = rows[-1][0]
        session.commit()
        progress("versions", len(rows))
