"""accounts and audit: login sessions, API tokens, grid scopes, and an audit log that database
triggers write on every audited table

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# table -> columns never copied into the log (secrets, and bookkeeping that would drown it)
AUDITED = {
    "area": [], "grid": [], "building": [], "road": [], "road_segment": [], "worker": [],
    "worker_assignment": [], "category": [], "incident": [], "camera": [], "grid_plan": [],
    "grid_plan_feature": [], "app_user": ["password_hash"], "api_token": ["token_hash", "last_used_at"],
}


def upgrade() -> None:
    op.add_column("app_user", sa.Column("scope_grid_codes", postgresql.ARRAY(sa.String(length=32)),
                                        nullable=True))
    op.create_table(
        "user_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_session")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    for column in ("at", "actor", "entity"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column])
    op.execute("""
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION gridmap_refuse_change()""")
    # The actor and request id come from transaction settings the app sets (db.py); a write
    # made any other way is still logged, as its database user.
    op.execute("""
        CREATE FUNCTION gridmap_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_row jsonb;
            new_row jsonb;
        BEGIN
            IF coalesce(current_setting('gridmap.audit', true), '') = 'off' THEN
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - coalesce(TG_ARGV, '{}'); END IF;
            IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - coalesce(TG_ARGV, '{}'); END IF;
            IF TG_OP = 'UPDATE' AND old_row = new_row THEN
                RETURN NULL;
            END IF;
            INSERT INTO audit_log (actor, request_id, action, entity, entity_id, before, after)
            VALUES (coalesce(nullif(current_setting('gridmap.actor', true), ''), 'db:' || session_user),
                    nullif(current_setting('gridmap.request_id', true), ''),
                    TG_OP, TG_TABLE_NAME, coalesce(new_row, old_row) ->> 'id', old_row, new_row);
            RETURN NULL;
        END $$""")
    for table, hidden in AUDITED.items():
        arguments = ", ".join(f"'{column}'" for column in hidden)
        op.execute(f"""
            CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION gridmap_audit({arguments})""")


def downgrade() -> None:
    for table in AUDITED:
        op.execute(f"DROP TRIGGER {table}_audit ON {table}")
    op.execute("DROP FUNCTION gridmap_audit()")
    op.drop_table("audit_log")
    op.drop_table("api_token")
    op.drop_table("user_session")
    op.drop_column("app_user", "scope_grid_codes")
