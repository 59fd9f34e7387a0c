"""What a plan changes against the current division (app/services/planning/diff.py): only what
moved is named."""
from __future__ import annotations

import pytest
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import text

from app.services.accounts.scope import Scope
from app.services.planning import diff, plans

ACTOR = plans.Actor("user:test", None, Scope(everything=True))


@pytest.fixture()
def communities(session):
    yield list(session.execute(text("SELECT code FROM area WHERE level = 'community' ORDER BY code")).scalars())
    session.rollback()


def test_an_untouched_plan_changes_nothing_and_moves_no_household(session, communities):
    for code in communities:
        plan = plans.start(session, code, "", ACTOR)
        found = diff.diff(session, plan)
        assert found["changed"] == found["added"] == found["removed"] == [], code
        # the neighbouring community's buildings along the line stay where they are
        assert found["buildings"] == [] and found["households_moving"] == 0, code
        assert found["lines"]["features"] == []
        assert found["unchanged"] == len(plan.base_grid_ids)


def test_a_neighbour_refitted_by_less_than_a_centimetre_is_unchanged(session, communities):
    plan = plans.start(session, communities[0], "", ACTOR)
    first, *others = plans.features_of(session, plan.id)
    # the vertices nudged by a millimetre, as fitting a neighbour's edit does
    first.geom = from_shape(shapely.affinity.translate(to_shape(first.geom), 1e-8, 1e-8), 4326)
    session.flush()
    found = diff.diff(session, plan)
    assert found["changed"] == [] and found["unchanged"] == len(others) + 1


def test_a_moved_grid_is_named_with_the_households_it_takes(session, communities):
    plan = plans.start(session, communities[0], "", ACTOR)
    features = plans.features_of(session, plan.id)
    shrunk = features[0]
    shrunk.geom = from_shape(shapely.MultiPolygon([to_shape(shrunk.geom).buffer(-0.0005).geoms[0]])
                             if to_shape(shrunk.geom).buffer(-0.0005).geom_type == "MultiPolygon"
                             else shapely.MultiPolygon([to_shape(shrunk.geom).buffer(-0.0005)]), 4326)
    session.flush()
    found = diff.diff(session, plan)
    assert [c["code"] for c in found["changed"]] == [shrunk.code]
    assert all(b["from"] == shrunk.code and b["to"] is None for b in found["buildings"])
    assert found["households_moving"] == sum(b["households"] for b in found["buildings"])
