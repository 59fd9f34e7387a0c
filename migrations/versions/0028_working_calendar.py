"""time limits on working days: each category counts its limits in natural minutes (as before) or
in working minutes (office hours on working days), and the city may override which days are
working days (a local holiday, an extra make-up day) in work_calendar_day

Which days are working days otherwise comes from China's statutory holidays and 调休 make-up
days (the chinese-calendar package); office hours are a setting. Categories shipped as
department work count working minutes (as in gis_data/categories.csv at this revision);
`flask import categories` sets the unit of every category from the table. Overrides are audited:
they move deadlines.

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

LIMIT_UNITS = ("natural", "working")
# as shipped in gis_data/categories.csv at this revision
SHIPPED_WORKING = ("street_vending", "public_facility")


def upgrade() -> None:
    op.add_column("category", sa.Column("limit_unit", sa.String(16), nullable=False,
                                        server_default="natural"))
    op.create_check_constraint(op.f("ck_category_limit_unit"), "category", f"limit_unit IN {LIMIT_UNITS}")
    op.execute(sa.text("UPDATE category SET limit_unit = 'working' WHERE code IN :codes")
               .bindparams(sa.bindparam("codes", SHIPPED_WORKING, expanding=True)))
    op.create_table(
        "work_calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_work_calendar_day")),
    )
    op.execute("""
        CREATE TRIGGER work_calendar_day_audit AFTER INSERT OR UPDATE OR DELETE ON work_calendar_day
        FOR EACH ROW EXECUTE FUNCTION gridmap_audit()""")


def downgrade() -> None:
    op.drop_table("work_calendar_day")
    op.drop_constraint(op.f("ck_category_limit_unit"), "category", type_="check")
    op.drop_column("category", "limit_unit")
