"""Statements on the hot path of intake, run by psycopg itself.

SQLAlchemy's own work around each statement (events, the result's metadata for every
column, row objects) cost 0.4 ms of CPU per statement on a report: more than PostgreSQL
spent on some of them. These run on the session's connection, inside its transaction, so
they commit or roll back with everything else the session does.
"""
from __future__ import annotations

from functools import lru_cache

from psycopg.rows import dict_row
from psycopg.types.numeric import Int8
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.orm import Session

_DIALECT = psycopg_dialect.dialect()


def one(session: Session, statement: TextClause, params: dict, row_factory=dict_row):
    """The one row of a statement that always gives one; a dict unless told otherwise.

    Prepared at once, with every integer sent as a bigint: psycopg sends the smallest type
    that holds each value (smallint for a grid id, integer for an incident id) and None as
    untyped, and PostgreSQL prepares and plans a statement afresh for every combination of
    parameter types, after five runs unprepared (psycopg's threshold) and five custom plans.
    Across two processes' pools that was 1,200 plans of the report's statement in a 20 s
    intake run, 1.6 ms each (pg_stat_statements); now 15."""
    driver = session.connection().connection.driver_connection
    with driver.cursor(row_factory=row_factory) as cursor:
        return cursor.execute(_pyformat(statement), _bigints(params), prepare=True).fetchone()


def _bigints(params: dict) -> dict:
    return {name: Int8(value) if type(value) is int else value for name, value in params.items()}


@lru_cache(maxsize=64)
def _pyformat(statement: TextClause) -> str:
    # :name becomes %(name)s and a literal % is doubled, as SQLAlchemy would send it
    return statement.compile(dialect=_DIALECT).string
