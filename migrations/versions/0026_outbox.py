"""outbox: what the reporter is to be told (accepted, resolved, rejected with the reason,
closed), one row per step and channel, written in the transaction of the step itself and sent
after commit by any process's sender (app/services/notify); the language a resident reported
in, which is the language they are told in; and the seed of their private link, from which
the server's secret makes the link again for the message at close (the link itself is never
stored: the seed without SECRET_KEY opens nothing)

The recipient is not copied here: the sender reads the incident's contact when it sends, so a
contact erased (consent withdrawn) is never written to again. An insert NOTIFYs
`gridmap_outbox` at commit, waking the senders at once instead of at their next poll.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

CHANNEL = "gridmap_outbox"      # as app.services.notify.outbox.CHANNEL


def upgrade() -> None:
    op.add_column("incident", sa.Column("reporter_language", sa.String(length=2), nullable=True))
    op.create_check_constraint(op.f("ck_incident_reporter_language"), "incident",
                               "reporter_language IN ('zh', 'en')")
    op.add_column("incident", sa.Column("reporter_link_seed", sa.String(length=200), nullable=True))
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_outbox_message_channel")),
        sa.CheckConstraint("step IN ('accepted', 'resolved', 'rejected', 'closed')",
                           name=op.f("ck_outbox_message_step")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead', 'cancelled')",
                           name=op.f("ck_outbox_message_status")),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"],
                                name=op.f("fk_outbox_message_incident_id_incident")),
        sa.ForeignKeyConstraint(["event_id"], ["incident_event.id"],
                                name=op.f("fk_outbox_message_event_id_incident_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_message_key")),
        sa.UniqueConstraint("event_id", "channel", name="uq_outbox_message_event_channel"),
    )
    op.create_index(op.f("ix_outbox_message_incident_id"), "outbox_message", ["incident_id"])
    # what a sender claims, soonest first; and what /healthz counts: both small, the sent
    # messages (nearly all of them) are in neither
    op.create_index("ix_outbox_message_due", "outbox_message", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_outbox_message_backlog", "outbox_message", ["channel"],
                    postgresql_where=sa.text("status IN ('pending', 'dead')"))
    op.execute(f"""
        CREATE FUNCTION gridmap_outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER outbox_message_queued AFTER INSERT ON outbox_message
        FOR EACH STATEMENT EXECUTE FUNCTION gridmap_outbox_queued()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_message_queued ON outbox_message")
    op.execute("DROP FUNCTION gridmap_outbox_queued()")
    op.drop_table("outbox_message")
    op.drop_column("incident", "reporter_link_seed")
    op.drop_constraint(op.f("ck_incident_reporter_language"), "incident", type_="check")
    op.drop_column("incident", "reporter_language")
