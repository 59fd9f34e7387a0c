"""The OGC API as plain pages (f=html): a person can look at the landing page, the collections,
a page of features and one feature in their language. Each page is the JSON document the
clients get, laid out; nothing here decides what is shown."""
from __future__ import annotations

import json

from flask import Response, render_template_string

_PLAIN = """<!doctype html><meta charset="utf-8"><title>Gridmap OGC API</title>
<pre>{{ text }}</pre>"""


def page(kind: str, document: dict, **context) -> Response:
    """`kind`: landing, conformance, collections, collection, items or item; `document`: the
    JSON answer of that kind; `context`: `collection` (its description) for items and item."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(render_template_string(_PLAIN, text=text), mimetype="text/html")
