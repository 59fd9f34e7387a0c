"""What a map page is told of its basemap (static/js/basemap.js draws it and shifts our layers
onto it): the provider, its key or template, the datum its tiles are drawn in, whom to name."""
from __future__ import annotations

from ..config import TIANDITU_URL, Basemap


def for_page(basemap: Basemap) -> dict | None:
    """None: our own layers alone, as without internet."""
    if basemap.provider == "tianditu":
        # the key travels to the browser, which asks 天地图 for the tiles: it is a browser key
        return {"provider": "tianditu", "datum": "wgs84", "key": basemap.tianditu_key, "url": TIANDITU_URL,
                "layers": basemap.tianditu_layers, "review_number": basemap.tianditu_review_number}
    if basemap.provider == "xyz":
        return {"provider": "xyz", "datum": basemap.datum, "url": basemap.url, "subdomains": basemap.subdomains,
                "attribution": basemap.attribution}
    return None
