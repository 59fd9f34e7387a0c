"""each account may name the language the server answers it in

Refusals and messages are said in the request's language: the Accept-Language header when it
names Chinese or English, else the account's own `language`, else Chinese. NULL: no choice
made. A change of it is announced like a change of role (migration 0016), so that every
process drops the account's cached credentials, which carry the setting.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

LANGUAGES = ("zh", "en")
# as migration 0016 announces a change of an account
ANNOUNCED = """
    OLD.active IS DISTINCT FROM NEW.active OR OLD.role IS DISTINCT FROM NEW.role
    OR OLD.scope_area_id IS DISTINCT FROM NEW.scope_area_id
    OR OLD.scope_grid_codes IS DISTINCT FROM NEW.scope_grid_codes
    OR OLD.worker_id IS DISTINCT FROM NEW.worker_id
    OR OLD.password_hash IS DISTINCT FROM NEW.password_hash"""


def _announce(condition: str) -> None:
    op.execute("DROP TRIGGER app_user_announce_change ON app_user")
    op.execute(f"""
        CREATE TRIGGER app_user_announce_change AFTER UPDATE ON app_user
        FOR EACH ROW WHEN ({condition})
        EXECUTE FUNCTION gridmap_account_changed('id')""")


def upgrade() -> None:
    op.add_column("app_user", sa.Column("language", sa.String(2), nullable=True))
    op.create_check_constraint(op.f("ck_app_user_language"), "app_user", f"language IN {LANGUAGES}")
    _announce(ANNOUNCED + "\n    OR OLD.language IS DISTINCT FROM NEW.language")


def downgrade() -> None:
    _announce(ANNOUNCED)
    op.drop_constraint(op.f("ck_app_user_language"), "app_user", type_="check")
    op.drop_column("app_user", "language")
