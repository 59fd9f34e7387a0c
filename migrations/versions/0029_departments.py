"""departments in the loop (协同): departments and the areas they serve, routing rules with
their history, each case's tasks for departments (lead and helpers), the lead department on
the incident and who handles it, department accounts, and messages to a department's duty
phone and mailbox in the outbox

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

ROLES_BEFORE = "('admin', 'operator', 'planner', 'reviewer', 'filer', 'worker', 'viewer')"
ROLES_AFTER = "('admin', 'operator', 'planner', 'reviewer', 'filer', 'worker', 'viewer', 'department')"
ACTIVE = "('open', 'accepted')"


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("duty_phone", sa.String(length=20), nullable=True),
        sa.Column("duty_email", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint("kind IN ('government', 'utility', 'property', 'mediation')",
                           name=op.f("ck_department_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
    )
    op.create_table(
        "department_area",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], ondelete="CASCADE",
                                name=op.f("fk_department_area_department_id_department")),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_department_area_area_id_area")),
        sa.PrimaryKeyConstraint("department_id", "area_id", name=op.f("pk_department_area")),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=32), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("handling", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("handling IN ('grid', 'department', 'both')", name=op.f("ck_routing_rule_handling")),
        sa.CheckConstraint("(handling = 'grid') = (department_id IS NULL)",
                           name=op.f("ck_routing_rule_department_when_needed")),
        sa.CheckConstraint("severity IN ('low', 'normal', 'high', 'critical')", name=op.f("ck_routing_rule_severity")),
        sa.ForeignKeyConstraint(["category_code"], ["category.code"],
                                name=op.f("fk_routing_rule_category_code_category")),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_routing_rule_area_id_area")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_routing_rule_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    op.execute("""CREATE UNIQUE INDEX uq_routing_rule_in_force ON routing_rule
                  (coalesce(category_code, ''), coalesce(area_id, 0), coalesce(severity, ''))
                  WHERE valid_to IS NULL""")

    op.add_column("incident", sa.Column("department_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_incident_department_id_department"), "incident", "department",
                          ["department_id"], ["id"])
    op.add_column("incident", sa.Column("handling", sa.String(length=16), server_default="grid", nullable=False))
    op.create_check_constraint(op.f("ck_incident_handling"), "incident", "handling IN ('grid', 'department', 'both')")

    op.create_table(
        "incident_task",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("given_by_event_id", sa.BigInteger(), nullable=True),
        sa.Column("finished_by_event_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("role IN ('lead', 'helper')", name=op.f("ck_incident_task_role")),
        sa.CheckConstraint("status IN ('open', 'accepted', 'done', 'transferred', 'returned', 'ended')",
                           name=op.f("ck_incident_task_status")),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_task_incident_id_incident")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_incident_task_department_id_department")),
        sa.ForeignKeyConstraint(["given_by_event_id"], ["incident_event.id"],
                                name=op.f("fk_incident_task_given_by_event_id_incident_event")),
        sa.ForeignKeyConstraint(["finished_by_event_id"], ["incident_event.id"],
                                name=op.f("fk_incident_task_finished_by_event_id_incident_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
    )
    op.create_index(op.f("ix_incident_task_incident_id"), "incident_task", ["incident_id"])
    op.create_index("ix_incident_task_queue", "incident_task", ["department_id", "incident_id"],
                    postgresql_where=sa.text(f"status IN {ACTIVE}"))
    op.create_index("uq_incident_task_active", "incident_task", ["incident_id", "department_id"], unique=True,
                    postgresql_where=sa.text(f"status IN {ACTIVE}"))
    op.create_index("uq_incident_task_lead", "incident_task", ["incident_id"], unique=True,
                    postgresql_where=sa.text(f"role = 'lead' AND status IN {ACTIVE}"))

    op.add_column("app_user", sa.Column("department_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_app_user_department_id_department"), "app_user", "department",
                          ["department_id"], ["id"])
    op.drop_constraint("ck_app_user_role", "app_user")
    op.create_check_constraint(op.f("ck_app_user_role"), "app_user", f"role IN {ROLES_AFTER}")
    op.create_check_constraint(op.f("ck_app_user_department_role"), "app_user",
                               "(role = 'department') = (department_id IS NOT NULL)")

    # a department is told of the task it is given, on its duty phone and mailbox
    op.add_column("outbox_message", sa.Column("department_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_outbox_message_department_id_department"), "outbox_message", "department",
                          ["department_id"], ["id"])
    op.drop_constraint("ck_outbox_message_step", "outbox_message")
    op.create_check_constraint(op.f("ck_outbox_message_step"), "outbox_message",
                               "step IN ('accepted', 'resolved', 'rejected', 'closed', 'task')")
    op.drop_constraint("uq_outbox_message_event_channel", "outbox_message")
    op.execute("""CREATE UNIQUE INDEX uq_outbox_message_event_channel ON outbox_message
                  (event_id, channel, coalesce(department_id, 0))""")


def downgrade() -> None:
    op.execute("DROP INDEX uq_outbox_message_event_channel")
    op.execute("DELETE FROM outbox_message WHERE department_id IS NOT NULL")
    op.create_unique_constraint("uq_outbox_message_event_channel", "outbox_message", ["event_id", "channel"])
    op.drop_constraint("ck_outbox_message_step", "outbox_message")
    op.create_check_constraint(op.f("ck_outbox_message_step"), "outbox_message",
                               "step IN ('accepted', 'resolved', 'rejected', 'closed')")
    op.drop_column("outbox_message", "department_id")
    op.drop_constraint("ck_app_user_department_role", "app_user")
    op.drop_constraint("ck_app_user_role", "app_user")
    op.create_check_constraint(op.f("ck_app_user_role"), "app_user", f"role IN {ROLES_BEFORE}")
    op.drop_column("app_user", "department_id")
    op.drop_table("incident_task")
    op.drop_constraint("ck_incident_handling", "incident")
    op.drop_column("incident", "handling")
    op.drop_column("incident", "department_id")
    op.drop_table("routing_rule")
    op.drop_table("department_area")
    op.drop_table("department")
