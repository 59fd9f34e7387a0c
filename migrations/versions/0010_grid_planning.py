"""grid planning: who holds each planned grid, what a plan was drawn from, and its history

A plan feature names the full-time worker it is planned for. A plan remembers the current
grids it was copied from (`base_grid_ids`), so filing can tell that the division changed under
it. Every workflow step is a `grid_plan_event`; the steps that hand a plan on (submitting,
filing) keep the printable map of what was handed on.

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        ALTER TABLE grid_plan_feature
            ADD COLUMN worker_id integer
                CONSTRAINT fk_grid_plan_feature_worker_id_worker REFERENCES worker (id),
            ADD COLUMN repaired boolean NOT NULL DEFAULT false""")
    op.execute("ALTER TABLE grid_plan ADD COLUMN base_grid_ids integer[] NOT NULL DEFAULT '{}'")
    op.execute("""
        CREATE TABLE grid_plan_event (
            id serial CONSTRAINT pk_grid_plan_event PRIMARY KEY,
            plan_id integer NOT NULL
                CONSTRAINT fk_grid_plan_event_plan_id_grid_plan REFERENCES grid_plan (id) ON DELETE CASCADE,
            at timestamptz NOT NULL DEFAULT now(),
            actor varchar(100) NOT NULL,
            action varchar(32) NOT NULL,
            from_status varchar(16),
            to_status varchar(16),
            note text,
            data jsonb,
            map_html text)""")
    op.execute("CREATE INDEX ix_grid_plan_event_plan_id ON grid_plan_event (plan_id)")
    for table in ("grid_plan", "grid_plan_feature"):
        op.execute(f"INSERT INTO layer_version (layer) VALUES ('{table}') ON CONFLICT DO NOTHING")
        op.execute(f"""
            CREATE TRIGGER {table}_layer_version
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")


def downgrade() -> None:
    for table in ("grid_plan", "grid_plan_feature"):
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
        op.execute(f"DELETE FROM layer_version WHERE layer = '{table}'")
    op.execute("DROP TABLE grid_plan_event")
    op.execute("ALTER TABLE grid_plan DROP COLUMN base_grid_ids")
    op.execute("ALTER TABLE grid_plan_feature DROP COLUMN worker_id, DROP COLUMN repaired")
