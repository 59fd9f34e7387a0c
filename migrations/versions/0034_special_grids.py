"""special grids (专属网格): the sites they are carved around (schools, hospitals, campuses,
parks, industrial parks, markets) kept from the map, and the site kind a special grid and a
planned one record

Revision ID: 0034
Revises: 0033
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('name_zh', sa.String(length=200), nullable=True),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('source_id', name=op.f('uq_site_source_id'))
    )
    op.create_index(op.f('ix_site_kind'), 'site', ['kind'], unique=False)
    op.execute("CREATE INDEX ix_site_geom ON site USING gist (geom)")
    op.execute("ALTER TABLE site ADD CONSTRAINT ck_site_geom_valid "
               "CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))")
    for table in ('grid', 'grid_plan_feature'):
        op.add_column(table, sa.Column('site_kind', sa.String(length=32), nullable=True))
        op.create_check_constraint(op.f(f'ck_{table}_site_kind'), table, "site_kind IS NULL OR kind = 'special'")


def downgrade() -> None:
    for table in ('grid_plan_feature', 'grid'):
        op.drop_constraint(op.f(f'ck_{table}_site_kind'), table, type_='check')
        op.drop_column(table, 'site_kind')
    op.drop_index(op.f('ix_site_kind'), table_name='site')
    op.drop_table('site')
