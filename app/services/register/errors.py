"""The register's refusals, each with the HTTP answer the API gives it; their words are
catalogue keys (app/messages.py). None of them ever carries a number a person gave."""
from __future__ import annotations

from ...messages import Message, Said, per_field


class RegisterError(Said):
    status = 400


class Invalid(RegisterError):
    """An entry with bad fields: one message per field."""
    status = 422

    def __init__(self, errors: dict[str, Message]):
        super().__init__("register.invalid", fields=list(errors))
        self.errors = errors

    def describe(self, language: str) -> str:
        return per_field(self.errors, language)


class NotFound(RegisterError):
    """No such entry, or not in the reader's scope: the two are one answer, so a worker cannot
    learn that another grid's entry exists."""
    status = 404


class NotAllowed(RegisterError):
    status = 403


class NotYours(RegisterError):
    """A building of another grid: which grid and worker answer for it is no secret (its door
    plate says so to anyone), and is what the worker needs to know."""
    status = 403

    def __init__(self, grid: dict | None, workers: list[dict]):
        from ...messages import Both
        super().__init__("register.building_not_yours",
                         grid=Both(grid["name"]["zh"], grid["name"]["en"]) if grid else Both("—", "—"))
        self.grid, self.workers = grid, workers


class Stale(RegisterError):
    """The client changed an older version than the one stored."""
    status = 412

    def __init__(self, kind: str, current: int):
        super().__init__("register.stale")
        self.kind, self.current = kind, current


class Taken(RegisterError):
    """The place or number is already someone's entry."""
    status = 409
