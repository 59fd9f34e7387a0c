"""The register's figures on the wall: operators turn on 登记人口 and see each grid shaded by the
chosen measure, with its own legend; the figures are counts, never people."""
from __future__ import annotations

import pytest

from tests.register.conftest import _ids, clean_register  # noqa: F401  (fixtures)
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def places(app, users):
    return _ids(app, users)


def test_the_wall_shades_the_grids_by_registered_residents_with_a_legend(browser, live_server, users, places,
                                                                         client, auth):
    unit = client.post(f"/api/v1/register/buildings/{places['mine']}/units", headers=auth("worker"),
                       json={"room": "101", "use": "rented"}).get_json()
    for name in ("赵一", "赵二", "赵三"):
        client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=auth("worker"), json={"name": name})
    page, errors = open_wall(browser, live_server, users, "zh-CN", query="?layers=register")
    page.wait_for_selector("#register-control .ramp small", timeout=15_000)
    wait_until(page, "Number(document.getElementById('map').dataset.registerGrids) > 0", 10)
    legend = page.inner_text("#register-control")
    assert "登记人口" in legend and "尚未登记" in legend and "3" in legend
    page.select_option("#register-control select", "rented_share")
    assert "100%" in page.inner_text("#register-control .ramp")
    assert "赵一" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "wall-register-zh-CN.png"))
    assert errors == []
    page.context.close()
