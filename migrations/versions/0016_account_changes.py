"""a change to an account is announced, at commit, on its own channel

Every process caches the credentials it checked lately (bearer tokens for a few seconds,
Basic passwords for a minute: argon2 is slow on purpose) and holds open live streams that
were let in once, when they opened. Neither would see a token revoked, an account disabled
or its scope narrowed by another process. Now such a change NOTIFYs `gridmap_accounts` with
the account's id; each process's stream hub listens (app/services/live/stream.py), drops that
account's cached credentials and asks again about its open streams.

What is announced: on `app_user` a change of what a credential stands for (active, role,
scope, worker) or of the password; a token revoked, re-dated or deleted; a login session
ended. Not the bookkeeping (failed logins, a token's last use): it changes nothing anyone may
do, and a busy phone would otherwise wake every process once a minute. NOTIFY goes out at
commit and not at all on a rollback; equal notices of one transaction are folded into one.

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHANNEL = "gridmap_accounts"     # as app.services.accounts.accounts.ACCOUNT_CHANNEL

# table -> (the column naming the account, the event, the condition worth a notice)
TRIGGERS = {
    "app_user": ("id", "UPDATE", """
        OLD.active IS DISTINCT FROM NEW.active OR OLD.role IS DISTINCT FROM NEW.role
        OR OLD.scope_area_id IS DISTINCT FROM NEW.scope_area_id
        OR OLD.scope_grid_codes IS DISTINCT FROM NEW.scope_grid_codes
        OR OLD.worker_id IS DISTINCT FROM NEW.worker_id
        OR OLD.password_hash IS DISTINCT FROM NEW.password_hash"""),
    "api_token": ("user_id", "UPDATE", """
        OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.user_id IS DISTINCT FROM NEW.user_id"""),
}
DELETED = {"app_user": "id", "api_token": "user_id", "user_session": "user_id"}


def upgrade() -> None:
    # TG_ARGV[0] names the column holding the account's id
    op.execute(f"""
        CREATE FUNCTION gridmap_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
            ELSE
                PERFORM pg_notify('{CHANNEL}', to_jsonb(NEW) ->> TG_ARGV[0]);
                IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM
                                        (to_jsonb(NEW) ->> TG_ARGV[0]) THEN
                    PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
                END IF;
            END IF;
            RETURN NULL;
        END $$""")
    for table, (column, event, condition) in TRIGGERS.items():
        op.execute(f"""
            CREATE TRIGGER {table}_announce_change AFTER {event} ON {table}
            FOR EACH ROW WHEN ({condition})
            EXECUTE FUNCTION gridmap_account_changed('{column}')""")
    for table, column in DELETED.items():
        op.execute(f"""
            CREATE TRIGGER {table}_announce_delete AFTER DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION gridmap_account_changed('{column}')""")


def downgrade() -> None:
    for table in DELETED:
        op.execute(f"DROP TRIGGER {table}_announce_delete ON {table}")
    for table in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_announce_change ON {table}")
    op.execute("DROP FUNCTION gridmap_account_changed()")
