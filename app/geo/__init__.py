"""Pure geometry: Shapely and pyproj only. Nothing here knows Flask, the database or our models."""
