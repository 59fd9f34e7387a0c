"""The least a Flask answer costs on the server and client the layers benchmark uses: one
route that returns 1,500 bytes it already holds (about a z17 buildings tile), no database,
no authentication. bench/layers.py serves it exactly as it serves Gridmap and times it at
one connection: the part of any Gridmap answer that no work on Gridmap can remove."""
from flask import Flask, Response

app = Flask(__name__)
BODY = b"\x1a" * 1500


@app.get("/answer")
def answer():
    return Response(BODY, mimetype="application/vnd.mapbox-vector-tile")
