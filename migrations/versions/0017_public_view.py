"""what the public may see of a case: each category's visibility (public: shown with its
public note and a place rounded to ~100 m; restricted: shown without text, placed at its
community; private: never shown) and, per incident, the public note an operator writes and
an operator's say on showing it (publishing another channel's case, or withdrawing one).

Categories not in the shipped table become private: a category nobody has classified may be
about a person. `flask import categories` sets them from gis_data/categories.csv.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

VISIBILITIES = ("public", "restricted", "private")
# as shipped in gis_data/categories.csv at this revision
SHIPPED = {
    "environment": "public", "road_damage": "public", "illegal_parking": "public",
    "street_vending": "public", "public_facility": "public", "greenery": "public",
    "safety_hazard": "restricted", "illegal_construction": "restricted", "fire_risk": "restricted",
    "neighbour_dispute": "private", "elderly_care": "private",
}


def upgrade() -> None:
    op.add_column("category", sa.Column("visibility", sa.String(16), nullable=False,
                                        server_default="private"))
    op.create_check_constraint(op.f("ck_category_visibility"), "category", f"visibility IN {VISIBILITIES}")
    for code, visibility in SHIPPED.items():
        op.execute(sa.text("UPDATE category SET visibility = :v WHERE code = :c")
                   .bindparams(v=visibility, c=code))
    op.add_column("incident", sa.Column("public_note", sa.Text(), nullable=True))
    # None: as the channel says (a citizen's report is shown); True/False: an operator's say
    op.add_column("incident", sa.Column("published", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("incident", "published")
    op.drop_column("incident", "public_note")
    op.drop_constraint(op.f("ck_category_visibility"), "category", type_="check")
    op.drop_column("category", "visibility")
