"""reporters: a resident's phone and e-mail kept apart from the case (only with their consent,
for telling them what happened), the hash of their private link (/r/<token>: the token itself
is never stored), and who gave a case its satisfaction rating — the resident, or an operator
calling back a case without a contact

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("reporter_phone", sa.String(length=32), nullable=True))
    op.add_column("incident", sa.Column("reporter_email", sa.String(length=200), nullable=True))
    op.add_column("incident", sa.Column("reporter_consent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("reporter_token_hash", sa.String(length=64), nullable=True))
    op.add_column("incident", sa.Column("rated_by", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_incident_reporter_token_hash"), "incident", ["reporter_token_hash"], unique=True)
    op.create_check_constraint(op.f("ck_incident_rated_by"), "incident", "rated_by IN ('resident', 'callback')")
    # a contact is kept only with the consent that says what it is for
    op.create_check_constraint(op.f("ck_incident_contact_consented"), "incident",
                               "(reporter_phone IS NULL AND reporter_email IS NULL) OR reporter_consent_at IS NOT NULL")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_incident_contact_consented"), "incident", type_="check")
    op.drop_constraint(op.f("ck_incident_rated_by"), "incident", type_="check")
    op.drop_index(op.f("ix_incident_reporter_token_hash"), table_name="incident")
    for column in ("rated_by", "reporter_token_hash", "reporter_consent_at", "reporter_email", "reporter_phone"):
        op.drop_column("incident", column)
