"""The layers for GIS clients and the map: OGC API – Features (`ogcapi`, with writes on plan
collections in `edits` and the OpenAPI document in `openapi`) and vector tiles (`tiles`), over one
parsing of a layer request (`request`)."""
