"""Layers (图层): each collection declared once and written by PostGIS as GeoJSON pages and
vector tiles (`features`, `tiles`), with ETags from per-table version counters (`versions`) and
a small per-process memory of what was counted (`kept`). Served by OGC API – Features and /tiles.
"""
