"""places: the administrative boundaries (admin levels 8–10) and named places (city … neighbourhood)
of an OpenStreetMap extract, so that `generate areas` names a town after itself

Revision ID: 0024
Revises: 0023
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'place',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=64), nullable=False),
        sa.Column('admin_level', sa.Integer(), nullable=True),
        sa.Column('place', sa.String(length=16), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_zh', sa.String(length=200), nullable=True),
        sa.Column('name_en', sa.String(length=200), nullable=True),
        sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='GEOMETRY', srid=4326,
                                                    spatial_index=False), nullable=False),
        sa.CheckConstraint("admin_level IN (8, 9, 10)", name=op.f('ck_place_admin_level')),
        sa.CheckConstraint("place IN ('city', 'town', 'village', 'suburb', 'quarter', 'neighbourhood')",
                           name=op.f('ck_place_place')),
        sa.CheckConstraint("admin_level IS NOT NULL OR place IS NOT NULL", name=op.f('ck_place_what')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_place')),
        sa.UniqueConstraint('source_id', name=op.f('uq_place_source_id')))
    op.execute("CREATE INDEX ix_place_geom ON place USING gist (geom)")
    op.execute("ALTER TABLE place ADD CONSTRAINT ck_place_geom_type "
               "CHECK (GeometryType(geom) IN ('POINT', 'MULTIPOLYGON'))")
    op.execute("ALTER TABLE place ADD CONSTRAINT ck_place_geom_valid "
               "CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))")


def downgrade() -> None:
    op.drop_table('place')
