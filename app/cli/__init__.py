"""flask commands. Each long one shows progress and can be run again safely."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import assessment, cameras, data, database, incidents, positions, serve, users
    app.cli.add_command(database.db_server)
    app.cli.add_command(database.db_group)
    app.cli.add_command(data.import_group)
    app.cli.add_command(data.generate_group)
    app.cli.add_command(data.setup_demo)
    app.cli.add_command(users.users_group)
    app.cli.add_command(incidents.incidents_group)
    app.cli.add_command(incidents.simulate)
    app.cli.add_command(serve.serve)
    app.cli.add_command(serve.serve_streams)
    app.cli.add_command(positions.positions_group)
    app.cli.add_command(cameras.cameras_group)
    app.cli.add_command(assessment.assessment_group)
