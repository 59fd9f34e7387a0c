"""city parts (部件): their kinds after GB/T 30428.2 with the standard's code beside ours, the
parts themselves as points in their grid, the standard's class of each incident category, and
the part an incident is about

Revision ID: 0032
Revises: 0031
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

# served as layers: their writes bump the layer versions (ETags of `parts` and its tiles)
SERVED = ("part", "part_kind")


def upgrade() -> None:
    op.create_table('part_kind',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('group_code', sa.String(length=2), nullable=False),
    sa.Column('standard_code', sa.String(length=4), nullable=True),
    sa.Column('standard_name', sa.String(length=100), nullable=True),
    sa.CheckConstraint("group_code IN ('01', '02', '03', '04', '05', '06')", name=op.f('ck_part_kind_group_code')),
    sa.CheckConstraint("standard_code ~ '^[0-9]{4}$'", name=op.f('ck_part_kind_standard_code')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_part_kind'))
    )
    op.create_table('part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='in_use', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=False),
    sa.CheckConstraint("status IN ('in_use', 'damaged', 'missing', 'disused', 'removed')", name=op.f('ck_part_status')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_part_grid_id_grid')),
    sa.ForeignKeyConstraint(['kind'], ['part_kind.code'], name=op.f('fk_part_kind_part_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part')),
    sa.UniqueConstraint('source_id', name=op.f('uq_part_source_id'))
    )
    op.create_index(op.f('ix_part_grid_id'), 'part', ['grid_id'], unique=False)
    op.create_index(op.f('ix_part_kind'), 'part', ['kind'], unique=False)
    op.execute("CREATE INDEX ix_part_geom ON part USING gist (geom)")
    op.create_table('category_standard',
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('standard_kind', sa.String(length=8), nullable=False),
    sa.Column('class_zh', sa.String(length=100), nullable=False),
    sa.Column('class_en', sa.String(length=100), nullable=False),
    sa.Column('standard_code', sa.String(length=4), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.CheckConstraint("standard_code ~ '^[0-9]{2}([0-9]{2})?$'", name=op.f('ck_category_standard_standard_code')),
    sa.CheckConstraint("standard_kind IN ('event', 'part')", name=op.f('ck_category_standard_standard_kind')),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_category_standard_category_code_category')),
    sa.PrimaryKeyConstraint('category_code', name=op.f('pk_category_standard'))
    )
    op.add_column('incident', sa.Column('part_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_incident_part_id_part'), 'incident', 'part', ['part_id'], ['id'])
    op.create_index(op.f('ix_incident_part_id'), 'incident', ['part_id'], unique=False)
    for table in SERVED:
        op.execute(f"INSERT INTO layer_version (layer) VALUES ('{table}') ON CONFLICT DO NOTHING")
        op.execute(f"""
            CREATE TRIGGER {table}_layer_version
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")


def downgrade() -> None:
    for table in SERVED:
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
        op.execute(f"DELETE FROM layer_version WHERE layer = '{table}'")
    op.drop_index(op.f('ix_incident_part_id'), table_name='incident')
    op.drop_constraint(op.f('fk_incident_part_id_part'), 'incident', type_='foreignkey')
    op.drop_column('incident', 'part_id')
    for table in ("category_standard", "part", "part_kind"):
        op.drop_table(table)
