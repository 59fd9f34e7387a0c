"""reporters out of the audit log: a resident's phone and e-mail (and the old free-text contact,
and the hash and seed of their private link) are no longer copied into audit_log with every change to
their case, and the copies already there are taken out

The audit trigger (migration 0002) writes each incident row whole, before and after; with
residents' own reports (issue 26) that would put their phone numbers into a log, which the
privacy rule forbids (no personal data in any log). The row's other columns are still audited.
The audit log is append-only; this migration alone lifts that for the one UPDATE that removes
those keys from the entries already written, and restores it.

Revision ID: 0027
Revises: 0026
"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

HIDDEN = ("reporter_contact", "reporter_phone", "reporter_email", "reporter_token_hash", "reporter_link_seed")


def _trigger(hidden: tuple[str, ...]) -> None:
    arguments = ", ".join(f"'{column}'" for column in hidden)
    op.execute("DROP TRIGGER incident_audit ON incident")
    op.execute(f"""
        CREATE TRIGGER incident_audit AFTER INSERT OR UPDATE OR DELETE ON incident
        FOR EACH ROW EXECUTE FUNCTION gridmap_audit({arguments})""")


def upgrade() -> None:
    _trigger(HIDDEN)
    keys = "ARRAY[" + ", ".join(f"'{column}'" for column in HIDDEN) + "]"
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    op.execute(f"""
        UPDATE audit_log SET before = before - {keys}, after = after - {keys}
        WHERE entity = 'incident' AND (before ?| {keys} OR after ?| {keys})""")
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def downgrade() -> None:
    _trigger(())
