"""Loading a city: an OpenStreetMap extract (`osm`) or a synthetic city (`synthetic`) into the
ground truth — buildings, roads, cameras — and its division into areas and grids. It sits above
cameras and planning because it uses both.
"""
