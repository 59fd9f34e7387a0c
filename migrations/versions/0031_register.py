"""the grid's base register (人、房、单位): houses of a building, residents with their ID number
and phone encrypted (secret, keyed hash, mask), organisations, every version of each entry,
the grid worker's visits (with photos), and the log of every read of a person's record

Revision ID: 0031
Revises: 0030
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_version',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint("action IN ('added', 'changed', 'ended')", name=op.f('ck_register_version_action')),
    sa.CheckConstraint("kind IN ('unit', 'resident', 'organisation')", name=op.f('ck_register_version_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_version'))
    )
    op.create_index('uq_register_version_entry', 'register_version', ['kind', 'entry_id', 'version'], unique=True)
    op.create_table('person_access',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=16), server_default='resident', nullable=False),
    sa.Column('subject_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("action IN ('list', 'read', 'search', 'reveal', 'history', 'export')", name=op.f('ck_person_access_action')),
    sa.CheckConstraint("subject IN ('resident', 'organisation')", name=op.f('ck_person_access_subject')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_person_access_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_access'))
    )
    op.create_index(op.f('ix_person_access_at'), 'person_access', ['at'], unique=False)
    op.create_index('ix_person_access_subjects', 'person_access', ['subject_ids'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_person_access_user_id'), 'person_access', ['user_id'], unique=False)
    op.create_table('house_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('entrance', sa.String(length=16), nullable=True),
    sa.Column('floor', sa.SmallInteger(), nullable=True),
    sa.Column('room', sa.String(length=16), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('floor_area', sa.Float(), nullable=True),
    sa.Column('households', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("use IN ('owner', 'rented', 'vacant', 'shop', 'office', 'other')", name=op.f('ck_house_unit_use')),
    sa.CheckConstraint('floor IS NULL OR floor BETWEEN -10 AND 200', name=op.f('ck_house_unit_floor')),
    sa.CheckConstraint('floor_area IS NULL OR floor_area > 0 AND floor_area < 100000', name=op.f('ck_house_unit_floor_area')),
    sa.CheckConstraint('households >= 0 AND households < 1000', name=op.f('ck_house_unit_households')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_house_unit_building_id_building')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_house_unit'))
    )
    op.create_index(op.f('ix_house_unit_building_id'), 'house_unit', ['building_id'], unique=False)
    op.create_index('uq_house_unit_place', 'house_unit', ['building_id', sa.literal_column("coalesce(entrance, '')"), sa.literal_column('coalesce(floor, -99)'), 'room'], unique=True, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone_secret', sa.LargeBinary(), nullable=True),
    sa.Column('contact_phone_key', sa.LargeBinary(), nullable=True),
    sa.Column('contact_phone_mask', sa.String(length=24), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('risk_tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('shop', 'restaurant', 'company', 'factory', 'warehouse', 'hotel', 'school', 'clinic', 'social', 'other')", name=op.f('ck_organisation_kind')),
    sa.CheckConstraint("risk_tags <@ ARRAY['fire', 'food', 'hazardous_goods']::varchar[]", name=op.f('ck_organisation_risk_tags')),
    sa.CheckConstraint('(contact_phone_secret IS NULL) = (contact_phone_key IS NULL) AND (contact_phone_key IS NULL) = (contact_phone_mask IS NULL)', name=op.f('ck_organisation_contact_phone_whole')),
    sa.CheckConstraint('employees IS NULL OR employees BETWEEN 0 AND 1000000', name=op.f('ck_organisation_employees')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_organisation_building_id_building')),
    sa.ForeignKeyConstraint(['unit_id'], ['house_unit.id'], name=op.f('fk_organisation_unit_id_house_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    op.create_index(op.f('ix_organisation_building_id'), 'organisation', ['building_id'], unique=False)
    op.create_index('uq_organisation_credit_code', 'organisation', ['credit_code'], unique=True, postgresql_where=sa.text('ended_at IS NULL AND credit_code IS NOT NULL'))
    op.create_table('resident',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('id_number_secret', sa.LargeBinary(), nullable=True),
    sa.Column('id_number_key', sa.LargeBinary(), nullable=True),
    sa.Column('id_number_mask', sa.String(length=24), nullable=True),
    sa.Column('phone_secret', sa.LargeBinary(), nullable=True),
    sa.Column('phone_key', sa.LargeBinary(), nullable=True),
    sa.Column('phone_mask', sa.String(length=24), nullable=True),
    sa.Column('registration', sa.String(length=16), server_default='local', nullable=False),
    sa.Column('relation', sa.String(length=16), server_default='head', nullable=False),
    sa.Column('care_tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('key_tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("care_tags <@ ARRAY['elderly_alone', 'disabled', 'low_income', 'left_behind_child']::varchar[]", name=op.f('ck_resident_care_tags')),
    sa.CheckConstraint("key_tags <@ ARRAY['community_correction', 'released_prisoner', 'mental_disorder', 'drug_user', 'petitioner']::varchar[]", name=op.f('ck_resident_key_tags')),
    sa.CheckConstraint("registration IN ('local', 'floating', 'overseas')", name=op.f('ck_resident_registration')),
    sa.CheckConstraint("relation IN ('head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'tenant', 'other')", name=op.f('ck_resident_relation')),
    sa.CheckConstraint("sex IN ('F', 'M')", name=op.f('ck_resident_sex')),
    sa.CheckConstraint('(id_number_secret IS NULL) = (id_number_key IS NULL) AND (id_number_key IS NULL) = (id_number_mask IS NULL)', name=op.f('ck_resident_id_number_whole')),
    sa.CheckConstraint('(phone_secret IS NULL) = (phone_key IS NULL) AND (phone_key IS NULL) = (phone_mask IS NULL)', name=op.f('ck_resident_phone_whole')),
    sa.CheckConstraint('birth_year IS NULL OR birth_year BETWEEN 1880 AND 2200', name=op.f('ck_resident_birth_year')),
    sa.ForeignKeyConstraint(['unit_id'], ['house_unit.id'], name=op.f('fk_resident_unit_id_house_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident'))
    )
    op.create_index('ix_resident_id_number_key', 'resident', ['id_number_key'], unique=False, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_index('ix_resident_name', 'resident', ['name'], unique=False, postgresql_ops={'name': 'varchar_pattern_ops'}, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_index('ix_resident_phone_key', 'resident', ['phone_key'], unique=False, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_index(op.f('ix_resident_unit_id'), 'resident', ['unit_id'], unique=False)
    op.create_table('visit',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('far', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('met', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('client_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint('distance_m IS NULL OR distance_m >= 0', name=op.f('ck_visit_distance_m')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_visit_building_id_building')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_visit_incident_id_incident')),
    sa.ForeignKeyConstraint(['unit_id'], ['house_unit.id'], name=op.f('fk_visit_unit_id_house_unit')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_visit_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit')),
    sa.UniqueConstraint('client_key', name=op.f('uq_visit_client_key'))
    )
    op.create_index(op.f('ix_visit_building_id'), 'visit', ['building_id'], unique=False)
    op.create_index(op.f('ix_visit_unit_id'), 'visit', ['unit_id'], unique=False)
    op.create_index(op.f('ix_visit_worker_id'), 'visit', ['worker_id'], unique=False)
    op.execute("CREATE INDEX ix_visit_geom ON visit USING gist (geom)")
    # a visit's photos are uploaded first, like a report's, then named by the visit
    op.add_column("incident_photo", sa.Column("visit_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f("fk_incident_photo_visit_id_visit"), "incident_photo", "visit", ["visit_id"], ["id"])
    op.create_index(op.f("ix_incident_photo_visit_id"), "incident_photo", ["visit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_photo_visit_id"), table_name="incident_photo")
    op.drop_constraint(op.f("fk_incident_photo_visit_id_visit"), "incident_photo", type_="foreignkey")
    op.drop_column("incident_photo", "visit_id")
    for table in ("visit", "resident", "organisation", "house_unit", "person_access", "register_version"):
        op.drop_table(table)
