"""The service's account of itself for /healthz: the database, its tables and migration, and
whether the live stream numbers its events (`database`), the backups (`backups`), the messages
to reporters waiting to go out (`outbox`), the years the working calendar knows (`calendar`).
The top floor: it may ask any domain.
"""
