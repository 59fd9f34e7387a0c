"""Grid planning (网格划分): the current division of communities into grids (`division`, with its
history), and plans (`plans`) that are drafted and edited (`edits`, `files`, `proposal`),
checked for gaps, overlaps, split buildings and household ranges (`problems`), compared with the
current division (`diff`), printed (`printable_maps`) and sent through review and filing
(`workflow`, `filing`), after which they become the current division.
"""
