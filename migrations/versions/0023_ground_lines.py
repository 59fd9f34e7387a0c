"""ground lines: railways, rivers, shores and compound outlines, which a grid boundary can
follow as well as a road (DESIGN.md: grids follow the ground); kept apart from roads, which
workers walk and cameras watch

Revision ID: 0023
Revises: 0022
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ground_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='LINESTRING', srid=4326,
                                                    spatial_index=False), nullable=False),
        sa.CheckConstraint("kind IN ('railway', 'waterway', 'water', 'compound')",
                           name=op.f('ck_ground_line_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_line')),
        sa.UniqueConstraint('source_id', name=op.f('uq_ground_line_source_id')))
    op.execute("CREATE INDEX ix_ground_line_geom ON ground_line USING gist (geom)")


def downgrade() -> None:
    op.drop_table('ground_line')
