"""The connection pool after the database dropped its connections (a restart, a failover):
a connection that sat idle is tried before use and replaced, so the first request after a
quiet spell does not fail — against the real PostgreSQL."""
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from app.db import IDLE_PING_SECONDS, make_engine


def _kill(database_url: str, pid: int) -> None:
    """What a restart does to a pooled connection: its backend goes away."""
    other = create_engine(database_url, poolclass=NullPool)
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    other.dispose()


def test_an_idle_connection_the_database_dropped_is_replaced_before_use(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            record = conn.connection._connection_record
        _kill(database_url, pid)
        record.info["returned_at"] -= IDLE_PING_SECONDS + 1       # it sat in the pool a while
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(database_url):
    engine = make_engine(database_url)
    statements = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
        assert statements == ["SELECT 2"]
    finally:
        engine.dispose()


def test_reads_run_outside_a_transaction_and_the_next_user_of_the_connection_gets_one(database_url):
    from psycopg.pq import TransactionStatus
    from sqlalchemy.orm import Session

    from app.db import without_transaction
    engine = make_engine(database_url)

    def status(session):
        return session.connection().connection.driver_connection.info.transaction_status
    try:
        reader = Session(engine)
        without_transaction(reader)
        pid = reader.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert status(reader) == TransactionStatus.IDLE          # no BEGIN was sent
        reader.close()
        writer = Session(engine)
        assert writer.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid   # the same one
        assert status(writer) == TransactionStatus.INTRANS       # a write can still be undone
        writer.close()
    finally:
        engine.dispose()
